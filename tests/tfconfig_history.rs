//! Committed configuration against states, over git histories built here: values changed in
//! later commits (PV011 naming both commits), values no commit had (PV006), resources no commit
//! declares (PV004), blocks the state lacks (PV011), and the ways a declaration survives a
//! change of address or place: renamed files, moved module directories, a file deleted and
//! re-added, `moved` and `removed` blocks, yor traces, registry modules. Every declaration's
//! line is checked against the committed file.

mod tfconfig_support;

use provenant::model::DeclarationStatus;
use serde_json::json;
use tfconfig_support::*;

fn repo_path(r: &Repo) -> String {
    r.path().to_string_lossy().into_owned()
}

/// Checks that `component`'s declaration points at a line of the committed file that opens the
/// block, reading the file from git at the commit the location names.
fn assert_declared_at(r: &Repo, report: &provenant::report::Report, address: &str, opens: &str) {
    let c = component(report, address);
    let at = c
        .declared_at
        .as_ref()
        .unwrap_or_else(|| panic!("{address} has no declaration"));
    let (commit, path) = at.path.split_once(':').unwrap();
    let object = r.repo.revparse_single(&format!("{commit}:{path}")).unwrap();
    let blob = object.as_blob().unwrap();
    let text = std::str::from_utf8(blob.content()).unwrap();
    let line = line_of(text, at.line.unwrap());
    assert!(
        line.trim_start().starts_with(opens),
        "{address}: {at} is `{line}`, expected `{opens}`"
    );
}

const APP_V1: &str = r#"resource "aws_instance" "app" {
  ami           = "ami-0123"
  instance_type = "t3.small"

  root_block_device {
    volume_size = 40
  }

  tags = {
    Name = "app"
  }
}
"#;

#[test]
fn a_value_an_earlier_commit_had_is_unapplied_and_one_no_commit_had_is_drift() {
    let mut r = Repo::new();
    let c1 = r.commit("Add the app server", &[("terraform/main.tf", Some(APP_V1))]);
    let c2 = r.commit(
        "Grow the app server",
        &[(
            "terraform/main.tf",
            Some(&APP_V1.replace("t3.small", "t3.large")),
        )],
    );
    let states = tempfile::tempdir().unwrap();
    let attributes = |size: &str, name: &str, volume: u32| {
        json!({"id": "i-1", "ami": "ami-0123", "instance_type": size,
               "root_block_device": [{"volume_size": volume, "iops": 3000}],
               "tags": {"Name": name}})
    };
    write(
        states.path(),
        "unapplied.tfstate",
        &state_v4(&[instance(
            "aws_instance",
            "app",
            attributes("t3.small", "app", 40),
        )]),
    );
    let report = audit(
        states.path(),
        &["--repo", &repo_path(&r), "--state", "unapplied.tfstate"],
    );
    let pv011 = findings(&report, "PV011");
    assert_eq!(pv011.len(), 1, "{:#?}", report.findings);
    let message = &pv011[0].message;
    assert!(
        message.contains(&short(c1)) && message.contains(&short(c2)),
        "{message}"
    );
    assert!(
        message.contains("instance_type") && message.contains("\"t3.small\""),
        "{message}"
    );
    assert!(
        findings(&report, "PV006").is_empty(),
        "{:#?}",
        report.findings
    );
    let check = component(&report, "aws_instance.app")
        .config
        .as_ref()
        .unwrap();
    assert_eq!(check.status, DeclarationStatus::Declared);
    // ami, instance_type, root_block_device[0].volume_size, tags
    assert_eq!(check.attributes_compared, 4, "{check:#?}");
    assert_declared_at(
        &r,
        &report,
        "aws_instance.app",
        "resource \"aws_instance\" \"app\"",
    );
    let chain: Vec<_> = pv011[0].chain.iter().map(|l| l.relation.as_str()).collect();
    assert_eq!(
        chain,
        [
            "component",
            "declaration",
            "running",
            "commit",
            "changed-by"
        ]
    );

    // A volume and a tag no commit ever had: drift, the chain showing the tip's value and line.
    write(
        states.path(),
        "drifted.tfstate",
        &state_v4(&[instance(
            "aws_instance",
            "app",
            attributes("t3.large", "by-hand", 80),
        )]),
    );
    let report = audit(
        states.path(),
        &["--repo", &repo_path(&r), "--state", "drifted.tfstate"],
    );
    let pv006 = findings(&report, "PV006");
    let attributes: Vec<_> = component(&report, "aws_instance.app")
        .config
        .as_ref()
        .unwrap()
        .differences
        .iter()
        .map(|d| d.attribute.as_str())
        .collect();
    assert_eq!(attributes, ["root_block_device[0].volume_size", "tags"]);
    assert_eq!(pv006.len(), 2, "{:#?}", report.findings);
    let committed = pv006[0]
        .chain
        .iter()
        .find(|l| l.relation == "committed")
        .unwrap();
    assert_eq!(committed.value, "root_block_device[0].volume_size = 40");
    let at = committed.location.as_ref().unwrap();
    assert_eq!(at.path, format!("{}:terraform/main.tf", short(c2)));
    assert_eq!(at.line, Some(6));
    assert!(
        findings(&report, "PV011").is_empty(),
        "{:#?}",
        report.findings
    );
}

const ROOT_WITH_MODULE: &str = r#"module "web" {
  source = "./modules/web"
  size   = "t3.medium"
}
"#;

const WEB_MODULE: &str = r#"variable "size" {
  default = "t3.small"
}

resource "aws_instance" "this" {
  instance_type = var.size
}
"#;

#[test]
fn renamed_files_and_moved_module_directories_keep_their_history() {
    let mut r = Repo::new();
    let c1 = r.commit(
        "Web tier as a module",
        &[
            ("infra/main.tf", Some(ROOT_WITH_MODULE)),
            ("infra/modules/web/main.tf", Some(WEB_MODULE)),
        ],
    );
    let _c2 = r.rename(
        "Name the module's file after what it holds",
        "infra/modules/web/main.tf",
        "infra/modules/web/instance.tf",
    );
    let c3 = r.move_dir(
        "Move the web module and make it larger",
        "infra/modules/web",
        "infra/components/web",
        &[(
            "infra/main.tf",
            &ROOT_WITH_MODULE
                .replace("./modules/web", "./components/web")
                .replace("t3.medium", "t3.large"),
        )],
    );
    let states = tempfile::tempdir().unwrap();
    let mut web = instance(
        "aws_instance",
        "this",
        json!({"id": "i-2", "instance_type": "t3.medium"}),
    );
    web.module = "module.web";
    write(states.path(), "s.tfstate", &state_v4(&[web]));
    let report = audit(
        states.path(),
        &["--repo", &repo_path(&r), "--state", "s.tfstate"],
    );
    let c = component(&report, "module.web.aws_instance.this");
    let at = c.declared_at.as_ref().unwrap();
    assert_eq!(
        at.path,
        format!("{}:infra/components/web/instance.tf", short(c3))
    );
    assert_declared_at(
        &r,
        &report,
        "module.web.aws_instance.this",
        "resource \"aws_instance\" \"this\"",
    );
    let pv011 = findings(&report, "PV011");
    assert_eq!(pv011.len(), 1, "{:#?}", report.findings);
    let d = &c.config.as_ref().unwrap().differences[0];
    let unapplied = d.unapplied.as_ref().unwrap();
    assert_eq!(
        unapplied.had.id,
        c1.to_string(),
        "the rename changed nothing it declares"
    );
    assert_eq!(unapplied.changed_by.id, c3.to_string());
    assert_eq!(
        unapplied.had_at.path,
        format!("{}:infra/modules/web/main.tf", short(c1))
    );
    assert!(findings(&report, "PV004").is_empty());
    assert!(findings(&report, "PV006").is_empty());
}

const DB: &str = r#"resource "aws_db_instance" "main" {
  allocated_storage = 20
}
"#;

#[test]
fn a_file_deleted_and_added_again() {
    let mut r = Repo::new();
    let c1 = r.commit(
        "Database",
        &[
            (
                "main.tf",
                Some("resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n"),
            ),
            ("db.tf", Some(DB)),
        ],
    );
    let c2 = r.commit("Drop the database", &[("db.tf", None)]);
    let c3 = r.commit(
        "Bring the database back, larger",
        &[("db.tf", Some(&DB.replace("20", "50")))],
    );
    let states = tempfile::tempdir().unwrap();
    write(
        states.path(),
        "s.tfstate",
        &state_v4(&[
            instance(
                "aws_vpc",
                "main",
                json!({"id": "vpc-1", "cidr_block": "10.0.0.0/16"}),
            ),
            instance(
                "aws_db_instance",
                "main",
                json!({"id": "db-1", "allocated_storage": 20}),
            ),
        ]),
    );
    let report = audit(
        states.path(),
        &["--repo", &repo_path(&r), "--state", "s.tfstate"],
    );
    let c = component(&report, "aws_db_instance.main");
    assert_eq!(
        c.declared_at.as_ref().unwrap().path,
        format!("{}:db.tf", short(c3))
    );
    let unapplied = c.config.as_ref().unwrap().differences[0]
        .unapplied
        .as_ref()
        .expect("20 was committed once");
    assert_eq!(unapplied.had.id, c1.to_string());
    assert_eq!(
        unapplied.changed_by.id,
        c2.to_string(),
        "the deletion changed it first"
    );
    assert!(findings(&report, "PV004").is_empty());
}

#[test]
fn moved_and_removed_blocks_yor_traces_and_registry_modules() {
    let mut r = Repo::new();
    let main = r#"resource "aws_instance" "new_name" {
  instance_type = "t3.small"
}

moved {
  from = aws_instance.old_name
  to   = aws_instance.new_name
}

removed {
  from = aws_instance.retired

  lifecycle {
    destroy = false
  }
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}
"#;
    let buckets = r#"resource "aws_s3_bucket" "logs_renamed" {
  bucket = "acme-logs"
  tags = merge(var.common_tags, {
    yor_trace = "6d1c3c39-0b8e-4d7a-9a57-4c2b2f1e0a11"
  })
}

variable "common_tags" {
  default = {}
}
"#;
    let tip = r.commit(
        "Everything",
        &[("main.tf", Some(main)), ("buckets.tf", Some(buckets))],
    );
    let states = tempfile::tempdir().unwrap();
    let mut vpc = instance("aws_vpc", "this", json!({"id": "vpc-9"}));
    vpc.module = "module.vpc";
    vpc.key = json!(0);
    write(
        states.path(),
        "s.tfstate",
        &state_v4(&[
            instance(
                "aws_instance",
                "old_name",
                json!({"id": "i-1", "instance_type": "t3.small"}),
            ),
            instance("aws_instance", "retired", json!({"id": "i-0"})),
            instance(
                "aws_s3_bucket",
                "logs",
                json!({"id": "acme-logs", "bucket": "acme-logs",
                "tags": {"yor_trace": "6d1c3c39-0b8e-4d7a-9a57-4c2b2f1e0a11"}}),
            ),
            vpc,
        ]),
    );
    let report = audit(
        states.path(),
        &["--repo", &repo_path(&r), "--state", "s.tfstate"],
    );
    assert!(
        findings(&report, "PV004").is_empty(),
        "{:#?}",
        report.findings
    );
    assert!(
        findings(&report, "PV006").is_empty(),
        "{:#?}",
        report.findings
    );
    let status = |a: &str| component(&report, a).config.as_ref().unwrap().status;
    assert_eq!(status("aws_instance.old_name"), DeclarationStatus::Moved);
    assert_eq!(status("aws_s3_bucket.logs"), DeclarationStatus::YorTrace);
    assert_eq!(
        status("module.vpc.aws_vpc.this[0]"),
        DeclarationStatus::ModuleCall
    );
    assert_eq!(status("aws_instance.retired"), DeclarationStatus::Removed);
    assert_declared_at(
        &r,
        &report,
        "aws_instance.old_name",
        "resource \"aws_instance\" \"new_name\"",
    );
    assert_declared_at(
        &r,
        &report,
        "aws_s3_bucket.logs",
        "resource \"aws_s3_bucket\" \"logs_renamed\"",
    );
    assert_declared_at(&r, &report, "module.vpc.aws_vpc.this[0]", "module \"vpc\"");
    assert_declared_at(&r, &report, "aws_instance.retired", "removed");
    let vpc = component(&report, "module.vpc.aws_vpc.this[0]")
        .config
        .as_ref()
        .unwrap();
    assert!(
        vpc.detail.contains("terraform-aws-modules/vpc/aws") && vpc.detail.contains("not read"),
        "{}",
        vpc.detail
    );
    let pv011 = findings(&report, "PV011");
    assert_eq!(pv011.len(), 1, "{:#?}", report.findings);
    assert_eq!(pv011[0].labels[0], "aws_instance.retired");
    let _ = tip;
}

#[test]
fn resources_no_commit_declares_and_blocks_the_state_lacks() {
    let mut r = Repo::new();
    let main = r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}

resource "aws_instance" "spare" {
  count = 0
}

resource "aws_instance" "maybe" {
  count = var.enabled ? 1 : 0
}

variable "enabled" {
  default = false
}
"#;
    let c1 = r.commit("Network and logs", &[("main.tf", Some(main))]);
    let states = tempfile::tempdir().unwrap();
    write(
        states.path(),
        "s.tfstate",
        &state_v4(&[
            instance(
                "aws_vpc",
                "main",
                json!({"id": "vpc-1", "cidr_block": "10.0.0.0/16"}),
            ),
            instance(
                "aws_security_group",
                "debug",
                json!({"id": "sg-1", "tags": {"git_commit": c1.to_string()}}),
            ),
        ]),
    );
    let report = audit(
        states.path(),
        &["--repo", &repo_path(&r), "--state", "s.tfstate"],
    );
    let pv004 = findings(&report, "PV004");
    assert_eq!(pv004.len(), 1, "{:#?}", report.findings);
    assert_eq!(pv004[0].labels[0], "aws_security_group.debug");
    assert!(
        pv004[0].message.contains("nor at the claimed commit"),
        "{}",
        pv004[0].message
    );
    let pv011 = findings(&report, "PV011");
    let labels: Vec<_> = pv011.iter().map(|f| f.labels[0].as_str()).collect();
    assert_eq!(
        labels,
        ["aws_s3_bucket.logs"],
        "count = 0 and a false condition declare none"
    );
    let at = &pv011[0].location;
    assert_eq!(
        (at.path.as_str(), at.line),
        (format!("{}:main.tf", short(c1)).as_str(), Some(5))
    );
}

#[test]
fn a_resource_removed_at_the_tip_but_declared_at_its_claimed_commit_is_not_unmanaged() {
    let mut r = Repo::new();
    let c1 = r.commit(
        "Cache",
        &[(
            "main.tf",
            Some(
                "resource \"aws_vpc\" \"main\" {}\nresource \"aws_elasticache_cluster\" \"c\" {}\n",
            ),
        )],
    );
    r.commit(
        "No more cache",
        &[("main.tf", Some("resource \"aws_vpc\" \"main\" {}\n"))],
    );
    let states = tempfile::tempdir().unwrap();
    write(
        states.path(),
        "s.tfstate",
        &state_v4(&[
            instance("aws_vpc", "main", json!({"id": "vpc-1"})),
            instance(
                "aws_elasticache_cluster",
                "c",
                json!({"id": "c-1", "tags": {"git_commit": c1.to_string()}}),
            ),
        ]),
    );
    let report = audit(
        states.path(),
        &["--repo", &repo_path(&r), "--state", "s.tfstate"],
    );
    assert!(
        findings(&report, "PV004").is_empty(),
        "{:#?}",
        report.findings
    );
    let c = component(&report, "aws_elasticache_cluster.c");
    assert_eq!(
        c.config.as_ref().unwrap().status,
        DeclarationStatus::ClaimedCommit
    );
    assert_eq!(
        c.declared_at.as_ref().unwrap().path,
        format!("{}:main.tf", short(c1))
    );
}

#[test]
fn the_configuration_is_named_or_found_by_backend_key_and_the_report_says_why() {
    let mut r = Repo::new();
    let env = |key: &str| {
        format!(
            "terraform {{\n  backend \"s3\" {{\n    key = \"{key}/terraform.tfstate\"\n  }}\n}}\n\nresource \"aws_vpc\" \"main\" {{\n  cidr_block = \"10.0.0.0/16\"\n}}\n"
        )
    };
    r.commit(
        "Two environments",
        &[
            ("envs/prod/main.tf", Some(&env("prod"))),
            ("envs/staging/main.tf", Some(&env("staging"))),
        ],
    );
    let states = tempfile::tempdir().unwrap();
    let state = state_v4(&[instance(
        "aws_vpc",
        "main",
        json!({"id": "vpc-1", "cidr_block": "10.0.0.0/16"}),
    )]);
    write(states.path(), "staging/terraform.tfstate", &state);
    let report = audit(
        states.path(),
        &[
            "--repo",
            &repo_path(&r),
            "--state",
            "staging/terraform.tfstate",
        ],
    );
    let input = &report.scope.inputs[0];
    assert!(
        input.detail.contains("configuration envs/staging@"),
        "{}",
        input.detail
    );
    assert!(
        input
            .detail
            .contains("backend \"s3\" names staging/terraform.tfstate"),
        "{}",
        input.detail
    );
    assert!(report
        .scope
        .inputs
        .iter()
        .any(|i| i.path.starts_with("envs/staging@")
            && i.kind == provenant::model::InputKind::TerraformConfig));

    let report = audit(
        states.path(),
        &[
            "--repo",
            &repo_path(&r),
            "--state",
            "staging/terraform.tfstate=envs/prod",
        ],
    );
    let input = &report.scope.inputs[0];
    assert!(
        input.detail.contains("configuration envs/prod@"),
        "{}",
        input.detail
    );
    assert!(
        input.detail.contains("named with --state PATH=DIR"),
        "{}",
        input.detail
    );
    let c = component(&report, "aws_vpc.main");
    assert!(c
        .declared_at
        .as_ref()
        .unwrap()
        .path
        .ends_with(":envs/prod/main.tf"));
}

#[test]
fn variables_locals_tfvars_and_instance_keys_are_evaluated() {
    let mut r = Repo::new();
    let main = r#"variable "size" {
  default = "from-default"
}

variable "region" {
  default = "eu-west-1"
}

locals {
  prefix = "acme-${var.region}"
  name   = "${local.prefix}-web"
}

resource "aws_instance" "web" {
  count         = 2
  instance_type = var.size
  tags = {
    Name = "${local.name}-${count.index}"
  }
  user_data = file("boot.sh")
}

resource "aws_s3_bucket" "b" {
  for_each = { logs = "acme-logs", data = "acme-data" }
  bucket   = each.value
  tags     = { Key = each.key }
}
"#;
    r.commit(
        "Web and buckets",
        &[
            ("main.tf", Some(main)),
            (
                "terraform.tfvars",
                Some("size = \"from-tfvars\"\nregion = \"us-east-1\"\n"),
            ),
            ("z.auto.tfvars", Some("region = \"eu-west-1\"\n")),
            ("prod.tfvars", Some("size = \"not-read-automatically\"\n")),
        ],
    );
    let states = tempfile::tempdir().unwrap();
    let web = |i: i64| Instance {
        module: "",
        resource_type: "aws_instance",
        name: "web",
        key: json!(i),
        attributes: json!({"id": format!("i-{i}"), "instance_type": "from-auto", "user_data": "x",
            "tags": {"Name": format!("acme-eu-west-1-web-{i}")}}),
    };
    let bucket = |k: &str| Instance {
        module: "",
        resource_type: "aws_s3_bucket",
        name: "b",
        key: json!(k),
        attributes: json!({"id": format!("acme-{k}"), "bucket": format!("acme-{k}"), "tags": {"Key": k}}),
    };
    write(
        states.path(),
        "s.tfstate",
        &state_v4(&[web(0), web(1), bucket("logs"), bucket("data")]),
    );
    let report = audit(
        states.path(),
        &["--repo", &repo_path(&r), "--state", "s.tfstate"],
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let web0 = component(&report, "aws_instance.web[0]")
        .config
        .as_ref()
        .unwrap();
    // tags: the auto file's region wins over terraform.tfvars; instance_type: prod.tfvars
    // may have set the size with -var-file, so it is not known.
    assert_eq!(web0.attributes_compared, 1);
    assert_eq!(
        web0.not_compared,
        [
            "instance_type: var.size is set in prod.tfvars, which Terraform reads only with -var-file",
            "user_data: calls file()"
        ]
    );
    let logs = component(&report, "aws_s3_bucket.b[\"logs\"]")
        .config
        .as_ref()
        .unwrap();
    assert_eq!(logs.attributes_compared, 2, "{logs:#?}");
}

#[test]
fn sensitive_values_are_compared_by_digest_and_never_printed() {
    let mut r = Repo::new();
    let main = r#"variable "password" {
  default   = "committed-password-1"
  sensitive = true
}

resource "aws_db_instance" "main" {
  password = var.password
}
"#;
    r.commit("Database", &[("main.tf", Some(main))]);
    let states = tempfile::tempdir().unwrap();
    write(
        states.path(),
        "s.tfstate",
        &state_v4(&[instance(
            "aws_db_instance",
            "main",
            json!({"id": "db", "password": "typed-by-hand-2"}),
        )]),
    );
    let output = assert_cmd::Command::cargo_bin("provenant")
        .unwrap()
        .current_dir(states.path())
        .args([
            "audit",
            "--quiet",
            "--format",
            "json",
            "--repo",
            &repo_path(&r),
            "--state",
            "s.tfstate",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("typed-by-hand-2") && !text.contains("committed-password-1"));
    let report: provenant::report::Report = serde_json::from_str(&text).unwrap();
    let pv006 = findings(&report, "PV006");
    assert_eq!(pv006.len(), 1, "{:#?}", report.findings);
    assert!(
        pv006[0].message.contains("sensitive"),
        "{}",
        pv006[0].message
    );
    let d = &component(&report, "aws_db_instance.main")
        .config
        .as_ref()
        .unwrap()
        .differences[0];
    assert!(d.sensitive && d.running.is_none() && d.committed.is_none());
}

#[test]
fn json_syntax_with_comments_declares_and_compares() {
    let mut r = Repo::new();
    let main = r#"{
  "//": "written by a generator",
  "resource": {
    "aws_instance": {
      "web": {
        "//": "the web server",
        "instance_type": "t3.small",
        "tags": { "Name": "${var.name}" }
      }
    }
  },
  "variable": { "name": { "default": "web" } }
}
"#;
    let c1 = r.commit("JSON config", &[("main.tf.json", Some(main))]);
    let states = tempfile::tempdir().unwrap();
    write(
        states.path(),
        "s.tfstate",
        &state_v4(&[instance(
            "aws_instance",
            "web",
            json!({"id": "i", "instance_type": "t3.small", "tags": {"Name": "web"}}),
        )]),
    );
    let report = audit(
        states.path(),
        &["--repo", &repo_path(&r), "--state", "s.tfstate"],
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let c = component(&report, "aws_instance.web");
    let at = c.declared_at.as_ref().unwrap();
    assert_eq!(
        (at.path.clone(), at.line),
        (format!("{}:main.tf.json", short(c1)), Some(5))
    );
    assert_eq!(c.config.as_ref().unwrap().attributes_compared, 2);
}

#[test]
fn release_commits_changing_a_path_match_git_log() {
    let mut r = Repo::new();
    r.commit(
        "one",
        &[("terraform/main.tf", Some("a")), ("README.md", Some("x"))],
    );
    r.commit("two", &[("README.md", Some("y"))]);
    r.commit("three", &[("terraform/main.tf", Some("b"))]);
    r.commit("four", &[("terraform/vars.tf", Some("c"))]);
    r.commit("five", &[("terraform/main.tf", None)]);
    r.commit("six", &[("terraform/main.tf", Some("b"))]);
    let index = provenant::git::GitIndex::open(r.path(), &[]).unwrap();
    let mut reader = index.tree_reader().unwrap();
    for path in [
        "terraform/main.tf",
        "terraform",
        "README.md",
        "",
        "absent.tf",
    ] {
        let ours: Vec<String> = index
            .release_commits_changing(&mut reader, path)
            .iter()
            .map(|c| c.to_hex())
            .collect();
        let mut args = vec!["log", "--format=%H", "--reverse", "main"];
        if !path.is_empty() {
            args.extend(["--", path]);
        }
        let git = std::process::Command::new("git")
            .args(&args)
            .current_dir(r.path())
            .output()
            .unwrap();
        let theirs: Vec<String> = String::from_utf8(git.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(ours, theirs, "{path}");
    }
}

#[test]
fn each_distinct_blob_is_parsed_once_over_the_history() {
    let mut r = Repo::new();
    let file = |i: usize, size: usize| {
        format!("resource \"aws_instance\" \"r{i}\" {{\n  instance_type = \"t3.{size}\"\n}}\n")
    };
    for i in 0..6 {
        r.commit("add", &[(&format!("f{i}.tf"), Some(&file(i, 0)))]);
    }
    for round in 1..5 {
        for i in 0..6 {
            r.commit("edit", &[(&format!("f{i}.tf"), Some(&file(i, round)))]);
        }
    }
    // Back to an earlier content: the blob is not new.
    r.commit("revert", &[("f0.tf", Some(&file(0, 1)))]);
    let index = provenant::git::GitIndex::open(r.path(), &[]).unwrap();
    // Every instance runs a size some earlier commit had, so the whole history is read.
    let instances: Vec<Instance<'_>> = (0..6)
        .map(|i| Instance {
            module: "",
            resource_type: "aws_instance",
            name: ["r0", "r1", "r2", "r3", "r4", "r5"][i],
            key: serde_json::Value::Null,
            attributes: json!({"id": format!("i-{i}"), "instance_type": "t3.0"}),
        })
        .collect();
    let bytes = state_v4(&instances);
    let document = match provenant::scan::scan_state_bytes(
        bytes.as_bytes(),
        std::path::Path::new("s.tfstate"),
        "s.tfstate",
    ) {
        provenant::scan::StateScan::State { document, .. } => document,
        other => panic!("{other:?}"),
    };
    let mut components = provenant::correlate::components_from_state(
        &document,
        "s.tfstate",
        &provenant::policy::Policy::default(),
    );
    let outcome = provenant::scan::tfconfig::check(
        &[provenant::scan::tfconfig::StateRef {
            display: "s.tfstate",
            document: &document,
            configuration: None,
        }],
        &mut components,
        &index,
    );
    let distinct_tf_blobs = index
        .blobs()
        .iter()
        .filter(|b| b.paths.iter().any(|p| p.ends_with(".tf")))
        .count();
    assert_eq!(distinct_tf_blobs, 6 * 5);
    assert_eq!(outcome.stats.blobs_parsed, distinct_tf_blobs);
    assert_eq!(outcome.stats.versions, 6 + 6 * 4 + 1);
    let unapplied = components
        .iter()
        .filter(|c| {
            c.config
                .as_ref()
                .is_some_and(|c| c.differences.iter().all(|d| d.unapplied.is_some()))
        })
        .count();
    assert_eq!(unapplied, 6);
}

/// The stage shares root modules out between threads; how many there are must not change a
/// byte of the report. Six environments call one shared module, which holds a file that does
/// not parse (each thread meets it: it is listed once), and every state has one value an
/// earlier commit had (PV011, through the history) and one no commit had (PV006).
#[test]
fn the_report_is_the_same_whatever_the_number_of_threads() {
    let mut r = Repo::new();
    let envs = ["dev", "perf", "prod", "qa", "stage", "test"];
    let root = |env: &str, size: &str| {
        format!(
            "terraform {{\n  backend \"s3\" {{\n    key = \"{env}/terraform.tfstate\"\n  }}\n}}\n\n\
             module \"net\" {{\n  source = \"../../modules/net\"\n}}\n\n\
             resource \"aws_instance\" \"app\" {{\n  ami           = \"ami-{env}\"\n  instance_type = \"{size}\"\n}}\n"
        )
    };
    let module = "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n";
    let mut first: Vec<(String, Option<String>)> = envs
        .iter()
        .map(|e| (format!("envs/{e}/main.tf"), Some(root(e, "t3.small"))))
        .collect();
    first.push(("modules/net/main.tf".into(), Some(module.into())));
    first.push((
        "modules/net/broken.tf".into(),
        Some("resource \"x\" {\n".into()),
    ));
    let commit = |r: &mut Repo, message: &str, files: &[(String, Option<String>)]| {
        let changes: Vec<(&str, Option<&str>)> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_deref()))
            .collect();
        r.commit(message, &changes)
    };
    let small = commit(&mut r, "Six environments", &first);
    for env in envs {
        let grown = [(format!("envs/{env}/main.tf"), Some(root(env, "t3.large")))];
        commit(&mut r, &format!("Grow {env}"), &grown);
    }
    let states = tempfile::tempdir().unwrap();
    for env in envs {
        let state = state_v4(&[
            instance(
                "aws_instance",
                "app",
                json!({"id": format!("i-{env}"), "ami": format!("ami-{env}-drifted"),
                       "instance_type": "t3.small"}),
            ),
            Instance {
                module: "module.net",
                ..instance(
                    "aws_vpc",
                    "main",
                    json!({"id": format!("vpc-{env}"), "cidr_block": "10.0.0.0/16"}),
                )
            },
        ]);
        write(states.path(), &format!("{env}/terraform.tfstate"), &state);
    }
    let run = |threads: &str| -> String {
        let output = assert_cmd::Command::cargo_bin("provenant")
            .unwrap()
            .current_dir(states.path())
            .env("SOURCE_DATE_EPOCH", "1780000000")
            .env("RAYON_NUM_THREADS", threads)
            .args(["audit", "--format", "json", "--quiet", "--fail-on", "never"])
            .args(["--no-cache", "--repo", &repo_path(&r), "--state", "."])
            .output()
            .unwrap();
        // 2: the audit is incomplete, as the broken file makes it.
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let one = run("1");
    let report: provenant::report::Report = serde_json::from_str(&one).unwrap();
    // What the report must say, so that equal reports are not equally empty.
    let pv011 = findings(&report, "PV011");
    let pv006 = findings(&report, "PV006");
    assert_eq!(pv011.len(), envs.len(), "{:#?}", report.findings);
    assert_eq!(pv006.len(), envs.len(), "{:#?}", report.findings);
    assert!(pv011.iter().all(|f| f.message.contains(&short(small))));
    let broken: Vec<_> = (report.scope.inputs.iter())
        .filter(|i| i.path.ends_with(":modules/net/broken.tf"))
        .collect();
    assert_eq!(broken.len(), 1, "{:#?}", report.scope.inputs);
    for env in envs {
        assert!(
            (report.scope.inputs.iter()).any(|i| i.path == format!("{env}/terraform.tfstate")
                && i.detail.contains(&format!("configuration envs/{env}@"))),
            "{env}: {:#?}",
            report.scope.inputs
        );
    }
    for threads in ["2", "3"] {
        assert!(run(threads) == one, "{threads} threads gave another report");
    }
}
