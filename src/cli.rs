//! The command line, declared with clap's derive: doc comments are the help text.

use clap::{Args, Parser, Subcommand, ValueEnum};
pub use provenant::report::Format;
use std::path::PathBuf;

/// Audits production infrastructure for traceability: every running thing must trace back to
/// committed, released code and configuration.
#[derive(Debug, Parser)]
#[command(name = "provenant", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit Terraform and OpenTofu states against a repository's history.
    ///
    /// Exit codes: 0 clean; 1 findings at or above --fail-on; 2 the audit could not run or is
    /// incomplete (an input could not be read).
    Audit(AuditArgs),
    /// Show the whole chain of one component: where it was seen, what it claims, the commit
    /// (author, date, message, branches), the block that declares it, and its findings.
    ///
    /// Exit codes: 0 found; 2 no component, or several (unless --all), answers to NAME.
    Trace(TraceArgs),
    /// Write a commented starting provenant.toml from what the current directory holds.
    Init {
        /// Where to write it.
        #[arg(long, value_name = "FILE", default_value = "provenant.toml")]
        output: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Build the bundled sample estate in a temporary repository, audit it and print the report.
    Demo(DemoArgs),
    /// List every rule with its id, slug, default severity and summary.
    Rules(RulesArgs),
    /// Print a rule's documentation page.
    Explain {
        /// Rule id (PV001) or slug (unknown-commit).
        rule: String,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub inputs: InputArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub outcome: OutcomeArgs,
}

/// What to audit: shared by `audit` and `trace`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// The git repository the claims are checked against.
    #[arg(long, value_name = "DIR", default_value = ".", help_heading = "Inputs")]
    pub repo: PathBuf,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// A state file (raw .tfstate or `terraform show -json` output), a directory to search, an
    /// http(s):// URL (Terraform's HTTP backend) or tfc://HOST/ORG/WORKSPACE (HCP Terraform,
    /// Terraform Enterprise); repeatable. Without it, every *.tfstate below the current
    /// directory is read, outside .terraform/ and .git/. PATH=DIR names the root module directory (relative to --repo)
    /// whose committed configuration the state belongs to; without it, a root module whose
    /// backend key matches the state's path, else the one declaring most of its resources.
    #[arg(long = "state", value_name = "PATH[=DIR]", help_heading = "Inputs")]
    pub states: Vec<PathBuf>,
    /// An Ansible inventory (INI, YAML, TOML, or the JSON of `ansible-inventory --list`) or a
    /// directory of them, with group_vars/ and host_vars/ beside it; repeatable. Without it,
    /// the inventory named by ansible.cfg (in the current directory, else in --repo).
    #[arg(long = "inventory", value_name = "PATH", help_heading = "Inputs")]
    pub inventories: Vec<PathBuf>,
    /// An Ansible fact cache directory (jsonfile cache of ansible-core 2.18 or 2.19, or
    /// `ansible -m setup --tree` output); repeatable. Without it, ansible.cfg's
    /// fact_caching_connection.
    #[arg(long = "facts", value_name = "DIR", help_heading = "Inputs")]
    pub facts: Vec<PathBuf>,
    /// Puppet: a report file (the YAML of reports=store or last_run_report.yaml, the JSON of
    /// a report, PuppetDB's wire format), facts or a catalog, a directory of them, or a
    /// PuppetDB (http://127.0.0.1:8080, https://puppetdb:8081); repeatable.
    #[arg(long = "puppet", value_name = "PATH|URL", help_heading = "Inputs")]
    pub puppet: Vec<String>,
    #[command(flatten)]
    pub puppetdb: PuppetDbArgs,
}

/// How to reach a PuppetDB named by --puppet (see docs/inputs/puppetdb.md).
#[derive(Debug, Args)]
pub struct PuppetDbArgs {
    /// PuppetDB: the client certificate (PEM), as puppet.conf's hostcert [default: [puppetdb]
    /// cert in the policy file, else from --puppetdb-config's puppet.conf].
    #[arg(
        long = "puppetdb-cert",
        id = "puppetdb-cert",
        value_name = "FILE",
        help_heading = "Inputs"
    )]
    pub cert: Option<PathBuf>,
    /// PuppetDB: the client certificate's private key (PEM, unencrypted), as hostprivkey.
    #[arg(
        long = "puppetdb-key",
        id = "puppetdb-key",
        value_name = "FILE",
        help_heading = "Inputs"
    )]
    pub key: Option<PathBuf>,
    /// PuppetDB: the CA that signed PuppetDB's certificate (PEM), as localcacert [default:
    /// the system's trusted CAs].
    #[arg(
        long = "puppetdb-cacert",
        id = "puppetdb-cacert",
        value_name = "FILE",
        help_heading = "Inputs"
    )]
    pub cacert: Option<PathBuf>,
    /// PuppetDB: Puppet's puppetdb.conf. Its server_urls are read when no --puppet names a
    /// PuppetDB (replicas in order, the next tried when one cannot be reached), and the
    /// certificate, key and CA default to those of the puppet.conf beside it.
    #[arg(
        long = "puppetdb-config",
        id = "puppetdb-config",
        value_name = "FILE",
        help_heading = "Inputs"
    )]
    pub config: Option<PathBuf>,
    /// PuppetDB: seconds to wait for an answer [default: [puppetdb] timeout, else
    /// $PROVENANT_HTTP_TIMEOUT, else 60]; connections wait at most 10.
    #[arg(long = "puppetdb-timeout", id = "puppetdb-timeout", value_name = "SECONDS", value_parser = seconds, help_heading = "Inputs")]
    pub timeout: Option<std::time::Duration>,
    /// PuppetDB: rows asked for per query page [default: 1000].
    #[arg(long = "puppetdb-page-size", id = "puppetdb-page-size", value_name = "ROWS", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Inputs")]
    pub page_size: Option<u32>,
}

fn seconds(text: &str) -> Result<std::time::Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
        .map(std::time::Duration::from_secs_f64)
        .ok_or_else(|| format!("`{text}` is not a number of seconds between 0 and 86400"))
}

/// Where the git index is cached between runs (see docs/cli.md, "The git index cache").
#[derive(Debug, Args)]
pub struct CacheArgs {
    /// The directory of the git index cache [default: the per-user cache directory,
    /// $XDG_CACHE_HOME/provenant or ~/.cache/provenant].
    #[arg(
        long,
        value_name = "DIR",
        env = "PROVENANT_CACHE_DIR",
        hide_env_values = true,
        help_heading = "Cache"
    )]
    pub cache_dir: Option<PathBuf>,
    /// Index the git history from scratch, reading and writing no cache.
    #[arg(long, help_heading = "Cache")]
    pub no_cache: bool,
}

impl CacheArgs {
    pub fn settings(&self) -> provenant::git::CacheSettings {
        use provenant::git::CacheSettings;
        match &self.cache_dir {
            _ if self.no_cache => CacheSettings::Disabled,
            Some(dir) if !dir.as_os_str().is_empty() => CacheSettings::Directory(dir.clone()),
            _ => CacheSettings::per_user(),
        }
    }
}

/// How to judge it: the policy file and flags that override it.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The policy file. Default: provenant.toml in the repository root, when it exists.
    #[arg(long, value_name = "FILE", help_heading = "Policy")]
    pub config: Option<PathBuf>,
    /// A branch whose commits count as released (local or remote-tracking); repeatable.
    /// Default: the policy's release_branches, else the remote's HEAD, else the current
    /// branch, else main or master.
    #[arg(long = "release-branch", value_name = "NAME", help_heading = "Policy")]
    pub release_branches: Vec<String>,
    /// An attribute, tag or label key whose value is a commit claim; repeatable. Replaces the
    /// default keys git_commit, git_sha, commit_sha, source_commit and revision.
    #[arg(long = "claim-key", value_name = "KEY", help_heading = "Policy")]
    pub claim_keys: Vec<String>,
    /// Report components that carry no claim at all (PV003).
    #[arg(long, help_heading = "Policy")]
    pub require_claims: bool,
    /// Days a running commit may lag its release branch tip before PV008 fires [default: 90].
    #[arg(long, value_name = "DAYS", help_heading = "Policy")]
    pub stale_after_days: Option<u64>,
}

/// What the run's exit code reflects.
#[derive(Debug, Args)]
pub struct OutcomeArgs {
    /// The least severity that fails the run (exit 1).
    #[arg(long, value_enum, default_value = "error", help_heading = "Outcome")]
    pub fail_on: FailOnArg,
    /// Exit 1 instead of 2 when an input could not be read. An incomplete audit never exits 0.
    #[arg(long, help_heading = "Outcome")]
    pub allow_incomplete: bool,
    /// A previous JSON report: findings it already had are marked unchanged and do not fail
    /// the run; new ones do.
    #[arg(long, value_name = "OLD.json", help_heading = "Outcome")]
    pub baseline: Option<PathBuf>,
    /// No progress on stderr.
    #[arg(long, short, help_heading = "Outcome")]
    pub quiet: bool,
    /// Print how long each stage took (and how the git index cache served) on stderr.
    #[arg(long, short, help_heading = "Outcome", conflicts_with = "quiet")]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table", help_heading = "Output")]
    pub format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// Any name the component is known by: resource address, host name, FQDN, IP, cloud id,
    /// certname, or the start of its id.
    pub name: String,
    /// Read a saved JSON report instead of auditing (no repository needed).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Show every component that answers to NAME instead of failing when several do.
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
    #[command(flatten)]
    pub inputs: InputArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Leave the sample estate in DIR (which must not exist or be empty) to explore it.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

/// Formats for listings (`provenant rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Note,
    Never,
}
