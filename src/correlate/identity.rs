//! Identity resolution: observations of the same machine become one component. A fact cache
//! entry joins the inventory host of the same name (else the one whose address or name its
//! facts share); a host then joins the Terraform resource instance whose identity attributes
//! hold one of the host's names, addresses or instance ids.
//!
//! Which resource attributes identify a machine is data: [`DEFAULT_IDENTITY_ATTRIBUTES`] per
//! resource type, extended by the policy's `[identity]` table. A path is dotted, `*` standing
//! for every element of a list or value of a map (`network_interface.*.network_ip`).
//!
//! A match is only taken when it is unambiguous both ways: a host that matches two resources,
//! or a resource that two hosts match, is merged with none of them, and every component
//! involved says so in its `identity.conflict` property. Values that name no machine in
//! particular (`localhost`, loopback and link-local addresses) never match.

use crate::model::{Component, PathStep, ResourceInstance, StateDocument};
use crate::policy::Policy;
use rayon::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Identity attributes per resource type: the machines Terraform creates that Ansible then
/// configures.
pub const DEFAULT_IDENTITY_ATTRIBUTES: &[(&str, &[&str])] = &[
    (
        "aws_instance",
        &[
            "id",
            "private_ip",
            "public_ip",
            "private_dns",
            "public_dns",
            "tags.Name",
            "secondary_private_ips.*",
            "ipv6_addresses.*",
        ],
    ),
    (
        "google_compute_instance",
        &[
            "name",
            "instance_id",
            "hostname",
            "network_interface.*.network_ip",
            "network_interface.*.access_config.*.nat_ip",
        ],
    ),
    (
        "azurerm_linux_virtual_machine",
        &[
            "name",
            "computer_name",
            "virtual_machine_id",
            "private_ip_address",
            "public_ip_address",
            "private_ip_addresses.*",
            "public_ip_addresses.*",
        ],
    ),
    (
        "azurerm_windows_virtual_machine",
        &[
            "name",
            "computer_name",
            "virtual_machine_id",
            "private_ip_address",
            "public_ip_address",
            "private_ip_addresses.*",
            "public_ip_addresses.*",
        ],
    ),
    (
        "digitalocean_droplet",
        &[
            "id",
            "name",
            "ipv4_address",
            "ipv4_address_private",
            "ipv6_address",
        ],
    ),
    (
        "hcloud_server",
        &["id", "name", "ipv4_address", "ipv6_address", "network.*.ip"],
    ),
    (
        "openstack_compute_instance_v2",
        &[
            "id",
            "name",
            "access_ip_v4",
            "access_ip_v6",
            "network.*.fixed_ip_v4",
            "network.*.fixed_ip_v6",
        ],
    ),
    (
        "vsphere_virtual_machine",
        &[
            "name",
            "uuid",
            "moid",
            "default_ip_address",
            "guest_ip_addresses.*",
        ],
    ),
    (
        "libvirt_domain",
        &[
            "name",
            "network_interface.*.addresses.*",
            "network_interface.*.hostname",
        ],
    ),
    (
        "proxmox_vm_qemu",
        &["name", "default_ipv4_address", "ssh_host"],
    ),
    (
        "terraform_data",
        &["input", "input.*", "output", "output.*"],
    ),
    ("null_resource", &["triggers.*"]),
];

/// Property keys set by identity resolution.
pub const MATCH: &str = "identity.match";
pub const CONFLICT: &str = "identity.conflict";

/// One value a component can be recognised by, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Trimmed and lower-cased.
    pub value: String,
    /// The attribute, variable or fact that holds it (`private_ip`, `ansible_host`).
    pub source: String,
}

impl Key {
    pub fn new(value: &str, source: &str) -> Key {
        Key {
            value: value.trim().to_ascii_lowercase(),
            source: source.to_string(),
        }
    }

    /// Whether the value names one machine: not empty, not a loopback or link-local address,
    /// not `localhost` or a placeholder.
    fn is_distinctive(&self) -> bool {
        let v = self.value.as_str();
        !(v.is_empty()
            || matches!(
                v,
                "none" | "null" | "localhost" | "localhost.localdomain" | "::1" | "0.0.0.0" | "::"
            )
            || v.starts_with("127.")
            || v.starts_with("169.254.")
            || v.starts_with("fe80:"))
    }
}

/// A host component on its way to the report, with the keys it may be recognised by.
#[derive(Debug, Clone)]
pub struct HostNode {
    pub component: Component,
    pub keys: Vec<Key>,
    /// The inventory host name or fact cache name.
    pub name: String,
    pub from_facts: bool,
}

/// The identity keys of one Terraform component.
#[derive(Debug, Clone)]
pub struct ResourceKeys {
    pub component_id: String,
    pub keys: Vec<Key>,
}

/// The identity keys of the components of one state, given in the order
/// `components_from_state` made them (one per managed instance).
pub fn resource_keys(
    document: &StateDocument,
    components: &[Component],
    policy: &Policy,
) -> Vec<ResourceKeys> {
    document
        .managed()
        .zip(components)
        .filter_map(|(instance, component)| {
            let keys = instance_keys(instance, policy);
            (!keys.is_empty()).then(|| ResourceKeys {
                component_id: component.id.clone(),
                keys,
            })
        })
        .collect()
}

/// The identity attribute paths for a resource type: defaults, then the policy's.
fn attribute_paths<'p>(resource_type: &str, policy: &'p Policy) -> Vec<&'p str> {
    let mut paths: Vec<&str> = DEFAULT_IDENTITY_ATTRIBUTES
        .iter()
        .filter(|(t, _)| *t == resource_type)
        .flat_map(|(_, paths)| paths.iter().copied())
        .collect();
    if let Some(extra) = policy.identity_keys.get(resource_type) {
        paths.extend(extra.iter().map(String::as_str));
    }
    paths
}

fn instance_keys(instance: &ResourceInstance, policy: &Policy) -> Vec<Key> {
    let mut keys = Vec::new();
    let paths = attribute_paths(&instance.resource_type, policy);
    if paths.is_empty() {
        return keys;
    }
    let attributes = instance.attributes.value();
    for path in paths {
        let pattern: Vec<&str> = path.split('.').collect();
        let mut found = Vec::new();
        collect(&attributes, &pattern, &mut Vec::new(), &mut found);
        if found.is_empty() {
            flat_collect(&attributes, &pattern, &mut found);
        }
        for (steps, value) in found {
            if instance.is_sensitive(&steps) || steps.iter().any(is_secret_step) {
                continue;
            }
            let key = Key::new(&value, path);
            if key.is_distinctive() && !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

fn is_secret_step(step: &PathStep) -> bool {
    matches!(step, PathStep::Key(k) if super::is_secret_key(k))
}

/// Values at `pattern` below `value`, with their concrete paths.
fn collect(
    value: &Value,
    pattern: &[&str],
    path: &mut Vec<PathStep>,
    out: &mut Vec<(Vec<PathStep>, String)>,
) {
    let Some((first, rest)) = pattern.split_first() else {
        match value {
            Value::String(s) => out.push((path.clone(), s.clone())),
            Value::Number(n) => out.push((path.clone(), n.to_string())),
            _ => {}
        }
        return;
    };
    match (value, *first) {
        (Value::Array(items), "*") => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i as u64));
                collect(item, rest, path, out);
                path.pop();
            }
        }
        (Value::Object(map), "*") => {
            for (k, v) in map {
                path.push(PathStep::Key(k.clone()));
                collect(v, rest, path, out);
                path.pop();
            }
        }
        (Value::Object(map), key) => {
            if let Some(v) = map.get(key) {
                path.push(PathStep::Key(key.to_string()));
                collect(v, rest, path, out);
                path.pop();
            }
        }
        (Value::Array(items), index) => {
            if let Some(v) = index.parse::<usize>().ok().and_then(|i| items.get(i)) {
                path.push(PathStep::Index(index.parse().unwrap_or(0)));
                collect(v, rest, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Flat-map attributes (state format 3, `attributes_flat`): `network_interface.0.network_ip`
/// as one key. Count entries (`tags.%`, `list.#`) are not values.
fn flat_collect(value: &Value, pattern: &[&str], out: &mut Vec<(Vec<PathStep>, String)>) {
    let Value::Object(map) = value else { return };
    for (key, v) in map {
        let Value::String(s) = v else { continue };
        let segments: Vec<&str> = key.split('.').collect();
        if segments.len() < 2 || segments.len() != pattern.len() {
            continue;
        }
        if matches!(segments.last(), Some(&"%") | Some(&"#")) {
            continue;
        }
        if segments
            .iter()
            .zip(pattern)
            .all(|(s, p)| *p == "*" || s == p)
        {
            out.push((vec![PathStep::Key(key.clone())], s.clone()));
        }
    }
}

/// Joins fact hosts to inventory hosts, then hosts to Terraform components, and appends the
/// hosts that joined nothing to `components`.
pub fn merge(components: &mut Vec<Component>, hosts: Vec<HostNode>, resources: &[ResourceKeys]) {
    let hosts = join_facts(hosts);
    let index: HashMap<String, usize> = components
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    let mut by_value: HashMap<&str, Vec<(usize, &Key)>> = HashMap::new();
    for (r, resource) in resources.iter().enumerate() {
        for key in &resource.keys {
            by_value
                .entry(key.value.as_str())
                .or_default()
                .push((r, key));
        }
    }
    // For each host, the resources it matches and the first evidence of each match; hosts on
    // every thread.
    let matches: Vec<BTreeMap<usize, String>> = hosts
        .par_iter()
        .map(|host| {
            let mut found: BTreeMap<usize, Vec<String>> = BTreeMap::new();
            for key in host.keys.iter().filter(|k| k.is_distinctive()) {
                for (r, resource_key) in by_value.get(key.value.as_str()).into_iter().flatten() {
                    let evidence =
                        format!("{} = {} ({})", resource_key.source, key.source, key.value);
                    let all = found.entry(*r).or_default();
                    if !all.contains(&evidence) {
                        all.push(evidence);
                    }
                }
            }
            found
                .into_iter()
                .map(|(r, evidence)| (r, format!("{}: {}", host.name, evidence.join(", "))))
                .collect::<BTreeMap<usize, String>>()
        })
        .collect();
    let mut hosts_per_resource: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (h, found) in matches.iter().enumerate() {
        for &r in found.keys() {
            hosts_per_resource.entry(r).or_default().push(h);
        }
    }
    let name_of = |r: usize| -> String {
        index
            .get(resources[r].component_id.as_str())
            .map(|&i| components[i].display_name().to_string())
            .unwrap_or_else(|| resources[r].component_id.clone())
    };
    let mut merges: Vec<(usize, usize, String)> = Vec::new();
    let mut conflicts: Vec<(usize, Option<usize>, String)> = Vec::new();
    for (h, found) in matches.iter().enumerate() {
        match found.len() {
            0 => {}
            1 => {
                let (&r, evidence) = found.iter().next().expect("one match");
                let rivals = &hosts_per_resource[&r];
                if rivals.len() == 1 {
                    merges.push((h, r, evidence.clone()));
                } else {
                    let names: Vec<&str> = rivals.iter().map(|&x| hosts[x].name.as_str()).collect();
                    let message = format!(
                        "{} is matched by several hosts ({}): merged with none",
                        name_of(r),
                        names.join(", ")
                    );
                    conflicts.push((h, Some(r), message));
                }
            }
            _ => {
                let listed: Vec<String> = found
                    .iter()
                    .map(|(&r, evidence)| format!("{} ({evidence})", name_of(r)))
                    .collect();
                conflicts.push((
                    h,
                    None,
                    format!(
                        "{} matches several resources: {}; merged with none",
                        hosts[h].name,
                        listed.join(" and ")
                    ),
                ));
            }
        }
    }
    let mut hosts: Vec<Option<HostNode>> = hosts.into_iter().map(Some).collect();
    for (h, r, message) in conflicts {
        if let Some(host) = hosts[h].as_mut() {
            add_conflict(&mut host.component, &message);
        }
        if let Some(&i) = r.and_then(|r| index.get(&resources[r].component_id)) {
            add_conflict(&mut components[i], &message);
        }
    }
    for (h, r, evidence) in merges {
        let Some(host) = hosts[h].take() else {
            continue;
        };
        let Some(&i) = index.get(&resources[r].component_id) else {
            hosts[h] = Some(host);
            continue;
        };
        absorb(&mut components[i], host.component, &evidence);
    }
    components.extend(hosts.into_iter().flatten().map(|h| h.component));
}

fn add_conflict(component: &mut Component, message: &str) {
    let entry = component
        .properties
        .entry(CONFLICT.to_string())
        .or_default();
    if !entry.split("; ").any(|m| m == message) {
        if !entry.is_empty() {
            entry.push_str("; ");
        }
        entry.push_str(message);
    }
}

/// `into` takes `other`'s labels, claims and properties.
fn absorb(into: &mut Component, other: Component, evidence: &str) {
    for label in other.labels {
        if !into.labels.contains(&label) {
            into.labels.push(label);
        }
    }
    for claim in other.claims {
        if !into.claims.contains(&claim) {
            into.claims.push(claim);
        }
    }
    for (key, value) in other.properties {
        match into.properties.get_mut(&key) {
            Some(existing) if *existing != value && key == CONFLICT => {
                existing.push_str("; ");
                existing.push_str(&value);
            }
            Some(_) => {}
            None => {
                into.properties.insert(key, value);
            }
        }
    }
    let entry = into.properties.entry(MATCH.to_string()).or_default();
    if !entry.is_empty() {
        entry.push_str("; ");
    }
    entry.push_str(evidence);
}

/// Fact hosts join the inventory host of the same name, else the one sharing a key; a fact
/// host that could join several joins none.
fn join_facts(hosts: Vec<HostNode>) -> Vec<HostNode> {
    let (mut inventory, facts): (Vec<HostNode>, Vec<HostNode>) =
        hosts.into_iter().partition(|h| !h.from_facts);
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_key: HashMap<String, BTreeSet<usize>> = HashMap::new();
    for (i, host) in inventory.iter().enumerate() {
        by_name
            .entry(host.name.to_ascii_lowercase())
            .or_default()
            .push(i);
        for key in host.keys.iter().filter(|k| k.is_distinctive()) {
            by_key.entry(key.value.clone()).or_default().insert(i);
        }
    }
    let mut alone = Vec::new();
    for mut fact in facts {
        let mut candidates: Vec<usize> = by_name
            .get(&fact.name.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default();
        let mut evidence = format!("fact cache name {} = inventory name", fact.name);
        if candidates.is_empty() {
            let mut found = BTreeSet::new();
            for key in fact.keys.iter().filter(|k| k.is_distinctive()) {
                if let Some(hosts) = by_key.get(&key.value) {
                    if found.is_empty() {
                        evidence = format!("{} {} of the facts", key.source, key.value);
                    }
                    found.extend(hosts.iter().copied());
                }
            }
            candidates = found.into_iter().collect();
        }
        match candidates.as_slice() {
            [one] => {
                let host = &mut inventory[*one];
                let facts_match = format!("facts {}: {evidence}", fact.component.origin.path);
                host.keys.append(&mut fact.keys);
                let mut component = fact.component;
                component
                    .properties
                    .insert("identity.facts".into(), facts_match);
                absorb_facts(&mut host.component, component);
            }
            [] => alone.push(fact),
            several => {
                let names: Vec<String> = several
                    .iter()
                    .map(|&i| {
                        format!(
                            "{} ({})",
                            inventory[i].name,
                            inventory[i]
                                .component
                                .properties
                                .get(super::hosts::INVENTORY)
                                .cloned()
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                add_conflict(
                    &mut fact.component,
                    &format!(
                        "the facts of {} match several inventory hosts: {}; merged with none",
                        fact.name,
                        names.join(", ")
                    ),
                );
                alone.push(fact);
            }
        }
    }
    inventory.extend(join_reporters(alone));
    inventory
}

/// Hosts that report in without an inventory entry: a Puppet node joins the one Ansible fact
/// host of the same machine (same name, else a shared name, address or instance id), so the
/// machine is one component before it meets the Terraform resources.
fn join_reporters(alone: Vec<HostNode>) -> Vec<HostNode> {
    let is_puppet = |h: &HostNode| h.component.properties.contains_key(super::puppet::CERTNAME);
    let (puppet, mut others): (Vec<HostNode>, Vec<HostNode>) =
        alone.into_iter().partition(is_puppet);
    if others.is_empty() {
        return puppet;
    }
    let mut result = Vec::new();
    for mut node in puppet {
        let name = node.name.to_ascii_lowercase();
        let mut candidates: Vec<usize> = (0..others.len())
            .filter(|&i| others[i].name.to_ascii_lowercase() == name)
            .collect();
        if candidates.is_empty() {
            candidates = (0..others.len())
                .filter(|&i| {
                    others[i]
                        .keys
                        .iter()
                        .filter(|k| k.is_distinctive())
                        .any(|k| {
                            node.keys
                                .iter()
                                .any(|n| n.is_distinctive() && n.value == k.value)
                        })
                })
                .collect();
        }
        match candidates.as_slice() {
            [one] => {
                let host = &mut others[*one];
                host.keys.append(&mut node.keys);
                let mut component = node.component;
                component.properties.insert(
                    "identity.puppet".into(),
                    format!("Puppet node {} = fact host {}", node.name, host.name),
                );
                absorb_facts(&mut host.component, component);
            }
            _ => result.push(node),
        }
    }
    result.extend(others);
    result
}

/// An inventory host takes its facts' labels, claims and properties.
fn absorb_facts(into: &mut Component, facts: Component) {
    for label in facts.labels {
        if !into.labels.contains(&label) {
            into.labels.push(label);
        }
    }
    into.claims.extend(facts.claims);
    for (key, value) in facts.properties {
        into.properties.entry(key).or_insert(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ComponentKind, Location};

    fn component(id: &str, label: &str) -> Component {
        Component {
            id: id.into(),
            kind: ComponentKind::TerraformResource,
            labels: vec![label.into()],
            origin: Location::file("s"),
            claims: vec![],
            traces: vec![],
            properties: BTreeMap::new(),
            declared_at: None,
            config: None,
        }
    }

    fn host(name: &str, keys: &[(&str, &str)], from_facts: bool) -> HostNode {
        let mut c = component(&format!("h-{name}-{from_facts}"), name);
        c.kind = ComponentKind::Host;
        HostNode {
            component: c,
            keys: keys.iter().map(|(v, s)| Key::new(v, s)).collect(),
            name: name.into(),
            from_facts,
        }
    }

    fn keys(id: &str, keys: &[(&str, &str)]) -> ResourceKeys {
        ResourceKeys {
            component_id: id.into(),
            keys: keys.iter().map(|(v, s)| Key::new(v, s)).collect(),
        }
    }

    #[test]
    fn a_host_joins_the_one_resource_it_matches() {
        let mut components = vec![
            component("r1", "aws_instance.web"),
            component("r2", "aws_instance.db"),
        ];
        let resources = [
            keys("r1", &[("10.0.0.5", "private_ip")]),
            keys("r2", &[("10.0.0.6", "private_ip")]),
        ];
        let hosts = vec![
            host(
                "web1",
                &[("web1", "inventory name"), ("10.0.0.5", "ansible_host")],
                false,
            ),
            host(
                "web1",
                &[
                    ("web1", "fact cache name"),
                    ("web1.example.com", "ansible_fqdn"),
                ],
                true,
            ),
        ];
        merge(&mut components, hosts, &resources);
        assert_eq!(components.len(), 2);
        assert!(components[0].labels.contains(&"web1".to_string()));
        assert!(components[0].properties[MATCH].contains("private_ip = ansible_host (10.0.0.5)"));
    }

    #[test]
    fn ambiguous_matches_merge_nothing_and_say_so() {
        let mut components = vec![
            component("r1", "aws_instance.a"),
            component("r2", "aws_instance.b"),
        ];
        let resources = [
            keys("r1", &[("10.0.0.5", "private_ip")]),
            keys("r2", &[("web1", "tags.Name")]),
        ];
        let hosts = vec![host(
            "web1",
            &[("web1", "inventory name"), ("10.0.0.5", "ansible_host")],
            false,
        )];
        merge(&mut components, hosts, &resources);
        assert_eq!(components.len(), 3);
        assert!(components[2].properties[CONFLICT].contains("matches several resources"));
        assert!(!components[0].properties.contains_key(CONFLICT));
    }

    #[test]
    fn loopback_and_localhost_never_match() {
        let mut components = vec![component("r1", "null_resource.x")];
        let resources = [keys(
            "r1",
            &[("127.0.0.1", "triggers.ip"), ("localhost", "triggers.name")],
        )];
        let hosts = vec![host(
            "localhost",
            &[
                ("localhost", "inventory name"),
                ("127.0.0.1", "ansible_host"),
            ],
            false,
        )];
        merge(&mut components, hosts, &resources);
        assert_eq!(components.len(), 2);
    }
}
