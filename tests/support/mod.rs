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

/// One run of the binary whose stdout is a JSON report.
pub struct Run {
    pub code: Option<i32>,
    pub report: provenant::report::Report,
    /// stdout and stderr together, to look for secrets in.
    pub printed: String,
}

/// Runs `cmd` and reads its JSON report; anything else on stdout fails the test.
pub fn run(mut cmd: assert_cmd::Command) -> Run {
    let out = cmd.output().unwrap();
    let printed = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}):\n{printed}"));
    Run {
        code: out.status.code(),
        report,
        printed,
    }
}

impl Run {
    /// The scope entry for `path`; a missing one fails the test.
    pub fn input(&self, path: &str) -> &provenant::model::Input {
        (self.report.scope.inputs.iter())
            .find(|i| i.path == path)
            .unwrap_or_else(|| panic!("no input {path} in {:#?}", self.report.scope.inputs))
    }
}
