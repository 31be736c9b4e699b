//! The policy file and the baseline through the binary: exceptions cover findings without
//! hiding them, expire, and are findings themselves when unused; a broken policy lists every
//! problem with its line; a baseline lets only new findings fail the run.

use assert_cmd::Command;
use provenant::report::Report;
use std::fs;
use std::path::{Path, PathBuf};

fn provenant() -> Command {
    let mut cmd = Command::cargo_bin("provenant").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", "1790000000"); // 2026-09-21
    cmd
}

/// The demo estate in a temporary directory; returns (guard, estate root).
fn estate() -> (tempfile::TempDir, PathBuf) {
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

fn audit(root: &Path, args: &[&str]) -> (i32, Report, String) {
    let out = provenant()
        .current_dir(root)
        .args([
            "audit",
            "--repo",
            "repo",
            "--state",
            "state/prod.tfstate",
            "--format",
            "json",
        ])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (out.status.code().unwrap(), report, stderr)
}

const EXCEPTIONS: &str = r#"# Approved deviations.
[[exception]]
rule = "PV002"
component = "module.cache.*"
reason = "Cache trial for the Q3 load test"
approver = "alice@example.com"
ticket = "OPS-1234"
expires = 2026-12-31

[[exception]]
rule = "unknown-commit"
component = "acme-prod-assets"
reason = "Bucket tagged by the old pipeline"
approver = "bob@example.com"
expires = 2026-09-20

[[exception]]
rule = "PV001"
component = "aws_instance.web[*]"
reason = "Nothing matches this"
approver = "carol@example.com"
expires = 2027-01-01
"#;

#[test]
fn exceptions_cover_expire_and_report_when_unused() {
    let (_dir, root) = estate();
    fs::write(root.join("repo/provenant.toml"), EXCEPTIONS).unwrap();
    let (code, report, _) = audit(&root, &[]);

    let policy = report
        .scope
        .policy
        .as_ref()
        .expect("the policy is in the scope");
    assert_eq!(policy.path, "repo/provenant.toml");
    assert_eq!(
        policy.sha256,
        provenant::model::id::sha256_hex(EXCEPTIONS.as_bytes())
    );

    let by_rule = |id: &'static str| report.findings.iter().filter(move |f| f.rule_id == id);
    // Active: covered, still reported, with the justification in the chain.
    let cache = by_rule("PV002").next().unwrap();
    let suppression = cache.suppression.as_ref().expect("PV002 is excepted");
    assert_eq!(suppression.approver, "alice@example.com");
    assert_eq!(suppression.ticket.as_deref(), Some("OPS-1234"));
    let last = cache.chain.last().unwrap();
    assert_eq!(last.relation, "exception");
    assert_eq!(last.location.as_ref().unwrap().line, Some(2));
    // Expired the day before the report: the finding is open again and says why.
    let bucket = by_rule("PV001").next().unwrap();
    assert!(bucket.suppression.is_none());
    assert!(bucket
        .chain
        .last()
        .unwrap()
        .value
        .starts_with("expired on 2026-09-20"));
    // Unused: a finding at its line in the policy file.
    let unused = by_rule("PV012")
        .next()
        .expect("the unused exception is a finding");
    assert_eq!(unused.location.path, "repo/provenant.toml");
    assert_eq!(unused.location.line, Some(17));

    let statuses: Vec<&str> = report
        .exceptions
        .iter()
        .map(|e| e.status.as_str())
        .collect();
    assert_eq!(statuses, ["active", "expired", "unused"]);
    assert_eq!(report.summary.excepted, 1);
    assert_eq!(code, 1, "the expired exception's PV001 fails the run");
}

#[test]
fn excepting_every_error_passes_the_run() {
    let (_dir, root) = estate();
    let policy = EXCEPTIONS
        .replace("2026-09-20", "2026-09-21")
        .replace("aws_instance.web[*]", "aws_instance.web[2]")
        .replace(
            "rule = \"PV001\"\ncomponent = \"aws_instance",
            "rule = \"PV008\"\ncomponent = \"aws_instance",
        );
    fs::write(root.join("policy.toml"), &policy).unwrap();
    let policy = format!(
        "{policy}\n[[exception]]\nrule = \"PV006\"\ncomponent = \"vpc-0c1d2e3f4a5b6c7d8\"\nreason = \"Renamed for the migration\"\napprover = \"alice@example.com\"\nexpires = 2026-10-01\n"
    );
    fs::write(root.join("policy.toml"), &policy).unwrap();
    let (code, report, _) = audit(&root, &["--config", "policy.toml"]);
    assert_eq!(report.summary.excepted, 4, "{:#?}", report.exceptions);
    let open_errors: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.is_open() && f.severity == provenant::model::Severity::Error)
        .map(|f| f.rule_id.as_str())
        .collect();
    assert_eq!(open_errors, Vec::<&str>::new());
    assert_eq!(code, 0, "excepted errors do not fail the run");
}

#[test]
fn a_broken_policy_lists_every_problem_with_its_line() {
    let (_dir, root) = estate();
    fs::write(
        root.join("repo/provenant.toml"),
        "release_branch = [\"main\"]\n[severity]\nPV001 = \"fatal\"\n[[exception]]\nrule = \"PV001\"\ncomponent = \"x\"\nreason = \"r\"\napprover = \"a\"\nexpires = \"soon\"\n",
    )
    .unwrap();
    let out = provenant()
        .current_dir(&root)
        .args(["audit", "--repo", "repo", "--state", "state/prod.tfstate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8(out.stderr).unwrap(), @r#"
    provenant: error: repo/provenant.toml: the policy file has 3 problems:
      repo/provenant.toml:1: unknown key `release_branch`; expected one of release_branches, claim_keys, host_claim_keys, require_claims, stale_after_days, environments, severity, identity, exception, puppetdb, puppet
      repo/provenant.toml:3: `severity.PV001` must be "error", "warning" or "note", not the string "fatal"
      repo/provenant.toml:9: `exception.expires` must be a date YYYY-MM-DD, not `soon`
    "#);
}

#[test]
fn a_named_policy_file_must_exist() {
    let (_dir, root) = estate();
    let out = provenant()
        .current_dir(&root)
        .args([
            "audit",
            "--repo",
            "repo",
            "--state",
            "state/prod.tfstate",
            "--config",
            "nope.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .starts_with("provenant: error: nope.toml: cannot read the policy file"));
}

#[test]
fn policy_settings_apply_and_flags_override_them() {
    let (_dir, root) = estate();
    fs::write(
        root.join("repo/provenant.toml"),
        "release_branches = [\"feature/cache\"]\nstale_after_days = 200\n[severity]\nPV002 = \"note\"\n",
    )
    .unwrap();
    let (_, report, _) = audit(&root, &[]);
    assert_eq!(
        report.scope.repositories[0].release_branches,
        ["feature/cache"]
    );
    assert_eq!(
        report.scope.repositories[0].release_branches_from,
        "requested"
    );
    let severities: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.severity.as_str()))
        .collect();
    // main's tip is not on feature/cache: the web instances and the db now run unreleased commits.
    assert!(
        severities.iter().all(|(rule, _)| *rule != "PV008"),
        "{severities:?}"
    );
    assert!(
        severities
            .iter()
            .filter(|(r, _)| *r == "PV002")
            .all(|(_, s)| *s == "note"),
        "{severities:?}"
    );

    let (_, report, _) = audit(
        &root,
        &["--release-branch", "main", "--stale-after-days", "30"],
    );
    assert_eq!(report.scope.repositories[0].release_branches, ["main"]);
    assert!(report.findings.iter().any(|f| f.rule_id == "PV008"));
}

#[test]
fn a_baseline_fails_only_new_findings() {
    let (_dir, root) = estate();
    let out = provenant()
        .current_dir(&root)
        .args([
            "audit",
            "--repo",
            "repo",
            "--state",
            "state/prod.tfstate",
            "--format",
            "json",
            "--output",
            "old.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));

    let (code, report, _) = audit(&root, &["--baseline", "old.json"]);
    assert_eq!(code, 0, "every finding is in the baseline");
    assert!(report
        .findings
        .iter()
        .all(|f| f.baseline == Some(provenant::model::BaselineState::Unchanged)));
    assert_eq!(report.summary.unchanged, report.findings.len());

    // A new resource claiming an unknown commit is new, and fails the run.
    let state = fs::read_to_string(root.join("state/prod.tfstate")).unwrap();
    let state = state
        .replace("\"acme-prod-assets\"", "\"acme-prod-assets-2\"")
        .replace("\"name\": \"assets\"", "\"name\": \"assets2\"");
    fs::write(root.join("state/prod.tfstate"), state).unwrap();
    let (code, report, _) = audit(&root, &["--baseline", "old.json"]);
    assert_eq!(code, 1);
    let new: Vec<(&str, &str)> = report
        .findings
        .iter()
        .filter(|f| f.baseline == Some(provenant::model::BaselineState::New))
        .map(|f| (f.rule_id.as_str(), f.labels[0].as_str()))
        .collect();
    assert!(new.contains(&("PV001", "aws_s3_bucket.assets2")), "{new:?}");
    assert!(
        !new.iter()
            .any(|(rule, _)| ["PV002", "PV008"].contains(rule)),
        "{new:?}"
    );
    assert!(!new.contains(&("PV001", "aws_s3_bucket.assets")), "{new:?}");
}

#[test]
fn fingerprints_are_the_same_on_another_machine() {
    let (_a, first) = estate();
    let (_b, second) = estate();
    let (_, one, _) = audit(&first, &[]);
    let (_, two, _) = audit(&second, &[]);
    let prints = |r: &Report| {
        r.findings
            .iter()
            .map(|f| f.fingerprint.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(prints(&one), prints(&two));
    assert_ne!(first, second);
}

#[test]
fn a_baseline_that_is_not_a_report_is_an_error() {
    let (_dir, root) = estate();
    fs::write(root.join("old.json"), "[]").unwrap();
    let out = provenant()
        .current_dir(&root)
        .args([
            "audit",
            "--repo",
            "repo",
            "--state",
            "state/prod.tfstate",
            "--baseline",
            "old.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("old.json: not a provenant JSON report"));
}

#[test]
fn init_writes_a_starting_policy_that_audits() {
    let (_dir, root) = estate();
    let out = provenant()
        .current_dir(root.join("repo"))
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = fs::read_to_string(root.join("repo/provenant.toml")).unwrap();
    assert!(
        written.contains("release_branches = [\"main\"]"),
        "{written}"
    );

    let out = provenant()
        .current_dir(&root)
        .args(["init", "--output", "policy.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let written = fs::read_to_string(root.join("policy.toml")).unwrap();
    assert!(
        written.contains("# Seen in the states here: git_commit, git_sha, revision."),
        "{written}"
    );
    assert!(written.contains("#   state/prod.tfstate"), "{written}");

    // Not overwritten without --force.
    let out = provenant()
        .current_dir(&root)
        .args(["init", "--output", "policy.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("policy.toml exists; give --force"));

    // The repository's own starting file is picked up and audits as the defaults do.
    let (code, report, _) = audit(&root, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        report.scope.policy.as_ref().unwrap().path,
        "repo/provenant.toml"
    );
    assert!(report.findings.iter().any(|f| f.rule_id == "PV002"));
}
