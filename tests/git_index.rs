//! The git index against real repositories built here with git2, cross-checked with the git
//! CLI: reachability against `git merge-base --is-ancestor`, resolution against `git rev-parse`,
//! blob records against `git ls-tree`, `git hash-object` and independent digests, `behind`
//! against `git rev-list --count`, tags against `git tag --points-at`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use git2::{ObjectType, Oid, Repository, Signature, Time};
use provenant::git::content::is_configuration_path;
use provenant::git::{GitIndex, GitIndexError, ObjectId, ReleaseBranchOrigin, Resolution};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Building repositories

/// What a commit's tree holds at one path.
#[derive(Clone)]
enum Entry {
    File(&'static str),
    Symlink(&'static str),
}

type Files = BTreeMap<&'static str, Entry>;

fn files(entries: &[(&'static str, &'static str)]) -> Files {
    entries
        .iter()
        .map(|&(path, content)| (path, Entry::File(content)))
        .collect()
}

struct TestRepo {
    dir: TempDir,
    repo: Repository,
}

impl TestRepo {
    fn new() -> TestRepo {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        TestRepo { dir, repo }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn open(&self, release: &[&str]) -> Result<GitIndex, GitIndexError> {
        let release: Vec<String> = release.iter().map(|s| s.to_string()).collect();
        GitIndex::open(self.path(), &release)
    }

    fn tree(&self, files: &Files) -> Oid {
        self.subtree(files.iter().map(|(p, e)| (*p, e.clone())).collect())
    }

    fn subtree(&self, entries: Vec<(&str, Entry)>) -> Oid {
        let mut builder = self.repo.treebuilder(None).unwrap();
        let mut dirs: BTreeMap<&str, Vec<(&str, Entry)>> = BTreeMap::new();
        for (path, entry) in entries {
            match path.split_once('/') {
                Some((dir, rest)) => dirs.entry(dir).or_default().push((rest, entry)),
                None => {
                    let (content, mode) = match entry {
                        Entry::File(c) => (c, 0o100644),
                        Entry::Symlink(target) => (target, 0o120000),
                    };
                    let blob = self.repo.blob(content.as_bytes()).unwrap();
                    builder.insert(path, blob, mode).unwrap();
                }
            }
        }
        for (dir, entries) in dirs {
            let tree = self.subtree(entries);
            builder.insert(dir, tree, 0o040000).unwrap();
        }
        builder.write().unwrap()
    }

    fn commit(&self, parents: &[Oid], files: &Files, time: i64, message: &str) -> Oid {
        let sig = Signature::new("Tess Ter", "tess@example.com", &Time::new(time, 0)).unwrap();
        let tree = self.repo.find_tree(self.tree(files)).unwrap();
        let parents: Vec<_> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).unwrap())
            .collect();
        let parents: Vec<_> = parents.iter().collect();
        self.repo
            .commit(None, &sig, &sig, message, &tree, &parents)
            .unwrap()
    }

    fn set_ref(&self, name: &str, target: Oid) {
        self.repo.reference(name, target, true, "test").unwrap();
    }

    fn symbolic(&self, name: &str, target: &str) {
        self.repo
            .reference_symbolic(name, target, true, "test")
            .unwrap();
    }

    /// An annotated tag object on `target` (any object), with ref `refs/tags/<name>`.
    fn annotated_tag(&self, name: &str, target: Oid) -> Oid {
        let sig = Signature::new("Tess Ter", "tess@example.com", &Time::new(5_000, 0)).unwrap();
        let object = self.repo.find_object(target, None).unwrap();
        self.repo
            .tag(name, &object, &sig, &format!("tag {name}"), true)
            .unwrap()
    }

    fn git(&self, args: &[&str]) -> Output {
        git_in(self.path(), args)
    }

    fn git_stdout(&self, args: &[&str]) -> String {
        let out = self.git(args);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

fn git_in(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git is on PATH")
}

fn id(oid: Oid) -> ObjectId {
    ObjectId::from_hex(&oid.to_string()).unwrap()
}

fn hex_id(hex: &str) -> ObjectId {
    ObjectId::from_hex(hex.trim()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// A repository with every shape of history the index must handle

/// Branches, merges, two root commits joined by a merge, a third root never merged, a commit
/// older than its parent, tags of every kind, remote-tracking refs with a symbolic remote HEAD,
/// a detached HEAD and a commit no ref reaches.
fn graph_repo() -> (TestRepo, HashMap<&'static str, Oid>) {
    let r = TestRepo::new();
    let mut c = HashMap::new();
    let f = |content: &'static str| files(&[("main.tf", content)]);
    c.insert("a1", r.commit(&[], &f("a1"), 1_000, "a1"));
    c.insert("a2", r.commit(&[c["a1"]], &f("a2"), 1_100, "a2"));
    c.insert("a3", r.commit(&[c["a2"]], &f("a3"), 1_200, "a3"));
    c.insert("f1", r.commit(&[c["a2"]], &f("f1"), 1_300, "f1"));
    // Committed "before" its parent: a skewed clock must not break the ordering.
    c.insert("f2", r.commit(&[c["f1"]], &f("f2"), 1_250, "f2"));
    c.insert("m1", r.commit(&[c["a3"], c["f2"]], &f("m1"), 1_400, "m1"));
    c.insert("b1", r.commit(&[], &files(&[("b.tf", "b1")]), 900, "b1"));
    c.insert(
        "b2",
        r.commit(&[c["b1"]], &files(&[("b.tf", "b2")]), 950, "b2"),
    );
    c.insert("m2", r.commit(&[c["m1"], c["b2"]], &f("m2"), 1_500, "m2"));
    c.insert("a4", r.commit(&[c["m2"]], &f("a4"), 1_600, "a4"));
    c.insert("c1", r.commit(&[], &files(&[("c.tf", "c1")]), 800, "c1"));
    c.insert(
        "c2",
        r.commit(&[c["c1"]], &files(&[("c.tf", "c2")]), 1_700, "c2"),
    );
    c.insert("r1", r.commit(&[c["a3"]], &f("r1"), 1_350, "r1"));
    c.insert("u1", r.commit(&[c["a3"]], &f("u1"), 1_800, "unreferenced"));

    r.set_ref("refs/heads/main", c["a4"]);
    r.set_ref("refs/heads/feature", c["f2"]);
    r.set_ref("refs/heads/other-root", c["b2"]);
    r.set_ref("refs/heads/orphan", c["c2"]);
    r.set_ref("refs/heads/release/1.0", c["r1"]);
    r.set_ref("refs/remotes/origin/main", c["m1"]);
    r.set_ref("refs/remotes/origin/release/1.0", c["r1"]);
    r.set_ref("refs/remotes/upstream/feature", c["f1"]);
    r.symbolic("refs/remotes/origin/HEAD", "refs/remotes/origin/main");

    r.set_ref("refs/tags/v0.1", c["a1"]);
    let v1 = r.annotated_tag("v1.0", c["m1"]);
    // A tag of a tag: peeled twice to reach the commit.
    r.annotated_tag("v1.0-signed", v1);
    r.annotated_tag("r1-tag", c["r1"]);
    r.set_ref("refs/tags/also-a1", c["a1"]);
    // Tags on a tree and on a blob lead to no commit and are ignored.
    let tree = r.repo.find_commit(c["a1"]).unwrap().tree_id();
    r.annotated_tag("tree-tag", tree);
    let blob = r.repo.blob(b"not a commit").unwrap();
    r.set_ref("refs/tags/blob-tag", blob);

    // A detached HEAD on a commit that only HEAD reaches.
    c.insert("h1", r.commit(&[c["a4"]], &f("h1"), 1_900, "detached"));
    r.repo.set_head_detached(c["h1"]).unwrap();
    (r, c)
}

/// `git rev-parse --verify --quiet <claim>^{commit}`, `None` when git fails.
fn git_rev_parse(r: &TestRepo, claim: &str) -> Option<ObjectId> {
    let out = r.git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{claim}^{{commit}}"),
    ]);
    out.status
        .success()
        .then(|| hex_id(&String::from_utf8_lossy(&out.stdout)))
}

fn git_is_ancestor(r: &TestRepo, commit: ObjectId, branch_ref: &str) -> bool {
    let out = r.git(&["merge-base", "--is-ancestor", &commit.to_hex(), branch_ref]);
    match out.status.code() {
        Some(0) => true,
        Some(1) => false,
        _ => panic!(
            "merge-base failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn all_commits(r: &TestRepo) -> Vec<ObjectId> {
    r.git_stdout(&["rev-list", "--all"])
        .lines()
        .map(hex_id)
        .collect()
}

/// Every local and remote-tracking branch as (short name, full ref), symbolic refs left out.
fn git_branches(r: &TestRepo) -> Vec<(String, String)> {
    r.git_stdout(&[
        "for-each-ref",
        "--format=%(refname:short) %(refname) %(symref)",
        "refs/heads",
        "refs/remotes",
    ])
    .lines()
    .filter_map(|line| {
        let parts: Vec<&str> = line.split(' ').collect();
        parts[2]
            .is_empty()
            .then(|| (parts[0].to_string(), parts[1].to_string()))
    })
    .collect()
}

#[test]
fn every_commit_reachable_from_any_ref_or_head_is_indexed() {
    let (r, c) = graph_repo();
    let index = r.open(&[]).unwrap();
    let expected: BTreeSet<ObjectId> = all_commits(&r).into_iter().collect();
    assert_eq!(index.commit_count(), expected.len());
    for commit in &expected {
        let info = index.commit(commit).expect("indexed");
        let git_parents: Vec<ObjectId> = r
            .git_stdout(&["rev-list", "--parents", "-n1", &commit.to_hex()])
            .split_whitespace()
            .skip(1)
            .map(hex_id)
            .collect();
        assert_eq!(info.parents, git_parents);
    }
    assert!(index.commit(&id(c["u1"])).is_none(), "no ref reaches u1");
    assert_eq!(index.head(), Some(id(c["h1"])));
    assert!(index.commit(&id(c["h1"])).is_some(), "HEAD is a tip");
    let m1 = index.commit(&id(c["m1"])).unwrap();
    assert_eq!(m1.summary, "m1");
    assert_eq!(m1.committer_time, 1_400);
    assert_eq!(m1.author_name, "Tess Ter");
    assert_eq!(m1.author_email, "tess@example.com");
}

#[test]
fn reachability_of_every_commit_from_every_branch_matches_git() {
    let (r, _) = graph_repo();
    let index = r.open(&["main", "release/1.0"]).unwrap();
    let branches = git_branches(&r);
    assert!(branches.len() >= 7, "{branches:?}");
    for commit in all_commits(&r) {
        let expected: Vec<String> = branches
            .iter()
            .filter(|(_, full)| git_is_ancestor(&r, commit, full))
            .map(|(short, _)| short.clone())
            .collect();
        let mut expected_sorted = expected.clone();
        expected_sorted.sort();
        assert_eq!(
            index.branches_containing(&commit),
            expected_sorted,
            "{commit}"
        );

        let mut releases = Vec::new();
        for (name, refs) in [
            ("main", &["refs/heads/main", "refs/remotes/origin/main"][..]),
            (
                "release/1.0",
                &["refs/heads/release/1.0", "refs/remotes/origin/release/1.0"][..],
            ),
        ] {
            if refs.iter().any(|full| git_is_ancestor(&r, commit, full)) {
                releases.push(name.to_string());
            }
        }
        assert_eq!(
            index.release_branches_containing(&commit),
            releases,
            "{commit}"
        );
    }
}

#[test]
fn every_commit_resolves_like_git_rev_parse() {
    let (r, _) = graph_repo();
    let index = r.open(&[]).unwrap();
    for commit in all_commits(&r) {
        let hex = commit.to_hex();
        for claim in [
            hex.clone(),
            hex[..7].to_string(),
            hex[..10].to_string(),
            hex.to_ascii_uppercase(),
            hex[..12].to_ascii_uppercase(),
        ] {
            let git = git_rev_parse(&r, &claim).expect("git resolves a reachable commit");
            assert_eq!(
                index.resolve(&claim),
                Resolution::Commit {
                    id: git,
                    via_tag: None
                },
                "{claim}"
            );
        }
    }
}

#[test]
fn tag_names_resolve_like_git_rev_parse_and_tags_on_non_commits_are_ignored() {
    let (r, c) = graph_repo();
    let index = r.open(&[]).unwrap();
    let tags = r.git_stdout(&["tag", "--list"]);
    let mut resolved = 0;
    for tag in tags.lines() {
        match git_rev_parse(&r, tag) {
            Some(git) => {
                resolved += 1;
                assert_eq!(
                    index.resolve(tag),
                    Resolution::Commit {
                        id: git,
                        via_tag: Some(tag.to_string())
                    },
                    "{tag}"
                );
            }
            None => assert_eq!(index.resolve(tag), Resolution::NotFound, "{tag}"),
        }
    }
    assert_eq!(resolved, 5, "v0.1, also-a1, v1.0, v1.0-signed, r1-tag");
    assert_eq!(index.resolve("tree-tag"), Resolution::NotFound);
    assert_eq!(index.resolve("blob-tag"), Resolution::NotFound);
    assert_eq!(
        index.resolve("refs/tags/v1.0"),
        Resolution::Commit {
            id: id(c["m1"]),
            via_tag: Some("v1.0".into())
        }
    );
}

#[test]
fn a_tag_named_like_an_abbreviation_wins_over_the_id() {
    let (r, c) = graph_repo();
    let a1 = c["a1"].to_string();
    // A tag whose name is the abbreviation of another commit, as git resolves it.
    r.set_ref(&format!("refs/tags/{}", &a1[..8]), c["c2"]);
    let index = r.open(&[]).unwrap();
    assert_eq!(git_rev_parse(&r, &a1[..8]), Some(id(c["c2"])));
    assert_eq!(
        index.resolve(&a1[..8]),
        Resolution::Commit {
            id: id(c["c2"]),
            via_tag: Some(a1[..8].to_string())
        }
    );
    // Other abbreviations of a1 still name a1.
    assert_eq!(
        index.resolve(&a1[..9]),
        Resolution::Commit {
            id: id(c["a1"]),
            via_tag: None
        }
    );
}

#[test]
fn unreferenced_short_and_unknown_claims() {
    let (r, c) = graph_repo();
    let index = r.open(&[]).unwrap();
    let u1 = c["u1"].to_string();
    // git finds the object, but no ref reaches it.
    assert_eq!(git_rev_parse(&r, &u1), Some(id(c["u1"])));
    assert_eq!(index.resolve(&u1), Resolution::Unreferenced(id(c["u1"])));
    assert_eq!(
        index.resolve(&u1[..7]),
        Resolution::Unreferenced(id(c["u1"]))
    );
    assert_eq!(
        index.resolve(&u1[..9].to_ascii_uppercase()),
        Resolution::Unreferenced(id(c["u1"]))
    );

    let a1 = c["a1"].to_string();
    assert_eq!(index.resolve(&a1[..6]), Resolution::NotFound, "too short");
    assert_eq!(index.resolve(""), Resolution::NotFound);
    assert_eq!(index.resolve("no-such-tag"), Resolution::NotFound);
    assert_eq!(index.resolve(&"0".repeat(40)), Resolution::NotFound);
    assert_eq!(
        index.resolve(&format!("{a1}0")),
        Resolution::NotFound,
        "41 digits"
    );
    // A blob's id is no commit, for us as for `git rev-parse <id>^{commit}`.
    let blob = r.repo.blob(b"not a commit").unwrap().to_string();
    assert_eq!(git_rev_parse(&r, &blob), None);
    assert_eq!(index.resolve(&blob), Resolution::NotFound);
}

// ---------------------------------------------------------------------------------------------
// Ambiguous abbreviations, made by searching for two commits whose ids share seven digits

const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

fn candidate_commit(n: u32) -> String {
    format!(
        "tree {EMPTY_TREE}\nauthor A <a@example.com> 1000000000 +0000\n\
         committer A <a@example.com> 1000000000 +0000\n\ncandidate {n}\n"
    )
}

fn commit_id(body: &str) -> [u8; 20] {
    let mut hasher = Sha1::new();
    hasher.update(format!("commit {}\0", body.len()).as_bytes());
    hasher.update(body.as_bytes());
    hasher.finalize().into()
}

/// Two commit bodies whose ids share their first seven hex digits (28 bits): by the birthday
/// bound about 20,000 candidates are needed, which hashes in milliseconds. The search is
/// deterministic, so every run writes the same two commits.
fn colliding_commits() -> (String, String) {
    let mut seen: HashMap<u32, u32> = HashMap::new();
    for n in 0.. {
        let h = commit_id(&candidate_commit(n));
        let key = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) >> 4;
        if let Some(m) = seen.insert(key, n) {
            return (candidate_commit(m), candidate_commit(n));
        }
    }
    unreachable!()
}

fn write_colliding_pair(r: &TestRepo) -> (Oid, Oid) {
    let (a, b) = colliding_commits();
    let odb = r.repo.odb().unwrap();
    let empty = r.repo.treebuilder(None).unwrap().write().unwrap();
    assert_eq!(empty.to_string(), EMPTY_TREE);
    let a = odb.write(ObjectType::Commit, a.as_bytes()).unwrap();
    let b = odb.write(ObjectType::Commit, b.as_bytes()).unwrap();
    assert_eq!(a.to_string()[..7], b.to_string()[..7]);
    (a, b)
}

#[test]
fn an_abbreviation_shared_by_two_reachable_commits_is_ambiguous() {
    let r = TestRepo::new();
    let (a, b) = write_colliding_pair(&r);
    r.set_ref("refs/heads/main", a);
    r.set_ref("refs/heads/other", b);
    let index = r.open(&[]).unwrap();
    let prefix = &a.to_string()[..7];

    let out = r.git(&["rev-parse", "--verify", &format!("{prefix}^{{commit}}")]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ambiguous"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut both = vec![id(a), id(b)];
    both.sort();
    assert_eq!(index.resolve(prefix), Resolution::Ambiguous(both.clone()));
    assert_eq!(
        index.resolve(&prefix.to_ascii_uppercase()),
        Resolution::Ambiguous(both)
    );
    // The full ids, and any prefix long enough to tell them apart, are not ambiguous.
    for commit in [a, b] {
        let hex = commit.to_string();
        let unique = (7..=40)
            .find(|&n| a.to_string()[..n] != b.to_string()[..n])
            .unwrap();
        for claim in [&hex[..], &hex[..unique]] {
            assert_eq!(git_rev_parse(&r, claim), Some(id(commit)));
            assert_eq!(
                index.resolve(claim),
                Resolution::Commit {
                    id: id(commit),
                    via_tag: None
                }
            );
        }
    }
}

#[test]
fn an_abbreviation_shared_with_an_unreferenced_commit_is_ambiguous_too() {
    let r = TestRepo::new();
    let (a, b) = write_colliding_pair(&r);
    r.set_ref("refs/heads/main", a);
    let index = r.open(&[]).unwrap();
    let prefix = &a.to_string()[..7];
    // git, too, refuses to choose between a reachable and an unreachable commit.
    assert_eq!(git_rev_parse(&r, prefix), None);
    let mut both = vec![id(a), id(b)];
    both.sort();
    assert_eq!(index.resolve(prefix), Resolution::Ambiguous(both));
    assert_eq!(
        index.resolve(&b.to_string()),
        Resolution::Unreferenced(id(b))
    );
}

// ---------------------------------------------------------------------------------------------
// Choosing the release branches

/// A repository whose only commit is on each of `refs`, with HEAD set as given.
fn repo_with_refs(refs: &[&str], head: Option<&str>) -> (TestRepo, Oid) {
    let r = TestRepo::new();
    let commit = r.commit(&[], &files(&[("main.tf", "x")]), 1_000, "only");
    for name in refs {
        r.set_ref(name, commit);
    }
    match head {
        Some(name) => r.repo.set_head(name).unwrap(),
        None => r.repo.set_head_detached(commit).unwrap(),
    }
    (r, commit)
}

fn release_names(index: &GitIndex) -> Vec<(String, Vec<String>)> {
    index
        .release_branches()
        .iter()
        .map(|b| {
            (
                b.name.clone(),
                b.refs.iter().map(|(name, _)| name.clone()).collect(),
            )
        })
        .collect()
}

#[test]
fn the_remote_head_is_the_default_release_branch() {
    let (r, commit) = repo_with_refs(
        &[
            "refs/heads/main",
            "refs/heads/develop",
            "refs/remotes/origin/main",
            "refs/remotes/origin/develop",
            "refs/remotes/upstream/develop",
        ],
        Some("refs/heads/main"),
    );
    r.symbolic("refs/remotes/origin/HEAD", "refs/remotes/origin/develop");
    let index = r.open(&[]).unwrap();
    assert_eq!(
        index.release_branch_origin(),
        ReleaseBranchOrigin::RemoteHead
    );
    assert_eq!(
        release_names(&index),
        vec![(
            "develop".to_string(),
            vec![
                "refs/heads/develop".to_string(),
                "refs/remotes/origin/develop".to_string(),
                "refs/remotes/upstream/develop".to_string(),
            ]
        )]
    );
    assert_eq!(index.release_branches()[0].refs[0].1, id(commit));
}

#[test]
fn without_a_remote_head_the_current_branch_is_the_release_branch() {
    let (r, _) = repo_with_refs(
        &["refs/heads/trunk", "refs/heads/main"],
        Some("refs/heads/trunk"),
    );
    let index = r.open(&[]).unwrap();
    assert_eq!(
        index.release_branch_origin(),
        ReleaseBranchOrigin::CurrentBranch
    );
    assert_eq!(
        release_names(&index),
        vec![("trunk".to_string(), vec!["refs/heads/trunk".to_string()])]
    );
}

#[test]
fn with_a_detached_head_main_then_master_are_the_release_branch() {
    let (r, _) = repo_with_refs(&["refs/heads/main", "refs/heads/master"], None);
    let index = r.open(&[]).unwrap();
    assert_eq!(
        index.release_branch_origin(),
        ReleaseBranchOrigin::Conventional
    );
    assert_eq!(
        release_names(&index),
        vec![("main".to_string(), vec!["refs/heads/main".to_string()])]
    );

    // Only a remote-tracking master: that counts too.
    let (r, _) = repo_with_refs(&["refs/heads/topic", "refs/remotes/origin/master"], None);
    let index = r.open(&[]).unwrap();
    assert_eq!(
        index.release_branch_origin(),
        ReleaseBranchOrigin::Conventional
    );
    assert_eq!(
        release_names(&index),
        vec![(
            "master".to_string(),
            vec!["refs/remotes/origin/master".to_string()]
        )]
    );

    // HEAD naming a branch with no commit yet falls through to the conventions as well.
    let (r, _) = repo_with_refs(&["refs/heads/master"], Some("refs/heads/unborn"));
    let index = r.open(&[]).unwrap();
    assert_eq!(index.head(), None);
    assert_eq!(
        release_names(&index),
        vec![("master".to_string(), vec!["refs/heads/master".to_string()])]
    );
}

#[test]
fn no_default_branch_is_an_error_naming_the_repository() {
    let (r, _) = repo_with_refs(&["refs/heads/topic"], None);
    let err = r.open(&[]).err().expect("no release branch");
    assert!(
        matches!(err, GitIndexError::NoReleaseBranch { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains(&r.path().display().to_string()),
        "{message}"
    );
    assert!(message.contains("--release-branch"), "{message}");
}

#[test]
fn requested_release_branches_expand_to_every_ref_carrying_them() {
    let (r, _) = repo_with_refs(
        &[
            "refs/heads/main",
            "refs/remotes/origin/main",
            "refs/remotes/upstream/main",
            "refs/remotes/origin/stable",
        ],
        Some("refs/heads/main"),
    );
    let index = r.open(&["main", "origin/stable", "main"]).unwrap();
    assert_eq!(
        index.release_branch_origin(),
        ReleaseBranchOrigin::Requested
    );
    assert_eq!(
        release_names(&index),
        vec![
            (
                "main".to_string(),
                vec![
                    "refs/heads/main".to_string(),
                    "refs/remotes/origin/main".to_string(),
                    "refs/remotes/upstream/main".to_string(),
                ]
            ),
            (
                "origin/stable".to_string(),
                vec!["refs/remotes/origin/stable".to_string()]
            ),
        ]
    );

    let err = r.open(&["main", "nope"]).err().expect("unknown branch");
    match &err {
        GitIndexError::UnknownReleaseBranch { name, path } => {
            assert_eq!(name, "nope");
            assert_eq!(path, r.path());
        }
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("`nope`") && message.contains(&r.path().display().to_string()));
}

// ---------------------------------------------------------------------------------------------
// Blob records

/// Files committed, changed, renamed, deleted and re-added; the same content at two paths; a
/// directory renamed and copied to a non-configuration directory; a symlink; a branch whose
/// commit is older than the main-line commit that introduces the same content; two commits
/// with the same committer time introducing the same content.
fn blob_repo() -> (TestRepo, HashMap<&'static str, Oid>) {
    let r = TestRepo::new();
    let mut c = HashMap::new();
    let mut tree = files(&[
        ("terraform/main.tf", "resource \"a\" \"v1\" {}\n"),
        ("README.md", "readme\n"),
        ("src/app.rs", "fn main() {}\n"),
        ("roles/web/files/motd", "hello\n"),
        ("roles/web/templates/nginx.conf.j2", "server {}\n"),
        ("inventory/prod", "[web]\nweb-01\n"),
    ]);
    c.insert("c1", r.commit(&[], &tree, 1_000, "add"));
    tree.insert(
        "terraform/main.tf",
        Entry::File("resource \"a\" \"v2\" {}\n"),
    );
    c.insert("c2", r.commit(&[c["c1"]], &tree, 2_000, "change"));
    let v2 = tree.remove("terraform/main.tf").unwrap();
    tree.insert("terraform/web.tf", v2);
    c.insert("c3", r.commit(&[c["c2"]], &tree, 3_000, "rename"));
    tree.remove("terraform/web.tf");
    c.insert("c4", r.commit(&[c["c3"]], &tree, 4_000, "delete"));
    tree.insert(
        "terraform/main.tf",
        Entry::File("resource \"a\" \"v1\" {}\n"),
    );
    c.insert("c5", r.commit(&[c["c4"]], &tree, 5_000, "re-add"));
    tree.insert("ansible/group_vars/all.yml", Entry::File("shared: true\n"));
    tree.insert("ansible/host_vars/web.yml", Entry::File("shared: true\n"));
    c.insert(
        "c6",
        r.commit(&[c["c5"]], &tree, 6_000, "same content twice"),
    );
    // Directory rename: the same tree object under a new directory.
    for (from, to) in [
        ("roles/web/files/motd", "roles/app/files/motd"),
        (
            "roles/web/templates/nginx.conf.j2",
            "roles/app/templates/nginx.conf.j2",
        ),
    ] {
        let entry = tree.remove(from).unwrap();
        tree.insert(to, entry);
    }
    // The same `files` subtree copied where it is not configuration.
    tree.insert("misc/stuff/motd", Entry::File("hello\n"));
    tree.insert("link.yml", Entry::Symlink("terraform/main.tf"));
    c.insert("c7", r.commit(&[c["c6"]], &tree, 7_000, "move role"));
    r.set_ref("refs/heads/main", c["c7"]);

    // A branch from c1, committed (by its clock) before c2, with c2's content elsewhere.
    let mut early = files(&[("other/v2.tf", "resource \"a\" \"v2\" {}\n")]);
    c.insert("e1", r.commit(&[c["c1"]], &early, 1_500, "early"));
    r.set_ref("refs/heads/early", c["e1"]);
    // Two branches introducing the same content at the same second.
    early.insert("tie.tf", Entry::File("tie\n"));
    c.insert("t1", r.commit(&[c["e1"]], &early, 8_000, "tie one"));
    c.insert("t2", r.commit(&[c["e1"]], &early, 8_000, "tie two"));
    r.set_ref("refs/heads/tie-1", c["t1"]);
    r.set_ref("refs/heads/tie-2", c["t2"]);
    r.repo.set_head("refs/heads/main").unwrap();
    (r, c)
}

/// What the index should hold, computed from `git ls-tree -r` of every commit: for each blob
/// at a configuration path, its paths and its first commit by (committer time, id).
fn expected_blobs(r: &TestRepo) -> BTreeMap<ObjectId, (BTreeSet<String>, ObjectId)> {
    let mut out: BTreeMap<ObjectId, (BTreeSet<String>, (i64, ObjectId))> = BTreeMap::new();
    for commit in all_commits(r) {
        let time: i64 = r
            .git_stdout(&["log", "-1", "--format=%ct", &commit.to_hex()])
            .trim()
            .parse()
            .unwrap();
        let listing = r.git_stdout(&["ls-tree", "-r", "--full-tree", &commit.to_hex()]);
        for line in listing.lines() {
            let (meta, path) = line.split_once('\t').unwrap();
            let meta: Vec<&str> = meta.split(' ').collect();
            let regular = meta[0] == "100644" || meta[0] == "100755";
            if !regular || !is_configuration_path(path) {
                continue;
            }
            let blob = hex_id(meta[2]);
            let entry = out
                .entry(blob)
                .or_insert_with(|| (BTreeSet::new(), (time, commit)));
            entry.0.insert(path.to_string());
            entry.1 = entry.1.min((time, commit));
        }
    }
    out.into_iter()
        .map(|(blob, (paths, (_, first)))| (blob, (paths, first)))
        .collect()
}

#[test]
fn blob_records_match_ls_tree_of_every_commit() {
    let (r, _) = blob_repo();
    let index = r.open(&[]).unwrap();
    let expected = expected_blobs(&r);
    let got: BTreeMap<ObjectId, (BTreeSet<String>, ObjectId)> = index
        .blobs()
        .iter()
        .map(|b| (b.id, (b.paths.iter().cloned().collect(), b.first_commit)))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(index.blob_count(), expected.len());
    assert!(index.missing_blobs().is_empty());
    for blob in index.blobs() {
        let mut sorted = blob.paths.clone();
        sorted.sort();
        assert_eq!(blob.paths, sorted, "paths are sorted");
    }
}

#[test]
fn blob_digests_match_the_content_and_git_hash_object() {
    let (r, _) = blob_repo();
    let index = r.open(&[]).unwrap();
    assert!(index.blob_count() > 5);
    for blob in index.blobs() {
        let content = r.git(&["cat-file", "blob", &blob.id.to_hex()]).stdout;
        assert_eq!(blob.size, content.len() as u64);
        assert_eq!(blob.sha256, hex(&Sha256::digest(&content)));
        assert_eq!(blob.sha1, hex(&Sha1::digest(&content)));
        let path = r.path().join("content.tmp");
        std::fs::write(&path, &content).unwrap();
        let hashed = r.git_stdout(&["hash-object", path.to_str().unwrap()]);
        assert_eq!(hex_id(&hashed), blob.id);
        for tool in [("sha256sum", &blob.sha256), ("sha1sum", &blob.sha1)] {
            let out = Command::new(tool.0).arg(&path).output().unwrap();
            let digest = String::from_utf8_lossy(&out.stdout);
            assert_eq!(digest.split_whitespace().next(), Some(tool.1.as_str()));
        }
        assert_eq!(index.blob_by_sha256(&blob.sha256), Some(blob));
        assert_eq!(
            index.blob_by_sha256(&blob.sha256.to_ascii_uppercase()),
            Some(blob)
        );
        assert_eq!(index.blob_by_sha1(&blob.sha1), Some(blob));
        assert_eq!(index.blob_by_git_id(&blob.id), Some(blob));
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn blob_of(content: &str) -> ObjectId {
    id(Oid::hash_object(ObjectType::Blob, content.as_bytes()).unwrap())
}

#[test]
fn blob_histories_read_as_committed() {
    let (r, c) = blob_repo();
    let index = r.open(&[]).unwrap();
    let record = |content: &str| index.blob_by_git_id(&blob_of(content));

    // Committed, deleted, re-added: one record, first seen at c1, one path.
    let v1 = record("resource \"a\" \"v1\" {}\n").unwrap();
    assert_eq!(v1.first_commit, id(c["c1"]));
    assert_eq!(v1.paths, vec!["terraform/main.tf"]);
    // Changed then renamed: both paths; first seen on the early branch, whose commit is older
    // than c2 although it was made later.
    let v2 = record("resource \"a\" \"v2\" {}\n").unwrap();
    assert_eq!(v2.first_commit, id(c["e1"]));
    assert_eq!(
        v2.paths,
        vec!["other/v2.tf", "terraform/main.tf", "terraform/web.tf"]
    );
    // The same content at two paths.
    let shared = record("shared: true\n").unwrap();
    assert_eq!(shared.first_commit, id(c["c6"]));
    assert_eq!(
        shared.paths,
        vec!["ansible/group_vars/all.yml", "ansible/host_vars/web.yml"]
    );
    // A renamed directory adds the new paths; the copy outside a configuration directory
    // does not count.
    let motd = record("hello\n").unwrap();
    assert_eq!(motd.first_commit, id(c["c1"]));
    assert_eq!(
        motd.paths,
        vec!["roles/app/files/motd", "roles/web/files/motd"]
    );
    assert_eq!(
        record("[web]\nweb-01\n").unwrap().paths,
        vec!["inventory/prod"]
    );
    // Equal committer times: the smaller commit id is first.
    let tie = record("tie\n").unwrap();
    assert_eq!(tie.first_commit, id(c["t1"].min(c["t2"])));
    // Not configuration: README.md, source code, a symlink's target text.
    assert!(record("readme\n").is_none());
    assert!(record("fn main() {}\n").is_none());
    assert!(record("terraform/main.tf").is_none());
}

// ---------------------------------------------------------------------------------------------
// Tags and distance from the branch tip

#[test]
fn tags_pointing_at_every_commit_match_git() {
    let (r, _) = graph_repo();
    let index = r.open(&[]).unwrap();
    for commit in all_commits(&r) {
        let git: Vec<String> = r
            .git_stdout(&["tag", "--points-at", &commit.to_hex()])
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(index.tags_pointing_at(&commit), git, "{commit}");
    }
}

#[test]
fn behind_matches_git_rev_list_count_for_every_commit() {
    let (r, _) = graph_repo();
    let index = r.open(&["main"]).unwrap();
    let time = |rev: &str| -> i64 {
        r.git_stdout(&["log", "-1", "--format=%ct", rev])
            .trim()
            .parse()
            .unwrap()
    };
    for commit in all_commits(&r) {
        let hex = commit.to_hex();
        let not = format!("^{hex}");
        // main is carried by refs/heads/main and refs/remotes/origin/main together.
        let on_main = git_is_ancestor(&r, commit, "refs/heads/main")
            || git_is_ancestor(&r, commit, "refs/remotes/origin/main");
        let expected = on_main.then(|| {
            let count = r.git_stdout(&[
                "rev-list",
                "--count",
                "refs/heads/main",
                "refs/remotes/origin/main",
                &not,
            ]);
            let tip = time("refs/heads/main").max(time("refs/remotes/origin/main"));
            (count.trim().parse().unwrap(), tip - time(&hex))
        });
        assert_eq!(index.behind(&commit, "main"), expected, "{commit}");

        // Any other branch, by its short name.
        let on_feature = git_is_ancestor(&r, commit, "refs/remotes/upstream/feature");
        let expected = on_feature.then(|| {
            let count = r.git_stdout(&["rev-list", "--count", "upstream/feature", &not]);
            let tip = time("refs/remotes/upstream/feature");
            (count.trim().parse().unwrap(), tip - time(&hex))
        });
        assert_eq!(
            index.behind(&commit, "upstream/feature"),
            expected,
            "{commit}"
        );
    }
    assert_eq!(index.behind(&hex_id(&"1".repeat(40)), "main"), None);
    assert_eq!(index.behind(&index.head().unwrap(), "no-such-branch"), None);
}

// ---------------------------------------------------------------------------------------------
// Opening

#[test]
fn a_bare_repository_indexes_the_same_history() {
    let (r, _) = graph_repo();
    let bare = tempfile::tempdir().unwrap();
    let target = bare.path().join("graph.git");
    let out = git_in(
        r.path(),
        &[
            "clone",
            "--quiet",
            "--bare",
            "--mirror",
            ".",
            target.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = GitIndex::open(&target, &["main".to_string()]).unwrap();
    assert_eq!(index.path(), target.as_path());
    let count = git_in(&target, &["rev-list", "--all", "--count"]).stdout;
    let count: usize = String::from_utf8_lossy(&count).trim().parse().unwrap();
    assert_eq!(index.commit_count(), count);
    assert_eq!(index.release_branches()[0].refs.len(), 2);
    let main = r.repo.refname_to_id("refs/heads/main").unwrap();
    assert_eq!(index.behind(&id(main), "main"), Some((0, 0)));
}

/// Every file under `dir` with its size, modification time and content.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                let content = std::fs::read(entry.path()).unwrap();
                out.insert(
                    entry.path(),
                    (meta.len(), meta.modified().unwrap(), content),
                );
            }
        }
    }
    out
}

#[test]
fn opening_writes_nothing_to_the_repository() {
    let (r, _) = blob_repo();
    let before = snapshot(r.path());
    let index = r.open(&[]).unwrap();
    let _ = index.resolve("0123456");
    let _ = index.resolve(&index.head().unwrap().to_hex()[..7]);
    assert_eq!(snapshot(r.path()), before);
}

#[test]
fn a_directory_that_is_not_a_repository_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = GitIndex::open(dir.path(), &[])
        .err()
        .expect("not a repository");
    assert!(
        matches!(err, GitIndexError::NotARepository { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
    assert!(
        message.contains("expected a work tree or a bare repository"),
        "{message}"
    );

    // A directory inside a work tree is not the repository: no search upwards.
    let (r, _) = blob_repo();
    let sub = r.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let err = GitIndex::open(&sub, &[])
        .err()
        .expect("not searched upwards");
    assert!(
        matches!(err, GitIndexError::NotARepository { .. }),
        "{err:?}"
    );
}

#[test]
fn an_empty_repository_has_no_release_branch() {
    let r = TestRepo::new();
    let err = r.open(&[]).err().expect("nothing to index");
    assert!(
        matches!(err, GitIndexError::NoReleaseBranch { .. }),
        "{err:?}"
    );
}

#[test]
fn a_shallow_clone_indexes_the_commits_it_has() {
    let (r, _) = blob_repo();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("shallow");
    let url = format!("file://{}", r.path().display());
    let out = git_in(
        dir.path(),
        &[
            "clone",
            "--quiet",
            "--depth",
            "2",
            "--no-single-branch",
            &url,
            "shallow",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = GitIndex::open(&target, &[]).unwrap();
    let count = git_in(&target, &["rev-list", "--all", "--count"]).stdout;
    let count: usize = String::from_utf8_lossy(&count).trim().parse().unwrap();
    assert_eq!(index.commit_count(), count);
    assert!(count < 10, "the clone is shallow");
    assert_eq!(
        index.release_branch_origin(),
        ReleaseBranchOrigin::RemoteHead
    );
}
