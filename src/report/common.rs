//! What several renderers share and must agree on: a finding's standing (open, excepted,
//! unchanged since the baseline) and how to word it, the place a CI tool should point at, the
//! grouping of findings by compliance control, and the escaping of untrusted text for HTML,
//! XML and URIs. Every value in a report may come from a state file someone else wrote, so no
//! renderer writes one without passing it through an escape made for its format.

use super::{Report, RuleInfo};
use crate::model::{
    BaselineState, Component, DeclarationStatus, Finding, Location, Severity, Suppression,
};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

/// Why a finding does or does not fail the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Counts towards `--fail-on`.
    Open,
    /// An active exception of the policy covers it.
    Excepted,
    /// The baseline already had it.
    Unchanged,
}

impl Standing {
    pub fn of(finding: &Finding) -> Standing {
        if finding.suppression.is_some() {
            Standing::Excepted
        } else if finding.baseline == Some(BaselineState::Unchanged) {
            Standing::Unchanged
        } else {
            Standing::Open
        }
    }

    /// One word for tables and attributes: `open`, `excepted`, `baseline`.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Open => "open",
            Standing::Excepted => "excepted",
            Standing::Unchanged => "baseline",
        }
    }
}

/// An exception's justification in one line: reason, approver, ticket, expiry.
pub fn justification(suppression: &Suppression) -> String {
    let mut text = format!(
        "{} (approved by {}",
        suppression.reason, suppression.approver
    );
    if let Some(ticket) = &suppression.ticket {
        text.push_str(&format!(", ticket {ticket}"));
    }
    if let Some(expires) = &suppression.expires {
        text.push_str(&format!(", expires {expires}"));
    }
    text.push(')');
    text
}

/// Why a finding does not fail the run, in words; `None` for an open finding.
pub fn standing_note(finding: &Finding) -> Option<String> {
    match (&finding.suppression, Standing::of(finding)) {
        (Some(suppression), _) => Some(format!("excepted: {}", justification(suppression))),
        (None, Standing::Unchanged) => Some("unchanged since the baseline".to_string()),
        _ => None,
    }
}

/// The severity a CI tool should show: an excepted or baselined finding is only a notice.
pub fn ci_severity(finding: &Finding) -> Option<Severity> {
    match Standing::of(finding) {
        Standing::Open => Some(finding.severity),
        Standing::Excepted | Standing::Unchanged => None,
    }
}

/// The report's findings, most severe first and otherwise in the report's order, each with
/// its number (`F1`, `F2`...) as the Markdown and HTML reports cite it.
pub fn numbered(report: &Report) -> Vec<(usize, &Finding)> {
    let mut ordered: Vec<&Finding> = report.findings.iter().collect();
    ordered.sort_by_key(|f| std::cmp::Reverse(f.severity));
    ordered
        .into_iter()
        .enumerate()
        .map(|(i, f)| (i + 1, f))
        .collect()
}

/// The finding's fingerprint; for a report written before fingerprints existed, a stand-in
/// computed from what identifies the finding.
pub fn fingerprint(finding: &Finding) -> Cow<'_, str> {
    if !finding.fingerprint.is_empty() {
        return Cow::Borrowed(&finding.fingerprint);
    }
    let identity = format!(
        "{}\0{}\0{}\0{}",
        finding.rule_id,
        finding.location,
        finding.labels.join("\0"),
        finding.message
    );
    Cow::Owned(crate::model::id::sha256_hex(identity.as_bytes()))
}

/// Every rule the report lists, then any rule a finding names that the list lacks (described
/// from the registry, or from the finding itself), so each finding has its rule.
pub fn rule_catalogue(report: &Report) -> Vec<RuleInfo> {
    let mut rules = report.rules.clone();
    for finding in &report.findings {
        if rules.iter().any(|r| r.id == finding.rule_id) {
            continue;
        }
        let rule = match crate::rules::find(&finding.rule_id) {
            Some(rule) => {
                let meta = rule.meta();
                RuleInfo {
                    id: finding.rule_id.clone(),
                    slug: meta.slug.to_string(),
                    severity: meta.default_severity,
                    summary: meta.summary.to_string(),
                    controls: meta.controls.iter().map(|c| c.to_string()).collect(),
                }
            }
            None => RuleInfo {
                id: finding.rule_id.clone(),
                slug: finding.slug.clone(),
                severity: finding.severity,
                summary: format!("{} {}", finding.rule_id, finding.slug),
                controls: Vec::new(),
            },
        };
        rules.push(rule);
    }
    rules
}

/// The rule's documentation page (Markdown), when this build knows the rule.
pub fn rule_doc(id: &str) -> Option<&'static str> {
    crate::rules::find(id).map(|r| r.meta().doc)
}

/// The section under a page's *What it checks* heading as plain text: paragraphs joined into
/// lines, list items kept on lines of their own.
pub fn what_it_checks(doc: &str) -> Option<String> {
    let start = doc.find("## What it checks")?;
    let body = &doc[start..];
    let body = &body[body.find('\n')? + 1..];
    let mut text = String::new();
    let mut blank = false;
    for line in body.lines().take_while(|l| !l.starts_with('#')) {
        let line = line.trim();
        if line.is_empty() {
            blank = !text.is_empty();
            continue;
        }
        if blank {
            text.push_str("\n\n");
        } else if line.starts_with("- ") || line.starts_with("* ") {
            text.push('\n');
        } else if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(line);
        blank = false;
    }
    (!text.is_empty()).then_some(text)
}

/// Lookups every renderer needs: the component of a finding and the rule by id.
pub struct Index<'a> {
    components: HashMap<&'a str, &'a Component>,
    rules: HashMap<&'a str, (usize, &'a RuleInfo)>,
}

impl<'a> Index<'a> {
    pub fn new(report: &'a Report) -> Self {
        Index {
            components: report
                .components
                .iter()
                .map(|c| (c.id.as_str(), c))
                .collect(),
            rules: report
                .rules
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id.as_str(), (i, r)))
                .collect(),
        }
    }

    pub fn component(&self, finding: &Finding) -> Option<&'a Component> {
        self.components
            .get(finding.component_id.as_deref()?)
            .copied()
    }

    /// The rule and its position in `report.rules`.
    pub fn rule(&self, id: &str) -> Option<(usize, &'a RuleInfo)> {
        self.rules.get(id).copied()
    }
}

/// A place in the repository, for the tools that annotate files (SARIF, JUnit, GitHub,
/// GitLab): the file that declares the component when committed configuration was read, else
/// the place the finding names (the input that holds the component). A `commit:path` loses
/// its commit, since those tools know files, not blobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiLocation {
    pub path: String,
    pub line: Option<u32>,
}

impl CiLocation {
    pub fn of(index: &Index<'_>, finding: &Finding) -> CiLocation {
        let declared = index.component(finding).and_then(declared_at_tip);
        Self::from_location(declared.unwrap_or(&finding.location))
    }

    /// Where a component is best annotated: its declaring block at the release tip, else the
    /// place it was read.
    pub fn of_component(component: &Component) -> CiLocation {
        Self::from_location(declared_at_tip(component).unwrap_or(&component.origin))
    }

    pub fn from_location(location: &Location) -> CiLocation {
        let mut path = strip_commit(&location.path).replace('\\', "/");
        while let Some(rest) = path.strip_prefix("./") {
            path = rest.to_string();
        }
        CiLocation {
            path,
            line: location.line.filter(|&l| l > 0),
        }
    }

    /// The line, or 1 where the format needs one and the finding has none.
    pub fn line_or_first(&self) -> u32 {
        self.line.unwrap_or(1)
    }
}

/// The block that declares the component, when it is in the release tip's tree (so the file
/// is in a checkout of the release branch). A block found only at the claimed commit, or a
/// `removed` block, is not where a reviewer of the current code would look.
fn declared_at_tip(component: &Component) -> Option<&Location> {
    let at_tip = component.config.as_ref().is_none_or(|config| {
        !matches!(
            config.status,
            DeclarationStatus::ClaimedCommit
                | DeclarationStatus::Removed
                | DeclarationStatus::Undeclared
        )
    });
    component.declared_at.as_ref().filter(|_| at_tip)
}

/// `3f2a1c9:terraform/main.tf` → `terraform/main.tf`; anything else as it is.
fn strip_commit(path: &str) -> &str {
    match path.split_once(':') {
        Some((commit, rest))
            if (7..=64).contains(&commit.len())
                && commit.bytes().all(|b| b.is_ascii_hexdigit())
                && !rest.is_empty() =>
        {
            rest
        }
        _ => path,
    }
}

fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with('/')
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && (bytes[2] == b'/' || bytes[2] == b'\\'))
}

/// A path as a URI reference (RFC 3986): relative paths stay relative, absolute ones become
/// `file:` URIs; every byte a path segment may not hold as it is (RFC 3986 `pchar`, less `:`,
/// which would read as a scheme) is percent-encoded.
pub fn path_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    if is_absolute(&path) {
        let rooted = if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        };
        format!("file://{}", percent_encode(&rooted))
    } else {
        percent_encode(&path)
    }
}

fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/@!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One group of the control mapping: a control, the rules that serve it and their findings.
pub struct ControlGroup<'a> {
    pub control: &'a str,
    pub rules: Vec<&'a RuleInfo>,
    /// Findings with their numbers as [`numbered`] gives them.
    pub findings: Vec<(usize, &'a Finding)>,
}

/// The findings grouped by the controls their rules serve, controls in natural order
/// (`A.8.9` before `A.8.32`). A finding appears under each control of its rule.
pub fn by_control<'a>(
    report: &'a Report,
    numbered: &[(usize, &'a Finding)],
) -> Vec<ControlGroup<'a>> {
    let mut groups: BTreeMap<NaturalKey<'a>, ControlGroup<'a>> = BTreeMap::new();
    for rule in &report.rules {
        for control in &rule.controls {
            groups
                .entry(NaturalKey(control))
                .or_insert_with(|| ControlGroup {
                    control,
                    rules: Vec::new(),
                    findings: Vec::new(),
                })
                .rules
                .push(rule);
        }
    }
    for group in groups.values_mut() {
        group.findings = numbered
            .iter()
            .filter(|(_, f)| group.rules.iter().any(|r| r.id == f.rule_id))
            .copied()
            .collect();
    }
    groups.into_values().collect()
}

/// Findings whose rule maps to no control (a rule the report does not list).
pub fn unmapped<'a>(
    report: &Report,
    numbered: &[(usize, &'a Finding)],
) -> Vec<(usize, &'a Finding)> {
    numbered
        .iter()
        .filter(|(_, f)| {
            !report
                .rules
                .iter()
                .any(|r| r.id == f.rule_id && !r.controls.is_empty())
        })
        .copied()
        .collect()
}

/// Orders strings with their digit runs compared as numbers.
#[derive(PartialEq, Eq)]
struct NaturalKey<'a>(&'a str);

impl Ord for NaturalKey<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        natural_cmp(self.0, other.0)
    }
}

impl PartialOrd for NaturalKey<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let order = match (x, y) {
            ((true, dx), (true, dy)) => {
                let (tx, ty) = (dx.trim_start_matches('0'), dy.trim_start_matches('0'));
                tx.len().cmp(&ty.len()).then(tx.cmp(ty))
            }
            ((_, sx), (_, sy)) => sx.cmp(sy),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    ca.len().cmp(&cb.len()).then(a.cmp(b))
}

/// Characters no format should carry raw (C0 controls but tab, newline and carriage return;
/// DEL; the non-characters U+FFFE and U+FFFF, which XML forbids), written as `\xNN` or
/// `\u{NNNN}` so they stay visible.
pub fn visible_controls(text: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
            || c == '\u{7f}'
            || matches!(c, '\u{fffe}' | '\u{ffff}')
    };
    if !text.chars().any(bad) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !bad(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

/// Text for HTML element content and double- or single-quoted attribute values.
pub fn html(text: &str) -> String {
    let text = visible_controls(text);
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text for XML element content or a double-quoted attribute value. Line breaks and tabs are
/// written as character references so attribute values keep them; `]]>` cannot occur
/// because `>` is always escaped.
pub fn xml(text: &str) -> String {
    let text = visible_controls(text);
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// Text for XML element content: as [`xml`], but line breaks and tabs stay as they are
/// (only a carriage return, which parsers would turn into a line feed, is a reference).
pub fn xml_text(text: &str) -> String {
    xml(text).replace("&#10;", "\n").replace("&#9;", "\t")
}

/// Standard base64 with padding (for Content-Security-Policy hashes).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The first `max` characters of `text`, with an ellipsis when it was longer.
pub fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max {
        Cow::Borrowed(text)
    } else {
        let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
        short.push('…');
        Cow::Owned(short)
    }
}

/// The first `n` characters of `text` (a commit id or digest, shortened for display).
pub fn prefix(text: &str, n: usize) -> &str {
    match text.char_indices().nth(n) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// One line per link of a finding's evidence chain: `relation: value (location)`.
pub fn chain_lines(finding: &Finding) -> Vec<String> {
    finding
        .chain
        .iter()
        .map(|link| match &link.location {
            Some(location) => format!("{}: {} ({location})", link.relation, link.value),
            None => format!("{}: {}", link.relation, link.value),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_it_checks_keeps_paragraphs_and_list_items() {
        let doc = "# X\n\n## What it checks\n\nOne\ntwo:\n\n- a,\n- b.\n\nThree.\n\n## Why it matters\n\nNo.\n";
        assert_eq!(
            what_it_checks(doc).as_deref(),
            Some("One two:\n\n- a,\n- b.\n\nThree.")
        );
        assert_eq!(what_it_checks("# X\n"), None);
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn natural_order_compares_numbers_as_numbers() {
        let mut controls = vec![
            "ISO/IEC 27001:2022 A.8.32",
            "PCI DSS 4.0 11.5.2",
            "ISO/IEC 27001:2022 A.8.9",
            "PCI DSS 4.0 6.5.1",
            "NIST SP 800-53 CM-8",
            "NIST SP 800-53 CM-3",
        ];
        controls.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            controls,
            [
                "ISO/IEC 27001:2022 A.8.9",
                "ISO/IEC 27001:2022 A.8.32",
                "NIST SP 800-53 CM-3",
                "NIST SP 800-53 CM-8",
                "PCI DSS 4.0 6.5.1",
                "PCI DSS 4.0 11.5.2",
            ]
        );
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(path_uri("state/prod.tfstate"), "state/prod.tfstate");
        assert_eq!(path_uri("my dir/a[1]#x?.tf"), "my%20dir/a%5B1%5D%23x%3F.tf");
        assert_eq!(path_uri("a:b"), "a%3Ab");
        assert_eq!(
            path_uri("/srv/état.tfstate"),
            "file:///srv/%C3%A9tat.tfstate"
        );
        assert_eq!(path_uri("C:\\x\\y"), "file:///C%3A/x/y");
    }

    #[test]
    fn commit_paths_lose_their_commit() {
        let location = Location::at_line("3f2a1c9:terraform/main.tf", Some(12));
        assert_eq!(
            CiLocation::from_location(&location),
            CiLocation {
                path: "terraform/main.tf".into(),
                line: Some(12)
            }
        );
        let windows = Location::file("C:\\state\\prod.tfstate");
        assert_eq!(
            CiLocation::from_location(&windows).path,
            "C:/state/prod.tfstate"
        );
        assert_eq!(
            CiLocation::from_location(&Location::file("./state/x")).path,
            "state/x"
        );
    }

    #[test]
    fn escapes_keep_hostile_text_inert_and_visible() {
        let hostile = "<script>alert(\"x\")</script> & ]]> \u{1}\u{7f}'";
        assert_eq!(
            html(hostile),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ]]&gt; \\x01\\x7f&#39;"
        );
        assert_eq!(
            xml("a\nb\r\tc ]]> \u{ffff}"),
            "a&#10;b&#13;&#9;c ]]&gt; \\u{ffff}"
        );
    }
}
