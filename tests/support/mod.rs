//! Helpers shared by the binary tests that need no more history than one commit.

#![allow(dead_code)]

use std::path::Path;

/// A new repository at `dir` with one empty commit on its default branch; the commit's id.
pub fn repository(dir: &Path) -> String {
    let repo = git2::Repository::init(dir).unwrap();
    let sig =
        git2::Signature::new("T", "t@example.com", &git2::Time::new(1_700_000_000, 0)).unwrap();
    let tree = repo
        .find_tree(repo.index().unwrap().write_tree().unwrap())
        .unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "init\n", &tree, &[])
        .unwrap()
        .to_string()
}
