//! What each subcommand does, in terms of the library. Kept in the binary: it owns the
//! process's concerns (environment, stdout, files, exit codes).

use crate::cli::{
    AuditArgs, Cli, Command, DemoArgs, FailOnArg, InputArgs, ListFormat, OutputArgs, PolicyArgs,
    RulesArgs, TraceArgs,
};
use anyhow::{bail, Context as _, Result};
use provenant::audit::{self, AuditOptions};
use provenant::model::Severity;
use provenant::policy::{find_policy_file, Policy};
use provenant::progress::Progress;
use provenant::report::{FailOn, PolicyScope, Report};
use provenant::{query, rules};
use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Audit(args) => audit(args),
        Command::Trace(args) => trace(args),
        Command::Init { output, force } => init(&output, force),
        Command::Demo(args) => demo(args),
        Command::Rules(args) => list_rules(args),
        Command::Explain { rule } => explain(&rule),
    }
}

fn audit(args: AuditArgs) -> Result<u8> {
    let options = audit_options(&args.inputs, &args.policy, args.outcome.baseline.as_deref())?;
    let progress = Progress::for_terminal(args.outcome.quiet).with_timings(args.outcome.verbose);
    // Declared before the report, so that its lines print after the report is written.
    let timings = progress.timings();
    let report = audit::run_timed(&options, &progress, &timings)?;
    timings.stage("output", || emit(&report, &args.output))?;
    let fail_on = match args.outcome.fail_on {
        FailOnArg::Error => FailOn::Severity(Severity::Error),
        FailOnArg::Warning => FailOn::Severity(Severity::Warning),
        FailOnArg::Note => FailOn::Severity(Severity::Note),
        FailOnArg::Never => FailOn::Never,
    };
    Ok(report.exit_code(fail_on, args.outcome.allow_incomplete))
}

/// The options of an audit: the policy file (when there is one) with the flags on top.
fn audit_options(
    inputs: &InputArgs,
    flags: &PolicyArgs,
    baseline: Option<&Path>,
) -> Result<AuditOptions> {
    let base_dir = std::env::current_dir().context("the current directory cannot be read")?;
    let file = find_policy_file(flags.config.as_deref(), &inputs.repo, &base_dir)?;
    let (mut policy, policy_source) = match file {
        Some(file) => (
            file.policy,
            Some(PolicyScope {
                path: file.path,
                sha256: file.sha256,
            }),
        ),
        None => (Policy::default(), None),
    };
    if !flags.release_branches.is_empty() {
        policy.release_branches = flags.release_branches.clone();
    }
    if !flags.claim_keys.is_empty() {
        policy.claim_keys = flags.claim_keys.clone();
    }
    policy.require_claims |= flags.require_claims;
    if let Some(days) = flags.stale_after_days {
        policy.stale_after_days = days;
    }
    let (states, state_configurations) = split_state_configurations(&inputs.states);
    let (puppet, puppetdb) = puppet_sources(inputs, &policy, policy_source.as_ref(), &base_dir)?;
    Ok(AuditOptions {
        repo: inputs.repo.clone(),
        states,
        state_configurations,
        policy,
        base_dir,
        generated_at: generated_at()?,
        policy_source,
        baseline: baseline.map(read_baseline).transpose()?,
        inventories: inputs.inventories.clone(),
        facts: inputs.facts.clone(),
        git_cache: inputs.cache.settings(),
        puppet,
        puppetdb,
    })
}

/// The Puppet sources and how to reach PuppetDB: flags over the policy's `[puppetdb]` over
/// Puppet's puppetdb.conf, whose server_urls are read when no --puppet names a PuppetDB.
fn puppet_sources(
    inputs: &InputArgs,
    policy: &Policy,
    policy_source: Option<&PolicyScope>,
    base_dir: &Path,
) -> Result<(Vec<String>, provenant::scan::puppet::PuppetDbOptions)> {
    use provenant::scan::puppet::{is_puppetdb, puppetdb};
    let args = &inputs.puppetdb;
    let flags = puppetdb::PuppetDbFlags {
        cert: args.cert.as_deref(),
        key: args.key.as_deref(),
        cacert: args.cacert.as_deref(),
        config: args.config.as_deref(),
        timeout: args.timeout,
        page_size: args.page_size.map(|n| n as usize),
    };
    let policy_dir =
        policy_source.and_then(|p| base_dir.join(&p.path).parent().map(Path::to_path_buf));
    let policy_name = policy_source.map_or("provenant.toml", |p| p.path.as_str());
    let options =
        puppetdb::resolve_options(&flags, &policy.puppetdb, policy_dir.as_deref(), policy_name)
            .map_err(anyhow::Error::msg)?;
    let mut sources = inputs.puppet.clone();
    if !sources.iter().any(|s| is_puppetdb(s)) {
        sources.extend(options.server_urls.first().cloned());
    }
    Ok((sources, options))
}

/// `--state PATH=DIR`: the state paths, and the root module directory named for some of
/// them. A path that exists as given is a path, even with `=` in its name.
fn split_state_configurations(given: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut states = Vec::with_capacity(given.len());
    let mut named = Vec::new();
    for path in given {
        let text = path.to_string_lossy();
        match text.rsplit_once('=') {
            Some((state, dir))
                if !path.exists()
                    && !state.is_empty()
                    && provenant::scan::remote::can_end_before_dir(state) =>
            {
                states.push(PathBuf::from(state));
                named.push((PathBuf::from(state), dir.to_string()));
            }
            _ => states.push(path.clone()),
        }
    }
    (states, named)
}

/// The fingerprints of the findings in a saved JSON report.
fn read_baseline(path: &Path) -> Result<BTreeSet<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the baseline", path.display()))?;
    let report: Report = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a provenant JSON report", path.display()))?;
    Ok(report
        .findings
        .into_iter()
        .map(|f| f.fingerprint)
        .filter(|f| !f.is_empty())
        .collect())
}

fn trace(args: TraceArgs) -> Result<u8> {
    let report = match &args.report {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the report", path.display()))?;
            serde_json::from_str::<Report>(&text)
                .with_context(|| format!("{}: not a provenant JSON report", path.display()))?
        }
        None => audit::run(
            &audit_options(&args.inputs, &args.policy, None)?,
            &Progress::hidden(),
        )?,
    };
    let matches = query::find(&report, &args.name);
    if matches.is_empty() {
        let near = query::trace::suggestions(&report, &args.name);
        let hint = if near.is_empty() {
            String::new()
        } else {
            format!("; labels that contain it: {}", near.join(", "))
        };
        bail!(
            "no component is known as `{}` among {} components{hint}",
            args.name,
            report.components.len()
        );
    }
    if matches.len() > 1 && !args.all {
        let mut err = io::stderr().lock();
        writeln!(
            err,
            "provenant: {} components are known as `{}`; name one, or give --all:",
            matches.len(),
            args.name
        )?;
        for m in &matches {
            writeln!(
                err,
                "  {}  {} ({})",
                &m.component.id[..12],
                m.component.display_name(),
                m.component.origin
            )?;
        }
        return Ok(2);
    }
    let mut out = io::stdout().lock();
    ignore_broken_pipe(match args.format {
        ListFormat::Table => query::render_text(&matches, &mut out),
        ListFormat::Json => query::render_json(&matches, &mut out),
    })?;
    Ok(0)
}

fn init(output: &Path, force: bool) -> Result<u8> {
    if output.exists() && !force {
        bail!("{} exists; give --force to replace it", output.display());
    }
    let here = std::env::current_dir().context("the current directory cannot be read")?;
    let survey = provenant::policy::init::survey(&here);
    let text = provenant::policy::init::starting_policy(&survey);
    std::fs::write(output, text).with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!(
        "wrote {} (release branch {}, {} state(s) found); review it, then run `provenant audit`",
        output.display(),
        survey
            .release_branch
            .as_deref()
            .unwrap_or("main, by default"),
        survey.states.len()
    );
    Ok(0)
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
    match &args.output {
        Some(path) => write_file(path, |out| args.format.renderer().render(report, out))
            .with_context(|| format!("cannot write {}", path.display())),
        None => {
            // Buffered: stdout's own writer flushes at every newline, a system call per line of
            // a report that may have millions.
            let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
            // Colour only here: on a terminal, without NO_COLOR.
            let renderer = args.format.stdout_renderer();
            ignore_broken_pipe(renderer.render(report, &mut out).and_then(|_| out.flush()))
        }
    }
}

/// Writes `path` (through links and devices, as a shell's `>` does) as the report renders.
fn write_file(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
    render(&mut out)?;
    out.flush()
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
