//! A report as a JSON value, whichever way it was written, into a [`NodeReport`]:
//!
//! * an agent report: the YAML of `reports=store` and `last_run_report.yaml`, or the JSON of
//!   its data hash (`host`, `time`, `resource_statuses` keyed by `Type[title]`), report_format
//!   0 to 12;
//! * PuppetDB's wire format (`certname`, `start_time`, `resources` with their `events`; the
//!   older `resource_events`, one per event);
//! * a report as PuppetDB's query API answers it (`resource_events` as `{href, data}`).

use super::model::{NodeReport, ResourceEvent, ResourceStatus};
use crate::model::Location;
use crate::scan::json_lines::push_token;
use serde_json::Value;

/// Reads a report out of `value`. `line_of` gives the line where the container at a JSON
/// pointer starts; `path` is the report as the audit names it.
pub fn report_from_value(
    value: &Value,
    path: &str,
    line_of: &dyn Fn(&str) -> Option<u32>,
) -> Result<NodeReport, String> {
    let Value::Object(map) = value else {
        return Err(format!(
            "expected a report (a mapping), found {}",
            kind(value)
        ));
    };
    let certname = text(map.get("host"))
        .or_else(|| text(map.get("certname")))
        .or_else(|| text(map.get("name")))
        .filter(|s| !s.trim().is_empty())
        .ok_or("a report names its node in `host` (agent reports) or `certname` (PuppetDB); this one has neither")?;
    let time = [
        "time",
        "start_time",
        "producer_timestamp",
        "end_time",
        "receive_time",
    ]
    .iter()
    .find_map(|k| text(map.get(*k)));
    let mut report = NodeReport {
        certname,
        environment: text(map.get("environment")),
        configuration_version: text(map.get("configuration_version")),
        code_id: text(map.get("code_id")),
        instant: time.as_deref().and_then(parse_instant),
        time,
        report_format: text(map.get("report_format")),
        puppet_version: text(map.get("puppet_version")),
        status: text(map.get("status")),
        noop: map.get("noop").and_then(Value::as_bool).unwrap_or(false),
        transaction_uuid: text(map.get("transaction_uuid")),
        catalog_uuid: text(map.get("catalog_uuid")),
        resources: Vec::new(),
        events_only: false,
        origin: Location::at_line(path, line_of("")),
    };
    if let Some(statuses) = map.get("resource_statuses") {
        let Value::Object(statuses) = statuses else {
            if statuses.is_null() {
                return Ok(report);
            }
            return Err(format!(
                "`resource_statuses` must be a mapping of `Type[title]` to its status, found {}",
                kind(statuses)
            ));
        };
        for (key, status) in statuses {
            let mut pointer = String::from("/resource_statuses");
            push_token(&mut pointer, key);
            let origin = Location::at_line(path, line_of(&pointer)).with_pointer(pointer);
            report.resources.push(resource(key, status, origin)?);
        }
    } else if let Some(Value::Array(resources)) = map.get("resources") {
        for (i, status) in resources.iter().enumerate() {
            let pointer = format!("/resources/{i}");
            let origin = Location::at_line(path, line_of(&pointer)).with_pointer(pointer);
            report.resources.push(resource("", status, origin)?);
        }
    } else if let Some(events) = map.get("resource_events") {
        // Legacy wire format: a list of events; a query answer: `{href, data}`.
        let (events, base) = match events {
            Value::Array(events) => (events, "/resource_events".to_string()),
            Value::Object(o) => match o.get("data") {
                Some(Value::Array(events)) => (events, "/resource_events/data".to_string()),
                _ => return Ok(report),
            },
            _ => return Ok(report),
        };
        report.events_only = true;
        for (i, event) in events.iter().enumerate() {
            let pointer = format!("{base}/{i}");
            let origin = Location::at_line(path, line_of(&pointer)).with_pointer(pointer);
            push_event_row(&mut report.resources, event, origin)?;
        }
    }
    Ok(report)
}

/// Adds one flat event (`resource_type`, `resource_title`, `old_value`, `new_value`...) to the
/// resource it belongs to.
pub fn push_event_row(
    resources: &mut Vec<ResourceStatus>,
    row: &Value,
    origin: Location,
) -> Result<(), String> {
    let Value::Object(o) = row else {
        return Err(format!(
            "expected an event (a mapping), found {}",
            kind(row)
        ));
    };
    let resource_type = text(o.get("resource_type")).unwrap_or_default();
    let title = text(o.get("resource_title")).unwrap_or_default();
    let event = event(row)?;
    let position = resources
        .iter()
        .position(|r| r.resource_type == resource_type && r.title == title);
    let resource = match position {
        Some(i) => &mut resources[i],
        None => {
            resources.push(ResourceStatus {
                resource_type,
                title,
                file: text(o.get("file")),
                line: number(o.get("line")),
                changed: false,
                corrective_change: None,
                events: Vec::new(),
                origin,
            });
            resources.last_mut().expect("just pushed")
        }
    };
    resource.changed |= event.applied();
    if event.corrective_change == Some(true) {
        resource.corrective_change = Some(true);
    }
    resource.events.push(event);
    Ok(())
}

fn resource(key: &str, value: &Value, origin: Location) -> Result<ResourceStatus, String> {
    let Value::Object(o) = value else {
        return Err(format!(
            "expected the status of resource {key} (a mapping), found {}",
            kind(value)
        ));
    };
    // Older reports carry only `resource` ("Exec[/bin/true]"); the key is the same reference.
    let reference = text(o.get("resource")).unwrap_or_else(|| key.to_string());
    let (parsed_type, parsed_title) = split_reference(&reference);
    let resource_type = text(o.get("resource_type"))
        .or(parsed_type)
        .unwrap_or_default();
    let title = text(o.get("resource_title"))
        .or_else(|| text(o.get("title")))
        .or(parsed_title)
        .unwrap_or_default();
    let mut events = Vec::new();
    match o.get("events") {
        Some(Value::Array(list)) => {
            for e in list {
                events.push(event(e)?);
            }
        }
        None | Some(Value::Null) => {}
        Some(other) => {
            return Err(format!(
                "`events` of {reference} must be a list, found {}",
                kind(other)
            ))
        }
    }
    let changed = o.get("changed").and_then(Value::as_bool).unwrap_or(false)
        || events.iter().any(ResourceEvent::applied);
    Ok(ResourceStatus {
        resource_type,
        title,
        file: text(o.get("file")),
        line: number(o.get("line")),
        changed,
        corrective_change: o.get("corrective_change").and_then(Value::as_bool),
        events,
        origin,
    })
}

fn event(value: &Value) -> Result<ResourceEvent, String> {
    let Value::Object(o) = value else {
        return Err(format!(
            "expected an event (a mapping), found {}",
            kind(value)
        ));
    };
    let value_text = |keys: &[&str]| keys.iter().find_map(|k| shown(o.get(*k)));
    Ok(ResourceEvent {
        property: text(o.get("property")),
        previous_value: value_text(&["previous_value", "old_value"]),
        desired_value: value_text(&["desired_value", "new_value"]),
        message: text(o.get("message")),
        status: text(o.get("status")).or_else(|| text(o.get("event_status"))),
        corrective_change: o.get("corrective_change").and_then(Value::as_bool),
        redacted: o.get("redacted").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// `File[/etc/motd]` → (`File`, `/etc/motd`).
pub fn split_reference(reference: &str) -> (Option<String>, Option<String>) {
    match reference.split_once('[') {
        Some((t, rest)) if rest.ends_with(']') && !t.is_empty() => (
            Some(t.to_string()),
            Some(rest[..rest.len() - 1].to_string()),
        ),
        _ => (None, None),
    }
}

/// A scalar as the text it was written as; `None` for null, absent, or a collection.
pub fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        // With serde_json's arbitrary precision, a number keeps the digits it was written with.
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn number(value: Option<&Value>) -> Option<u32> {
    text(value)?.trim().parse().ok()
}

/// An event value for a message: text as is, collections as compact JSON.
fn shown(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::Array(_) | Value::Object(_) => value.map(|v| v.to_string()),
        other => text(Some(other)),
    }
}

pub fn kind(value: &Value) -> &'static str {
    crate::scan::ansible::json_type(value)
}

/// Seconds and nanoseconds since the epoch of the times Puppet writes: RFC 3339
/// (`2021-06-28T12:17:48.799293293+00:00`, `...Z`) and Ruby's `2010-09-23 15:44:06.244173
/// -07:00`.
pub fn parse_instant(text: &str) -> Option<(i64, u32)> {
    let t = text.trim();
    let (date, rest) = t.split_at_checked(10)?;
    let mut d = date.split('-');
    let (y, m, day): (i64, u32, u32) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let rest = rest.strip_prefix(['T', ' ', 't'])?;
    let (clock, zone) = match rest.find(['Z', 'z', '+', '-', ' ']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut parts = hms.split(':');
    let (h, min, s): (i64, i64, i64) = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    let nanos: u32 = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().take(9).collect();
        format!("{digits:0<9}").parse().ok()?
    };
    let zone = zone.trim();
    let offset = match zone {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 {
                return None;
            }
            let (oh, om): (i64, i64) = (digits[..2].parse().ok()?, digits[2..].parse().ok()?);
            sign * (oh * 3600 + om * 60)
        }
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || min > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y, m, day);
    Some((days * 86_400 + h * 3600 + min * 60 + s - offset, nanos))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_puppet_writes_parse_to_the_same_instant() {
        assert_eq!(
            parse_instant("2021-06-28T12:17:48.799293293+00:00"),
            Some((1_624_882_668, 799_293_293))
        );
        assert_eq!(
            parse_instant("2009-11-19 17:08:50.557829 -08:00"),
            Some((1_258_679_330, 557_829_000))
        );
        assert_eq!(
            parse_instant("2015-02-13T13:22:51.075Z"),
            Some((1_423_833_771, 75_000_000))
        );
        assert_eq!(parse_instant("yesterday"), None);
        assert_eq!(parse_instant("2021-13-01T00:00:00Z"), None);
    }

    #[test]
    fn a_reference_splits_into_type_and_title() {
        assert_eq!(
            split_reference("File[/etc/a[1]]"),
            (Some("File".into()), Some("/etc/a[1]".into()))
        );
        assert_eq!(split_reference("nonsense"), (None, None));
    }
}
