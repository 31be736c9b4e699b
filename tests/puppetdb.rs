//! PuppetDB through the whole binary.
//!
//! Against a real PuppetDB 7.12 (`setup-oracles.sh --with-puppetdb`, started once for the whole
//! test binary with `pdb-start` when it is not already running; `.ci/run` stops it with
//! `pdb-stop`): runs of a real `puppet apply` stored by Puppet's own PuppetDB terminus, and
//! facts, reports and catalogs posted to the command API, are audited over HTTP and over HTTPS
//! with a client certificate, and give the same findings as the same runs read from files.
//! Under CI a missing tool fails the test; elsewhere the test says why it is skipped.
//!
//! Against servers written here, on 127.0.0.1: paging through a fleet, and every way a
//! PuppetDB can fail (500 retried, garbage, an answer cut short, a closed connection, a refused
//! one, 401 and 403, a server too slow), each an unreadable input with a clear detail while the
//! rest of the audit goes on.

mod support;
use support::{run, Run};

use assert_cmd::Command;
use provenant::model::{Input, InputStatus};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// The audit.

fn provenant(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("provenant").unwrap();
    cmd.current_dir(dir).env("SOURCE_DATE_EPOCH", "1790000000");
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "PROVENANT_HTTP_TIMEOUT",
    ] {
        cmd.env_remove(name);
    }
    cmd.args(["audit", "--repo", "repo", "--format", "json", "--no-cache"]);
    cmd
}

impl Run {
    fn assert_read(&self, path: &str) -> &Input {
        let input = self.input(path);
        assert_eq!(input.status, InputStatus::Read, "{path}: {}", input.detail);
        assert!(input.sha256.is_some(), "{path}");
        input
    }

    /// The input is unreadable, its detail says each of `what`, and a PV010 names the URL.
    fn assert_unreadable(&self, path: &str, what: &[&str]) {
        let input = self.input(path);
        assert_eq!(
            input.status,
            InputStatus::Unreadable,
            "{path}: {}",
            input.detail
        );
        assert_eq!(input.sha256, None, "{path}");
        for what in what {
            assert!(
                input.detail.contains(what),
                "{path}: {:?} lacks {what:?}",
                input.detail
            );
        }
        let finding = (self.report.findings.iter())
            .find(|f| f.rule_id == "PV010" && f.location.path == path)
            .unwrap_or_else(|| panic!("no PV010 for {path}: {:#?}", self.report.findings));
        assert!(finding.message.starts_with(path), "{}", finding.message);
    }

    /// (rule id, first label) of the findings about the nodes named.
    fn findings_of(&self, certnames: &[&str]) -> BTreeSet<(String, String)> {
        (self.report.findings.iter())
            .filter(|f| f.labels.iter().any(|l| certnames.contains(&l.as_str())))
            .map(|f| (f.rule_id.clone(), f.labels[0].clone()))
            .collect()
    }

    fn has_node(&self, certname: &str) -> bool {
        (self.report.components.iter()).any(|c| c.labels.iter().any(|l| l == certname))
    }
}

// ---------------------------------------------------------------------------------------------
// A small HTTP/1.1 server: one thread per connection, one request per connection.

#[derive(Clone, Debug)]
struct Request {
    path: String,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
}

impl Request {
    fn param(&self, name: &str) -> Option<&str> {
        (self.params.iter())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

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
    /// Claims `claimed` bytes, sends `body`, hangs up.
    Truncated { claimed: usize, body: Vec<u8> },
    /// Hangs up without a word.
    Close,
    /// Answers nothing for this long.
    Stall(Duration),
}

fn json_reply(value: &Value) -> Reply {
    Reply::Send {
        status: 200,
        headers: vec![("Content-Type", "application/json".into())],
        body: value.to_string().into_bytes(),
    }
}

fn status(code: u16, body: &str) -> Reply {
    Reply::Send {
        status: code,
        headers: vec![],
        body: body.as_bytes().to_vec(),
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    /// The handler gets the request and how many earlier requests had the same path.
    fn start(handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = seen.clone();
        std::thread::spawn(move || {
            for tcp in listener.incoming() {
                let Ok(tcp) = tcp else { return };
                let (handler, log) = (handler.clone(), log.clone());
                std::thread::spawn(move || answer(tcp, &*handler, &log));
            }
        });
        Server { port, seen }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self, path: &str) -> Vec<Request> {
        let seen = self.seen.lock().unwrap();
        seen.iter().filter(|s| s.path == path).cloned().collect()
    }
}

fn answer(mut tcp: TcpStream, handler: &Handler, log: &Mutex<Vec<Request>>) {
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut reader = BufReader::new(&tcp);
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let target = first.split_whitespace().nth(1).unwrap_or("").to_string();
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
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let params = (query.split('&'))
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect();
    let request = Request {
        path: path.to_string(),
        params,
        headers,
    };
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
            tcp.write_all(head.as_bytes())
                .and_then(|_| tcp.write_all(&body))
        }
        Reply::Truncated { claimed, body } => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {claimed}\r\n\r\n");
            tcp.write_all(head.as_bytes())
                .and_then(|_| tcp.write_all(&body))
        }
        Reply::Close => Ok(()),
        Reply::Stall(pause) => {
            std::thread::sleep(pause);
            Ok(())
        }
    };
    let _ = tcp.flush();
}

/// Percent-decoding of a query component, `+` as a space.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

// ---------------------------------------------------------------------------------------------
// A fake PuppetDB: `nodes` nodes, each with one latest report of one event, facts, and a
// catalog with one file from a static source; pages as PuppetDB does.

struct Fleet {
    commit: String,
    nodes: usize,
}

impl Fleet {
    fn certname(i: usize) -> String {
        format!("node-{i:02}.example.com")
    }

    fn hash(i: usize) -> String {
        format!("{i:040x}")
    }

    fn reports(&self) -> Vec<Value> {
        (0..self.nodes)
            .map(|i| {
                json!({
                    "certname": Self::certname(i), "hash": Self::hash(i),
                    "environment": "production", "configuration_version": self.commit,
                    "code_id": null, "start_time": "2026-11-20T10:00:00.000Z",
                    "end_time": "2026-11-20T10:00:05.000Z", "report_format": 12,
                    "puppet_version": "7.23.0", "status": "changed", "noop": false,
                    "transaction_uuid": format!("00000000-0000-0000-0000-{i:012}"),
                    "catalog_uuid": format!("00000000-0000-0000-0001-{i:012}")
                })
            })
            .collect()
    }

    fn events(&self) -> Vec<Value> {
        (0..self.nodes)
            .map(|i| {
                json!({
                    "report": Self::hash(i), "certname": Self::certname(i),
                    "resource_type": "Notify", "resource_title": "hello",
                    "property": "message", "old_value": "absent", "new_value": "hi",
                    "status": "success", "corrective_change": false,
                    "file": "/etc/puppetlabs/code/environments/production/manifests/site.pp",
                    "line": 3, "message": "defined 'message' as 'hi'"
                })
            })
            .collect()
    }

    fn inventory(&self) -> Vec<Value> {
        (0..self.nodes)
            .map(|i| {
                json!({"certname": Self::certname(i), "environment": "production",
                    "facts": {"fqdn": Self::certname(i), "networking": {"ip": format!("192.0.2.{}", i + 10)}}})
            })
            .collect()
    }

    fn catalogs(&self) -> Vec<Value> {
        (0..self.nodes)
            .map(|i| {
                json!({"certname": Self::certname(i), "version": self.commit,
                    "code_id": null, "environment": "production"})
            })
            .collect()
    }

    fn resources(&self) -> Vec<Value> {
        (0..self.nodes)
            .map(|i| {
                json!({"certname": Self::certname(i), "type": "File", "title": "/etc/motd",
                    "parameters": {"ensure": "file", "source": "puppet:///modules/motd/motd"}})
            })
            .collect()
    }

    /// The answer PuppetDB would give, or `None` for an unknown path.
    fn answer(&self, request: &Request) -> Option<Value> {
        let rows = match request.path.as_str() {
            "/pdb/meta/v1/version" => return Some(json!({"version": "7.12.1"})),
            "/pdb/query/v4/reports" => self.reports(),
            "/pdb/query/v4/inventory" => self.inventory(),
            "/pdb/query/v4/catalogs" => self.catalogs(),
            "/pdb/query/v4/resources" => {
                // ["extract", [...], ["and", ["=", "type", "File"], ["in", "certname", ["array", [...]]]]]
                let query: Value = serde_json::from_str(request.param("query")?).ok()?;
                let certnames = query[2][2][2][1].as_array()?.clone();
                (self.resources().into_iter())
                    .filter(|r| certnames.contains(&r["certname"]))
                    .collect()
            }
            "/pdb/query/v4/events" => {
                let query: Value = serde_json::from_str(request.param("query")?).ok()?;
                let hashes = &query[2][1];
                (self.events().into_iter())
                    .filter(|e| hashes.as_array().unwrap().contains(&e["report"]))
                    .collect()
            }
            _ => return None,
        };
        let offset: usize = request.param("offset").unwrap_or("0").parse().unwrap();
        let limit: usize = request.param("limit").unwrap_or("100000").parse().unwrap();
        let page: Vec<Value> = rows.into_iter().skip(offset).take(limit).collect();
        Some(Value::Array(page))
    }
}

fn fake_puppetdb(fleet: Fleet) -> Server {
    Server::start(move |request, _| match fleet.answer(request) {
        Some(value) => json_reply(&value),
        None => status(
            404,
            "<html><head><title>Error 404 Not Found</title></head></html>",
        ),
    })
}

/// A report file beside the PuppetDBs, to show the audit goes on around them.
fn write_report_file(dir: &Path, commit: &str) -> String {
    let path = dir.join("reports/bystander.yaml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        format!(
            "--- !ruby/object:Puppet::Transaction::Report\nhost: bystander.example.com\n\
             time: '2026-11-20T10:00:00.000000000+00:00'\nconfiguration_version: '{commit}'\n\
             report_format: 12\npuppet_version: 7.23.0\nstatus: unchanged\n\
             environment: production\nresource_statuses: {{}}\n"
        ),
    )
    .unwrap();
    "reports".into()
}

#[test]
fn a_fleet_is_read_page_by_page() {
    let dir = tempfile::tempdir().unwrap();
    let commit = support::repository(&dir.path().join("repo"));
    let server = fake_puppetdb(Fleet { commit, nodes: 5 });
    let url = server.url();

    let mut cmd = provenant(dir.path());
    cmd.args(["--puppet", &url, "--puppetdb-page-size", "2"]);
    let paged = run(cmd);

    let input = paged.assert_read(&url);
    assert_eq!(
        input.detail,
        "PuppetDB 7.12.1: 5 nodes, 5 latest reports (5 events), 5 factsets, 5 catalogs; 20 queries",
        "{}",
        paged.printed
    );
    for i in 0..5 {
        assert!(
            paged.has_node(&Fleet::certname(i)),
            "{}",
            Fleet::certname(i)
        );
    }
    let offsets = |path: &str| -> Vec<String> {
        let mut offsets: Vec<String> = (server.requests(path).iter())
            .map(|r| r.param("offset").unwrap_or("?").to_string())
            .collect();
        offsets.sort();
        offsets
    };
    // Five rows, two a page: pages at 0, 2 and 4, the last one short.
    for path in [
        "/pdb/query/v4/reports",
        "/pdb/query/v4/inventory",
        "/pdb/query/v4/catalogs",
    ] {
        assert_eq!(offsets(path), ["0", "2", "4"], "{path}");
    }
    // Each page of catalogs asks for the files of its own nodes: two full pages (each followed
    // by an empty one), then a short one.
    assert_eq!(
        offsets("/pdb/query/v4/resources"),
        ["0", "0", "0", "2", "2"]
    );
    // Each page of reports asks for the events of its own reports, by hash.
    let events = server.requests("/pdb/query/v4/events");
    // Two events a page: each full page of events is followed by an empty one.
    assert_eq!(events.len(), 5, "{events:?}");
    let first = &events[0];
    assert_eq!(first.param("limit"), Some("2"));
    let query: Value = serde_json::from_str(first.param("query").unwrap()).unwrap();
    assert_eq!(query[0], "in");
    assert_eq!(query[1], "report");
    let reports = &server.requests("/pdb/query/v4/reports")[0];
    let asked: Value = serde_json::from_str(reports.param("query").unwrap()).unwrap();
    assert_eq!(asked[0], "extract");
    assert_eq!(asked[2], json!(["=", "latest_report?", true]));
    assert_eq!(
        reports.param("order_by"),
        Some(r#"[{"field":"certname"},{"field":"hash"}]"#)
    );
    assert_eq!(reports.header("accept"), Some("application/json"));

    // The same fleet read in one page each gives the same report.
    let mut cmd = provenant(dir.path());
    cmd.args(["--puppet", &url]);
    let whole = run(cmd);
    assert_eq!(whole.report.findings, paged.report.findings);
    assert_eq!(whole.report.components, paged.report.components);
    // The digest is of the rows, not of the pages they came in.
    assert_eq!(whole.input(&url).sha256, paged.input(&url).sha256);
}

#[test]
fn a_puppetdb_answering_500_is_retried_then_unreadable_and_the_audit_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let commit = support::repository(&dir.path().join("repo"));
    let reports = write_report_file(dir.path(), &commit);
    let broken = Server::start(|_, _| {
        status(
            500,
            "\n  Internal server error: the database is on fire\nat clojure.core$eval\n",
        )
    });
    // Fails twice, then answers.
    let fleet = Fleet { commit, nodes: 1 };
    let flaky = Server::start(move |request, earlier| {
        if request.path == "/pdb/query/v4/inventory" && earlier < 2 {
            return Reply::Send {
                status: 503,
                headers: vec![("Retry-After", "1".into())],
                body: b"busy".to_vec(),
            };
        }
        json_reply(&fleet.answer(request).unwrap())
    });

    let started = Instant::now();
    let mut cmd = provenant(dir.path());
    cmd.args(["--puppet", &broken.url(), "--puppet", &flaky.url()])
        .args(["--puppet", &reports]);
    let run = run(cmd);

    assert_eq!(run.code, Some(2), "{}", run.printed);
    assert!(!run.report.summary.complete);
    run.assert_unreadable(
        &broken.url(),
        &[
            "/pdb/meta/v1/version: HTTP 500 Internal Server Error, still after 3 retries",
            ": Internal server error: the database is on fire",
        ],
    );
    assert!(!run.input(&broken.url()).detail.contains("clojure"));
    assert_eq!(broken.requests("/pdb/meta/v1/version").len(), 4);
    assert!(broken.requests("/pdb/query/v4/reports").is_empty());
    run.assert_read(&flaky.url());
    assert_eq!(flaky.requests("/pdb/query/v4/inventory").len(), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After: 1, twice"
    );
    assert!(run.has_node("node-00.example.com"));
    assert!(
        run.has_node("bystander.example.com"),
        "the report file is audited"
    );
}

#[test]
fn garbage_is_unreadable_and_says_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let commit = support::repository(&dir.path().join("repo"));
    let fleet = Arc::new(Fleet { commit, nodes: 3 });
    let f = fleet.clone();
    let html = Server::start(move |request, _| match request.path.as_str() {
        "/pdb/query/v4/reports" => Reply::Send {
            status: 200,
            headers: vec![("Content-Type", "text/html".into())],
            body: b"<html><body>Welcome to nginx!</body></html>".to_vec(),
        },
        _ => json_reply(&f.answer(request).unwrap()),
    });
    let f = fleet.clone();
    // Valid JSON cut short, with a secret-looking fact in the part that came.
    let cut = Server::start(move |request, _| match request.path.as_str() {
        "/pdb/query/v4/inventory" => Reply::Send {
            status: 200,
            headers: vec![],
            body: br#"[{"certname": "a", "facts": {"db_password": "hunter2-never-shown"#.to_vec(),
        },
        _ => json_reply(&f.answer(request).unwrap()),
    });
    let f = fleet.clone();
    let short = Server::start(move |request, _| match request.path.as_str() {
        "/pdb/query/v4/catalogs" => Reply::Truncated {
            claimed: 4000,
            body: b"[{\"certname\": ".to_vec(),
        },
        _ => json_reply(&f.answer(request).unwrap()),
    });
    let f = fleet.clone();
    let not_a_list = Server::start(move |request, _| match request.path.as_str() {
        "/pdb/query/v4/resources" => json_reply(&json!({"error": "no"})),
        _ => json_reply(&f.answer(request).unwrap()),
    });
    let f = fleet;
    let ignores_offset = Server::start(move |request, _| match request.path.as_str() {
        "/pdb/query/v4/reports" => json_reply(&Value::Array(f.reports()[..2].to_vec())),
        _ => json_reply(&f.answer(request).unwrap()),
    });

    let mut cmd = provenant(dir.path());
    for server in [&html, &cut, &short, &not_a_list, &ignores_offset] {
        cmd.args(["--puppet", &server.url()]);
    }
    cmd.args(["--puppetdb-page-size", "2"]);
    let run = run(cmd);

    assert_eq!(run.code, Some(2), "{}", run.printed);
    run.assert_unreadable(
        &html.url(),
        &["/pdb/query/v4/reports: the answer is not JSON (it starts with `<html><body>Welcome to nginx!</body></ht`); expected a list of reports"],
    );
    run.assert_unreadable(
        &cut.url(),
        &[
            "/pdb/query/v4/inventory: the answer is not valid JSON (EOF while parsing",
            "expected a list of inventory rows",
        ],
    );
    run.assert_unreadable(
        &short.url(),
        &["the body was cut short after 14 of 4000 bytes"],
    );
    run.assert_unreadable(
        &not_a_list.url(),
        &["/pdb/query/v4/resources: expected a list of resources, found a mapping"],
    );
    run.assert_unreadable(
        &ignores_offset.url(),
        &["/pdb/query/v4/reports: the page at offset 2 repeats the one before it"],
    );
    assert!(!run.printed.contains("hunter2"), "{}", run.printed);
    // Nothing of a PuppetDB that could not be read completely is used.
    assert!(!run.has_node("node-00.example.com"));
}

#[test]
fn nothing_refused_unauthorised_and_slow_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    support::repository(&dir.path().join("repo"));
    let closes = Server::start(|_, _| Reply::Close);
    let unauthorised = Server::start(|request, _| match request.header("authorization") {
        // base64("auditor:pdb-pw-never-shown")
        Some("Basic YXVkaXRvcjpwZGItcHctbmV2ZXItc2hvd24=") => status(403, "Forbidden by auth.conf"),
        _ => status(401, "Unauthorized"),
    });
    let slow = Server::start(|_, _| Reply::Stall(Duration::from_secs(5)));
    let not_puppetdb = Server::start(|_, _| {
        status(
            404,
            "<html><head><title>Error 404 Not Found</title></head></html>",
        )
    });
    let refused = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("http://127.0.0.1:{port}")
    };
    let with_password = format!(
        "http://auditor:pdb-pw-never-shown@127.0.0.1:{}",
        unauthorised.port
    );

    let started = Instant::now();
    let mut cmd = provenant(dir.path());
    for url in [
        &closes.url(),
        &unauthorised.url(),
        &with_password,
        &slow.url(),
        &not_puppetdb.url(),
        &refused,
    ] {
        cmd.args(["--puppet", url]);
    }
    cmd.args(["--puppetdb-timeout", "0.5"]);
    let run = run(cmd);

    assert_eq!(run.code, Some(2), "{}", run.printed);
    run.assert_unreadable(&closes.url(), &["/pdb/meta/v1/version: "]);
    run.assert_unreadable(
        &unauthorised.url(),
        &[
            "HTTP 401 Unauthorized",
            "plain HTTP carries no client certificate",
        ],
    );
    // The password is the URL's; the input is named without it.
    run.assert_unreadable(&unauthorised.url(), &["HTTP 401 Unauthorized"]);
    let forbidden = (run.report.scope.inputs.iter())
        .filter(|i| i.path == unauthorised.url())
        .any(|i| i.detail.contains("HTTP 403 Forbidden"));
    assert!(forbidden, "{:#?}", run.report.scope.inputs);
    run.assert_unreadable(
        &slow.url(),
        &["timed out: no answer within 0.5 s (raise it with --puppetdb-timeout)"],
    );
    run.assert_unreadable(
        &not_puppetdb.url(),
        &["/pdb/query/v4/reports: HTTP 404 Not Found (not a PuppetDB, or one older than 4.0"],
    );
    run.assert_unreadable(
        &refused,
        &[
            &format!("unreachable: cannot connect to {}", &refused[7..]),
            "still after 3 retries",
        ],
    );
    assert_eq!(
        slow.requests("/pdb/meta/v1/version").len(),
        1,
        "a slow answer is not retried"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        !run.printed.contains("pdb-pw-never-shown"),
        "{}",
        run.printed
    );
}

#[test]
fn a_puppetdb_conf_names_the_replicas_and_the_next_one_is_tried() {
    let dir = tempfile::tempdir().unwrap();
    let commit = support::repository(&dir.path().join("repo"));
    let server = fake_puppetdb(Fleet { commit, nodes: 2 });
    let down = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("http://127.0.0.1:{port}")
    };
    let conf = dir.path().join("puppetdb.conf");
    std::fs::write(
        &conf,
        format!(
            "[main]\nserver_urls = {down},{}\nsoft_write_failure = false\n",
            server.url()
        ),
    )
    .unwrap();

    let mut cmd = provenant(dir.path());
    cmd.args(["--puppetdb-config", conf.to_str().unwrap()]);
    let run = run(cmd);

    let input = run.assert_read(&down);
    assert!(
        input.detail.contains(&format!(
            "; read from {}, after {down}: unreachable",
            server.url()
        )),
        "{}",
        input.detail
    );
    assert!(run.has_node("node-01.example.com"));

    let bad = dir.path().join("bad.conf");
    std::fs::write(&bad, "[main]\nsoft_write_failure = false\n").unwrap();
    let mut cmd = provenant(dir.path());
    cmd.args(["--puppetdb-config", bad.to_str().unwrap()]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no `server_urls` in its [main] section"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// The real PuppetDB.

const HTTP: &str = "http://127.0.0.1:18080";
const HTTPS: &str = "https://localhost:18081";

struct Oracle {
    dir: PathBuf,
}

impl Oracle {
    fn ssl(&self, path: &str) -> String {
        self.dir.join("puppet/ssl").join(path).display().to_string()
    }

    fn tls_flags(&self) -> Vec<String> {
        vec![
            "--puppetdb-cert".into(),
            self.ssl("certs/oracle-node.pem"),
            "--puppetdb-key".into(),
            self.ssl("private_keys/oracle-node.pem"),
            "--puppetdb-cacert".into(),
            self.ssl("certs/ca.pem"),
        ]
    }
}

static ORACLE: OnceLock<Result<Oracle, String>> = OnceLock::new();

/// The running PuppetDB, started on first use; `None` (with the reason printed) when the tools
/// are missing outside CI.
fn oracle() -> Option<&'static Oracle> {
    match ORACLE.get_or_init(start_oracle) {
        Ok(oracle) => Some(oracle),
        Err(why) if std::env::var_os("CI").is_some() => panic!("CI needs PuppetDB: {why}"),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn start_oracle() -> Result<Oracle, String> {
    let dir = PathBuf::from(std::env::var("ORACLES_DIR").unwrap_or_else(|_| "/tmp/oracles".into()));
    let start = dir.join("bin/pdb-start");
    if !start.is_file() {
        return Err(format!(
            "{} is missing: run setup-oracles.sh --with-puppetdb",
            start.display()
        ));
    }
    for tool in ["puppet", "curl", "git"] {
        let found = std::process::Command::new(tool).arg("--version").output();
        if !found.is_ok_and(|o| o.status.success()) {
            return Err(format!("`{tool}` is not on PATH"));
        }
    }
    if get(&format!("{HTTP}/status/v1/services/puppetdb-status")).is_err() {
        eprintln!(
            "starting PuppetDB with {} (about a minute)",
            start.display()
        );
        let out = std::process::Command::new("bash")
            .arg(&start)
            .output()
            .unwrap();
        if !out.status.success() {
            return Err(format!(
                "pdb-start failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    Ok(Oracle { dir })
}

/// A GET with curl: the body, or why not.
fn get(url: &str) -> Result<Vec<u8>, String> {
    let out = std::process::Command::new("curl")
        .args(["-sS", "-f", "--max-time", "30", url])
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn query(endpoint: &str, query: &Value) -> Value {
    let out = std::process::Command::new("curl")
        .args([
            "-sS",
            "-f",
            "-G",
            &format!("{HTTP}/pdb/query/v4/{endpoint}"),
        ])
        .args(["--data-urlencode", &format!("query={query}")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Posts a command to PuppetDB's command API.
fn command(name: &str, version: u32, certname: &str, body: &[u8]) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), body).unwrap();
    let url = format!("{HTTP}/pdb/cmd/v1?command={name}&version={version}&certname={certname}");
    let out = std::process::Command::new("curl")
        .args([
            "-sS",
            "-f",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            &url,
        ])
        .arg("--data-binary")
        .arg(format!("@{}", file.path().display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Waits until PuppetDB has processed the commands of `certname`: its latest report at
/// `version`, its facts and its catalog.
fn wait_for(certname: &str, version: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let reports = query(
            "reports",
            &json!([
                "and",
                ["=", "certname", certname],
                ["=", "latest_report?", true]
            ]),
        );
        let facts = query("inventory", &json!(["=", "certname", certname]));
        let catalogs = query("catalogs", &json!(["=", "certname", certname]));
        let ready = reports[0]["configuration_version"] == version
            && facts.as_array().is_some_and(|f| !f.is_empty())
            && catalogs[0]["version"] == version;
        if ready {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "PuppetDB did not store {certname} at {version} in 120 s"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{nanos}.oracle.test", std::process::id())
}

/// A control repository: a module whose file is deployed from a static source, a template-less
/// inline file and a notify, committed on `production` (the environment's branch), and a
/// second commit on `feature` that production does not contain. The working tree's module file
/// is then edited without committing, so what Puppet deploys from it matches no commit.
fn control_repository(repo: &Path, out: &Path) -> (String, String) {
    let files = [
        ("manifests/site.pp", "include motd\n".to_string()),
        (
            "modules/motd/manifests/init.pp",
            format!(
                "class motd {{\n  file {{ '{0}/motd': ensure => file, source => 'puppet:///modules/motd/motd' }}\n  \
                 file {{ '{0}/inline': ensure => file, content => \"inline\\n\" }}\n  \
                 notify {{ 'hello': message => 'hi' }}\n}}\n",
                out.display()
            ),
        ),
        ("modules/motd/files/motd", "committed motd\n".to_string()),
    ];
    let git = git2::Repository::init(repo).unwrap();
    git.set_head("refs/heads/production").unwrap();
    let sig =
        git2::Signature::new("T", "t@example.com", &git2::Time::new(1_700_000_000, 0)).unwrap();
    let mut index = git.index().unwrap();
    for (path, text) in &files {
        let full = repo.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, text).unwrap();
        index.add_path(Path::new(path)).unwrap();
    }
    index.write().unwrap();
    let tree = git.find_tree(index.write_tree().unwrap()).unwrap();
    let released = git
        .commit(Some("HEAD"), &sig, &sig, "motd\n", &tree, &[])
        .unwrap();
    let parent = git.find_commit(released).unwrap();
    let feature = git
        .commit(
            Some("refs/heads/feature"),
            &sig,
            &sig,
            "unreleased\n",
            &tree,
            &[&parent],
        )
        .unwrap();
    std::fs::write(repo.join("modules/motd/files/motd"), "edited by hand\n").unwrap();
    (released.to_string(), feature.to_string())
}

/// `puppet apply` of the control repository as `certname`, reporting `version` (the output of
/// the --config_version command): its report file.
fn puppet_apply(
    oracle: &Oracle,
    confdir: &Path,
    work: &Path,
    repo: &Path,
    certname: &str,
    version_command: &str,
) -> PathBuf {
    let vardir = work.join(format!("var-{certname}"));
    let out = std::process::Command::new("puppet")
        .arg("apply")
        .arg("--confdir")
        .arg(confdir)
        .arg("--vardir")
        .arg(&vardir)
        .arg("--logdir")
        .arg(work.join("log"))
        .arg("--rundir")
        .arg(work.join("run"))
        .args(["--certname", certname])
        .args(["--hostcert", &oracle.ssl("certs/oracle-node.pem")])
        .args(["--hostprivkey", &oracle.ssl("private_keys/oracle-node.pem")])
        .arg("--modulepath")
        .arg(repo.join("modules"))
        .args(["--config_version", version_command])
        .arg(repo.join("manifests/site.pp"))
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "puppet apply failed:\n{printed}");
    let reports: Vec<PathBuf> = std::fs::read_dir(vardir.join("reports").join(certname))
        .unwrap_or_else(|e| panic!("no report of {certname} ({e}):\n{printed}"))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    reports[0].clone()
}

#[test]
fn puppet_apply_through_the_terminus_reads_as_its_report_files() {
    let Some(oracle) = oracle() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let repo = dir.path().join("repo");
    let (released, feature) = control_repository(&repo, &out);
    let confdir = oracle.dir.join("puppet/conf");
    let (on_release, on_feature) = (unique("released"), unique("feature"));
    let head = format!("git -C {} rev-parse HEAD", repo.display());
    let report_a = puppet_apply(oracle, &confdir, dir.path(), &repo, &on_release, &head);
    let report_b = puppet_apply(
        oracle,
        &confdir,
        dir.path(),
        &repo,
        &on_feature,
        &format!("git -C {} rev-parse feature", repo.display()),
    );
    wait_for(&on_release, &released);
    wait_for(&on_feature, &feature);

    // The same runs as files: the reports Puppet stored, and the facts and catalogs PuppetDB
    // answers for them, saved as they come.
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    for (certname, report) in [(&on_release, &report_a), (&on_feature, &report_b)] {
        std::fs::copy(report, files.join(format!("{certname}.report.yaml"))).unwrap();
        let catalog = get(&format!("{HTTP}/pdb/query/v4/catalogs/{certname}")).unwrap();
        std::fs::write(files.join(format!("{certname}.catalog.json")), catalog).unwrap();
        let facts = query("inventory", &json!(["=", "certname", certname]));
        std::fs::write(
            files.join(format!("{certname}.facts.json")),
            facts.to_string(),
        )
        .unwrap();
    }
    let nodes = [on_release.as_str(), on_feature.as_str()];

    let mut cmd = provenant(dir.path());
    cmd.args(["--puppet", files.to_str().unwrap()]);
    let from_files = run(cmd);
    let expected = from_files.findings_of(&nodes);
    assert!(
        expected.contains(&("PV005".into(), on_release.clone())),
        "the hand-edited module file: {expected:?}\n{}",
        from_files.printed
    );
    assert!(
        expected.contains(&("PV002".into(), on_feature.clone())),
        "the commit production lacks: {expected:?}"
    );

    let mut cmd = provenant(dir.path());
    cmd.args(["--puppet", HTTP]);
    let over_http = run(cmd);
    over_http.assert_read(HTTP);
    assert_eq!(
        over_http.findings_of(&nodes),
        expected,
        "{}",
        over_http.printed
    );

    let mut cmd = provenant(dir.path());
    cmd.args(["--puppet", HTTPS]).args(oracle.tls_flags());
    let over_https = run(cmd);
    let input = over_https.assert_read(HTTPS);
    assert!(
        input.detail.starts_with("PuppetDB 7.12"),
        "{}",
        input.detail
    );
    assert_eq!(over_https.findings_of(&nodes), expected);

    // Puppet's own configuration: the URL from puppetdb.conf, the certificates from the
    // puppet.conf beside it.
    let mut cmd = provenant(dir.path());
    cmd.arg("--puppetdb-config")
        .arg(confdir.join("puppetdb.conf"));
    let from_config = run(cmd);
    from_config.assert_read(HTTPS);
    assert_eq!(from_config.findings_of(&nodes), expected);

    // Over HTTPS without a client certificate: refused, and said so.
    let mut cmd = provenant(dir.path());
    cmd.args([
        "--puppet",
        HTTPS,
        "--puppetdb-cacert",
        &oracle.ssl("certs/ca.pem"),
    ]);
    let refused = run(cmd);
    refused.assert_unreadable(HTTPS, &["give one with --puppetdb-cert and --puppetdb-key"]);
    let key = std::fs::read_to_string(oracle.ssl("private_keys/oracle-node.pem")).unwrap();
    let key_line = key.lines().nth(1).unwrap();
    for run in [&over_https, &from_config, &refused] {
        assert!(
            !run.printed.contains(key_line),
            "the client key was printed"
        );
    }
}

#[test]
fn commands_posted_to_the_api_read_as_the_same_files() {
    let Some(oracle) = oracle() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let repo = dir.path().join("repo");
    let (released, _) = control_repository(&repo, &out);
    let certname = unique("posted");

    // A run that reports to files only; PuppetDB gets it through the command API.
    let confdir = dir.path().join("conf");
    std::fs::create_dir_all(&confdir).unwrap();
    std::fs::write(
        confdir.join("puppet.conf"),
        format!(
            "[main]\nssldir = {}\ncertificate_revocation = false\nreports = store\n",
            oracle.dir.join("puppet/ssl").display()
        ),
    )
    .unwrap();
    let head = format!("git -C {} rev-parse HEAD", repo.display());
    let report_yaml = puppet_apply(oracle, &confdir, dir.path(), &repo, &certname, &head);

    let converted = std::process::Command::new(oracle.dir.join("bin/puppet-report-to-pdb"))
        .arg(&report_yaml)
        .output()
        .unwrap();
    assert!(
        converted.status.success(),
        "{}",
        String::from_utf8_lossy(&converted.stderr)
    );
    let wire_report: Value = serde_json::from_slice(&converted.stdout).unwrap();
    assert_eq!(wire_report["certname"], certname.as_str());
    let now = "2026-11-20T10:00:00.000Z";
    let facts = json!({
        "certname": certname, "environment": "production", "producer_timestamp": now,
        "producer": "oracle-node",
        "values": {"fqdn": certname, "hostname": "posted", "networking": {"ip": "192.0.2.77"}}
    });
    let motd = out.join("motd").display().to_string();
    let inline = out.join("inline").display().to_string();
    let catalog = json!({
        "certname": certname, "version": released, "environment": "production",
        "transaction_uuid": wire_report["transaction_uuid"], "catalog_uuid": wire_report["catalog_uuid"],
        "producer_timestamp": now, "producer": "oracle-node", "code_id": null, "job_id": null,
        "resources": [
            {"type": "Class", "title": "Motd", "exported": false, "tags": ["class", "motd"], "parameters": {}},
            {"type": "File", "title": motd, "exported": false, "tags": ["file", "motd"],
             "file": repo.join("modules/motd/manifests/init.pp").display().to_string(), "line": 2,
             "parameters": {"ensure": "file", "source": "puppet:///modules/motd/motd"}},
            {"type": "File", "title": inline, "exported": false, "tags": ["file", "motd"],
             "parameters": {"ensure": "file", "content": "inline\n"}}
        ],
        "edges": [
            {"source": {"type": "Class", "title": "Motd"}, "target": {"type": "File", "title": motd}, "relationship": "contains"}
        ]
    });
    command("replace_facts", 5, &certname, facts.to_string().as_bytes());
    command(
        "replace_catalog",
        9,
        &certname,
        catalog.to_string().as_bytes(),
    );
    command("store_report", 8, &certname, &converted.stdout);
    wait_for(&certname, &released);

    // The same documents as files: the report YAML Puppet wrote, the facts and catalog posted.
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::copy(&report_yaml, files.join("report.yaml")).unwrap();
    std::fs::write(files.join("facts.json"), facts.to_string()).unwrap();
    std::fs::write(files.join("catalog.json"), catalog.to_string()).unwrap();
    let mut cmd = provenant(dir.path());
    cmd.args(["--puppet", files.to_str().unwrap()]);
    let from_files = run(cmd);
    let expected = from_files.findings_of(&[&certname]);
    assert!(
        expected.contains(&("PV005".into(), certname.clone())),
        "{expected:?}\n{}",
        from_files.printed
    );

    let mut cmd = provenant(dir.path());
    cmd.args(["--puppet", HTTPS]).args(oracle.tls_flags());
    let over_https = run(cmd);
    over_https.assert_read(HTTPS);
    assert_eq!(over_https.findings_of(&[&certname]), expected);
    let component = (over_https.report.components.iter())
        .find(|c| c.labels.contains(&certname))
        .unwrap();
    assert!(
        component.labels.iter().any(|l| l == "192.0.2.77"),
        "the facts from the inventory: {:?}",
        component.labels
    );
}
