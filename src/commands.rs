//! What each subcommand does, in terms of the library. Kept in the binary: it owns the
//! process's concerns (environment, stdout, files, exit codes).

use crate::cli::{AuditArgs, Cli, Command, DemoArgs, FailOnArg, ListFormat, OutputArgs, RulesArgs};
use anyhow::{bail, Context as _, Result};
use provenant::audit::{self, AuditOptions};
use provenant::model::Severity;
use provenant::policy::Policy;
use provenant::progress::Progress;
use provenant::report::{FailOn, Report};
use provenant::rules;
use std::io::{self, Write};

pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Audit(args) => audit(args),
        Command::Demo(args) => demo(args),
        Command::Rules(args) => list_rules(args),
        Command::Explain { rule } => explain(&rule),
    }
}

fn audit(args: AuditArgs) -> Result<u8> {
    let mut policy = Policy {
        release_branches: args.release_branches,
        require_claims: args.require_claims,
        stale_after_days: args.stale_after_days,
        ..Policy::default()
    };
    if !args.claim_keys.is_empty() {
        policy.claim_keys = args.claim_keys;
    }
    let options = AuditOptions {
        repo: args.repo,
        states: args.states,
        policy,
        base_dir: std::env::current_dir().context("the current directory cannot be read")?,
        generated_at: generated_at()?,
    };
    let report = audit::run(&options, &Progress::for_terminal(args.quiet))?;
    emit(&report, &args.output)?;
    let fail_on = match args.fail_on {
        FailOnArg::Error => FailOn::Severity(Severity::Error),
        FailOnArg::Warning => FailOn::Severity(Severity::Warning),
        FailOnArg::Note => FailOn::Severity(Severity::Note),
        FailOnArg::Never => FailOn::Never,
    };
    Ok(report.exit_code(fail_on, args.allow_incomplete))
}

fn demo(args: DemoArgs) -> Result<u8> {
    let estate = provenant::demo::Estate::build(args.keep.as_deref())?;
    let report = audit::run(&estate.audit_options(generated_at()?), &Progress::hidden())?;
    emit(&report, &args.output)?;
    let mut err = io::stderr().lock();
    let code = report.exit_code(FailOn::Severity(Severity::Error), false);
    writeln!(
        err,
        "\nThis was the sample estate; `provenant audit` would exit {code} on it (0 clean, 1 findings, 2 incomplete)."
    )?;
    match args.keep {
        Some(dir) => writeln!(
            err,
            "The estate is in {}. Audit it yourself:\n  cd {} && provenant audit --repo repo --state state",
            dir.display(),
            dir.display()
        )?,
        None => writeln!(err, "Run `provenant demo --keep DIR` to keep the estate and explore it.")?,
    }
    Ok(0)
}

fn list_rules(args: RulesArgs) -> Result<u8> {
    let mut out = io::stdout().lock();
    let result = match args.format {
        ListFormat::Json => {
            let rules: Vec<_> = rules::registry()
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({"id": m.id, "slug": m.slug, "severity": m.default_severity, "summary": m.summary})
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rules)
                .map_err(io::Error::from)
                .and_then(|_| writeln!(out))
        }
        ListFormat::Table => rules::registry().iter().try_for_each(|r| {
            let m = r.meta();
            writeln!(
                out,
                "{}  {:<18} {:<8} {}",
                m.id, m.slug, m.default_severity, m.summary
            )
        }),
    };
    ignore_broken_pipe(result)?;
    Ok(0)
}

fn explain(name: &str) -> Result<u8> {
    let Some(rule) = rules::find(name) else {
        let known: Vec<_> = rules::registry().iter().map(|r| r.meta().id).collect();
        bail!("no rule `{name}`: known rules are {}", known.join(", "));
    };
    ignore_broken_pipe(io::stdout().lock().write_all(rule.meta().doc.as_bytes()))?;
    Ok(0)
}

/// Renders the report to `--output` or stdout.
fn emit(report: &Report, args: &OutputArgs) -> Result<()> {
    let renderer = args.format.renderer();
    match &args.output {
        Some(path) => {
            let mut buffer = Vec::new();
            renderer.render(report, &mut buffer)?;
            std::fs::write(path, buffer).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut out = io::stdout().lock();
            ignore_broken_pipe(renderer.render(report, &mut out).and_then(|_| out.flush()))
        }
    }
}

/// A reader that stops early (`provenant audit | head`) is not an error.
fn ignore_broken_pipe(result: io::Result<()>) -> Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// `SOURCE_DATE_EPOCH` when set (reproducible reports), else now.
fn generated_at() -> Result<i64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => value.trim().parse().with_context(|| {
            format!("SOURCE_DATE_EPOCH must be whole seconds since 1970, not `{value}`")
        }),
        Err(_) => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)),
    }
}
