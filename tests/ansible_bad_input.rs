//! Bad Ansible input: every problem is an unreadable input with the file and line and a
//! message that says what is wrong; nothing hangs, nothing panics, nothing eats the machine.

use provenant::model::{InputKind, InputStatus};
use provenant::scan::ansible::facts::read_fact_file;
use provenant::scan::ansible::inventory::Inventory;
use provenant::scan::ansible::read_inventory;
use provenant::scan::ansible::source::read_source;
use std::path::Path;
use std::time::{Duration, Instant};

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// Reads one inventory file; returns the first input.
fn read_one(name: &str, text: &str) -> provenant::model::Input {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, text);
    let scan = read_inventory(&path, dir.path(), None);
    scan.inputs.into_iter().next().unwrap()
}

fn unreadable_at(input: &provenant::model::Input, line: u32, words: &str) {
    assert_eq!(input.status, InputStatus::Unreadable, "{input:?}");
    assert_eq!(input.line, Some(line), "{input:?}");
    assert!(
        input.detail.contains(words),
        "`{words}` in {:?}",
        input.detail
    );
    assert!(input.sha256.is_some());
}

#[test]
fn a_malformed_ini_line_names_its_line() {
    let input = read_one("hosts", "[web]\nweb1\nweb2 ansible_host\nweb3\n");
    unreadable_at(
        &input,
        3,
        "expected key=value host variable assignment, got `ansible_host`",
    );
    let input = read_one("hosts", "[web]\nweb1\n[web:typo]\nx=1\n");
    unreadable_at(&input, 3, "unknown type `typo`");
    let input = read_one("hosts", "[web]\nweb1 a=\"unclosed\n");
    unreadable_at(&input, 2, "No closing quotation");
}

#[test]
fn an_unterminated_range_names_its_line() {
    let input = read_one("hosts", "[web]\nweb[01:05.example.com\n");
    unreadable_at(&input, 2, "web[01:05.example.com");
    let input = read_one("hosts", "[web]\nok1\nweb[01:5]\n");
    unreadable_at(&input, 3, "same length");
}

fn billion_laughs() -> String {
    let mut text = String::from("lol0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("lol{i}: &a{i} [{refs}]\n"));
    }
    text
}

#[test]
fn a_yaml_bomb_is_refused_quickly_in_an_inventory_and_in_group_vars() {
    let started = Instant::now();
    let inventory = format!(
        "all:\n  vars:\n{}",
        billion_laughs()
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    );
    let input = read_one("bomb.yml", &inventory);
    assert_eq!(input.status, InputStatus::Unreadable, "{input:?}");
    assert!(input.detail.contains("alias bomb"), "{:?}", input.detail);
    assert!(input.line.is_some());

    let dir = tempfile::tempdir().unwrap();
    let hosts = write(dir.path(), "inv/hosts", "[web]\nweb1\n");
    write(dir.path(), "inv/group_vars/web.yml", &billion_laughs());
    let scan = read_inventory(&hosts, dir.path(), None);
    let vars = scan
        .inputs
        .iter()
        .find(|i| i.kind == InputKind::AnsibleVars)
        .expect("the vars file is in the scope");
    assert_eq!(vars.status, InputStatus::Unreadable);
    assert!(vars.detail.contains("alias bomb"), "{vars:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_100000_host_yaml_inventory_reads_in_full() {
    let mut text =
        String::from("all:\n  vars: &d\n    role: web\n  children:\n    web:\n      hosts:\n");
    for i in 0..100_000 {
        text.push_str(&format!(
            "        web{i:06}:\n          <<: *d\n          ansible_host: 10.{}.{}.{}\n",
            i / 65536,
            (i / 256) % 256,
            i % 256
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "big.yml", &text);
    let started = Instant::now();
    let scan = read_inventory(&path, dir.path(), None);
    assert_eq!(
        scan.inputs[0].status,
        InputStatus::Read,
        "{:?}",
        scan.inputs[0]
    );
    assert_eq!(scan.inventory.hosts.len(), 100_000);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_fact_file_that_is_not_json_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "web1",
        "{\n  \"ansible_fqdn\": \"web1\",\n  ansible_hostname: web1\n}\n",
    );
    let (input, host) = read_fact_file(&path, "facts/web1");
    assert!(host.is_none());
    unreadable_at(&input, 3, "not valid JSON");
    let path = write(dir.path(), "web2", "ansible_fqdn=web2\n");
    let (input, _) = read_fact_file(&path, "facts/web2");
    unreadable_at(&input, 1, "not valid JSON");
    let path = write(dir.path(), "web3", "[1, 2]");
    let (input, _) = read_fact_file(&path, "facts/web3");
    unreadable_at(&input, 1, "a JSON object");
}

#[test]
fn inventories_provenant_cannot_read_say_what_to_give_it() {
    let input = read_one(
        "aws_ec2.yml",
        "plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n",
    );
    assert_eq!(input.kind, InputKind::AnsibleInventoryPlugin);
    assert_eq!(input.status, InputStatus::Unreadable);
    assert!(
        input
            .detail
            .contains("ansible-inventory -i aws_ec2.yml --list"),
        "{}",
        input.detail
    );

    let input = read_one("vaulted", "$ANSIBLE_VAULT;1.1;AES256\n6162\n");
    assert!(input.detail.contains("never decrypts"), "{}", input.detail);
    assert!(!input.detail.contains("6162"));

    let dir = tempfile::tempdir().unwrap();
    let latin1 = dir.path().join("latin1");
    std::fs::write(&latin1, b"[web]\nw\xe9b1\n").unwrap();
    let input = read_source(&latin1, "latin1", &mut Inventory::new());
    assert_eq!(input.status, InputStatus::Unreadable);
    assert_eq!(input.line, Some(2), "{input:?}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let script = write(
            dir.path(),
            "ec2.py",
            "#!/usr/bin/env python3\nprint('{}')\n",
        );
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let input = read_source(&script, "ec2.py", &mut Inventory::new());
        assert_eq!(input.kind, InputKind::AnsibleInventoryScript);
        assert!(
            input.detail.contains("ec2.py --list > inventory.json"),
            "{}",
            input.detail
        );
    }
}

#[test]
fn truncated_corpus_inventories_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/ansible-inventory");
    let mut files = Vec::new();
    let mut pending = vec![root];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let step = (bytes.len() / 23).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(&name);
            std::fs::write(&path, &bytes[..cut]).unwrap();
            let input = read_source(&path, &name, &mut Inventory::new());
            if input.status == InputStatus::Unreadable {
                assert!(!input.detail.is_empty(), "{name} cut at {cut}");
            }
        }
    }
}
