//! The whole pipeline in one place: find the inputs, scan them and index git in parallel,
//! turn observations into components and resolve their claims, run the rules, build the
//! report. Every stage meets the next at plain data.

use crate::correlate::hosts::hosts_from_ansible;
use crate::correlate::puppet::nodes_from_puppet;
use crate::correlate::{attach_traces, components_from_state, identity};
use crate::git::{CacheOutcome, CacheSettings, GitIndex, GitIndexError, ReleaseBranchOrigin};
use crate::model::BaselineState;
use crate::model::{Component, Input, InputKind, InputStatus, StateDocument};
use crate::policy::{apply_exceptions, Policy};
use crate::progress::Progress;
use crate::report::{PolicyScope, Report, RepositoryScope, RuleInfo, Scope, Tool, SCHEMA_VERSION};
use crate::rules::{self, Context};
use crate::scan::{discover::discover_states, remote, scan_state_bytes, tfconfig, StateScan};
use crate::timings::Timings;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// States larger than this are reported unreadable rather than read into memory.
const MAX_STATE_BYTES: u64 = 2 << 30;

#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// The repository whose history the claims are checked against.
    pub repo: PathBuf,
    /// State files or directories; empty means discover below `base_dir`.
    pub states: Vec<PathBuf>,
    pub policy: Policy,
    /// Paths in the report are relative to this directory when they are below it.
    pub base_dir: PathBuf,
    /// Unix time written as `generated_at`; its date decides which exceptions have expired.
    pub generated_at: i64,
    /// Root module directories (relative to the repository) named for states or directories
    /// of states with `--state PATH=DIR`.
    pub state_configurations: Vec<(PathBuf, String)>,
    /// The policy file the policy came from, for the report's scope.
    pub policy_source: Option<PolicyScope>,
    /// Fingerprints of the findings in a baseline report (`--baseline`).
    pub baseline: Option<BTreeSet<String>>,
    /// Ansible inventory files or directories; empty means those `ansible.cfg` names, if any.
    pub inventories: Vec<PathBuf>,
    /// Ansible fact cache directories (or files); empty means `ansible.cfg`'s fact cache.
    pub facts: Vec<PathBuf>,
    /// Where the git index is cached between runs (`--cache-dir`, `--no-cache`).
    pub git_cache: CacheSettings,
    /// Puppet sources (`--puppet`): report, facts or catalog files, directories of them, or
    /// PuppetDB URLs.
    pub puppet: Vec<String>,
    /// How to reach PuppetDB sources (client certificate, CA).
    pub puppetdb: crate::scan::puppet::PuppetDbOptions,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Git(#[from] GitIndexError),
    #[error("{path}: {message}")]
    Discovery { path: String, message: String },
    #[error("no state files found below {0}: name them with --state")]
    NothingToAudit(String),
}

/// Runs an audit and returns its report. Errors are the cases where no report can be made.
pub fn run(options: &AuditOptions, progress: &Progress) -> Result<Report, AuditError> {
    run_timed(options, progress, &progress.timings())
}

/// [`run`], with its stages timed in `timings` (which a caller keeps to time what follows).
pub fn run_timed(
    options: &AuditOptions,
    progress: &Progress,
    timings: &Timings,
) -> Result<Report, AuditError> {
    let paths = input_paths(options)?;
    let ((scanned, (ansible, puppet)), index) = rayon::join(
        || {
            rayon::join(
                || {
                    timings.stage("reading states", || {
                        scan_all(&paths, &options.base_dir, progress)
                    })
                },
                || {
                    rayon::join(
                        || {
                            timings.stage("Ansible", || {
                                crate::scan::ansible::scan(
                                    &options.inventories,
                                    &options.facts,
                                    &options.base_dir,
                                    &options.repo,
                                )
                            })
                        },
                        || {
                            timings.stage("Puppet", || {
                                crate::scan::puppet::scan(
                                    &options.puppet,
                                    &options.base_dir,
                                    &options.puppetdb,
                                )
                            })
                        },
                    )
                },
            )
        },
        || {
            let spinner = progress.spinner("indexing git history");
            let index = timings.stage_noting("git index", || open_index(options), index_note);
            spinner.finish_and_clear();
            index
        },
    );
    let (index, cache) = index?;
    warn_about_cache(&cache);
    let stage = timings.start("correlation");

    let mut inputs = Vec::with_capacity(scanned.len());
    let mut components: Vec<Component> = Vec::new();
    let mut documents = Vec::new();
    let mut resource_keys = Vec::new();
    // Each state's components on any thread (their attributes are parsed again here), then
    // gathered in the order the states were read.
    let made: Vec<_> = scanned
        .into_par_iter()
        .map(|(input, document)| {
            let made = document.map(|document| {
                let made = components_from_state(&document, &input.path, &options.policy);
                let keys = identity::resource_keys(&document, &made, &options.policy);
                (document, made, keys)
            });
            (input, made)
        })
        .collect();
    for (input, made) in made {
        if let Some((document, made, keys)) = made {
            resource_keys.extend(keys);
            components.extend(made);
            documents.push((input.path.clone(), document));
        }
        inputs.push(input);
    }
    // Ansible hosts and Puppet nodes join the Terraform resources that are the same machines.
    let mut hosts = hosts_from_ansible(&ansible, &options.policy, &options.repo);
    let puppet_nodes = nodes_from_puppet(&puppet, &options.policy, &index);
    hosts.extend(puppet_nodes.hosts);
    identity::merge(&mut components, hosts, &resource_keys);
    inputs.extend(ansible.inputs);
    inputs.extend(puppet.inputs);
    components.sort_by(|a, b| (&a.origin, &a.labels).cmp(&(&b.origin, &b.labels)));
    attach_traces(&mut components, &index);
    stage.end();
    let stage = timings.start("configuration");
    let named: Vec<(String, String)> = (options.state_configurations.iter())
        .map(|(path, dir)| (display_path(path, &options.base_dir), dir.clone()))
        .collect();
    let (absent_declarations, stats) =
        tfconfig::attach(&documents, &named, &mut components, &mut inputs, &index);
    stage.end_noting(configuration_note(&stats));

    let stage = timings.start("rules");
    let repository = repository_scope(&index, &options.base_dir);
    let ctx = Context {
        components: &components,
        inputs: &inputs,
        policy: &options.policy,
        index: &index,
        repo_display: &repository.path,
        absent_declarations: &absent_declarations,
        outside_changes: &puppet_nodes.outside_changes,
    };
    let mut findings = rules::run_all(&ctx);
    let today = crate::time::date(options.generated_at);
    let (exceptions, unused) = apply_exceptions(&mut findings, &options.policy.exceptions, &today);
    findings.extend(unused);
    rules::sort_findings(&mut findings);
    if let Some(baseline) = &options.baseline {
        mark_baseline(&mut findings, baseline);
    }
    stage.end();
    let stage = timings.start("report");
    let summary = Report::summarise(&inputs, &components, &findings);
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "provenant".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        generated_at: crate::time::rfc3339(options.generated_at),
        scope: Scope {
            inputs,
            repositories: vec![repository],
            policy: options.policy_source.clone(),
        },
        components,
        findings,
        exceptions,
        rules: RuleInfo::all(),
        summary,
        digest: String::new(),
    };
    report.seal();
    stage.end();
    Ok(report)
}

fn open_index(options: &AuditOptions) -> Result<(GitIndex, CacheOutcome), GitIndexError> {
    let branches = &options.policy.release_branches;
    GitIndex::open_with_cache(&options.repo, branches, &options.git_cache)
}

/// `39,512 versions read over the release history, 7,301 blobs parsed, 3,997 of 612,000
/// values differ`, for `--verbose`.
fn configuration_note(stats: &tfconfig::Stats) -> String {
    use crate::timings::count;
    format!(
        "{} versions read over the release history, {} blobs parsed, {} of {} values differ",
        count(stats.versions),
        count(stats.blobs_parsed),
        count(stats.differences),
        count(stats.attributes_compared),
    )
}

/// `50,000 commits, 3,211 blobs; cache: extended by 1 commit`, for `--verbose`.
fn index_note(index: &Result<(GitIndex, CacheOutcome), GitIndexError>) -> String {
    use crate::timings::count;
    match index {
        Ok((index, cache)) => format!(
            "{} commits, {} blobs; cache: {}",
            count(index.commit_count()),
            count(index.blob_count()),
            cache.state
        ),
        Err(_) => "failed".to_string(),
    }
}

/// A damaged cache file, or one that could not be written, is said once on stderr, whatever
/// `--quiet` says: it is not progress. The report does not mention the cache, so that it stays
/// the same bytes whether the history came from the cache or not.
fn warn_about_cache(cache: &CacheOutcome) {
    for warning in &cache.warnings {
        eprintln!("provenant: warning: {warning}");
    }
}

/// New findings and those the baseline already had (by fingerprint).
fn mark_baseline(findings: &mut [crate::model::Finding], baseline: &BTreeSet<String>) {
    for finding in findings {
        finding.baseline = Some(if baseline.contains(&finding.fingerprint) {
            BaselineState::Unchanged
        } else {
            BaselineState::New
        });
    }
}

/// The state files to read: as given (directories expanded), or discovered.
fn input_paths(options: &AuditOptions) -> Result<Vec<PathBuf>, AuditError> {
    let discover = |dir: &Path| {
        discover_states(dir).map_err(|e| AuditError::Discovery {
            path: display_path(dir, &options.base_dir),
            message: format!("cannot list the directory: {e}"),
        })
    };
    let mut paths = Vec::new();
    if options.states.is_empty() {
        paths = discover(&options.base_dir)?;
        if paths.is_empty() && !ansible_inputs(options) && options.puppet.is_empty() {
            return Err(AuditError::NothingToAudit(display_path(
                &options.base_dir,
                &options.base_dir,
            )));
        }
    }
    for state in &options.states {
        if state.is_dir() {
            paths.extend(discover(state)?);
        } else {
            paths.push(state.clone());
        }
    }
    paths.dedup();
    Ok(paths)
}

/// Whether there are Ansible sources to audit when there is no state.
fn ansible_inputs(options: &AuditOptions) -> bool {
    !options.inventories.is_empty()
        || !options.facts.is_empty()
        || crate::scan::ansible::config::find(&options.base_dir, &options.repo).is_some()
}

fn scan_all(
    paths: &[PathBuf],
    base_dir: &Path,
    progress: &Progress,
) -> Vec<(Input, Option<StateDocument>)> {
    let bar = progress.bar("reading states", paths.len() as u64);
    let scanned = paths
        .par_iter()
        .map(|path| {
            let result = scan_file(path, &display_path(path, base_dir));
            bar.inc(1);
            result
        })
        .collect();
    bar.finish_and_clear();
    scanned
}

/// Reads one state file into its scope entry and, when it is a state, its document.
pub fn scan_file(path: &Path, display: &str) -> (Input, Option<StateDocument>) {
    if let Some(url) = path.to_str().filter(|p| remote::is_remote(p)) {
        return scan_remote(url, display);
    }
    let unreadable = |detail: String| Input {
        path: display.to_string(),
        kind: InputKind::Unknown,
        sha256: None,
        status: InputStatus::Unreadable,
        detail,
        line: None,
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_STATE_BYTES => {
            return (
                unreadable(format!(
                    "{} bytes: larger than the 2 GiB a state may be",
                    meta.len()
                )),
                None,
            )
        }
        Ok(_) => {}
        Err(e) => return (unreadable(format!("cannot open: {e}")), None),
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => return (unreadable(format!("cannot read: {e}")), None),
    };
    scan_bytes(&bytes, path, display)
}

/// A remote state (HTTP backend, HCP Terraform), fetched and then scanned like a file; a
/// failure to fetch is an unreadable input naming the URL without its credentials.
fn scan_remote(url: &str, display: &str) -> (Input, Option<StateDocument>) {
    match remote::fetch(url) {
        Ok(bytes) => scan_bytes(&bytes, Path::new(&remote::file_name(url)), display),
        Err(message) => (
            Input {
                path: display.to_string(),
                kind: InputKind::Unknown,
                sha256: None,
                status: InputStatus::Unreadable,
                detail: format!("cannot fetch: {message}"),
                line: None,
            },
            None,
        ),
    }
}

/// The scope entry and document for a state's bytes, read from a file or fetched.
fn scan_bytes(bytes: &[u8], path: &Path, display: &str) -> (Input, Option<StateDocument>) {
    let sha256 = Some(crate::model::id::sha256_hex(bytes));
    let input = |kind, status, detail, line| Input {
        path: display.to_string(),
        kind,
        sha256: sha256.clone(),
        status,
        detail,
        line,
    };
    match scan_state_bytes(bytes, path, display) {
        StateScan::State {
            kind,
            document,
            detail,
        } => (input(kind, InputStatus::Read, detail, None), Some(document)),
        StateScan::NotAState { kind, detail } => {
            (input(kind, InputStatus::Skipped, detail, None), None)
        }
        StateScan::Unreadable { kind, line, detail } => {
            (input(kind, InputStatus::Unreadable, detail, line), None)
        }
    }
}

fn repository_scope(index: &GitIndex, base_dir: &Path) -> RepositoryScope {
    RepositoryScope {
        path: display_path(index.path(), base_dir),
        head: index.head().map(|h| h.to_hex()),
        release_branches: index
            .release_branches()
            .iter()
            .map(|b| b.name.clone())
            .collect(),
        release_branches_from: match index.release_branch_origin() {
            ReleaseBranchOrigin::Requested => "requested",
            ReleaseBranchOrigin::RemoteHead => "remote-head",
            ReleaseBranchOrigin::CurrentBranch => "current-branch",
            ReleaseBranchOrigin::Conventional => "conventional",
        }
        .to_string(),
        commits: index.commit_count(),
        blobs: index.blob_count(),
    }
}

/// `path` relative to `base` when it lies below it, with `/` separators; `.` for `base` itself.
pub fn display_path(path: &Path, base: &Path) -> String {
    if let Some(url) = path.to_str().filter(|p| remote::is_remote(p)) {
        return remote::display(url);
    }
    let relative: Option<PathBuf> = match path.strip_prefix(base) {
        Ok(rel) => Some(rel.to_path_buf()),
        Err(_) => match (path.canonicalize(), base.canonicalize()) {
            (Ok(path), Ok(base)) => path.strip_prefix(&base).ok().map(Path::to_path_buf),
            _ => None,
        },
    };
    let shown = match relative {
        Some(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Some(rel) => rel.to_string_lossy().into_owned(),
        None => path.to_string_lossy().into_owned(),
    };
    let shown = shown.replace('\\', "/");
    shown
        .strip_prefix("./")
        .map(str::to_string)
        .unwrap_or(shown)
}
