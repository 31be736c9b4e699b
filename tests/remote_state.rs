//! Remote states through the whole binary, against real HTTP(S) servers that each test starts
//! on 127.0.0.1: the Terraform HTTP backend with basic auth, HCP Terraform's API (workspace,
//! current state version, download) over TLS with a test CA, credentials never following a
//! redirect or a download to another origin, and every failure (401, 404, retried 500 and 429,
//! a server too slow, a body cut short, a refused connection, an unknown certificate) an
//! unreadable input named by its URL, with the rest of the audit going on. No credential is
//! ever printed.

mod support;
use support::{run, Run};

use assert_cmd::Command;
use provenant::model::InputStatus;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::repository;

// ---------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 server: one thread per connection, one request per connection.

/// A request as the server received it.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        (self.headers.iter())
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

enum Reply {
    Send {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Claims `claimed` bytes, sends `body`, and hangs up.
    Truncated { claimed: usize, body: Vec<u8> },
    /// Reads the request and answers nothing for this long.
    Stall(Duration),
}

fn ok(body: impl Into<Vec<u8>>) -> Reply {
    Reply::Send {
        status: 200,
        headers: vec![],
        body: body.into(),
    }
}

fn status(status: u16) -> Reply {
    Reply::Send {
        status,
        headers: vec![],
        body: b"{}".to_vec(),
    }
}

trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// The handler gets the request and how many earlier requests had the same path.
    fn start(
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let log = seen.clone();
        std::thread::spawn(move || {
            for tcp in listener.incoming() {
                let Ok(tcp) = tcp else { return };
                let (tls, handler, log) = (tls.clone(), handler.clone(), log.clone());
                std::thread::spawn(move || {
                    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    match tls {
                        Some(config) => {
                            let conn = rustls::ServerConnection::new(config).unwrap();
                            let mut stream = rustls::StreamOwned::new(conn, tcp);
                            answer(&mut stream, &*handler, &log);
                            stream.conn.send_close_notify();
                            let _ = stream.flush();
                        }
                        None => answer(&mut { tcp }, &*handler, &log),
                    }
                });
            }
        });
        Server { port, seen }
    }

    fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://127.0.0.1:{}{path}", self.port)
    }

    fn requests(&self, path: &str) -> Vec<Seen> {
        let seen = self.seen.lock().unwrap();
        seen.iter().filter(|s| s.path == path).cloned().collect()
    }
}

fn answer(
    stream: &mut dyn Stream,
    handler: &(dyn Fn(&Seen, usize) -> Reply + Send + Sync),
    log: &Mutex<Vec<Seen>>,
) {
    let mut reader = BufReader::new(&mut *stream);
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return; // a client that gave up on the TLS handshake, for one
    }
    let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.trim_end().split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    drop(reader);
    let request = Seen { path, headers };
    let earlier = {
        let mut log = log.lock().unwrap();
        let earlier = log.iter().filter(|s| s.path == request.path).count();
        log.push(request.clone());
        earlier
    };
    let _ = match handler(&request, earlier) {
        Reply::Send {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            stream
                .write_all(head.as_bytes())
                .and_then(|_| stream.write_all(&body))
        }
        Reply::Truncated { claimed, body } => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {claimed}\r\n\r\n");
            stream
                .write_all(head.as_bytes())
                .and_then(|_| stream.write_all(&body))
        }
        Reply::Stall(pause) => {
            std::thread::sleep(pause);
            Ok(())
        }
    };
    let _ = stream.flush();
}

// ---------------------------------------------------------------------------------------------
// The audit around the servers.

fn provenant(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("provenant").unwrap();
    cmd.current_dir(dir).env("SOURCE_DATE_EPOCH", "1790000000");
    // Nothing from the machine's environment may change where requests go or what they carry.
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "TF_HTTP_USERNAME",
        "TF_HTTP_PASSWORD",
        "PROVENANT_HTTP_TIMEOUT",
    ] {
        cmd.env_remove(name);
    }
    for (name, _) in std::env::vars() {
        if name.starts_with("TF_TOKEN_") {
            cmd.env_remove(name);
        }
    }
    cmd.args(["audit", "--repo", "repo", "--format", "json"]);
    cmd
}

fn state(commit: &str, name: &str) -> String {
    format!(
        r#"{{
  "version": 4,
  "terraform_version": "1.9.8",
  "serial": 1,
  "lineage": "00000000-0000-0000-0000-000000000001",
  "outputs": {{}},
  "resources": [
    {{
      "mode": "managed",
      "type": "null_resource",
      "name": "{name}",
      "provider": "provider[\"registry.terraform.io/hashicorp/null\"]",
      "instances": [
        {{
          "schema_version": 0,
          "attributes": {{ "id": "1", "triggers": {{ "git_commit": "{commit}" }} }},
          "sensitive_attributes": []
        }}
      ]
    }}
  ]
}}
"#
    )
}

impl Run {
    /// The input was read and its digest is that of `served`.
    fn assert_read(&self, path: &str, served: &str) {
        let input = self.input(path);
        assert_eq!(input.status, InputStatus::Read, "{path}: {}", input.detail);
        assert_eq!(
            input.sha256.as_deref(),
            Some(sha256(served).as_str()),
            "{path}"
        );
    }

    /// The input is unreadable, its detail says `what`, and a PV010 names the URL.
    fn assert_unreadable(&self, path: &str, what: &str) {
        let input = self.input(path);
        assert_eq!(input.status, InputStatus::Unreadable, "{path}");
        assert_eq!(input.sha256, None, "{path}");
        assert!(
            input.detail.contains(what),
            "{path}: {:?} lacks {what:?}",
            input.detail
        );
        let finding = (self.report.findings.iter())
            .find(|f| f.rule_id == "PV010" && f.location.path == path)
            .unwrap_or_else(|| panic!("no PV010 for {path}"));
        assert!(finding.message.starts_with(path), "{}", finding.message);
        assert!(finding.message.contains(what), "{}", finding.message);
    }

    fn assert_never_printed(&self, secrets: &[&str]) {
        for secret in secrets {
            assert!(
                !self.printed.contains(secret),
                "{secret} was printed:\n{}",
                self.printed
            );
        }
    }
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The Terraform HTTP backend.

#[test]
fn the_http_backend_is_read_with_basic_auth_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let commit = repository(&dir.path().join("repo"));
    let served = state(&commit, "web");
    let body = served.clone();
    let server = Server::start(None, move |request, _| {
        // base64("alice:s3cret-pw")
        match request.header("authorization") {
            Some("Basic YWxpY2U6czNjcmV0LXB3") => ok(body.clone()),
            _ => status(401),
        }
    });
    let url = server.url("http", "/states/prod");

    let mut cmd = provenant(dir.path());
    cmd.env("TF_HTTP_USERNAME", "alice")
        .env("TF_HTTP_PASSWORD", "s3cret-pw")
        .args(["--state", &url]);
    let run = run(cmd);

    assert_ne!(run.code, Some(2), "{}", run.printed);
    run.assert_read(&url, &served);
    assert_eq!(run.report.components.len(), 1);
    assert_eq!(run.report.components[0].labels[0], "null_resource.web");
    let requests = server.requests("/states/prod");
    assert_eq!(requests.len(), 1);
    run.assert_never_printed(&["s3cret-pw", "YWxpY2U6czNjcmV0LXB3"]);
}

#[test]
fn credentials_do_not_follow_a_redirect_to_another_origin() {
    let dir = tempfile::tempdir().unwrap();
    let commit = repository(&dir.path().join("repo"));
    let served = state(&commit, "moved");
    let body = served.clone();
    let elsewhere = Server::start(None, move |_, _| ok(body.clone()));
    let target = elsewhere.url("http", "/elsewhere/state");
    let origin = Server::start(None, move |request, _| {
        // base64("carol:pw-in-url"): the redirect is only given to the authorised client.
        match request.header("authorization") {
            Some("Basic Y2Fyb2w6cHctaW4tdXJs") => Reply::Send {
                status: 307,
                headers: vec![("Location", target.clone())],
                body: Vec::new(),
            },
            _ => status(401),
        }
    });
    let with_credentials = format!("http://carol:pw-in-url@127.0.0.1:{}/state", origin.port);
    let shown = origin.url("http", "/state");

    let mut cmd = provenant(dir.path());
    cmd.args(["--state", &with_credentials]);
    let run = run(cmd);

    run.assert_read(&shown, &served);
    assert_eq!(origin.requests("/state").len(), 1);
    let redirected = elsewhere.requests("/elsewhere/state");
    assert_eq!(redirected.len(), 1);
    assert_eq!(
        redirected[0].header("authorization"),
        None,
        "{redirected:?}"
    );
    run.assert_never_printed(&["pw-in-url", "carol:", "Y2Fyb2w6cHctaW4tdXJs"]);
}

#[test]
fn each_failure_is_an_unreadable_input_and_retries_recover() {
    let dir = tempfile::tempdir().unwrap();
    let commit = repository(&dir.path().join("repo"));
    let served = state(&commit, "flaky");
    let busy_state = state(&commit, "busy");
    let (flaky_body, busy_body) = (served.clone(), busy_state.clone());
    let server = Server::start(None, move |request, earlier| match request.path.as_str() {
        "/unauthorized" => status(401),
        "/missing" => status(404),
        "/flaky" if earlier == 0 => status(500),
        "/flaky" => ok(flaky_body.clone()),
        "/busy" if earlier == 0 => Reply::Send {
            status: 429,
            headers: vec![("Retry-After", "1".into())],
            body: Vec::new(),
        },
        "/busy" => ok(busy_body.clone()),
        "/slow" => Reply::Stall(Duration::from_secs(5)),
        "/truncated" => Reply::Truncated {
            claimed: 5000,
            body: vec![b'{'; 100],
        },
        _ => status(418),
    });
    // A port nothing listens on any more.
    let refused = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("http://127.0.0.1:{port}/state")
    };
    let url = |path: &str| server.url("http", path);
    let with_password = format!(
        "http://erin:url-pw-never-shown@127.0.0.1:{}/missing",
        server.port
    );

    let mut cmd = provenant(dir.path());
    cmd.env("PROVENANT_HTTP_TIMEOUT", "1")
        .env("TF_HTTP_USERNAME", "dave")
        .env("TF_HTTP_PASSWORD", "env-pw-never-shown");
    for state in [
        url("/unauthorized"),
        with_password,
        url("/flaky"),
        url("/busy"),
        url("/slow"),
        url("/truncated"),
        refused.clone(),
    ] {
        cmd.args(["--state", &state]);
    }
    let run = run(cmd);

    assert_eq!(run.code, Some(2), "{}", run.printed);
    assert!(!run.report.summary.complete);
    run.assert_unreadable(&url("/unauthorized"), "HTTP 401 Unauthorized");
    run.assert_unreadable(&url("/missing"), "HTTP 404 Not Found");
    run.assert_unreadable(&url("/slow"), "timed out");
    run.assert_unreadable(&url("/truncated"), "cut short after 100 of 5000 bytes");
    run.assert_unreadable(&refused, "cannot connect");
    run.assert_read(&url("/flaky"), &served);
    run.assert_read(&url("/busy"), &busy_state);
    assert_eq!(server.requests("/flaky").len(), 2, "500, then a retry");
    assert_eq!(server.requests("/busy").len(), 2, "429, then a retry");
    assert_eq!(
        run.report.components.len(),
        2,
        "the readable states are audited"
    );
    run.assert_never_printed(&["env-pw-never-shown", "url-pw-never-shown"]);
}

// ---------------------------------------------------------------------------------------------
// HCP Terraform over TLS.

/// A test CA's PEM and a server configuration whose certificate it signed for 127.0.0.1.
fn certificate_authority() -> (String, Arc<rustls::ServerConfig>) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "provenant test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    let leaf = params.signed_by(&key, &issuer).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    (ca.pem(), Arc::new(config))
}

/// The JSON:API documents of the workspace and current-state-version endpoints.
fn workspace_document(id: &str, name: &str) -> String {
    format!(
        r#"{{"data": {{"id": "{id}", "type": "workspaces",
            "attributes": {{"name": "{name}", "locked": false, "terraform-version": "1.9.8"}},
            "relationships": {{"organization": {{"data": {{"id": "acme", "type": "organizations"}}}}}}}}}}"#
    )
}

fn state_version_document(download: &str) -> String {
    format!(
        r#"{{"data": {{"id": "sv-g4rqST72reoHMM5a", "type": "state-versions",
            "attributes": {{"created-at": "2026-11-20T10:00:00.000Z", "serial": 1,
                "status": "finalized", "resources-processed": true,
                "hosted-state-download-url": "{download}",
                "hosted-json-state-download-url": "{download}/json"}}}}}}"#
    )
}

#[test]
fn hcp_terraform_workspaces_are_read_through_the_api_over_verified_tls() {
    let dir = tempfile::tempdir().unwrap();
    let commit = repository(&dir.path().join("repo"));
    let (ca_pem, tls) = certificate_authority();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    let token = "tok.atlasv1.never-printed";

    let (web, api) = (state(&commit, "web"), state(&commit, "api"));
    let api_body = api.clone();
    // The archivist: another origin, reached with a signed URL and no token.
    let archivist = Server::start(Some(tls.clone()), move |_, _| ok(api_body.clone()));
    let archived = archivist.url("https", "/v1/object/c2lnbmVk");
    let web_body = web.clone();
    let bearer = format!("Bearer {token}");
    let hcp = Arc::new(Mutex::new(0u16));
    let own_port = hcp.clone();
    let server = Server::start(Some(tls.clone()), move |request, _| {
        let port = *own_port.lock().unwrap();
        if request.header("authorization") != Some(bearer.as_str()) {
            return status(401);
        }
        match request.path.as_str() {
            "/api/v2/organizations/acme/workspaces/web" => ok(workspace_document("ws-web", "web")),
            "/api/v2/organizations/acme/workspaces/api" => ok(workspace_document("ws-api", "api")),
            "/api/v2/workspaces/ws-web/current-state-version" => ok(state_version_document(
                &format!("https://127.0.0.1:{port}/_archivist/v1/object/d2Vi"),
            )),
            "/api/v2/workspaces/ws-api/current-state-version" => {
                ok(state_version_document(&archived))
            }
            "/_archivist/v1/object/d2Vi" => ok(web_body.clone()),
            _ => status(404),
        }
    });
    *hcp.lock().unwrap() = server.port;
    // A server whose certificate no trusted CA signed.
    let (_, untrusted_tls) = certificate_authority();
    let untrusted = Server::start(Some(untrusted_tls), |_, _| status(500));

    let workspace =
        |server: &Server, name: &str| format!("tfc://127.0.0.1:{}/acme/{name}", server.port);
    let mut cmd = provenant(dir.path());
    cmd.env("SSL_CERT_FILE", &ca_file)
        .env("TF_TOKEN_127_0_0_1", token);
    for state in [
        workspace(&server, "web"),
        workspace(&server, "api"),
        workspace(&server, "gone"),
        workspace(&untrusted, "web"),
    ] {
        cmd.args(["--state", &state]);
    }
    let run = run(cmd);

    run.assert_read(&workspace(&server, "web"), &web);
    run.assert_read(&workspace(&server, "api"), &api);
    run.assert_unreadable(
        &workspace(&server, "gone"),
        "workspace acme/gone: HTTP 404 Not Found",
    );
    run.assert_unreadable(&workspace(&untrusted, "web"), "certificate");
    assert_eq!(run.report.components.len(), 2);
    for seen in server.seen.lock().unwrap().iter() {
        assert_eq!(
            seen.header("authorization"),
            Some(format!("Bearer {token}").as_str())
        );
        if seen.path.starts_with("/api/") {
            assert_eq!(
                seen.header("accept"),
                Some("application/vnd.api+json"),
                "{seen:?}"
            );
        }
    }
    assert_eq!(
        server.requests("/_archivist/v1/object/d2Vi").len(),
        1,
        "same host: with the token"
    );
    let downloads = archivist.requests("/v1/object/c2lnbmVk");
    assert_eq!(downloads.len(), 1);
    assert_eq!(
        downloads[0].header("authorization"),
        None,
        "another host: no token"
    );
    assert!(
        untrusted.seen.lock().unwrap().is_empty(),
        "no request passed the TLS check"
    );
    run.assert_never_printed(&[token, "c2lnbmVk"]);
}

#[test]
fn an_hcp_workspace_without_a_token_names_the_variable_to_set() {
    let dir = tempfile::tempdir().unwrap();
    repository(&dir.path().join("repo"));
    let (ca_pem, tls) = certificate_authority();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    let server = Server::start(Some(tls), |request, _| {
        match request.header("authorization") {
            None => Reply::Send {
                status: 401,
                headers: vec![("Content-Type", "application/vnd.api+json".into())],
                body: br#"{"errors":[{"status":"401","title":"unauthorized"}]}"#.to_vec(),
            },
            Some(_) => status(500),
        }
    });
    let workspace = format!("tfc://127.0.0.1:{}/acme/web", server.port);

    let mut cmd = provenant(dir.path());
    cmd.env("SSL_CERT_FILE", &ca_file)
        .args(["--state", &workspace]);
    let run = run(cmd);

    assert_eq!(run.code, Some(2), "{}", run.printed);
    run.assert_unreadable(
        &workspace,
        "HTTP 401 Unauthorized (no token: set TF_TOKEN_127_0_0_1)",
    );
    assert_eq!(server.seen.lock().unwrap().len(), 1, "a 401 is not retried");
}
