//! Where the PuppetDB settings come from, and the TLS material they name.
//!
//! Each setting is taken from the first of: its flag (`--puppetdb-cert`...), the policy file's
//! `[puppetdb]` table, and Puppet's own files. `--puppetdb-config` (or `config` in the table)
//! names a `puppetdb.conf`: its `[main] server_urls` (or the older `server` and `port`) are the
//! PuppetDB to read, and the `puppet.conf` in the same directory gives the client certificate,
//! key and CA as Puppet finds them: `hostcert`, `hostprivkey` and `localcacert`, else
//! `$certdir/$certname.pem`, `$privatekeydir/$certname.pem` and `$certdir/ca.pem` below
//! `ssldir` (default `$confdir/ssl`), reading `[main]` and then `[server]` (or `[master]`), the
//! sections Puppet Server reads.
//!
//! The client key is read into memory and handed to rustls; no message ever quotes it.

use super::PuppetDbOptions;
use crate::policy::PuppetDbSettings;
use reqwest::{Certificate, Identity};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The PuppetDB flags of a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct PuppetDbFlags<'a> {
    pub cert: Option<&'a Path>,
    pub key: Option<&'a Path>,
    pub cacert: Option<&'a Path>,
    pub config: Option<&'a Path>,
    pub timeout: Option<Duration>,
    pub page_size: Option<usize>,
}

/// What a `puppetdb.conf`, and the `puppet.conf` beside it, say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PuppetConf {
    pub server_urls: Vec<String>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub cacert: Option<PathBuf>,
    /// The `puppet.conf` the paths came from, when there was one.
    pub puppet_conf: Option<PathBuf>,
}

/// The options of an audit: flags over the policy file's `[puppetdb]` (whose relative paths
/// are relative to `policy_dir`, and which is named `policy_name` in messages) over Puppet's
/// files.
pub fn resolve_options(
    flags: &PuppetDbFlags<'_>,
    settings: &PuppetDbSettings,
    policy_dir: Option<&Path>,
    policy_name: &str,
) -> Result<PuppetDbOptions, String> {
    let in_policy = |p: &Path| match policy_dir {
        Some(dir) if p.is_relative() => dir.join(p),
        _ => p.to_path_buf(),
    };
    let config = match (flags.config, &settings.config) {
        (Some(path), _) => Some(path.to_path_buf()),
        (None, Some(path)) => Some(in_policy(path)),
        (None, None) => None,
    };
    let puppet = match &config {
        Some(path) => read_puppetdb_conf(path)?,
        None => PuppetConf::default(),
    };
    let from_puppet = |setting: &str| match &puppet.puppet_conf {
        Some(file) => format!("{setting} of {}", file.display()),
        None => setting.to_string(),
    };
    let pick = |flag: Option<&Path>,
                file: &Option<PathBuf>,
                puppet_value: &Option<PathBuf>,
                flag_name: &str,
                key: &str,
                setting: &str| {
        if let Some(path) = flag {
            (Some(path.to_path_buf()), Some(flag_name.to_string()))
        } else if let Some(path) = file {
            (
                Some(in_policy(path)),
                Some(format!("[puppetdb] {key} in {policy_name}")),
            )
        } else if let Some(path) = puppet_value {
            (Some(path.clone()), Some(from_puppet(setting)))
        } else {
            (None, None)
        }
    };
    let (cert, cert_from) = pick(
        flags.cert,
        &settings.cert,
        &puppet.cert,
        "--puppetdb-cert",
        "cert",
        "hostcert",
    );
    let (key, key_from) = pick(
        flags.key,
        &settings.key,
        &puppet.key,
        "--puppetdb-key",
        "key",
        "hostprivkey",
    );
    let (cacert, cacert_from) = pick(
        flags.cacert,
        &settings.cacert,
        &puppet.cacert,
        "--puppetdb-cacert",
        "cacert",
        "localcacert",
    );
    Ok(PuppetDbOptions {
        cert,
        key,
        cacert,
        cert_from,
        key_from,
        cacert_from,
        timeout: flags.timeout.or(settings.timeout),
        page_size: flags.page_size,
        server_urls: puppet.server_urls,
        ..PuppetDbOptions::default()
    })
}

/// Reads a `puppetdb.conf`, and the `puppet.conf` in its directory when there is one.
pub fn read_puppetdb_conf(path: &Path) -> Result<PuppetConf, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "{}: cannot read the PuppetDB configuration: {e}",
            path.display()
        )
    })?;
    let sections = ini(&text);
    let main = sections.get("main").cloned().unwrap_or_default();
    let mut server_urls: Vec<String> = match main.get("server_urls") {
        Some(list) => list
            .split(',')
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect(),
        // PuppetDB terminus 2.x: `server` and `port`.
        None => match main.get("server") {
            Some(server) => {
                let port = main.get("port").map(String::as_str).unwrap_or("8081");
                vec![format!("https://{server}:{port}")]
            }
            None => Vec::new(),
        },
    };
    server_urls.dedup();
    if server_urls.is_empty() {
        return Err(format!(
            "{}: no `server_urls` in its [main] section: name the PuppetDB there \
             (server_urls = https://puppetdb.example.com:8081) or with --puppet",
            path.display()
        ));
    }
    if let Some(bad) = server_urls
        .iter()
        .find(|u| !u.starts_with("https://") && !u.starts_with("http://"))
    {
        return Err(format!(
            "{}: `{bad}` in server_urls is not an http:// or https:// URL",
            path.display()
        ));
    }
    let confdir = path.parent().unwrap_or(Path::new("."));
    let puppet_conf = confdir.join("puppet.conf");
    let mut conf = PuppetConf {
        server_urls,
        ..PuppetConf::default()
    };
    if puppet_conf.is_file() {
        let text = std::fs::read_to_string(&puppet_conf)
            .map_err(|e| format!("{}: cannot read: {e}", puppet_conf.display()))?;
        let (cert, key, cacert) = ssl_paths(&text, confdir);
        conf.cert = cert;
        conf.key = key;
        conf.cacert = cacert;
        conf.puppet_conf = Some(puppet_conf);
    }
    Ok(conf)
}

/// `hostcert`, `hostprivkey` and `localcacert` as Puppet Server would find them.
fn ssl_paths(text: &str, confdir: &Path) -> (Option<PathBuf>, Option<PathBuf>, Option<PathBuf>) {
    let sections = ini(text);
    let mut settings: BTreeMap<String, String> = BTreeMap::new();
    for section in ["main", "master", "server"] {
        if let Some(values) = sections.get(section) {
            settings.extend(values.clone());
        }
    }
    let mut known: BTreeMap<&str, String> = BTreeMap::new();
    known.insert("confdir", confdir.display().to_string());
    let resolve =
        |name: &'static str, default: Option<String>, known: &mut BTreeMap<&str, String>| {
            let value = settings.get(name).cloned().or(default)?;
            let value = interpolate(&value, known)?;
            known.insert(name, value.clone());
            Some(value)
        };
    resolve("ssldir", Some("$confdir/ssl".into()), &mut known);
    resolve("certdir", Some("$ssldir/certs".into()), &mut known);
    resolve(
        "privatekeydir",
        Some("$ssldir/private_keys".into()),
        &mut known,
    );
    // Puppet's default certname is the host's FQDN, which only Facter knows: without one here,
    // only paths written out in full are used.
    if let Some(certname) = settings.get("certname") {
        known.insert("certname", certname.trim().to_lowercase());
    }
    let cert = resolve(
        "hostcert",
        Some("$certdir/$certname.pem".into()),
        &mut known,
    );
    let key = resolve(
        "hostprivkey",
        Some("$privatekeydir/$certname.pem".into()),
        &mut known,
    );
    let cacert = resolve("localcacert", Some("$certdir/ca.pem".into()), &mut known);
    (
        cert.map(PathBuf::from),
        key.map(PathBuf::from),
        cacert.map(PathBuf::from),
    )
}

/// `$name` and `${name}` replaced by known settings; `None` when one is unknown.
fn interpolate(value: &str, known: &BTreeMap<&str, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, skip) = match after.strip_prefix('{') {
            Some(inner) => {
                let end = inner.find('}')?;
                (&inner[..end], end + 2)
            }
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        out.push_str(known.get(name)?);
        rest = &after[skip..];
    }
    out.push_str(rest);
    Some(out)
}

/// An ini file as Puppet writes them: `[section]`, `key = value`, `#` and `;` comments, and
/// setting metadata (`{ owner = service }`) after a value dropped.
fn ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut section = "main".to_string();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let mut value = value.trim();
        if value.ends_with('}') {
            if let Some(open) = value.rfind('{') {
                value = value[..open].trim_end();
            }
        }
        (out.entry(section.clone()).or_default()).insert(key.trim().to_string(), value.to_string());
    }
    out
}

/// The client identity and the trusted CAs the options name, read and checked.
pub(super) fn tls_material(
    options: &PuppetDbOptions,
) -> Result<(Option<Identity>, Option<Vec<Certificate>>), String> {
    let identity = match (&options.cert, &options.key) {
        (None, None) => None,
        (Some(cert), None) => {
            return Err(format!(
                "the client certificate {}{} needs its key: give it with --puppetdb-key (or \
                 [puppetdb] key in provenant.toml)",
                cert.display(),
                from(&options.cert_from)
            ))
        }
        (None, Some(key)) => {
            return Err(format!(
                "the client key {}{} needs its certificate: give it with --puppetdb-cert (or \
                 [puppetdb] cert in provenant.toml)",
                key.display(),
                from(&options.key_from)
            ))
        }
        (Some(cert), Some(key)) => {
            Some(identity(cert, &options.cert_from, key, &options.key_from)?)
        }
    };
    let roots =
        match &options.cacert {
            None => None,
            Some(path) => {
                let what = format!(
                    "the CA certificate {}{}",
                    path.display(),
                    from(&options.cacert_from)
                );
                let bytes = std::fs::read(path).map_err(|e| format!("cannot read {what}: {e}"))?;
                let mut roots = Vec::new();
                for der in certificates(&bytes, &what)? {
                    roots.push(Certificate::from_der(&der).map_err(|e| {
                        format!("{what}: {}", crate::scan::remote::http::causes(&e))
                    })?);
                }
                Some(roots)
            }
        };
    Ok((identity, roots))
}

fn from(setting: &Option<String>) -> String {
    setting
        .as_ref()
        .map(|f| format!(" (from {f})"))
        .unwrap_or_default()
}

fn identity(
    cert: &Path,
    cert_from: &Option<String>,
    key: &Path,
    key_from: &Option<String>,
) -> Result<Identity, String> {
    let cert_what = format!(
        "the client certificate {}{}",
        cert.display(),
        from(cert_from)
    );
    let key_what = format!("the client key {}{}", key.display(), from(key_from));
    let cert_bytes = std::fs::read(cert).map_err(|e| format!("cannot read {cert_what}: {e}"))?;
    let key_bytes = std::fs::read(key).map_err(|e| format!("cannot read {key_what}: {e}"))?;
    let certs = certificates(&cert_bytes, &cert_what)?;
    let encrypted = |needle: &[u8]| key_bytes.windows(needle.len()).any(|w| w == needle);
    if encrypted(b"ENCRYPTED PRIVATE KEY") || encrypted(b"Proc-Type: 4,ENCRYPTED") {
        return Err(format!(
            "{key_what} is encrypted: provenant reads an unencrypted key, as Puppet keeps \
             hostprivkey"
        ));
    }
    // The parser's errors may quote a line of the file: never shown for a key.
    let private = PrivateKeyDer::from_pem_slice(&key_bytes)
        .map_err(|_| format!("{key_what} holds no PEM private key (RSA, EC or PKCS#8)"))?;
    // Rebuilt from what was parsed, so that other sections (EC parameters, text) in the files
    // do not trouble reqwest's stricter reader.
    let label = match &private {
        PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
        PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
        _ => "PRIVATE KEY",
    };
    let mut pem = String::new();
    for der in &certs {
        pem.push_str(&pem_block("CERTIFICATE", der));
    }
    pem.push_str(&pem_block(label, private.secret_der()));
    Identity::from_pem(pem.as_bytes()).map_err(|e| {
        format!(
            "cannot use {cert_what} with {key_what}: {}",
            crate::scan::remote::http::causes(&e)
        )
    })
}

/// The certificates of a PEM file; an error when there is none.
fn certificates(bytes: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{what} is not a valid PEM file: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "{what} holds no certificate (a PEM `BEGIN CERTIFICATE` block)"
        ));
    }
    Ok(certs)
}

fn pem_block(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in encoded.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn puppetdb_conf_gives_the_urls_and_puppet_conf_the_certificates() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("puppetdb.conf"),
            "# written by Puppet\n[main]\nserver_urls = https://pdb1.example:8081, https://pdb2.example:8081\nsoft_write_failure = false\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("puppet.conf"),
            "[main]\nssldir = $confdir/tls { owner = service }\ncertname = Server.Example\n\
             [agent]\ncertname = agent.example\n[server]\nlocalcacert = /etc/ca.pem\n",
        )
        .unwrap();
        let conf = read_puppetdb_conf(&dir.path().join("puppetdb.conf")).unwrap();
        assert_eq!(
            conf.server_urls,
            ["https://pdb1.example:8081", "https://pdb2.example:8081"]
        );
        let tls = dir.path().join("tls");
        assert_eq!(conf.cert, Some(tls.join("certs/server.example.pem")));
        assert_eq!(conf.key, Some(tls.join("private_keys/server.example.pem")));
        assert_eq!(conf.cacert, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(conf.puppet_conf, Some(dir.path().join("puppet.conf")));
    }

    #[test]
    fn without_a_certname_only_the_ca_is_derived() {
        let (cert, key, cacert) = ssl_paths("[main]\nssldir = /ssl\n", Path::new("/etc/p"));
        assert_eq!((cert, key), (None, None));
        assert_eq!(cacert, Some(PathBuf::from("/ssl/certs/ca.pem")));
        let (cert, _, _) = ssl_paths("hostcert = ${vardir}/c.pem\n", Path::new("/etc/p"));
        assert_eq!(cert, None, "an unknown setting leaves the path unresolved");
    }

    #[test]
    fn the_older_server_and_port_and_missing_urls() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("puppetdb.conf");
        std::fs::write(&path, "[main]\nserver = pdb.example\nport = 8443\n").unwrap();
        assert_eq!(
            read_puppetdb_conf(&path).unwrap().server_urls,
            ["https://pdb.example:8443"]
        );
        std::fs::write(&path, "[main]\nsoft_write_failure = true\n").unwrap();
        assert!(read_puppetdb_conf(&path)
            .unwrap_err()
            .contains("no `server_urls`"));
        std::fs::write(&path, "[main]\nserver_urls = pdb.example:8081\n").unwrap();
        assert!(read_puppetdb_conf(&path)
            .unwrap_err()
            .contains("not an http:// or https:// URL"));
        assert!(read_puppetdb_conf(&dir.path().join("nope.conf"))
            .unwrap_err()
            .contains("cannot read the PuppetDB configuration"));
    }

    #[test]
    fn flags_win_over_the_policy_file_which_wins_over_puppet_conf() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("puppetdb.conf"),
            "[main]\nserver_urls = https://pdb:8081\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("puppet.conf"),
            "[main]\ncertname = node\nssldir = /ssl\n",
        )
        .unwrap();
        let settings = PuppetDbSettings {
            key: Some("keys/k.pem".into()),
            config: Some(dir.path().join("puppetdb.conf")),
            timeout: Some(Duration::from_secs(5)),
            ..Default::default()
        };
        let flags = PuppetDbFlags {
            cert: Some(Path::new("flag.pem")),
            page_size: Some(10),
            ..Default::default()
        };
        let options = resolve_options(
            &flags,
            &settings,
            Some(Path::new("/repo")),
            "provenant.toml",
        )
        .unwrap();
        assert_eq!(options.cert, Some(PathBuf::from("flag.pem")));
        assert_eq!(options.cert_from.as_deref(), Some("--puppetdb-cert"));
        assert_eq!(options.key, Some(PathBuf::from("/repo/keys/k.pem")));
        assert_eq!(
            options.key_from.as_deref(),
            Some("[puppetdb] key in provenant.toml")
        );
        assert_eq!(options.cacert, Some(PathBuf::from("/ssl/certs/ca.pem")));
        assert!(options.cacert_from.unwrap().starts_with("localcacert of "));
        assert_eq!(options.server_urls, ["https://pdb:8081"]);
        assert_eq!(options.timeout, Some(Duration::from_secs(5)));
        assert_eq!(options.page_size, Some(10));
    }

    #[test]
    fn a_key_alone_or_an_unreadable_one_is_named_and_never_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.pem");
        std::fs::write(
            &key,
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw\n",
        )
        .unwrap();
        let cert = dir.path().join("cert.pem");
        std::fs::write(&cert, "not a certificate").unwrap();
        let options = PuppetDbOptions {
            key: Some(key.clone()),
            key_from: Some("--puppetdb-key".into()),
            ..Default::default()
        };
        let e = tls_material(&options).unwrap_err();
        assert!(e.contains("needs its certificate"), "{e}");
        let options = PuppetDbOptions {
            cert: Some(cert),
            key: Some(key),
            ..Default::default()
        };
        let e = tls_material(&options).unwrap_err();
        assert!(e.contains("holds no certificate"), "{e}");
        assert!(!e.contains("c2VjcmV0"), "{e}");
    }
}
