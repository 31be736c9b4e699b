//! Which state a root module's backend keeps: its `key`, `path` or `prefix` against the path
//! a state was read from.

/// How a backend's `key`, `path` or `prefix` relates to a state's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BackendMatch {
    /// The state's path ends with the key's (`prod/terraform.tfstate`), or, for a prefix,
    /// the state lies in a directory path ending with it.
    Path,
    /// The words of the state's path that say which state it is (`prod` in
    /// `state/prod.tfstate`) all appear in the key.
    Names,
    /// The state's path has no word that says which state it is (`terraform.tfstate`).
    Unknown,
    /// The state's path names a state the key does not: the backend keeps another state.
    Other,
}

/// Words of a state path that say nothing about which state it is.
const GENERIC_WORDS: &[&str] = &[
    "terraform",
    "tfstate",
    "tofu",
    "state",
    "states",
    "json",
    "tf",
    "default",
    "env",
    "backup",
    "errored",
];

/// A state's path or a backend's key, split once for matching: a thousand states against a
/// thousand root modules would otherwise split each a thousand times.
pub struct PathName {
    /// `/`-separated parts, without empty ones and `.`.
    parts: Vec<String>,
    /// Lower-case words that say which state it is.
    words: Vec<String>,
    /// Whether the text ends with `.tfstate` (a key naming a file, not a prefix).
    names_a_file: bool,
}

impl PathName {
    pub fn new(text: &str) -> PathName {
        PathName {
            parts: text
                .split('/')
                .filter(|p| !p.is_empty() && *p != ".")
                .map(str::to_string)
                .collect(),
            words: text
                .split(['/', '.', '-', '_', ':'])
                .map(str::to_ascii_lowercase)
                .filter(|w| !w.is_empty() && !GENERIC_WORDS.contains(&w.as_str()))
                .collect(),
            names_a_file: text.ends_with(".tfstate"),
        }
    }
}

/// How the backend key `key` relates to the state at `state`.
pub fn backend_match(state: &PathName, key: &PathName) -> BackendMatch {
    let (parts, key_parts) = (&state.parts, &key.parts);
    if key_parts.is_empty() {
        return BackendMatch::Other;
    }
    if key_parts.len() <= parts.len() {
        if parts.ends_with(key_parts) {
            return BackendMatch::Path;
        }
        let dirs = &parts[..parts.len() - 1];
        if !key.names_a_file && dirs.ends_with(key_parts) {
            return BackendMatch::Path;
        }
    }
    if state.words.is_empty() {
        BackendMatch::Unknown
    } else if state.words.iter().all(|w| key.words.contains(w)) {
        BackendMatch::Names
    } else {
        BackendMatch::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_keys_match_the_end_of_the_state_path() {
        use BackendMatch::*;
        let m = |state: &str, key: &str| backend_match(&PathName::new(state), &PathName::new(key));
        assert_eq!(
            m("state/prod/terraform.tfstate", "prod/terraform.tfstate"),
            Path
        );
        assert_eq!(m("prod.tfstate", "prod.tfstate"), Path);
        assert_eq!(m("states/prod/default.tfstate", "prod"), Path);
        assert_eq!(m("state/prod.tfstate", "prod/terraform.tfstate"), Names);
        assert_eq!(m("app.tfstate", "teams/payments/prod/app.tfstate"), Names);
        assert_eq!(
            m("state/staging/terraform.tfstate", "prod/terraform.tfstate"),
            Other
        );
        assert_eq!(m("state/staging.json", "prod/terraform.tfstate"), Other);
        assert_eq!(m("terraform.tfstate", "prod/terraform.tfstate"), Unknown);
        assert_eq!(m("errored.tfstate", "prod/terraform.tfstate"), Unknown);
    }
}
