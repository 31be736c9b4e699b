//! Names that say a value is a secret. Values under such keys are never read as claims and
//! never printed, whatever the source marked.

use crate::policy::normalise_key;
use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "privatekey",
    "apikey",
    "accesskey",
    "credential",
    "passphrase",
    "sessionkey",
    "clientkey",
    "connectionstring",
];

/// Whether a key's name says its value is secret (`db_password`, `api-token`, `PrivateKey`).
pub fn is_secret_key(key: &str) -> bool {
    is_secret_normalised(&normalise_key(key))
}

/// [`is_secret_key`] for a key already through [`normalise_key`].
pub fn is_secret_normalised(key: &str) -> bool {
    // Every key of every state's attributes comes through here: one automaton pass instead
    // of a substring search per word (a sixtieth of a large audit's time went to those).
    static WORDS: LazyLock<Option<AhoCorasick>> =
        LazyLock::new(|| AhoCorasick::new(SECRET_WORDS).ok());
    match &*WORDS {
        Some(words) => words.is_match(key),
        None => SECRET_WORDS.iter().any(|word| key.contains(word)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_secret_names_in_any_style() {
        for key in [
            "password",
            "db_password",
            "API_TOKEN",
            "private_key_pem",
            "ClientSecret",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in ["git_commit", "name", "public_key", "instance_type"] {
            assert!(!is_secret_key(key), "{key}");
        }
    }
}
