//! The Ansible side of the estate: the roles committed in the repository (whose `files/` the
//! hosts receive verbatim), the inventory (`inventory/hosts.ini` and `group_vars/`) and the
//! jsonfile fact cache ansible-core 2.19 leaves after `gather_facts`, with the custom fact
//! `ansible_local.provenance` a deployment writes (the commit deployed and a digest per file).

use crate::claims::{Pick, Picker, Tally, Verdict};
use crate::repo::History;
use crate::rng::{sha256_hex, Rng};
use crate::terraform;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

pub const ROLES: [&str; 24] = [
    "common",
    "ntp",
    "sshd",
    "node_exporter",
    "users",
    "firewall",
    "logging",
    "backup",
    "nginx",
    "app",
    "postgres",
    "redis",
    "rabbitmq",
    "worker",
    "haproxy",
    "elasticsearch",
    "kafka",
    "zookeeper",
    "memcached",
    "consul",
    "vault_agent",
    "docker",
    "bind",
    "monitoring",
];

/// Inventory groups and the role that makes their hosts what they are.
pub const GROUPS: [(&str, &str); 10] = [
    ("web", "nginx"),
    ("app", "app"),
    ("db", "postgres"),
    ("cache", "redis"),
    ("queue", "rabbitmq"),
    ("worker", "worker"),
    ("lb", "haproxy"),
    ("search", "elasticsearch"),
    ("kafka", "kafka"),
    ("monitor", "monitoring"),
];

/// Roles every host gets.
const BASE_ROLES: [&str; 4] = ["common", "ntp", "sshd", "node_exporter"];

/// The files of a role (name in `files/`, where a host receives it).
pub fn role_files(role: &str) -> [(String, String); 3] {
    [
        (format!("{role}.conf"), format!("/etc/{role}/{role}.conf")),
        (
            format!("{role}-limits.conf"),
            format!("/etc/security/limits.d/{role}.conf"),
        ),
        (
            format!("{role}.service"),
            format!("/etc/systemd/system/{role}.service"),
        ),
    ]
}

/// Environment weights, out of 100: prod, staging, dev, qa, perf.
const ENV_WEIGHTS: [usize; 5] = [40, 20, 15, 15, 10];

pub struct Host {
    pub env: &'static str,
    pub group: &'static str,
    pub role: &'static str,
    pub short: String,
    pub fqdn: String,
    pub ip: String,
}

pub fn host(seed: u64, i: usize) -> Host {
    let mut rng = Rng::item(seed, "host", i as u64);
    let mut roll = rng.below(100);
    let mut env = terraform::ENVS[0];
    for (e, w) in terraform::ENVS.iter().zip(ENV_WEIGHTS) {
        if roll < w {
            env = e;
            break;
        }
        roll -= w;
    }
    let (group, role) = GROUPS[rng.below(GROUPS.len())];
    let short = format!("{group}-{i:05}");
    Host {
        env,
        group,
        role,
        fqdn: format!("{short}.{env}.example.com"),
        short,
        ip: terraform::private_ip(i),
    }
}

/// Writes `inventory/hosts.ini` and `inventory/group_vars/`; returns the tally of the claims.
pub fn write_inventory(
    dir: &Path,
    seed: u64,
    hosts: usize,
    picker: &Picker<'_>,
) -> std::io::Result<Tally> {
    let mut tally = Tally::default();
    std::fs::create_dir_all(dir.join("group_vars"))?;
    let all: Vec<Host> = (0..hosts).map(|i| host(seed, i)).collect();
    let mut ini = String::new();
    let _ = writeln!(
        ini,
        "# Production inventory: {hosts} hosts, one group per role and environment.\n\
         # deploy_commit pins a host to a commit; group_vars set app_commit per group.\n"
    );
    ini.push_str(
        "[all:vars]\nansible_user=deploy\nansible_python_interpreter=/usr/bin/python3\n\n",
    );
    for env in terraform::ENVS {
        for (group, _) in GROUPS {
            let _ = writeln!(ini, "[{group}_{env}]");
            for (i, h) in all.iter().enumerate() {
                if h.env != env || h.group != group {
                    continue;
                }
                let mut rng = Rng::item(seed, "host-vars", i as u64);
                let _ = write!(ini, "{} ansible_host={}", h.fqdn, h.ip);
                if rng.chance(0.2) {
                    let pick = picker.mixed(&mut rng, 400, 0.025, 0.015);
                    tally.claim(pick.verdict);
                    let _ = write!(ini, " deploy_commit=\"{}\"", pick.value);
                }
                if rng.chance(0.1) {
                    let _ = write!(ini, " rack=r{}", rng.range(1, 40));
                }
                ini.push('\n');
            }
            ini.push('\n');
        }
    }
    for (group, _) in GROUPS {
        let _ = writeln!(ini, "[{group}:children]");
        for env in terraform::ENVS {
            let _ = writeln!(ini, "{group}_{env}");
        }
        ini.push('\n');
    }
    for env in terraform::ENVS {
        let _ = writeln!(ini, "[{env}:children]");
        for (group, _) in GROUPS {
            let _ = writeln!(ini, "{group}_{env}");
        }
        ini.push('\n');
    }
    std::fs::write(dir.join("hosts.ini"), ini)?;

    let gv = dir.join("group_vars");
    std::fs::write(
        gv.join("all.yml"),
        "---\nntp_servers:\n  - 10.0.0.2\n  - 10.0.0.3\ndns_servers: [10.0.0.53, 10.0.1.53]\n\
         deploy_user: deploy\nmonitoring_endpoint: https://metrics.example.com/push\n",
    )?;
    for env in terraform::ENVS {
        std::fs::write(
            gv.join(format!("{env}.yml")),
            format!(
                "---\nenv_name: {env}\nlog_level: {}\nbackup_enabled: {}\n",
                if env == "prod" { "warn" } else { "debug" },
                if env == "prod" { "yes" } else { "no" }
            ),
        )?;
    }
    for (group, role) in GROUPS {
        std::fs::write(
            gv.join(format!("{group}.yml")),
            format!("---\nprimary_role: {role}\nopen_ports:\n  - 22\n  - 9100\n"),
        )?;
    }
    // app_commit per group of the app and worker roles: a release tag in prod, the commit
    // staging runs, a feature branch in dev (unreleased), a tag not cut yet in qa (unknown),
    // and a hotfix tag (reachable from no release branch) in perf.
    let members = |group: &str, env: &str| {
        all.iter()
            .filter(|h| h.group == group && h.env == env)
            .count()
    };
    for group in ["app", "worker"] {
        for env in terraform::ENVS {
            let mut rng = Rng::item(seed, &format!("group-vars-{group}-{env}"), 0);
            let (value, verdict) = match (group, env) {
                (_, "prod") => match picker.release_tag(0) {
                    Some((tag, _)) => (tag, Verdict::Released),
                    None => sha(picker.released(&mut rng, 100)),
                },
                ("app", "dev") => sha(picker.unreleased(&mut rng)),
                ("worker", "qa") => (picker.next_release_tag(), Verdict::Unknown),
                ("app", "perf") => match picker.hotfix_tag() {
                    Some((tag, _)) => (tag, Verdict::Unreleased),
                    None => sha(picker.released(&mut rng, 100)),
                },
                _ => sha(picker.released(&mut rng, 300)),
            };
            for _ in 0..members(group, env) {
                tally.claim(verdict);
            }
            std::fs::write(
                gv.join(format!("{group}_{env}.yml")),
                format!(
                    "---\napp_commit: \"{value}\"\napp_replicas: {}\n",
                    rng.range(2, 6)
                ),
            )?;
        }
    }
    Ok(tally)
}

fn sha(pick: Pick) -> (String, Verdict) {
    (pick.value, pick.verdict)
}

/// Writes the fact cache: one `s1_<host>` file per host that reported (most of them), and a
/// few for machines no inventory lists any more.
pub fn write_facts(
    dir: &Path,
    seed: u64,
    hosts: usize,
    picker: &Picker<'_>,
) -> std::io::Result<Tally> {
    std::fs::create_dir_all(dir)?;
    let extra = hosts / 200;
    let tallies: Vec<std::io::Result<Tally>> = {
        use rayon::prelude::*;
        (0..hosts + extra)
            .into_par_iter()
            .map(|i| {
                let mut rng = Rng::item(seed, "facts", i as u64);
                let (h, gone) = if i < hosts {
                    if rng.chance(0.02) {
                        return Ok(Tally::default()); // never gathered
                    }
                    (host(seed, i), false)
                } else {
                    let mut h = host(seed, i);
                    h.short = format!("old-{}", h.short);
                    h.fqdn = format!("old-{}", h.fqdn);
                    h.ip = format!("172.20.{}.{}", (i - hosts) / 254, (i - hosts) % 254 + 1);
                    (h, true)
                };
                let mut tally = Tally::default();
                let facts = facts_of(seed, i, &h, gone, hosts, picker, &mut rng, &mut tally);
                let payload = python_json(&facts);
                let outer = python_json(&json!({ "__payload__": payload }));
                let mut f = std::fs::File::create(dir.join(format!("s1_{}", h.fqdn)))?;
                f.write_all(outer.as_bytes())?;
                Ok(tally)
            })
            .collect()
    };
    Tally::sum_of(tallies)
}

/// The facts `setup` gathers on an EC2 (or on-premises) Ubuntu host, with the provenance fact.
#[allow(clippy::too_many_arguments)]
fn facts_of(
    seed: u64,
    i: usize,
    h: &Host,
    gone: bool,
    hosts: usize,
    picker: &Picker<'_>,
    rng: &mut Rng,
    tally: &mut Tally,
) -> Value {
    let ec2 = !gone && i < hosts && i % 3 != 2;
    let mac = format!(
        "0a:{}:{}:{}:{}:{}",
        &rng.hex(1),
        &rng.hex(1),
        &rng.hex(1),
        &rng.hex(1),
        &rng.hex(1)
    );
    let mem = [4096, 8192, 16384, 32768][rng.below(4)];
    let vcpus = [2, 4, 8][rng.below(3)];
    let epoch = 1_730_000_000 + rng.below(86_400 * 30) as i64;
    let mut f = Map::new();
    let mut put = |k: &str, v: Value| {
        f.insert(k.to_string(), v);
    };
    put("ansible_system_capabilities_enforced", json!("True"));
    put("ansible_system_capabilities", json!([]));
    put("ansible_distribution", json!("Ubuntu"));
    put("ansible_distribution_release", json!("jammy"));
    put("ansible_distribution_version", json!("22.04"));
    put("ansible_distribution_major_version", json!("22"));
    put("ansible_distribution_file_path", json!("/etc/os-release"));
    put("ansible_distribution_file_variety", json!("Debian"));
    put("ansible_distribution_file_parsed", json!(true));
    put("ansible_os_family", json!("Debian"));
    put(
        "ansible_cmdline",
        json!({"BOOT_IMAGE": "/boot/vmlinuz-6.5.0-1022-aws", "root": "PARTUUID=3c0a5e9b-01", "ro": true, "console": "ttyS0", "nvme_core.io_timeout": "4294967295"}),
    );
    put(
        "ansible_python",
        json!({"version": {"major": 3, "minor": 10, "micro": 12, "releaselevel": "final", "serial": 0}, "version_info": [3, 10, 12, "final", 0], "executable": "/usr/bin/python3", "has_sslcontext": true, "type": "cpython"}),
    );
    put("ansible_selinux_python_present", json!(true));
    put("ansible_selinux", json!({"status": "disabled"}));
    put("ansible_fips", json!(false));
    put("ansible_system", json!("Linux"));
    put("ansible_kernel", json!("6.5.0-1022-aws"));
    put(
        "ansible_kernel_version",
        json!("#22~22.04.1-Ubuntu SMP Fri Jun 14 16:31:00 UTC 2024"),
    );
    put("ansible_machine", json!("x86_64"));
    put("ansible_python_version", json!("3.10.12"));
    put("ansible_fqdn", json!(h.fqdn));
    put("ansible_hostname", json!(h.short));
    put("ansible_nodename", json!(h.short));
    put("ansible_domain", json!(format!("{}.example.com", h.env)));
    put("ansible_userspace_bits", json!("64"));
    put("ansible_architecture", json!("x86_64"));
    put("ansible_userspace_architecture", json!("x86_64"));
    put("ansible_machine_id", json!(rng.hex(16)));
    put(
        "ansible_virtualization_type",
        json!(if ec2 { "kvm" } else { "VMware" }),
    );
    put("ansible_virtualization_role", json!("guest"));
    put(
        "ansible_system_vendor",
        json!(if ec2 { "Amazon EC2" } else { "VMware, Inc." }),
    );
    put(
        "ansible_product_name",
        json!(if ec2 {
            "m5.large"
        } else {
            "VMware Virtual Platform"
        }),
    );
    put(
        "ansible_board_asset_tag",
        json!(if ec2 {
            terraform::instance_id(seed, i)
        } else {
            "NA".to_string()
        }),
    );
    put("ansible_processor_vcpus", json!(vcpus));
    put("ansible_processor_cores", json!(vcpus / 2));
    put("ansible_memtotal_mb", json!(mem));
    put("ansible_memfree_mb", json!(mem / 3));
    put("ansible_swaptotal_mb", json!(0));
    put(
        "ansible_default_ipv4",
        json!({"gateway": gateway(&h.ip), "interface": "ens5", "address": h.ip, "broadcast": "", "netmask": "255.255.0.0", "network": network(&h.ip), "prefix": "16", "macaddress": mac, "mtu": 9001, "type": "ether", "alias": "ens5"}),
    );
    put("ansible_all_ipv4_addresses", json!([h.ip]));
    put(
        "ansible_all_ipv6_addresses",
        json!([format!(
            "fe80::8ff:{}:{}:{}",
            rng.hex(2),
            rng.hex(2),
            rng.hex(2)
        )]),
    );
    put("ansible_interfaces", json!(["lo", "ens5"]));
    put(
        "ansible_dns",
        json!({"nameservers": ["127.0.0.53"], "options": {"edns0": true, "trust-ad": true}, "search": [format!("{}.example.com", h.env), "eu-west-1.compute.internal"]}),
    );
    put(
        "ansible_mounts",
        json!([{"mount": "/", "device": "/dev/root", "fstype": "ext4", "options": "rw,relatime,discard,errors=remount-ro", "size_total": 51_848_359_936u64, "size_available": 38_000_000_000u64 + rng.below(9_000_000_000) as u64, "block_size": 4096, "uuid": rng.uuid()}]),
    );
    put(
        "ansible_date_time",
        json!({"epoch": epoch.to_string(), "iso8601": crate::rng::rfc3339(epoch), "date": &crate::rng::rfc3339(epoch)[..10], "tz": "UTC", "tz_offset": "+0000"}),
    );
    put(
        "ansible_env",
        json!({"HOME": "/home/deploy", "LANG": "C.UTF-8", "LOGNAME": "deploy", "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PWD": "/home/deploy", "SHELL": "/bin/bash", "USER": "deploy"}),
    );
    put("ansible_service_mgr", json!("systemd"));
    put("ansible_pkg_mgr", json!("apt"));
    put("ansible_user_id", json!("deploy"));
    put("ansible_local", local_facts(h, picker, rng, tally));
    put("gather_subset", json!(["all"]));
    put("module_setup", json!(true));
    Value::Object(f)
}

/// `ansible_local`: the provenance fact on most hosts (the commit deployed, and a digest per
/// file the play copied from its roles), nothing on the rest.
fn local_facts(h: &Host, picker: &Picker<'_>, rng: &mut Rng, tally: &mut Tally) -> Value {
    if !rng.chance(0.85) {
        return json!({});
    }
    let pick = picker.mixed(rng, 2_000, 0.025, 0.01);
    tally.claim(pick.verdict);
    let history: &History = picker.history;
    let base = BASE_ROLES[rng.below(BASE_ROLES.len())];
    let mut files = Map::new();
    for role in [h.role, base] {
        for (name, dest) in role_files(role) {
            let path = format!("ansible/roles/{role}/files/{name}");
            let file = history.file(&path);
            let version = history.version_at(file, pick.commit);
            let known = !rng.chance(0.008);
            let digest = if known {
                history.files[file as usize].sha256[version as usize].clone()
            } else {
                sha256_hex(format!("{dest} edited on {}", h.fqdn).as_bytes())
            };
            tally.digest(known);
            files.insert(
                dest,
                json!({"sha256": digest, "source": format!("roles/{role}/files/{name}")}),
            );
        }
    }
    // A rendered template: compared with nothing.
    files.insert(
        format!("/etc/{}/{}.conf.d/rendered.conf", h.role, h.role),
        json!({"checksum": rng.hex(20), "template": true}),
    );
    json!({"provenance": {"commit": pick.value, "files": files}})
}

fn gateway(ip: &str) -> String {
    let parts: Vec<&str> = ip.split('.').collect();
    format!("{}.{}.0.1", parts[0], parts[1])
}

fn network(ip: &str) -> String {
    let parts: Vec<&str> = ip.split('.').collect();
    format!("{}.{}.0.0", parts[0], parts[1])
}

/// JSON as Python's `json.dumps` writes it by default: `", "` and `": "` separators, one line.
pub fn python_json<T: Serialize>(value: &T) -> String {
    struct Python;
    impl serde_json::ser::Formatter for Python {
        fn begin_array_value<W: ?Sized + Write>(
            &mut self,
            w: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            if first {
                Ok(())
            } else {
                w.write_all(b", ")
            }
        }
        fn begin_object_key<W: ?Sized + Write>(
            &mut self,
            w: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            if first {
                Ok(())
            } else {
                w.write_all(b", ")
            }
        }
        fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
            w.write_all(b": ")
        }
    }
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Python);
    value.serialize(&mut ser).expect("JSON");
    String::from_utf8(out).expect("UTF-8")
}
