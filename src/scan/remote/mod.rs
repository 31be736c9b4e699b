//! Remote states: a `--state` that is an `http://` or `https://` URL is read as terraform's
//! HTTP backend reads it (a GET, with basic auth from `TF_HTTP_USERNAME`/`TF_HTTP_PASSWORD`),
//! and `tfc://HOST/ORG/WORKSPACE` names a workspace on HCP Terraform or Terraform Enterprise
//! (see [`hcp`]). What is fetched is then scanned exactly like a file. This module only
//! fetches: it turns a URL into bytes, or into a message that names the URL without its
//! credentials and says what happened. No credential ever reaches a message or the report.

mod hcp;
pub(crate) mod http;

use reqwest::Url;

pub use http::TIMEOUT_VARIABLE;

/// Whether a `--state` value names a remote state rather than a file.
pub fn is_remote(given: &str) -> bool {
    let lower = given.get(..8).unwrap_or(given).to_ascii_lowercase();
    ["http://", "https://", "tfc://"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

/// For `--state URL=DIR`: whether `state`, the text before the last `=`, can be the whole
/// URL. It cannot when that `=` belonged to its query (`https://h/s?env=prod` is a URL, not
/// `https://h/s?env` with the directory `prod`); `https://h/s?env=prod=terraform/prod` splits.
pub fn can_end_before_dir(state: &str) -> bool {
    if !is_remote(state) {
        return true;
    }
    match state.split_once('?') {
        None => true,
        Some((_, query)) => query
            .rsplit('&')
            .next()
            .is_some_and(|pair| pair.contains('=')),
    }
}

/// How a remote state is shown in the scope and in messages: without user name and password,
/// and with the values of query parameters whose names say they are secret replaced.
pub fn display(given: &str) -> String {
    let Ok(mut url) = Url::parse(given) else {
        return strip_userinfo(given);
    };
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if url.query_pairs().any(|(key, _)| is_secret_parameter(&key)) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(key, value)| {
                let value = if is_secret_parameter(&key) {
                    "REDACTED".to_string()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// The name the scanner classifies the fetched bytes by: the URL's last path segment when it
/// says what the file is, else `terraform.tfstate`, since a backend serves raw states.
pub fn file_name(given: &str) -> String {
    let last = Url::parse(given)
        .ok()
        .filter(|u| u.scheme() != "tfc")
        .and_then(|u| u.path_segments()?.next_back().map(str::to_string))
        .unwrap_or_default();
    let known = [".tfstate", ".backup", ".json"];
    if known.iter().any(|suffix| last.ends_with(suffix)) {
        last
    } else {
        "terraform.tfstate".to_string()
    }
}

/// Fetches a remote state. The error says what happened, naming nothing secret; the caller
/// puts the displayed URL beside it.
pub fn fetch(given: &str) -> Result<Vec<u8>, String> {
    let url = Url::parse(given).map_err(|e| format!("not a valid URL: {e}"))?;
    let fetcher = http::Fetcher::new()?;
    match url.scheme() {
        "tfc" => hcp::Workspace::parse(&url)?.fetch(&fetcher),
        "http" | "https" => http_backend(url, &fetcher),
        other => Err(format!("unsupported scheme {other}:")),
    }
}

/// Terraform's HTTP backend: a GET of the address. Like terraform, a user name from
/// `TF_HTTP_USERNAME` (else the URL's) means basic auth with `TF_HTTP_PASSWORD` (else the
/// URL's password); no user name, no auth.
fn http_backend(mut url: Url, fetcher: &http::Fetcher) -> Result<Vec<u8>, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let from_url = (
        percent_decode(url.username()),
        url.password().map(percent_decode),
    );
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let (user, password) = match env("TF_HTTP_USERNAME") {
        Some(user) => (user, env("TF_HTTP_PASSWORD").unwrap_or_default()),
        None => (from_url.0, from_url.1.unwrap_or_default()),
    };
    let has_user = !user.is_empty();
    let credentials = has_user.then(|| http::Credentials {
        secret: http::Secret::Basic { user, password },
        origin: url.clone(),
    });
    fetcher
        .get(&url, credentials.as_ref(), None)
        .map_err(|failure| {
            let hint = match failure.status.map(|s| s.as_u16()) {
                Some(401) if has_user => {
                    " (the TF_HTTP_USERNAME/TF_HTTP_PASSWORD credentials were refused)"
                }
                Some(401) => " (set TF_HTTP_USERNAME and TF_HTTP_PASSWORD)",
                Some(403) => " (the credentials may not read this state)",
                Some(404) => " (no state at this address)",
                _ => "",
            };
            format!("{}{hint}", failure.message)
        })
        .and_then(|bytes| {
            if bytes.is_empty() {
                // Terraform reads an empty answer as "no state yet".
                Err("the backend answered with an empty body: it holds no state".into())
            } else {
                Ok(bytes)
            }
        })
}

fn is_secret_parameter(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    let lower = lower.rsplit('-').next().unwrap_or(&lower);
    crate::correlate::is_secret_key(key)
        || ["sig", "signature", "auth", "authorization", "key", "code"].contains(&lower)
}

/// `scheme://user:pass@rest` without `user:pass@`, for text that is not even a URL.
fn strip_userinfo(given: &str) -> String {
    let Some((scheme, rest)) = given.split_once("://") else {
        return given.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => given.to_string(),
    }
}

pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_states_are_told_from_paths() {
        assert!(is_remote("https://state.example.com/prod"));
        assert!(is_remote("HTTP://127.0.0.1:8080/x"));
        assert!(is_remote("tfc://app.terraform.io/acme/web"));
        assert!(!is_remote("states/prod.tfstate"));
        assert!(!is_remote("http"));
    }

    #[test]
    fn a_url_keeps_its_query_when_a_directory_is_named() {
        assert!(can_end_before_dir("https://h/state"));
        assert!(can_end_before_dir("https://h/state?env=prod"));
        assert!(!can_end_before_dir("https://h/state?env"));
        assert!(can_end_before_dir("states/a?b"));
    }

    #[test]
    fn the_displayed_url_has_no_credentials() {
        assert_eq!(
            display("https://alice:s3cret@state.example.com/prod?env=a&access_token=t0k"),
            "https://state.example.com/prod?env=a&access_token=REDACTED"
        );
        assert_eq!(
            display("https://h.example/x?X-Amz-Signature=abc&sig=def"),
            "https://h.example/x?X-Amz-Signature=REDACTED&sig=REDACTED"
        );
        assert_eq!(
            display("tfc://app.terraform.io/acme/web"),
            "tfc://app.terraform.io/acme/web"
        );
        assert_eq!(strip_userinfo("http://u:p@[bad/x"), "http://[bad/x");
    }

    #[test]
    fn fetched_bytes_are_classified_as_states() {
        assert_eq!(file_name("https://h/states/prod.tfstate"), "prod.tfstate");
        assert_eq!(file_name("https://h/state?name=prod"), "terraform.tfstate");
        assert_eq!(file_name("tfc://h/o/w.json"), "terraform.tfstate");
    }
}
