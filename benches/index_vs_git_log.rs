//! Times `GitIndex::open` against `git log --raw` on the same repository, and generates
//! repositories of a realistic shape to time it on.
//!
//! `git log --all --raw` reads every commit and every changed tree, which is the least work any
//! history indexer must do, so it is the yardstick: the figure that matters is the ratio. Each
//! index run happens in a child process so its peak RSS (VmHWM) is its own; git's peak RSS comes
//! from `/usr/bin/time -f %M`. See `benches/index-vs-git-log.sh` and `docs/performance.md`.
//!
//! ```text
//! cargo bench --bench index_vs_git_log -- generate DIR [COMMITS]   # default 50000
//! cargo bench --bench index_vs_git_log -- run REPO [RUNS]          # default 3
//! cargo bench --bench index_vs_git_log -- verify REPO   # the index against git log's pairs
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use std::collections::{BTreeMap, BTreeSet};

use provenant::git::content::is_configuration_path;
use provenant::git::{GitIndex, ObjectId};

/// The allocator the `provenant` binary runs with, so that the index is timed as users run it.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    // `cargo bench` appends `--bench`; `cargo test --benches` runs us with no arguments.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["generate", dir, rest @ ..] => {
            let commits = rest.first().map_or(50_000, |n| n.parse().expect("COMMITS"));
            generate(Path::new(dir), commits);
        }
        ["run", repo, rest @ ..] => {
            let runs = rest.first().map_or(3, |n| n.parse().expect("RUNS"));
            run(Path::new(repo), runs);
        }
        ["index-once", repo] => index_once(Path::new(repo)),
        ["verify", repo] => verify(Path::new(repo)),
        _ => eprintln!(
            "usage: index_vs_git_log generate DIR [COMMITS] | run REPO [RUNS] | verify REPO\n\
             (nothing to do without arguments)"
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Timing

/// One measurement: wall seconds and peak RSS in KiB.
#[derive(Clone, Copy)]
struct Sample {
    seconds: f64,
    peak_kib: u64,
}

struct Row {
    label: String,
    samples: Vec<Sample>,
}

impl Row {
    fn median(&self) -> Sample {
        let mut s = self.samples.clone();
        s.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
        s[s.len() / 2]
    }
}

fn run(repo: &Path, runs: usize) {
    let exe = std::env::current_exe().expect("own path");
    let mut index = Row {
        label: "GitIndex::open".into(),
        samples: Vec::new(),
    };
    let git_logs: [(&str, &[&str]); 2] = [
        (
            "git log --all --raw --no-renames --no-abbrev",
            &["log", "--all", "--raw", "--no-renames", "--no-abbrev"],
        ),
        (
            "  same + --diff-merges=first-parent",
            &[
                "log",
                "--all",
                "--raw",
                "--no-renames",
                "--no-abbrev",
                "--diff-merges=first-parent",
            ],
        ),
    ];
    let mut logs: Vec<Row> = git_logs
        .iter()
        .map(|(label, _)| Row {
            label: label.to_string(),
            samples: Vec::new(),
        })
        .collect();
    let mut counts = String::new();
    // Interleaved, so that a slow phase of a shared machine hits every command alike.
    for _ in 0..runs {
        let (sample, line) = run_index_child(&exe, repo);
        index.samples.push(sample);
        counts = line;
        for (row, (_, args)) in logs.iter_mut().zip(&git_logs) {
            row.samples.push(run_git(repo, args));
        }
    }
    println!("repository: {}", repo.display());
    println!("{counts}");
    println!(
        "rayon threads: {}, runs: {runs} (median shown)",
        rayon::current_num_threads()
    );
    println!(
        "{:<46} {:>9} {:>12}   runs (s)",
        "command", "median s", "peak RSS MiB"
    );
    for row in std::iter::once(&index).chain(&logs) {
        let m = row.median();
        let all: Vec<String> = row
            .samples
            .iter()
            .map(|s| format!("{:.2}", s.seconds))
            .collect();
        println!(
            "{:<46} {:>9.2} {:>12.0}   {}",
            row.label,
            m.seconds,
            m.peak_kib as f64 / 1024.0,
            all.join(" ")
        );
    }
    let i = index.median().seconds;
    println!(
        "ratio index / git log --raw: {:.2}   index / first-parent: {:.2}",
        i / logs[0].median().seconds,
        i / logs[1].median().seconds
    );
}

fn run_index_child(exe: &Path, repo: &Path) -> (Sample, String) {
    let out = Command::new(exe)
        .arg("index-once")
        .arg(repo)
        .output()
        .expect("run index child");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "index-once failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = text.lines();
    let numbers: Vec<f64> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .map(|n| n.parse().expect("number"))
        .collect();
    let sample = Sample {
        seconds: numbers[0],
        peak_kib: numbers[1] as u64,
    };
    (sample, lines.next().unwrap_or_default().to_string())
}

/// In the child: open the index once; print seconds and VmHWM, then what was indexed.
fn index_once(repo: &Path) {
    let start = Instant::now();
    let index = GitIndex::open(repo, &[]).unwrap_or_else(|e| panic!("{e}"));
    let seconds = start.elapsed().as_secs_f64();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or("0")
        .to_string();
    println!("{seconds} {hwm}");
    println!(
        "indexed: {} commits, {} configuration blobs ({} missing), release branch {:?} ({:?})",
        index.commit_count(),
        index.blob_count(),
        index.missing_blobs().len(),
        index
            .release_branches()
            .iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>(),
        index.release_branch_origin(),
    );
}

fn run_git(repo: &Path, args: &[&str]) -> Sample {
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M", "git", "-C"])
        .arg(repo)
        .args(args)
        .stdout(Stdio::null())
        .output()
        .expect("/usr/bin/time and git");
    let seconds = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "git {args:?}: {stderr}");
    let peak_kib = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    Sample { seconds, peak_kib }
}

// ---------------------------------------------------------------------------------------------
// Checking the index against git on a large history

/// Compares the index's blob records with what `git log --raw --diff-merges=first-parent`
/// shows: every (blob, path) pair of any commit's tree is added or modified by some commit
/// against its first parent (or by a root commit), so the pairs must be the same sets; and in a
/// history whose clocks never run backwards (a generated one), the first commit of a blob is the
/// earliest commit that adds it.
fn verify(repo: &Path) {
    let index = GitIndex::open(repo, &[]).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "log",
            "--all",
            "--raw",
            "--no-renames",
            "--no-abbrev",
            "--diff-merges=first-parent",
            "--format=%H %ct",
        ])
        .output()
        .expect("git log");
    assert!(out.status.success());
    let mut expected: BTreeMap<ObjectId, (BTreeSet<String>, (i64, ObjectId))> = BTreeMap::new();
    let mut commit = (0i64, ObjectId([0; 20]));
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some(raw) = line.strip_prefix(':') {
            let (meta, path) = raw.split_once('\t').expect("raw line");
            let meta: Vec<&str> = meta.split(' ').collect();
            let regular = meta[1] == "100644" || meta[1] == "100755";
            if meta[4] != "D" && regular && is_configuration_path(path) {
                let blob = ObjectId::from_hex(meta[3]).expect("blob id");
                let entry = expected
                    .entry(blob)
                    .or_insert_with(|| (BTreeSet::new(), commit));
                entry.0.insert(path.to_string());
                entry.1 = entry.1.min(commit);
            }
        } else if let Some((id, time)) = line.split_once(' ') {
            commit = (
                time.parse().expect("time"),
                ObjectId::from_hex(id).expect("id"),
            );
        }
    }
    let got: BTreeMap<ObjectId, (BTreeSet<String>, (i64, ObjectId))> = index
        .blobs()
        .iter()
        .map(|b| {
            let time = index
                .commit(&b.first_commit)
                .expect("indexed")
                .committer_time;
            (
                b.id,
                (b.paths.iter().cloned().collect(), (time, b.first_commit)),
            )
        })
        .collect();
    let pairs: usize = expected.values().map(|(paths, _)| paths.len()).sum();
    let differing = expected
        .iter()
        .filter(|(id, want)| got.get(id) != Some(want))
        .count()
        + got.keys().filter(|id| !expected.contains_key(id)).count();
    println!(
        "verify: git log shows {} blobs at {pairs} (blob, path) pairs; the index has {}; \
         {differing} differ",
        expected.len(),
        got.len()
    );
    assert_eq!(differing, 0, "the index disagrees with git log");
}

// ---------------------------------------------------------------------------------------------
// Generating a repository

/// xorshift64*: deterministic, so every generated repository of a size is the same.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

const ENVS: &[&str] = &["prod", "staging", "dev", "qa"];
const MODULES: &[&str] = &[
    "network",
    "web",
    "db",
    "cache",
    "queue",
    "dns",
    "iam",
    "monitoring",
];
const ROLES: &[&str] = &[
    "common", "nginx", "postgres", "redis", "app", "worker", "ntp", "users", "firewall", "backup",
];
const GROUPS: &[&str] = &["all", "web", "db", "cache", "workers", "bastion"];
const AUTHORS: &[&str] = &[
    "Ada Ops <ada@example.com>",
    "Bo Infra <bo@example.com>",
    "Cy Platform <cy@example.com>",
    "Di Sre <di@example.com>",
    "Ed Netops <ed@example.com>",
    "Flo Dba <flo@example.com>",
];

/// The initial layout: Terraform environments and modules, Ansible inventories, group and host
/// vars and roles, Puppet modules, plain files, and some paths that are not configuration.
fn initial_paths() -> Vec<String> {
    let mut paths = Vec::new();
    for env in ENVS {
        for module in MODULES {
            for file in ["main.tf", "variables.tf", "outputs.tf"] {
                paths.push(format!("terraform/envs/{env}/{module}/{file}"));
            }
        }
        paths.push(format!("terraform/envs/{env}/terraform.tfvars"));
        paths.push(format!("ansible/inventories/{env}/hosts"));
        for group in GROUPS {
            paths.push(format!("ansible/inventories/{env}/group_vars/{group}.yml"));
        }
        paths.push(format!("puppet/hieradata/{env}.yaml"));
    }
    for module in MODULES {
        paths.push(format!("terraform/modules/{module}/main.tf"));
        paths.push(format!("terraform/modules/{module}/variables.tf"));
        paths.push(format!("puppet/modules/{module}/manifests/init.pp"));
        paths.push(format!("puppet/modules/{module}/manifests/params.pp"));
        paths.push(format!(
            "puppet/modules/{module}/templates/{module}.conf.erb"
        ));
        paths.push(format!("puppet/modules/{module}/files/{module}.conf"));
    }
    for role in ROLES {
        paths.push(format!("ansible/roles/{role}/tasks/main.yml"));
        paths.push(format!("ansible/roles/{role}/handlers/main.yml"));
        paths.push(format!("ansible/roles/{role}/defaults/main.yml"));
        paths.push(format!("ansible/roles/{role}/templates/{role}.conf.j2"));
        paths.push(format!("ansible/roles/{role}/files/{role}.service"));
    }
    for i in 0..10 {
        paths.push(format!("files/scripts/task{i}.sh"));
        paths.push(format!("docs/page{i}.md"));
        paths.push(format!("tools/report{i}.py"));
    }
    for p in [
        "ansible/site.yml",
        "ansible/ansible.cfg",
        "puppet/Puppetfile",
        "puppet/manifests/site.pp",
        "README.md",
    ] {
        paths.push(p.to_string());
    }
    paths
}

/// A file's content as lines, edited a line or two at a time like real configuration.
struct FileState {
    path: String,
    lines: Vec<String>,
}

impl FileState {
    fn new(path: String, rng: &mut Rng) -> FileState {
        let n = 20 + rng.below(50);
        let lines = (0..n).map(|i| line(&path, i, rng)).collect();
        FileState { path, lines }
    }

    fn edit(&mut self, rng: &mut Rng) {
        if self.lines.len() < 120 && rng.chance(3) {
            let i = self.lines.len();
            self.lines.push(line(&self.path, i, rng));
        } else {
            for _ in 0..1 + rng.below(2) {
                let i = rng.below(self.lines.len());
                self.lines[i] = line(&self.path, i, rng);
            }
        }
    }

    fn content(&self) -> String {
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }
}

fn line(path: &str, i: usize, rng: &mut Rng) -> String {
    let value = rng.next() % 100_000;
    if path.ends_with(".tf") || path.ends_with(".tfvars") {
        format!("  setting_{i} = \"value-{value}\"")
    } else if path.ends_with(".yml") || path.ends_with(".yaml") {
        format!("setting_{i}: value-{value}")
    } else if path.ends_with(".pp") {
        format!("  $setting_{i} = 'value-{value}'")
    } else {
        format!("setting_{i}=value-{value}")
    }
}

struct Generator {
    rng: Rng,
    files: Vec<FileState>,
    stream: Vec<u8>,
    mark: usize,
    time: i64,
    commits: usize,
    hosts: usize,
}

/// A feature branch in progress: its name, tip mark, and the files it changed.
struct Feature {
    name: String,
    tip: usize,
    length: usize,
    changed: Vec<usize>,
}

impl Generator {
    fn commit(
        &mut self,
        branch: &str,
        from: Option<usize>,
        merge: Option<usize>,
        message: &str,
        changes: &[usize],
    ) -> usize {
        self.mark += 1;
        self.commits += 1;
        self.time += 300 + self.rng.below(3_300) as i64;
        let author = AUTHORS[self.rng.below(AUTHORS.len())];
        let mut s = format!(
            "commit refs/heads/{branch}\nmark :{}\nauthor {author} {} +0000\n\
             committer {author} {} +0000\ndata {}\n{message}\n",
            self.mark,
            self.time,
            self.time,
            message.len()
        );
        if let Some(from) = from {
            s.push_str(&format!("from :{from}\n"));
        }
        if let Some(merge) = merge {
            s.push_str(&format!("merge :{merge}\n"));
        }
        self.stream.extend_from_slice(s.as_bytes());
        for &f in changes {
            self.modify(f);
        }
        self.stream.push(b'\n');
        self.mark
    }

    fn modify(&mut self, f: usize) {
        let content = self.files[f].content();
        let header = format!(
            "M 100644 inline {}\ndata {}\n",
            self.files[f].path,
            content.len()
        );
        self.stream.extend_from_slice(header.as_bytes());
        self.stream.extend_from_slice(content.as_bytes());
        self.stream.push(b'\n');
    }

    /// Edits one to three files and returns them.
    fn edit_some(&mut self) -> Vec<usize> {
        let n = 1 + self.rng.below(3);
        let mut changed: Vec<usize> = (0..n).map(|_| self.rng.below(self.files.len())).collect();
        changed.sort_unstable();
        changed.dedup();
        for &f in &changed {
            let rng = &mut self.rng;
            self.files[f].edit(rng);
        }
        changed
    }

    /// Now and then a new host joins the inventory.
    fn maybe_add_host(&mut self, changed: &mut Vec<usize>) {
        if self.rng.chance(200) {
            self.hosts += 1;
            let env = ENVS[self.hosts % ENVS.len()];
            let path = format!(
                "ansible/inventories/{env}/host_vars/host-{:04}.yml",
                self.hosts
            );
            let state = FileState::new(path, &mut self.rng);
            self.files.push(state);
            changed.push(self.files.len() - 1);
        }
    }
}

fn generate(dir: &Path, commits: usize) {
    let mut g = Generator {
        rng: Rng(0x9e37_79b9_7f4a_7c15),
        files: Vec::new(),
        stream: Vec::new(),
        mark: 0,
        time: 1_420_070_400,
        commits: 0,
        hosts: 0,
    };
    let paths = initial_paths();
    for p in paths {
        let state = FileState::new(p, &mut g.rng);
        g.files.push(state);
    }
    let all: Vec<usize> = (0..g.files.len()).collect();
    let mut main = g.commit("main", None, None, "Initial layout", &all);
    let mut feature: Option<Feature> = None;
    let mut features = 0;
    let mut tags = 0;
    while g.commits < commits {
        if feature.is_none() && g.rng.chance(40) {
            features += 1;
            feature = Some(Feature {
                name: format!("feature/{features}"),
                tip: main,
                length: 2 + g.rng.below(5),
                changed: Vec::new(),
            });
        }
        let on_feature = feature.is_some() && g.rng.chance(2);
        let mut changed = g.edit_some();
        if on_feature {
            let f = feature.as_mut().expect("open feature");
            let message = format!("{}: change {}", f.name, f.changed.len() + 1);
            let (name, from) = (f.name.clone(), f.tip);
            let tip = g.commit(&name, Some(from), None, &message, &changed);
            let f = feature.as_mut().expect("open feature");
            f.tip = tip;
            f.changed.extend(changed);
            f.length -= 1;
            if f.length == 0 {
                // Merge: the merge's tree takes main's and applies the feature's files.
                let f = feature.take().expect("open feature");
                let message = format!("Merge branch '{}'", f.name);
                let mut files = f.changed.clone();
                files.sort_unstable();
                files.dedup();
                main = g.commit("main", Some(main), Some(f.tip), &message, &files);
                // Most merged branches are deleted; every tenth stays.
                if features % 10 != 0 {
                    g.stream.extend_from_slice(
                        format!("reset refs/heads/{}\nfrom {}\n\n", f.name, ZERO).as_bytes(),
                    );
                }
            }
        } else {
            g.maybe_add_host(&mut changed);
            let message = format!("Update {}", g.files[changed[0]].path);
            main = g.commit("main", Some(main), None, &message, &changed);
        }
        if g.commits / 500 > tags {
            tags = g.commits / 500;
            tag(&mut g, tags, main);
        }
    }
    let tail = format!(
        "reset refs/remotes/origin/main\nfrom :{main}\n\nreset refs/heads/release/current\nfrom :{main}\n\n"
    );
    g.stream.extend_from_slice(tail.as_bytes());
    import(dir, &g.stream);
    println!(
        "generated {} commits ({} files at the end, {} tags) in {}",
        g.commits,
        g.files.len(),
        tags,
        dir.display()
    );
}

/// `from 0{40}` in a `reset` deletes the branch in fast-import.
const ZERO: &str = "0000000000000000000000000000000000000000";

/// A tag every 500 commits, alternately annotated and lightweight.
fn tag(g: &mut Generator, n: usize, target: usize) {
    let s = if n.is_multiple_of(2) {
        let message = format!("Release {n}.0");
        format!(
            "tag v{n}.0\nfrom :{target}\ntagger {} {} +0000\ndata {}\n{message}\n",
            AUTHORS[0],
            g.time,
            message.len()
        )
    } else {
        format!("reset refs/tags/v{n}.0\nfrom :{target}\n\n")
    };
    g.stream.extend_from_slice(s.as_bytes());
}

fn import(dir: &Path, stream: &[u8]) {
    let dir: PathBuf = dir.to_path_buf();
    assert!(
        !dir.exists(),
        "{} exists; generate into a new directory",
        dir.display()
    );
    git(
        &dir,
        &["init", "--quiet", "--bare", "--initial-branch=main", "."],
        true,
    );
    let mut child = Command::new("git")
        .arg("-C")
        .arg(&dir)
        .args(["fast-import", "--quiet", "--done"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(stream).expect("write stream");
        stdin.write_all(b"done\n").expect("write stream");
    }
    assert!(child.wait().expect("fast-import").success());
    git(
        &dir,
        &[
            "symbolic-ref",
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/main",
        ],
        false,
    );
    // fast-import's pack is loosely deltified; repack as `git gc` would leave a real clone,
    // but without a commit-graph file (the history snapshot in the research had none).
    git(
        &dir,
        &[
            "repack",
            "-a",
            "-d",
            "-f",
            "-q",
            "--window=10",
            "--depth=50",
        ],
        false,
    );
}

fn git(dir: &Path, args: &[&str], create: bool) {
    if create {
        std::fs::create_dir_all(dir).expect("create repository directory");
    }
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}
