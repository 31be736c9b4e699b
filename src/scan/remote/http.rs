//! One careful GET: timeouts, bounded retries with backoff on 429 and 5xx (honouring
//! `Retry-After`), redirects followed by hand so that credentials only ever go to the origin
//! they belong to, TLS verified, and a size cap on the body. Every failure is described in
//! words that name no credential: reqwest's own messages carry the URL, so they are stripped
//! of it and only their causes are kept.
//!
//! Remote states use the defaults ([`Settings::from_env`]); PuppetDB adds a client certificate,
//! its own CA, its own patience, and retries when no connection could be made.

use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::{HeaderValue, ACCEPT, LOCATION, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use std::io::Read;
use std::sync::{Once, OnceLock};
use std::time::Duration;

/// Bodies larger than this are refused, like local states larger than 2 GiB.
pub(crate) const MAX_BYTES: u64 = 2 << 30;
/// Retries after the first attempt, on 429 and 5xx only.
const MAX_RETRIES: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// A server asking to wait longer than this is not waited for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
const MAX_REDIRECTS: usize = 10;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Seconds to wait for a connection, for a response and between reads of a body.
pub const TIMEOUT_VARIABLE: &str = "PROVENANT_HTTP_TIMEOUT";
/// The most of an error body's first line a message quotes.
const MAX_QUOTED: usize = 200;

/// How a [`Fetcher`] connects: its patience, its retries and its TLS.
#[derive(Clone)]
pub(crate) struct Settings {
    /// For a response, and between reads of a body.
    pub timeout: Duration,
    /// For a connection (TCP and TLS handshake).
    pub connect_timeout: Duration,
    /// Retries after the first attempt, on 429 and 5xx (and failed connections, below).
    pub retries: u32,
    /// The pause before the first retry; it doubles before each next one.
    pub first_backoff: Duration,
    /// Also retry a request the network failed: no connection could be made (refused, reset,
    /// connect timeout), or it was closed before an answer. A slow answer and a TLS refusal
    /// are not retried.
    pub retry_network: bool,
    /// Trust only these CA certificates instead of the platform's.
    pub roots: Option<Vec<reqwest::Certificate>>,
    /// A client certificate and its key, presented to HTTPS servers that ask for one.
    pub identity: Option<reqwest::Identity>,
    /// What a body is, for messages: "a state".
    pub what: &'static str,
}

impl Settings {
    /// The settings of remote states: `PROVENANT_HTTP_TIMEOUT` (else 60 s), the platform's
    /// trust, no client certificate.
    pub fn from_env() -> Result<Settings, String> {
        let timeout = timeout_from_env()?;
        Ok(Settings {
            timeout,
            connect_timeout: timeout.min(MAX_CONNECT_TIMEOUT),
            retries: MAX_RETRIES,
            first_backoff: FIRST_BACKOFF,
            retry_network: false,
            roots: None,
            identity: None,
            what: "a state",
        })
    }
}

/// What to send to prove who we are, and the only origin it may be sent to.
pub(crate) struct Credentials {
    pub secret: Secret,
    pub origin: reqwest::Url,
}

pub(crate) enum Secret {
    Basic { user: String, password: String },
    Bearer(String),
}

/// A request that did not give a body, in words fit for the report.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: Option<StatusCode>,
    pub message: String,
    /// No connection could be made (refused, unreachable, connect timeout, TLS handshake).
    pub unreachable: bool,
    /// Of those, the TLS handshake failed: a certificate refused on either side.
    pub tls: bool,
    /// The first non-blank line of an error answer's body, cleaned of control characters and
    /// cut short; not part of `message`, the caller decides whether to show it.
    pub first_line: Option<String>,
}

impl Failure {
    fn new(message: impl Into<String>) -> Failure {
        Failure {
            status: None,
            message: message.into(),
            unreachable: false,
            tls: false,
            first_line: None,
        }
    }
}

/// Makes GET requests; holds one client for plain HTTP and, when first needed, one for HTTPS.
pub(crate) struct Fetcher {
    settings: Settings,
    plain: OnceLock<Result<Client, String>>,
    tls: OnceLock<Result<Client, String>>,
}

impl Fetcher {
    /// A fetcher for remote states.
    pub fn new() -> Result<Fetcher, String> {
        Ok(Fetcher::with(Settings::from_env()?))
    }

    pub fn with(settings: Settings) -> Fetcher {
        Fetcher {
            settings,
            plain: OnceLock::new(),
            tls: OnceLock::new(),
        }
    }

    /// GETs `url`, following redirects, and returns the body.
    pub fn get(
        &self,
        url: &Url,
        credentials: Option<&Credentials>,
        accept: Option<&'static str>,
    ) -> Result<Vec<u8>, Failure> {
        let mut url = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            let response = self.send(&url, credentials, accept)?;
            if !response.status().is_redirection() {
                return read_body(response, &self.settings);
            }
            url = redirect_target(&url, &response)?;
        }
        Err(Failure::new(format!("more than {MAX_REDIRECTS} redirects")))
    }

    /// One request, repeated on 429 and 5xx with a growing pause.
    fn send(
        &self,
        url: &Url,
        credentials: Option<&Credentials>,
        accept: Option<&'static str>,
    ) -> Result<Response, Failure> {
        let client = self.client(url.scheme() == "https")?;
        let retries = self.settings.retries;
        let mut backoff = self.settings.first_backoff;
        for attempt in 0..=retries {
            let mut request = client.get(url.clone());
            if let Some(accept) = accept {
                request = request.header(ACCEPT, HeaderValue::from_static(accept));
            }
            // Credentials belong to one origin: a redirect elsewhere goes without them.
            if let Some(credentials) = credentials.filter(|c| c.origin.origin() == url.origin()) {
                request = authorise(request, &credentials.secret);
            }
            let response = match request.send() {
                Ok(response) => response,
                Err(e) => {
                    // A TLS 1.3 server refuses a client certificate after the handshake, so
                    // its alert arrives as a failed request, not a failed connection.
                    let tls = is_tls_failure(&e);
                    let unreachable = e.is_connect() || tls;
                    // A certificate refused now is refused again: only the network is retried.
                    let retry =
                        self.settings.retry_network && !tls && (e.is_connect() || !e.is_timeout());
                    let message = describe(e, &self.settings);
                    if retry && attempt < retries {
                        std::thread::sleep(backoff);
                        backoff *= 2;
                        continue;
                    }
                    let message = match (retry, attempt) {
                        (true, 1) => format!("{message}, still after 1 retry"),
                        (true, n) if n > 1 => format!("{message}, still after {n} retries"),
                        _ => message,
                    };
                    return Err(Failure {
                        unreachable,
                        tls,
                        ..Failure::new(message)
                    });
                }
            };
            let status = response.status();
            let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
            if !retryable {
                return Ok(response);
            }
            if attempt == retries {
                let retried = match retries {
                    0 => String::new(),
                    1 => ", still after 1 retry".to_string(),
                    n => format!(", still after {n} retries"),
                };
                return Err(Failure {
                    status: Some(status),
                    message: format!("{}{retried}", status_text(status)),
                    first_line: first_line(response),
                    ..Failure::new("")
                });
            }
            let pause = match retry_after(&response) {
                Some(asked) if asked > MAX_RETRY_AFTER => {
                    return Err(Failure {
                        status: Some(status),
                        message: format!(
                            "{}: the server asks to retry after {} s, longer than the {} s \
                             provenant waits",
                            status_text(status),
                            asked.as_secs(),
                            MAX_RETRY_AFTER.as_secs()
                        ),
                        ..Failure::new("")
                    })
                }
                Some(asked) => asked,
                None => backoff,
            };
            drop(response);
            std::thread::sleep(pause);
            backoff *= 2;
        }
        unreachable!("the last attempt returns")
    }

    fn client(&self, tls: bool) -> Result<&Client, Failure> {
        let cell = if tls { &self.tls } else { &self.plain };
        cell.get_or_init(|| build_client(tls, &self.settings))
            .as_ref()
            .map_err(|e| Failure::new(e.clone()))
    }
}

fn authorise(request: RequestBuilder, secret: &Secret) -> RequestBuilder {
    // Both helpers mark the header sensitive, so it is never shown in reqwest's debug output.
    match secret {
        Secret::Basic { user, password } => request.basic_auth(user, Some(password)),
        Secret::Bearer(token) => request.bearer_auth(token),
    }
}

fn build_client(tls: bool, settings: &Settings) -> Result<Client, String> {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // Fails only when another provider was installed first, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    let builder = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.connect_timeout.min(settings.timeout))
        .timeout(settings.timeout)
        .user_agent(concat!("provenant/", env!("CARGO_PKG_VERSION")));
    // Plain HTTP needs no trust store; without this a machine with no CA certificates could not
    // even read from a loopback server.
    let builder = match (&settings.roots, tls) {
        (_, false) => builder.tls_certs_only(Vec::new()),
        (Some(roots), true) => builder.tls_certs_only(roots.iter().cloned()),
        (None, true) => builder,
    };
    let builder = match (&settings.identity, tls) {
        (Some(identity), true) => builder.identity(identity.clone()),
        _ => builder,
    };
    builder.build().map_err(|e| {
        let mut message = format!("cannot set up TLS: {}", causes(&e));
        if let Some(file) = std::env::var_os("SSL_CERT_FILE") {
            message.push_str(&format!(
                " (certificates are read from SSL_CERT_FILE={})",
                file.to_string_lossy()
            ));
        }
        message
    })
}

fn timeout_from_env() -> Result<Duration, String> {
    match std::env::var(TIMEOUT_VARIABLE) {
        Err(_) => Ok(DEFAULT_TIMEOUT),
        Ok(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                format!("{TIMEOUT_VARIABLE}={text:?} is not a positive number of seconds")
            }),
    }
}

/// Where a redirect points; never from HTTPS down to plain HTTP.
fn redirect_target(from: &Url, response: &Response) -> Result<Url, Failure> {
    let status = response.status();
    let location = (response.headers().get(LOCATION))
        .and_then(|l| l.to_str().ok())
        .ok_or_else(|| {
            Failure::new(format!("{} without a Location header", status_text(status)))
        })?;
    let to = from.join(location).map_err(|e| {
        Failure::new(format!(
            "{}: a Location that is not a URL: {e}",
            status_text(status)
        ))
    })?;
    match (from.scheme(), to.scheme()) {
        ("https", "https") | ("http", "https") | ("http", "http") => Ok(to),
        ("https", "http") => Err(Failure::new(format!(
            "{}: refused a redirect from HTTPS to plain HTTP ({})",
            status_text(status),
            host_of(&to)
        ))),
        (_, other) => Err(Failure::new(format!(
            "{}: refused a redirect to a {other}: URL",
            status_text(status)
        ))),
    }
}

/// The body, within the size cap; a body cut short is an error, never a shorter state.
fn read_body(response: Response, settings: &Settings) -> Result<Vec<u8>, Failure> {
    let (timeout, what) = (settings.timeout, settings.what);
    let status = response.status();
    if !status.is_success() {
        return Err(Failure {
            status: Some(status),
            message: status_text(status),
            first_line: first_line(response),
            ..Failure::new("")
        });
    }
    let expected = response.content_length();
    if let Some(length) = expected.filter(|l| *l > MAX_BYTES) {
        return Err(Failure::new(format!(
            "{length} bytes: larger than the 2 GiB {what} may be"
        )));
    }
    let mut bytes = Vec::with_capacity(expected.unwrap_or(0).min(64 << 20) as usize);
    if let Err(e) = response.take(MAX_BYTES + 1).read_to_end(&mut bytes) {
        let of = expected.map(|l| format!(" of {l}")).unwrap_or_default();
        let why = if is_timeout_io(&e) {
            format!("no data for {}", seconds(timeout))
        } else {
            causes(&e)
        };
        return Err(Failure::new(format!(
            "the body was cut short after {}{of} bytes: {why}",
            bytes.len()
        )));
    }
    if bytes.len() as u64 > MAX_BYTES {
        return Err(Failure::new(format!(
            "the body is larger than the 2 GiB {what} may be"
        )));
    }
    Ok(bytes)
}

/// The first non-blank line of an error answer (read up to 8 KiB, within the timeout), or the
/// title of an HTML page, with control characters dropped and cut to 200 characters.
fn first_line(response: Response) -> Option<String> {
    let mut head = Vec::new();
    let _ = response.take(8 << 10).read_to_end(&mut head);
    let text = String::from_utf8_lossy(&head);
    let title = text.find("<title>").and_then(|start| {
        let rest = &text[start + "<title>".len()..];
        rest.find("</title>").map(|end| rest[..end].trim())
    });
    let line = match title.filter(|t| !t.is_empty()) {
        Some(title) => title,
        None => text.lines().map(str::trim).find(|l| !l.is_empty())?,
    };
    let mut clean: String = line.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() > MAX_QUOTED {
        clean = clean.chars().take(MAX_QUOTED).collect::<String>() + "…";
    }
    (!clean.is_empty()).then_some(clean)
}

fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    // The seconds form; an HTTP date falls back to the exponential pause.
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

pub(crate) fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}

/// What went wrong with a request that got no response, without the URL reqwest puts in it.
fn describe(error: reqwest::Error, settings: &Settings) -> String {
    let error = error.without_url();
    if error.is_timeout() && error.is_connect() {
        format!(
            "cannot connect: no connection within {}",
            seconds(settings.connect_timeout.min(settings.timeout))
        )
    } else if error.is_timeout() {
        format!("timed out: no answer within {}", seconds(settings.timeout))
    } else if error.is_connect() {
        format!("cannot connect: {}", causes(&error))
    } else {
        causes(&error)
    }
}

/// The innermost messages of an error chain: the specific cause ("Connection refused",
/// "invalid peer certificate: UnknownIssuer"), not the generic wrappers around it.
pub(crate) fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = vec![error.to_string()];
    let mut source = error.source();
    while let Some(inner) = source {
        chain.push(inner.to_string());
        source = inner.source();
    }
    let generic = [
        "error sending request",
        "client error (Connect)",
        "client error (SendRequest)",
        "tcp connect error",
        "error decoding response body",
        "request or response body error",
        "builder error",
    ];
    let specific: Vec<String> = chain
        .into_iter()
        .filter(|m| !generic.contains(&m.as_str()))
        .collect();
    let mut kept: Vec<String> = Vec::new();
    for message in specific {
        if !kept.iter().any(|k| k.contains(&message)) {
            kept.push(message);
        }
    }
    if kept.is_empty() {
        "the request failed".into()
    } else {
        kept.join(": ")
    }
}

/// Whether rustls refused something: a certificate, a protocol, an alert from the server.
fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(inner) = next {
        if inner.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        // io::Error's source() skips the error it wraps: look inside it.
        if let Some(wrapped) = (inner.downcast_ref::<std::io::Error>()).and_then(|io| io.get_ref())
        {
            if is_tls_failure(wrapped) {
                return true;
            }
        }
        next = inner.source();
    }
    false
}

fn is_timeout_io(error: &std::io::Error) -> bool {
    if error.kind() == std::io::ErrorKind::TimedOut {
        return true;
    }
    let mut source = error
        .get_ref()
        .map(|e| e as &(dyn std::error::Error + 'static));
    while let Some(inner) = source {
        if let Some(reqwest) = inner.downcast_ref::<reqwest::Error>() {
            if reqwest.is_timeout() {
                return true;
            }
        }
        source = inner.source();
    }
    false
}

fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}

/// `host` or `host:port`, for messages about a URL that must not be shown whole.
pub(crate) fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => url.scheme().to_string(),
    }
}
