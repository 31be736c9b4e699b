//! PV005: a deployed file whose content no commit ever had. The digests come from the hosts
//! (the custom fact `ansible_local.provenance.files`); the committed contents are the git
//! index's configuration blobs, looked up by sha256 or sha1. When the deployment named the
//! repository path the file came from (`source`), the content must be a committed version of
//! that path. The chain ends at the closest committed file: the source path, else the
//! committed path with the same file name that shares the longest tail with the deployed path.

use super::{Context, Rule, RuleMeta};
use crate::correlate::hosts::deployed_files;
use crate::git::{BlobRecord, GitIndex};
use crate::model::{ChainLink, Claim, Component, Finding, Severity};
use std::collections::HashMap;

pub struct UnknownContent;

static META: RuleMeta = RuleMeta {
    id: "PV005",
    slug: "unknown-content",
    default_severity: Severity::Error,
    summary: "A deployed file's digest matches no committed blob (or no committed version of the path it claims to come from).",
    controls: &[
        "SOC 2 CC8.1",
        "ISO/IEC 27001:2022 A.8.32",
        "PCI DSS 4.0 6.5.1",
        "NIST SP 800-53 CM-3",
        "NIST SP 800-53 SI-7",
    ],
    doc: include_str!("../../docs/rules/PV005.md"),
};

impl Rule for UnknownContent {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut names: Option<HashMap<&str, Vec<&BlobRecord>>> = None;
        let mut findings = Vec::new();
        for component in ctx.components {
            for (digest, source) in deployed_files(component) {
                let Some(verdict) = judge(ctx.index, digest, source) else {
                    continue;
                };
                let names = names.get_or_insert_with(|| by_file_name(ctx.index));
                findings.push(finding(ctx, component, digest, source, verdict, names));
            }
        }
        findings
    }
}

/// Why the content is unknown.
enum Verdict {
    /// No committed blob has this digest.
    NoBlob,
    /// Committed, but never at the source path the deployment named.
    ElsewhereOnly(Vec<String>),
    /// The digest is not one the index keeps (neither sha256 nor sha1).
    Unreadable,
}

fn judge(index: &GitIndex, digest: &Claim, source: Option<&Claim>) -> Option<Verdict> {
    let (algorithm, hex) = digest.value.split_once(':')?;
    let blob = match algorithm {
        "sha256" => index.blob_by_sha256(hex),
        "sha1" => index.blob_by_sha1(hex),
        // The index keeps sha256 and sha1 of every blob; other digests (Puppet's md5) are
        // computed for the committed versions of the source path only.
        _ => match source {
            Some(source) => return judge_at_source(index, algorithm, hex, &source.value),
            None => return Some(Verdict::Unreadable),
        },
    };
    let Some(blob) = blob else {
        return Some(Verdict::NoBlob);
    };
    let source = source?;
    if blob.paths.iter().any(|p| same_path(p, &source.value)) {
        None
    } else {
        Some(Verdict::ElsewhereOnly(blob.paths.clone()))
    }
}

/// Whether some committed version of `source` has digest `hex` under `algorithm`.
fn judge_at_source(index: &GitIndex, algorithm: &str, hex: &str, source: &str) -> Option<Verdict> {
    let versions: Vec<&BlobRecord> = index
        .blobs()
        .iter()
        .filter(|b| b.paths.iter().any(|p| same_path(p, source)))
        .collect();
    let Ok(mut reader) = index.tree_reader() else {
        return Some(Verdict::Unreadable);
    };
    for blob in versions {
        let Some(bytes) = reader.blob(blob.id) else {
            continue;
        };
        match digest_hex(algorithm, &bytes) {
            None => return Some(Verdict::Unreadable),
            Some(d) if d.eq_ignore_ascii_case(hex) => return None,
            Some(_) => {}
        }
    }
    Some(Verdict::NoBlob)
}

/// The hex digest of `bytes` under one of the algorithms Puppet checksums files with.
fn digest_hex(algorithm: &str, bytes: &[u8]) -> Option<String> {
    use sha2::Digest;
    fn hex(digest: &[u8]) -> String {
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
    Some(match algorithm {
        "md5" => hex(&md5::Md5::digest(bytes)),
        "sha224" => hex(&sha2::Sha224::digest(bytes)),
        "sha384" => hex(&sha2::Sha384::digest(bytes)),
        "sha512" => hex(&sha2::Sha512::digest(bytes)),
        "sha256" => hex(&sha2::Sha256::digest(bytes)),
        "sha1" => hex(&sha1::Sha1::digest(bytes)),
        _ => return None,
    })
}

/// A repository path and a source as a deployment wrote it (`./roles/x/files/a.conf`, or
/// relative to a role: `files/a.conf` is fine when it ends the committed path).
fn same_path(committed: &str, source: &str) -> bool {
    let source = source.trim_start_matches("./").trim_start_matches('/');
    committed == source || committed.ends_with(&format!("/{source}"))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn by_file_name(index: &GitIndex) -> HashMap<&str, Vec<&BlobRecord>> {
    let mut out: HashMap<&str, Vec<&BlobRecord>> = HashMap::new();
    for blob in index.blobs() {
        // A blob at several paths with one file name is listed once under that name (looking
        // it up in the name's list instead was quadratic: `main.tf` has thousands of blobs).
        let mut names: Vec<&str> = blob.paths.iter().map(|p| file_name(p)).collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            out.entry(name).or_default().push(blob);
        }
    }
    out
}

/// Path components the two paths share at their ends.
fn common_tail(a: &str, b: &str) -> usize {
    a.rsplit('/')
        .zip(b.rsplit('/'))
        .take_while(|(x, y)| x == y)
        .count()
}

/// The committed path closest to the deployed file, and its newest blob there.
fn closest<'a>(
    index: &GitIndex,
    deployed: &str,
    source: Option<&str>,
    names: &'a HashMap<&str, Vec<&'a BlobRecord>>,
) -> Option<(String, &'a BlobRecord)> {
    let wanted = source.unwrap_or(deployed);
    let candidates = names.get(file_name(wanted))?;
    let mut best: Option<(usize, String, &BlobRecord, i64)> = None;
    for blob in candidates {
        let time = index
            .commit(&blob.first_commit)
            .map(|c| c.committer_time)
            .unwrap_or(i64::MIN);
        for path in blob
            .paths
            .iter()
            .filter(|p| file_name(p) == file_name(wanted))
        {
            let score = match source {
                Some(s) if same_path(path, s) => usize::MAX,
                _ => common_tail(path, deployed),
            };
            let better = match &best {
                None => true,
                Some((s, p, _, t)) => {
                    (score, time, std::cmp::Reverse(path)) > (*s, *t, std::cmp::Reverse(p))
                }
            };
            if better {
                best = Some((score, path.clone(), blob, time));
            }
        }
    }
    best.map(|(_, path, blob, _)| (path, blob))
}

fn finding(
    ctx: &Context<'_>,
    component: &Component,
    digest: &Claim,
    source: Option<&Claim>,
    verdict: Verdict,
    names: &HashMap<&str, Vec<&BlobRecord>>,
) -> Finding {
    let path = digest.deployed_path().unwrap_or_else(|| digest.key.clone());
    let short = short_digest(&digest.value);
    let mut chain = vec![
        ChainLink::new("component", component.display_name()).at(component.origin.clone()),
        ChainLink::new("deployed file", format!("{path} ({short})")).at(digest.origin.clone()),
    ];
    if let Some(source) = source {
        chain.push(ChainLink::new("source", source.value.clone()).at(source.origin.clone()));
    }
    let message = match &verdict {
        Verdict::NoBlob => format!(
            "{}: {path} ({short}) matches no committed file: its content was changed or written \
             outside code",
            component.display_name()
        ),
        Verdict::ElsewhereOnly(paths) => format!(
            "{}: {path} ({short}) is committed only at {}, never at its source {}",
            component.display_name(),
            paths.join(", "),
            source.map(|s| s.value.as_str()).unwrap_or("?")
        ),
        Verdict::Unreadable => format!(
            "{}: {path} carries a digest provenant cannot compare ({}): use sha256 or sha1 (or \
             md5, sha224, sha384, sha512 for a file whose source path is known)",
            component.display_name(),
            digest.value
        ),
    };
    chain.push(
        match closest(ctx.index, &path, source.map(|s| s.value.as_str()), names) {
            Some((committed, blob)) => {
                let commit = ctx
                    .index
                    .commit(&blob.first_commit)
                    .map(|c| {
                        format!(
                            ", first committed in {} on {}",
                            c.id.short(),
                            &crate::time::rfc3339(c.committer_time)[..10]
                        )
                    })
                    .unwrap_or_default();
                ChainLink::new(
                    "closest committed file",
                    format!(
                        "{}: {committed} (sha256 {}{commit})",
                        ctx.repo_display,
                        &blob.sha256[..12.min(blob.sha256.len())]
                    ),
                )
            }
            None => ChainLink::new(
                "closest committed file",
                format!(
                    "{}: no committed configuration file is named {}",
                    ctx.repo_display,
                    file_name(source.map(|s| s.value.as_str()).unwrap_or(&path))
                ),
            ),
        },
    );
    let mut finding = META.finding(component, &digest.key, message, chain);
    // Point at where the host reported the file, not at where the component was first seen.
    finding.location = digest.origin.clone();
    finding
}

/// `sha256:ab12cd34ef56…`
fn short_digest(value: &str) -> String {
    match value.split_once(':') {
        Some((algorithm, hex)) if hex.len() > 12 => format!("{algorithm} {}…", &hex[..12]),
        _ => value.to_string(),
    }
}
