//! State documents from `terraform show -json` / `tofu show -json` (format 0.1 to 1.x):
//! `values.root_module` holds `resources[]` and nested `child_modules[]`, each resource one
//! instance object with its full `address`, `index`, `values` (attributes, already decoded)
//! and `sensitive_values` (a mirror of `values` with `true` at sensitive leaves). Root outputs
//! sit in `values.outputs`. A state with nothing in it is just `{"format_version": "1.0"}`.
//!
//! The module tree is walked with an explicit stack, in document order: a module's resources,
//! then its children.

use super::address::{instance_address, parse_index_key, parse_mode};
use super::errors::{child, Fields, ShapeError};
use super::{outputs, sensitive, Source};
use crate::model::{Attributes, Location, ResourceInstance, StateDocument, StateFormat};
use crate::scan::json_lines::{container_lines, LineIndex, Segment};
use serde_json::{Map, Value};

pub(crate) fn read(
    root: Map<String, Value>,
    source: &Source<'_>,
) -> Result<StateDocument, ShapeError> {
    let mut top = Fields::from_map(root, "");
    let format_version = top.required_string("format_version")?;
    let terraform_version = top.string("terraform_version")?;
    let mut document = StateDocument {
        format: StateFormat::ShowJson(format_version),
        terraform_version,
        serial: None,
        lineage: None,
        instances: Vec::new(),
        outputs: Vec::new(),
    };
    let Some(values) = top.object("values")? else {
        return Ok(document);
    };
    let mut values = Fields::from_map(values, "/values");
    document.outputs = outputs::read(values.object("outputs")?, "/values/outputs")?;
    let Some(root_module) = values.object("root_module")? else {
        return Ok(document);
    };

    let lines = container_lines(source.text, is_resource_path);
    let mut pending = vec![(root_module, "/values/root_module".to_string())];
    while let Some((map, pointer)) = pending.pop() {
        let mut module = Fields::from_map(map, &pointer);
        let address = module.string("address")?.unwrap_or_default();
        let resources_pointer = module.child("resources");
        for (i, resource) in module
            .array("resources")?
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let at = child(&resources_pointer, &i.to_string());
            let instance = read_resource(resource, &at, &address, source, &lines)?;
            document.instances.push(instance);
        }
        let children_pointer = module.child("child_modules");
        let children = module.array("child_modules")?.unwrap_or_default();
        // Reversed onto the stack, so the first child is read first.
        for (i, value) in children.into_iter().enumerate().rev() {
            let at = child(&children_pointer, &i.to_string());
            match value {
                Value::Object(map) => pending.push((map, at)),
                other => return Err(ShapeError::expected(&at, "an object", &other)),
            }
        }
    }
    Ok(document)
}

/// `/values/root_module(/child_modules/N)*/resources/N`.
fn is_resource_path(path: &[Segment<'_>]) -> bool {
    let [Segment::Key(v), Segment::Key(r), rest @ ..] = path else {
        return false;
    };
    if v != "values" || r != "root_module" {
        return false;
    }
    let mut rest = rest;
    loop {
        match rest {
            [Segment::Key(k), Segment::Index(_)] => return k == "resources",
            [Segment::Key(k), Segment::Index(_), tail @ ..] if k == "child_modules" => rest = tail,
            _ => return false,
        }
    }
}

fn read_resource(
    value: Value,
    pointer: &str,
    module: &str,
    source: &Source<'_>,
    lines: &LineIndex,
) -> Result<ResourceInstance, ShapeError> {
    let mut resource = Fields::new(value, pointer)?;
    let written_address = resource.string("address")?;
    let mode = parse_mode(resource.string("mode")?, &resource.child("mode"))?;
    let resource_type = resource.required_string("type")?;
    let name = resource.required_string("name")?;
    let index_key = parse_index_key(resource.take("index"), &resource.child("index"))?;
    let provider = resource.string("provider_name")?.unwrap_or_default();
    let schema_version = resource.u64("schema_version")?;
    let attributes = resource.object("values")?.unwrap_or_default();
    let sensitive_paths = resource
        .take("sensitive_values")
        .map(|mirror| sensitive::from_sensitive_values(&mirror))
        .unwrap_or_default();
    let identity = resource.take("identity");
    resource.u64("identity_schema_version")?;
    let deposed = match resource.string("deposed_key")? {
        Some(key) => Some(key),
        None => resource.string("deposed")?,
    }
    .filter(|k| !k.is_empty());
    let tainted = resource.bool("tainted")?.unwrap_or(false);
    resource.check_strings("depends_on")?;

    // Terraform's own rendering of the address, when there, is by definition what
    // `terraform state list` prints.
    let address = written_address.unwrap_or_else(|| {
        instance_address(module, mode, &resource_type, &name, index_key.as_ref())
    });
    Ok(ResourceInstance {
        address,
        module: module.to_string(),
        mode,
        resource_type,
        name,
        index_key,
        provider,
        status: tainted.then(|| "tainted".to_string()),
        deposed,
        create_before_destroy: false,
        schema_version,
        attributes: Attributes::from(Value::Object(attributes)),
        sensitive_paths,
        identity,
        origin: Location::at_line(source.display_path, lines.line(pointer)).with_pointer(pointer),
    })
}
