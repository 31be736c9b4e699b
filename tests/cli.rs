//! The binary as a user runs it: exit codes, stdout and stderr, on the bundled sample estate
//! (built with `provenant demo --keep`) and on small estates made in the tests.

use assert_cmd::Command;
use provenant::report::Report;
use std::path::Path;

/// The binary with a pinned report time and no terminal niceties.
fn provenant() -> Command {
    let mut cmd = Command::cargo_bin("provenant").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", "1790000000").env_remove("CI");
    cmd
}

/// The demo estate kept in a fresh temporary directory.
fn estate() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("estate");
    provenant()
        .arg("demo")
        .arg("--keep")
        .arg(&root)
        .assert()
        .success();
    dir
}

fn audit_in(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = provenant()
        .current_dir(root)
        .arg("audit")
        .arg("--repo")
        .arg("repo")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The line of the first occurrence of `needle` in `path`, 1-based.
fn line_of(path: &Path, needle: &str) -> u32 {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() as u32 + 1
}

#[test]
fn demo_shows_unknown_unreleased_stale_and_unreadable_with_chains() {
    let out = provenant().arg("demo").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    insta::assert_snapshot!("demo_stdout", stdout);
    insta::assert_snapshot!("demo_stderr", stderr);
}

#[test]
fn audit_of_the_sample_estate_reports_each_finding_at_its_place() {
    let dir = estate();
    let root = dir.path().join("estate");
    let (code, stdout, stderr) = audit_in(
        &root,
        &["--state", "state/prod.tfstate", "--format", "json"],
    );
    assert_eq!(code, 1, "findings at error level exit 1; stderr: {stderr}");
    let report: Report = serde_json::from_str(&stdout).unwrap();
    let prod = root.join("state/prod.tfstate");

    let rules: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.labels[0].as_str()))
        .collect();
    assert_eq!(
        rules,
        [
            ("PV008", "aws_instance.web[2]"),
            ("PV011", "aws_instance.web[2]"),
            ("PV001", "aws_s3_bucket.assets"),
            ("PV006", "aws_vpc.main"),
            ("PV002", "module.cache.aws_elasticache_cluster.this"),
        ]
    );
    // Each finding points at the line where its instance's object starts in the state.
    let bucket = report
        .findings
        .iter()
        .find(|f| f.rule_id == "PV001")
        .unwrap();
    assert_eq!(bucket.location.path, "state/prod.tfstate");
    let bucket_line = line_of(&prod, "\"arn:aws:s3:::acme-prod-assets\"") - 3;
    assert_eq!(bucket.location.line, Some(bucket_line));

    let unreleased = report
        .findings
        .iter()
        .find(|f| f.rule_id == "PV002")
        .unwrap();
    let chain: Vec<&str> = unreleased
        .chain
        .iter()
        .map(|l| l.relation.as_str())
        .collect();
    assert_eq!(
        chain,
        [
            "component",
            "declaration",
            "claim",
            "commit",
            "branches",
            "release-branches"
        ]
    );
    assert!(unreleased.chain[3]
        .value
        .starts_with("32e1efe2a76bc18a7adfcfb7410c8a0de43671d6"));
    assert!(unreleased.chain[3].value.contains("Carol Cache"));
    assert_eq!(unreleased.chain[4].value, "on feature/cache");

    assert_eq!(report.summary.components, 8);
    assert_eq!(report.summary.traced, 6);
    assert!(report.summary.complete);
    assert_eq!(report.scope.repositories[0].release_branches, ["main"]);
    assert_eq!(
        report.scope.repositories[0].head.as_deref(),
        Some("f808ee89d96378a36a8b082ec0249fd02a8be890")
    );
    assert!(
        !stdout.contains("correct-horse-battery-staple"),
        "a sensitive value leaked"
    );

    // The report carries its own digest; any change to it shows.
    assert_eq!(report.digest.len(), 64);
    assert!(report.verify());
    let mut tampered = report.clone();
    tampered.findings.pop();
    assert!(!tampered.verify());
    // Every rule is listed with the controls it serves.
    let rule_ids: Vec<&str> = report.rules.iter().map(|r| r.id.as_str()).collect();
    let registry: Vec<&str> = provenant::rules::registry()
        .iter()
        .map(|r| r.meta().id)
        .collect();
    assert_eq!(rule_ids, registry);
    assert!(report.rules[1]
        .controls
        .contains(&"SOC 2 CC8.1".to_string()));
}

#[test]
fn an_unreadable_state_makes_the_audit_incomplete() {
    let dir = estate();
    let root = dir.path().join("estate");
    let (code, stdout, _) = audit_in(
        &root,
        &[
            "--state",
            "state/prod.tfstate",
            "--state",
            "state/broken.tfstate",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        stdout.contains("INCOMPLETE: 1 input(s) could not be read"),
        "{stdout}"
    );
    assert!(stdout.contains("PV010"), "{stdout}");

    let (code, _, _) = audit_in(
        &root,
        &[
            "--state",
            "state/broken.tfstate",
            "--allow-incomplete",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(code, 1, "an incomplete audit never exits 0");
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = estate();
    let root = dir.path().join("estate");
    // staging.json holds only released, current claims.
    let (code, stdout, _) = audit_in(&root, &["--state", "state/staging.json"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("No findings in the 2 component(s) audited."),
        "{stdout}"
    );
    let (code, _, _) = audit_in(
        &root,
        &["--state", "state/prod.tfstate", "--fail-on", "never"],
    );
    assert_eq!(code, 0);
    let (code, _, _) = audit_in(
        &root,
        &[
            "--state",
            "state/prod.tfstate",
            "--stale-after-days",
            "200",
            "--fail-on",
            "warning",
            "--release-branch",
            "feature/cache",
        ],
    );
    assert_eq!(code, 1);
}

#[test]
fn discovery_reads_every_tfstate_below_the_current_directory() {
    let dir = estate();
    let root = dir.path().join("estate");
    let (code, stdout, _) = audit_in(&root, &["--format", "json"]);
    assert_eq!(code, 2, "broken.tfstate is discovered too");
    let report: Report = serde_json::from_str(&stdout).unwrap();
    let paths: Vec<&str> = report
        .scope
        .inputs
        .iter()
        .map(|i| i.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "state/broken.tfstate",
            "state/prod.tfstate",
            "terraform/prod@f808ee8"
        ]
    );
}

#[test]
fn nothing_to_audit_is_an_error_not_a_clean_run() {
    let dir = estate();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = provenant()
        .current_dir(&empty)
        .args(["audit", "--repo", "../estate/repo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8(out.stderr).unwrap().replace(&*empty.to_string_lossy(), "[DIR]"), @"provenant: error: no state files found below .: name them with --state
");
}

#[test]
fn a_directory_that_is_not_a_repository_is_an_error() {
    let dir = estate();
    let root = dir.path().join("estate");
    let out = provenant()
        .current_dir(&root)
        .args(["audit", "--repo", "state", "--state", "state/prod.tfstate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("provenant: error: state: not a git repository"),
        "{stderr}"
    );
}

#[test]
fn reports_are_byte_identical_across_runs() {
    let dir = estate();
    let root = dir.path().join("estate");
    let first = audit_in(&root, &["--format", "json", "--state", "state"]);
    let second = audit_in(&root, &["--format", "json", "--state", "state"]);
    assert_eq!(first, second);
    assert!(first
        .1
        .contains("\"generated_at\": \"2026-09-21T14:13:20Z\""));
}

#[test]
fn output_writes_the_report_to_a_file() {
    let dir = estate();
    let root = dir.path().join("estate");
    let (code, stdout, _) = audit_in(
        &root,
        &[
            "--state",
            "state/staging.json",
            "--format",
            "json",
            "--output",
            "report.json",
        ],
    );
    assert_eq!((code, stdout.as_str()), (0, ""));
    let report: Report =
        serde_json::from_str(&std::fs::read_to_string(root.join("report.json")).unwrap()).unwrap();
    assert_eq!(report.components.len(), 2);
}

#[test]
fn rules_lists_the_catalogue_and_explain_prints_a_page() {
    let out = provenant().arg("rules").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("rules", String::from_utf8(out.stdout).unwrap());

    let out = provenant().args(["explain", "pv001"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules/PV001.md"))
            .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), page);

    let out = provenant().args(["explain", "PV999"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("provenant: error: no rule `PV999`: known rules are PV001, PV002"),
        "{stderr}"
    );
}

#[test]
fn help_is_stable() {
    let out = provenant().args(["audit", "--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("audit_help", String::from_utf8(out.stdout).unwrap());
}

#[test]
fn a_bad_flag_value_is_a_usage_error() {
    let out = provenant()
        .args(["audit", "--fail-on", "sometimes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("invalid value 'sometimes' for '--fail-on"));
}

/// The recipe docs/report-format.md gives auditors recomputes the digest independently.
#[test]
fn the_documented_digest_recipe_verifies_a_real_report() {
    let dir = estate();
    let root = dir.path().join("estate");
    let (_, stdout, _) = audit_in(&root, &["--state", "state", "--format", "json"]);
    std::fs::write(root.join("report.json"), &stdout).unwrap();
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-format.md"),
    )
    .unwrap();
    let recipe = docs
        .split("python3 -c '")
        .nth(1)
        .unwrap()
        .split("' report.json")
        .next()
        .unwrap();
    let check = |file: &str| {
        let out = std::process::Command::new("python3")
            .arg("-c")
            .arg(recipe)
            .arg(file)
            .current_dir(&root)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(check("report.json"), "ok\n");
    std::fs::write(
        root.join("altered.json"),
        stdout.replacen("PV001", "PV00X", 1),
    )
    .unwrap();
    assert_eq!(check("altered.json"), "ALTERED\n");
}
