//! The Puppet side of the estate: a control repository under `puppet/` (site.pp, Hiera data and
//! modules whose `files/` agents receive verbatim) and the last report of each agent as the
//! `store` report processor keeps it (`<reportdir>/<certname>/<YYYYMMDDHHMM>.yaml`, Puppet 8,
//! `report_format: 12`). `configuration_version` is the control repository's commit, as a
//! `config_version = git rev-parse HEAD` script gives it; file resources that changed carry
//! `{sha256}` content checksums.

use crate::ansible::{self, Host};
use crate::claims::{Picker, Tally};
use crate::rng::{sha256_hex, Rng};
use serde_json::json;
use std::fmt::Write as _;
use std::path::Path;

pub const MODULES: [&str; 20] = [
    "ntp",
    "ssh",
    "sudo",
    "motd",
    "resolv",
    "limits",
    "sysctl",
    "rsyslog",
    "logrotate",
    "auditd",
    "chrony",
    "postfix",
    "snmp",
    "cron",
    "pam",
    "firewall",
    "nrpe",
    "profile",
    "timezone",
    "users",
];

/// Modules every node gets; two more come with its group.
const BASE_MODULES: [&str; 8] = [
    "ntp", "ssh", "sudo", "motd", "resolv", "limits", "sysctl", "rsyslog",
];

/// The files of a module (name in `files/`, path on the node).
pub fn module_files(m: &str) -> [(String, String); 2] {
    [
        (format!("{m}.conf"), format!("/etc/{m}.conf")),
        (format!("{m}-local.conf"), format!("/etc/{m}.d/local.conf")),
    ]
}

/// Writes one report per node for the first `reports` hosts; returns the tally.
pub fn write_reports(
    dir: &Path,
    seed: u64,
    reports: usize,
    picker: &Picker<'_>,
) -> std::io::Result<Tally> {
    use rayon::prelude::*;
    std::fs::create_dir_all(dir.join("catalogs"))?;
    let tallies: Vec<std::io::Result<Tally>> = (0..reports)
        .into_par_iter()
        .map(|i| {
            let h = ansible::host(seed, i);
            let mut rng = Rng::item(seed, "puppet-report", i as u64);
            let mut tally = Tally::default();
            let end = 1_730_000_000 + rng.below(86_400 * 14) as i64;
            let (text, catalog) = report(&h, end, picker, &mut rng, &mut tally);
            let node = dir.join("reports").join(&h.fqdn);
            std::fs::create_dir_all(&node)?;
            std::fs::write(
                dir.join("catalogs").join(format!("{}.json", h.fqdn)),
                catalog,
            )?;
            let stamp: String = crate::rng::rfc3339(end)
                .chars()
                .filter(char::is_ascii_digit)
                .take(12)
                .collect();
            std::fs::write(node.join(format!("{stamp}.yaml")), text)?;
            Ok(tally)
        })
        .collect();
    Tally::sum_of(tallies)
}

/// A time as Puppet writes it: `'2024-10-27T03:33:20.123456789+00:00'`.
fn ptime(t: i64, nanos: u64) -> String {
    let s = crate::rng::rfc3339(t);
    format!("'{}.{nanos:09}+00:00'", &s[..19])
}

/// A scalar as Psych writes it: quoted only when YAML would read something else.
fn scalar(s: &str) -> String {
    let numeric = !s.is_empty()
        && (s.bytes().all(|b| b.is_ascii_digit())
            || s.split_once(['e', 'E']).is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().all(|c| c.is_ascii_digit())
                    && b.bytes().all(|c| c.is_ascii_digit())
            }));
    if numeric {
        format!("'{s}'")
    } else {
        s.to_string()
    }
}

struct FileRes {
    module: &'static str,
    /// The file's name in the module's `files/`.
    source: String,
    title: String,
    /// `Some((previous, desired))` checksums when the run changed the file.
    change: Option<(String, String)>,
}

/// The node's last report (YAML) and the catalog it applied (PuppetDB's wire format, as
/// `puppet-db export` or the catalogs endpoint give it).
fn report(
    h: &Host,
    end: i64,
    picker: &Picker<'_>,
    rng: &mut Rng,
    tally: &mut Tally,
) -> (String, String) {
    let history = picker.history;
    let pick = picker.mixed(rng, 300, 0.02, 0.01);
    tally.claim(pick.verdict);
    let start = end - 20 - rng.below(40) as i64;
    let mut modules: Vec<&'static str> = BASE_MODULES.to_vec();
    while modules.len() < BASE_MODULES.len() + 2 {
        let m = MODULES[rng.below(MODULES.len())];
        if !modules.contains(&m) {
            modules.push(m);
        }
    }
    let mut files = Vec::new();
    for &m in &modules {
        for (name, dest) in module_files(m) {
            let file = history.file(&format!("puppet/modules/{m}/files/{name}"));
            let version = history.version_at(file, pick.commit) as usize;
            let digests = &history.files[file as usize].sha256;
            let change = if version > 0 && rng.chance(0.08) {
                let previous = digests[rng.below(version)].clone();
                let known = !rng.chance(0.01);
                let desired = if known {
                    digests[version].clone()
                } else {
                    sha256_hex(format!("{dest} hot-patched for {}", h.fqdn).as_bytes())
                };
                tally.digest(known);
                Some((previous, desired))
            } else {
                None
            };
            files.push(FileRes {
                module: m,
                source: name,
                title: dest,
                change,
            });
        }
    }
    let changed = files.iter().filter(|f| f.change.is_some()).count();
    let total = files.len() + 2;
    let catalog_uuid = rng.uuid();
    let mut y = String::with_capacity(16 * 1024);
    let status = if changed > 0 { "changed" } else { "unchanged" };
    let _ = write!(
        y,
        "--- !ruby/object:Puppet::Transaction::Report\n\
         host: {host}\n\
         time: {time}\n\
         configuration_version: {cv}\n\
         transaction_uuid: {tx}\n\
         report_format: 12\n\
         puppet_version: 8.6.0\n\
         status: {status}\n\
         transaction_completed: true\n\
         noop: false\n\
         noop_pending: false\n\
         environment: production\n",
        host = h.fqdn,
        time = ptime(start, rng.next() % 1_000_000_000),
        cv = scalar(&pick.value),
        tx = rng.uuid(),
    );
    y.push_str("logs:\n");
    let mut log = |level: &str,
                   message: &str,
                   source: &str,
                   tags: &[&str],
                   t: i64,
                   file: Option<(&str, u32)>| {
        let _ = write!(
            y,
            "- level: {level}\n  message: {message}\n  source: {source}\n  tags:\n"
        );
        for tag in tags {
            let _ = writeln!(y, "  - {tag}");
        }
        let _ = writeln!(y, "  time: {}", ptime(t, 0));
        match file {
            Some((f, line)) => {
                let _ = write!(y, "  file: {f}\n  line: {line}\n");
            }
            None => y.push_str("  file:\n  line:\n"),
        }
    };
    log(
        "info",
        "Using environment 'production'",
        "Puppet",
        &["info"],
        start,
        None,
    );
    log(
        "info",
        "Retrieving pluginfacts",
        "Puppet",
        &["info"],
        start,
        None,
    );
    log(
        "info",
        "Retrieving plugin",
        "Puppet",
        &["info"],
        start + 1,
        None,
    );
    log(
        "info",
        "Loading facts",
        "Puppet",
        &["info"],
        start + 2,
        None,
    );
    log(
        "info",
        &format!("Caching catalog for {}", h.fqdn),
        "Puppet",
        &["info"],
        start + 6,
        None,
    );
    log(
        "notice",
        &format!("Applying configuration version '{}'", pick.value),
        "Puppet",
        &["notice"],
        start + 6,
        None,
    );
    for f in &files {
        if let Some((previous, desired)) = &f.change {
            let manifest = manifest(f.module);
            log(
                "notice",
                &format!("content changed '{{sha256}}{previous}' to '{{sha256}}{desired}'"),
                &format!(
                    "\"/Stage[main]/{}::Config/File[{}]/content\"",
                    class(f.module),
                    f.title
                ),
                &[
                    "notice",
                    "file",
                    "class",
                    &format!("{}::config", f.module),
                    f.module,
                    "config",
                ],
                end - 2,
                Some((&manifest, 14)),
            );
        }
    }
    log(
        "notice",
        &format!(
            "Applied catalog in {}.{:02} seconds",
            rng.range(1, 9),
            rng.below(100)
        ),
        "Puppet",
        &["notice"],
        end,
        None,
    );
    let _ = write!(
        y,
        "metrics:\n  resources:\n    name: resources\n    label: Resources\n    values:\n\
         {}  time:\n    name: time\n    label: Time\n    values:\n\
         {}  changes:\n    name: changes\n    label: Changes\n    values:\n\
         {}  events:\n    name: events\n    label: Events\n    values:\n{}",
        metric_values(&[
            ("changed", "Changed", changed as f64),
            ("corrective_change", "Corrective change", 0.0),
            ("failed", "Failed", 0.0),
            ("failed_to_restart", "Failed to restart", 0.0),
            ("out_of_sync", "Out of sync", changed as f64),
            ("restarted", "Restarted", 0.0),
            ("scheduled", "Scheduled", 0.0),
            ("skipped", "Skipped", 0.0),
            ("total", "Total", total as f64),
        ]),
        metric_values(&[
            ("file", "File", 0.4 + rng.below(100) as f64 / 100.0),
            ("package", "Package", 0.2 + rng.below(100) as f64 / 100.0),
            ("service", "Service", 0.1 + rng.below(100) as f64 / 100.0),
            (
                "config_retrieval",
                "Config retrieval",
                2.0 + rng.below(300) as f64 / 100.0
            ),
            ("total", "Total", 4.0 + rng.below(400) as f64 / 100.0),
        ]),
        metric_values(&[("total", "Total", changed as f64)]),
        metric_values(&[
            ("failure", "Failure", 0.0),
            ("success", "Success", changed as f64),
            ("total", "Total", changed as f64),
        ]),
    );
    y.push_str("resource_statuses:\n");
    for f in &files {
        status_entry(&mut y, f, end, rng);
    }
    for &m in modules.iter().take(2) {
        let package = format!("Package[{m}]");
        let _ = write!(
            y,
            "  {package}:\n    title: {m}\n    file: {}\n    line: 3\n    resource: {package}\n    resource_type: Package\n    provider_used: apt\n    containment_path:\n    - Stage[main]\n    - {}::Install\n    - {package}\n    evaluation_time: 0.0{}\n    tags:\n    - package\n    - {m}\n    - class\n    time: {}\n",
            manifest(m),
            class(m),
            rng.range(1000, 9999),
            ptime(end - 5, rng.next() % 1_000_000_000),
        );
        unchanged_tail(&mut y);
    }
    let _ = write!(
        y,
        "corrective_change: false\n\
         catalog_uuid: {}\n\
         cached_catalog_status: not_used\n\
         code_id:\n\
         job_id:\n\
         server_used: puppet.example.com:8140\n\
         resources_failed_to_generate: false\n",
        catalog_uuid
    );
    let catalog = catalog(h, &pick.value, &catalog_uuid, start, &modules, &files);
    (y, catalog)
}

/// The catalog: a class per module, a `File` with a static `source` per module file, the
/// packages, and the containment edges.
fn catalog(
    h: &Host,
    version: &str,
    uuid: &str,
    compiled: i64,
    modules: &[&str],
    files: &[FileRes],
) -> String {
    let mut resources = vec![
        json!({"type": "Stage", "title": "main", "tags": ["stage"], "exported": false, "parameters": {"name": "main"}}),
    ];
    let mut edges = Vec::new();
    for m in modules {
        resources.push(json!({
            "type": "Class", "title": class(m), "tags": ["class", m], "exported": false,
            "file": manifest(m), "line": 1, "parameters": {}
        }));
        edges.push(json!({"source": {"type": "Stage", "title": "main"}, "target": {"type": "Class", "title": class(m)}, "relationship": "contains"}));
    }
    for f in files {
        resources.push(json!({
            "type": "File", "title": f.title, "tags": ["file", "class", format!("{}::config", f.module), f.module, "config"],
            "exported": false, "file": manifest(f.module), "line": 14,
            "parameters": {
                "ensure": "file", "owner": "root", "group": "root", "mode": "0644",
                "source": format!("puppet:///modules/{}/{}", f.module, f.source),
            }
        }));
        edges.push(json!({"source": {"type": "Class", "title": class(f.module)}, "target": {"type": "File", "title": f.title}, "relationship": "contains"}));
    }
    for m in modules.iter().take(2) {
        resources.push(json!({
            "type": "Package", "title": m, "tags": ["package", m, "class"], "exported": false,
            "file": manifest(m), "line": 3, "parameters": {"ensure": "installed"}
        }));
    }
    let stamp = crate::rng::rfc3339(compiled).replace('Z', ".000Z");
    let catalog = json!({
        "certname": h.fqdn,
        "version": version,
        "environment": "production",
        "transaction_uuid": uuid,
        "catalog_uuid": uuid,
        "code_id": null,
        "job_id": null,
        "producer_timestamp": stamp,
        "producer": "puppet.example.com",
        "resources": resources,
        "edges": edges,
    });
    serde_json::to_string_pretty(&catalog).expect("catalog JSON") + "\n"
}

fn metric_values(values: &[(&str, &str, f64)]) -> String {
    let mut s = String::new();
    for (name, label, v) in values {
        let v = if v.fract() == 0.0 {
            format!("{}", *v as i64)
        } else {
            format!("{v:.6}")
        };
        let _ = write!(s, "    - - {name}\n      - {label}\n      - {v}\n");
    }
    s
}

fn class(m: &str) -> String {
    let mut c = m.chars();
    c.next()
        .map(|first| first.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn manifest(m: &str) -> String {
    format!("/etc/puppetlabs/code/environments/production/modules/{m}/manifests/init.pp")
}

fn status_entry(y: &mut String, f: &FileRes, end: i64, rng: &mut Rng) {
    let resource = format!("File[{}]", f.title);
    let _ = write!(
        y,
        "  {resource}:\n    title: {}\n    file: {}\n    line: 14\n    resource: {resource}\n    resource_type: File\n    provider_used: posix\n    containment_path:\n    - Stage[main]\n    - {}::Config\n    - {resource}\n    evaluation_time: 0.00{}\n    tags:\n    - file\n    - class\n    - {}::config\n    - {}\n    - config\n    time: {}\n",
        f.title,
        manifest(f.module),
        class(f.module),
        rng.range(1000, 9999),
        f.module,
        f.module,
        ptime(end - 3, rng.next() % 1_000_000_000),
    );
    match &f.change {
        None => unchanged_tail(y),
        Some((previous, desired)) => {
            let _ = write!(
                y,
                "    failed: false\n    failed_to_restart: false\n    changed: true\n    out_of_sync: true\n    skipped: false\n    change_count: 1\n    out_of_sync_count: 1\n    events:\n\
                 \x20   - audited: false\n      property: content\n      previous_value: '{{sha256}}{previous}'\n      desired_value: '{{sha256}}{desired}'\n      historical_value:\n      message: content changed '{{sha256}}{previous}' to '{{sha256}}{desired}'\n      name: content_changed\n      status: success\n      time: {}\n      redacted:\n      corrective_change: false\n    corrective_change: false\n",
                ptime(end - 2, rng.next() % 1_000_000_000),
            );
        }
    }
}

fn unchanged_tail(y: &mut String) {
    y.push_str(
        "    failed: false\n    failed_to_restart: false\n    changed: false\n    out_of_sync: false\n    skipped: false\n    change_count: 0\n    out_of_sync_count: 0\n    events: []\n    corrective_change: false\n",
    );
}
