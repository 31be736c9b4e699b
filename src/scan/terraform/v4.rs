//! Raw state format 4, written by Terraform 0.12 to 1.x and by OpenTofu: `resources[]`, each
//! with its module address, mode, type, name and provider, and `instances[]`, each one object
//! (current or deposed) with its index key, status, attributes and sensitive paths. Root
//! outputs sit in `outputs`.
//!
//! Members are read as Terraform's `statefile/version4.go` declares them: absent and `null`
//! are the zero value, other types are shape errors that name the JSON pointer.

use super::address::{instance_address, parse_index_key, parse_mode};
use super::dynamic::unwrap_dynamic;
use super::errors::{Fields, ShapeError};
use super::{outputs, sensitive, Source};
use crate::model::{Attributes, Location, ResourceInstance, StateDocument, StateFormat};
use crate::scan::json_lines::{container_lines, LineIndex, Segment};
use serde_json::{Map, Value};

pub(crate) fn read(
    root: Map<String, Value>,
    source: &Source<'_>,
) -> Result<StateDocument, ShapeError> {
    let mut top = Fields::from_map(root, "");
    let terraform_version = top.string("terraform_version")?;
    let serial = top.u64("serial")?;
    let lineage = top.string("lineage")?.filter(|l| !l.is_empty());
    let outputs = outputs::read(top.object("outputs")?, "/outputs")?;
    // Checked for shape only: check results say nothing about what runs.
    top.array("check_results")?;
    let resources = top.array("resources")?.unwrap_or_default();

    let lines = container_lines(source.text, is_instance_path);
    let mut instances = Vec::new();
    for (i, resource) in resources.into_iter().enumerate() {
        read_resource(
            resource,
            &format!("/resources/{i}"),
            source,
            &lines,
            &mut instances,
        )?;
    }
    Ok(StateDocument {
        format: StateFormat::Raw(4),
        terraform_version,
        serial,
        lineage,
        instances,
        outputs,
    })
}

/// `/resources/N/instances/M`: the containers whose lines become origins.
fn is_instance_path(path: &[Segment<'_>]) -> bool {
    matches!(path, [Segment::Key(r), Segment::Index(_), Segment::Key(i), Segment::Index(_)]
        if r == "resources" && i == "instances")
}

fn read_resource(
    value: Value,
    pointer: &str,
    source: &Source<'_>,
    lines: &LineIndex,
    out: &mut Vec<ResourceInstance>,
) -> Result<(), ShapeError> {
    let mut resource = Fields::new(value, pointer)?;
    let module = resource.string("module")?.unwrap_or_default();
    let mode = parse_mode(resource.string("mode")?, &resource.child("mode"))?;
    let resource_type = resource.required_string("type")?;
    let name = resource.required_string("name")?;
    resource.string("each")?;
    let provider = resource.string("provider")?.unwrap_or_default();
    let instances = resource.array("instances")?.unwrap_or_default();

    for (j, value) in instances.into_iter().enumerate() {
        let pointer = format!("{pointer}/instances/{j}");
        let mut instance = Fields::new(value, &pointer)?;
        let index_key = parse_index_key(instance.take("index_key"), &instance.child("index_key"))?;
        let status = instance.string("status")?.filter(|s| !s.is_empty());
        let deposed = instance.string("deposed")?.filter(|s| !s.is_empty());
        let create_before_destroy = instance.bool("create_before_destroy")?.unwrap_or(false);
        let schema_version = instance.u64("schema_version")?;
        let attributes = attributes(&mut instance)?;
        let sensitive_paths = instance
            .take("sensitive_attributes")
            .map(sensitive::from_sensitive_attributes)
            .unwrap_or_default();
        let identity = instance.take("identity");
        instance.u64("identity_schema_version")?;
        instance.string("private")?;
        instance.check_strings("dependencies")?;
        instance.check_strings("depends_on")?;

        let origin = Location::at_line(source.display_path, lines.line(&pointer));
        out.push(ResourceInstance {
            address: instance_address(&module, mode, &resource_type, &name, index_key.as_ref()),
            module: module.clone(),
            mode,
            resource_type: resource_type.clone(),
            name: name.clone(),
            index_key,
            provider: provider.clone(),
            status,
            deposed,
            create_before_destroy,
            schema_version,
            attributes,
            sensitive_paths,
            identity,
            origin: origin.with_pointer(pointer),
        });
    }
    Ok(())
}

/// `attributes` (JSON, dynamic wrappers removed) or else `attributes_flat` (the flat map of
/// states upgraded from 0.11, kept as written); an instance with neither is empty, as
/// Terraform reads it.
fn attributes(instance: &mut Fields<'_>) -> Result<Attributes, ShapeError> {
    let structured = instance.object("attributes")?;
    let flat = instance.object("attributes_flat")?;
    match (structured, flat) {
        (Some(map), _) => {
            let mut attributes = Value::Object(map);
            unwrap_dynamic(&mut attributes);
            Ok(Attributes::from(attributes))
        }
        (None, Some(flat)) => Ok(Attributes::from(Value::Object(flat))),
        (None, None) => Ok(Attributes::empty()),
    }
}
