//! One careful GET: timeouts, bounded retries with backoff on 429 and 5xx (honouring
//! `Retry-After`), redirects followed by hand so that credentials only ever go to the origin
//! they belong to, TLS verified, and a size cap on the body. Every failure is described in
//! words that name no credential: reqwest's own messages carry the URL, so they are stripped
//! of it and only their causes are kept.

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
}

impl Failure {
    fn new(message: impl Into<String>) -> Failure {
        Failure {
            status: None,
            message: message.into(),
        }
    }
}

/// Makes GET requests; holds one client for plain HTTP and, when first needed, one for HTTPS.
pub(crate) struct Fetcher {
    timeout: Duration,
    plain: OnceLock<Result<Client, String>>,
    tls: OnceLock<Result<Client, String>>,
}

impl Fetcher {
    pub fn new() -> Result<Fetcher, String> {
        Ok(Fetcher {
            timeout: timeout_from_env()?,
            plain: OnceLock::new(),
            tls: OnceLock::new(),
        })
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
                return read_body(response, self.timeout);
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
        let mut backoff = FIRST_BACKOFF;
        for attempt in 0..=MAX_RETRIES {
            let mut request = client.get(url.clone());
            if let Some(accept) = accept {
                request = request.header(ACCEPT, HeaderValue::from_static(accept));
            }
            // Credentials belong to one origin: a redirect elsewhere goes without them.
            if let Some(credentials) = credentials.filter(|c| c.origin.origin() == url.origin()) {
                request = authorise(request, &credentials.secret);
            }
            let response = request
                .send()
                .map_err(|e| Failure::new(describe(e, self.timeout)))?;
            let status = response.status();
            let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
            if !retryable {
                return Ok(response);
            }
            if attempt == MAX_RETRIES {
                return Err(Failure {
                    status: Some(status),
                    message: format!("{}, still after {MAX_RETRIES} retries", status_text(status)),
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
        cell.get_or_init(|| build_client(tls, self.timeout))
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

fn build_client(tls: bool, timeout: Duration) -> Result<Client, String> {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // Fails only when another provider was installed first, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    let builder = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout.min(MAX_CONNECT_TIMEOUT))
        .timeout(timeout)
        .user_agent(concat!("provenant/", env!("CARGO_PKG_VERSION")));
    // Plain HTTP needs no trust store; without this a machine with no CA certificates could not
    // even read from a loopback server.
    let builder = if tls {
        builder
    } else {
        builder.tls_certs_only(Vec::new())
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
fn read_body(response: Response, timeout: Duration) -> Result<Vec<u8>, Failure> {
    let status = response.status();
    if !status.is_success() {
        return Err(Failure {
            status: Some(status),
            message: status_text(status),
        });
    }
    let expected = response.content_length();
    if let Some(length) = expected.filter(|l| *l > MAX_BYTES) {
        return Err(Failure::new(format!(
            "{length} bytes: larger than the 2 GiB a state may be"
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
        return Err(Failure::new(
            "the body is larger than the 2 GiB a state may be",
        ));
    }
    Ok(bytes)
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
fn describe(error: reqwest::Error, timeout: Duration) -> String {
    let error = error.without_url();
    if error.is_timeout() {
        format!("timed out: no answer within {}", seconds(timeout))
    } else if error.is_connect() {
        format!("cannot connect: {}", causes(&error))
    } else {
        causes(&error)
    }
}

/// The innermost messages of an error chain: the specific cause ("Connection refused",
/// "invalid peer certificate: UnknownIssuer"), not the generic wrappers around it.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
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
