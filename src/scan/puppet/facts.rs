//! Node facts as PuppetDB keeps them: the wire format of `replace facts` (`certname`,
//! `values`), the inventory endpoint's answer (`certname`, `facts`), a factset query answer
//! (`facts` as `{href, data: [{name, value}]}`), and the YAML facts Puppet Server caches
//! (`--- !ruby/object:Puppet::Node::Facts` with `name` and `values`).

use super::model::NodeFacts;
use super::report::{kind, text};
use crate::model::Location;
use serde_json::{Map, Value};

/// Whether a JSON object looks like one node's facts.
pub fn is_facts(map: &Map<String, Value>) -> bool {
    (map.contains_key("certname") || map.contains_key("name"))
        && (map.get("values").is_some_and(Value::is_object)
            || map
                .get("facts")
                .is_some_and(|f| f.is_object() || f.is_array()))
        && !map.contains_key("resources")
}

pub fn facts_from_value(value: &Value, origin: Location) -> Result<NodeFacts, String> {
    let Value::Object(map) = value else {
        return Err(format!(
            "expected a node's facts (an object), found {}",
            kind(value)
        ));
    };
    let certname = text(map.get("certname"))
        .or_else(|| text(map.get("name")))
        .ok_or("facts name their node in `certname` (or `name`); these do not")?;
    let values = match map.get("values").or_else(|| map.get("facts")) {
        Some(Value::Object(values)) => match values.get("data") {
            // A factset answer: {href, data: [{name, value}]}.
            Some(Value::Array(rows)) if values.contains_key("href") => pairs(rows),
            _ => values.clone(),
        },
        Some(Value::Array(rows)) => pairs(rows),
        _ => return Err("facts carry their values in `values` or `facts`".into()),
    };
    Ok(NodeFacts {
        certname,
        environment: text(map.get("environment")),
        values,
        origin,
    })
}

fn pairs(rows: &[Value]) -> Map<String, Value> {
    rows.iter()
        .filter_map(|row| {
            Some((
                row.get("name")?.as_str()?.to_string(),
                row.get("value")?.clone(),
            ))
        })
        .collect()
}

/// The values that identify a node's machine: name facts, addresses, cloud instance ids; each
/// with the fact it came from.
pub fn identity_values(facts: &NodeFacts) -> Vec<(String, String)> {
    let v = &facts.values;
    let mut out = Vec::new();
    let add = |out: &mut Vec<(String, String)>, value: Option<&Value>, source: &str| {
        if let Some(s) = value
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
        {
            out.push((s.to_string(), source.to_string()));
        }
    };
    let networking = v.get("networking");
    add(&mut out, v.get("fqdn"), "fqdn");
    add(
        &mut out,
        networking.and_then(|n| n.get("fqdn")),
        "networking.fqdn",
    );
    add(&mut out, v.get("hostname"), "hostname");
    add(
        &mut out,
        networking.and_then(|n| n.get("hostname")),
        "networking.hostname",
    );
    add(&mut out, v.get("ipaddress"), "ipaddress");
    add(
        &mut out,
        networking.and_then(|n| n.get("ip")),
        "networking.ip",
    );
    add(
        &mut out,
        networking.and_then(|n| n.get("ip6")),
        "networking.ip6",
    );
    if let Some(Value::Object(interfaces)) = networking.and_then(|n| n.get("interfaces")) {
        for (name, interface) in interfaces {
            add(
                &mut out,
                interface.get("ip"),
                &format!("networking.interfaces.{name}.ip"),
            );
            if let Some(Value::Array(bindings)) = interface.get("bindings") {
                for binding in bindings {
                    add(
                        &mut out,
                        binding.get("address"),
                        &format!("networking.interfaces.{name}.bindings.address"),
                    );
                }
            }
        }
    }
    let ec2 = v.get("ec2_metadata");
    add(
        &mut out,
        ec2.and_then(|e| e.get("instance-id")),
        "ec2_metadata.instance-id",
    );
    add(
        &mut out,
        ec2.and_then(|e| e.get("local-ipv4")),
        "ec2_metadata.local-ipv4",
    );
    add(
        &mut out,
        ec2.and_then(|e| e.get("public-ipv4")),
        "ec2_metadata.public-ipv4",
    );
    let gce = v.get("gce").and_then(|g| g.get("instance"));
    if let Some(id) = gce.and_then(|i| i.get("id")) {
        match id {
            Value::Number(n) => out.push((n.to_string(), "gce.instance.id".into())),
            other => add(&mut out, Some(other), "gce.instance.id"),
        }
    }
    add(
        &mut out,
        gce.and_then(|i| i.get("name")),
        "gce.instance.name",
    );
    add(
        &mut out,
        v.get("az_metadata")
            .and_then(|a| a.get("compute"))
            .and_then(|c| c.get("vmId")),
        "az_metadata.compute.vmId",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_comes_from_names_addresses_and_cloud_ids() {
        let facts = facts_from_value(
            &serde_json::json!({
                "certname": "web01.example.com",
                "values": {
                    "fqdn": "web01.example.com",
                    "networking": {"hostname": "web01", "ip": "10.0.0.5",
                        "interfaces": {"eth0": {"ip": "10.0.0.5"}, "eth1": {"ip": "192.168.1.9"}}},
                    "ec2_metadata": {"instance-id": "i-0abc"},
                    "gce": {"instance": {"id": 4567890123u64}}
                }
            }),
            Location::file("f.json"),
        )
        .unwrap();
        let ids = identity_values(&facts);
        let values: Vec<&str> = ids.iter().map(|(v, _)| v.as_str()).collect();
        for wanted in [
            "web01.example.com",
            "web01",
            "10.0.0.5",
            "192.168.1.9",
            "i-0abc",
            "4567890123",
        ] {
            assert!(values.contains(&wanted), "{wanted} missing from {values:?}");
        }
    }

    #[test]
    fn a_factset_answer_reads_as_pairs() {
        let facts = facts_from_value(
            &serde_json::json!({"certname": "a", "facts": {"href": "/x", "data": [{"name": "fqdn", "value": "a.example"}]}}),
            Location::file("f.json"),
        )
        .unwrap();
        assert_eq!(facts.values["fqdn"], "a.example");
    }
}
