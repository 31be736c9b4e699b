//! `provenant trace`: the chain of one component from a fresh scan or a saved report.

use assert_cmd::Command;
use std::path::PathBuf;

fn provenant() -> Command {
    let mut cmd = Command::cargo_bin("provenant").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", "1790000000");
    cmd
}

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

fn run(root: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = provenant().current_dir(root).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn traces_a_component_by_its_cloud_id_from_a_fresh_scan() {
    let (_dir, root) = estate();
    let (code, stdout, stderr) = run(
        &root,
        &[
            "trace",
            "prod-sessions",
            "--repo",
            "repo",
            "--state",
            "state/prod.tfstate",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn a_saved_report_answers_without_the_repository() {
    let (dir, root) = estate();
    let (_, json, _) = run(
        &root,
        &[
            "audit",
            "--repo",
            "repo",
            "--state",
            "state/prod.tfstate",
            "--format",
            "json",
        ],
    );
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("report.json"), &json).unwrap();

    let (code, fresh, _) = run(
        &root,
        &[
            "trace",
            "aws_instance.web[2]",
            "--repo",
            "repo",
            "--state",
            "state/prod.tfstate",
        ],
    );
    assert_eq!(code, 0);
    let (code, saved, stderr) = run(
        &elsewhere,
        &["trace", "AWS_INSTANCE.WEB[2]", "--report", "report.json"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(saved, fresh);
    assert!(
        saved.contains("198ee5e62bb035b932c76a89b3607126ecf5151b"),
        "{saved}"
    );
    assert!(saved.contains("Alice Ops <alice@example.com>"), "{saved}");
    assert!(saved.contains("PV008 warning"), "{saved}");
}

#[test]
fn several_matches_are_listed_and_fail_unless_all() {
    let (_dir, root) = estate();
    let args = [
        "trace",
        "aws_instance.web[0]",
        "--repo",
        "repo",
        "--state",
        "state/prod.tfstate",
        "--state",
        "state/staging.json",
    ];
    let (code, stdout, stderr) = run(&root, &args);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("provenant: 2 components are known as `aws_instance.web[0]`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(state/prod.tfstate:88)") && stderr.contains("(state/staging.json:"),
        "{stderr}"
    );

    let mut all = args.to_vec();
    all.extend(["--all", "--format", "json"]);
    let (code, stdout, _) = run(&root, &all);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let matches = json["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 2);
    assert_eq!(
        matches[1]["component"]["origin"]["path"],
        "state/staging.json"
    );
    assert_eq!(
        matches[1]["component"]["traces"][0]["commit"]["via_tag"],
        "v1.1.0"
    );
}

#[test]
fn an_unknown_name_suggests_near_labels() {
    let (_dir, root) = estate();
    let (code, _, stderr) = run(
        &root,
        &[
            "trace",
            "web",
            "--repo",
            "repo",
            "--state",
            "state/prod.tfstate",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "provenant: error: no component is known as `web` among 8 components; labels that contain it: aws_instance.web[0], aws_instance.web[1], aws_instance.web[2]\n"
    );
}
