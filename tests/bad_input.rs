//! Bad input through the whole binary: every broken state becomes a PV010 finding that names
//! the file and line, the good state beside it is still audited, and the run exits 2.

mod support;

use assert_cmd::Command;
use provenant::report::Report;
use std::fs;
use support::repository;

fn provenant() -> Command {
    let mut cmd = Command::cargo_bin("provenant").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", "1790000000");
    cmd
}

fn good_state(commit: &str) -> String {
    format!(
        r#"{{
  "version": 4,
  "terraform_version": "1.9.8",
  "serial": 1,
  "lineage": "00000000-0000-0000-0000-000000000001",
  "outputs": {{}},
  "resources": [
    {{
      "mode": "managed",
      "type": "null_resource",
      "name": "good",
      "provider": "provider[\"registry.terraform.io/hashicorp/null\"]",
      "instances": [
        {{
          "schema_version": 0,
          "attributes": {{ "id": "1", "triggers": {{ "git_commit": "{commit}" }} }},
          "sensitive_attributes": []
        }}
      ]
    }}
  ]
}}
"#
    )
}

#[test]
fn each_bad_state_is_a_finding_and_the_good_one_is_still_audited() {
    let dir = tempfile::tempdir().unwrap();
    let commit = repository(&dir.path().join("repo"));
    let states = dir.path().join("states");
    fs::create_dir(&states).unwrap();
    let good = good_state(&commit);
    fs::write(states.join("a-good.tfstate"), &good).unwrap();

    let deep = format!(
        "{{\"version\": 4, \"resources\": {}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let wrong_type = good.replace("\"instances\": [", "\"instances\": \"oops\", \"x\": [");
    let truncated = &good.as_bytes()[..good.len() / 2];
    // The parser stops on the last line of what is left; the wrong type is where its key is.
    let truncated_line = truncated.iter().filter(|b| **b == b'\n').count() as u32 + 1;
    let wrong_line = wrong_type
        .lines()
        .position(|l| l.contains("\"oops\""))
        .unwrap() as u32
        + 1;
    let cases: Vec<(&str, Vec<u8>, Option<u32>)> = vec![
        ("empty.tfstate", Vec::new(), Some(1)),
        (
            "truncated.tfstate",
            truncated.to_vec(),
            Some(truncated_line),
        ),
        // Byte 10 is a line feed: the first invalid byte, 0x80, is on line 2.
        (
            "binary.tfstate",
            (0..=255u8).cycle().take(4096).collect(),
            Some(2),
        ),
        ("deep.tfstate", deep.into_bytes(), Some(1)),
        (
            "wrong-type.tfstate",
            wrong_type.clone().into_bytes(),
            Some(wrong_line),
        ),
        (
            "version-2.tfstate",
            br#"{"version": 2, "serial": 1}"#.to_vec(),
            Some(1),
        ),
    ];
    for (name, bytes, _) in &cases {
        fs::write(states.join(name), bytes).unwrap();
    }

    let out = provenant()
        .current_dir(dir.path())
        .args([
            "audit", "--repo", "repo", "--state", "states", "--format", "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();

    assert_eq!(report.components.len(), 1, "the good state is audited");
    assert_eq!(report.components[0].labels[0], "null_resource.good");
    assert_eq!(
        report.components[0].traces[0].commit.as_ref().unwrap().id,
        commit
    );
    assert_eq!(report.summary.inputs_unreadable, cases.len());
    assert!(!report.summary.complete);

    for (name, _, line) in &cases {
        let path = format!("states/{name}");
        let finding = report
            .findings
            .iter()
            .find(|f| f.location.path == path)
            .unwrap_or_else(|| panic!("no finding for {path}"));
        assert_eq!(finding.rule_id, "PV010");
        assert_eq!(finding.location.line, *line, "{path}: {}", finding.message);
        assert!(
            finding
                .message
                .starts_with(&format!("{path} could not be read: ")),
            "{}",
            finding.message
        );
    }
    let wrong = report
        .findings
        .iter()
        .find(|f| f.location.path.ends_with("wrong-type.tfstate"))
        .unwrap();
    assert!(
        wrong.message.contains("/resources/0/instances"),
        "{}",
        wrong.message
    );
    let version = report
        .findings
        .iter()
        .find(|f| f.location.path.ends_with("version-2.tfstate"))
        .unwrap();
    assert!(version.message.contains("version 2"), "{}", version.message);
}

#[test]
fn a_missing_state_file_is_unreadable_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let commit = repository(&dir.path().join("repo"));
    fs::write(dir.path().join("ok.tfstate"), good_state(&commit)).unwrap();
    let out = provenant()
        .current_dir(dir.path())
        .args([
            "audit",
            "--repo",
            "repo",
            "--state",
            "ok.tfstate",
            "--state",
            "missing.tfstate",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("missing.tfstate could not be read: cannot open"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 read, 0 skipped, 1 unreadable"),
        "{stdout}"
    );
}
