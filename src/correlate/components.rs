//! Terraform resource instances become components: one per managed instance (deposed objects
//! included, since they still run), never one per data source. A component's id is derived
//! from the state's lineage (or path), its address and its deposed key, so it is stable
//! across runs.

use crate::correlate::claims_from_attributes;
use crate::model::id::component_id;
use crate::model::{Component, ComponentKind, ResourceInstance, StateDocument};
use crate::policy::Policy;
use serde_json::Value;
use std::collections::BTreeMap;

/// The components of one state read from `display_path`.
pub fn components_from_state(
    document: &StateDocument,
    display_path: &str,
    policy: &Policy,
) -> Vec<Component> {
    let state_identity = document
        .lineage
        .as_deref()
        .filter(|l| !l.is_empty())
        .unwrap_or(display_path);
    document
        .managed()
        .map(|instance| component(instance, state_identity, display_path, policy))
        .collect()
}

fn component(
    instance: &ResourceInstance,
    state_identity: &str,
    display_path: &str,
    policy: &Policy,
) -> Component {
    let kind = ComponentKind::TerraformResource;
    let deposed = instance.deposed.as_deref().unwrap_or("");
    let id = component_id(kind.as_str(), &[state_identity, &instance.address, deposed]);
    let attributes = instance.attributes.value();
    Component {
        id,
        kind,
        labels: labels(instance, &attributes),
        origin: instance.origin.clone(),
        claims: claims_from_attributes(
            &attributes,
            &instance.sensitive_paths,
            policy,
            &instance.origin,
        ),
        traces: Vec::new(),
        properties: properties(instance, display_path),
        declared_at: None,
        config: None,
    }
}

/// The address first, then the provider's id for the object when it is a plain, non-secret
/// string: the name a cloud console shows.
fn labels(instance: &ResourceInstance, attributes: &Value) -> Vec<String> {
    let mut labels = vec![match &instance.deposed {
        Some(key) => format!("{} (deposed {key})", instance.address),
        None => instance.address.clone(),
    }];
    let id_is_sensitive = instance.is_sensitive(&[crate::model::PathStep::Key("id".into())]);
    if let Some(Value::String(id)) = attributes.get("id") {
        if !id.is_empty() && !id_is_sensitive && !labels.contains(id) {
            labels.push(id.clone());
        }
    }
    labels
}

fn properties(instance: &ResourceInstance, display_path: &str) -> BTreeMap<String, String> {
    let mut properties = BTreeMap::new();
    properties.insert("state".to_string(), display_path.to_string());
    properties.insert("address".to_string(), instance.address.clone());
    properties.insert("resource_type".to_string(), instance.resource_type.clone());
    properties.insert("provider".to_string(), instance.provider.clone());
    if !instance.module.is_empty() {
        properties.insert("module".to_string(), instance.module.clone());
    }
    if let Some(status) = &instance.status {
        properties.insert("status".to_string(), status.clone());
    }
    if let Some(deposed) = &instance.deposed {
        properties.insert("deposed".to_string(), deposed.clone());
    }
    properties
}
