//! HCP Terraform and Terraform Enterprise: `tfc://HOST/ORG/WORKSPACE` is read the way the API
//! documents it. The workspace by name gives its id, the workspace's current state version
//! gives `hosted-state-download-url`, and that URL gives the raw state. The token comes from
//! `TF_TOKEN_<host>` as terraform reads it, and goes only to HOST: the download URL is often
//! on another host (HCP Terraform's archivist) and is signed, so it needs no token.

use super::http::{host_of, Credentials, Failure, Fetcher, Secret};
use super::percent_decode;
use reqwest::{StatusCode, Url};
use serde_json::Value;

const JSON_API: &str = "application/vnd.api+json";

/// A workspace named by `tfc://HOST/ORG/WORKSPACE`.
pub(crate) struct Workspace {
    /// `https://HOST`, where the API is.
    base: Url,
    organization: String,
    name: String,
}

impl Workspace {
    pub fn parse(url: &Url) -> Result<Workspace, String> {
        let usage = "expected tfc://HOST/ORGANIZATION/WORKSPACE";
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("no host: {usage}"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!(
                "credentials in a tfc:// URL are not used: set {} instead",
                token_variable(host)
            ));
        }
        let segments: Vec<String> = (url.path_segments().into_iter().flatten())
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let [organization, name] = <[String; 2]>::try_from(segments)
            .map_err(|_| format!("{usage}, with exactly two path segments"))?;
        let base = match url.port() {
            Some(port) => format!("https://{host}:{port}/"),
            None => format!("https://{host}/"),
        };
        let base = Url::parse(&base).map_err(|e| format!("not a valid host: {e}"))?;
        Ok(Workspace {
            base,
            organization,
            name,
        })
    }

    /// The state's bytes, through the three documented requests.
    pub fn fetch(&self, fetcher: &Fetcher) -> Result<Vec<u8>, String> {
        let host = self.base.host_str().unwrap_or_default().to_string();
        let token = token_for(&host);
        let credentials = token.map(|token| Credentials {
            secret: Secret::Bearer(token),
            origin: self.base.clone(),
        });
        let explain = |step: &str, failure: Failure| {
            let hint = hint(failure.status, credentials.is_some(), &host);
            format!("{step}: {}{hint}", failure.message)
        };

        let workspace_url = self.api(&[
            "organizations",
            &self.organization,
            "workspaces",
            &self.name,
        ]);
        let step = format!("workspace {}/{}", self.organization, self.name);
        let workspace = fetcher
            .get(&workspace_url, credentials.as_ref(), Some(JSON_API))
            .map_err(|f| explain(&step, f))?;
        let id = string_at(&workspace, "/data/id")
            .ok_or_else(|| format!("{step}: the answer has no data.id"))?;

        let step = format!("current state version of workspace {id}");
        let state_version_url = self.api(&["workspaces", &id, "current-state-version"]);
        let state_version = fetcher
            .get(&state_version_url, credentials.as_ref(), Some(JSON_API))
            .map_err(|f| explain(&step, f))?;
        let download = string_at(&state_version, "/data/attributes/hosted-state-download-url")
            .ok_or_else(|| {
                format!("{step}: the answer has no data.attributes.hosted-state-download-url")
            })?;
        let download = self
            .base
            .join(&download)
            .map_err(|e| format!("{step}: the download URL is not a URL: {e}"))?;

        // The download URL is signed: it is shown by host only.
        let step = format!("downloading the state from {}", host_of(&download));
        fetcher
            .get(&download, credentials.as_ref(), None)
            .map_err(|f| explain(&step, f))
    }

    fn api(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("an https URL has a path")
            .clear()
            .extend(["api", "v2"])
            .extend(segments);
        url
    }
}

/// What to try after a refusal: the variable that holds (or would hold) the token.
fn hint(status: Option<StatusCode>, has_token: bool, host: &str) -> String {
    let variable = token_variable(host);
    match status.map(|s| s.as_u16()) {
        Some(401) if has_token => format!(" (the token in {variable} was refused)"),
        Some(401) => format!(" (no token: set {variable})"),
        Some(403) => format!(" (the token in {variable} may not read this)"),
        Some(404) if has_token => {
            format!(" (it does not exist, or the token in {variable} may not see it)")
        }
        Some(404) => format!(" (it does not exist, or it needs a token: set {variable})"),
        _ => String::new(),
    }
}

fn string_at(document: &[u8], pointer: &str) -> Option<String> {
    let value: Value = serde_json::from_slice(document).ok()?;
    value.pointer(pointer)?.as_str().map(str::to_string)
}

/// The environment variable terraform reads a host's token from: `.` becomes `_` and `-`
/// becomes `__` (`TF_TOKEN_app_terraform_io`).
pub(crate) fn token_variable(host: &str) -> String {
    format!("TF_TOKEN_{}", host.replace('-', "__").replace('.', "_"))
}

/// The token for `host`, found as terraform finds it: any `TF_TOKEN_*` variable whose decoded
/// name is the host, compared without regard to case. A variable cannot name a port, so the
/// host name alone is looked up.
fn token_for(host: &str) -> Option<String> {
    std::env::vars_os().find_map(|(key, value)| {
        let key = key.to_str()?;
        let encoded = key.strip_prefix("TF_TOKEN_")?;
        let decoded = encoded
            .replace("__", "\u{0}")
            .replace('_', ".")
            .replace('\u{0}', "-");
        let value = value.into_string().ok()?;
        (decoded.eq_ignore_ascii_case(host) && !value.is_empty()).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_variable_names_follow_terraform() {
        assert_eq!(
            token_variable("app.terraform.io"),
            "TF_TOKEN_app_terraform_io"
        );
        assert_eq!(
            token_variable("tfe-prod.example.com"),
            "TF_TOKEN_tfe__prod_example_com"
        );
    }

    #[test]
    fn a_workspace_url_names_host_organization_and_workspace() {
        let url = Url::parse("tfc://app.terraform.io/acme/web-prod").unwrap();
        let ws = Workspace::parse(&url).unwrap();
        assert_eq!(ws.base.as_str(), "https://app.terraform.io/");
        assert_eq!(
            ws.api(&["organizations", &ws.organization, "workspaces", &ws.name])
                .as_str(),
            "https://app.terraform.io/api/v2/organizations/acme/workspaces/web-prod"
        );
        for bad in [
            "tfc://app.terraform.io/acme",
            "tfc://app.terraform.io/a/b/c",
        ] {
            assert!(
                Workspace::parse(&Url::parse(bad).unwrap()).is_err(),
                "{bad}"
            );
        }
    }
}
