//! Raw state format 3, written by Terraform 0.11 and older (and still the format of
//! `.terraform/terraform.tfstate`, which [`super::detect`] sets apart before this runs):
//! `modules[]`, each with a `path` (`["root", "a"]`) and a `resources` map keyed like
//! `aws_instance.web`, `aws_instance.web.0` or `data.aws_ami.x`, each entry holding a
//! `primary` object and a list of `deposed` ones with flat-map attributes.
//!
//! Everything lands in the same model as format 4, the way Terraform 0.12 upgraded these
//! states: count indexes become integer keys, `meta.schema_version` becomes the schema
//! version, a missing `id` attribute is filled from the object's `id`, and deposed objects get
//! the keys `00000001`, `00000002`... Only root module outputs are kept, as in format 4.

use super::address::{instance_address, legacy_module_path, parse_legacy_key, LegacyKey};
use super::errors::{child, Fields, ShapeError};
use super::{outputs, Source};
use crate::model::{Attributes, IndexKey, Location, ResourceInstance, StateDocument, StateFormat};
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
    top.object("backend")?;
    top.object("remote")?;
    let modules = top.array("modules")?.unwrap_or_default();

    let lines = container_lines(source.text, is_object_path);
    let mut document = StateDocument {
        format: StateFormat::Raw(3),
        terraform_version,
        serial,
        lineage,
        instances: Vec::new(),
        outputs: Vec::new(),
    };
    for (i, module) in modules.into_iter().enumerate() {
        read_module(
            module,
            &format!("/modules/{i}"),
            source,
            &lines,
            &mut document,
        )?;
    }
    Ok(document)
}

/// `/modules/N/resources/KEY` and `/modules/N/resources/KEY/deposed/M`.
fn is_object_path(path: &[Segment<'_>]) -> bool {
    match path {
        [Segment::Key(m), Segment::Index(_), Segment::Key(r), Segment::Key(_), rest @ ..] => {
            m == "modules"
                && r == "resources"
                && match rest {
                    [] => true,
                    [Segment::Key(d), Segment::Index(_)] => d == "deposed",
                    _ => false,
                }
        }
        _ => false,
    }
}

fn read_module(
    value: Value,
    pointer: &str,
    source: &Source<'_>,
    lines: &LineIndex,
    document: &mut StateDocument,
) -> Result<(), ShapeError> {
    let mut module = Fields::new(value, pointer)?;
    let path_pointer = module.child("path");
    let path = module
        .array("path")?
        .ok_or_else(|| ShapeError::missing(pointer, "path", "a module path like [\"root\"]"))?;
    let mut names = Vec::with_capacity(path.len());
    for (i, name) in path.into_iter().enumerate() {
        match name {
            Value::String(name) => names.push(name),
            other => {
                return Err(ShapeError::expected(
                    &child(&path_pointer, &i.to_string()),
                    "a string",
                    &other,
                ))
            }
        }
    }
    let module_address = legacy_module_path(&names).ok_or_else(|| {
        ShapeError::invalid(
            &path_pointer,
            format!("expected a module path starting with \"root\" at {path_pointer}"),
        )
    })?;

    let module_outputs = module.object("outputs")?;
    if names.len() == 1 {
        document.outputs = outputs::read_legacy(module_outputs, &module.child("outputs"))?;
    }
    module.check_strings("depends_on")?;
    let resources_pointer = module.child("resources");
    for (key, value) in module.object("resources")?.unwrap_or_default() {
        let pointer = child(&resources_pointer, &key);
        let parsed = parse_legacy_key(&key).ok_or_else(|| {
            ShapeError::invalid(
                &pointer,
                format!(
                    "expected a resource key like TYPE.NAME, TYPE.NAME.N or data.TYPE.NAME at \
                     {pointer}, found {key:?}"
                ),
            )
        })?;
        read_resource(
            value,
            &pointer,
            &parsed,
            &module_address,
            source,
            lines,
            document,
        )?;
    }
    Ok(())
}

fn read_resource(
    value: Value,
    pointer: &str,
    key: &LegacyKey,
    module: &str,
    source: &Source<'_>,
    lines: &LineIndex,
    document: &mut StateDocument,
) -> Result<(), ShapeError> {
    let mut resource = Fields::new(value, pointer)?;
    // The key decides the address; `type` repeats it.
    resource.string("type")?;
    let provider = resource.string("provider")?.unwrap_or_default();
    resource.check_strings("depends_on")?;
    let primary = resource.take("primary");
    let deposed = resource.array("deposed")?.unwrap_or_default();

    let index_key = key.index.map(IndexKey::Int);
    let address = instance_address(
        module,
        key.mode,
        &key.resource_type,
        &key.name,
        index_key.as_ref(),
    );
    let base = ResourceInstance {
        address,
        module: module.to_string(),
        mode: key.mode,
        resource_type: key.resource_type.clone(),
        name: key.name.clone(),
        index_key,
        provider,
        status: None,
        deposed: None,
        create_before_destroy: false,
        schema_version: None,
        attributes: Attributes::empty(),
        sensitive_paths: Vec::new(),
        identity: None,
        origin: Location::at_line(source.display_path, lines.line(pointer)).with_pointer(pointer),
    };
    if let Some(primary) = primary {
        let object = read_object(primary, &child(pointer, "primary"), base.clone())?;
        document.instances.push(object);
    }
    let deposed_pointer = child(pointer, "deposed");
    for (i, value) in deposed.into_iter().enumerate() {
        let at = child(&deposed_pointer, &i.to_string());
        let mut object = read_object(value, &at, base.clone())?;
        object.deposed = Some(format!("{:08x}", i + 1));
        object.origin = Location::at_line(source.display_path, lines.line(&at)).with_pointer(at);
        document.instances.push(object);
    }
    Ok(())
}

/// One `primary` or `deposed` object.
fn read_object(
    value: Value,
    pointer: &str,
    mut instance: ResourceInstance,
) -> Result<ResourceInstance, ShapeError> {
    let mut object = Fields::new(value, pointer)?;
    let id = object.string("id")?.unwrap_or_default();
    let mut attributes = object.object("attributes")?.unwrap_or_default();
    let tainted = object.bool("tainted")?.unwrap_or(false);
    let meta = object.object("meta")?.unwrap_or_default();

    if !id.is_empty()
        && attributes
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .is_empty()
    {
        attributes.insert("id".into(), Value::String(id));
    }
    instance.schema_version = match meta.get("schema_version") {
        Some(Value::String(s)) => s.parse().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    instance.status = tainted.then(|| "tainted".to_string());
    instance.attributes = Attributes::from(Value::Object(attributes));
    Ok(instance)
}
