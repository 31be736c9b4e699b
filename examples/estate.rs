//! Writes a whole generated estate, deterministically from a seed, for whole-process
//! benchmarks (`benches/whole-audit-vs-glue.sh`, `docs/performance.md`):
//!
//! * `repo/`: an infrastructure monorepo with a long history (Terraform root modules and a
//!   shared module, Ansible roles, a Puppet control repository), `main` as release branch,
//!   feature branches merged, open, abandoned or tagged, release tags;
//! * `states/`: one raw v4 state per root module, every taggable instance carrying the commit
//!   it was applied from (`tags.git_commit`, `triggers.git_sha`);
//! * `inventory/`: `hosts.ini` and `group_vars/` (`deploy_commit`, `app_commit` claims);
//! * `facts/`: an ansible-core 2.19 jsonfile fact cache with the provenance fact (commit and
//!   file digests);
//! * `puppet/`: the last Puppet 8 agent report of each node (`configuration_version`, content
//!   checksums of the files it changed);
//! * `estate.json`: the parameters, and the PV001, PV002 and PV005 findings a correct audit
//!   must report, per source.
//!
//! ```text
//! cargo run --release --example estate -- --seed 42 --out DIR [--commits 50000]
//!     [--hosts 10000] [--states 1000] [--resources-per-state 50] [--reports 5000] [--roots N]
//! ```
//!
//! Same seed and sizes, same bytes (except `repo/.git/index`, git's cache of file times).
//! Each kind of item draws from its own stream (`rng::Rng::item`), so a host's facts do not
//! change with the number of states.

#![recursion_limit = "256"]

#[path = "estate/ansible.rs"]
mod ansible;
#[path = "estate/claims.rs"]
mod claims;
#[path = "estate/puppet.rs"]
mod puppet;
#[path = "estate/repo.rs"]
mod repo;
#[path = "estate/rng.rs"]
mod rng;
#[path = "estate/terraform.rs"]
mod terraform;

use claims::{Picker, Tally, Verdict};
use rng::Rng;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;
use terraform::{InstanceClaims, Shape};

struct Args {
    seed: u64,
    out: PathBuf,
    commits: usize,
    hosts: usize,
    states: usize,
    resources_per_state: usize,
    reports: usize,
    roots: usize,
}

const USAGE: &str = "usage: estate --out DIR [--seed N] [--commits N] [--hosts N] [--states N] \
                     [--resources-per-state N] [--reports N] [--roots N]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        seed: 42,
        out: PathBuf::new(),
        commits: 50_000,
        hosts: 10_000,
        states: 1_000,
        resources_per_state: 50,
        reports: 5_000,
        roots: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.into());
        }
        let value = match inline {
            Some(v) => v,
            None => it.next().ok_or(format!("{flag} needs a value\n{USAGE}"))?,
        };
        let number = || -> Result<usize, String> {
            value
                .replace('_', "")
                .parse()
                .map_err(|_| format!("{flag}: `{value}` is not a number"))
        };
        match flag.as_str() {
            "--seed" => args.seed = number()? as u64,
            "--out" => args.out = PathBuf::from(&value),
            "--commits" => args.commits = number()?,
            "--hosts" => args.hosts = number()?,
            "--states" => args.states = number()?,
            "--resources-per-state" => args.resources_per_state = number()?,
            "--reports" => args.reports = number()?,
            "--roots" => args.roots = number()?,
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    if args.out.as_os_str().is_empty() {
        return Err(format!("--out DIR is required\n{USAGE}"));
    }
    if args.roots == 0 {
        args.roots = args.states.max(1_000);
    }
    if args.states > args.roots {
        return Err(format!(
            "--states {} needs as many root modules: --roots {}",
            args.states, args.states
        ));
    }
    if args.reports > args.hosts {
        return Err(format!(
            "--reports {} is more than --hosts {}: one report per node",
            args.reports, args.hosts
        ));
    }
    if args.commits < 2 || args.resources_per_state < 11 {
        return Err("--commits must be at least 2, --resources-per-state at least 11".into());
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) if e == USAGE => {
            println!("{USAGE}");
            return;
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("estate: {e}");
        std::process::exit(1);
    }
}

fn run(a: &Args) -> std::io::Result<()> {
    if a.out.exists() && std::fs::read_dir(&a.out)?.next().is_some() {
        return Err(std::io::Error::other(format!(
            "{} exists and is not empty",
            a.out.display()
        )));
    }
    std::fs::create_dir_all(&a.out)?;
    let out = a.out.canonicalize()?;
    let a = &Args { out, ..*a };
    let started = Instant::now();
    let shape = Shape::for_instances(a.resources_per_state);
    let mut phase = Instant::now();
    let mut timings = Vec::new();
    let mut lap = |name: &str, phase: &mut Instant| {
        timings.push(format!("{name} {:.1} s", phase.elapsed().as_secs_f64()));
        *phase = Instant::now();
    };

    let history = repo::generate(&a.out.join("repo"), a.seed, a.commits, a.roots, shape)?;
    lap("repository", &mut phase);
    let picker = Picker::new(&history);
    let terraform = write_states(&a.out.join("states"), a, shape, &history, &picker)?;
    lap("states", &mut phase);
    let inventory = ansible::write_inventory(&a.out.join("inventory"), a.seed, a.hosts, &picker)?;
    let facts = ansible::write_facts(&a.out.join("facts"), a.seed, a.hosts, &picker)?;
    lap("inventory and facts", &mut phase);
    let puppet = puppet::write_reports(&a.out.join("puppet"), a.seed, a.reports, &picker)?;
    lap("reports", &mut phase);

    let mut without_puppet = terraform;
    without_puppet += inventory;
    without_puppet += facts;
    let mut all = without_puppet;
    all += puppet;
    let branches = |f: fn(&repo::Fate) -> bool| {
        history
            .branches
            .iter()
            .filter(|b| !b.commits.is_empty() && f(&b.fate))
            .count()
    };
    let merged = branches(|f| matches!(f, repo::Fate::Merged(_)));
    let open = branches(|f| matches!(f, repo::Fate::Open | repo::Fate::Abandoned));
    let tag_only = branches(|f| matches!(f, repo::Fate::TagOnly));
    let instances = a.states * shape.instances();
    let summary = json!({
        "seed": a.seed,
        "commits": history.commits.len(),
        "main_first_parent_commits": history.main.len(),
        "unreleased_commits": history.unreleased().len(),
        "branches": {"merged": merged, "unmerged": open, "tag_only": tag_only},
        "tags": history.tags.len(),
        "files_at_tip": history.files.len(),
        "root_modules": a.roots,
        "states": a.states,
        "resource_instances": instances,
        "hosts": a.hosts,
        "reports": a.reports,
        "release_branch": "main",
        "expected": {
            "terraform": terraform.json(),
            "inventory": inventory.json(),
            "facts": facts.json(),
            "puppet": puppet.json(),
            "without_puppet": without_puppet.json(),
            "all": all.json(),
        },
    });
    std::fs::write(
        a.out.join("estate.json"),
        serde_json::to_string_pretty(&summary).expect("JSON") + "\n",
    )?;
    print_summary(
        a,
        &history,
        shape,
        &[
            ("states", terraform),
            ("inventory", inventory),
            ("facts", facts),
            ("puppet", puppet),
            ("without puppet", without_puppet),
            ("all", all),
        ],
        (merged, open, tag_only),
    );
    println!(
        "generated in {:.1} s ({})",
        started.elapsed().as_secs_f64(),
        timings.join(", ")
    );
    Ok(())
}

fn print_summary(
    a: &Args,
    history: &repo::History,
    shape: Shape,
    tallies: &[(&str, Tally)],
    (merged, open, tag_only): (usize, usize, usize),
) {
    println!("estate in {} (seed {})", a.out.display(), a.seed);
    println!(
        "  repo/       {} commits ({} on main's first-parent line, {} unreleased), {} files at the tip, \
         branches: {merged} merged, {open} never merged, {tag_only} tag-only; {} tags",
        history.commits.len(),
        history.main.len(),
        history.unreleased().len(),
        history.files.len(),
        history.tags.len()
    );
    println!(
        "  states/     {} raw v4 states of {} resource instances ({} aws_instance), {} root modules in the repository",
        a.states,
        a.states * shape.instances(),
        a.states * shape.app,
        a.roots
    );
    println!(
        "  inventory/  hosts.ini with {} hosts and group_vars/; facts/ {} fact files; puppet/ {} reports",
        a.hosts,
        std::fs::read_dir(a.out.join("facts")).map(|d| d.count()).unwrap_or(0),
        a.reports
    );
    println!("expected findings (claims and deployed digests checked):");
    println!(
        "  {:<16} {:>8} {:>7} {:>7} {:>8} {:>7}",
        "source", "claims", "PV001", "PV002", "digests", "PV005"
    );
    for (name, t) in tallies {
        println!(
            "  {:<16} {:>8} {:>7} {:>7} {:>8} {:>7}",
            name, t.claims, t.pv001, t.pv002, t.digests, t.pv005
        );
    }
}

/// One state per root module, at `states/<env>/<team>/<stack>/terraform.tfstate`.
fn write_states(
    dir: &Path,
    a: &Args,
    shape: Shape,
    history: &repo::History,
    picker: &Picker<'_>,
) -> std::io::Result<Tally> {
    use rayon::prelude::*;
    let host_name = |j: usize| (j < a.hosts).then(|| ansible::host(a.seed, j).short);
    let tallies: Vec<std::io::Result<Tally>> = (0..a.states)
        .into_par_iter()
        .map(|s| {
            let root = terraform::root(s);
            let file = history.file(&format!("{}/main.tf", root.dir()));
            let changes = history.main_changes(file);
            let mut rng = Rng::item(a.seed, "state-claims", s as u64);
            let mut tally = Tally::default();
            // Applied at the last commit that changed the root module, at the one before
            // (the last change is not applied yet), or from a branch never merged.
            let roll = rng.below(100);
            let (applied, verdict) = if roll < 4 {
                let p = picker.unreleased(&mut rng);
                (p.commit, p.verdict)
            } else if roll < 12 && changes.len() >= 2 {
                (changes[changes.len() - 2].0, Verdict::Released)
            } else {
                (changes[changes.len() - 1].0, Verdict::Released)
            };
            let knobs =
                history.files[file as usize].knobs[history.version_at(file, applied) as usize];
            let mut claims = InstanceClaims {
                applied: history.sha(applied).to_string(),
                overrides: Vec::with_capacity(shape.slots()),
                by_hand: (0..shape.app).map(|_| rng.chance(0.005)).collect(),
            };
            for _ in 0..shape.slots() {
                let roll = rng.below(1000);
                let pick = match roll {
                    0..=9 => Some(picker.made_up(&mut rng)),
                    10..=14 => Some(picker.unreleased(&mut rng)),
                    15..=34 => Some(picker.released(&mut rng, 5_000)),
                    _ => None,
                };
                match pick {
                    Some(p) => {
                        tally.claim(p.verdict);
                        claims.overrides.push(Some(p.value));
                    }
                    None => {
                        tally.claim(verdict);
                        claims.overrides.push(None);
                    }
                }
            }
            tally.claim(verdict); // null_resource.deploy's triggers.git_sha
            let text = terraform::state(
                a.seed,
                &root,
                &knobs,
                shape,
                s * shape.app,
                &claims,
                &host_name,
            );
            let path = dir.join(root.key());
            std::fs::create_dir_all(path.parent().expect("state directory"))?;
            std::fs::write(path, text)?;
            Ok(tally)
        })
        .collect();
    Tally::sum_of(tallies)
}
