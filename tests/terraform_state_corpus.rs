//! The state scanner against real files: every state, plan, lock, backup and metadata file of
//! the shared corpus (`../shared/corpus/terraform-state/` and `terraform-show-json/`), each with
//! its expected outcome in one table, then specific details those files exercise, then inputs
//! built to break a parser: truncations, garbage, deep nesting, a wrong type at every level,
//! and a 200 MB state.
//!
//! Instance counts in the table were counted on the raw JSON (resources × instances, modules ×
//! primary/deposed objects) and agree with `terraform state list -state=FILE` (Terraform 1.11)
//! for every raw state Terraform can read; `tests/terraform_real.rs` re-checks the addresses
//! against the real binary when it is installed.

use provenant::model::{
    IndexKey, InputKind, PathStep, ResourceInstance, ResourceMode, StateDocument,
};
use provenant::scan::{scan_state_bytes, StateScan};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

const SCANNED_DIRS: &[&str] = &["terraform-state", "terraform-show-json"];

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// A raw state: managed instances, data-source instances.
    Raw(usize, usize),
    /// A `show -json` state document: managed instances, data-source instances.
    Show(usize, usize),
    NotAState(InputKind),
    /// Unreadable: the kind, the line, and words the message must contain.
    Unreadable(InputKind, u32, &'static str),
}

use Expect::{NotAState, Raw, Show, Unreadable};
const PLAN: Expect = NotAState(InputKind::TerraformPlan);
const STATE: InputKind = InputKind::TerraformState;

/// Every scanned corpus file, relative to the corpus root, with what reading it must give.
const TABLE: &[(&str, Expect)] = &[
    (
        "terraform-show-json/checkov-plan-1.2-aliased-providers-empty-root.json",
        PLAN,
    ),
    (
        "terraform-show-json/checkov-plan-1.2-for-each-tf1.9.5.json",
        PLAN,
    ),
    ("terraform-show-json/checkov-plan-after-unknown.json", PLAN),
    (
        "terraform-show-json/checkov-plan-data-read-partial.json",
        PLAN,
    ),
    (
        "terraform-show-json/checkov-plan-replace-create-delete.json",
        PLAN,
    ),
    (
        "terraform-show-json/checkov-plan-single-line-utf8.json",
        PLAN,
    ),
    (
        "terraform-show-json/checkov-plan-utf16le-bom-crlf.json",
        PLAN,
    ),
    (
        "terraform-show-json/checkov-plan-utf16le-bom-lf-lifecycle.json",
        PLAN,
    ),
    (
        "terraform-show-json/checkov-tfplan-named-but-state.json",
        Show(1, 0),
    ),
    (
        "terraform-show-json/hashicorp-plan-condition-results.json",
        PLAN,
    ),
    (
        "terraform-show-json/hashicorp-plan-provider-aliasing.json",
        PLAN,
    ),
    (
        "terraform-show-json/hashicorp-plan-resource-drift.json",
        PLAN,
    ),
    (
        "terraform-show-json/hashicorp-plan-sensitive-values.json",
        PLAN,
    ),
    ("terraform-show-json/hashicorp-state-empty.json", Show(0, 0)),
    ("terraform-show-json/opentofu-plan-errored-true.json", PLAN),
    (
        "terraform-show-json/opentofu-plan-identity-update.json",
        PLAN,
    ),
    (
        "terraform-show-json/tfjson-invalid-state.json",
        Unreadable(InputKind::TerraformShowJson, 12, "trailing characters"),
    ),
    (
        "terraform-show-json/tfjson-plan-0.1-no-terraform-version.json",
        PLAN,
    ),
    (
        "terraform-show-json/tfjson-plan-0.1-tf0.13-module-depends-on.json",
        PLAN,
    ),
    (
        "terraform-show-json/tfjson-plan-1.1-relevant-attributes.json",
        PLAN,
    ),
    (
        "terraform-show-json/tfjson-plan-1.2-action-invocations.json",
        PLAN,
    ),
    (
        "terraform-show-json/tfjson-plan-1.2-action-reason-tf1.15.json",
        PLAN,
    ),
    ("terraform-show-json/tfjson-plan-1.2-checks.json", PLAN),
    (
        "terraform-show-json/tfjson-plan-1.2-float-values.json",
        PLAN,
    ),
    ("terraform-show-json/tfjson-plan-1.2-identity.json", PLAN),
    ("terraform-show-json/tfjson-plan-1.2-moved-block.json", PLAN),
    (
        "terraform-show-json/tfjson-state-1.0-checks.json",
        Show(2, 0),
    ),
    (
        "terraform-show-json/tfjson-state-1.0-identity.json",
        Show(2, 0),
    ),
    (
        "terraform-state/driftctl-aws-s3-full-tf0.12.26.tfstate",
        Raw(26, 0),
    ),
    (
        "terraform-state/driftctl-invalid-json.tfstate",
        Unreadable(STATE, 16, "key must be a string"),
    ),
    // Terraform refuses "invalid" as terraform_version; the resources are still real, so
    // the state is read and the detail says the version is not one.
    (
        "terraform-state/driftctl-invalid-terraform-version.tfstate",
        Raw(1, 1),
    ),
    (
        "terraform-state/driftctl-mixed-provider-address-styles.tfstate",
        Raw(2, 0),
    ),
    (
        "terraform-state/driftctl-multi-provider-aws-azurerm-tf1.0.0.tfstate",
        Raw(6, 1),
    ),
    (
        "terraform-state/hashicorp-complex-output-types.tfstate",
        Raw(1, 0),
    ),
    (
        "terraform-state/hashicorp-corrupt-statefile.tfstate",
        Unreadable(STATE, 1, "invalid JSON"),
    ),
    (
        "terraform-state/hashicorp-dot-terraform-backend-config.tfstate",
        NotAState(InputKind::TerraformBackendMetadata),
    ),
    (
        "terraform-state/hashicorp-dot-terraform-legacy-remote.tfstate",
        NotAState(InputKind::TerraformBackendMetadata),
    ),
    (
        "terraform-state/hashicorp-nested-and-counted-modules.tfstate",
        Raw(6, 0),
    ),
    ("terraform-state/hashicorp-null-outputs.tfstate", Raw(0, 0)),
    (
        "terraform-state/hashicorp-roundtrip-v1-simple.tfstate",
        Unreadable(STATE, 2, "state format version 1 is not supported"),
    ),
    (
        "terraform-state/hashicorp-roundtrip-v3-bigint.tfstate",
        Raw(4, 0),
    ),
    (
        "terraform-state/hashicorp-roundtrip-v3-builtin.tfstate",
        Raw(0, 1),
    ),
    (
        "terraform-state/hashicorp-roundtrip-v3-grabbag.tfstate",
        Raw(4, 0),
    ),
    (
        "terraform-state/hashicorp-roundtrip-v3-invalid-depends.tfstate",
        Raw(1, 0),
    ),
    (
        "terraform-state/hashicorp-roundtrip-v4-create-before-destroy.tfstate",
        Raw(1, 0),
    ),
    (
        "terraform-state/hashicorp-roundtrip-v4-future-tf999.tfstate",
        Raw(3, 0),
    ),
    (
        "terraform-state/hashicorp-roundtrip-v4-legacy-simple.tfstate",
        Raw(3, 1),
    ),
    (
        "terraform-state/hashicorp-roundtrip-v4-modules.tfstate",
        Raw(4, 0),
    ),
    (
        "terraform-state/inframap-format-version-2.json",
        Unreadable(STATE, 2, "state format version 2 is not supported"),
    ),
    (
        "terraform-state/inframap-repeated-modules-tf0.15.3.json",
        Raw(16, 0),
    ),
    (
        "terraform-state/inframap-typo-terraform_verison.json",
        Raw(1, 0),
    ),
    (
        "terraform-state/opentofu-deprecated-output.tfstate",
        Raw(0, 0),
    ),
    (
        "terraform-state/opentofu-encrypted-state.tfstate",
        Unreadable(
            InputKind::OpentofuEncryptedState,
            11,
            "decrypt with `tofu show -json`",
        ),
    ),
    (
        "terraform-state/opentofu-registry-opentofu-org-check-results-null.tfstate",
        Raw(1, 0),
    ),
    (
        "terraform-state/opentofu-sensitive-attributes-paths.tfstate",
        Raw(2, 0),
    ),
    (
        "terraform-state/pairs/10pines-lambda-v3-tf0.11.13/terraform.tfstate",
        Raw(9, 0),
    ),
    (
        "terraform-state/pairs/driftctl-aws-route-table/terraform.tfstate",
        Raw(1, 0),
    ),
    (
        "terraform-state/pairs/driftctl-module-iam-user/terraform.tfstate",
        Raw(2, 0),
    ),
    (
        "terraform-state/pairs/hashicorp-show-json-state-modules/show-json-output.json",
        Show(2, 0),
    ),
    (
        "terraform-state/pairs/hashicorp-show-json-state-modules/terraform.tfstate",
        Raw(2, 0),
    ),
    (
        "terraform-state/pairs/kvm-lab-libvirt-foreach-tf0.12.12/terraform.tfstate",
        Raw(6, 2),
    ),
    (
        "terraform-state/pairs/kvm-lab-libvirt-foreach-tf0.12.12/terraform.tfstate.backup",
        NotAState(InputKind::TerraformStateBackup),
    ),
    (
        "terraform-state/pairs/kyn-errored-identity-tf1.14.7/errored.tfstate",
        Raw(10, 1),
    ),
    (
        "terraform-state/pairs/redislabs-azure-errored-tf0.12.19/errored.tfstate",
        Raw(22, 4),
    ),
    (
        "terraform-state/pairs/terraform-json-110-sensitive-values/plan.json",
        PLAN,
    ),
    (
        "terraform-state/pairs/terraform-json-110-sensitive-values/state.json",
        Show(7, 0),
    ),
    (
        "terraform-state/pairs/terraform-json-110-sensitive-values/terraform.tfstate",
        Raw(7, 0),
    ),
    (
        "terraform-state/pairs/ucf-opentofu-eks-rds/terraform.tfstate",
        Raw(70, 12),
    ),
    (
        "terraform-state/real-errored-only-check-results-tf1.11.1.tfstate",
        Raw(0, 0),
    ),
    (
        "terraform-state/redislabs-terraform.tfstate.lock.info",
        NotAState(InputKind::TerraformLockInfo),
    ),
    (
        "terraform-state/ucf-opentofu-1.6.2-errored.tfstate",
        Raw(12, 1),
    ),
];

/// The files the scanner is meant for: states, JSON documents, locks and backups (the
/// configuration beside them is another scanner's).
fn is_scanned(name: &str) -> bool {
    !name.ends_with(".tf.json")
        && [".tfstate", ".json", ".lock.info", ".backup"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

fn corpus_files() -> Vec<String> {
    let root = corpus();
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = SCANNED_DIRS.iter().map(|dir| root.join(dir)).collect();
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if is_scanned(&path.file_name().unwrap().to_string_lossy()) {
                let relative = path.strip_prefix(&root).unwrap();
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

fn scan_file(relative: &str) -> StateScan {
    let path = corpus().join(relative);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{relative}: {e}"));
    scan_state_bytes(&bytes, &path, relative)
}

fn document(relative: &str) -> StateDocument {
    match scan_file(relative) {
        StateScan::State { document, .. } => document,
        other => panic!("{relative}: expected a state, got {other:?}"),
    }
}

fn instance<'a>(document: &'a StateDocument, address: &str) -> &'a ResourceInstance {
    let mut found = document
        .instances
        .iter()
        .filter(|i| i.address == address && i.deposed.is_none());
    found.next().unwrap_or_else(|| {
        let all: Vec<_> = document.instances.iter().map(|i| &i.address).collect();
        panic!("no instance {address} in {all:#?}")
    })
}

fn addresses(document: &StateDocument) -> Vec<&str> {
    document
        .instances
        .iter()
        .map(|i| i.address.as_str())
        .collect()
}

#[test]
fn every_corpus_file_is_in_the_table() {
    let on_disk: BTreeSet<String> = corpus_files().into_iter().collect();
    let in_table: BTreeSet<String> = TABLE.iter().map(|(name, _)| name.to_string()).collect();
    assert_eq!(
        TABLE.len(),
        in_table.len(),
        "a file is listed twice in TABLE"
    );
    let missing: Vec<_> = on_disk.difference(&in_table).collect();
    let gone: Vec<_> = in_table.difference(&on_disk).collect();
    assert!(
        missing.is_empty() && gone.is_empty(),
        "new corpus files need an expected outcome in TABLE: {missing:#?}\nTABLE names files that are gone: {gone:#?}"
    );
}

#[test]
fn every_corpus_file_reads_as_expected() {
    let mut failures = Vec::new();
    for (name, expect) in TABLE {
        let scan = scan_file(name);
        let ok = match (expect, &scan) {
            (Raw(managed, data), StateScan::State { kind, document, .. }) => {
                *kind == InputKind::TerraformState
                    && matches!(document.format, provenant::model::StateFormat::Raw(3 | 4))
                    && document.managed().count() == *managed
                    && document.data_sources().count() == *data
            }
            (Show(managed, data), StateScan::State { kind, document, .. }) => {
                *kind == InputKind::TerraformShowJson
                    && document.managed().count() == *managed
                    && document.data_sources().count() == *data
            }
            (NotAState(expected), StateScan::NotAState { kind, detail }) => {
                kind == expected && !detail.is_empty()
            }
            (
                Unreadable(expected, line, words),
                StateScan::Unreadable {
                    kind,
                    line: got,
                    detail,
                },
            ) => kind == expected && *got == Some(*line) && detail.contains(words),
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{name}: expected {expect:?}, got {}",
                summary(&scan)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn summary(scan: &StateScan) -> String {
    match scan {
        StateScan::State {
            kind,
            document,
            detail,
        } => format!(
            "State {kind:?} ({} managed, {} data): {detail}",
            document.managed().count(),
            document.data_sources().count()
        ),
        other => format!("{other:?}"),
    }
}

/// Every origin names the file, a line where an object starts, and a pointer to that object.
#[test]
fn origins_point_at_the_instance_objects() {
    for (name, expect) in TABLE {
        if !matches!(expect, Raw(..) | Show(..)) {
            continue;
        }
        let text = std::fs::read_to_string(corpus().join(name)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        for instance in document(name).instances {
            let origin = &instance.origin;
            assert_eq!(origin.path, *name);
            let line = origin
                .line
                .unwrap_or_else(|| panic!("{name}: {} has no line", instance.address));
            assert!(
                lines[line as usize - 1].contains('{'),
                "{name}:{line} for {}",
                instance.address
            );
            let pointer = origin.pointer.as_deref().expect("pointer");
            let object = parsed
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{name}: {pointer}"));
            assert!(object.is_object(), "{name}: {pointer}");
        }
    }
}

#[test]
fn module_instance_keys_in_addresses() {
    let state = document("terraform-state/hashicorp-nested-and-counted-modules.tfstate");
    // `terraform state list -state=...` prints the same set (in its own order).
    let expected: BTreeSet<&str> = [
        "test_instance.root",
        "module.count[0].test_instance.count",
        "module.count[1].test_instance.count",
        "module.nest.test_instance.nest",
        "module.nest.module.subnest.test_instance.subnest",
        "module.nonexist.module.child.test_instance.child",
    ]
    .into();
    assert_eq!(
        addresses(&state).into_iter().collect::<BTreeSet<_>>(),
        expected
    );
    let counted = instance(&state, "module.count[1].test_instance.count");
    assert_eq!(counted.module, "module.count[1]");
    assert_eq!(
        (counted.resource_type.as_str(), counted.name.as_str()),
        ("test_instance", "count")
    );
    assert_eq!(counted.index_key, None);
    assert_eq!(
        counted.schema_version, None,
        "this file's instances carry no schema_version"
    );
    assert_eq!(instance(&state, "test_instance.root").module, "");

    let inframap = document("terraform-state/inframap-repeated-modules-tf0.15.3.json");
    let nested = addresses(&inframap);
    assert!(nested
        .contains(&"module.ec2_openvpn.module.bastion_sg.aws_security_group.this_name_prefix[0]"));
    assert!(
        nested
            .iter()
            .any(|a| a.starts_with("module.ec2_ubuntu_a[1].")),
        "{nested:#?}"
    );
}

#[test]
fn string_index_keys() {
    let modules = document("terraform-state/hashicorp-roundtrip-v4-modules.tfstate");
    let keyed = instance(&modules, "module.modB.null_resource.bar[\"b\"]");
    assert_eq!(keyed.index_key, Some(IndexKey::Str("b".into())));

    let kvm = document("terraform-state/pairs/kvm-lab-libvirt-foreach-tf0.12.12/terraform.tfstate");
    let data = instance(&kvm, "data.template_file.network_config[\"centos-vm1\"]");
    assert_eq!(data.mode, ResourceMode::Data);
    assert_eq!(data.provider, "provider.template");
    let domain = instance(&kvm, "libvirt_domain.vms[\"centos-vm1\"]");
    assert_eq!(domain.index_key, Some(IndexKey::Str("centos-vm1".into())));
    // Integers beyond 32 bits survive as written.
    let pool = instance(&kvm, "libvirt_pool.terraform_pool");
    assert_eq!(
        pool.attributes.value()["capacity"].to_string(),
        "86399721472"
    );

    let kyn = document("terraform-state/pairs/kyn-errored-identity-tf1.14.7/errored.tfstate");
    let subnets: Vec<_> = addresses(&kyn)
        .into_iter()
        .filter(|a| a.starts_with("aws_subnet."))
        .collect();
    assert_eq!(
        subnets,
        [
            "aws_subnet.ak_subnet[\"us-east-1a\"]",
            "aws_subnet.ak_subnet[\"us-east-1b\"]",
            "aws_subnet.ak_subnet[\"us-east-1c\"]",
            "aws_subnet.ak_subnet[\"us-east-1d\"]"
        ]
    );
}

#[test]
fn tainted_instances() {
    let tofu = document("terraform-state/ucf-opentofu-1.6.2-errored.tfstate");
    let tainted: Vec<_> = tofu
        .instances
        .iter()
        .filter(|i| i.status.as_deref() == Some("tainted"))
        .map(|i| &i.address)
        .collect();
    assert_eq!(tainted, ["aws_eks_cluster.primary"]);
    assert_eq!(
        instance(&tofu, "aws_eks_cluster.primary").provider,
        "provider[\"registry.opentofu.org/hashicorp/aws\"]"
    );
    match scan_file("terraform-state/ucf-opentofu-1.6.2-errored.tfstate") {
        StateScan::State { detail, .. } => assert_eq!(
            detail,
            "format 4, OpenTofu 1.6.2, serial 4, 12 resource instances (1 tainted), 1 data source, 0 outputs"
        ),
        other => panic!("{other:?}"),
    }

    let redis = document("terraform-state/pairs/redislabs-azure-errored-tf0.12.19/errored.tfstate");
    let tainted: Vec<_> = redis
        .instances
        .iter()
        .filter(|i| i.status.is_some())
        .collect();
    assert_eq!(tainted.len(), 1);
    assert_eq!(tainted[0].resource_type, "null_resource");
}

#[test]
fn create_before_destroy() {
    let cbd = document("terraform-state/hashicorp-roundtrip-v4-create-before-destroy.tfstate");
    let object = instance(&cbd, "module.modA.null_resource.resource");
    assert!(object.create_before_destroy);
    assert_eq!(
        object.provider,
        "provider[\"registry.terraform.io/-/null\"]"
    );

    let eks = document("terraform-state/pairs/ucf-opentofu-eks-rds/terraform.tfstate");
    assert!(eks.instances.iter().any(|i| i.create_before_destroy));
    assert!(eks.instances.iter().any(|i| !i.create_before_destroy));
}

#[test]
fn identity_objects() {
    let kyn = document("terraform-state/pairs/kyn-errored-identity-tf1.14.7/errored.tfstate");
    let target_group = instance(&kyn, "aws_lb_target_group.app_tg");
    let identity = target_group.identity.as_ref().expect("identity");
    assert_eq!(
        identity.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["arn"]
    );
    let vpc = instance(&kyn, "aws_vpc.ak_vpc");
    assert_eq!(
        vpc.identity.as_ref().unwrap()["id"],
        "vpc-09f5a7f0acba7b648"
    );
    assert_eq!(
        instance(&kyn, "aws_internet_gateway.gw").identity,
        None,
        "identity: null"
    );

    let show = document("terraform-show-json/tfjson-state-1.0-identity.json");
    assert_eq!(
        instance(&show, "corner_user.user").identity,
        Some(json!({"age": 999, "email": "a@example.com", "name": "test"}))
    );
}

#[test]
fn sensitive_outputs_lose_their_value() {
    for name in [
        "terraform-state/pairs/terraform-json-110-sensitive-values/terraform.tfstate",
        "terraform-state/pairs/terraform-json-110-sensitive-values/state.json",
    ] {
        let state = document(name);
        let output = |n: &str| {
            state
                .outputs
                .iter()
                .find(|o| o.name == n)
                .unwrap_or_else(|| panic!("{name}: {n}"))
        };
        let secret = output("foo");
        assert!(secret.sensitive);
        assert_eq!(secret.value, None, "{name}");
        assert_eq!(output("string").value, Some(json!("foo")));
        assert_eq!(output("list").value, Some(json!(["foo", "bar"])));
        assert_eq!(state.outputs.len(), 8);
    }
}

#[test]
fn sensitive_attribute_paths() {
    let tofu = document("terraform-state/opentofu-sensitive-attributes-paths.tfstate");
    let foo = instance(&tofu, "test_instance.foo");
    assert_eq!(
        foo.sensitive_paths,
        vec![vec![PathStep::Key("password".into())]]
    );
    assert!(foo.is_sensitive(&[PathStep::Key("password".into())]));
    assert!(!foo.is_sensitive(&[PathStep::Key("ami".into())]));

    let show = document("terraform-show-json/checkov-tfplan-named-but-state.json");
    assert_eq!(
        instance(&show, "test_instance.test").sensitive_paths,
        vec![vec![PathStep::Key("ami".into())]]
    );
}

#[test]
fn format_3_states() {
    let lambda = document("terraform-state/pairs/10pines-lambda-v3-tf0.11.13/terraform.tfstate");
    assert_eq!(lambda.format, provenant::model::StateFormat::Raw(3));
    let deployment = instance(&lambda, "aws_api_gateway_deployment.hello_world_deploy");
    assert_eq!(deployment.provider, "provider.aws");
    assert_eq!(
        deployment.origin.pointer.as_deref(),
        Some("/modules/0/resources/aws_api_gateway_deployment.hello_world_deploy")
    );
    assert!(deployment
        .attributes
        .value()
        .get("id")
        .is_some_and(Value::is_string));

    let grabbag = document("terraform-state/hashicorp-roundtrip-v3-grabbag.tfstate");
    assert_eq!(
        addresses(&grabbag),
        [
            "null_resource.bar[0]",
            "null_resource.bar[1]",
            "null_resource.baz",
            "module.child.null_resource.foo"
        ]
    );
    // meta.schema_version "1" (a string) becomes the schema version, as Terraform upgrades it.
    assert_eq!(
        instance(&grabbag, "null_resource.bar[0]").schema_version,
        Some(1)
    );
    assert_eq!(
        instance(&grabbag, "null_resource.bar[0]").index_key,
        Some(IndexKey::Int(0))
    );

    // The bigint file: backend.hash 10669755453527594976 is above i64::MAX; the state (with a
    // `backend` block and resources) is still a state, not backend metadata.
    let bigint = document("terraform-state/hashicorp-roundtrip-v3-bigint.tfstate");
    assert_eq!(bigint.instances.len(), 4);
    assert_eq!(bigint.serial, Some(8));

    let builtin = document("terraform-state/hashicorp-roundtrip-v3-builtin.tfstate");
    assert_eq!(addresses(&builtin), ["data.terraform_remote_state.test"]);
}

fn attributes_by_address(name: &str) -> BTreeMap<String, Value> {
    let document = document(name);
    document
        .instances
        .into_iter()
        .map(|i| (i.address, i.attributes.value()))
        .collect()
}

#[test]
fn raw_state_and_its_show_json_agree() {
    // Written by Terraform 1.1.0 from the same state: identical addresses and attributes.
    let raw = attributes_by_address(
        "terraform-state/pairs/terraform-json-110-sensitive-values/terraform.tfstate",
    );
    let show = attributes_by_address(
        "terraform-state/pairs/terraform-json-110-sensitive-values/state.json",
    );
    assert_eq!(raw.len(), 7);
    assert_eq!(raw, show);

    // A hand-written fixture: the state omits `id`, which `show -json` fills with null from
    // the schema. Same addresses; every member the raw state has agrees.
    let raw = attributes_by_address(
        "terraform-state/pairs/hashicorp-show-json-state-modules/terraform.tfstate",
    );
    let show = attributes_by_address(
        "terraform-state/pairs/hashicorp-show-json-state-modules/show-json-output.json",
    );
    assert_eq!(
        raw.keys().collect::<Vec<_>>(),
        show.keys().collect::<Vec<_>>()
    );
    for (address, attributes) in &raw {
        for (key, value) in attributes.as_object().unwrap() {
            assert_eq!(show[address].get(key), Some(value), "{address}.{key}");
        }
    }
}

#[test]
fn non_states_say_what_they_are() {
    let detail = |name| match scan_file(name) {
        StateScan::NotAState { detail, .. } => detail,
        other => panic!("{name}: {other:?}"),
    };
    let backend = detail("terraform-state/hashicorp-dot-terraform-backend-config.tfstate");
    assert!(
        backend.starts_with(
            "backend metadata for the local backend: the state itself is kept by that backend"
        ),
        "{backend}"
    );
    let lock = detail("terraform-state/redislabs-terraform.tfstate.lock.info");
    assert!(
        lock.starts_with("a lock left by `OperationTypeApply` by joshuamckenty@Joshuas-MacBook-Pro.local at 2019-09-08T08:31:02.983315Z"),
        "{lock}"
    );
    let backup =
        detail("terraform-state/pairs/kvm-lab-libvirt-foreach-tf0.12.12/terraform.tfstate.backup");
    assert!(
        backup.contains("previous state") && backup.contains("audit the current state instead"),
        "{backup}"
    );
    let plan = detail("terraform-show-json/checkov-plan-utf16le-bom-crlf.json");
    assert!(
        plan.contains("a plan, not a state") && plan.contains("without a plan file"),
        "{plan}"
    );
    assert!(
        plan.contains("Terraform 1.0.5"),
        "the UTF-16 file was decoded: {plan}"
    );
}

// ---------------------------------------------------------------------------------------------
// Encodings and line endings.

fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut out = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        out.extend(if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        });
    }
    out
}

fn origins(scan: StateScan) -> Vec<(String, Option<u32>, Option<String>)> {
    match scan {
        StateScan::State { document, .. } => document
            .instances
            .into_iter()
            .map(|i| (i.address, i.origin.line, i.origin.pointer))
            .collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn encodings_and_crlf_read_the_same() {
    let name = "terraform-state/driftctl-multi-provider-aws-azurerm-tf1.0.0.tfstate";
    let text = std::fs::read_to_string(corpus().join(name)).unwrap();
    let path = Path::new("x.tfstate");
    let expected = origins(scan_state_bytes(text.as_bytes(), path, "x.tfstate"));
    assert_eq!(expected.len(), 7);
    let crlf = text.replace('\n', "\r\n");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(crlf.as_bytes());
    for bytes in [
        crlf.as_bytes().to_vec(),
        bom,
        utf16(&crlf, true),
        utf16(&text, false),
    ] {
        assert_eq!(
            origins(scan_state_bytes(&bytes, path, "x.tfstate")),
            expected
        );
    }
}

#[test]
fn utf16_plans_are_plans() {
    for name in [
        "terraform-show-json/checkov-plan-utf16le-bom-crlf.json",
        "terraform-show-json/checkov-plan-utf16le-bom-lf-lifecycle.json",
    ] {
        let bytes = std::fs::read(corpus().join(name)).unwrap();
        assert_eq!(&bytes[..2], b"\xFF\xFE");
        assert!(matches!(
            scan_file(name),
            StateScan::NotAState {
                kind: InputKind::TerraformPlan,
                ..
            }
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic states for what the corpus lacks.

fn scan_json(value: &Value, name: &str) -> StateScan {
    let text = serde_json::to_string_pretty(value).unwrap();
    scan_state_bytes(text.as_bytes(), Path::new(name), name)
}

fn scan_text(text: &str, name: &str) -> StateScan {
    scan_state_bytes(text.as_bytes(), Path::new(name), name)
}

#[test]
fn deposed_objects_in_every_format() {
    let v4 = json!({
        "version": 4, "terraform_version": "1.5.0", "serial": 2, "lineage": "l", "outputs": {},
        "resources": [{
            "mode": "managed", "type": "aws_instance", "name": "web",
            "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
            "instances": [
                {"schema_version": 1, "attributes": {"id": "i-new"}, "create_before_destroy": true},
                {"deposed": "a1b2c3d4", "schema_version": 1, "attributes": {"id": "i-old"}, "create_before_destroy": true}
            ]
        }]
    });
    let StateScan::State {
        document, detail, ..
    } = scan_json(&v4, "v4.tfstate")
    else {
        panic!()
    };
    assert_eq!(
        addresses(&document),
        ["aws_instance.web", "aws_instance.web"]
    );
    assert_eq!(document.instances[1].deposed.as_deref(), Some("a1b2c3d4"));
    assert_eq!(document.instances[1].attributes.value()["id"], "i-old");
    assert_eq!(
        document.instances[1].origin.pointer.as_deref(),
        Some("/resources/0/instances/1")
    );
    assert_eq!(
        detail,
        "format 4, Terraform 1.5.0, serial 2, 2 resource instances (1 deposed), 0 data sources, 0 outputs"
    );

    let v3 = json!({
        "version": 3, "terraform_version": "0.11.14", "serial": 1, "lineage": "l",
        "modules": [
            {"path": ["root"], "outputs": {"ip": {"sensitive": false, "type": "string", "value": "10.0.0.1"},
                                          "pw": {"sensitive": true, "type": "string", "value": "hunter2"}},
             "resources": {}},
            {"path": ["root", "app"], "outputs": {"inner": {"sensitive": false, "type": "string", "value": "x"}},
             "resources": {"aws_instance.web.1": {
                "type": "aws_instance", "provider": "provider.aws", "depends_on": [],
                "primary": {"id": "i-new", "attributes": {"ami": "ami-1"}, "meta": {"schema_version": 1}, "tainted": true},
                "deposed": [{"id": "i-old", "attributes": {"id": "i-old", "ami": "ami-0"}, "tainted": false}]
             }}}
        ]
    });
    let StateScan::State { document, .. } = scan_json(&v3, "v3.tfstate") else {
        panic!()
    };
    assert_eq!(
        addresses(&document),
        [
            "module.app.aws_instance.web[1]",
            "module.app.aws_instance.web[1]"
        ]
    );
    let (current, old) = (&document.instances[0], &document.instances[1]);
    assert_eq!(current.status.as_deref(), Some("tainted"));
    assert_eq!(
        current.attributes.value(),
        json!({"ami": "ami-1", "id": "i-new"}),
        "id filled from primary.id"
    );
    assert_eq!(current.schema_version, Some(1));
    assert_eq!(current.module, "module.app");
    assert_eq!(old.deposed.as_deref(), Some("00000001"));
    assert_eq!(
        old.origin.pointer.as_deref(),
        Some("/modules/1/resources/aws_instance.web.1/deposed/0")
    );
    // Root outputs only, sensitive value dropped.
    assert_eq!(document.outputs.len(), 2);
    assert_eq!(document.outputs[1].value, None);

    let show = json!({
        "format_version": "1.0", "terraform_version": "1.9.0",
        "values": {"root_module": {"child_modules": [{"address": "module.a[\"x\"]", "resources": [
            {"address": "module.a[\"x\"].aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
             "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 1, "values": {"id": "i-new"},
             "sensitive_values": {}, "tainted": true},
            {"address": "module.a[\"x\"].aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
             "provider_name": "registry.terraform.io/hashicorp/aws", "values": {"id": "i-old"},
             "sensitive_values": {}, "deposed_key": "00c0ffee"}
        ]}]}}
    });
    let StateScan::State { document, .. } = scan_json(&show, "show.json") else {
        panic!()
    };
    assert_eq!(document.instances[0].status.as_deref(), Some("tainted"));
    assert_eq!(document.instances[0].module, "module.a[\"x\"]");
    assert_eq!(document.instances[1].deposed.as_deref(), Some("00c0ffee"));
}

#[test]
fn numbers_beyond_64_bits_are_kept_as_written() {
    let text = r#"{"version": 4, "resources": [{"mode": "managed", "type": "t", "name": "n", "provider": "p",
        "instances": [{"attributes": {"big": 123456789012345678901234567890, "neg": -98765432109876543210,
                                      "u64max_plus": 18446744073709551616, "float": 1.50}}]}]}"#;
    let StateScan::State { document, .. } = scan_text(text, "big.tfstate") else {
        panic!()
    };
    let attributes = &document.instances[0].attributes.value();
    assert_eq!(
        attributes["big"].to_string(),
        "123456789012345678901234567890"
    );
    assert_eq!(attributes["neg"].to_string(), "-98765432109876543210");
    assert_eq!(
        attributes["u64max_plus"].to_string(),
        "18446744073709551616"
    );
    assert_eq!(attributes["float"].to_string(), "1.50");
}

#[test]
fn dynamic_values_are_unwrapped_and_sensitive_paths_still_cover_them() {
    // As Terraform 1.11 writes a `terraform_data` whose input holds a sensitive variable.
    let text = r#"{"version": 4, "terraform_version": "1.11.4", "resources": [{"mode": "managed",
      "type": "terraform_data", "name": "secret", "provider": "provider[\"terraform.io/builtin/terraform\"]",
      "instances": [{"schema_version": 0, "attributes": {"id": "3fbb",
        "input": {"value": {"open": "visible", "pw": "hunter2"}, "type": ["object", {"open": "string", "pw": "string"}]},
        "triggers_replace": null},
      "sensitive_attributes": [[{"type": "get_attr", "value": "input"}, {"type": "get_attr", "value": "pw"}]]}]}]}"#;
    let StateScan::State { document, .. } = scan_text(text, "data.tfstate") else {
        panic!()
    };
    let object = &document.instances[0];
    assert_eq!(
        object.attributes.value()["input"],
        json!({"open": "visible", "pw": "hunter2"})
    );
    let pw = [PathStep::Key("input".into()), PathStep::Key("pw".into())];
    assert!(object.is_sensitive(&pw));
}

#[test]
fn empty_states_and_missing_members() {
    for text in [
        r#"{"version": 4, "serial": 1}"#,
        r#"{"version": 4, "resources": null, "outputs": null, "check_results": null}"#,
        r#"{"version": 4, "resources": [{"mode": "managed", "type": "t", "name": "n", "instances": []}]}"#,
        r#"{"version": 4, "resources": [{"mode": "data", "type": "t", "name": "n"}]}"#,
        r#"{"format_version": "1.0"}"#,
        r#"{"format_version": "0.1", "values": {"root_module": {}}}"#,
    ] {
        match scan_text(text, "e.tfstate") {
            StateScan::State { document, .. } => assert!(document.instances.is_empty(), "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn versions_outside_what_is_read() {
    for (text, words) in [
        (
            "{\n\"version\": 5,\n\"terraform_version\": \"2.0.0\"}",
            "state format version 5 is not supported",
        ),
        (
            "{\n\"version\": 0}",
            "state format version 0 is not supported",
        ),
        (
            "{\n\"version\": \"4\"}",
            "expected a whole number at /version, found a string",
        ),
        (
            "{\n\"format_version\": \"2.0\"}",
            "format version 2.0 is not supported",
        ),
    ] {
        match scan_text(text, "v.tfstate") {
            StateScan::Unreadable { line, detail, .. } => {
                assert_eq!(line, Some(2), "{text}");
                assert!(detail.contains(words), "{detail}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    assert!(matches!(
        scan_text("{\"hello\": 1}", "x.json"),
        StateScan::Unreadable {
            kind: InputKind::Unknown,
            line: Some(1),
            ..
        }
    ));
}

// ---------------------------------------------------------------------------------------------
// Inputs built to break a parser.

fn assert_unreadable_with_line(scan: &StateScan, context: &str) -> u32 {
    match scan {
        StateScan::Unreadable {
            line: Some(line),
            detail,
            ..
        } if !detail.is_empty() => *line,
        other => panic!("{context}: expected Unreadable with a line, got {other:?}"),
    }
}

#[test]
fn empty_and_blank_files() {
    for bytes in [&b""[..], b"   \n\t\r\n", b"\xEF\xBB\xBF", b"\xFF\xFE"] {
        let scan = scan_state_bytes(bytes, Path::new("terraform.tfstate"), "terraform.tfstate");
        assert_unreadable_with_line(&scan, &format!("{bytes:?}"));
    }
}

#[test]
fn truncated_at_every_offset() {
    for (name, step) in [
        (
            "terraform-state/hashicorp-nested-and-counted-modules.tfstate",
            1,
        ),
        (
            "terraform-state/pairs/kyn-errored-identity-tf1.14.7/errored.tfstate",
            7,
        ),
        ("terraform-state/hashicorp-roundtrip-v3-grabbag.tfstate", 3),
        (
            "terraform-state/pairs/hashicorp-show-json-state-modules/show-json-output.json",
            1,
        ),
    ] {
        let bytes = std::fs::read(corpus().join(name)).unwrap();
        let whole = String::from_utf8_lossy(&bytes).trim_end().to_string();
        for end in (0..bytes.len()).step_by(step) {
            let prefix = &bytes[..end];
            let scan = scan_state_bytes(prefix, Path::new(name), name);
            if String::from_utf8_lossy(prefix).trim_end() == whole {
                continue; // only the trailing newline was cut: still the whole state
            }
            let line = assert_unreadable_with_line(&scan, &format!("{name} cut at {end}"));
            let lines_in_prefix = prefix.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            assert!(
                line <= lines_in_prefix,
                "{name} cut at {end}: line {line} of {lines_in_prefix}"
            );
        }
    }
}

/// A small deterministic generator, so failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_bytes_and_random_damage_never_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for round in 0..400 {
        let len = (rng.next() % 3000) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let scan = scan_state_bytes(&bytes, Path::new("r.tfstate"), "r.tfstate");
        assert!(!matches!(scan, StateScan::State { .. }), "round {round}");
    }
    let state =
        std::fs::read(corpus().join("terraform-state/ucf-opentofu-1.6.2-errored.tfstate")).unwrap();
    let specials = b"{}[]\":,\\\x00\xFF0-e.tn";
    for _ in 0..400 {
        let mut damaged = state.clone();
        for _ in 0..(1 + rng.next() % 4) {
            let at = (rng.next() as usize) % damaged.len();
            damaged[at] = specials[(rng.next() as usize) % specials.len()];
        }
        let _ = scan_state_bytes(&damaged, Path::new("d.tfstate"), "d.tfstate");
    }
}

#[test]
fn deep_nesting_is_refused_without_overflow() {
    let depth = 10_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let scan = scan_text(&arrays, "deep.tfstate");
    assert_unreadable_with_line(&scan, "arrays");
    let StateScan::Unreadable { detail, .. } = &scan else {
        unreachable!()
    };
    assert!(detail.contains("nested more than 128 levels"), "{detail}");

    let attributes = format!(
        "{{\n\"version\": 4,\n\"resources\": [{{\"mode\": \"managed\", \"type\": \"t\", \"name\": \"n\",\n\
         \"instances\": [{{\"attributes\": {{\"a\":\n{}1{}}}}}]}}]}}",
        "{\"a\":".repeat(depth),
        "}".repeat(depth)
    );
    let line = assert_unreadable_with_line(&scan_text(&attributes, "deep.tfstate"), "objects");
    assert_eq!(line, 5);
    let unclosed = "[".repeat(depth * 10);
    assert_unreadable_with_line(&scan_text(&unclosed, "deep.tfstate"), "unclosed");
}

/// A small format-4 state with every member along `/resources/0/instances/0/attributes`.
fn base_state() -> Value {
    json!({
        "version": 4,
        "terraform_version": "1.9.0",
        "serial": 3,
        "lineage": "5f0e",
        "outputs": {"o": {"value": "v", "sensitive": false}},
        "resources": [{
            "module": "module.m[0]",
            "mode": "managed",
            "type": "null_resource",
            "name": "a",
            "each": "list",
            "provider": "provider[\"registry.terraform.io/hashicorp/null\"]",
            "instances": [{
                "index_key": 0,
                "status": "tainted",
                "schema_version": 0,
                "attributes": {"id": "1", "triggers": {"k": "v"}},
                "sensitive_attributes": [],
                "private": "bnVsbA==",
                "dependencies": ["null_resource.b"],
                "create_before_destroy": true
            }]
        }]
    })
}

/// Values of another JSON type than `value`'s (never null: null reads as absent).
fn wrong_types(value: &Value) -> Vec<Value> {
    match value {
        Value::Object(_) => vec![json!([1]), json!("s"), json!(7), json!(true)],
        Value::Array(_) => vec![json!({"a": 1}), json!("s"), json!(7)],
        Value::String(_) => vec![json!(7), json!(true), json!([]), json!({})],
        Value::Number(_) => vec![json!("7"), json!(false), json!([]), json!({})],
        Value::Bool(_) => vec![json!("true"), json!(1), json!([])],
        Value::Null => vec![],
    }
}

#[test]
fn a_wrong_type_at_every_level_is_located() {
    let base = base_state();
    let StateScan::State { document, .. } = scan_json(&base, "base.tfstate") else {
        panic!("base must read")
    };
    assert_eq!(addresses(&document), ["module.m[0].null_resource.a[0]"]);

    // Every container along the path, and every member of each.
    let spine = [
        "",
        "/resources",
        "/resources/0",
        "/resources/0/instances",
        "/resources/0/instances/0",
    ];
    let mut targets: Vec<String> = spine.iter().map(|p| p.to_string()).collect();
    targets.push("/resources/0/instances/0/attributes".into());
    for container in ["", "/resources/0", "/resources/0/instances/0", "/outputs/o"] {
        for key in base.pointer(container).unwrap().as_object().unwrap().keys() {
            // Members of any type: sensitive paths are read tolerantly, values are values.
            if key != "sensitive_attributes" && key != "value" {
                targets.push(format!("{container}/{key}"));
            }
        }
    }
    targets.push("/outputs/o".into());
    targets.push("/resources/0/instances/0/dependencies/0".into());
    targets.sort();
    targets.dedup();

    let mut checked = 0;
    for target in &targets {
        let original = base.pointer(target).unwrap().clone();
        let mut replacements = wrong_types(&original);
        if target.ends_with("/index_key") {
            // A string is a valid key (for_each): only objects, arrays and booleans are wrong.
            replacements.retain(|v| !v.is_string());
        }
        if target == "/resources/0/mode" {
            replacements.push(json!("resource"));
        }
        if target == "/serial" || target.ends_with("/schema_version") {
            replacements.push(json!(-1));
        }
        for replacement in replacements {
            let mut mutated = base.clone();
            *mutated.pointer_mut(target).unwrap() = replacement.clone();
            let text = serde_json::to_string_pretty(&mutated).unwrap();
            let scan = scan_state_bytes(text.as_bytes(), Path::new("m.tfstate"), "m.tfstate");
            let context = format!("{target} = {replacement}");
            let line = assert_unreadable_with_line(&scan, &context);
            let StateScan::Unreadable { detail, .. } = &scan else {
                unreachable!()
            };
            if target.is_empty() {
                assert!(detail.contains("top level"), "{context}: {detail}");
                assert_eq!(line, 1);
            } else {
                assert!(
                    detail.contains(&format!(" {target}")),
                    "{context}: {detail}"
                );
                assert_eq!(
                    Some(line),
                    expected_line(&text, target),
                    "{context}: {detail}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 80, "only {checked} mutations");
}

/// Where a pretty-printed document has the value at `pointer`: the line of its member name, or
/// for an array element the line after its array's opening (element 0 comes first).
fn expected_line(text: &str, pointer: &str) -> Option<u32> {
    let (parent, last) = pointer.rsplit_once('/')?;
    let find = |needle: &str| {
        text.lines()
            .position(|l| l.trim_start().starts_with(needle))
            .map(|i| i as u32 + 1)
    };
    if last.parse::<usize>().is_ok() {
        let array = parent.rsplit_once('/')?.1;
        find(&format!("\"{array}\": [")).map(|l| l + 1)
    } else {
        find(&format!("\"{last}\": "))
    }
}

#[test]
fn a_200_mb_state_is_read_whole() {
    let target = 200 * 1024 * 1024;
    let mut text = String::with_capacity(target + (1 << 20));
    text.push_str(
        "{\n  \"version\": 4,\n  \"terraform_version\": \"1.9.0\",\n  \"serial\": 7,\n  \"lineage\": \"big\",\n  \"outputs\": {},\n  \"resources\": [\n",
    );
    let filler = "x".repeat(1500);
    let resource = |n: usize, text: &mut String| {
        let (mode, key) = if n % 10 == 9 {
            ("data", "")
        } else {
            ("managed", "\"index_key\": 0, ")
        };
        write!(
            text,
            "    {{\n      \"mode\": \"{mode}\",\n      \"type\": \"null_resource\",\n      \"name\": \"r{n}\",\n      \
             \"provider\": \"provider[\\\"registry.terraform.io/hashicorp/null\\\"]\",\n      \"instances\": [\n        \
             {{\n          {key}\"schema_version\": 0,\n          \"attributes\": {{\n            \"id\": \"{n}\",\n            \
             \"triggers\": {{\"blob\": \"{filler}\", \"n\": \"{n}\"}}\n          }},\n          \"sensitive_attributes\": [],\n          \
             \"private\": \"bnVsbA==\"\n        }}\n      ]\n    }}"
        )
        .unwrap();
    };
    let mut one = String::new();
    resource(0, &mut one);
    let lines_per_resource = one.matches('\n').count() as u32 + 1;
    let mut count = 0;
    while text.len() < target {
        if count > 0 {
            text.push_str(",\n");
        }
        resource(count, &mut text);
        count += 1;
    }
    text.push_str("\n  ],\n  \"check_results\": null\n}\n");
    assert!(text.len() >= target);

    let started = std::time::Instant::now();
    let scan = scan_state_bytes(text.as_bytes(), Path::new("big.tfstate"), "big.tfstate");
    drop(text);
    let elapsed = started.elapsed();
    let StateScan::State {
        document, detail, ..
    } = scan
    else {
        panic!("{scan:?}")
    };
    let data = count / 10;
    assert_eq!(document.data_sources().count(), data);
    assert_eq!(document.managed().count(), count - data);
    assert!(
        detail.contains(&format!("{} resource instances", count - data)),
        "{detail}"
    );
    // Resource 0's instance object opens on line 14; every resource spans the same lines.
    for n in [0, 1, count / 2, count - 1] {
        let origin = &document.instances[n].origin;
        assert_eq!(
            origin.line,
            Some(14 + n as u32 * lines_per_resource),
            "resource {n}"
        );
        assert_eq!(
            origin.pointer.as_deref(),
            Some(format!("/resources/{n}/instances/0").as_str())
        );
    }
    assert_eq!(document.instances[5].address, "null_resource.r5[0]");
    assert_eq!(document.instances[9].address, "data.null_resource.r9");
    eprintln!("200 MB state, {count} resources, read in {elapsed:?}");
}
