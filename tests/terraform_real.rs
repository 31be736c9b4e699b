//! The state scanner against the real `terraform` binary: a configuration exercising modules
//! with `count` and `for_each`, string keys that need quoting, nested modules, a data source,
//! `create_before_destroy`, a tainted object, sensitive values and a sensitive output is
//! applied in a temporary directory (offline: `hashicorp/null` comes from the filesystem
//! mirror that `shared/tools/setup-oracles.sh` installs), and what we read must match what
//! Terraform itself says:
//!
//! * our instance addresses equal `terraform state list`, as sets;
//! * our attributes for each instance, read from the raw `terraform.tfstate`, equal the
//!   `values` of that address in `terraform show -json`;
//! * the `show -json` document, scanned by us, gives the same addresses and attributes;
//! * the sensitive output's value is nowhere in what we keep.
//!
//! The corpus states are also listed by Terraform and compared with ours.
//!
//! Terraform is found on `PATH`, else in `$ORACLES_DIR/bin` (default `/tmp/oracles`). Without
//! it (or without the provider mirror) the tests print why and pass, except in CI (`CI` set),
//! where a missing tool fails them loudly.

mod oracle;

use oracle::{terraform, Terraform};
use provenant::model::{PathStep, StateDocument, StateFormat};
use provenant::scan::{scan_state_bytes, StateScan};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

const ROOT_CONFIG: &str = r#"
terraform {
  required_providers {
    null = { source = "hashicorp/null" }
  }
}

variable "secret" {
  type      = string
  default   = "hunter2-not-for-reports"
  sensitive = true
}

resource "null_resource" "single" {
  triggers = { fixed = "one" }
}

resource "null_resource" "counted" {
  count    = 3
  triggers = { index = count.index }
}

resource "null_resource" "keyed" {
  # Keys that need quoting in addresses: a quote, a space, a template sigil, non-ASCII, a newline.
  for_each = toset(["plain", "with\"quote", "with space", "t$${x}", "é", "line\nbreak"])
  triggers = { key = each.key }
}

resource "null_resource" "replaced_first" {
  triggers = { v = "1" }
  lifecycle {
    create_before_destroy = true
  }
}

data "null_data_source" "lookup" {
  inputs = { region = "eu-west-1" }
}

module "by_count" {
  source = "./app"
  count  = 2
  label  = "count-${count.index}"
}

module "by_key" {
  source   = "./app"
  for_each = { blue = "b", "green team" = "g" }
  label    = each.value
}

output "password" {
  value     = var.secret
  sensitive = true
}

output "region" {
  value = data.null_data_source.lookup.outputs["region"]
}
"#;

const TERRAFORM_DATA_CONFIG: &str = r#"
resource "terraform_data" "plain" {
  input = { name = "web", replicas = 3, tags = ["a", "b"] }
}

resource "terraform_data" "holds_secret" {
  input = { password = var.secret, user = "admin" }
}
"#;

const APP_MODULE: &str = r#"
variable "label" { type = string }

resource "null_resource" "this" {
  triggers = { label = var.label }
}

module "inner" {
  source = "./inner"
  label  = var.label
}
"#;

const INNER_MODULE: &str = r#"
variable "label" { type = string }

resource "null_resource" "deep" {
  triggers = { label = var.label }
}
"#;

/// One applied configuration, shared by the tests below.
struct Applied {
    dir: tempfile::TempDir,
    terraform_data: bool,
    /// `terraform state list`, one address a line.
    listed: BTreeSet<String>,
    /// `terraform show -json`.
    show: Value,
    show_text: String,
    raw: StateDocument,
    raw_detail: String,
    scanned_show: StateDocument,
}

fn applied() -> Option<&'static Applied> {
    static APPLIED: OnceLock<Option<Applied>> = OnceLock::new();
    APPLIED.get_or_init(|| terraform().map(apply)).as_ref()
}

fn apply(terraform: &Terraform) -> Applied {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let terraform_data = terraform.has_terraform_data();
    let mut config = ROOT_CONFIG.to_string();
    if terraform_data {
        config.push_str(TERRAFORM_DATA_CONFIG);
    }
    std::fs::write(root.join("main.tf"), config).unwrap();
    std::fs::create_dir_all(root.join("app/inner")).unwrap();
    std::fs::write(root.join("app/main.tf"), APP_MODULE).unwrap();
    std::fs::write(root.join("app/inner/main.tf"), INNER_MODULE).unwrap();

    terraform.run(root, &["init", "-input=false", "-no-color"]);
    terraform.run(
        root,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    );
    terraform.run(root, &["taint", "-no-color", "null_resource.counted[1]"]);

    let listed = terraform
        .run(root, &["state", "list", "-no-color"])
        .lines()
        .map(str::to_string)
        .collect();
    let show_text = terraform.run(root, &["show", "-json", "-no-color"]);
    let show: Value = serde_json::from_str(&show_text).expect("show -json is JSON");

    let state_path = root.join("terraform.tfstate");
    let bytes = std::fs::read(&state_path).unwrap();
    let (raw, raw_detail) = match scan_state_bytes(&bytes, &state_path, "terraform.tfstate") {
        StateScan::State {
            document, detail, ..
        } => (document, detail),
        other => panic!("the state Terraform wrote did not read: {other:?}"),
    };
    let show_path = root.join("show.json");
    let scanned_show = match scan_state_bytes(show_text.as_bytes(), &show_path, "show.json") {
        StateScan::State { document, .. } => document,
        other => panic!("the show -json document did not read: {other:?}"),
    };
    Applied {
        dir,
        terraform_data,
        listed,
        show,
        show_text,
        raw,
        raw_detail,
        scanned_show,
    }
}

fn address_set(document: &StateDocument) -> BTreeSet<String> {
    document
        .instances
        .iter()
        .map(|i| i.address.clone())
        .collect()
}

/// Every resource object in a `show -json` document, by address.
fn show_values(show: &Value) -> BTreeMap<String, Value> {
    let mut values = BTreeMap::new();
    let mut pending = vec![&show["values"]["root_module"]];
    while let Some(module) = pending.pop() {
        for resource in module["resources"].as_array().into_iter().flatten() {
            let address = resource["address"].as_str().unwrap().to_string();
            values.insert(address, resource["values"].clone());
        }
        pending.extend(module["child_modules"].as_array().into_iter().flatten());
    }
    values
}

#[test]
fn addresses_equal_terraform_state_list() {
    let Some(applied) = applied() else { return };
    let expected_count = if applied.terraform_data { 22 } else { 20 };
    assert_eq!(
        applied.listed.len(),
        expected_count,
        "{:#?}",
        applied.listed
    );
    assert_eq!(address_set(&applied.raw), applied.listed);
    // Terraform's quoting of string keys, reproduced.
    for address in [
        "null_resource.keyed[\"with\\\"quote\"]",
        "null_resource.keyed[\"t$${x}\"]",
        "null_resource.keyed[\"line\\nbreak\"]",
        "null_resource.keyed[\"é\"]",
        "module.by_key[\"green team\"].module.inner.null_resource.deep",
        "module.by_count[1].null_resource.this",
        "data.null_data_source.lookup",
    ] {
        assert!(
            applied.listed.contains(address),
            "terraform did not list {address}"
        );
    }
}

#[test]
fn attributes_equal_show_json_values() {
    let Some(applied) = applied() else { return };
    let show = show_values(&applied.show);
    assert_eq!(show.len(), applied.raw.instances.len());
    for instance in &applied.raw.instances {
        let expected = show
            .get(&instance.address)
            .unwrap_or_else(|| panic!("{} not in show -json", instance.address));
        assert_eq!(
            &instance.attributes.value(),
            expected,
            "{}",
            instance.address
        );
    }
}

#[test]
fn show_json_document_reads_the_same() {
    let Some(applied) = applied() else { return };
    assert_eq!(address_set(&applied.scanned_show), applied.listed);
    let raw: BTreeMap<_, _> = applied
        .raw
        .instances
        .iter()
        .map(|i| (&i.address, i))
        .collect();
    for instance in &applied.scanned_show.instances {
        let from_raw = raw[&instance.address];
        assert_eq!(
            instance.attributes, from_raw.attributes,
            "{}",
            instance.address
        );
        assert_eq!(instance.mode, from_raw.mode);
        assert_eq!(
            instance.index_key, from_raw.index_key,
            "{}",
            instance.address
        );
        assert_eq!(instance.module, from_raw.module, "{}", instance.address);
        assert_eq!(instance.status, from_raw.status, "{}", instance.address);
    }
}

#[test]
fn details_terraform_recorded() {
    let Some(applied) = applied() else { return };
    let raw = &applied.raw;
    let by_address = |address: &str| raw.instances.iter().find(|i| i.address == address).unwrap();
    assert_eq!(
        by_address("null_resource.counted[1]").status.as_deref(),
        Some("tainted")
    );
    assert_eq!(by_address("null_resource.counted[0]").status, None);
    assert!(by_address("null_resource.replaced_first").create_before_destroy);
    assert!(!by_address("null_resource.single").create_before_destroy);
    assert_eq!(
        by_address("module.by_key[\"blue\"].null_resource.this").module,
        "module.by_key[\"blue\"]"
    );
    assert_eq!(raw.data_sources().count(), 1);
    let text = std::fs::read_to_string(applied.dir.path().join("terraform.tfstate")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for instance in &raw.instances {
        let line = instance.origin.line.expect("line") as usize;
        assert_eq!(lines[line - 1].trim(), "{", "{}", instance.address);
    }
    assert!(
        applied.raw_detail.contains("(1 tainted)"),
        "{}",
        applied.raw_detail
    );
    assert!(
        applied.raw_detail.contains("2 outputs (1 sensitive)"),
        "{}",
        applied.raw_detail
    );
    if applied.terraform_data {
        let secret = by_address("terraform_data.holds_secret");
        let password = [
            PathStep::Key("input".into()),
            PathStep::Key("password".into()),
        ];
        assert!(
            secret.is_sensitive(&password),
            "{:?}",
            secret.sensitive_paths
        );
        assert!(
            !secret.is_sensitive(&[PathStep::Key("input".into()), PathStep::Key("user".into())])
        );
        let shown = applied
            .scanned_show
            .instances
            .iter()
            .find(|i| i.address == secret.address)
            .unwrap();
        assert!(shown.is_sensitive(&password), "{:?}", shown.sensitive_paths);
    }
}

#[test]
fn sensitive_output_value_is_not_kept() {
    let Some(applied) = applied() else { return };
    assert!(
        applied.show_text.contains("hunter2-not-for-reports"),
        "show -json prints it"
    );
    for document in [&applied.raw, &applied.scanned_show] {
        let password = document
            .outputs
            .iter()
            .find(|o| o.name == "password")
            .unwrap();
        assert!(password.sensitive);
        assert_eq!(password.value, None);
        let region = document
            .outputs
            .iter()
            .find(|o| o.name == "region")
            .unwrap();
        assert_eq!(region.value, Some(Value::String("eu-west-1".into())));
        assert!(!format!("{:?}", document.outputs).contains("hunter2"));
    }
}

/// Every corpus state we read as a raw state lists the same addresses in Terraform.
#[test]
fn corpus_states_equal_terraform_state_list() {
    let Some(terraform) = terraform() else { return };
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/terraform-state");
    let empty = tempfile::tempdir().unwrap();
    let mut pending = vec![corpus.clone()];
    let mut compared = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path
                .extension()
                .is_none_or(|e| e != "tfstate" && e != "json")
            {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let StateScan::State { document, .. } = scan_state_bytes(&bytes, &path, "x") else {
                continue;
            };
            if !matches!(document.format, StateFormat::Raw(_)) {
                continue;
            }
            let state_arg = format!("-state={}", path.display());
            let output = terraform
                .command(empty.path(), &["state", "list", "-no-color", &state_arg])
                .output()
                .unwrap();
            let name = path.strip_prefix(&corpus).unwrap().display().to_string();
            if name == "driftctl-invalid-terraform-version.tfstate" {
                // Terraform refuses terraform_version "invalid"; we read the resources anyway.
                assert!(!output.status.success());
                continue;
            }
            assert!(
                output.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let listed: BTreeSet<String> = String::from_utf8(output.stdout)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect();
            assert_eq!(address_set(&document), listed, "{name}");
            compared += 1;
        }
    }
    assert_eq!(compared, 30, "states compared");
}
