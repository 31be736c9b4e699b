//! A configuration's versions over a history with branches and merges, local modules called
//! and dropped, module directories replaced by files and root directories deleted and added
//! again: the versions the configuration stage finds (which reads only the commits that
//! changed a directory the configuration is read from) are those a plain walk finds by reading
//! the configuration at every commit and comparing it with every parent's.

use git2::{Oid, Repository, Signature, Time};
use provenant::git::GitIndex;
use provenant::scan::tfconfig::changes::ReleaseChanges;
use provenant::scan::tfconfig::config::{Configuration, Loader};
use provenant::scan::tfconfig::history;
use std::collections::{BTreeMap, HashMap};

type Files = BTreeMap<String, String>;

/// Branches of a repository built here, each with its files and head.
struct History {
    repo: Repository,
    _dir: tempfile::TempDir,
    time: i64,
}

impl History {
    fn new() -> History {
        let dir = tempfile::tempdir().unwrap();
        let mut options = git2::RepositoryInitOptions::new();
        options.initial_head("main");
        let repo = Repository::init_opts(dir.path(), &options).unwrap();
        History {
            repo,
            _dir: dir,
            time: 1_767_225_600,
        }
    }

    fn commit(&mut self, branch: &str, files: &Files, parents: &[Oid]) -> Oid {
        let tree = self.tree(files, "");
        let tree = self.repo.find_tree(tree).unwrap();
        self.time += 3_600;
        let who = Signature::new("Dana Dev", "dana@example.com", &Time::new(self.time, 0)).unwrap();
        let parents: Vec<git2::Commit<'_>> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).unwrap())
            .collect();
        let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let name = format!("refs/heads/{branch}");
        self.repo
            .commit(Some(&name), &who, &who, "change", &tree, &refs)
            .unwrap()
    }

    fn tree(&self, files: &Files, prefix: &str) -> Oid {
        let mut builder = self.repo.treebuilder(None).unwrap();
        let mut dirs: BTreeMap<String, ()> = BTreeMap::new();
        for (path, content) in files.range(prefix.to_string()..) {
            let Some(rest) = path.strip_prefix(prefix) else {
                break;
            };
            match rest.split_once('/') {
                Some((dir, _)) => {
                    dirs.insert(dir.to_string(), ());
                }
                None => {
                    let blob = self.repo.blob(content.as_bytes()).unwrap();
                    builder.insert(rest, blob, 0o100644).unwrap();
                }
            }
        }
        for dir in dirs.keys() {
            let tree = self.tree(files, &format!("{prefix}{dir}/"));
            builder.insert(dir, tree, 0o040000).unwrap();
        }
        builder.write().unwrap()
    }
}

/// A small deterministic generator, so that a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// One random edit to the files: the root module and the modules it may call change, calls
/// come and go, a module directory becomes a file, the root is deleted, unrelated files move.
fn edit(files: &mut Files, rng: &mut Lcg, step: usize) {
    let root = |calls: &[&str], size: u64| {
        let mut text =
            format!("resource \"aws_instance\" \"app\" {{\n  instance_type = \"t3.{size}\"\n}}\n");
        for call in calls {
            text.push_str(&format!(
                "module \"{call}\" {{\n  source = \"../../modules/{call}\"\n}}\n"
            ));
        }
        text
    };
    let module = |name: &str, n: u64| {
        format!("resource \"aws_s3_bucket\" \"{name}\" {{\n  bucket = \"{name}-{n}\"\n}}\n")
    };
    match rng.below(10) {
        0 => {
            let calls: &[&str] = match rng.below(4) {
                0 => &[],
                1 => &["net"],
                2 => &["db"],
                _ => &["net", "db"],
            };
            files.insert("live/app/main.tf".into(), root(calls, rng.below(5)));
        }
        1 | 2 => {
            files.insert("modules/net/main.tf".into(), module("net", rng.below(6)));
        }
        3 => {
            files.remove("modules/db");
            files.insert("modules/db/main.tf".into(), module("db", rng.below(6)));
        }
        4 => {
            // The module directory replaced by a file of the same name.
            files.retain(|p, _| !p.starts_with("modules/db/"));
            files.insert("modules/db".into(), "not a module".into());
        }
        5 => {
            if rng.below(3) == 0 {
                files.retain(|p, _| !p.starts_with("live/app/"));
            } else {
                files.insert(
                    "live/app/variables.tf".into(),
                    format!("variable \"v{}\" {{}}\n", rng.below(3)),
                );
            }
        }
        _ => {
            files.insert(
                format!("docs/note-{}.md", rng.below(4)),
                format!("step {step}"),
            );
        }
    }
}

/// The versions read by brute force: the configuration at every release commit, kept where it
/// differs from every parent's (a root commit's, where it exists).
fn every_commit_versions(index: &GitIndex, root: &str) -> Vec<Oid> {
    let mut loader = Loader::new(index).unwrap();
    let mut keys = HashMap::new();
    let mut out = Vec::new();
    for commit in index.release_history() {
        let key = loader
            .configuration(commit, root)
            .as_ref()
            .map(Configuration::key);
        let parents = index.commit(&commit).unwrap().parents.clone();
        let parent_keys: Vec<_> = parents.iter().filter_map(|p| keys.get(p)).collect();
        let changed = if parent_keys.is_empty() {
            key.is_some()
        } else {
            parent_keys.iter().all(|k| **k != key)
        };
        if changed {
            out.push(Oid::from_bytes(&commit.0).unwrap());
        }
        keys.insert(commit, key);
    }
    out
}

fn found_versions(index: &GitIndex, root: &str) -> Vec<Oid> {
    let mut loader = Loader::new(index).unwrap();
    let changes = ReleaseChanges::new(index);
    history::versions(&mut loader, &changes, root)
        .iter()
        .map(|v| Oid::from_bytes(&v.commit.0).unwrap())
        .collect()
}

#[test]
fn versions_match_a_walk_that_reads_every_commit() {
    for seed in 1..=6u64 {
        let mut rng = Lcg(seed);
        let mut history = History::new();
        let mut main_files = Files::new();
        main_files.insert(
            "live/app/main.tf".into(),
            "resource \"aws_instance\" \"app\" {}\n".into(),
        );
        let mut main = history.commit("main", &main_files, &[]);
        // Feature branches fork from main, change things and are merged back, some while main
        // moved on, some fast-forwarded, some merged with main's side taken whole.
        for step in 0..60 {
            match rng.below(4) {
                0 => {
                    let mut branch_files = main_files.clone();
                    let mut head = main;
                    for k in 0..=rng.below(3) {
                        edit(&mut branch_files, &mut rng, step * 10 + k as usize);
                        head = history.commit(&format!("feature-{step}"), &branch_files, &[head]);
                    }
                    if rng.below(2) == 0 {
                        edit(&mut main_files, &mut rng, step);
                        main = history.commit("main", &main_files, &[main]);
                    }
                    // The merge's tree: the branch's files over main's, or main's alone.
                    let merged = match rng.below(3) {
                        0 => main_files.clone(),
                        _ => {
                            let mut merged = main_files.clone();
                            merged.retain(|p, _| branch_files.contains_key(p));
                            merged.extend(branch_files.clone());
                            merged
                        }
                    };
                    main_files = merged;
                    main = history.commit("main", &main_files, &[main, head]);
                }
                _ => {
                    edit(&mut main_files, &mut rng, step);
                    main = history.commit("main", &main_files, &[main]);
                }
            }
        }
        let index = GitIndex::open(history.repo.path(), &["main".to_string()]).unwrap();
        for root in ["live/app", "modules/net", "absent"] {
            let expected = every_commit_versions(&index, root);
            assert_eq!(
                found_versions(&index, root),
                expected,
                "seed {seed}, root {root}"
            );
            if root == "live/app" {
                assert!(
                    expected.len() > 10,
                    "seed {seed}: {} versions",
                    expected.len()
                );
            }
        }
    }
}
