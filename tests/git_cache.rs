//! The git index cache on real repositories built here with git2: whatever the cache holds, and
//! whatever happened to the repository since it was written (new commits, older-dated commits,
//! force-pushes, deleted branches, a deepened shallow clone, blobs fetched into a partial
//! clone), and whatever happened to the file (cut short, altered, another repository's, another
//! version's), the index equals a fresh one. No timings are asserted: only results.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use assert_cmd::Command;
use git2::{Oid, Repository, Signature, Time};
use provenant::git::{CacheOutcome, CacheSettings, CacheState, GitIndex};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Repositories

struct Repo {
    dir: TempDir,
    repo: Repository,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        Repo { dir, repo }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A commit whose tree holds `files` (path → content), committed at `time`.
    fn commit(&self, parents: &[Oid], files: &[(&str, &str)], time: i64) -> Oid {
        let sig = Signature::new("Tess Ter", "tess@example.com", &Time::new(time, 0)).unwrap();
        let tree = self.tree(files.iter().map(|&(p, c)| (p, c)).collect());
        let tree = self.repo.find_tree(tree).unwrap();
        let parents: Vec<_> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).unwrap())
            .collect();
        let parents: Vec<_> = parents.iter().collect();
        let message = format!("commit at {time}");
        self.repo
            .commit(None, &sig, &sig, &message, &tree, &parents)
            .unwrap()
    }

    fn tree(&self, files: Vec<(&str, &str)>) -> Oid {
        let mut builder = self.repo.treebuilder(None).unwrap();
        let mut dirs: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        for (path, content) in files {
            match path.split_once('/') {
                Some((dir, rest)) => dirs.entry(dir).or_default().push((rest, content)),
                None => {
                    let blob = self.repo.blob(content.as_bytes()).unwrap();
                    builder.insert(path, blob, 0o100644).unwrap();
                }
            }
        }
        for (dir, entries) in dirs {
            let tree = self.tree(entries);
            builder.insert(dir, tree, 0o040000).unwrap();
        }
        builder.write().unwrap()
    }

    fn set(&self, name: &str, target: Oid) {
        self.repo.reference(name, target, true, "test").unwrap();
    }

    fn delete(&self, name: &str) {
        self.repo.find_reference(name).unwrap().delete().unwrap();
    }

    /// Opens the index through the cache in `cache`, checks it against a fresh index, and
    /// returns how the cache served.
    fn open_checked(&self, cache: &Path) -> CacheOutcome {
        open_checked(self.path(), cache)
    }
}

fn open_checked(path: &Path, cache: &Path) -> CacheOutcome {
    let settings = CacheSettings::Directory(cache.to_path_buf());
    let (cached, outcome) = GitIndex::open_with_cache(path, &[], &settings).unwrap();
    let fresh = GitIndex::open(path, &[]).unwrap();
    assert_same(&cached, &fresh, path);
    outcome
}

/// Every commit reachable from any ref or HEAD, by git2's own walk.
fn reachable_commits(path: &Path) -> Vec<Oid> {
    let repo = Repository::open(path).unwrap();
    let mut walk = repo.revwalk().unwrap();
    for reference in repo.references().unwrap() {
        let reference = reference.unwrap();
        if let Ok(commit) = reference.peel_to_commit() {
            walk.push(commit.id()).unwrap();
        }
    }
    if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
        walk.push(head.id()).unwrap();
    }
    walk.map(|id| id.unwrap()).collect()
}

fn assert_same(cached: &GitIndex, fresh: &GitIndex, path: &Path) {
    let commits = reachable_commits(path);
    assert_eq!(cached.commit_count(), commits.len(), "commit count");
    assert_eq!(fresh.commit_count(), commits.len(), "commit count (fresh)");
    for oid in commits {
        let id = provenant::git::ObjectId::from_hex(&oid.to_string()).unwrap();
        assert_eq!(cached.commit(&id), fresh.commit(&id), "commit {oid}");
        assert!(cached.commit(&id).is_some(), "commit {oid} indexed");
        assert_eq!(
            cached.release_branches_containing(&id),
            fresh.release_branches_containing(&id)
        );
        assert_eq!(
            cached.branches_containing(&id),
            fresh.branches_containing(&id)
        );
    }
    assert_eq!(cached.blobs(), fresh.blobs(), "blob records");
    assert_eq!(
        cached.missing_blobs(),
        fresh.missing_blobs(),
        "missing blobs"
    );
    // The numbering, which orders the release history, is the same too.
    assert_eq!(cached.release_history(), fresh.release_history());
    assert_eq!(cached.head(), fresh.head());
    assert_eq!(cached.release_branches(), fresh.release_branches());
}

fn first_commit_of(path: &Path, content: &str) -> Option<Oid> {
    let repo = Repository::open(path).unwrap();
    let blob = repo.blob(content.as_bytes()).unwrap();
    let index = GitIndex::open(path, &[]).unwrap();
    let id = provenant::git::ObjectId::from_hex(&blob.to_string()).unwrap();
    index
        .blob_by_git_id(&id)
        .map(|b| Oid::from_str(&b.first_commit.to_hex()).unwrap())
}

/// A main branch of `n` commits from time 1000, each changing `env/main.tf` and sometimes a
/// role's defaults; returns the commits.
fn linear_history(repo: &Repo, n: usize) -> Vec<Oid> {
    let mut commits: Vec<Oid> = Vec::new();
    for i in 0..n {
        let tf = format!("version = {i}\n");
        let role = format!("port: {}\n", 8000 + i / 3);
        let files = [
            ("env/main.tf", tf.as_str()),
            ("roles/web/defaults/main.yml", role.as_str()),
            ("README.md", "not configuration\n"),
        ];
        let parents: Vec<Oid> = commits.last().copied().into_iter().collect();
        commits.push(repo.commit(&parents, &files, 1000 + 100 * i as i64));
    }
    repo.set("refs/heads/main", *commits.last().unwrap());
    repo.repo.set_head("refs/heads/main").unwrap();
    commits
}

fn cache_file(outcome: &CacheOutcome) -> PathBuf {
    outcome.file.clone().expect("a cache file")
}

// ---------------------------------------------------------------------------------------------
// Extending

#[test]
fn a_cold_cache_is_built_then_used_then_extended_by_new_commits_only() {
    let repo = Repo::new();
    let commits = linear_history(&repo, 6);
    let cache = tempfile::tempdir().unwrap();

    let cold = repo.open_checked(cache.path());
    assert_eq!(cold.state, CacheState::Cold);
    assert!(cold.warnings.is_empty(), "{:?}", cold.warnings);
    assert!(cache_file(&cold).exists());

    let warm = repo.open_checked(cache.path());
    assert_eq!(warm.state, CacheState::Warm);

    // One new commit on main, then a merge of a side branch.
    let next = repo.commit(
        &[commits[5]],
        &[("env/main.tf", "version = 6\n"), ("env/new.tf", "x = 1\n")],
        2000,
    );
    repo.set("refs/heads/main", next);
    assert_eq!(
        repo.open_checked(cache.path()).state,
        CacheState::Extended { commits: 1 }
    );
    let side = repo.commit(&[next], &[("env/main.tf", "version = 7\n")], 2100);
    let main = repo.commit(&[next], &[("files/motd", "hello\n")], 2200);
    let merge = repo.commit(
        &[main, side],
        &[("env/main.tf", "version = 7\n"), ("files/motd", "hello\n")],
        2300,
    );
    repo.set("refs/heads/main", merge);
    assert_eq!(
        repo.open_checked(cache.path()).state,
        CacheState::Extended { commits: 3 }
    );
    assert_eq!(repo.open_checked(cache.path()).state, CacheState::Warm);
}

#[test]
fn a_new_commit_dated_before_cached_ones_becomes_the_first_commit_of_what_it_holds() {
    let repo = Repo::new();
    let root = repo.commit(&[], &[("env/main.tf", "a = 0\n")], 100);
    let late = repo.commit(&[root], &[("env/main.tf", "a = 1\n")], 5000);
    repo.set("refs/heads/main", late);
    let cache = tempfile::tempdir().unwrap();
    repo.open_checked(cache.path());
    assert_eq!(first_commit_of(repo.path(), "a = 1\n"), Some(late));

    // A branch pushed later whose commit is dated earlier and holds the same content, in a
    // directory of the same tree as a cached commit's and under a new path.
    let early = repo.commit(
        &[root],
        &[("env/main.tf", "a = 1\n"), ("copy/env/main.tf", "a = 1\n")],
        3000,
    );
    repo.set("refs/heads/old-work", early);
    let outcome = repo.open_checked(cache.path());
    assert_eq!(outcome.state, CacheState::Extended { commits: 1 });
    assert_eq!(first_commit_of(repo.path(), "a = 1\n"), Some(early));

    // A child dated before its parent (clock skew): the parent does not count.
    let skewed = repo.commit(
        &[late],
        &[("env/main.tf", "a = 1\n"), ("env/b.tf", "b\n")],
        50,
    );
    repo.set("refs/heads/skewed", skewed);
    assert_eq!(
        repo.open_checked(cache.path()).state,
        CacheState::Extended { commits: 1 }
    );
    assert_eq!(first_commit_of(repo.path(), "a = 1\n"), Some(skewed));
}

#[test]
fn more_new_commits_than_cached_ones_give_the_same_index() {
    let repo = Repo::new();
    let commits = linear_history(&repo, 3);
    let cache = tempfile::tempdir().unwrap();
    repo.open_checked(cache.path());
    let mut tip = commits[2];
    for i in 0..8 {
        let content = format!("v = {i}\n");
        tip = repo.commit(&[tip], &[("env/main.tf", &content)], 9000 + i);
    }
    repo.set("refs/heads/main", tip);
    assert_eq!(
        repo.open_checked(cache.path()).state,
        CacheState::Extended { commits: 8 }
    );
}

// ---------------------------------------------------------------------------------------------
// Invalidating

#[test]
fn a_force_push_drops_what_only_the_old_commits_held() {
    let repo = Repo::new();
    let commits = linear_history(&repo, 4);
    let feature = repo.commit(
        &[commits[3]],
        &[("env/main.tf", "secret = \"only on the old branch\"\n")],
        9000,
    );
    repo.set("refs/heads/feature", feature);
    let cache = tempfile::tempdir().unwrap();
    repo.open_checked(cache.path());
    assert!(first_commit_of(repo.path(), "secret = \"only on the old branch\"\n").is_some());

    let rewritten = repo.commit(&[commits[3]], &[("env/main.tf", "rewritten\n")], 9100);
    repo.set("refs/heads/feature", rewritten);
    let outcome = repo.open_checked(cache.path());
    assert_eq!(
        outcome.state,
        CacheState::Rewalked {
            unreachable: 1,
            new: 1
        }
    );
    assert!(outcome.warnings.is_empty());
    assert_eq!(
        first_commit_of(repo.path(), "secret = \"only on the old branch\"\n"),
        None
    );
    assert_eq!(repo.open_checked(cache.path()).state, CacheState::Warm);
}

#[test]
fn a_deleted_branch_takes_its_commits_out_of_the_index() {
    let repo = Repo::new();
    let commits = linear_history(&repo, 3);
    let a = repo.commit(&[commits[2]], &[("env/main.tf", "branch\n")], 8000);
    let b = repo.commit(&[a], &[("env/main.tf", "branch 2\n")], 8100);
    repo.set("refs/heads/topic", b);
    let cache = tempfile::tempdir().unwrap();
    repo.open_checked(cache.path());
    repo.delete("refs/heads/topic");
    assert_eq!(
        repo.open_checked(cache.path()).state,
        CacheState::Rewalked {
            unreachable: 2,
            new: 0
        }
    );
}

#[test]
fn a_deepened_shallow_clone_is_read_again() {
    let origin = Repo::new();
    linear_history(&origin, 6);
    let clones = tempfile::tempdir().unwrap();
    let clone = clones.path().join("clone");
    let url = format!("file://{}", origin.path().display());
    git(
        clones.path(),
        &["clone", "--quiet", "--depth", "2", &url, "clone"],
    );
    let cache = tempfile::tempdir().unwrap();
    assert_eq!(open_checked(&clone, cache.path()).state, CacheState::Cold);
    assert_eq!(GitIndex::open(&clone, &[]).unwrap().commit_count(), 2);

    git(&clone, &["fetch", "--quiet", "--deepen", "2"]);
    let outcome = open_checked(&clone, cache.path());
    assert!(
        matches!(&outcome.state, CacheState::Rebuilt { reason } if reason.contains("shallow")),
        "{:?}",
        outcome.state
    );
    assert!(outcome.warnings.is_empty());
    assert_eq!(GitIndex::open(&clone, &[]).unwrap().commit_count(), 4);
}

#[test]
fn a_blob_fetched_after_the_cache_was_written_gets_its_record() {
    let repo = Repo::new();
    let commits = linear_history(&repo, 2);
    let content = "arrives later\n";
    let tip = repo.commit(&[commits[1]], &[("env/late.tf", content)], 7000);
    repo.set("refs/heads/main", tip);
    // Take the blob out of the object database, as a partial clone lacks it.
    let blob = repo.repo.blob(content.as_bytes()).unwrap().to_string();
    let loose = repo
        .repo
        .path()
        .join("objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    std::fs::remove_file(&loose).unwrap();
    let cache = tempfile::tempdir().unwrap();
    repo.open_checked(cache.path());
    assert_eq!(
        GitIndex::open(repo.path(), &[])
            .unwrap()
            .missing_blobs()
            .len(),
        1
    );

    repo.repo.blob(content.as_bytes()).unwrap();
    let outcome = repo.open_checked(cache.path());
    assert_eq!(outcome.state, CacheState::Warm);
    let index = GitIndex::open(repo.path(), &[]).unwrap();
    assert!(index.missing_blobs().is_empty());
    assert_eq!(first_commit_of(repo.path(), content), Some(tip));
}

// ---------------------------------------------------------------------------------------------
// Damaged, foreign and old files

/// Damages the cache file with `damage`, opens the index (checked against a fresh one) and
/// returns the outcome; then checks that the rebuilt file serves the next audit warm.
fn after_damage(damage: impl FnOnce(&Path)) -> CacheOutcome {
    let repo = Repo::new();
    linear_history(&repo, 5);
    let cache = tempfile::tempdir().unwrap();
    let file = cache_file(&repo.open_checked(cache.path()));
    damage(&file);
    let outcome = repo.open_checked(cache.path());
    let again = repo.open_checked(cache.path());
    assert_eq!(again.state, CacheState::Warm, "the rebuilt file is used");
    assert!(
        again.warnings.is_empty(),
        "reported once: {:?}",
        again.warnings
    );
    outcome
}

fn assert_rebuilt_with_warning(outcome: &CacheOutcome, words: &str) {
    assert!(
        matches!(&outcome.state, CacheState::Rebuilt { reason } if reason.contains(words)),
        "{:?}",
        outcome.state
    );
    assert_eq!(outcome.warnings.len(), 1, "{:?}", outcome.warnings);
    assert!(
        outcome.warnings[0].contains(words),
        "{:?}",
        outcome.warnings
    );
}

#[test]
fn a_corrupt_file_is_reported_once_and_rebuilt() {
    let outcome = after_damage(|file| {
        let mut bytes = std::fs::read(file).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(file, bytes).unwrap();
    });
    assert_rebuilt_with_warning(&outcome, "corrupt");
}

#[test]
fn a_truncated_file_is_reported_once_and_rebuilt() {
    let outcome = after_damage(|file| {
        let bytes = std::fs::read(file).unwrap();
        std::fs::write(file, &bytes[..bytes.len() * 2 / 3]).unwrap();
    });
    assert_rebuilt_with_warning(&outcome, "truncated");
    let outcome = after_damage(|file| std::fs::write(file, b"").unwrap());
    assert_rebuilt_with_warning(&outcome, "truncated");
}

#[test]
fn a_file_that_is_not_a_cache_is_reported_once_and_rebuilt() {
    let outcome = after_damage(|file| std::fs::write(file, "{\"some\": \"json\"}\n").unwrap());
    assert_rebuilt_with_warning(&outcome, "not a provenant git index cache");
}

#[test]
fn another_repositorys_file_is_reported_once_and_rebuilt() {
    let other = Repo::new();
    linear_history(&other, 3);
    let other_cache = tempfile::tempdir().unwrap();
    let other_file = cache_file(&other.open_checked(other_cache.path()));
    let outcome = after_damage(|file| {
        std::fs::copy(&other_file, file).unwrap();
    });
    assert_rebuilt_with_warning(&outcome, "another repository");
}

#[test]
fn a_file_from_another_version_is_rebuilt_quietly() {
    let outcome = after_damage(|file| {
        let mut bytes = std::fs::read(file).unwrap();
        // The format version follows the 8-byte magic.
        bytes[8] = bytes[8].wrapping_add(1);
        std::fs::write(file, bytes).unwrap();
    });
    assert!(
        matches!(&outcome.state, CacheState::Rebuilt { reason } if reason.contains("format")),
        "{:?}",
        outcome.state
    );
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
}

#[test]
fn a_cache_that_cannot_be_written_is_a_warning_not_an_error() {
    let repo = Repo::new();
    linear_history(&repo, 2);
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let outcome = repo.open_checked(&not_a_dir);
    assert_eq!(outcome.warnings.len(), 1, "{:?}", outcome.warnings);
    assert!(outcome.warnings[0].contains("could not be written"));
}

// ---------------------------------------------------------------------------------------------
// Concurrency

#[test]
fn concurrent_audits_sharing_a_cache_directory_never_see_a_damaged_file() {
    let repo = Repo::new();
    let mut tip = *linear_history(&repo, 5).last().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let settings = CacheSettings::Directory(cache.path().to_path_buf());
    let path = repo.path().to_path_buf();
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let (path, settings) = (&path, &settings);
                scope.spawn(move || {
                    for _ in 0..15 {
                        let (_, outcome) = GitIndex::open_with_cache(path, &[], settings).unwrap();
                        assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
                    }
                })
            })
            .collect();
        // Meanwhile the history grows, as a fetch would make it.
        for i in 0..15 {
            let content = format!("grown = {i}\n");
            tip = repo.commit(&[tip], &[("env/main.tf", &content)], 20_000 + i);
            repo.set("refs/heads/main", tip);
        }
        for reader in readers {
            reader.join().unwrap();
        }
    });
    let outcome = repo.open_checked(cache.path());
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
}

// ---------------------------------------------------------------------------------------------
// The binary

/// The binary with a pinned report time, and the cache directory from the tests' environment
/// taken away so that each test names its own.
fn provenant() -> Command {
    let mut cmd = Command::cargo_bin("provenant").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", "1790000000")
        .env_remove("CI")
        .env_remove("PROVENANT_CACHE_DIR");
    cmd
}

/// The sample estate, kept in a temporary directory.
fn estate() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("estate");
    provenant()
        .arg("demo")
        .arg("--keep")
        .arg(&root)
        .assert()
        .success();
    (dir, root)
}

fn audit(root: &Path, args: &[&str], env: &[(&str, &Path)]) -> (String, String) {
    let mut cmd = provenant();
    cmd.current_dir(root)
        .args([
            "audit", "--repo", "repo", "--state", "state", "--format", "json",
        ])
        .args(args);
    for (name, value) in env {
        cmd.env(name, value);
    }
    let out = cmd.output().unwrap();
    // The sample estate has findings and an unreadable input: exit 1 or 2, and a report.
    assert!(
        matches!(out.status.code(), Some(0..=2)) && out.stdout.starts_with(b"{"),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn the_report_is_the_same_cold_warm_and_without_a_cache() {
    let (_dir, root) = estate();
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().join("cache");
    let dir_arg = dir.to_str().unwrap();
    let (cold, _) = audit(&root, &["--cache-dir", dir_arg], &[]);
    let (warm, _) = audit(&root, &["--cache-dir", dir_arg], &[]);
    let (none, _) = audit(&root, &["--no-cache"], &[]);
    assert_eq!(cold, warm);
    assert_eq!(cold, none);
    let names = files_in(&dir);
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"CACHEDIR.TAG".to_string()), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with(".gitindex")), "{names:?}");
}

#[test]
fn the_cache_directory_comes_from_the_flag_the_environment_or_the_user_cache() {
    let (_dir, root) = estate();
    let homes = tempfile::tempdir().unwrap();
    let from_env = homes.path().join("from-env");
    audit(&root, &[], &[("PROVENANT_CACHE_DIR", &from_env)]);
    assert_eq!(files_in(&from_env).len(), 2);

    let xdg = homes.path().join("xdg");
    audit(&root, &[], &[("XDG_CACHE_HOME", &xdg)]);
    if cfg!(target_os = "linux") {
        assert_eq!(files_in(&xdg.join("provenant")).len(), 2);
    }

    // --no-cache reads and writes nothing, wherever the cache would be.
    let unused = homes.path().join("unused");
    audit(
        &root,
        &["--no-cache"],
        &[
            ("PROVENANT_CACHE_DIR", &unused),
            ("XDG_CACHE_HOME", &unused),
        ],
    );
    assert!(!unused.exists());
}

#[test]
fn verbose_prints_each_stage_and_the_cache_on_stderr_only() {
    let (_dir, root) = estate();
    let cache = tempfile::tempdir().unwrap();
    let dir_arg = cache.path().to_str().unwrap();
    let (quiet_stdout, quiet_stderr) = audit(&root, &["--cache-dir", dir_arg], &[]);
    assert_eq!(quiet_stderr, "");
    let (stdout, stderr) = audit(&root, &["--cache-dir", dir_arg, "--verbose"], &[]);
    assert_eq!(stdout, quiet_stdout, "timings never reach the report");
    for stage in [
        "reading states",
        "git index",
        "correlation",
        "configuration",
        "rules",
        "report",
        "total",
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&format!("provenant: {stage} "))),
            "{stage}: {stderr}"
        );
    }
    assert!(stderr.contains("cache: up to date"), "{stderr}");

    let out = provenant()
        .current_dir(&root)
        .args(["audit", "--repo", "repo", "-q", "-v"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--quiet and --verbose conflict");
}

#[test]
fn concurrent_processes_sharing_a_cache_directory_agree() {
    let (_dir, root) = estate();
    let cache = tempfile::tempdir().unwrap();
    let exe = assert_cmd::cargo::cargo_bin("provenant");
    let children: Vec<_> = (0..4)
        .map(|_| {
            Process::new(&exe)
                .current_dir(&root)
                .env("SOURCE_DATE_EPOCH", "1790000000")
                .args([
                    "audit", "--repo", "repo", "--state", "state", "--format", "json",
                ])
                .arg("--cache-dir")
                .arg(cache.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let (first, _) = audit(&root, &["--no-cache"], &[]);
    for child in children {
        let child = child.wait_with_output().unwrap();
        assert_eq!(String::from_utf8(child.stdout).unwrap(), first);
        assert_eq!(String::from_utf8(child.stderr).unwrap(), "");
    }
}

fn git(dir: &Path, args: &[&str]) {
    let out = Process::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git is on PATH");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
