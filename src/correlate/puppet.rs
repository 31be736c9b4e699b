//! Puppet nodes become host components: one per certname, described by its latest report,
//! with the facts and catalog PuppetDB (or files) gave for it.
//!
//! * **Claims.** The latest run's `configuration_version` (a full or abbreviated SHA, or the
//!   SHA at the end of an r10k-style `production-1a2b3c4`), its `code_id`, and the catalog's
//!   version when a catalog says something else. Each is bound to the branch of the node's
//!   environment (the environment's own name, the r10k convention, unless the policy's
//!   `[environments]` maps it). A version that is Puppet's default, the compile time in
//!   seconds, is no claim at all: the component says so.
//! * **Classification.** The committed `node` definitions under `manifests/` at the claimed
//!   commit (else the tip of the environment's branch): the one Puppet would pick, or none.
//! * **Changes made outside code** ([`OutsideChange`]): events Puppet marked
//!   `corrective_change`, and, between two runs of one node that applied the same
//!   configuration version, a resource the later run had to change again though the earlier
//!   one left it in sync.
//! * **Deployed files.** A file the latest run wrote whose catalog entry takes it from a
//!   static module `source`: its new checksum becomes a content claim on that module file, for
//!   PV005. Templates and inline content render per node and are never compared.

use super::identity::{HostNode, Key};
use crate::git::{GitIndex, Resolution};
use crate::model::id::component_id;
use crate::model::{Claim, ClaimKind, Component, ComponentKind, Location};
use crate::policy::Policy;
use crate::scan::puppet::catalog::module_file;
use crate::scan::puppet::facts::identity_values;
use crate::scan::puppet::nodes::{classify, definitions, NodeDefinition};
use crate::scan::puppet::{NodeCatalog, NodeFacts, NodeReport, PuppetScan, ResourceStatus};
use std::collections::{BTreeMap, HashMap};

/// Property keys a Puppet node component carries.
pub const CERTNAME: &str = "puppet.certname";
pub const ENVIRONMENT: &str = "puppet.environment";
pub const BRANCH: &str = "puppet.branch";
pub const REPORT: &str = "puppet.report";
pub const REPORT_TIME: &str = "puppet.report_time";
pub const REPORTS: &str = "puppet.reports";
pub const CONFIGURATION_VERSION: &str = "puppet.configuration_version";
pub const VERSION_NOTE: &str = "puppet.version_note";
pub const PUPPET_VERSION: &str = "puppet.puppet_version";
pub const STATUS: &str = "puppet.status";
pub const FACTS: &str = "puppet.facts";
pub const CATALOG: &str = "puppet.catalog";
/// The node definition that classifies the node, or why none does.
pub const CLASSIFICATION: &str = "puppet.classification";
/// `yes`, `no`, or `not checked`.
pub const CLASSIFIED: &str = "puppet.classified";

/// A change Puppet made that code did not ask for: the resource was changed outside code and
/// Puppet put it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideChange {
    pub certname: String,
    /// `File[/etc/motd]`.
    pub resource: String,
    /// The manifest that declares the resource, and the line.
    pub manifest: Option<String>,
    pub manifest_line: Option<u32>,
    pub property: Option<String>,
    /// Values as text; `[redacted]` when Puppet marked them sensitive.
    pub previous_value: Option<String>,
    pub desired_value: Option<String>,
    /// Where in which report the event is.
    pub at: Location,
    pub configuration_version: Option<String>,
    pub run_time: Option<String>,
    /// For an inferred change, the earlier run (same configuration version) that left the
    /// resource in sync: where its report is, and when it ran.
    pub inferred_from: Option<(Location, Option<String>)>,
}

/// Host nodes for the identity merge, and the changes made outside code.
pub struct PuppetNodes {
    pub hosts: Vec<HostNode>,
    pub outside_changes: Vec<OutsideChange>,
}

/// Builds a host node per certname from everything Puppet gave.
pub fn nodes_from_puppet(scan: &PuppetScan, policy: &Policy, index: &GitIndex) -> PuppetNodes {
    let mut runs: BTreeMap<String, Vec<&NodeReport>> = BTreeMap::new();
    for report in &scan.reports {
        runs.entry(report.certname.to_ascii_lowercase())
            .or_default()
            .push(report);
    }
    for list in runs.values_mut() {
        list.sort_by(|a, b| (a.instant, &a.time, &a.origin).cmp(&(b.instant, &b.time, &b.origin)));
    }
    let facts: HashMap<String, &NodeFacts> = scan
        .facts
        .iter()
        .map(|f| (f.certname.to_ascii_lowercase(), f))
        .collect();
    let catalogs: HashMap<String, &NodeCatalog> = scan
        .catalogs
        .iter()
        .map(|c| (c.certname.to_ascii_lowercase(), c))
        .collect();
    let mut classifier = Classifier::new(index);
    let pattern = policy
        .puppet_version_pattern
        .as_deref()
        .and_then(|p| regex::Regex::new(p).ok());
    let mut hosts = Vec::new();
    let mut outside_changes = Vec::new();
    for (name, list) in &runs {
        let latest = list.last().expect("every certname has a report");
        outside_changes.extend(outside_changes_of(list));
        hosts.push(node(
            latest,
            list.len(),
            facts.get(name).copied(),
            catalogs.get(name).copied(),
            policy,
            pattern.as_ref(),
            &mut classifier,
        ));
    }
    // Facts of nodes that sent no report still describe machines that report in.
    for (name, node_facts) in &facts {
        if runs.contains_key(name) {
            continue;
        }
        let report = NodeReport {
            certname: node_facts.certname.clone(),
            environment: node_facts.environment.clone(),
            origin: node_facts.origin.clone(),
            ..NodeReport::default()
        };
        hosts.push(node(
            &report,
            0,
            Some(node_facts),
            catalogs.get(name).copied(),
            policy,
            pattern.as_ref(),
            &mut classifier,
        ));
    }
    hosts.sort_by(|a, b| a.name.cmp(&b.name));
    outside_changes.sort_by(|a, b| (&a.at, &a.resource).cmp(&(&b.at, &b.resource)));
    PuppetNodes {
        hosts,
        outside_changes,
    }
}

fn node(
    report: &NodeReport,
    runs: usize,
    facts: Option<&NodeFacts>,
    catalog: Option<&NodeCatalog>,
    policy: &Policy,
    pattern: Option<&regex::Regex>,
    classifier: &mut Classifier<'_>,
) -> HostNode {
    let certname = report.certname.clone();
    let mut labels = vec![certname.clone()];
    let mut keys = vec![Key::new(&certname, "certname")];
    if let Some(facts) = facts {
        for (value, source) in identity_values(facts) {
            let label =
                source == "fqdn" || source == "networking.ip" || source.contains("instance");
            if label && !labels.iter().any(|l| l.eq_ignore_ascii_case(&value)) {
                labels.push(value.clone());
            }
            keys.push(Key::new(&value, &source));
        }
    }
    let environment = report
        .environment
        .clone()
        .or_else(|| facts.and_then(|f| f.environment.clone()))
        .or_else(|| catalog.and_then(|c| c.environment.clone()));
    let branch = environment.as_ref().map(|env| {
        policy
            .environment_branches
            .get(env)
            .cloned()
            .unwrap_or_else(|| env.clone())
    });
    let mut properties = BTreeMap::new();
    properties.insert(CERTNAME.to_string(), certname.clone());
    let mut set = |key: &str, value: Option<&String>| {
        if let Some(v) = value {
            properties.insert(key.to_string(), v.clone());
        }
    };
    set(ENVIRONMENT, environment.as_ref());
    set(BRANCH, branch.as_ref());
    set(CONFIGURATION_VERSION, report.configuration_version.as_ref());
    set(REPORT_TIME, report.time.as_ref());
    set(PUPPET_VERSION, report.puppet_version.as_ref());
    set(STATUS, report.status.as_ref());
    if runs > 0 {
        properties.insert(REPORT.to_string(), report.origin.path.clone());
        properties.insert(REPORTS.to_string(), runs.to_string());
    }
    if let Some(f) = facts {
        properties.insert(FACTS.to_string(), f.origin.path.clone());
    }
    if let Some(c) = catalog {
        properties.insert(CATALOG.to_string(), c.origin.path.clone());
    }

    let mut claims = Vec::new();
    let mut claim = |value: String, key: &str| {
        if !claims
            .iter()
            .any(|c: &Claim| c.value.eq_ignore_ascii_case(&value))
        {
            claims.push(Claim {
                kind: ClaimKind::Commit,
                value,
                key: key.to_string(),
                origin: report.origin.clone(),
                branch: branch.clone(),
            });
        }
    };
    match report
        .configuration_version
        .as_deref()
        .map(|v| version_claim(v, report, pattern))
    {
        Some(VersionClaim::Commit(sha)) => claim(sha, "configuration_version"),
        Some(VersionClaim::CompileTime) => {
            properties.insert(
                VERSION_NOTE.to_string(),
                "configuration_version is Puppet's default, the compile time in seconds, not a \
                 commit: set config_version in the environment's environment.conf to print the \
                 control repository's commit"
                    .into(),
            );
        }
        Some(VersionClaim::Unrecognised) => {
            properties.insert(
                VERSION_NOTE.to_string(),
                "configuration_version names no commit provenant can read".into(),
            );
        }
        None => {}
    }
    for (value, key) in [
        (report.code_id.as_deref(), "code_id"),
        (
            catalog.and_then(|c| c.code_id.as_deref()),
            "catalog.code_id",
        ),
        (
            catalog.and_then(|c| c.version.as_deref()),
            "catalog.version",
        ),
    ] {
        if let Some(VersionClaim::Commit(sha)) = value.map(|v| version_claim(v, report, pattern)) {
            claim(sha, key);
        }
    }
    if let Some(catalog) = catalog {
        claims.extend(deployed_files(report, catalog));
    }

    let at = claims
        .iter()
        .find(|c| c.kind == ClaimKind::Commit)
        .map(|c| c.value.clone());
    let (classified, classification) =
        classifier.classify(&certname, at.as_deref(), branch.as_deref());
    properties.insert(CLASSIFIED.to_string(), classified.to_string());
    properties.insert(CLASSIFICATION.to_string(), classification);

    HostNode {
        component: Component {
            id: component_id("host", &["puppet", &certname.to_ascii_lowercase()]),
            kind: ComponentKind::Host,
            labels,
            origin: report.origin.clone(),
            claims,
            traces: Vec::new(),
            properties,
            declared_at: None,
            config: None,
        },
        keys,
        name: certname,
        from_facts: true,
    }
}

/// What a version string says.
#[derive(Debug, PartialEq, Eq)]
pub enum VersionClaim {
    Commit(String),
    /// Puppet's default version: the catalog's compile time, seconds since the epoch.
    CompileTime,
    Unrecognised,
}

/// Reads a `configuration_version` or `code_id` as Puppet wrote it: a full or abbreviated
/// SHA (digits-only too), the SHA ending an r10k-style `production-1a2b3c4`, or Puppet's
/// default compile time (digits within a week of the run).
pub fn version_claim(
    value: &str,
    report: &NodeReport,
    pattern: Option<&regex::Regex>,
) -> VersionClaim {
    let value = value.trim();
    let is_sha = |s: &str| (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit());
    // The policy's pattern first: its first group (else its whole match) is the commit.
    if let Some(found) = pattern.and_then(|p| p.captures(value)) {
        let text = found.get(1).or_else(|| found.get(0)).map(|m| m.as_str());
        if let Some(sha) = text.filter(|t| is_sha(t)) {
            return VersionClaim::Commit(sha.to_ascii_lowercase());
        }
    }
    if value.bytes().all(|b| b.is_ascii_digit()) && !value.starts_with('0') {
        if let (Ok(seconds), Some((run, _))) = (value.parse::<i64>(), report.instant) {
            if (seconds - run).abs() <= 7 * 86_400 {
                return VersionClaim::CompileTime;
            }
        }
    }
    if is_sha(value) {
        return VersionClaim::Commit(value.to_ascii_lowercase());
    }
    match value.rsplit(['-', '_', ' ', '/', ':', '@']).next() {
        Some(tail) if tail.len() < value.len() && is_sha(tail) => {
            VersionClaim::Commit(tail.to_ascii_lowercase())
        }
        _ => VersionClaim::Unrecognised,
    }
}

/// Content claims for the files the run wrote from a static module source.
fn deployed_files(report: &NodeReport, catalog: &NodeCatalog) -> Vec<Claim> {
    let mut out = Vec::new();
    for resource in report
        .resources
        .iter()
        .filter(|r| r.resource_type == "File")
    {
        let Some(source) = catalog.static_sources.get(&resource.title) else {
            continue;
        };
        let Some(module_path) = module_file(source) else {
            continue;
        };
        let Some(digest) = written_checksum(resource) else {
            continue;
        };
        let key = format!(
            "puppet.files[{}]",
            serde_json::to_string(&resource.title).unwrap_or_default()
        );
        out.push(Claim {
            kind: ClaimKind::ContentDigest,
            value: digest,
            key: key.clone(),
            origin: resource.origin.clone(),
            branch: None,
        });
        out.push(Claim {
            kind: ClaimKind::SourcePath,
            value: module_path,
            key,
            origin: catalog.origin.clone(),
            branch: None,
        });
    }
    out
}

/// The checksum of the content a run wrote to a file, as `algorithm:hex`: from the content
/// event's desired value (`{sha256}...`, possibly base64-encoded as Puppet 7 writes binary
/// strings), else from its message (`content changed '{md5}a' to '{md5}b'`).
pub fn written_checksum(resource: &ResourceStatus) -> Option<String> {
    for event in resource.events.iter().filter(|e| e.applied()) {
        let property = event.property.as_deref();
        if property != Some("content") && property != Some("ensure") {
            continue;
        }
        let from_value = event.desired_value.as_deref().and_then(checksum_text);
        let from_message = event.message.as_deref().and_then(|m| {
            let start = m.rfind("'{")? + 1;
            checksum_text(m[start..].trim_end_matches('\''))
        });
        if let Some(found) = from_value.or(from_message) {
            return Some(found);
        }
    }
    None
}

/// `{sha256}ab12...` (or its base64) as `sha256:ab12...`; checksums that hash only part of a
/// file (`sha256lite`) or are times (`mtime`) say nothing about content and are left out.
fn checksum_text(value: &str) -> Option<String> {
    let decoded;
    let text = if value.starts_with('{') {
        value
    } else {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()?;
        decoded = String::from_utf8(bytes).ok()?;
        decoded.as_str()
    };
    let (algorithm, hex) = text.strip_prefix('{')?.split_once('}')?;
    let algorithm = algorithm.to_ascii_lowercase();
    let comparable = matches!(
        algorithm.as_str(),
        "md5" | "sha1" | "sha224" | "sha256" | "sha384" | "sha512"
    );
    (comparable && !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("{algorithm}:{}", hex.to_ascii_lowercase()))
}

/// Changes made outside code, from a node's runs in time order.
fn outside_changes_of(runs: &[&NodeReport]) -> Vec<OutsideChange> {
    let mut out = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| runs[p]);
        for resource in &run.resources {
            let marked = resource.corrective_change == Some(true)
                || resource
                    .events
                    .iter()
                    .any(|e| e.corrective_change == Some(true));
            let inferred = !marked
                && resource.applied_change()
                && !run.noop
                && previous.is_some_and(|p| left_in_sync(p, run, resource));
            if !marked && !inferred {
                continue;
            }
            let event = resource
                .events
                .iter()
                .find(|e| e.corrective_change == Some(true))
                .or_else(|| resource.events.iter().find(|e| e.applied()));
            let redacted = event.is_some_and(|e| e.redacted);
            let value = |v: Option<&String>| {
                if redacted {
                    v.map(|_| "[redacted]".to_string())
                } else {
                    v.cloned()
                }
            };
            out.push(OutsideChange {
                certname: run.certname.clone(),
                resource: resource.reference(),
                manifest: resource.file.clone(),
                manifest_line: resource.line,
                property: event.and_then(|e| e.property.clone()),
                previous_value: value(event.and_then(|e| e.previous_value.as_ref())),
                desired_value: value(event.and_then(|e| e.desired_value.as_ref())),
                at: resource.origin.clone(),
                configuration_version: run.configuration_version.clone(),
                run_time: run.time.clone(),
                inferred_from: inferred.then(|| {
                    let p = previous.expect("inferred needs a previous run");
                    (p.origin.clone(), p.time.clone())
                }),
            });
        }
    }
    out
}

/// Whether `earlier`, a run of the same configuration version as `later`, left `resource` in
/// sync: it evaluated the resource (or lists only events, so silence is sync) and changed
/// nothing about it. A resource both runs changed is one that changes on every run (an exec
/// without a guard, a notify), not one changed outside code.
fn left_in_sync(earlier: &NodeReport, later: &NodeReport, resource: &ResourceStatus) -> bool {
    let same_version = match (&earlier.configuration_version, &later.configuration_version) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    };
    if !same_version {
        return false;
    }
    match earlier
        .resources
        .iter()
        .find(|r| r.resource_type == resource.resource_type && r.title == resource.title)
    {
        Some(before) => {
            !before.applied_change()
                && !before
                    .events
                    .iter()
                    .any(|e| e.status.as_deref() == Some("failure"))
        }
        None => earlier.events_only,
    }
}

/// Reads the committed node definitions, once per commit.
struct Classifier<'a> {
    index: &'a GitIndex,
    reader: Option<crate::git::TreeReader>,
    by_commit: HashMap<crate::git::ObjectId, Vec<NodeDefinition>>,
}

impl<'a> Classifier<'a> {
    fn new(index: &'a GitIndex) -> Self {
        Classifier {
            index,
            reader: index.tree_reader().ok(),
            by_commit: HashMap::new(),
        }
    }

    /// (`yes`/`no`/`not checked`, what classifies the node or why nothing does).
    fn classify(
        &mut self,
        certname: &str,
        claimed: Option<&str>,
        branch: Option<&str>,
    ) -> (&'static str, String) {
        let commit = claimed
            .and_then(|c| match self.index.resolve(c) {
                Resolution::Commit { id, .. } => Some(id),
                _ => None,
            })
            .or_else(|| {
                let name = super::traces::branch_ref(self.index, branch?)?;
                self.index
                    .branch_tip(&name)
                    .or_else(|| self.index.release_tip().filter(|_| self.is_release(&name)))
            })
            .or_else(|| self.index.release_tip());
        let Some(commit) = commit else {
            return ("not checked", "no commit to read manifests/ at".into());
        };
        let definitions = self.definitions(commit);
        if definitions.is_empty() {
            return (
                "not checked",
                format!(
                    "no node definitions in manifests/ at {} (classification by an ENC or Hiera?)",
                    commit.short()
                ),
            );
        }
        match classify(definitions, certname) {
            Some(d) => ("yes", format!("{} at {}", d.describe(), commit.short())),
            None => (
                "no",
                format!(
                    "no node definition in manifests/ at {} matches {certname}, and there is no \
                     `node default`",
                    commit.short()
                ),
            ),
        }
    }

    fn is_release(&self, name: &str) -> bool {
        self.index.release_branches().iter().any(|b| b.name == name)
    }

    fn definitions(&mut self, commit: crate::git::ObjectId) -> &[NodeDefinition] {
        if !self.by_commit.contains_key(&commit) {
            let found = self.read(commit);
            self.by_commit.insert(commit, found);
        }
        &self.by_commit[&commit]
    }

    fn read(&mut self, commit: crate::git::ObjectId) -> Vec<NodeDefinition> {
        let (Some(reader), Some(root)) = (self.reader.as_mut(), self.index.commit_tree(&commit))
        else {
            return Vec::new();
        };
        let Some(dir) = reader.dir_at(root, "manifests") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (path, id) in reader.files(dir) {
            if !path.ends_with(".pp") {
                continue;
            }
            if let Some(bytes) = reader.blob(id) {
                out.extend(definitions(
                    &String::from_utf8_lossy(&bytes),
                    &format!("manifests/{path}"),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_at(time: &str) -> NodeReport {
        NodeReport {
            instant: crate::scan::puppet::report::parse_instant(time),
            time: Some(time.into()),
            ..NodeReport::default()
        }
    }

    #[test]
    fn versions_read_as_puppet_and_r10k_write_them() {
        let run = run_at("2021-06-28T12:17:48Z");
        let commit = |s: &str| VersionClaim::Commit(s.into());
        let claim = |v: &str| version_claim(v, &run, None);
        assert_eq!(claim("1624882680"), VersionClaim::CompileTime);
        assert_eq!(claim("1234567"), commit("1234567"));
        assert_eq!(claim("0012345"), commit("0012345"));
        assert_eq!(claim("12e4567"), commit("12e4567"));
        assert_eq!(claim("production-1A2B3C4"), commit("1a2b3c4"));
        assert_eq!(claim("12345"), VersionClaim::Unrecognised);
        assert_eq!(claim("v1.2"), VersionClaim::Unrecognised);
        let pattern = regex::Regex::new(r"^built ([0-9a-f]+) by ci$").unwrap();
        assert_eq!(
            version_claim("built 9f3c2d1e by ci", &run, Some(&pattern)),
            commit("9f3c2d1e")
        );
    }

    #[test]
    fn checksums_come_from_desired_values_in_either_encoding() {
        assert_eq!(
            checksum_text("{sha256}ABcd").as_deref(),
            Some("sha256:abcd")
        );
        // Puppet 7 writes the binary string base64-encoded.
        assert_eq!(
            checksum_text("e3NoYTI1Nn01ODY2MjJjMjY1ODliNjA2MGY1MDg1Nzg3OWM5ODViYWJkYmMxMDg3ZjFiYWE3MzUwMzdmZmZiNTBjMTQ3MjBh").as_deref(),
            Some("sha256:586622c26589b6060f50857879c985babdbc1087f1baa735037fffb50c14720a")
        );
        assert_eq!(checksum_text("{mtime}2021-01-01"), None);
        assert_eq!(checksum_text("{sha256lite}abcd"), None);
        assert_eq!(checksum_text("file"), None);
    }
}
