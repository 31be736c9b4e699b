//! Times the Terraform configuration stage (declarations and comparisons, the history walk
//! included) on a generated repository: 200 `.tf` files in 10 root modules, 5,000 commits each
//! changing a literal in one file, and one state per root module whose instances run values
//! from across the history (most at the tip, some unapplied, some never committed).
//!
//! ```text
//! cargo run --release --example tfconfig_history [COMMITS] [FILES]   # default 5000 200
//! ```
//!
//! Prints the repository's shape, the index time, the stage's time and what it did: distinct
//! blobs against blobs parsed (never more: each distinct blob is parsed at most once), trees read,
//! configuration versions, attributes compared. See `docs/performance.md`.

use git2::{Oid, Repository, Signature, Time};
use provenant::git::GitIndex;
use provenant::scan::tfconfig::{self, StateRef};
use provenant::scan::{scan_state_bytes, StateScan};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

const ROOTS: usize = 10;
const RESOURCES_PER_FILE: usize = 3;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let commits = args.first().copied().unwrap_or(5_000);
    let files = args.get(1).copied().unwrap_or(200);
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let sizes = generate(dir.path(), commits, files);
    println!(
        "generated {commits} commits, {files} .tf files in {ROOTS} root modules, {} resources, in {:.1} s",
        files * RESOURCES_PER_FILE,
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let index = GitIndex::open(dir.path(), &[]).expect("index");
    let index_time = started.elapsed().as_secs_f64();
    let tf_blobs = index
        .blobs()
        .iter()
        .filter(|b| b.paths.iter().any(|p| p.ends_with(".tf")))
        .count();
    println!(
        "git index: {:.2} s ({} commits, {} configuration blobs, {tf_blobs} distinct .tf blobs)",
        index_time,
        index.commit_count(),
        index.blob_count()
    );

    let states: Vec<(String, provenant::model::StateDocument)> = (0..ROOTS)
        .map(|root| {
            let display = format!("root{root}.tfstate");
            let bytes = state(root, files, &sizes);
            let document = match scan_state_bytes(bytes.as_bytes(), Path::new(&display), &display) {
                StateScan::State { document, .. } => document,
                _ => panic!("generated state did not read"),
            };
            (display, document)
        })
        .collect();
    let mut components: Vec<_> = states
        .iter()
        .flat_map(|(display, document)| {
            provenant::correlate::components_from_state(
                document,
                display,
                &provenant::policy::Policy::default(),
            )
        })
        .collect();
    let refs: Vec<StateRef<'_>> = states
        .iter()
        .map(|(display, document)| StateRef {
            display,
            document,
            configuration: None,
        })
        .collect();
    let started = Instant::now();
    let outcome = tfconfig::check(&refs, &mut components, &index);
    let stage_time = started.elapsed().as_secs_f64();
    let s = outcome.stats;
    let unapplied = components
        .iter()
        .filter_map(|c| c.config.as_ref())
        .flat_map(|c| &c.differences)
        .filter(|d| d.unapplied.is_some())
        .count();
    println!(
        "configuration stage: {stage_time:.2} s for {} states, {} components",
        refs.len(),
        components.len()
    );
    println!(
        "  blobs parsed {} (distinct .tf blobs {tf_blobs}), trees read {}, directories analysed {}, versions {}",
        s.blobs_parsed, s.trees_read, s.modules_read, s.versions
    );
    println!(
        "  attributes compared {}, not compared {}, differences {} ({unapplied} unapplied, {} drifted)",
        s.attributes_compared,
        s.attributes_not_compared,
        s.differences,
        s.differences - unapplied
    );
    // Roots whose state matches the tip need no history: their old blobs are never read.
    assert!(s.blobs_parsed <= tf_blobs, "a blob was parsed twice");
}

/// The literal of resource `r` in its `version`-th edit.
fn size(version: usize) -> String {
    format!("size-{version}")
}

fn file_text(file: usize, versions: &[usize]) -> String {
    let mut text = String::new();
    for (r, version) in versions.iter().enumerate() {
        text.push_str(&format!(
            "resource \"aws_instance\" \"f{file}_r{r}\" {{\n  ami           = \"ami-{file}\"\n  instance_type = \"{}\"\n  tags = {{\n    Name = \"f{file}-r{r}\"\n    Tier = var.tier\n  }}\n}}\n\n",
            size(*version)
        ));
    }
    text
}

/// Builds the repository; returns, per file, the version of each resource at the tip.
fn generate(dir: &Path, commits: usize, files: usize) -> Vec<Vec<usize>> {
    let repo = Repository::init(dir).expect("init");
    let mut versions: Vec<Vec<usize>> = vec![vec![0; RESOURCES_PER_FILE]; files];
    let mut blobs: BTreeMap<String, Oid> = BTreeMap::new();
    for root in 0..ROOTS {
        let vars = format!("variable \"tier\" {{\n  default = \"tier-{root}\"\n}}\n");
        blobs.insert(
            format!("roots/r{root}/variables.tf"),
            repo.blob(vars.as_bytes()).unwrap(),
        );
    }
    for (file, v) in versions.iter().enumerate() {
        blobs.insert(
            path_of(file),
            repo.blob(file_text(file, v).as_bytes()).unwrap(),
        );
    }
    let mut parent: Option<Oid> = None;
    // A deterministic walk over files and resources.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for n in 0..commits {
        if n > 0 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let file = (seed % files as u64) as usize;
            let r = ((seed >> 32) % RESOURCES_PER_FILE as u64) as usize;
            versions[file][r] += 1;
            blobs.insert(
                path_of(file),
                repo.blob(file_text(file, &versions[file]).as_bytes())
                    .unwrap(),
            );
        }
        let tree = tree_of(&repo, &blobs);
        let tree = repo.find_tree(tree).unwrap();
        let when = Signature::new(
            "Bench",
            "bench@example.com",
            &Time::new(1_700_000_000 + n as i64 * 60, 0),
        )
        .unwrap();
        let parents: Vec<git2::Commit<'_>> = parent
            .map(|p| vec![repo.find_commit(p).unwrap()])
            .unwrap_or_default();
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        parent = Some(
            repo.commit(
                Some("refs/heads/main"),
                &when,
                &when,
                &format!("change {n}"),
                &tree,
                &parents,
            )
            .unwrap(),
        );
    }
    repo.set_head("refs/heads/main").unwrap();
    versions
}

fn path_of(file: usize) -> String {
    format!("roots/r{}/f{file}.tf", file % ROOTS)
}

fn tree_of(repo: &Repository, blobs: &BTreeMap<String, Oid>) -> Oid {
    let mut dirs: BTreeMap<String, Vec<(String, Oid)>> = BTreeMap::new();
    for (path, blob) in blobs {
        let (dir, name) = path.rsplit_once('/').unwrap();
        dirs.entry(dir.to_string())
            .or_default()
            .push((name.to_string(), *blob));
    }
    let mut roots = repo.treebuilder(None).unwrap();
    for (dir, entries) in &dirs {
        let mut builder = repo.treebuilder(None).unwrap();
        for (name, blob) in entries {
            builder.insert(name, *blob, 0o100644).unwrap();
        }
        let name = dir.rsplit_once('/').unwrap().1;
        roots
            .insert(name, builder.write().unwrap(), 0o040000)
            .unwrap();
    }
    let mut top = repo.treebuilder(None).unwrap();
    top.insert("roots", roots.write().unwrap(), 0o040000)
        .unwrap();
    top.write().unwrap()
}

/// The state of root `root`: every resource at its tip value, except one in ten running the
/// value before it (unapplied) and one in fifty running a value no commit had (drift).
fn state(root: usize, files: usize, versions: &[Vec<usize>]) -> String {
    let mut resources: Vec<Value> = Vec::new();
    for file in (0..files).filter(|f| f % ROOTS == root) {
        for (r, version) in versions[file].iter().enumerate() {
            let n = file * RESOURCES_PER_FILE + r;
            let running = if n % 50 == 7 {
                "by-hand".to_string()
            } else if n % 10 == 3 && *version > 0 {
                size(version - 1)
            } else {
                size(*version)
            };
            resources.push(json!({
                "mode": "managed", "type": "aws_instance", "name": format!("f{file}_r{r}"),
                "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                "instances": [{"schema_version": 1, "attributes": {
                    "id": format!("i-{n}"), "ami": format!("ami-{file}"), "instance_type": running,
                    "tags": {"Name": format!("f{file}-r{r}"), "Tier": format!("tier-{root}")}
                }, "sensitive_attributes": []}]
            }));
        }
    }
    json!({"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": format!("bench-{root}"),
           "outputs": {}, "resources": resources})
    .to_string()
}
