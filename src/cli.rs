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
    /// The git repository the claims are checked against.
    #[arg(long, value_name = "DIR", default_value = ".", help_heading = "Inputs")]
    pub repo: PathBuf,
    /// A state file (raw .tfstate or `terraform show -json` output) or a directory to search;
    /// repeatable. Without it, every *.tfstate below the current directory is read, outside
    /// .terraform/ and .git/.
    #[arg(long = "state", value_name = "PATH", help_heading = "Inputs")]
    pub states: Vec<PathBuf>,

    /// A branch whose commits count as released (local or remote-tracking); repeatable.
    /// Default: the remote's HEAD, else the current branch, else main or master.
    #[arg(long = "release-branch", value_name = "NAME", help_heading = "Policy")]
    pub release_branches: Vec<String>,
    /// An attribute, tag or label key whose value is a commit claim; repeatable. Replaces the
    /// default keys git_commit, git_sha, commit_sha, source_commit and revision.
    #[arg(long = "claim-key", value_name = "KEY", help_heading = "Policy")]
    pub claim_keys: Vec<String>,
    /// Report components that carry no claim at all (PV003).
    #[arg(long, help_heading = "Policy")]
    pub require_claims: bool,
    /// Days a running commit may lag its release branch tip before PV008 fires.
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 90,
        help_heading = "Policy"
    )]
    pub stale_after_days: u64,

    #[command(flatten)]
    pub output: OutputArgs,
    /// The least severity that fails the run (exit 1).
    #[arg(long, value_enum, default_value = "error", help_heading = "Outcome")]
    pub fail_on: FailOnArg,
    /// Exit 1 instead of 2 when an input could not be read. An incomplete audit never exits 0.
    #[arg(long, help_heading = "Outcome")]
    pub allow_incomplete: bool,
    /// No progress on stderr.
    #[arg(long, short, help_heading = "Outcome")]
    pub quiet: bool,
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
