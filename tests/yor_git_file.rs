//! yor's `git_file` tag is a claim like `git_commit`: the file it names must be one the
//! repository has committed, else PV001 says so.

use assert_cmd::Command;
use provenant::model::ClaimKind;
use provenant::report::Report;
use std::fs;

#[test]
fn a_git_file_no_commit_has_is_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init(dir.path().join("repo")).unwrap();
    let sig =
        git2::Signature::new("T", "t@example.com", &git2::Time::new(1_700_000_000, 0)).unwrap();
    fs::create_dir_all(dir.path().join("repo/terraform")).unwrap();
    fs::write(
        dir.path().join("repo/terraform/main.tf"),
        "resource \"aws_s3_bucket\" \"kept\" {\n  bucket = \"kept\"\n}\n",
    )
    .unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_path(std::path::Path::new("terraform/main.tf"))
        .unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let commit = repo
        .commit(Some("HEAD"), &sig, &sig, "add bucket\n", &tree, &[])
        .unwrap()
        .to_string();

    let bucket = |name: &str, file: &str| {
        serde_json::json!({
            "mode": "managed", "type": "aws_s3_bucket", "name": name,
            "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
            "instances": [{"schema_version": 0, "sensitive_attributes": [], "attributes": {
                "id": name, "bucket": name,
                "tags": {"git_commit": commit, "git_file": file, "yor_trace": format!("trace-{name}")}}}]
        })
    };
    let state = serde_json::json!({
        "version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "yor-test", "outputs": {},
        "resources": [bucket("kept", "terraform/main.tf"), bucket("moved", "terraform/gone.tf")]
    });
    fs::write(
        dir.path().join("s.tfstate"),
        serde_json::to_string_pretty(&state).unwrap(),
    )
    .unwrap();

    let out = Command::cargo_bin("provenant")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "audit",
            "--repo",
            "repo",
            "--state",
            "s.tfstate",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report: Report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let kept = report
        .components
        .iter()
        .find(|c| c.labels[0] == "aws_s3_bucket.kept")
        .unwrap();
    assert!(kept
        .claims
        .iter()
        .any(|c| c.kind == ClaimKind::DeclaringFile
            && c.value == "terraform/main.tf"
            && c.key == "tags.git_file"));
    let pv001: Vec<(&str, &str)> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "PV001")
        .map(|f| (f.labels[0].as_str(), f.message.as_str()))
        .collect();
    assert_eq!(pv001.len(), 1, "{pv001:?}");
    assert_eq!(pv001[0].0, "aws_s3_bucket.moved");
    assert!(
        pv001[0].1.contains(
            "`terraform/gone.tf` (tags.git_file), a file no commit of the repository has"
        ),
        "{}",
        pv001[0].1
    );
}
