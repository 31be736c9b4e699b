//! Inventories read by provenant against the real `ansible-inventory --list`: every inventory in
//! `../shared/corpus/ansible-inventory/` and a set generated here (ranges, children, variable
//! precedence, group_vars directories, YAML 1.1 values, JSON from scripts) must give the same
//! hosts, the same groups (direct hosts and children) and the same merged host variables.
//!
//! Where provenant deliberately differs, the comparison normalises and says why:
//! * vault-encrypted values: Ansible prints the ciphertext, provenant keeps only its sha256;
//! * `!unsafe` values: Ansible marks them `{"__ansible_unsafe": ...}`, provenant keeps the
//!   string (it never templates anything);
//! * files Ansible cannot parse: Ansible warns and keeps whatever the failed reader added
//!   before it stopped; provenant reports the file unreadable (PV010) with its line and keeps
//!   nothing of it, so only the failure itself is compared;
//! * inventory plugin configurations and vault-encrypted inventories: both tools fail to read
//!   them without live access or the vault password; provenant says what to give it instead.
//!
//! The real tool comes from `../shared/tools/setup-oracles.sh` (`.ci/run` installs it). In CI
//! (`CI` set) a missing tool fails the test; elsewhere the test is skipped with a reason.

use provenant::model::InputStatus;
use provenant::scan::ansible::inventory::ALL;
use provenant::scan::ansible::{read_inventory, InventoryScan};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
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

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/ansible-inventory")
}

/// What `ansible-inventory -i SOURCE --list` prints, and the sources it could not parse.
fn ansible_list(tool: &Path, source: &Path) -> (Value, String) {
    let sandbox = tempfile::tempdir().unwrap();
    let config = sandbox.path().join("ansible.cfg");
    std::fs::write(&config, "[defaults]\n").unwrap();
    let output = Command::new(tool)
        .args(["-i"])
        .arg(source)
        .arg("--list")
        .current_dir(sandbox.path())
        .env("ANSIBLE_CONFIG", &config)
        .env("ANSIBLE_HOME", sandbox.path())
        .env("ANSIBLE_LOCAL_TEMP", sandbox.path())
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_DEPRECATION_WARNINGS", "0")
        .output()
        .expect("ansible-inventory runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "ansible-inventory failed on {}: {stderr}",
        source.display()
    );
    (
        serde_json::from_slice(&output.stdout).expect("ansible-inventory prints JSON"),
        stderr,
    )
}

/// Our inventory in the shape of `--list`.
fn our_list(scan: &InventoryScan) -> Value {
    let inv = &scan.inventory;
    let mut out = Map::new();
    let mut hostvars = Map::new();
    for (h, host) in inv.hosts.iter().enumerate() {
        let vars: Map<String, Value> = inv
            .host_vars(h)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.value.clone()))
            .collect();
        if !vars.is_empty() {
            hostvars.insert(host.name.clone(), Value::Object(vars));
        }
    }
    for (g, group) in inv.groups.iter().enumerate() {
        let mut entry = Map::new();
        if g != ALL {
            let hosts: Vec<Value> = group
                .hosts
                .iter()
                .map(|&h| Value::String(inv.hosts[h].name.clone()))
                .collect();
            if !hosts.is_empty() {
                entry.insert("hosts".into(), Value::Array(hosts));
            }
        }
        let children: Vec<Value> = group
            .children
            .iter()
            .map(|&c| Value::String(inv.groups[c].name.clone()))
            .collect();
        if !children.is_empty() {
            entry.insert("children".into(), Value::Array(children));
        }
        if !entry.is_empty() {
            out.insert(group.name.clone(), Value::Object(entry));
        }
    }
    out.insert("_meta".into(), json!({ "hostvars": hostvars }));
    Value::Object(out)
}

/// Ansible's output with our deliberate differences applied (see the module comment); on our
/// own output only the float spelling is normalised.
fn normalise(value: Value, ansible: bool) -> Value {
    match value {
        Value::Object(map) if ansible && map.len() == 1 && map.contains_key("__ansible_vault") => {
            let ciphertext = map["__ansible_vault"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            provenant::scan::ansible::yaml::vault_value(&ciphertext)
        }
        Value::Object(map) if ansible && map.len() == 1 && map.contains_key("__ansible_unsafe") => {
            map["__ansible_unsafe"].clone()
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| k != "profile")
                .map(|(k, v)| (k, normalise(v, ansible)))
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| normalise(v, ansible)).collect())
        }
        Value::Number(n) if n.to_string().contains(['.', 'e', 'E']) => {
            // Python and Rust spell some floats differently (`1e+16`, `1e16`): compare values.
            json!(n.as_f64().unwrap_or(f64::NAN))
        }
        other => other,
    }
}

/// Groups as (sorted hosts, sorted children), so that order does not matter.
fn groups(list: &Value) -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
    let names = |v: Option<&Value>| -> BTreeSet<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    list.as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "_meta")
        .map(|(k, v)| (k.clone(), (names(v.get("hosts")), names(v.get("children")))))
        .collect()
}

fn compare(case: &str, ansible: &Value, ours: &Value) {
    let ansible = normalise(ansible.clone(), true);
    let ours = normalise(ours.clone(), false);
    assert_eq!(groups(&ours), groups(&ansible), "{case}: groups differ");
    let theirs = &ansible["_meta"]["hostvars"];
    let mine = &ours["_meta"]["hostvars"];
    let hosts = |v: &Value| -> BTreeSet<String> {
        v.as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(
        hosts(mine),
        hosts(theirs),
        "{case}: hosts with variables differ"
    );
    for host in hosts(theirs) {
        assert_eq!(
            mine[&host], theirs[&host],
            "{case}: variables of {host} differ"
        );
    }
    eprintln!(
        "{case}: {} groups and the variables of {} hosts agree",
        groups(&ansible).len(),
        hosts(theirs).len()
    );
}

/// Compares one inventory source, or checks that both tools refuse it.
fn check(tool: &Path, case: &str, source: &Path, ours_source: &Path) {
    let (ansible, stderr) = ansible_list(tool, source);
    let scan = read_inventory(ours_source, ours_source.parent().unwrap(), None);
    let failed_inputs: Vec<_> = scan
        .inputs
        .iter()
        .filter(|i| i.status == InputStatus::Unreadable)
        .collect();
    // Sources Ansible could not parse: a file must be unreadable for us too; a directory with
    // nothing to parse in it (only group_vars/, say) holds no hosts for either tool.
    let unparsed: Vec<PathBuf> = stderr
        .lines()
        .filter_map(|l| l.split("Unable to parse ").nth(1))
        .filter_map(|l| l.strip_suffix(" as an inventory source"))
        .map(PathBuf::from)
        .filter(|p| !p.is_dir())
        .collect();
    if !unparsed.is_empty() {
        assert!(
            !failed_inputs.is_empty(),
            "{case}: Ansible could not parse {unparsed:?} ({stderr}), provenant read it all"
        );
        for input in &failed_inputs {
            assert!(
                input.line.is_some() || input.detail.contains("vault"),
                "{case}: {input:?}"
            );
        }
        eprintln!("{case}: both refuse it: {}", failed_inputs[0].detail);
        return;
    }
    assert!(
        failed_inputs.is_empty(),
        "{case}: Ansible read it, provenant did not: {failed_inputs:?}"
    );
    compare(case, &ansible, &our_list(&scan));
}

/// A script that prints a JSON inventory, so Ansible reads the JSON as it would a script's.
fn as_script(dir: &Path, json: &Path) -> PathBuf {
    let script = dir.join("inventory.sh");
    std::fs::write(&script, format!("#!/bin/sh\ncat '{}'\n", json.display())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    script
}

#[test]
fn every_corpus_inventory_reads_as_ansible_reads_it() {
    let Some(tool) = oracle("ansible-inventory") else {
        return;
    };
    let root = corpus();
    let mut cases: Vec<PathBuf> = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&root)
        .expect("the corpus is beside the repository")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            // The directory as one source, and each inventory file in it alone.
            cases.push(entry.clone());
            let mut files: Vec<_> = std::fs::read_dir(&entry)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            cases.extend(files);
        } else {
            cases.push(entry);
        }
    }
    assert!(
        cases.len() >= 25,
        "the corpus has its inventories: {}",
        cases.len()
    );
    let scratch = tempfile::tempdir().unwrap();
    for case in &cases {
        let name = case.strip_prefix(&root).unwrap().display().to_string();
        let is_json = case.extension().is_some_and(|e| e == "json");
        if is_json {
            // `--list` output and script output: Ansible reads them from a script.
            let script = as_script(scratch.path(), case);
            check(&tool, &name, &script, case);
        } else {
            check(&tool, &name, case, case);
        }
    }
}

/// Writes `files` (path, content) below a fresh directory.
fn estate(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

#[test]
fn generated_inventories_read_as_ansible_reads_them() {
    let Some(tool) = oracle("ansible-inventory") else {
        return;
    };
    // (name, files to write, the inventory source among them)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "ranges",
            vec![(
                "hosts",
                "web[01:12].example.com\ndb-[a:f] role=db\nmix[1:3]-[x:y].lan:2222\nstep[0:20:5]\n[edge]\n10.0.[1:3].[7:8]\nbare[:2]\n",
            )],
            "hosts",
        ),
        (
            "children-declared-later-and-nested",
            vec![(
                "hosts",
                "[prod:children]\nweb\ndb\n[web]\nw1\nw2\n[db]\nd1\n[eu:children]\nprod\n[prod:vars]\nenv=prod\n[eu:vars]\nenv=eu\nregion=eu-west-1\n[web:vars]\nenv=web\n",
            )],
            "hosts",
        ),
        (
            "vars-precedence",
            vec![
                (
                    "inv/hosts",
                    "[a]\nh1 x=host\nh2\n[b]\nh1\nh2\n[b:vars]\nx=b\ny=b\nansible_group_priority=5\n[a:vars]\nx=a\ny=a\nz=a\n[all:vars]\nx=all\nw=all\n[c:children]\na\n[c:vars]\nz=c\n",
                ),
                ("inv/group_vars/all.yml", "w: gv-all\nv: gv-all\n"),
                ("inv/group_vars/a.yml", "v: gv-a\nz: gv-a\n"),
                ("inv/group_vars/b", "v: gv-b\n"),
                ("inv/group_vars/b.yml", "ignored: because b without extension wins\n"),
                ("inv/host_vars/h1.yml", "x: hv\n"),
                ("inv/host_vars/h2.json", "{\"from_json\": [1, 2]}\n"),
            ],
            "inv/hosts",
        ),
        (
            "group-vars-directories",
            vec![
                ("inv/hosts.ini", "[web]\nweb1\n[k8s:children]\nweb\n"),
                ("inv/group_vars/all/10-base.yml", "a: 1\nb: 1\n"),
                ("inv/group_vars/all/20-over.yaml", "b: 2\n"),
                ("inv/group_vars/all/nested/30.json", "{\"c\": 3}"),
                ("inv/group_vars/all/.hidden.yml", "a: hidden\n"),
                ("inv/group_vars/all/notes.txt", "a: txt\n"),
                ("inv/group_vars/all/old.yml~", "a: backup\n"),
                ("inv/group_vars/k8s/addons.yml", "dns: coredns\n"),
                ("inv/host_vars/web1/a.yml", "h: 1\n"),
                ("inv/host_vars/web1/b.yml", "h: 2\n"),
            ],
            "inv",
        ),
        (
            "ini-values",
            vec![(
                "hosts",
                "[t]\nh1 i=0 f=3.0 neg=-2 hex=0x1F oct=0644 b=True n=None yes=yes s='a b' d=\"x\\\"y\" l=[1,'a'] m=\"{'k': [1, 2]}\" c=1+2j e=1e3 u=1_000 big=123456789012345678901234567890\nh2:2200 ansible_host=10.0.0.2 # a comment\n[t:vars]\nspaced = a value with spaces\ncomment=kept # in the value\nnum = 42 # python comment\nj={{ ansible_host }}\n",
            )],
            "hosts",
        ),
        (
            "yaml-1-1",
            vec![(
                "inv.yml",
                "all:\n  vars: &defaults\n    b1: yes\n    b2: Off\n    mode: 0644\n    hex: 0x1F\n    s60: 1:20\n    f: 1.5e+3\n    notf: 1e3\n    day: 2001-12-14\n    nothing: ~\n    u: !unsafe '{{ x }}'\n    big: 1_000\n  children:\n    web:\n      hosts:\n        web[1:3]:\n          <<: *defaults\n          own: 1\n          secret: !vault |\n            $ANSIBLE_VAULT;1.1;AES256\n            6162636465\n        \"web9:2222\":\n      vars:\n        quoted: '0644'\n    db:\n      hosts: db1\n      children:\n        replicas:\n          hosts:\n            r1: {ansible_host: 10.0.0.9}\n",
            )],
            "inv.yml",
        ),
        (
            "multi-file-directory",
            vec![
                ("inv/01-static.ini", "[web]\nw1\n[web:vars]\nfrom=ini\n"),
                ("inv/02-more.yml", "web:\n  hosts:\n    w2:\n  vars:\n    from: yaml\n"),
                ("inv/README.md", "not an inventory\n"),
                ("inv/.hidden", "[x]\nhidden\n"),
                ("inv/group_vars/web.yml", "gv: web\n"),
            ],
            "inv",
        ),
        (
            "toml",
            vec![(
                "inv.toml",
                "[all.vars]\nx = 1\n[web]\nchildren = [\"fe\"]\n[web.hosts]\nw1 = { port = 1 }\n[fe.hosts]\n\"fe[1:2]\" = {}\n",
            )],
            "inv.toml",
        ),
    ];
    for (name, files, source) in cases {
        let dir = estate(&files);
        let path = dir.path().join(source);
        check(&tool, name, &path, &path);
    }
}

#[test]
fn json_from_scripts_reads_as_ansible_reads_it() {
    let Some(tool) = oracle("ansible-inventory") else {
        return;
    };
    let dir = estate(&[(
        "inv.json",
        r#"{
  "_meta": {"hostvars": {
      "w1": {"deploy_commit": "3f2a1c9", "ansible_host": "10.0.0.5",
             "secret": {"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256\n6162\n"}},
      "not-listed": {"x": 1}}},
  "all": {"children": ["web", "ungrouped"], "vars": {"env": "prod"}},
  "web": {"hosts": ["w1", "w2"], "vars": {"tier": "web"}, "children": ["canary"]},
  "canary": {"hosts": ["w2"]},
  "legacy": ["l1", "l2"]
}"#,
    )]);
    let json = dir.path().join("inv.json");
    let script = as_script(dir.path(), &json);
    check(&tool, "script-json", &script, &json);
}

#[test]
fn the_100000_host_inventory_reads_in_full() {
    // Not compared with Ansible (which takes minutes on it): it must read completely, quickly.
    let mut ini = String::from("[web]\nweb[000001:100000].example.com role=web\n[all:vars]\nx=1\n");
    ini.push_str("[db]\n");
    for i in 0..1000 {
        ini.push_str(&format!(
            "db{i} ansible_host=10.1.{}.{}\n",
            i / 250,
            i % 250
        ));
    }
    let dir = estate(&[("big.ini", &ini)]);
    let started = std::time::Instant::now();
    let scan = read_inventory(&dir.path().join("big.ini"), dir.path(), None);
    assert_eq!(scan.inventory.hosts.len(), 101_000);
    assert!(scan.inputs.iter().all(|i| i.status == InputStatus::Read));
    let last = scan.inventory.host("web100000.example.com").unwrap();
    assert_eq!(scan.inventory.host_vars(last)["x"].value, json!(1));
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
}
