//! The git history of the estate: an infrastructure monorepo (Terraform root modules and a
//! shared module, Ansible roles and group_vars, a Puppet control repository, scripts and docs)
//! written through `git fast-import` as it is generated, then repacked like a clone.
//!
//! Every commit edits one to three files as people do (a literal of a root module, a line or
//! two of a role's file or a Puppet module's file...). Feature branches fork from `main`, take
//! a few commits interleaved with `main`'s and are mostly merged back with a merge commit;
//! some are abandoned (kept, never merged) and a few end as a tag on a deleted branch. A tag
//! every 500 commits of `main`. What every file held at every commit is kept as version
//! numbers, so the states, facts and reports can name a commit and the digests it deployed.

use crate::rng::{sha256_hex, Rng};
use crate::terraform::{self, Knobs, Shape};
use crate::{ansible, puppet};
use std::collections::BTreeMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};

const AUTHORS: [(&str, &str); 12] = [
    ("Ada Lovelace", "ada@acme.example"),
    ("Bo Svensson", "bo@acme.example"),
    ("Chen Wei", "chen@acme.example"),
    ("Dana Okafor", "dana@acme.example"),
    ("Emil Novak", "emil@acme.example"),
    ("Farah Haddad", "farah@acme.example"),
    ("Gus Moreau", "gus@acme.example"),
    ("Hana Sato", "hana@acme.example"),
    ("Ivan Petrov", "ivan@acme.example"),
    ("Jo Mbeki", "jo@acme.example"),
    ("Kai Larsen", "kai@acme.example"),
    ("Lea Rossi", "lea@acme.example"),
];
/// 2022-01-03T09:00:00Z.
const START: i64 = 1_641_200_400;
const WORDS: [&str; 16] = [
    "alpha", "bravo", "delta", "echo", "fox", "gold", "hotel", "indigo", "juliet", "kilo", "lima",
    "metro", "nova", "oscar", "polar", "quartz",
];

/// What a file is, for editing it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A root module's `main.tf`: its content is its knobs.
    TfMain(usize),
    /// The shared network module: its content is a revision number.
    TfModule,
    /// Written once, never edited (`backend.tf`, `variables.tf`, `outputs.tf`).
    Fixed,
    /// A file a host receives verbatim (a role's or a Puppet module's `files/`): its digests
    /// are recorded for every version.
    Static,
    /// Any other text, edited a line at a time.
    Text,
}

/// Which group of files an edit is drawn from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Area {
    TfRoot,
    TfModule,
    AnsibleStatic,
    PuppetStatic,
    AnsibleText,
    PuppetText,
    Other,
}

#[derive(Clone)]
enum Content {
    Knobs(Knobs),
    Revision(u32),
    Lines(TextDoc),
}

/// A text file: fixed head and tail lines around a body of settings that edits change.
#[derive(Clone)]
struct TextDoc {
    head: Vec<String>,
    body: Vec<String>,
    tail: Vec<String>,
    style: Style,
}

#[derive(Clone, Copy)]
enum Style {
    Yaml,
    Conf,
    Unit,
    Puppet,
    Erb,
    Jinja,
    Shell,
    Markdown,
}

/// A file of the repository and the versions it went through.
pub struct File {
    pub path: String,
    pub kind: Kind,
    /// sha256 of each version of a `Static` file; knobs of each version of a root module.
    pub sha256: Vec<String>,
    pub knobs: Vec<Knobs>,
    /// (commit, version) each time `main`'s first-parent line changed the file, in order.
    main_changes: Vec<(u32, u32)>,
    fixed_text: Option<String>,
}

/// Where a commit was made.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Line {
    Main,
    Branch(u32),
}

pub struct CommitInfo {
    pub line: Line,
    pub time: i64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fate {
    /// Still open when the history ends: kept, never merged.
    Open,
    /// Merged into `main` by the merge commit with this number.
    Merged(u32),
    /// Given up: kept, never merged.
    Abandoned,
    /// Tagged at its tip, then deleted: its commits are reachable only from the tag.
    TagOnly,
}

pub struct Branch {
    pub name: String,
    fork: u32,
    /// (commit, file, version) of every change made on the branch.
    changes: Vec<(u32, u32, u32)>,
    overrides: BTreeMap<u32, (u32, Content)>,
    pub commits: Vec<u32>,
    remaining: usize,
    pub fate: Fate,
    author: usize,
    title: String,
}

/// The generated history, with what is needed to say what any commit held.
pub struct History {
    pub files: Vec<File>,
    pub commits: Vec<CommitInfo>,
    /// Full commit ids, by commit number.
    pub shas: Vec<String>,
    pub branches: Vec<Branch>,
    /// Commits of `main`'s first-parent line, oldest first.
    pub main: Vec<u32>,
    /// (tag, commit, annotated)
    pub tags: Vec<(String, u32, bool)>,
    by_path: BTreeMap<String, u32>,
}

impl History {
    pub fn file(&self, path: &str) -> u32 {
        *self
            .by_path
            .get(path)
            .unwrap_or_else(|| panic!("no file {path}"))
    }

    /// The version of `file` in the tree of `commit`.
    pub fn version_at(&self, file: u32, commit: u32) -> u32 {
        let main_at = |seq: u32| -> u32 {
            let changes = &self.files[file as usize].main_changes;
            let i = changes.partition_point(|&(s, _)| s <= seq);
            changes[i.max(1) - 1].1
        };
        match self.commits[commit as usize].line {
            Line::Main => main_at(commit),
            Line::Branch(b) => {
                let branch = &self.branches[b as usize];
                branch
                    .changes
                    .iter()
                    .rev()
                    .find(|&&(seq, f, _)| f == file && seq <= commit)
                    .map_or_else(|| main_at(branch.fork), |&(_, _, v)| v)
            }
        }
    }

    /// The commits of `main`'s first-parent line that changed `file`, with the version.
    pub fn main_changes(&self, file: u32) -> &[(u32, u32)] {
        &self.files[file as usize].main_changes
    }

    /// Whether `main` contains the commit.
    pub fn released(&self, commit: u32) -> bool {
        match self.commits[commit as usize].line {
            Line::Main => true,
            Line::Branch(b) => matches!(self.branches[b as usize].fate, Fate::Merged(_)),
        }
    }

    /// Every commit `main` does not contain: open, abandoned and tag-only branches.
    pub fn unreleased(&self) -> Vec<u32> {
        (0..self.commits.len() as u32)
            .filter(|&c| !self.released(c))
            .collect()
    }

    pub fn sha(&self, commit: u32) -> &str {
        &self.shas[commit as usize]
    }
}

/// Generates the repository in `dir` (a work tree with `.git`, `main` checked out).
pub fn generate(
    dir: &Path,
    seed: u64,
    commits: usize,
    roots: usize,
    shape: Shape,
) -> std::io::Result<History> {
    std::fs::create_dir_all(dir)?;
    git(dir, &["init", "-q", "--initial-branch=main", "."])?;
    git(dir, &["config", "core.logAllRefUpdates", "false"])?;
    let marks = dir.join(".git/estate-marks");
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["fast-import", "--quiet", "--done", "--active-branches=20"])
        .arg(format!("--export-marks={}", marks.display()))
        .stdin(Stdio::piped())
        .spawn()?;
    let stdin = child.stdin.take().expect("fast-import stdin");
    let mut g = Generator::new(seed, roots, shape, BufWriter::with_capacity(1 << 20, stdin));
    g.run(commits)?;
    let Generator {
        files,
        commits: infos,
        branches,
        main,
        tags,
        by_path,
        out,
        ..
    } = g;
    finish(out, child)?;
    let shas = read_marks(&marks, infos.len())?;
    std::fs::remove_file(&marks)?;
    git(
        dir,
        &[
            "symbolic-ref",
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/main",
        ],
    )?;
    // fast-import's pack is loosely deltified: repack as a clone would be, on one thread so
    // that the pack is the same bytes every time.
    git(
        dir,
        &[
            "-c",
            "pack.threads=1",
            "repack",
            "-a",
            "-d",
            "-f",
            "-q",
            "--window=10",
            "--depth=50",
        ],
    )?;
    git(dir, &["reset", "-q", "--hard", "main"])?;
    Ok(History {
        files,
        commits: infos,
        shas,
        branches,
        main,
        tags,
        by_path,
    })
}

fn finish(mut out: BufWriter<ChildStdin>, mut child: Child) -> std::io::Result<()> {
    out.write_all(b"done\n")?;
    out.flush()?;
    drop(out);
    let status = child.wait()?;
    if !status.success() {
        return Err(std::io::Error::other(format!(
            "git fast-import failed: {status}"
        )));
    }
    Ok(())
}

fn read_marks(path: &Path, n: usize) -> std::io::Result<Vec<String>> {
    let mut shas = vec![String::new(); n];
    for line in std::io::BufReader::new(std::fs::File::open(path)?).lines() {
        let line = line?;
        let (mark, sha) = line.split_once(' ').expect("mark line");
        let mark: usize = mark.trim_start_matches(':').parse().expect("mark number");
        shas[mark - 1] = sha.to_string();
    }
    assert!(shas.iter().all(|s| s.len() == 40), "a commit has no mark");
    Ok(shas)
}

pub fn git(dir: &Path, args: &[&str]) -> std::io::Result<()> {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()?;
    if !status.success() {
        return Err(std::io::Error::other(format!("git {args:?}: {status}")));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The layout

/// Every path of the first commit, with its kind and initial content.
fn layout(seed: u64, roots: usize) -> Vec<(String, Kind, Content, Area)> {
    let mut files = Vec::new();
    let mut text = |path: String, area: Area, kind: Kind| {
        let doc = TextDoc::new(seed, &path);
        files.push((path, kind, Content::Lines(doc), area));
    };
    for p in [
        "README.md",
        "CODEOWNERS",
        "docs/runbook.md",
        "docs/onboarding.md",
        "docs/architecture.md",
        "docs/release-process.md",
        "scripts/bootstrap.sh",
        "scripts/rotate-keys.sh",
        "scripts/tf-apply.sh",
        "scripts/ansible-deploy.sh",
    ] {
        text(p.to_string(), Area::Other, Kind::Text);
    }
    for p in [
        "ansible/ansible.cfg",
        "ansible/site.yml",
        "ansible/requirements.yml",
        "ansible/group_vars/all.yml",
    ] {
        text(p.to_string(), Area::AnsibleText, Kind::Text);
    }
    for (group, _) in ansible::GROUPS {
        text(
            format!("ansible/group_vars/{group}.yml"),
            Area::AnsibleText,
            Kind::Text,
        );
    }
    for role in ansible::ROLES {
        for p in ["tasks/main.yml", "handlers/main.yml", "defaults/main.yml"] {
            text(
                format!("ansible/roles/{role}/{p}"),
                Area::AnsibleText,
                Kind::Text,
            );
        }
        text(
            format!("ansible/roles/{role}/templates/{role}.conf.j2"),
            Area::AnsibleText,
            Kind::Text,
        );
        for (name, _) in ansible::role_files(role) {
            text(
                format!("ansible/roles/{role}/files/{name}"),
                Area::AnsibleStatic,
                Kind::Static,
            );
        }
    }
    for p in [
        "puppet/Puppetfile",
        "puppet/environment.conf",
        "puppet/hiera.yaml",
        "puppet/manifests/site.pp",
        "puppet/data/common.yaml",
    ] {
        text(p.to_string(), Area::PuppetText, Kind::Text);
    }
    for m in puppet::MODULES {
        text(
            format!("puppet/modules/{m}/manifests/init.pp"),
            Area::PuppetText,
            Kind::Text,
        );
        text(
            format!("puppet/modules/{m}/templates/{m}.conf.erb"),
            Area::PuppetText,
            Kind::Text,
        );
        for (name, _) in puppet::module_files(m) {
            text(
                format!("puppet/modules/{m}/files/{name}"),
                Area::PuppetStatic,
                Kind::Static,
            );
        }
    }
    files.push((
        "terraform/modules/network/main.tf".into(),
        Kind::TfModule,
        Content::Revision(1),
        Area::TfModule,
    ));
    for r in 0..roots {
        let root = terraform::root(r);
        let dir = root.dir();
        let mut rng = Rng::item(seed, "knobs", r as u64);
        files.push((
            format!("{dir}/main.tf"),
            Kind::TfMain(r),
            Content::Knobs(Knobs::initial(&mut rng)),
            Area::TfRoot,
        ));
        for (name, body) in [
            ("backend.tf", terraform::backend_tf(&root)),
            ("variables.tf", terraform::variables_tf(&root)),
            ("outputs.tf", terraform::outputs_tf().to_string()),
        ] {
            files.push((
                format!("{dir}/{name}"),
                Kind::Fixed,
                Content::Lines(TextDoc::fixed(body)),
                Area::TfRoot,
            ));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

impl TextDoc {
    fn new(seed: u64, path: &str) -> TextDoc {
        let mut rng = Rng::item(seed, path, 0);
        let style = Style::of(path);
        let title = path.rsplit('/').next().unwrap_or(path);
        let (head, tail): (Vec<String>, Vec<String>) = match style {
            Style::Yaml => (vec!["---".into(), format!("# {title}")], vec![]),
            Style::Conf => (
                vec![
                    format!("# {title}: managed by configuration management, do not edit"),
                    String::new(),
                ],
                vec![],
            ),
            Style::Unit => (
                vec![
                    "[Unit]".into(),
                    format!("Description={title}"),
                    "After=network-online.target".into(),
                    String::new(),
                    "[Service]".into(),
                ],
                vec![
                    "Restart=on-failure".into(),
                    String::new(),
                    "[Install]".into(),
                    "WantedBy=multi-user.target".into(),
                ],
            ),
            Style::Puppet if path.ends_with("manifests/site.pp") => (
                vec!["node default {".into(), "  include profile".into()],
                vec!["}".into()],
            ),
            Style::Puppet => {
                let class = path
                    .split('/')
                    .nth(2)
                    .filter(|_| path.contains("/modules/"))
                    .unwrap_or("site");
                (vec![format!("class {class} {{")], vec!["}".into()])
            }
            Style::Erb | Style::Jinja => (vec![format!("# {title}")], vec![]),
            Style::Shell => (
                vec!["#!/bin/sh".into(), "set -eu".into(), String::new()],
                vec![],
            ),
            Style::Markdown => (vec![format!("# {title}"), String::new()], vec![]),
        };
        let n = rng.range(12, 40);
        let body = (0..n).map(|i| style.line(i, &mut rng)).collect();
        TextDoc {
            head,
            body,
            tail,
            style,
        }
    }

    fn fixed(text: String) -> TextDoc {
        TextDoc {
            head: vec![text],
            body: Vec::new(),
            tail: Vec::new(),
            style: Style::Markdown,
        }
    }

    fn edit(&mut self, rng: &mut Rng) -> usize {
        if self.body.len() < 80 && rng.chance(0.3) {
            let i = self.body.len();
            self.body.push(self.style.line(i, rng));
            i
        } else {
            let i = rng.below(self.body.len());
            // Keep the setting's name: a value changes, as in a real edit.
            let fresh = self.style.line(i, rng);
            self.body[i] = fresh;
            i
        }
    }

    fn render(&self) -> String {
        let mut s = String::new();
        for l in self.head.iter().chain(&self.body).chain(&self.tail) {
            s.push_str(l);
            if !l.ends_with('\n') {
                s.push('\n');
            }
        }
        s
    }
}

impl Style {
    fn of(path: &str) -> Style {
        let ext = path.rsplit('.').next().unwrap_or("");
        match ext {
            "yml" | "yaml" => Style::Yaml,
            "service" => Style::Unit,
            "pp" => Style::Puppet,
            "erb" => Style::Erb,
            "j2" => Style::Jinja,
            "sh" => Style::Shell,
            "md" => Style::Markdown,
            _ if path.ends_with("CODEOWNERS") => Style::Markdown,
            _ => Style::Conf,
        }
    }

    fn line(self, i: usize, rng: &mut Rng) -> String {
        let word = WORDS[rng.below(WORDS.len())];
        let n = rng.below(100_000);
        match self {
            Style::Yaml => format!("setting_{i}: {word}-{n}"),
            Style::Conf => format!("setting_{i} = {word}-{n}"),
            Style::Unit => format!("Environment=SETTING_{i}={word}-{n}"),
            Style::Puppet => format!("  $setting_{i} = '{word}-{n}'"),
            Style::Erb => format!("setting_{i} = <%= @{word} %>-{n}"),
            Style::Jinja => format!("setting_{i} = {{{{ {word} }}}}-{n}"),
            Style::Shell => format!("export SETTING_{i}=\"{word}-{n}\""),
            Style::Markdown => format!("- step {i}: check {word} ({n})"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generation

struct Generator {
    rng: Rng,
    shape: Shape,
    roots: usize,
    files: Vec<File>,
    areas: Vec<Area>,
    by_area: BTreeMap<u8, Vec<u32>>,
    by_path: BTreeMap<String, u32>,
    content: Vec<Content>,
    commits: Vec<CommitInfo>,
    branches: Vec<Branch>,
    open: Vec<u32>,
    main: Vec<u32>,
    tags: Vec<(String, u32, bool)>,
    time: i64,
    out: BufWriter<ChildStdin>,
    buf: Vec<u8>,
}

/// The first edit is the subject; further edits are listed in the body.
fn message_of(edits: &[String]) -> String {
    match edits {
        [one] => one.clone(),
        [first, rest @ ..] => {
            let list: Vec<String> = rest.iter().map(|e| format!("- {e}")).collect();
            format!("{first}\n\nAlso:\n{}", list.join("\n"))
        }
        [] => String::new(),
    }
}

fn area_key(a: Area) -> u8 {
    a as u8
}

impl Generator {
    fn new(seed: u64, roots: usize, shape: Shape, out: BufWriter<ChildStdin>) -> Generator {
        let mut g = Generator {
            rng: Rng::item(seed, "history", 0),
            shape,
            roots,
            files: Vec::new(),
            areas: Vec::new(),
            by_area: BTreeMap::new(),
            by_path: BTreeMap::new(),
            content: Vec::new(),
            commits: Vec::new(),
            branches: Vec::new(),
            open: Vec::new(),
            main: Vec::new(),
            tags: Vec::new(),
            time: START,
            out,
            buf: Vec::new(),
        };
        for (path, kind, content, area) in layout(seed, roots) {
            let id = g.files.len() as u32;
            g.by_path.insert(path.clone(), id);
            g.by_area.entry(area_key(area)).or_default().push(id);
            let fixed_text = match (&kind, &content) {
                (Kind::Fixed, Content::Lines(doc)) => Some(doc.render()),
                _ => None,
            };
            g.files.push(File {
                path,
                kind,
                sha256: Vec::new(),
                knobs: Vec::new(),
                main_changes: Vec::new(),
                fixed_text,
            });
            g.areas.push(area);
            g.content.push(content);
        }
        g
    }

    fn run(&mut self, commits: usize) -> std::io::Result<()> {
        // The first commit: every file, version 0.
        let all: Vec<u32> = (0..self.files.len() as u32).collect();
        for &f in &all {
            let c = self.content[f as usize].clone();
            self.new_version(f, &c);
        }
        let first = self.begin_commit(
            Line::Main,
            "Initial import of the infrastructure repository",
            0,
            None,
        );
        for &f in &all {
            self.files[f as usize].main_changes.push((first, 0));
            let c = self.content[f as usize].clone();
            self.write_file(f, &c);
        }
        self.end_commit()?;
        let mut features = 0usize;
        while self.commits.len() < commits {
            if self.open.len() < 3 && self.rng.chance(1.0 / 25.0) {
                features += 1;
                self.open_branch(features);
            }
            let on_branch = !self.open.is_empty() && self.rng.chance(0.35);
            if on_branch {
                let b = self.open[self.rng.below(self.open.len())];
                self.branch_commit(b)?;
                let branch = &mut self.branches[b as usize];
                branch.remaining -= 1;
                if branch.remaining == 0 && self.commits.len() < commits {
                    self.close_branch(b)?;
                }
            } else {
                self.main_commit()?;
            }
        }
        self.finish_refs()
    }

    fn open_branch(&mut self, n: usize) {
        let team = terraform::TEAMS[self.rng.below(terraform::TEAMS.len())];
        let word = WORDS[self.rng.below(WORDS.len())];
        let verbs = ["bump", "tune", "rework", "fix", "harden", "resize"];
        let verb = verbs[self.rng.below(verbs.len())];
        let name = format!("feature/{team}-{n}-{verb}-{word}");
        let title = format!("{team}: {verb} {word}");
        self.branches.push(Branch {
            name,
            fork: self.tip(),
            changes: Vec::new(),
            overrides: BTreeMap::new(),
            commits: Vec::new(),
            remaining: self.rng.range(1, 6),
            fate: Fate::Open,
            author: self.rng.below(AUTHORS.len()),
            title,
        });
        self.open.push(self.branches.len() as u32 - 1);
    }

    fn tip(&self) -> u32 {
        *self.main.last().expect("main has a commit")
    }

    /// 1 to 3 files to edit, drawn by area as an infrastructure team's commits are.
    fn choose_files(&mut self) -> Vec<u32> {
        let n = match self.rng.below(10) {
            0..=6 => 1,
            7..=8 => 2,
            _ => 3,
        };
        let mut chosen = Vec::new();
        for _ in 0..n {
            let area = match self.rng.below(1000) {
                0..=449 => Area::TfRoot,
                450..=629 => Area::AnsibleStatic,
                630..=769 => Area::PuppetStatic,
                770..=869 => Area::AnsibleText,
                870..=949 => Area::PuppetText,
                950..=997 => Area::Other,
                _ => Area::TfModule,
            };
            let pool = &self.by_area[&area_key(area)];
            let mut f = pool[self.rng.below(pool.len())];
            if area == Area::TfRoot {
                // A root module is edited through its main.tf.
                let r = self.rng.below(self.roots);
                f = self.by_path[&format!("{}/main.tf", terraform::root(r).dir())];
            }
            if !chosen.contains(&f) {
                chosen.push(f);
            }
        }
        chosen
    }

    /// Edits `content` as a commit would; returns a summary for the message.
    fn edit(&mut self, f: u32, content: &mut Content) -> String {
        let path = &self.files[f as usize].path;
        match content {
            Content::Knobs(k) => {
                let what = k.edit(&mut self.rng);
                let dir = path
                    .trim_start_matches("terraform/")
                    .trim_end_matches("/main.tf");
                format!("{dir}: {what}")
            }
            Content::Revision(r) => {
                *r += 1;
                format!("modules/network: revision {r}")
            }
            Content::Lines(doc) => {
                let i = doc.edit(&mut self.rng);
                let short = path.rsplit('/').next().unwrap_or(path);
                let dir = path.split('/').take(3).collect::<Vec<_>>().join("/");
                format!("{dir}: update {short} (setting {i})")
            }
        }
    }

    fn new_version(&mut self, f: u32, content: &Content) -> u32 {
        let file = &mut self.files[f as usize];
        let version = file.sha256.len().max(file.knobs.len()) as u32;
        match (&file.kind, content) {
            (Kind::Static, Content::Lines(doc)) => {
                file.sha256.push(sha256_hex(doc.render().as_bytes()));
                version
            }
            (Kind::TfMain(_), Content::Knobs(k)) => {
                file.knobs.push(*k);
                version
            }
            (_, _) => {
                // Versions of other files are not looked up; count them in `sha256` anyway so
                // that version numbers stay distinct.
                file.sha256.push(String::new());
                version
            }
        }
    }

    fn main_commit(&mut self) -> std::io::Result<()> {
        let files = self.choose_files();
        let mut messages = Vec::new();
        let mut edited = Vec::new();
        for f in files {
            let mut content = self.content[f as usize].clone();
            messages.push(self.edit(f, &mut content));
            let v = self.new_version(f, &content);
            edited.push((f, v, content));
        }
        let author = self.rng.below(AUTHORS.len());
        let parent = self.tip();
        let seq = self.begin_commit(Line::Main, &message_of(&messages), author, Some(parent));
        for (f, v, content) in edited {
            self.files[f as usize].main_changes.push((seq, v));
            self.write_file(f, &content);
            self.content[f as usize] = content;
        }
        self.end_commit()
    }

    fn branch_commit(&mut self, b: u32) -> std::io::Result<()> {
        let files = self.choose_files();
        let mut messages = Vec::new();
        let mut edited = Vec::new();
        for f in files {
            let mut content = match self.branches[b as usize].overrides.get(&f) {
                Some((_, c)) => c.clone(),
                None => self.content[f as usize].clone(),
            };
            messages.push(self.edit(f, &mut content));
            let v = self.new_version(f, &content);
            edited.push((f, v, content));
        }
        let author = self.branches[b as usize].author;
        let parent = self.branches[b as usize]
            .commits
            .last()
            .copied()
            .unwrap_or(self.branches[b as usize].fork);
        let seq = self.begin_commit(
            Line::Branch(b),
            &message_of(&messages),
            author,
            Some(parent),
        );
        self.branches[b as usize].commits.push(seq);
        for (f, v, content) in edited {
            self.write_file(f, &content);
            let branch = &mut self.branches[b as usize];
            branch.changes.push((seq, f, v));
            branch.overrides.insert(f, (v, content));
        }
        self.end_commit()
    }

    /// Merges the branch (most of the time), or leaves it abandoned or tagged.
    fn close_branch(&mut self, b: u32) -> std::io::Result<()> {
        self.open.retain(|&o| o != b);
        let roll = self.rng.below(100);
        if roll < 86 {
            let parent = self.tip();
            let tip = *self.branches[b as usize]
                .commits
                .last()
                .expect("branch commit");
            let n = b + 1000;
            let message = format!(
                "Merge pull request #{n} from acme/{}\n\n{}",
                self.branches[b as usize].name, self.branches[b as usize].title
            );
            let seq = self.begin_commit(Line::Main, &message, usize::MAX, Some(parent));
            self.buf
                .extend_from_slice(format!("merge :{}\n", tip + 1).as_bytes());
            let overrides = std::mem::take(&mut self.branches[b as usize].overrides);
            for (f, (v, content)) in overrides {
                self.files[f as usize].main_changes.push((seq, v));
                self.write_file(f, &content);
                self.content[f as usize] = content;
            }
            self.branches[b as usize].fate = Fate::Merged(seq);
            self.end_commit()
        } else if roll < 96 {
            self.branches[b as usize].fate = Fate::Abandoned;
            Ok(())
        } else {
            self.branches[b as usize].fate = Fate::TagOnly;
            Ok(())
        }
    }

    /// Starts a commit: header and parents; returns its number. `author` `usize::MAX` is the
    /// forge's merge bot.
    fn begin_commit(
        &mut self,
        line: Line,
        message: &str,
        author: usize,
        parent: Option<u32>,
    ) -> u32 {
        let seq = self.commits.len() as u32;
        self.time += self.rng.range(120, 2_400) as i64;
        self.commits.push(CommitInfo {
            line,
            time: self.time,
        });
        if line == Line::Main {
            self.main.push(seq);
        }
        let branch = match line {
            Line::Main => "main".to_string(),
            Line::Branch(b) => self.branches[b as usize].name.clone(),
        };
        // Merges are made by the forge's bot.
        let (name, email) = AUTHORS
            .get(author)
            .copied()
            .unwrap_or(("Acme Forge", "forge@acme.example"));
        let mut message = message.to_string();
        message.push('\n');
        self.buf.clear();
        self.buf.extend_from_slice(
            format!(
                "commit refs/heads/{branch}\nmark :{}\nauthor {name} <{email}> {} +0000\ncommitter {name} <{email}> {} +0000\ndata {}\n{message}",
                seq + 1,
                self.time,
                self.time,
                message.len()
            )
            .as_bytes(),
        );
        if let Some(p) = parent {
            self.buf
                .extend_from_slice(format!("from :{}\n", p + 1).as_bytes());
        }
        seq
    }

    fn write_file(&mut self, f: u32, content: &Content) {
        let file = &self.files[f as usize];
        let text = match content {
            Content::Knobs(k) => {
                let Kind::TfMain(r) = file.kind else {
                    unreachable!()
                };
                terraform::main_tf(&terraform::root(r), k, self.shape)
            }
            Content::Revision(r) => terraform::network_module_tf(*r),
            Content::Lines(doc) => match &file.fixed_text {
                Some(t) => t.clone(),
                None => doc.render(),
            },
        };
        self.buf.extend_from_slice(
            format!("M 100644 inline {}\ndata {}\n", file.path, text.len()).as_bytes(),
        );
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.push(b'\n');
    }

    fn end_commit(&mut self) -> std::io::Result<()> {
        self.buf.push(b'\n');
        self.out.write_all(&self.buf)?;
        // A tag every 500 commits of main, alternately annotated and lightweight.
        if self.commits.last().map(|c| c.line) == Some(Line::Main)
            && self.main.len().is_multiple_of(500)
        {
            let n = self.main.len() / 500;
            let tip = self.tip();
            let name = format!("v{n}.0.0");
            let annotated = n.is_multiple_of(2);
            let s = if annotated {
                let message = format!("Release {n}.0.0\n");
                format!(
                    "tag {name}\nfrom :{}\ntagger Acme Forge <forge@acme.example> {} +0000\ndata {}\n{message}\n",
                    tip + 1,
                    self.time,
                    message.len()
                )
            } else {
                format!("reset refs/tags/{name}\nfrom :{}\n\n", tip + 1)
            };
            self.out.write_all(s.as_bytes())?;
            self.tags.push((name, tip, annotated));
        }
        Ok(())
    }

    /// Remote-tracking and Puppet refs at the tip; merged branches deleted (every tenth kept);
    /// tag-only branches tagged and deleted.
    fn finish_refs(&mut self) -> std::io::Result<()> {
        let tip = self.tip() + 1;
        let mut s = format!(
            "reset refs/remotes/origin/main\nfrom :{tip}\n\n\
             reset refs/heads/production\nfrom :{tip}\n\n\
             reset refs/remotes/origin/production\nfrom :{tip}\n\n"
        );
        const ZERO: &str = "0000000000000000000000000000000000000000";
        for (b, branch) in self.branches.iter().enumerate() {
            let Some(&last) = branch.commits.last() else {
                continue;
            };
            match branch.fate {
                Fate::Merged(_) if b % 10 != 0 => {
                    s.push_str(&format!(
                        "reset refs/heads/{}\nfrom {ZERO}\n\n",
                        branch.name
                    ));
                }
                Fate::TagOnly => {
                    let name = format!("hotfix-{}", b + 1000);
                    let message = format!("Hotfix build {}\n", branch.title);
                    s.push_str(&format!(
                        "tag {name}\nfrom :{}\ntagger Acme Forge <forge@acme.example> {} +0000\ndata {}\n{message}\n",
                        last + 1,
                        self.commits[last as usize].time,
                        message.len()
                    ));
                    s.push_str(&format!(
                        "reset refs/heads/{}\nfrom {ZERO}\n\n",
                        branch.name
                    ));
                    self.tags.push((name, last, true));
                }
                _ => {}
            }
        }
        self.out.write_all(s.as_bytes())
    }
}
