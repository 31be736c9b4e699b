//! Fact files as Ansible writes them: produced here by the real `ansible -m setup` against
//! localhost into a jsonfile cache (ansible-core 2.19's `s1_<host>` + `__payload__` layout and
//! 2.18's plain layout) and a `--tree` directory, with a real `facts.d` custom fact carrying the
//! provenance convention; and every file of `../shared/corpus/ansible-facts/`.
//!
//! In CI (`CI` set) a missing tool fails the test; elsewhere it is skipped with a reason.

use provenant::model::InputStatus;
use provenant::scan::ansible::facts::read_fact_file;
use provenant::scan::ansible::read_facts;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn oracle(name: &str) -> Option<PathBuf> {
    let dirs = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    let oracles = std::env::var_os("ORACLES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/oracles"))
        .join("bin");
    let found = dirs
        .into_iter()
        .chain([oracles])
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        let reason = format!(
            "`{name}` is not installed: run ../shared/tools/setup-oracles.sh --with-ansible218"
        );
        if std::env::var_os("CI").is_some() {
            panic!("{reason}");
        }
        eprintln!("skipped: {reason}");
    }
    found
}

/// A Python for the managed side: the system's, which setup-oracles.sh's venvs are built on.
fn python() -> String {
    for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"] {
        if Path::new(candidate).is_file() {
            return candidate.to_string();
        }
    }
    "python3".to_string()
}

const COMMIT: &str = "3f2a1c9d0b8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a";
const NGINX_SHA256: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// Runs `tool all -i localhost, -c local -m setup` with a jsonfile cache in `cache` (and a
/// `--tree` directory when given), reading custom facts from `facts_d`.
fn setup(tool: &Path, cache: &Path, tree: Option<&Path>, facts_d: &Path) {
    let sandbox = tempfile::tempdir().unwrap();
    let config = sandbox.path().join("ansible.cfg");
    std::fs::write(&config, "[defaults]\n").unwrap();
    let mut cmd = Command::new(tool);
    cmd.args(["all", "-i", "localhost,", "-c", "local", "-m", "setup"])
        .arg("-a")
        .arg(format!("fact_path={}", facts_d.display()))
        .arg("-e")
        .arg(format!("ansible_python_interpreter={}", python()))
        .current_dir(sandbox.path())
        .env("ANSIBLE_CONFIG", &config)
        .env("ANSIBLE_HOME", sandbox.path())
        .env("ANSIBLE_LOCAL_TEMP", sandbox.path().join("tmp"))
        .env("ANSIBLE_REMOTE_TEMP", sandbox.path().join("rtmp"))
        .env("ANSIBLE_CACHE_PLUGIN", "jsonfile")
        .env("ANSIBLE_CACHE_PLUGIN_CONNECTION", cache)
        .env("ANSIBLE_NOCOLOR", "1");
    if let Some(tree) = tree {
        cmd.arg("--tree").arg(tree);
    }
    let out = cmd.output().expect("ansible runs");
    assert!(
        out.status.success(),
        "{} -m setup failed: {}{}",
        tool.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The custom fact a deployment writes to `/etc/ansible/facts.d/provenance.fact`.
fn provenance_fact(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("provenance.fact"),
        serde_json::json!({
            "commit": COMMIT,
            "files": {
                "/etc/nginx/nginx.conf": {"sha256": NGINX_SHA256, "source": "roles/web/files/nginx.conf"},
                "/etc/motd": {"checksum": "0123456789abcdef0123456789abcdef01234567", "template": true}
            }
        })
        .to_string(),
    )
    .unwrap();
}

/// The facts object of a file Ansible wrote, whatever its layout.
fn facts_in(path: &Path) -> serde_json::Map<String, Value> {
    let root: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    match root {
        Value::Object(mut map) => {
            if let Some(Value::String(payload)) = map.get("__payload__") {
                serde_json::from_str(payload).unwrap()
            } else if let Some(Value::Object(facts)) = map.remove("ansible_facts") {
                facts
            } else {
                map
            }
        }
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn real_fact_caches_of_both_layouts_and_tree_output_are_read() {
    let (Some(a219), Some(a218)) = (oracle("ansible"), oracle("ansible-2.18")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let facts_d = dir.path().join("facts.d");
    provenance_fact(&facts_d);
    let (c219, c218, tree) = (
        dir.path().join("cache-2.19"),
        dir.path().join("cache-2.18"),
        dir.path().join("tree"),
    );
    setup(&a219, &c219, Some(&tree), &facts_d);
    setup(&a218, &c218, None, &facts_d);

    // The layouts really differ: 2.19 wraps, 2.18 does not.
    assert!(c219.join("s1_localhost").is_file(), "2.19 writes s1_<host>");
    assert!(c218.join("localhost").is_file(), "2.18 writes <host>");
    let raw219: Value =
        serde_json::from_slice(&std::fs::read(c219.join("s1_localhost")).unwrap()).unwrap();
    assert!(raw219.get("__payload__").is_some_and(Value::is_string));

    for (dir, file) in [
        (&c219, c219.join("s1_localhost")),
        (&c218, c218.join("localhost")),
        (&tree, tree.join("localhost")),
    ] {
        let scan = read_facts(std::slice::from_ref(dir), Path::new("/"));
        assert_eq!(scan.inputs.len(), 1, "{:?}", scan.inputs);
        assert_eq!(
            scan.inputs[0].status,
            InputStatus::Read,
            "{:?}",
            scan.inputs[0]
        );
        assert_eq!(scan.hosts.len(), 1);
        let host = &scan.hosts[0];
        assert_eq!(host.name, "localhost", "{}", file.display());
        let facts = facts_in(&file);
        let text = |k: &str| facts.get(k).and_then(Value::as_str).map(str::to_string);
        assert_eq!(host.identity.fqdn, text("ansible_fqdn"));
        assert_eq!(host.identity.hostname, text("ansible_hostname"));
        assert_eq!(
            host.identity.default_ipv4,
            facts
                .get("ansible_default_ipv4")
                .and_then(|v| v.get("address"))
                .and_then(Value::as_str)
                .map(str::to_string)
        );
        let all: Vec<String> = facts["ansible_all_ipv4_addresses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert!(all.iter().all(|a| host.identity.addresses.contains(a)));
        // The custom fact went through the real setup module into ansible_local.
        let provenance = host.provenance.as_ref().expect("ansible_local.provenance");
        assert_eq!(provenance.commit.as_ref().unwrap().0, COMMIT);
        let nginx = provenance
            .files
            .iter()
            .find(|f| f.path == "/etc/nginx/nginx.conf")
            .unwrap();
        assert_eq!(
            (nginx.algorithm, nginx.digest.as_str()),
            ("sha256", NGINX_SHA256)
        );
        assert_eq!(nginx.source.as_deref(), Some("roles/web/files/nginx.conf"));
        let motd = provenance
            .files
            .iter()
            .find(|f| f.path == "/etc/motd")
            .unwrap();
        assert!(motd.template);
        assert_eq!(motd.algorithm, "sha1");
    }
}

#[test]
fn every_corpus_fact_file_is_read_or_reported() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/ansible-facts");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("the corpus is beside the repository")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "{}", files.len());
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let (input, host) = read_fact_file(&file, &name);
        assert!(input.sha256.is_some(), "{name}");
        if name.ends_with(".fact") {
            // facts.d sources, not cache entries.
            assert_eq!(
                input.status,
                InputStatus::Skipped,
                "{name}: {}",
                input.detail
            );
            continue;
        }
        let parsed: Result<Value, _> = serde_json::from_slice(&std::fs::read(&file).unwrap());
        let Ok(Value::Object(root)) = parsed else {
            assert_eq!(input.status, InputStatus::Unreadable, "{name}");
            assert!(input.line.is_some(), "{name}: {input:?}");
            continue;
        };
        let facts = facts_in(&file);
        if root.contains_key("unreachable") {
            assert_eq!(input.status, InputStatus::Skipped, "{name}");
            assert!(host.is_none());
            continue;
        }
        assert_eq!(input.status, InputStatus::Read, "{name}: {}", input.detail);
        let host = host.unwrap();
        assert_eq!(host.name, name.strip_suffix(".json").unwrap_or(&name));
        let fqdn = facts.get("ansible_fqdn").and_then(Value::as_str);
        assert_eq!(
            host.identity.fqdn.as_deref(),
            fqdn.map(str::trim).filter(|f| !f.is_empty()),
            "{name}"
        );
        let default = facts
            .get("ansible_default_ipv4")
            .and_then(|v| v.get("address"))
            .and_then(Value::as_str);
        assert_eq!(host.identity.default_ipv4.as_deref(), default, "{name}");
    }
}
