//! `provenant.toml`: the policy file, read in two phases. First parsed with spans; then every
//! key is checked and every problem collected, each with its line, so a user fixes them all in
//! one go. Unknown keys are problems, never silently ignored: a misspelt `expires` must not
//! turn an exception into a permanent one.

use super::{Exception, Policy};
use crate::model::{Location, Severity};
use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// The name looked for in the repository root when `--config` is not given.
pub const DEFAULT_FILE_NAME: &str = "provenant.toml";

/// A policy file that was read: the policy and the file's digest for the report's scope.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    pub policy: Policy,
    pub path: String,
    pub sha256: String,
}

/// One thing wrong with the file, at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u32,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: cannot read the policy file: {message}")]
    Unreadable { path: String, message: String },
    #[error("{}", render_problems(path, problems))]
    Invalid {
        path: String,
        problems: Vec<Problem>,
    },
}

fn render_problems(path: &str, problems: &[Problem]) -> String {
    let mut out = format!(
        "{path}: the policy file has {} problem{}:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for problem in problems {
        out.push_str(&format!("\n  {path}:{}: {}", problem.line, problem.message));
    }
    out
}

/// Reads `path` (shown in messages as `display`) into a policy, starting from the defaults.
pub fn load_policy_file(path: &Path, display: &str) -> Result<PolicyFile, PolicyError> {
    let bytes = std::fs::read(path).map_err(|e| PolicyError::Unreadable {
        path: display.to_string(),
        message: e.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| PolicyError::Unreadable {
        path: display.to_string(),
        message: format!("not UTF-8 text ({e})"),
    })?;
    let policy = parse_policy(&text, display).map_err(|problems| PolicyError::Invalid {
        path: display.to_string(),
        problems,
    })?;
    Ok(PolicyFile {
        policy,
        path: display.to_string(),
        sha256: crate::model::id::sha256_hex(text.as_bytes()),
    })
}

/// The policy file of an audit: `config` when given (it must exist), else `provenant.toml` in
/// the repository root when there is one, else none (the defaults apply).
pub fn find_policy_file(
    config: Option<&Path>,
    repo: &Path,
    base_dir: &Path,
) -> Result<Option<PolicyFile>, PolicyError> {
    let path = match config {
        Some(path) => path.to_path_buf(),
        None => {
            let candidate = repo.join(DEFAULT_FILE_NAME);
            if !candidate.is_file() {
                return Ok(None);
            }
            candidate
        }
    };
    let display = crate::audit::display_path(&path, base_dir);
    load_policy_file(&path, &display).map(Some)
}

/// Parses and validates policy text; `display` names the file in exception locations.
pub fn parse_policy(text: &str, display: &str) -> Result<Policy, Vec<Problem>> {
    let lines = LineIndex::new(text);
    let root = DeTable::parse(text).map_err(|e| {
        vec![Problem {
            line: e.span().map(|s| lines.line(s.start)).unwrap_or(1),
            message: format!("not valid TOML: {}", e.message()),
        }]
    })?;
    let mut reader = Reader {
        lines: &lines,
        problems: Vec::new(),
        display,
    };
    let policy = reader.policy(root.get_ref());
    if reader.problems.is_empty() {
        Ok(policy)
    } else {
        reader.problems.sort_by_key(|p| p.line);
        Err(reader.problems)
    }
}

/// Byte offsets to 1-based lines.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    fn line(&self, offset: usize) -> u32 {
        self.starts.partition_point(|&s| s <= offset) as u32
    }
}

const TOP_LEVEL_KEYS: &[&str] = &[
    "release_branches",
    "claim_keys",
    "host_claim_keys",
    "require_claims",
    "stale_after_days",
    "environments",
    "severity",
    "identity",
    "exception",
    "puppetdb",
    "puppet",
];

const PUPPETDB_KEYS: &[&str] = &["cert", "key", "cacert", "config", "timeout"];

const EXCEPTION_KEYS: &[&str] = &[
    "rule",
    "component",
    "reason",
    "approver",
    "ticket",
    "expires",
];

struct Reader<'a> {
    lines: &'a LineIndex,
    problems: Vec<Problem>,
    display: &'a str,
}

type Entry<'t, 'i> = (
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
);

impl Reader<'_> {
    fn problem(&mut self, offset: usize, message: String) {
        self.problems.push(Problem {
            line: self.lines.line(offset),
            message,
        });
    }

    fn policy(&mut self, root: &DeTable<'_>) -> Policy {
        let mut policy = Policy::default();
        for (key, value) in root.iter() {
            match key.get_ref().as_ref() {
                "release_branches" => {
                    if let Some(list) = self.strings(value, "release_branches") {
                        policy.release_branches = list;
                    }
                }
                "claim_keys" => {
                    if let Some(list) = self.strings(value, "claim_keys") {
                        policy.claim_keys = list;
                    }
                }
                "host_claim_keys" => {
                    if let Some(list) = self.strings(value, "host_claim_keys") {
                        policy.host_claim_keys = list;
                    }
                }
                "require_claims" => match value.get_ref().as_bool() {
                    Some(b) => policy.require_claims = b,
                    None => self.wrong_type(value, "require_claims", "true or false"),
                },
                "stale_after_days" => match integer(value.get_ref()) {
                    Some(days) if days >= 0 => policy.stale_after_days = days as u64,
                    _ => self.wrong_type(
                        value,
                        "stale_after_days",
                        "a whole number of days, 0 or more",
                    ),
                },
                "environments" => self.environments(value, &mut policy),
                "severity" => self.severities(value, &mut policy),
                "identity" => self.identity(value, &mut policy),
                "exception" => self.exceptions(value, &mut policy),
                "puppetdb" => self.puppetdb(value, &mut policy),
                "puppet" => self.puppet(value, &mut policy),
                other => self.unknown_key(key, other, "", TOP_LEVEL_KEYS),
            }
        }
        policy
    }

    fn unknown_key(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        name: &str,
        table: &str,
        known: &[&str],
    ) {
        let place = if table.is_empty() {
            String::new()
        } else {
            format!(" in {table}")
        };
        self.problem(
            key.span().start,
            format!(
                "unknown key `{name}`{place}; expected one of {}",
                known.join(", ")
            ),
        );
    }

    fn wrong_type(&mut self, value: &Spanned<DeValue<'_>>, key: &str, expected: &str) {
        self.problem(
            value.span().start,
            format!(
                "`{key}` must be {expected}, not {}",
                describe(value.get_ref())
            ),
        );
    }

    fn strings(&mut self, value: &Spanned<DeValue<'_>>, key: &str) -> Option<Vec<String>> {
        let Some(items) = value.get_ref().as_array() else {
            self.wrong_type(value, key, "a list of strings");
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref().as_str() {
                Some(s) if !s.trim().is_empty() => out.push(s.to_string()),
                _ => self.wrong_type(item, key, "a list of non-empty strings"),
            }
        }
        Some(out)
    }

    fn table<'t, 'i>(&mut self, value: &'t Spanned<DeValue<'i>>, key: &str) -> Vec<Entry<'t, 'i>> {
        match value.get_ref().as_table() {
            Some(table) => table.iter().collect(),
            None => {
                self.wrong_type(value, key, "a table");
                Vec::new()
            }
        }
    }

    fn environments(&mut self, value: &Spanned<DeValue<'_>>, policy: &mut Policy) {
        for (env, branch) in self.table(value, "environments") {
            match branch.get_ref().as_str() {
                Some(b) if !b.trim().is_empty() => {
                    policy
                        .environment_branches
                        .insert(env.get_ref().to_string(), b.to_string());
                }
                _ => self.wrong_type(
                    branch,
                    &format!("environments.{}", env.get_ref()),
                    "a branch name",
                ),
            }
        }
    }

    /// `[puppet] version_pattern`: a regular expression whose first capture group (or whole
    /// match) extracts the commit from a node's `configuration_version`.
    fn puppet(&mut self, value: &Spanned<DeValue<'_>>, policy: &mut Policy) {
        for (key, value) in self.table(value, "puppet") {
            if key.get_ref().as_ref() != "version_pattern" {
                self.unknown_key(key, key.get_ref(), "[puppet]", &["version_pattern"]);
                continue;
            }
            let Some(pattern) = value.get_ref().as_str() else {
                self.wrong_type(value, "puppet.version_pattern", "a regular expression");
                continue;
            };
            match regex::Regex::new(pattern) {
                Ok(_) => policy.puppet_version_pattern = Some(pattern.to_string()),
                Err(e) => self.problem(
                    value.span().start,
                    format!(
                        "`puppet.version_pattern` is not a regular expression: {}",
                        e.to_string().lines().last().unwrap_or_default()
                    ),
                ),
            }
        }
    }

    fn severities(&mut self, value: &Spanned<DeValue<'_>>, policy: &mut Policy) {
        for (rule, level) in self.table(value, "severity") {
            let Some(id) = rule_id(rule.get_ref()) else {
                self.problem(
                    rule.span().start,
                    format!("`severity.{}`: no such rule", rule.get_ref()),
                );
                continue;
            };
            match level.get_ref().as_str().map(str::parse::<Severity>) {
                Some(Ok(severity)) => {
                    policy.severity_overrides.insert(id, severity);
                }
                _ => self.wrong_type(
                    level,
                    &format!("severity.{}", rule.get_ref()),
                    "\"error\", \"warning\" or \"note\"",
                ),
            }
        }
    }

    fn identity(&mut self, value: &Spanned<DeValue<'_>>, policy: &mut Policy) {
        for (resource_type, keys) in self.table(value, "identity") {
            let name = format!("identity.{}", resource_type.get_ref());
            if let Some(list) = self.strings(keys, &name) {
                policy
                    .identity_keys
                    .insert(resource_type.get_ref().to_string(), list);
            }
        }
    }

    fn puppetdb(&mut self, value: &Spanned<DeValue<'_>>, policy: &mut Policy) {
        let settings = &mut policy.puppetdb;
        for (key, value) in self.table(value, "puppetdb") {
            let name = key.get_ref().as_ref();
            let path = match (name, value.get_ref().as_str()) {
                ("timeout", _) => {
                    let seconds = match value.get_ref() {
                        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
                        other => integer(other).map(|i| i as f64),
                    };
                    match seconds.filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0) {
                        Some(s) => settings.timeout = Some(std::time::Duration::from_secs_f64(s)),
                        None => self.wrong_type(
                            value,
                            "puppetdb.timeout",
                            "a number of seconds, more than 0 and at most 86400",
                        ),
                    }
                    continue;
                }
                (_, Some(text)) if !text.trim().is_empty() => std::path::PathBuf::from(text),
                _ if PUPPETDB_KEYS.contains(&name) => {
                    self.wrong_type(value, &format!("puppetdb.{name}"), "a file path");
                    continue;
                }
                _ => {
                    self.unknown_key(key, name, "[puppetdb]", PUPPETDB_KEYS);
                    continue;
                }
            };
            match name {
                "cert" => settings.cert = Some(path),
                "key" => settings.key = Some(path),
                "cacert" => settings.cacert = Some(path),
                "config" => settings.config = Some(path),
                _ => self.unknown_key(key, name, "[puppetdb]", PUPPETDB_KEYS),
            }
        }
    }

    fn exceptions(&mut self, value: &Spanned<DeValue<'_>>, policy: &mut Policy) {
        let Some(items) = value.get_ref().as_array() else {
            self.wrong_type(value, "exception", "an array of tables ([[exception]])");
            return;
        };
        let mut seen = BTreeSet::new();
        for item in items.iter() {
            let Some(exception) = self.exception(item) else {
                continue;
            };
            if !seen.insert((exception.rule.clone(), exception.component.clone())) {
                self.problem(
                    item.span().start,
                    format!(
                        "duplicate exception for rule {} and component `{}`",
                        exception.rule, exception.component
                    ),
                );
                continue;
            }
            policy.exceptions.push(exception);
        }
    }

    fn exception(&mut self, item: &Spanned<DeValue<'_>>) -> Option<Exception> {
        let start = item.span().start;
        let Some(table) = item.get_ref().as_table() else {
            self.wrong_type(item, "exception", "a table");
            return None;
        };
        let mut fields: std::collections::BTreeMap<&str, String> = Default::default();
        let mut ok = true;
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            if !EXCEPTION_KEYS.contains(&name) {
                self.unknown_key(key, name, "[[exception]]", EXCEPTION_KEYS);
                ok = false;
                continue;
            }
            let text = match (name, value.get_ref()) {
                ("expires", DeValue::Datetime(dt)) => dt.to_string(),
                (_, v) => match v.as_str() {
                    Some(s) => s.to_string(),
                    None => {
                        self.wrong_type(value, &format!("exception.{name}"), "a string");
                        ok = false;
                        continue;
                    }
                },
            };
            match name {
                "rule" if rule_id(&text).is_none() => {
                    self.problem(
                        value.span().start,
                        format!("`exception.rule`: no rule `{text}`"),
                    );
                    ok = false;
                }
                "expires" if !is_calendar_date(&text) => {
                    self.problem(
                        value.span().start,
                        format!("`exception.expires` must be a date YYYY-MM-DD, not `{text}`"),
                    );
                    ok = false;
                }
                _ if text.trim().is_empty() => {
                    self.problem(value.span().start, format!("`exception.{name}` is empty"));
                    ok = false;
                }
                _ => {}
            }
            fields.insert(name, text);
        }
        for required in ["rule", "component", "reason", "approver", "expires"] {
            if !fields.contains_key(required) {
                self.problem(start, format!("an exception needs `{required}`"));
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        Some(Exception {
            rule: rule_id(&fields["rule"])?,
            component: fields["component"].clone(),
            reason: fields["reason"].clone(),
            approver: fields["approver"].clone(),
            ticket: fields.get("ticket").cloned(),
            expires: fields["expires"].clone(),
            location: Location::at_line(self.display, Some(self.lines.line(start))),
        })
    }
}

/// The id of a rule named by id (any case) or slug.
fn rule_id(name: &str) -> Option<String> {
    crate::rules::find(name).map(|r| r.meta().id.to_string())
}

fn integer(value: &DeValue<'_>) -> Option<i64> {
    let int = value.as_integer()?;
    i64::from_str_radix(&int.as_str().replace('_', ""), int.radix()).ok()
}

fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("the string \"{s}\""),
        other => format!("a {}", other.type_str()),
    }
}

/// `YYYY-MM-DD` naming a real day.
pub fn is_calendar_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts[..] else { return false };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (1..=12).contains(&m) && d >= 1 && d <= days[(m - 1) as usize]
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_section() {
        let policy = parse_policy(
            r#"
release_branches = ["main", "release/1.x"]
claim_keys = ["deployed_sha"]
require_claims = true
stale_after_days = 30

[environments]
production = "main"

[severity]
PV008 = "error"
unreleased-commit = "warning"

[identity]
aws_instance = ["tags.Hostname"]

[[exception]]
rule = "PV002"
component = "module.cache.*"
reason = "load test"
approver = "alice@example.com"
ticket = "OPS-1"
expires = 2026-12-31
"#,
            "provenant.toml",
        )
        .unwrap();
        assert_eq!(policy.release_branches, ["main", "release/1.x"]);
        assert_eq!(policy.claim_keys, ["deployed_sha"]);
        assert!(policy.require_claims);
        assert_eq!(policy.stale_after_days, 30);
        assert_eq!(policy.environment_branches["production"], "main");
        assert_eq!(policy.severity_overrides["PV008"], Severity::Error);
        assert_eq!(policy.severity_overrides["PV002"], Severity::Warning);
        assert_eq!(policy.identity_keys["aws_instance"], ["tags.Hostname"]);
        let exception = &policy.exceptions[0];
        assert_eq!(
            (exception.rule.as_str(), exception.expires.as_str()),
            ("PV002", "2026-12-31")
        );
        assert_eq!(exception.location.line, Some(17));
    }

    #[test]
    fn the_puppet_table_takes_a_version_pattern_that_must_compile() {
        let policy = parse_policy(
            "[puppet]\nversion_pattern = 'built ([0-9a-f]+)'\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(
            policy.puppet_version_pattern.as_deref(),
            Some("built ([0-9a-f]+)")
        );
        let problems = parse_policy(
            "[puppet]\nversion_pattern = 'built ([0-9a-f]+'\nother = 1\n",
            "p.toml",
        )
        .unwrap_err();
        let rendered: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(rendered.len(), 2, "{rendered:?}");
        assert!(
            rendered[0].starts_with("line 2: `puppet.version_pattern` is not a regular expression"),
            "{rendered:?}"
        );
        assert_eq!(
            rendered[1],
            "line 3: unknown key `other` in [puppet]; expected one of version_pattern"
        );
    }

    #[test]
    fn the_puppetdb_table_names_files_and_a_timeout_and_nothing_else() {
        let policy = parse_policy(
            "[puppetdb]\ncert = \"ssl/certs/auditor.pem\"\nkey = \"ssl/private_keys/auditor.pem\"\n\
             cacert = \"/etc/puppetlabs/puppet/ssl/certs/ca.pem\"\n\
             config = \"/etc/puppetlabs/puppet/puppetdb.conf\"\ntimeout = 2.5\n",
            "provenant.toml",
        )
        .unwrap();
        let settings = &policy.puppetdb;
        assert_eq!(
            settings.cert.as_deref(),
            Some(Path::new("ssl/certs/auditor.pem"))
        );
        assert_eq!(
            settings.key.as_deref(),
            Some(Path::new("ssl/private_keys/auditor.pem"))
        );
        assert_eq!(
            settings.cacert.as_deref(),
            Some(Path::new("/etc/puppetlabs/puppet/ssl/certs/ca.pem"))
        );
        assert_eq!(
            settings.config.as_deref(),
            Some(Path::new("/etc/puppetlabs/puppet/puppetdb.conf"))
        );
        assert_eq!(
            settings.timeout,
            Some(std::time::Duration::from_millis(2500))
        );
        let whole = parse_policy("[puppetdb]\ntimeout = 30\n", "p").unwrap();
        assert_eq!(
            whole.puppetdb.timeout,
            Some(std::time::Duration::from_secs(30))
        );

        let problems = parse_policy(
            "[puppetdb]\ncert = \"\"\nurl = \"https://puppetdb:8081\"\ntimeout = 0\nkey = 7\n",
            "provenant.toml",
        )
        .unwrap_err();
        let lines: Vec<u32> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3, 4, 5], "{problems:?}");
        assert!(problems[0]
            .message
            .contains("`puppetdb.cert` must be a file path"));
        assert!(problems[1]
            .message
            .contains("unknown key `url` in [puppetdb]"));
        assert!(problems[2]
            .message
            .contains("`puppetdb.timeout` must be a number of seconds"));
        assert!(problems[3]
            .message
            .contains("`puppetdb.key` must be a file path, not a integer"));
        assert!(parse_policy("puppetdb = 1\n", "p").is_err());
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_line() {
        let problems = parse_policy(
            r#"releas_branches = ["main"]
stale_after_days = "ninety"

[severity]
PV999 = "error"
PV001 = "fatal"

[[exception]]
rule = "PV002"
component = "a"
reason = "r"
approver = "x"
expires = "2026-02-30"

[[exception]]
rule = "PV002"
component = "b"
reason = "r"
approvr = "x"
expires = 2026-01-01

[[exception]]
rule = "PV001"
component = "c"
reason = "r"
approver = "x"
expires = 2026-01-01

[[exception]]
rule = "PV001"
component = "c"
reason = "again"
approver = "x"
expires = 2026-01-01
"#,
            "provenant.toml",
        )
        .unwrap_err();
        let rendered: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            rendered,
            [
                "line 1: unknown key `releas_branches`; expected one of release_branches, claim_keys, host_claim_keys, require_claims, stale_after_days, environments, severity, identity, exception, puppetdb, puppet",
                "line 2: `stale_after_days` must be a whole number of days, 0 or more, not the string \"ninety\"",
                "line 5: `severity.PV999`: no such rule",
                "line 6: `severity.PV001` must be \"error\", \"warning\" or \"note\", not the string \"fatal\"",
                "line 13: `exception.expires` must be a date YYYY-MM-DD, not `2026-02-30`",
                "line 15: an exception needs `approver`",
                "line 19: unknown key `approvr` in [[exception]]; expected one of rule, component, reason, approver, ticket, expires",
                "line 29: duplicate exception for rule PV001 and component `c`",
            ]
        );
    }

    #[test]
    fn invalid_toml_names_its_line() {
        let problems =
            parse_policy("release_branches = [\"main\"\nstale_after_days = 3\n", "p").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.starts_with("not valid TOML"),
            "{}",
            problems[0].message
        );
        assert!(problems[0].line >= 1);
    }

    #[test]
    fn calendar_dates() {
        assert!(is_calendar_date("2028-02-29"));
        assert!(!is_calendar_date("2027-02-29"));
        assert!(!is_calendar_date("2027-13-01"));
        assert!(!is_calendar_date("27-01-01"));
    }
}
