//! A host that two resources could be (same address) is merged with neither, and the conflict
//! is a finding (PV013) on every component involved, not a silent guess.

mod support;

use assert_cmd::Command;
use provenant::report::Report;
use std::fs;

#[test]
fn a_host_matching_two_resources_is_a_finding_not_a_merge() {
    let dir = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init(dir.path().join("repo")).unwrap();
    let sig =
        git2::Signature::new("T", "t@example.com", &git2::Time::new(1_700_000_000, 0)).unwrap();
    let tree = repo
        .find_tree(repo.index().unwrap().write_tree().unwrap())
        .unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "init\n", &tree, &[])
        .unwrap();

    let instance = |name: &str, id: &str| {
        serde_json::json!({
            "mode": "managed", "type": "aws_instance", "name": name,
            "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
            "instances": [{"schema_version": 1, "attributes": {"id": id, "private_ip": "10.0.1.10"}, "sensitive_attributes": []}]
        })
    };
    let state = serde_json::json!({
        "version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "identity-test",
        "outputs": {}, "resources": [instance("web", "i-0aaa"), instance("old", "i-0bbb")]
    });
    fs::write(
        dir.path().join("prod.tfstate"),
        serde_json::to_string_pretty(&state).unwrap(),
    )
    .unwrap();
    fs::write(
        dir.path().join("hosts.ini"),
        "[web]\nweb-01 ansible_host=10.0.1.10\n",
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
            "prod.tfstate",
            "--inventory",
            "hosts.ini",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report: Report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let mut flagged: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "PV013")
        .map(|f| f.labels[0].as_str())
        .collect();
    flagged.sort();
    assert!(flagged.contains(&"web-01"), "{:#?}", report.findings);
    // Nothing was merged: the host and both resources stay separate components.
    assert_eq!(report.components.len(), 3, "{:#?}", report.components);
    let host = report
        .findings
        .iter()
        .find(|f| f.rule_id == "PV013" && f.labels[0] == "web-01")
        .unwrap();
    assert!(
        host.message.contains("merged with none"),
        "{}",
        host.message
    );
}
