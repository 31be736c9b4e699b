//! A canary secret planted in every sensitive place a state can hold must appear in no output
//! format, no log line and no error message.

mod support;

use assert_cmd::Command;
use clap::ValueEnum;
use provenant::report::Format;
use std::fs;
use support::repository;

const CANARY: &str = "CANARY-7f3a9c-SECRET";

fn provenant() -> Command {
    let mut cmd = Command::cargo_bin("provenant").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", "1790000000");
    cmd
}

/// A raw state with the canary in a sensitive attribute (also under a claim key), a secret-named
/// attribute that is not marked, a sensitive output, and a resource whose id is sensitive.
fn raw_state(commit: &str) -> String {
    format!(
        r#"{{
  "version": 4, "terraform_version": "1.9.8", "serial": 3, "lineage": "canary-raw",
  "outputs": {{ "token": {{ "value": "{CANARY}", "type": "string", "sensitive": true }} }},
  "resources": [
    {{ "mode": "managed", "type": "aws_db_instance", "name": "db",
       "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
       "instances": [ {{ "schema_version": 1,
         "attributes": {{ "id": "db-1", "password": "{CANARY}", "master_password": "{CANARY}",
                          "tags": {{ "git_commit": "{commit}" }},
                          "secret_config": {{ "git_commit": "{CANARY}" }},
                          "settings": {{ "git_sha": "{CANARY}" }} }},
         "sensitive_attributes": [[{{"type": "get_attr", "value": "password"}}], [{{"type": "get_attr", "value": "settings"}}]] }} ] }},
    {{ "mode": "managed", "type": "random_password", "name": "p",
       "provider": "provider[\"registry.terraform.io/hashicorp/random\"]",
       "instances": [ {{ "schema_version": 0,
         "attributes": {{ "id": "{CANARY}", "result": "{CANARY}", "bcrypt_hash": "{CANARY}" }},
         "sensitive_attributes": [[{{"type": "get_attr", "value": "id"}}], [{{"type": "get_attr", "value": "result"}}], [{{"type": "get_attr", "value": "bcrypt_hash"}}]] }} ] }}
  ]
}}
"#
    )
}

/// A `show -json` document with the canary under `sensitive_values` and in a sensitive output.
fn show_json() -> String {
    format!(
        r#"{{"format_version": "1.0", "terraform_version": "1.9.8", "values": {{
  "outputs": {{ "api_key": {{ "sensitive": true, "value": "{CANARY}", "type": "string" }} }},
  "root_module": {{ "resources": [ {{
    "address": "aws_ssm_parameter.p", "mode": "managed", "type": "aws_ssm_parameter", "name": "p",
    "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
    "values": {{ "id": "/app/key", "value": "{CANARY}", "tags": {{ "revision": "{CANARY}" }} }},
    "sensitive_values": {{ "value": true, "tags": {{ "revision": true }} }} }} ] }} }} }}
"#
    )
}

#[test]
fn the_canary_appears_in_no_format_no_log_and_no_error() {
    let dir = tempfile::tempdir().unwrap();
    let commit = repository(&dir.path().join("repo"));
    fs::write(dir.path().join("raw.tfstate"), raw_state(&commit)).unwrap();
    fs::write(dir.path().join("show.json"), show_json()).unwrap();
    // A broken state whose bad line holds the canary: the error must not quote it.
    fs::write(
        dir.path().join("broken.tfstate"),
        format!("{{\"version\": 4, \"resources\": [\"{CANARY}\" @]}}"),
    )
    .unwrap();

    for format in Format::value_variants() {
        let name = format.to_possible_value().unwrap().get_name().to_string();
        let out = provenant()
            .current_dir(dir.path())
            .args([
                "audit",
                "--repo",
                "repo",
                "--state",
                "raw.tfstate",
                "--state",
                "show.json",
            ])
            .args(["--state", "broken.tfstate", "--format", &name])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{name}: the broken state makes the audit incomplete"
        );
        assert!(!out.stdout.is_empty(), "{name}: nothing rendered");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stdout.contains(CANARY),
            "{name}: the canary leaked to stdout:\n{stdout}"
        );
        assert!(
            !stderr.contains(CANARY),
            "{name}: the canary leaked to stderr:\n{stderr}"
        );
    }

    // The trace of the component shows its claims but not the secret ones.
    let out = provenant()
        .current_dir(dir.path())
        .args([
            "trace",
            "db-1",
            "--repo",
            "repo",
            "--state",
            "raw.tfstate",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&commit), "the real claim is traced");
    assert!(!stdout.contains(CANARY), "{stdout}");
}

/// The same canary in an Ansible inventory (a vault-encrypted value, secret-named host and
/// group variables) and a fact file (a secret-named fact, a password in the provenance fact).
#[test]
fn ansible_secrets_appear_in_no_format() {
    let dir = tempfile::tempdir().unwrap();
    let commit = repository(&dir.path().join("repo"));
    let inventory = format!(
        "all:\n  vars:\n    api_token: {CANARY}\n  hosts:\n    web-01:\n      ansible_host: 10.0.1.10\n      deploy_commit: \"{commit}\"\n      db_password: {CANARY}\n      vaulted: !vault |\n        $ANSIBLE_VAULT;1.1;AES256\n        {CANARY}\n        3431\n"
    );
    fs::write(dir.path().join("hosts.yml"), inventory).unwrap();
    fs::create_dir(dir.path().join("facts")).unwrap();
    let facts = serde_json::json!({
        "ansible_hostname": "web-01",
        "ansible_fqdn": "web-01.example.com",
        "ansible_default_ipv4": {"address": "10.0.1.10"},
        "ansible_secret_key": CANARY,
        "ansible_local": {"provenance": {"commit": commit, "password": CANARY}}
    });
    fs::write(dir.path().join("facts/web-01"), facts.to_string()).unwrap();

    for format in Format::value_variants() {
        let name = format.to_possible_value().unwrap().get_name().to_string();
        let out = provenant()
            .current_dir(dir.path())
            .args([
                "audit",
                "--repo",
                "repo",
                "--inventory",
                "hosts.yml",
                "--facts",
                "facts",
            ])
            .args(["--format", &name])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.stdout.is_empty(), "{name}: nothing rendered; {stderr}");
        assert!(stdout.contains("web-01"), "{name}: the host is audited");
        assert!(
            !stdout.contains(CANARY),
            "{name}: the canary leaked to stdout:\n{stdout}"
        );
        assert!(
            !stderr.contains(CANARY),
            "{name}: the canary leaked to stderr:\n{stderr}"
        );
    }
    let out = provenant()
        .current_dir(dir.path())
        .args([
            "trace",
            "web-01",
            "--repo",
            "repo",
            "--inventory",
            "hosts.yml",
            "--facts",
            "facts",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&commit), "{stdout}");
    assert!(!stdout.contains(CANARY), "{stdout}");
}
