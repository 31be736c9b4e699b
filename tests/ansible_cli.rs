//! The binary on an estate with a Terraform state, an Ansible inventory and a fact cache: the
//! host that is the same machine as an `aws_instance` becomes one component with both sets of
//! names and claims; a deployed file whose content no commit had is PV005, a host that reports
//! facts but is in no inventory and a host listed only by an uncommitted inventory are PV009;
//! a fact file that is not JSON is PV010 with its line. Every input is in the scope.

use assert_cmd::Command;
use provenant::model::{ComponentKind, InputKind, InputStatus};
use provenant::report::Report;
use serde_json::json;
use std::path::Path;

fn provenant() -> Command {
    let mut cmd = Command::cargo_bin("provenant").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", "1790000000").env_remove("CI");
    cmd
}

fn git(repo: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(repo)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Ada Ops")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada Ops")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", "2026-03-02T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-03-02T10:00:00Z")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn sha256(text: &str) -> String {
    provenant::model::id::sha256_hex(text.as_bytes())
}

const NGINX_COMMITTED: &str = "worker_processes 2;\n";
const NGINX_ON_HOST: &str = "worker_processes 64; # tuned by hand\n";

/// The estate: a repository with an inventory and a role file, a state, and a fact cache.
fn estate(root: &Path) -> String {
    let repo = root.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    write(&repo.join("roles/web/files/nginx.conf"), NGINX_COMMITTED);
    write(&repo.join("inventory/group_vars/web.yml"), "app: shop\n");
    write(
        &repo.join("inventory/prod.ini"),
        "[web]\nweb-01 ansible_host=10.0.1.10\nweb-02 ansible_host=10.0.1.11\n",
    );
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "web tier"]);
    let commit = git(&repo, &["rev-parse", "HEAD"]);
    // The deployment commit is recorded in the inventory: a second, committed change.
    write(
        &repo.join("inventory/prod.ini"),
        &format!("[web]\nweb-01 ansible_host=10.0.1.10 deploy_commit={commit}\nweb-02 ansible_host=10.0.1.11\n"),
    );
    git(&repo, &["commit", "-q", "-am", "record the deployment"]);
    // Never committed: a host someone added on the side.
    write(
        &repo.join("inventory-extra/extra.ini"),
        "[adhoc]\nextra-01 ansible_host=10.0.9.9\n",
    );

    let state = json!({
        "version": 4, "terraform_version": "1.9.0", "serial": 3, "lineage": "prod-1",
        "outputs": {},
        "resources": [{
            "mode": "managed", "type": "aws_instance", "name": "web",
            "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
            "instances": [{
                "schema_version": 1,
                "attributes": {"id": "i-0abc1234def567890", "private_ip": "10.0.1.10",
                               "public_ip": "", "private_dns": "ip-10-0-1-10.ec2.internal",
                               "tags": {"Name": "web-01"}},
                "sensitive_attributes": []
            }]
        }]
    });
    write(
        &root.join("state/prod.tfstate"),
        &serde_json::to_string_pretty(&state).unwrap(),
    );

    let facts_web01 = json!({
        "ansible_fqdn": "ip-10-0-1-10.ec2.internal", "ansible_hostname": "ip-10-0-1-10",
        "ansible_default_ipv4": {"address": "10.0.1.10"},
        "ansible_all_ipv4_addresses": ["10.0.1.10"],
        "ansible_local": {"provenance": {"commit": commit, "files": {
            "/etc/nginx/nginx.conf": {"sha256": sha256(NGINX_ON_HOST), "source": "roles/web/files/nginx.conf"},
            "/etc/motd": {"sha1": "0123456789abcdef0123456789abcdef01234567", "template": true}
        }}}
    });
    // ansible-core 2.19's cache layout for web-01, 2.18's for web-02 and rogue-01.
    write(
        &root.join("facts/s1_web-01"),
        &json!({"__payload__": facts_web01.to_string()}).to_string(),
    );
    write(
        &root.join("facts/web-02"),
        &json!({"ansible_default_ipv4": {"address": "10.0.1.11"},
                "ansible_local": {"provenance": {"files": {
                    "/etc/nginx/nginx.conf": {"sha256": sha256(NGINX_COMMITTED), "source": "roles/web/files/nginx.conf"}}}}})
        .to_string(),
    );
    write(
        &root.join("facts/rogue-01"),
        &json!({"ansible_fqdn": "rogue-01.example.com", "ansible_default_ipv4": {"address": "10.0.7.7"}}).to_string(),
    );
    write(
        &root.join("facts/broken-01"),
        "{\n  \"ansible_fqdn\": \"b\",\n  oops\n}\n",
    );
    commit
}

#[test]
fn a_host_merges_with_its_instance_and_ansible_findings_carry_chains() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let commit = estate(root);
    let out = provenant()
        .current_dir(root)
        .args(["audit", "--repo", "repo", "--state", "state/prod.tfstate"])
        .args(["--inventory", "repo/inventory/prod.ini"])
        .args(["--inventory", "repo/inventory-extra/extra.ini"])
        .args(["--facts", "facts", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unreadable fact file makes the audit incomplete: {stderr}"
    );
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();

    // One component for the instance and web-01, with every name and both claims.
    let web = report
        .components
        .iter()
        .find(|c| c.labels[0] == "aws_instance.web")
        .expect("the instance");
    assert_eq!(web.kind, ComponentKind::TerraformResource);
    for label in [
        "i-0abc1234def567890",
        "web-01",
        "10.0.1.10",
        "ip-10-0-1-10.ec2.internal",
    ] {
        assert!(
            web.labels.iter().any(|l| l == label),
            "{label} in {:?}",
            web.labels
        );
    }
    assert!(
        web.properties["identity.match"].contains("10.0.1.10"),
        "{:?}",
        web.properties
    );
    let claim_keys: Vec<&str> = web.claims.iter().map(|c| c.key.as_str()).collect();
    assert!(claim_keys.contains(&"deploy_commit"), "{claim_keys:?}");
    assert!(
        claim_keys.contains(&"ansible_local.provenance.commit"),
        "{claim_keys:?}"
    );
    let deploy = web
        .claims
        .iter()
        .find(|c| c.key == "deploy_commit")
        .unwrap();
    assert_eq!(deploy.origin.path, "repo/inventory/prod.ini");
    assert_eq!(deploy.origin.line, Some(2));
    assert!(web
        .traces
        .iter()
        .all(|t| t.claim == commit && !t.release_branches.is_empty()));
    assert_eq!(
        report
            .components
            .iter()
            .filter(|c| c.labels.contains(&"web-01".to_string()))
            .count(),
        1,
        "web-01 appears once"
    );
    // web-02 has no instance: it stays a host, with its facts merged in.
    let web02 = report
        .components
        .iter()
        .find(|c| c.labels[0] == "web-02")
        .unwrap();
    assert_eq!(web02.kind, ComponentKind::Host);
    assert_eq!(web02.properties["ansible.facts"], "facts/web-02");
    assert_eq!(web02.properties["ansible.groups"], "web");

    let findings: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.labels[0].as_str()))
        .collect();
    // PV005 for the hand-tuned nginx.conf only: web-02's copy is the committed one, and the
    // template is not compared.
    let pv005: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "PV005")
        .collect();
    assert_eq!(pv005.len(), 1, "{findings:?}");
    let unknown = pv005[0];
    assert_eq!(unknown.labels[0], "aws_instance.web");
    assert_eq!(unknown.location.path, "facts/s1_web-01");
    let relations: Vec<&str> = unknown.chain.iter().map(|l| l.relation.as_str()).collect();
    assert_eq!(
        relations,
        [
            "component",
            "deployed file",
            "source",
            "closest committed file"
        ]
    );
    assert!(unknown.chain[1]
        .value
        .starts_with("/etc/nginx/nginx.conf (sha256 "));
    assert!(
        unknown.chain[3]
            .value
            .contains("roles/web/files/nginx.conf"),
        "{:?}",
        unknown.chain[3]
    );
    assert!(unknown.message.contains("matches no committed file"));

    // PV009: rogue-01 reports in unlisted; extra-01 is listed by an uncommitted file.
    let mut pv009: Vec<&str> = findings
        .iter()
        .filter(|(r, _)| *r == "PV009")
        .map(|(_, l)| *l)
        .collect();
    pv009.sort_unstable();
    assert_eq!(pv009, ["extra-01", "rogue-01"], "{findings:?}");
    let rogue = report
        .findings
        .iter()
        .find(|f| f.labels[0] == "rogue-01")
        .unwrap();
    assert_eq!(rogue.location.path, "facts/rogue-01");
    assert_eq!(
        rogue
            .chain
            .iter()
            .map(|l| l.relation.as_str())
            .collect::<Vec<_>>(),
        ["component", "facts", "inventory"]
    );
    let extra = report
        .findings
        .iter()
        .find(|f| f.labels[0] == "extra-01")
        .unwrap();
    assert!(extra.message.contains("not committed"), "{}", extra.message);
    assert_eq!(extra.location.path, "repo/inventory-extra/extra.ini");
    assert_eq!(extra.location.line, Some(2));

    // PV010 for the broken fact file, with its line.
    let broken = report
        .findings
        .iter()
        .find(|f| f.rule_id == "PV010")
        .unwrap();
    assert_eq!(broken.location.path, "facts/broken-01");
    assert_eq!(broken.location.line, Some(3));
    assert!(
        findings
            .iter()
            .all(|(r, _)| !matches!(*r, "PV001" | "PV002")),
        "{findings:?}"
    );

    // Every Ansible input is in the scope with its digest.
    let kinds: Vec<(InputKind, &str, InputStatus)> = report
        .scope
        .inputs
        .iter()
        .map(|i| (i.kind, i.path.as_str(), i.status))
        .collect();
    for expected in [
        (
            InputKind::AnsibleInventory,
            "repo/inventory/prod.ini",
            InputStatus::Read,
        ),
        (
            InputKind::AnsibleVars,
            "repo/inventory/group_vars/web.yml",
            InputStatus::Read,
        ),
        (
            InputKind::AnsibleFacts,
            "facts/s1_web-01",
            InputStatus::Read,
        ),
        (
            InputKind::AnsibleFacts,
            "facts/broken-01",
            InputStatus::Unreadable,
        ),
    ] {
        assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
    }
    assert!(report.scope.inputs.iter().all(|i| i.sha256.is_some()));
}

#[test]
fn ansible_cfg_names_the_inventory_and_fact_cache_when_flags_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    estate(root);
    std::fs::remove_file(root.join("facts/broken-01")).unwrap();
    write(
        &root.join("ansible.cfg"),
        "[defaults]\ninventory = repo/inventory/prod.ini\nfact_caching = jsonfile\nfact_caching_connection = facts\n",
    );
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
        .output()
        .unwrap();
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report
            .scope
            .inputs
            .iter()
            .filter(|i| i.kind == InputKind::AnsibleConfig)
            .count(),
        1
    );
    assert!(report
        .components
        .iter()
        .any(|c| c.labels.contains(&"web-02".to_string())));
    assert!(report.findings.iter().any(|f| f.rule_id == "PV005"));
    assert_eq!(out.status.code(), Some(1));
}
