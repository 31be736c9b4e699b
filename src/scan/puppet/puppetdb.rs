//! PuppetDB over HTTP (`--puppet http://127.0.0.1:8080`, `--puppet https://puppetdb:8081`):
//! the latest report of every node with its events, every node's facts, and where each node's
//! managed files take their content from, read through the query API v4. Every request is a
//! GET; nothing is ever written to PuppetDB.
//!
//! The requests, in AST query language (`query=`), each answer a JSON list:
//!
//! 1. `/pdb/meta/v1/version`, for the scope's detail (a 404 here is not fatal: a proxy may
//!    expose only the query API);
//! 2. `/pdb/query/v4/reports`, `["extract", [...], ["=", "latest_report?", true]]`: the report
//!    fields without their `metrics`, `logs` and `resource_events`, ordered by certname;
//! 3. `/pdb/query/v4/events`, `["in", "report", ["array", [HASH, ...]]]`, for up to
//!    [`EVENTS_PER_REQUEST`] reports of a page at a time (fewer when their hashes would make
//!    the request line too long for Jetty), ordered by report, resource type,
//!    title and property. Events are asked for by report hash, so they belong to exactly the
//!    reports read even when a node reports again meanwhile; the per-report
//!    `/reports/<hash>/events` endpoint is not used, PuppetDB 7.12 answers it with a 500;
//! 4. `/pdb/query/v4/inventory`, `["extract", ["certname", "environment", "facts"]]`;
//! 5. `/pdb/query/v4/catalogs`, `["extract", ["certname", "version", "code_id",
//!    "environment"]]`: each node's latest catalog, without its resources and edges;
//! 6. `/pdb/query/v4/resources`, `["extract", ["certname", "type", "title", "parameters"],
//!    ["and", ["=", "type", "File"], ["in", "certname", ["array", [CERTNAME, ...]]]]]`, for the
//!    nodes of a page of catalogs at a time, ordered by certname and title: the File resources
//!    of their latest catalogs, for their static `source`.
//!
//! Every query but the first is paged: `limit` (the page size, 1000 unless configured),
//! `offset`, and an `order_by` that makes the order total; a page shorter than the limit is the
//! last one. Reports (with their events), facts and catalogs are read side by side, on three
//! connections. Any request that fails makes the whole PuppetDB an unreadable input, with what
//! failed and why: a report without its events would read as a run that changed nothing.
//!
//! The scope's digest is that of what was read: the sha256 of the sorted sha256s of every row
//! (each with its endpoint), so the same PuppetDB contents give the same digest whatever the
//! page size.
//!
//! Failures are retried (connections that cannot be made, 429 and 5xx, honouring
//! `Retry-After`), then described without any credential: the URL is shown without its user
//! information, and the client key is only ever handed to rustls.

mod conf;

pub use conf::{read_puppetdb_conf, resolve_options, PuppetConf, PuppetDbFlags};

use super::catalog::catalogs_from_rows;
use super::facts::facts_from_value;
use super::model::{NodeCatalog, NodeFacts, NodeReport};
use super::report::{kind, push_event_row, report_from_value, text};
use crate::model::id::{sha256, Sha256};
use crate::model::{Input, InputKind, InputStatus, Location};
use crate::scan::remote::http::{host_of, Credentials, Failure, Fetcher, Secret, Settings};
use reqwest::{StatusCode, Url};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Rows asked for in one request, unless configured.
pub const DEFAULT_PAGE_SIZE: usize = 1000;
/// Seconds to wait for an answer (and between reads of one), unless configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Seconds to wait for a connection, unless configured; never more than the timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Retries after a first attempt that could not connect, or got a 429 or a 5xx.
pub const DEFAULT_RETRIES: u32 = 3;
/// Report hashes per events request, at most.
pub const EVENTS_PER_REQUEST: usize = 100;
/// The most a `query` parameter listing hashes or certnames may take, percent-encoded: PuppetDB's
/// Jetty refuses request lines over 8 KB (414 URI Too Long).
const MAX_QUERY_BYTES: usize = 5000;

const VERSION: &str = "/pdb/meta/v1/version";
const REPORTS: &str = "/pdb/query/v4/reports";
const EVENTS: &str = "/pdb/query/v4/events";
const INVENTORY: &str = "/pdb/query/v4/inventory";
const CATALOGS: &str = "/pdb/query/v4/catalogs";
const RESOURCES: &str = "/pdb/query/v4/resources";

/// The report fields read; `metrics`, `logs` and `resource_events` are left on the server.
const REPORT_FIELDS: &[&str] = &[
    "certname",
    "hash",
    "environment",
    "configuration_version",
    "code_id",
    "start_time",
    "end_time",
    "producer_timestamp",
    "receive_time",
    "report_format",
    "puppet_version",
    "status",
    "noop",
    "transaction_uuid",
    "catalog_uuid",
];

/// How to reach a PuppetDB: TLS client identity and trust, and patience.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PuppetDbOptions {
    /// Client certificate (PEM), as puppet.conf's `hostcert`.
    pub cert: Option<PathBuf>,
    /// Its private key (PEM), as `hostprivkey`.
    pub key: Option<PathBuf>,
    /// The CA that signed PuppetDB's certificate (PEM), as `localcacert`.
    pub cacert: Option<PathBuf>,
    /// Where `cert`, `key` and `cacert` were set (`--puppetdb-cert`, `[puppetdb] cert in
    /// provenant.toml`, `hostcert of /etc/puppetlabs/puppet/puppet.conf`), for messages.
    pub cert_from: Option<String>,
    pub key_from: Option<String>,
    pub cacert_from: Option<String>,
    /// For an answer; `None`: `PROVENANT_HTTP_TIMEOUT`, else [`DEFAULT_TIMEOUT`].
    pub timeout: Option<Duration>,
    /// For a connection; `None`: [`DEFAULT_CONNECT_TIMEOUT`].
    pub connect_timeout: Option<Duration>,
    /// Rows per request; `None`: [`DEFAULT_PAGE_SIZE`].
    pub page_size: Option<usize>,
    /// `None`: [`DEFAULT_RETRIES`].
    pub retries: Option<u32>,
    /// The `server_urls` of a `puppetdb.conf`: replicas of one PuppetDB. Fetching one of them
    /// tries the next ones, in order, when it cannot connect, as Puppet's terminus does.
    pub server_urls: Vec<String>,
}

/// What one PuppetDB gave: its scope entry, and the latest report, facts and catalog of
/// every node.
#[derive(Debug)]
pub struct Fetched {
    pub input: Input,
    pub reports: Vec<NodeReport>,
    pub facts: Vec<NodeFacts>,
    pub catalogs: Vec<NodeCatalog>,
}

/// Reads everything a PuppetDB holds of the latest runs. Never fails: a PuppetDB that cannot
/// be read is an unreadable input saying why.
pub fn fetch(url: &str, options: &PuppetDbOptions) -> Fetched {
    let shown = shown(url);
    let mut passed_over = Vec::new();
    let replicas = replicas(url, options);
    for (i, replica) in replicas.iter().enumerate() {
        // Puppet's terminus moves on to the next replica at once; so does this.
        let last = i + 1 == replicas.len();
        match read(replica, options, last) {
            Ok(snapshot) => {
                let mut fetched = snapshot.into_fetched(shown);
                if !passed_over.is_empty() {
                    fetched.input.detail.push_str(&format!(
                        "; read from {}, after {}",
                        self::shown(replica),
                        passed_over.join("; ")
                    ));
                }
                return fetched;
            }
            Err(e) if e.unreachable && i + 1 < replicas.len() => {
                passed_over.push(format!("{}: {}", self::shown(replica), e.message));
            }
            Err(e) => {
                let mut detail = e.message;
                if !passed_over.is_empty() {
                    detail = format!(
                        "{}; and {}: {detail}",
                        passed_over.join("; "),
                        self::shown(replica)
                    );
                }
                return unreadable(shown, detail);
            }
        }
    }
    unreadable(shown, "no PuppetDB URL".into())
}

fn unreadable(path: String, detail: String) -> Fetched {
    Fetched {
        input: Input {
            path,
            kind: InputKind::Puppetdb,
            sha256: None,
            status: InputStatus::Unreadable,
            detail,
            line: None,
        },
        reports: Vec::new(),
        facts: Vec::new(),
        catalogs: Vec::new(),
    }
}

/// How a PuppetDB URL is shown: without user information or secret query values, and
/// without a slash the user did not write.
fn shown(url: &str) -> String {
    let display = crate::scan::remote::display(url);
    if url.ends_with('/') {
        display
    } else {
        display.trim_end_matches('/').to_string()
    }
}

/// `url`, then the other replicas of `puppetdb.conf`'s `server_urls` when `url` is one of them.
fn replicas(url: &str, options: &PuppetDbOptions) -> Vec<String> {
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    let mut out = vec![url.to_string()];
    if options.server_urls.iter().any(|u| same(u, url)) {
        out.extend(
            (options.server_urls.iter())
                .filter(|u| !same(u, url))
                .cloned(),
        );
    }
    out
}

/// Why a PuppetDB could not be read.
#[derive(Debug)]
struct DbError {
    message: String,
    /// No connection could be made: another replica may do better.
    unreachable: bool,
}

impl DbError {
    fn new(message: impl Into<String>) -> DbError {
        DbError {
            message: message.into(),
            unreachable: false,
        }
    }
}

/// Everything read from one PuppetDB.
struct Snapshot {
    version: Option<String>,
    reports: Vec<NodeReport>,
    events: usize,
    facts: Vec<NodeFacts>,
    catalogs: Vec<NodeCatalog>,
    requests: usize,
    sha256: String,
}

impl Snapshot {
    fn into_fetched(self, path: String) -> Fetched {
        let nodes: BTreeSet<&str> = (self.reports.iter().map(|r| r.certname.as_str()))
            .chain(self.facts.iter().map(|f| f.certname.as_str()))
            .chain(self.catalogs.iter().map(|c| c.certname.as_str()))
            .collect();
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let detail = format!(
            "{}: {}, {} ({}), {}, {}; {}",
            match &self.version {
                Some(v) => format!("PuppetDB {v}"),
                None => "PuppetDB (version not told)".to_string(),
            },
            plural(nodes.len(), "node", "nodes"),
            plural(self.reports.len(), "latest report", "latest reports"),
            plural(self.events, "event", "events"),
            plural(self.facts.len(), "factset", "factsets"),
            plural(self.catalogs.len(), "catalog", "catalogs"),
            plural(self.requests, "query", "queries"),
        );
        Fetched {
            input: Input {
                path,
                kind: InputKind::Puppetdb,
                sha256: Some(self.sha256),
                status: InputStatus::Read,
                detail,
                line: None,
            },
            reports: self.reports,
            facts: self.facts,
            catalogs: self.catalogs,
        }
    }
}

/// Reads one PuppetDB: its version, then reports, facts and catalogs side by side.
fn read(url: &str, options: &PuppetDbOptions, retry_network: bool) -> Result<Snapshot, DbError> {
    let db = Db::new(url, options, retry_network)?;
    let version = db.version()?;
    let (reports, facts, catalogs) = std::thread::scope(|scope| {
        let reports = scope.spawn(|| db.reports());
        let facts = scope.spawn(|| db.facts());
        let catalogs = db.catalogs();
        fn lost<T>() -> Result<T, DbError> {
            Err(DbError::new("a query thread stopped unexpectedly"))
        }
        (
            reports.join().unwrap_or_else(|_| lost()),
            facts.join().unwrap_or_else(|_| lost()),
            catalogs,
        )
    });
    let (reports, events, mut rows) = reports?;
    let (facts, facts_rows) = facts?;
    let (catalogs, catalogs_rows) = catalogs?;
    // The digest of every row read, whatever the order and the paging: the same PuppetDB
    // contents give the same digest.
    rows.extend(facts_rows);
    rows.extend(catalogs_rows);
    rows.sort_unstable();
    let mut all = Sha256::new();
    for row in &rows {
        all.update(row);
    }
    Ok(Snapshot {
        version,
        reports,
        events,
        facts,
        catalogs,
        requests: db.requests.load(Ordering::Relaxed),
        sha256: hex(&all.finish()),
    })
}

type RowDigest = [u8; 32];

/// The sha256 of one row, with the endpoint that gave it.
fn row_digest(endpoint: &str, row: &Value) -> RowDigest {
    let mut hasher = Sha256::new();
    hasher.update(endpoint.as_bytes());
    hasher.update([0]);
    // Written as parsed: keys in their order, numbers with their digits.
    let _ = serde_json::to_writer(&mut hasher, row);
    hasher.finish()
}

/// `items` cut into runs of at most `max_items` whose JSON list, percent-encoded in a query,
/// stays within [`MAX_QUERY_BYTES`]; a single item longer than that is a run of its own.
fn batches<'i, 's>(items: &'i [&'s str], max_items: usize) -> Vec<&'i [&'s str]> {
    let encoded = |s: &str| {
        let plain = |b: &u8| b.is_ascii_alphanumeric() || b"-._~".contains(b);
        // Each item is written `"item",`: quotes and comma encoded as %22 and %2C.
        9 + s
            .bytes()
            .map(|b| if plain(&b) { 1 } else { 3 })
            .sum::<usize>()
    };
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        let size = encoded(item);
        if i > start && (i - start >= max_items || bytes + size > MAX_QUERY_BYTES) {
            out.push(&items[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < items.len() {
        out.push(&items[start..]);
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One PuppetDB and the means to ask it.
struct Db<'a> {
    /// Scheme, host, port and any path prefix, without user information, query or slash at
    /// the end: `https://puppetdb:8081`.
    base: Url,
    /// The same, as shown in origins.
    shown: String,
    fetcher: Fetcher,
    /// Basic auth from the URL's user information, for a PuppetDB behind a proxy.
    credentials: Option<Credentials>,
    page_size: usize,
    options: &'a PuppetDbOptions,
    requests: AtomicUsize,
}

impl<'a> Db<'a> {
    fn new(
        given: &str,
        options: &'a PuppetDbOptions,
        retry_network: bool,
    ) -> Result<Db<'a>, DbError> {
        let (base, credentials) = base_url(given).map_err(DbError::new)?;
        let shown = base.as_str().trim_end_matches('/').to_string();
        let mut settings = Settings::from_env().map_err(DbError::new)?;
        settings.what = "a PuppetDB answer";
        // Without one, PROVENANT_HTTP_TIMEOUT's, else DEFAULT_TIMEOUT.
        if let Some(timeout) = options.timeout {
            settings.timeout = timeout;
        }
        settings.connect_timeout = options
            .connect_timeout
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
            .min(settings.timeout);
        settings.retries = options.retries.unwrap_or(DEFAULT_RETRIES);
        settings.retry_network = retry_network;
        if base.scheme() == "https" {
            let (identity, roots) = conf::tls_material(options).map_err(DbError::new)?;
            settings.identity = identity;
            settings.roots = roots;
        }
        let credentials = credentials.map(|secret| Credentials {
            secret,
            origin: base.clone(),
        });
        Ok(Db {
            base,
            shown,
            fetcher: Fetcher::with(settings),
            credentials,
            page_size: options.page_size.unwrap_or(DEFAULT_PAGE_SIZE).max(1),
            options,
            requests: AtomicUsize::new(0),
        })
    }

    fn url(&self, endpoint: &str, params: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!(
            "{}{endpoint}",
            self.base.path().trim_end_matches('/')
        ));
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        url
    }

    /// One GET.
    fn get(&self, endpoint: &str, params: &[(&str, String)]) -> Result<Vec<u8>, DbError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let url = self.url(endpoint, params);
        let body = self
            .fetcher
            .get(&url, self.credentials.as_ref(), Some("application/json"))
            .map_err(|failure| self.explain(endpoint, failure))?;
        Ok(body)
    }

    /// `/pdb/meta/v1/version`: the version, or `None` when the server does not tell it.
    fn version(&self) -> Result<Option<String>, DbError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let url = self.url(VERSION, &[]);
        match (self.fetcher).get(&url, self.credentials.as_ref(), Some("application/json")) {
            Ok(body) => {
                let value = parse_json(&body, VERSION, "the version (an object)")?;
                Ok(text(value.get("version")))
            }
            Err(failure) if failure.status == Some(StatusCode::NOT_FOUND) => Ok(None),
            Err(failure) => Err(self.explain(VERSION, failure)),
        }
    }

    /// The latest report of every node, with its events; how many events; the digest.
    fn reports(&self) -> Result<(Vec<NodeReport>, usize, Vec<RowDigest>), DbError> {
        let mut digest = Vec::new();
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut events = 0;
        let query = json!(["extract", REPORT_FIELDS, ["=", "latest_report?", true]]);
        let mut pages = Pager::new(REPORTS, query, &["certname", "hash"], "a list of reports");
        while let Some(rows) = pages.next(self, &mut digest)? {
            let mut page = Vec::with_capacity(rows.len());
            for (i, row) in rows.iter().enumerate() {
                let hash = text(row.get("hash")).ok_or_else(|| {
                    DbError::new(format!(
                        "{REPORTS}: row {} of the answer has no report `hash`",
                        pages.offset_of(i)
                    ))
                })?;
                if !seen.insert(hash.clone()) {
                    continue; // a row seen on an earlier page, shifted by a new node
                }
                let origin = format!("{}{REPORTS} (hash {hash})", self.shown);
                let mut report = report_from_value(row, &origin, &|_| None)
                    .map_err(|e| DbError::new(format!("{REPORTS}: report {hash}: {e}")))?;
                report.events_only = true;
                page.push((hash, report));
            }
            let hashes: Vec<&str> = page.iter().map(|(hash, _)| hash.as_str()).collect();
            let sizes: Vec<usize> = (batches(&hashes, EVENTS_PER_REQUEST).iter())
                .map(|b| b.len())
                .collect();
            let mut rest = page.as_mut_slice();
            for size in sizes {
                let (batch, after) = rest.split_at_mut(size);
                events += self.events(batch, &mut digest)?;
                rest = after;
            }
            out.extend(page.into_iter().map(|(_, report)| report));
        }
        Ok((out, events, digest))
    }

    /// Adds to each report of `batch` the resources its events name.
    fn events(
        &self,
        batch: &mut [(String, NodeReport)],
        digest: &mut Vec<RowDigest>,
    ) -> Result<usize, DbError> {
        let index: HashMap<String, usize> = (batch.iter().enumerate())
            .map(|(i, (hash, _))| (hash.clone(), i))
            .collect();
        let hashes: Vec<&str> = batch.iter().map(|(hash, _)| hash.as_str()).collect();
        let query = json!(["in", "report", ["array", hashes]]);
        let order = ["report", "resource_type", "resource_title", "property"];
        let mut pages = Pager::new(EVENTS, query, &order, "a list of events");
        let mut count = 0;
        while let Some(rows) = pages.next(self, digest)? {
            for row in &rows {
                let hash = text(row.get("report")).unwrap_or_default();
                let Some(&i) = index.get(&hash) else {
                    return Err(DbError::new(format!(
                        "{EVENTS}: an event of report `{hash}`, which was not asked for"
                    )));
                };
                let origin = Location::file(format!("{}{EVENTS} (report {hash})", self.shown));
                push_event_row(&mut batch[i].1.resources, row, origin)
                    .map_err(|e| DbError::new(format!("{EVENTS}: report {hash}: {e}")))?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// Every node's facts, from the inventory.
    fn facts(&self) -> Result<(Vec<NodeFacts>, Vec<RowDigest>), DbError> {
        let mut digest = Vec::new();
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let query = json!(["extract", ["certname", "environment", "facts"]]);
        let mut pages = Pager::new(INVENTORY, query, &["certname"], "a list of inventory rows");
        while let Some(rows) = pages.next(self, &mut digest)? {
            for row in &rows {
                let certname = text(row.get("certname")).unwrap_or_default();
                if !seen.insert(certname.clone()) {
                    continue;
                }
                let origin = format!("{}{INVENTORY} (certname {certname})", self.shown);
                let facts = facts_from_value(row, Location::file(origin))
                    .map_err(|e| DbError::new(format!("{INVENTORY}: {e}")))?;
                out.push(facts);
            }
        }
        Ok((out, digest))
    }

    /// Every node's latest catalog: its version, and the files it takes from a static source.
    fn catalogs(&self) -> Result<(Vec<NodeCatalog>, Vec<RowDigest>), DbError> {
        let mut digest = Vec::new();
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let fields = ["certname", "version", "code_id", "environment"];
        let query = json!(["extract", fields]);
        let mut pages = Pager::new(CATALOGS, query, &["certname"], "a list of catalogs");
        while let Some(rows) = pages.next(self, &mut digest)? {
            let mut page: BTreeMap<String, NodeCatalog> = BTreeMap::new();
            for row in &rows {
                let certname = text(row.get("certname")).ok_or_else(|| {
                    DbError::new(format!("{CATALOGS}: a catalog without its `certname`"))
                })?;
                if !seen.insert(certname.clone()) {
                    continue;
                }
                page.insert(
                    certname.clone(),
                    NodeCatalog {
                        origin: Location::file(format!("{}{CATALOGS}/{certname}", self.shown)),
                        certname,
                        version: text(row.get("version")),
                        code_id: text(row.get("code_id")),
                        environment: text(row.get("environment")),
                        static_sources: BTreeMap::new(),
                    },
                );
            }
            let certnames: Vec<String> = page.keys().cloned().collect();
            let certnames: Vec<&str> = certnames.iter().map(String::as_str).collect();
            for batch in batches(&certnames, usize::MAX) {
                for resources in self.files(batch, &mut digest)? {
                    if let Some(catalog) = page.get_mut(&resources.certname) {
                        catalog.static_sources.extend(resources.static_sources);
                    }
                }
            }
            out.extend(page.into_values());
        }
        Ok((out, digest))
    }

    /// The File resources of the latest catalogs of `certnames`, grouped by node. Asked for a
    /// batch of nodes at a time: one query over every node's files would page with offsets in
    /// the hundreds of thousands, which PuppetDB answers ever more slowly.
    fn files(
        &self,
        certnames: &[&str],
        digest: &mut Vec<RowDigest>,
    ) -> Result<Vec<NodeCatalog>, DbError> {
        let query = json!([
            "extract",
            ["certname", "type", "title", "parameters"],
            [
                "and",
                ["=", "type", "File"],
                ["in", "certname", ["array", certnames]]
            ]
        ]);
        let order = ["certname", "title"];
        let mut pages = Pager::new(RESOURCES, query, &order, "a list of resources");
        let mut out = Vec::new();
        while let Some(rows) = pages.next(self, digest)? {
            out.extend(
                catalogs_from_rows(&rows, RESOURCES)
                    .map_err(|e| DbError::new(format!("{RESOURCES}: {e}")))?,
            );
        }
        Ok(out)
    }

    /// A failed request in words: what was asked, what happened, and what to do about it.
    fn explain(&self, endpoint: &str, failure: Failure) -> DbError {
        let host = host_of(&self.base);
        let https = self.base.scheme() == "https";
        let o = self.options;
        let message = if failure.tls {
            let m = &failure.message;
            let hint = if m.contains("UnknownIssuer") {
                match (&o.cacert, &o.cacert_from) {
                    (Some(ca), from) => format!(
                        " (PuppetDB's certificate is not signed by the CA in {}{})",
                        ca.display(),
                        from_text(from)
                    ),
                    (None, _) => " (PuppetDB's certificate is not signed by a CA this machine \
                                 trusts: give Puppet's CA with --puppetdb-cacert)"
                        .to_string(),
                }
            } else if m.contains("invalid peer certificate") {
                format!(
                    " (PuppetDB's certificate was refused: it must name {host} and be valid now)"
                )
            } else if m.contains("alert") && o.cert.is_none() {
                " (PuppetDB asks for a client certificate: give one with --puppetdb-cert and \
                 --puppetdb-key, or [puppetdb] cert and key in provenant.toml)"
                    .to_string()
            } else if m.contains("alert") {
                format!(
                    " (PuppetDB refused the client certificate {})",
                    cert_text(o)
                )
            } else {
                String::new()
            };
            let why = m.trim_start_matches("cannot connect: ");
            format!("TLS with {host} failed: {why}{hint}")
        } else if failure.unreachable {
            let why = failure.message.trim_start_matches("cannot connect: ");
            format!("unreachable: cannot connect to {host}: {why}")
        } else if failure.message.starts_with("timed out") {
            format!(
                "{endpoint}: {} (raise it with --puppetdb-timeout)",
                failure.message
            )
        } else {
            let status = failure.status.map(|s| s.as_u16());
            let hint = match status {
                Some(401 | 403) if self.credentials.is_some() => " (the user name and password \
                     in the URL were refused)"
                    .to_string(),
                Some(401 | 403) if !https => " (PuppetDB refused the request: plain HTTP carries \
                     no client certificate; use its HTTPS port, usually 8081, with \
                     --puppetdb-cert, --puppetdb-key and --puppetdb-cacert)"
                    .to_string(),
                Some(401 | 403) if o.cert.is_none() => " (PuppetDB wants a client certificate \
                     it allows: give one with --puppetdb-cert and --puppetdb-key, or [puppetdb] \
                     cert and key in provenant.toml)"
                    .to_string(),
                Some(401 | 403) => format!(
                    " (PuppetDB refused the client certificate {}: its certificate-allowlist \
                     or auth.conf must allow that certname)",
                    cert_text(o)
                ),
                Some(404) => " (not a PuppetDB, or one older than 4.0, without the v4 query \
                               API)"
                    .to_string(),
                _ => String::new(),
            };
            let quoted = match (&failure.first_line, status) {
                (Some(line), Some(s)) if s != 404 && s != 401 && s != 403 => format!(": {line}"),
                _ => String::new(),
            };
            format!("{endpoint}: {}{hint}{quoted}", failure.message)
        };
        DbError {
            message,
            unreachable: failure.unreachable && !failure.tls,
        }
    }
}

fn from_text(from: &Option<String>) -> String {
    from.as_ref()
        .map(|f| format!(" (from {f})"))
        .unwrap_or_default()
}

fn cert_text(o: &PuppetDbOptions) -> String {
    match &o.cert {
        Some(cert) => format!("{}{}", cert.display(), from_text(&o.cert_from)),
        None => "(none)".into(),
    }
}

/// The base URL of a PuppetDB (a path prefix kept, `/pdb/...` after it dropped) and the basic
/// auth its user information gives.
fn base_url(given: &str) -> Result<(Url, Option<Secret>), String> {
    let mut url = Url::parse(given.trim()).map_err(|e| format!("not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("unsupported scheme {}: for PuppetDB", url.scheme()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(
            "a PuppetDB is named by its server URL (https://puppetdb:8081), without a query".into(),
        );
    }
    let user = crate::scan::remote::percent_decode(url.username());
    let password = url.password().map(crate::scan::remote::percent_decode);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let secret = (!user.is_empty()).then(|| Secret::Basic {
        user,
        password: password.unwrap_or_default(),
    });
    let mut path = url.path().trim_end_matches('/').to_string();
    for suffix in ["/pdb/query/v4", "/pdb/query", "/pdb"] {
        if let Some(prefix) = path.strip_suffix(suffix) {
            path = prefix.to_string();
            break;
        }
    }
    url.set_path(&format!("{path}/"));
    Ok((url, secret))
}

/// A paged query: `limit`, `offset` and `order_by`, until a page comes back short.
struct Pager {
    endpoint: &'static str,
    query: String,
    order_by: String,
    /// What the answer should be, for messages: "a list of reports".
    expected: &'static str,
    offset: usize,
    /// The offset of the last page read.
    offset_before: usize,
    done: bool,
    last_page: Option<[u8; 32]>,
}

impl Pager {
    fn new(endpoint: &'static str, query: Value, order: &[&str], expected: &'static str) -> Pager {
        let order: Vec<Value> = order.iter().map(|f| json!({ "field": f })).collect();
        Pager {
            endpoint,
            query: query.to_string(),
            order_by: Value::Array(order).to_string(),
            expected,
            offset: 0,
            offset_before: 0,
            done: false,
            last_page: None,
        }
    }

    /// The offset of the `i`th row of the last page, in the whole answer.
    fn offset_of(&self, i: usize) -> usize {
        self.offset_before + i
    }

    /// The next page, each row's digest added to `digest`; `None` after the last.
    fn next(
        &mut self,
        db: &Db<'_>,
        digest: &mut Vec<RowDigest>,
    ) -> Result<Option<Vec<Value>>, DbError> {
        if self.done {
            return Ok(None);
        }
        let limit = db.page_size;
        let params = [
            ("query", self.query.clone()),
            ("order_by", self.order_by.clone()),
            ("limit", limit.to_string()),
            ("offset", self.offset.to_string()),
        ];
        let body = db.get(self.endpoint, &params)?;
        let page: [u8; 32] = sha256(&body);
        let rows = match parse_json(&body, self.endpoint, self.expected)? {
            Value::Array(rows) => rows,
            other => {
                return Err(DbError::new(format!(
                    "{}: expected {}, found {}",
                    self.endpoint,
                    self.expected,
                    kind(&other)
                )))
            }
        };
        if rows.len() > limit {
            return Err(DbError::new(format!(
                "{}: {} rows in answer to a request for at most {limit}: the server does not \
                 page as PuppetDB does",
                self.endpoint,
                rows.len()
            )));
        }
        if !rows.is_empty() && self.last_page == Some(page) {
            return Err(DbError::new(format!(
                "{}: the page at offset {} repeats the one before it: the server does not page \
                 as PuppetDB does",
                self.endpoint, self.offset
            )));
        }
        self.last_page = Some(page);
        for row in &rows {
            digest.push(row_digest(self.endpoint, row));
        }
        self.offset_before = self.offset;
        self.offset += rows.len();
        self.done = rows.len() < limit;
        if rows.is_empty() {
            return Ok(None);
        }
        Ok(Some(rows))
    }
}

/// An answer as JSON, or what it is instead.
fn parse_json(body: &[u8], endpoint: &str, expected: &str) -> Result<Value, DbError> {
    serde_json::from_slice(body).map_err(|e| {
        let start = String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned();
        let trimmed = start.trim_start();
        let message = if body.iter().all(u8::is_ascii_whitespace) {
            format!("{endpoint}: an empty answer where {expected} was expected")
        } else if trimmed.starts_with(['[', '{']) {
            // Never quoted: a cut JSON answer holds facts, which may be secret.
            format!("{endpoint}: the answer is not valid JSON ({e}); expected {expected}")
        } else {
            let head: String = (trimmed.lines().next().unwrap_or_default().chars())
                .filter(|c| !c.is_control())
                .take(40)
                .collect();
            format!(
                "{endpoint}: the answer is not JSON (it starts with `{head}`); expected {expected}"
            )
        };
        DbError::new(message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_keeps_its_prefix_and_loses_its_credentials() {
        let (url, secret) = base_url("https://u:p%40ss@puppetdb.example:8081").unwrap();
        assert_eq!(url.as_str(), "https://puppetdb.example:8081/");
        match secret {
            Some(Secret::Basic { user, password }) => {
                assert_eq!((user.as_str(), password.as_str()), ("u", "p@ss"))
            }
            _ => panic!("no basic auth"),
        }
        let (url, _) = base_url("http://h:8080/proxy/puppetdb/pdb/query/v4/").unwrap();
        assert_eq!(url.as_str(), "http://h:8080/proxy/puppetdb/");
        assert!(base_url("http://h:8080/pdb/query/v4/nodes?query=x").is_err());
        assert!(base_url("ftp://h").is_err());
    }

    #[test]
    fn the_shown_url_has_no_credentials_and_no_added_slash() {
        assert_eq!(shown("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(shown("https://a:b@h:8081/"), "https://h:8081/");
    }

    #[test]
    fn replicas_follow_the_given_url() {
        let options = PuppetDbOptions {
            server_urls: vec!["https://a:8081".into(), "https://b:8081/".into()],
            ..Default::default()
        };
        assert_eq!(
            replicas("https://b:8081", &options),
            ["https://b:8081", "https://a:8081"]
        );
        assert_eq!(replicas("https://c:8081", &options), ["https://c:8081"]);
    }

    #[test]
    fn batches_keep_the_request_line_short() {
        let hashes: Vec<String> = (0..250).map(|i| format!("{i:040x}")).collect();
        let hashes: Vec<&str> = hashes.iter().map(String::as_str).collect();
        let sizes: Vec<usize> = batches(&hashes, 100).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [100, 100, 50]);
        let long: Vec<String> = (0..200)
            .map(|i| format!("{i}-{}", "n".repeat(200)))
            .collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        let sizes: Vec<usize> = batches(&long, usize::MAX).iter().map(|b| b.len()).collect();
        assert!(sizes.iter().all(|n| *n <= 23), "{sizes:?}");
        assert_eq!(sizes.iter().sum::<usize>(), 200);
        let huge = "x".repeat(10_000);
        assert_eq!(batches(&[huge.as_str(), "a"], 100).len(), 2);
        assert!(batches(&[], 100).is_empty());
    }

    #[test]
    fn garbage_is_named_without_quoting_json() {
        let e = parse_json(b"<html><body>Bad gateway", REPORTS, "a list of reports").unwrap_err();
        assert!(
            e.message
                .contains("not JSON (it starts with `<html><body>Bad gateway`)"),
            "{}",
            e.message
        );
        let e = parse_json(br#"[{"facts": {"password": "hunter2""#, INVENTORY, "x").unwrap_err();
        assert!(!e.message.contains("hunter2"), "{}", e.message);
        assert!(e.message.contains("not valid JSON"), "{}", e.message);
        let e = parse_json(b"  ", INVENTORY, "x").unwrap_err();
        assert!(e.message.contains("empty answer"), "{}", e.message);
    }
}
