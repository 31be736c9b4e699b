//! Terraform configuration as committed, read from git objects (never the working tree), and
//! what it says about each resource a state holds.
//!
//! For each state the audit read, this stage picks the root module that belongs to it (named
//! with `--state PATH=DIR`, else the one whose backend `key`/`path` matches the state's path,
//! else the one whose declarations cover most of the state's addresses) and reads it at the
//! release tip, with the local modules it calls. Each resource instance is then looked up: the
//! block that declares it (through `moved` blocks, by yor trace after a rename, under a
//! registry module whose code is not read), or a `removed` block, or, failing all of those at
//! the tip, the configuration at the commit the resource claims. Every attribute the block
//! sets is compared with the running value when the committed value can be known without
//! Terraform ([`eval`]); a difference is looked up in the configuration's history along the
//! release branches ([`history`]): some earlier version had the running value (committed, not
//! yet applied) or none did (changed outside code). Blocks at the tip that no instance of the
//! state answers are reported as well.
//!
//! Everything read is parsed once per distinct blob ([`config::Loader`]). Results land on the
//! components (`declared_at`, `config`) and in the report's scope: one input per configuration
//! read, one per file that could not be parsed; rules PV004, PV006 and PV011 judge them.

pub mod backend;
pub mod changes;
pub mod compare;
pub mod config;
pub mod eval;
pub mod history;
pub mod lookup;
pub mod module;
pub mod syntax;

use crate::git::{GitIndex, ObjectId};
use crate::model::{
    AbsentDeclaration, AttributeDifference, ClaimKind, CommitRef, Component, ConfigCheck,
    DeclarationStatus, Input, InputKind, InputStatus, Location, ResourceInstance, StateDocument,
    UnappliedValue,
};
use backend::{backend_match, BackendMatch, PathName};
use changes::ReleaseChanges;
use config::{Configuration, Loader};
use eval::{Scope, Setting, Step};
use history::Version;
use lookup::Found;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

/// A state the audit read, as this stage sees it.
pub struct StateRef<'a> {
    /// The state as the report names it.
    pub display: &'a str,
    pub document: &'a StateDocument,
    /// The root module directory named with `--state PATH=DIR`.
    pub configuration: Option<&'a str>,
}

/// What the stage adds to the report.
#[derive(Debug, Default)]
pub struct Outcome {
    /// One input per configuration read, one per committed file that could not be parsed.
    pub inputs: Vec<Input>,
    /// For each state (by its display path): which configuration was chosen and why.
    pub state_notes: Vec<(String, String)>,
    pub absent: Vec<AbsentDeclaration>,
    pub stats: Stats,
}

/// Figures about the work done, for `--verbose` and the benchmarks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub blobs_parsed: usize,
    pub trees_read: usize,
    pub modules_read: usize,
    pub versions: usize,
    pub attributes_compared: usize,
    pub attributes_not_compared: usize,
    pub differences: usize,
}

/// The stage as the audit runs it: reads the configuration of every state (`documents`, by
/// display path; `named` gives the root module directory for some of them, by state path or a
/// directory above it), fills the components, adds the configurations and the files that could
/// not be parsed to `inputs`, and says on each state's input which configuration was chosen
/// and why. Returns the blocks at the tip that the states do not hold, and what it took.
pub fn attach(
    documents: &[(String, StateDocument)],
    named: &[(String, String)],
    components: &mut [Component],
    inputs: &mut Vec<Input>,
    index: &GitIndex,
) -> (Vec<AbsentDeclaration>, Stats) {
    let states: Vec<StateRef<'_>> = documents
        .iter()
        .map(|(display, document)| StateRef {
            display,
            document,
            configuration: named
                .iter()
                .find(|(path, _)| {
                    display == path || path == "." || display.starts_with(&format!("{path}/"))
                })
                .map(|(_, dir)| dir.as_str()),
        })
        .collect();
    let outcome = check(&states, components, index);
    let mut by_path: HashMap<String, usize> = HashMap::new();
    for (i, input) in inputs.iter().enumerate() {
        by_path.entry(input.path.clone()).or_insert(i);
    }
    for (display, note) in outcome.state_notes {
        if let Some(&i) = by_path.get(&display) {
            let input = &mut inputs[i];
            input.detail = format!("{}; {note}", input.detail);
        }
    }
    inputs.extend(outcome.inputs);
    (outcome.absent, outcome.stats)
}

/// Reads the committed configuration of every state and fills `declared_at` and `config` of
/// their components.
pub fn check(states: &[StateRef<'_>], components: &mut [Component], index: &GitIndex) -> Outcome {
    let mut outcome = Outcome::default();
    let Some(tip) = index.release_tip() else {
        return outcome;
    };
    let loader = match Loader::new(index) {
        Ok(loader) => loader,
        Err(e) => {
            for state in states {
                outcome.state_notes.push((
                    state.display.to_string(),
                    format!("committed configuration not read: {e}"),
                ));
            }
            return outcome;
        }
    };
    let shared = Shared::default();
    let mut chooser = Stage::new(index, tip, loader, &shared);
    let choices: Vec<Result<Choice, String>> = states.iter().map(|s| chooser.choose(s)).collect();

    // Each state's components, found once: a thousand states of fifty thousand components
    // would otherwise compare every component with every state.
    let mut by_state: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, component) in components.iter().enumerate() {
        if let Some(state) = component.properties.get("state") {
            by_state.entry(state.clone()).or_default().push(i);
        }
    }
    let mut slots: Vec<Option<&mut Component>> = components.iter_mut().map(Some).collect();
    // The states of one root module one after the other, so that its history (the versions
    // of its configuration, with every module they read) is dropped once they are done: held
    // for a thousand root modules, histories were most of the stage's memory.
    let mut order: Vec<usize> = (0..states.len()).collect();
    order.sort_by(|&a, &b| {
        let root = |i: usize| choices[i].as_ref().ok().map(|c| c.root.as_str());
        root(a).cmp(&root(b))
    });
    let mut choices: Vec<Option<Result<Choice, String>>> = choices.into_iter().map(Some).collect();
    let work: Vec<Work<'_, '_>> = order
        .iter()
        .map(|&i| {
            let state = &states[i];
            let mine = by_state
                .get(state.display)
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .filter_map(|&c| slots[c].take())
                .collect();
            let choice = choices[i].take().unwrap_or_else(|| Err(String::new()));
            Work {
                state,
                choice,
                mine,
            }
        })
        .collect();

    let parts = split_by_root(work, rayon::current_num_threads());
    let results = run_parts(chooser, parts, &shared);
    let mut stats = Stats::default();
    for (part, part_stats) in results {
        outcome.inputs.extend(part.inputs);
        outcome.state_notes.extend(part.state_notes);
        outcome.absent.extend(part.absent);
        stats.add(&part_stats);
    }
    outcome.stats = stats;
    outcome.inputs.sort_by(|a, b| a.path.cmp(&b.path));
    // A file that could not be parsed, met by two threads through a module both read.
    outcome.inputs.dedup_by(|a, b| a.path == b.path);
    outcome.absent.sort_by(|a, b| {
        (&a.state, &a.declared_at, &a.address).cmp(&(&b.state, &b.declared_at, &b.address))
    });
    outcome
}

/// Runs the parts, the first with `chooser` (which read the root modules at the tip), each
/// other on a thread of its own.
fn run_parts<'i>(
    chooser: Stage<'i>,
    parts: Vec<Vec<Work<'_, '_>>>,
    shared: &'i Shared,
) -> Vec<(Outcome, Stats)> {
    // Root modules are independent: their groups are shared out between threads, each with
    // its own reader of the repository (libgit2's are not shared between threads).
    let mut parts = parts.into_iter();
    let mut first = parts.next().unwrap_or_default();
    let mut others: Vec<(Vec<Work<'_, '_>>, Stage<'_>)> = Vec::new();
    for part in parts {
        match Loader::new(chooser.index) {
            Ok(loader) => {
                let mut stage = Stage::new(chooser.index, chooser.tip, loader, shared);
                stage.tip_configs = chooser.tip_configs.clone();
                others.push((part, stage));
            }
            // It was opened once already; should a second reader fail, the first thread
            // does this part too.
            Err(_) => first.extend(part),
        }
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = others
            .into_iter()
            .map(|(part, stage)| scope.spawn(move || run_part(stage, part)))
            .collect();
        let mut results = vec![run_part(chooser, first)];
        for handle in handles {
            match handle.join() {
                Ok(result) => results.push(result),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        results
    })
}

/// One state to check: the root module chosen for it and its components.
struct Work<'s, 'c> {
    state: &'s StateRef<'s>,
    choice: Result<Choice, String>,
    mine: Vec<&'c mut Component>,
}

/// `work` (grouped by root module) cut into at most `parts` runs of whole groups, of about
/// as many components each.
fn split_by_root<'s, 'c>(work: Vec<Work<'s, 'c>>, parts: usize) -> Vec<Vec<Work<'s, 'c>>> {
    let total: usize = work.iter().map(|w| w.mine.len() + 1).sum();
    let share = total.div_ceil(parts.max(1));
    let mut out: Vec<Vec<Work<'s, 'c>>> = vec![Vec::new()];
    let mut size = 0;
    let mut last_root: Option<String> = None;
    for item in work {
        let root = item.choice.as_ref().ok().map(|c| c.root.clone());
        let new_group = root.is_none() || root != last_root;
        if new_group && size >= share && out.len() < parts {
            out.push(Vec::new());
            size = 0;
        }
        size += item.mine.len() + 1;
        last_root = root;
        out.last_mut().expect("one part at least").push(item);
    }
    out
}

/// Checks one run of states with `stage`, dropping a root's history after its last state.
fn run_part(mut stage: Stage<'_>, work: Vec<Work<'_, '_>>) -> (Outcome, Stats) {
    let mut outcome = Outcome::default();
    let roots: Vec<Option<String>> = work
        .iter()
        .map(|w| w.choice.as_ref().ok().map(|c| c.root.clone()))
        .collect();
    for (k, item) in work.into_iter().enumerate() {
        let Work {
            state,
            choice,
            mut mine,
        } = item;
        stage.check_state(state, choice, &mut mine, &mut outcome);
        if let Some(root) = &roots[k] {
            if roots.get(k + 1).and_then(Option::as_ref) != Some(root) {
                stage.histories.remove(root);
            }
        }
    }
    stage.stats.blobs_parsed = stage.loader.blobs_parsed;
    stage.stats.trees_read = stage.loader.reader.trees_read();
    stage.stats.modules_read = stage.loader.modules_read();
    (outcome, stage.stats)
}

/// What the threads of the stage compute once for all of them, the first time one needs it.
#[derive(Default)]
struct Shared {
    /// What each release commit changed.
    changes: OnceLock<ReleaseChanges>,
    /// The release history up to the tip.
    up_to_tip: OnceLock<HashSet<ObjectId>>,
}

impl Stats {
    fn add(&mut self, other: &Stats) {
        self.blobs_parsed += other.blobs_parsed;
        self.trees_read += other.trees_read;
        self.modules_read += other.modules_read;
        self.versions += other.versions;
        self.attributes_compared += other.attributes_compared;
        self.attributes_not_compared += other.attributes_not_compared;
        self.differences += other.differences;
    }
}

/// A configuration with the scopes of its nodes.
struct Read {
    config: Arc<Configuration>,
    scopes: Arc<Vec<Scope>>,
}

struct Stage<'i> {
    index: &'i GitIndex,
    tip: ObjectId,
    loader: Loader<'i>,
    /// The root modules at the tip, found the first time a state needs one.
    roots: Option<Vec<RootModule>>,
    tip_configs: HashMap<(ObjectId, String), Option<Arc<Read>>>,
    histories: HashMap<String, Arc<Vec<Version>>>,
    shared: &'i Shared,
    /// Configurations already listed in the scope.
    reported: BTreeSet<String>,
    stats: Stats,
}

/// A root module at the release tip, with the state its backend names.
struct RootModule {
    dir: String,
    read: Arc<Read>,
    /// The backend's type, its `key`/`path`/`prefix` and that split for matching.
    backend: Option<(String, String, PathName)>,
}

/// Which root module a state was matched with, and why.
struct Choice {
    root: String,
    why: String,
}

impl<'i> Stage<'i> {
    fn new(index: &'i GitIndex, tip: ObjectId, loader: Loader<'i>, shared: &'i Shared) -> Self {
        Stage {
            index,
            tip,
            loader,
            roots: None,
            tip_configs: HashMap::new(),
            histories: HashMap::new(),
            shared,
            reported: BTreeSet::new(),
            stats: Stats::default(),
        }
    }

    fn read(&mut self, commit: ObjectId, root: &str) -> Option<Arc<Read>> {
        let key = (commit, root.to_string());
        if let Some(read) = self.tip_configs.get(&key) {
            return read.clone();
        }
        let read = self.loader.configuration(commit, root).map(|config| {
            let scopes = Arc::new(eval::scopes(&config));
            Arc::new(Read {
                config: Arc::new(config),
                scopes,
            })
        });
        self.tip_configs.insert(key, read.clone());
        read
    }

    fn history(&mut self, root: &str) -> Arc<Vec<Version>> {
        if let Some(h) = self.histories.get(root) {
            return h.clone();
        }
        let index = self.index;
        let changes = self
            .shared
            .changes
            .get_or_init(|| ReleaseChanges::new(index));
        let versions = Arc::new(history::versions(&mut self.loader, changes, root));
        self.stats.versions += versions.len();
        self.histories.insert(root.to_string(), versions.clone());
        versions
    }

    /// `mine`: the state's components.
    fn check_state(
        &mut self,
        state: &StateRef<'_>,
        choice: Result<Choice, String>,
        mine: &mut [&mut Component],
        outcome: &mut Outcome,
    ) {
        let short = self.tip.short();
        let choice = match choice {
            Ok(choice) => choice,
            Err(note) => {
                outcome.state_notes.push((state.display.to_string(), note));
                return;
            }
        };
        let Some(read) = self.read(self.tip, &choice.root) else {
            outcome.state_notes.push((
                state.display.to_string(),
                format!(
                    "configuration {} ({}) holds no .tf file at {short}: PV004, PV006 and PV011 not checked",
                    shown_dir(&choice.root),
                    choice.why
                ),
            ));
            return;
        };
        let configuration = format!("{}@{short}", shown_dir(&choice.root));
        outcome.state_notes.push((
            state.display.to_string(),
            format!("configuration {configuration} ({})", choice.why),
        ));
        let instances: HashMap<(&str, Option<&str>), &ResourceInstance> = state
            .document
            .managed()
            .map(|i| ((i.address.as_str(), i.deposed.as_deref()), i))
            .collect();
        let yor = yor_index(&read.config);
        let mut answered: BTreeSet<(usize, usize)> = BTreeSet::new();
        let (mut compared, mut not_compared) = (0usize, 0usize);
        for component in mine.iter_mut() {
            let component = &mut **component;
            let address = component
                .properties
                .get("address")
                .cloned()
                .unwrap_or_default();
            let deposed = component.properties.get("deposed").cloned();
            let Some(instance) = instances.get(&(address.as_str(), deposed.as_deref())) else {
                continue;
            };
            let check = self.check_instance(
                &choice.root,
                &read,
                &yor,
                instance,
                component,
                &configuration,
                &mut answered,
            );
            compared += check.attributes_compared as usize;
            not_compared += check.attributes_not_compared as usize;
            component.config = Some(check);
        }
        self.stats.attributes_compared += compared;
        self.stats.attributes_not_compared += not_compared;
        self.absent(state, &read, &answered, &configuration, outcome);
        self.report_configuration(
            &read,
            &configuration,
            state,
            compared,
            not_compared,
            outcome,
        );
    }

    /// The root module for a state: named, else by backend, else by overlap.
    fn choose(&mut self, state: &StateRef<'_>) -> Result<Choice, String> {
        if let Some(dir) = state.configuration {
            return Ok(Choice {
                root: normal_dir(dir),
                why: "named with --state PATH=DIR".into(),
            });
        }
        if self.roots.is_none() {
            let mut roots = Vec::new();
            for dir in self.loader.root_dirs(self.tip) {
                let Some(read) = self.read(self.tip, &dir) else {
                    continue;
                };
                let backend = match &read.config.nodes[0].module.backend {
                    Some((kind, Some(setting))) => {
                        Some((kind.clone(), setting.clone(), PathName::new(setting)))
                    }
                    _ => None,
                };
                roots.push(RootModule { dir, read, backend });
            }
            self.roots = Some(roots);
        }
        let roots = self.roots.as_ref().expect("found above");
        let state_name = PathName::new(state.display);
        // A backend naming the state decides; only without one are addresses counted, which
        // costs a look-up of every address in every root module.
        let mut by_backend: Vec<(BackendMatch, &str, String)> = Vec::new();
        let mut elsewhere: Vec<&RootModule> = Vec::new();
        let mut candidates: Vec<&RootModule> = Vec::new();
        for root in roots {
            if let Some((kind, setting, key)) = &root.backend {
                match backend_match(&state_name, key) {
                    BackendMatch::Other => {
                        // Its backend names another state: the state is not this root's,
                        // however many addresses they share (another environment, say).
                        elsewhere.push(root);
                        continue;
                    }
                    BackendMatch::Unknown => {}
                    found => by_backend.push((
                        found,
                        &root.dir,
                        format!("backend \"{kind}\" names {setting}"),
                    )),
                }
            }
            candidates.push(root);
        }
        by_backend.sort_by_key(|(found, root, _)| (*found, *root));
        if let Some((_, root, why)) = by_backend.into_iter().next() {
            return Ok(Choice {
                root: root.to_string(),
                why,
            });
        }
        let addresses: Vec<String> = state
            .document
            .managed()
            .map(|i| lookup::relative_address(&i.module, false, &i.resource_type, &i.name))
            .collect();
        let mut best: Option<((usize, usize), String)> = None;
        for root in candidates {
            let config = &root.read.config;
            let declared = addresses
                .iter()
                .filter(|a| lookup::find(config, a) != Found::Nothing)
                .count();
            let near = addresses.iter().filter(|a| lookup::near(config, a)).count();
            let score = (declared, near);
            if score > (0, 0) && best.as_ref().is_none_or(|(n, _)| score > *n) {
                best = Some((score, root.dir.clone()));
            }
        }
        let Some(((declared, near), root)) = best else {
            let mut note = format!(
                "no committed configuration at {} declares its resources",
                self.tip.short()
            );
            if !elsewhere.is_empty() {
                let named: Vec<String> = elsewhere
                    .iter()
                    .filter_map(|root| {
                        let (_, setting, _) = root.backend.as_ref()?;
                        Some(format!("{} (backend key {setting})", shown_dir(&root.dir)))
                    })
                    .collect();
                note.push_str(&format!(
                    "; not chosen because their backend names another state: {}",
                    named.join(", ")
                ));
            }
            note.push_str(" (name one with --state PATH=DIR): PV004, PV006 and PV011 not checked");
            return Err(note);
        };
        let why = if declared > 0 {
            format!(
                "declares {declared} of its {} resource addresses, more than any other root module",
                addresses.len()
            )
        } else {
            format!(
                "declares none of its resource addresses, but has the module path and resource type of {near} of them, more than any other root module"
            )
        };
        Ok(Choice { root, why })
    }

    #[allow(clippy::too_many_arguments)]
    fn check_instance(
        &mut self,
        root: &str,
        read: &Arc<Read>,
        yor: &HashMap<String, (usize, usize)>,
        instance: &ResourceInstance,
        component: &mut Component,
        configuration: &str,
        answered: &mut BTreeSet<(usize, usize)>,
    ) -> ConfigCheck {
        let config = &read.config;
        let address = lookup::relative_address(
            &instance.module,
            false,
            &instance.resource_type,
            &instance.name,
        );
        let mut check = ConfigCheck {
            configuration: configuration.to_string(),
            status: DeclarationStatus::Undeclared,
            detail: String::new(),
            attributes_compared: 0,
            attributes_not_compared: 0,
            not_compared: Vec::new(),
            differences: Vec::new(),
        };
        let mut found = lookup::find(config, &address);
        let mut by_yor = None;
        if found == Found::Nothing {
            let trace = component
                .claims
                .iter()
                .find(|c| c.kind == ClaimKind::TraceId)
                .map(|c| c.value.clone());
            if let Some((node, resource)) = trace.as_ref().and_then(|t| yor.get(t)) {
                by_yor = trace.clone();
                found = Found::Resource {
                    node: *node,
                    resource: *resource,
                    moved: Vec::new(),
                };
            }
        }
        match found {
            Found::Resource {
                node,
                resource,
                moved,
            } => {
                answered.insert((node, resource));
                let decl = &config.nodes[node].module.resources[resource];
                let at = Location::at_line(config.file_path(node, decl.file), Some(decl.line));
                component.declared_at = Some(at.clone());
                let pattern = lookup::pattern(config, node, resource);
                if let Some(trace) = by_yor {
                    check.status = DeclarationStatus::YorTrace;
                    check.detail = format!("{pattern} at {at} carries the same yor_trace {trace}");
                } else if let Some(&(mnode, mblock)) = moved.last() {
                    let block = &config.nodes[mnode].module.moved[mblock];
                    check.status = DeclarationStatus::Moved;
                    check.detail = format!(
                        "a moved block at {}:{} leads to {pattern}",
                        config.file_path(mnode, block.file),
                        block.line
                    );
                } else {
                    check.status = DeclarationStatus::Declared;
                    check.detail = format!("{pattern} at {at}");
                }
                if instance.deposed.is_none() {
                    self.compare(root, read, node, resource, instance, &mut check);
                }
            }
            Found::ModuleCall { node, call } => {
                let c = &config.nodes[node].module.calls[call];
                let at = Location::at_line(config.file_path(node, c.file), Some(c.line));
                component.declared_at = Some(at.clone());
                check.status = DeclarationStatus::ModuleCall;
                check.detail = match &c.source {
                    Some(source) if c.local_dir(&config.nodes[node].dir).is_some() => format!(
                        "module.{} at {at} calls {source}, which is not in the commit: its code was not read",
                        c.name
                    ),
                    Some(source) => format!(
                        "module.{} at {at} calls {source}: the module's code was not read",
                        c.name
                    ),
                    None => format!(
                        "module.{} at {at} has a source that is not a literal: its code was not read",
                        c.name
                    ),
                };
            }
            Found::Removed { node, block } => {
                let b = &config.nodes[node].module.removed[block];
                let at = Location::at_line(config.file_path(node, b.file), Some(b.line));
                component.declared_at = Some(at.clone());
                check.status = DeclarationStatus::Removed;
                check.detail =
                    format!("a removed block at {at}: the removal is committed, not applied");
            }
            Found::Nothing => {
                self.at_claimed_commit(root, &address, component, &mut check);
            }
        }
        check.not_compared.sort();
        check
    }

    /// Looks the address up in the configuration at each commit the component claims.
    fn at_claimed_commit(
        &mut self,
        root: &str,
        address: &str,
        component: &mut Component,
        check: &mut ConfigCheck,
    ) {
        let claimed: Vec<ObjectId> = component
            .traces
            .iter()
            .filter_map(|t| t.commit.as_ref())
            .filter_map(|c| ObjectId::from_hex(&c.id))
            .collect();
        for commit in claimed {
            let Some(read) = self.read(commit, root) else {
                continue;
            };
            let config = &read.config;
            let at = match lookup::find(config, address) {
                Found::Resource { node, resource, .. } => {
                    let decl = &config.nodes[node].module.resources[resource];
                    Location::at_line(config.file_path(node, decl.file), Some(decl.line))
                }
                Found::ModuleCall { node, call } => {
                    let c = &config.nodes[node].module.calls[call];
                    Location::at_line(config.file_path(node, c.file), Some(c.line))
                }
                _ => continue,
            };
            check.status = DeclarationStatus::ClaimedCommit;
            check.detail = format!(
                "not declared at the release tip; declared at the claimed commit {} ({at})",
                commit.short()
            );
            component.declared_at = Some(at);
            return;
        }
        check.detail = format!(
            "no block declares {address} at the release tip{}",
            if component.traces.iter().any(|t| t.commit.is_some()) {
                " nor at the claimed commit"
            } else {
                ""
            }
        );
    }

    /// Compares every attribute the block sets with the running value.
    fn compare(
        &mut self,
        root: &str,
        read: &Arc<Read>,
        node: usize,
        resource: usize,
        instance: &ResourceInstance,
        check: &mut ConfigCheck,
    ) {
        let config = &read.config;
        let decl = &config.nodes[node].module.resources[resource];
        let settings = eval::settings(
            &decl.block.body,
            &decl.repetition,
            &read.scopes[node],
            instance.index_key.as_ref(),
        );
        let tip_address = lookup::pattern(config, node, resource).replace("[*]", "");
        let attributes = instance.attributes.value();
        let positions = block_positions(&settings, &attributes);
        for setting in settings {
            let name = eval::path_text(&setting.path);
            let committed = match &setting.value {
                Err(why) => {
                    check.attributes_not_compared += 1;
                    check.not_compared.push(format!("{name}: {why}"));
                    continue;
                }
                Ok(Value::Null) => {
                    check.attributes_not_compared += 1;
                    check
                        .not_compared
                        .push(format!("{name}: null, left to the provider"));
                    continue;
                }
                Ok(value) => value,
            };
            let in_state = match setting.path.split_first() {
                Some((Step::Block(kind, o), rest)) => {
                    let at = positions.get(&(kind.clone(), *o)).copied().unwrap_or(*o);
                    let mut path = vec![Step::Block(kind.clone(), at)];
                    path.extend_from_slice(rest);
                    path
                }
                _ => setting.path.clone(),
            };
            let Some(running) = compare::running_value(&attributes, &in_state) else {
                check.attributes_not_compared += 1;
                check.not_compared.push(format!("{name}: not in the state"));
                continue;
            };
            let mode = mode(config, &setting, instance);
            let sensitive = mode == Mode::Digest;
            check.attributes_compared += 1;
            if same(committed, &running, mode) {
                continue;
            }
            self.stats.differences += 1;
            let unapplied =
                self.find_in_history(root, instance, &tip_address, &setting.path, &running, mode);
            check.differences.push(AttributeDifference {
                attribute: name,
                sensitive,
                running: (!sensitive).then(|| compare::show(&running)),
                committed: (!sensitive).then(|| compare::show(committed)),
                committed_at: Location::at_line(
                    config.file_path(node, decl.file),
                    Some(setting.line),
                ),
                unapplied,
            });
        }
    }

    /// The latest earlier version of the configuration whose value equals the running one:
    /// the commit that set it and the one that changed it after.
    fn find_in_history(
        &mut self,
        root: &str,
        instance: &ResourceInstance,
        tip_address: &str,
        path: &[Step],
        running: &Value,
        mode: Mode,
    ) -> Option<UnappliedValue> {
        let versions = self.history(root);
        let tip_position = versions
            .iter()
            .rposition(|v| v.commit == self.tip)
            .or_else(|| {
                // The tip changed nothing: its version is the last one before it.
                let before = self.shared.up_to_tip.get_or_init(|| {
                    let history = self.index.release_history();
                    let tip_at = history.iter().position(|c| *c == self.tip);
                    let upto = tip_at.map(|t| &history[..=t]).unwrap_or(&[]);
                    upto.iter().copied().collect()
                });
                versions.iter().rposition(|v| before.contains(&v.commit))
            })?;
        let address = lookup::relative_address(
            &instance.module,
            false,
            &instance.resource_type,
            &instance.name,
        );
        let value_at = |v: &Version| -> Option<Value> {
            let config = v.config.as_ref()?;
            let (node, resource) = [address.as_str(), tip_address].iter().find_map(|a| {
                match lookup::find(config, a) {
                    Found::Resource { node, resource, .. } => Some((node, resource)),
                    _ => None,
                }
            })?;
            let decl = &config.nodes[node].module.resources[resource];
            eval::setting_at(
                &decl.block.body,
                &decl.repetition,
                &v.scopes()[node],
                instance.index_key.as_ref(),
                path,
            )
            .and_then(|s| s.value.ok())
        };
        let matches = |v: &Version| value_at(v).is_some_and(|c| same(&c, running, mode));
        let latest = (0..tip_position).rev().find(|&k| matches(&versions[k]))?;
        let mut first = latest;
        while first > 0 && matches(&versions[first - 1]) {
            first -= 1;
        }
        let had = &versions[first];
        let changed_by = &versions[latest + 1];
        let had_at = had
            .config
            .as_ref()
            .and_then(|config| {
                let (node, resource) = match lookup::find(config, &address) {
                    Found::Resource { node, resource, .. } => Some((node, resource)),
                    _ => match lookup::find(config, tip_address) {
                        Found::Resource { node, resource, .. } => Some((node, resource)),
                        _ => None,
                    },
                }?;
                let decl = &config.nodes[node].module.resources[resource];
                Some(Location::at_line(
                    config.file_path(node, decl.file),
                    Some(decl.line),
                ))
            })
            .unwrap_or_else(|| Location::file(had.commit.short()));
        Some(UnappliedValue {
            had: self.commit_ref(had.commit),
            had_at,
            changed_by: self.commit_ref(changed_by.commit),
        })
    }

    fn commit_ref(&self, id: ObjectId) -> CommitRef {
        match self.index.commit(&id) {
            Some(c) => CommitRef {
                id: id.to_hex(),
                author: format!("{} <{}>", c.author_name, c.author_email),
                date: crate::time::rfc3339(c.author_time),
                summary: c.summary.clone(),
            },
            None => CommitRef {
                id: id.to_hex(),
                author: String::new(),
                date: String::new(),
                summary: String::new(),
            },
        }
    }

    /// Resource blocks at the tip that no instance of the state answers (PV011).
    fn absent(
        &mut self,
        state: &StateRef<'_>,
        read: &Arc<Read>,
        answered: &BTreeSet<(usize, usize)>,
        configuration: &str,
        outcome: &mut Outcome,
    ) {
        let config = &read.config;
        for (n, node) in config.nodes.iter().enumerate() {
            if !instantiated(config, &read.scopes, n) {
                continue;
            }
            for (r, decl) in node.module.resources.iter().enumerate() {
                if decl.data || answered.contains(&(n, r)) {
                    continue;
                }
                // A count or for_each that is zero or cannot be known declares no instance
                // that must exist.
                if eval::instance_count(&decl.repetition, &read.scopes[n]).unwrap_or(0) == 0 {
                    continue;
                }
                let introduced_by = self.last_change(&config.root, n, r, config);
                outcome.absent.push(AbsentDeclaration {
                    state: state.display.to_string(),
                    address: lookup::pattern(config, n, r),
                    declared_at: Location::at_line(config.file_path(n, decl.file), Some(decl.line)),
                    configuration: configuration.to_string(),
                    introduced_by,
                });
            }
        }
    }

    /// The version that introduced a block as the tip has it (same type, name and body).
    fn last_change(
        &mut self,
        root: &str,
        node: usize,
        resource: usize,
        tip: &Configuration,
    ) -> Option<CommitRef> {
        let address = lookup::pattern(tip, node, resource).replace("[*]", "");
        let body = &tip.nodes[node].module.resources[resource].block.body;
        let versions = self.history(root);
        let mut introduced = None;
        for v in versions.iter() {
            let same_block = v.config.as_ref().is_some_and(|config| {
                matches!(lookup::find(config, &address), Found::Resource { node, resource, .. }
                    if &config.nodes[node].module.resources[resource].block.body == body)
            });
            match (same_block, introduced) {
                (true, None) => introduced = Some(v.commit),
                (false, Some(_)) => introduced = None,
                _ => {}
            }
        }
        introduced.map(|c| self.commit_ref(c))
    }

    fn report_configuration(
        &mut self,
        read: &Arc<Read>,
        configuration: &str,
        state: &StateRef<'_>,
        compared: usize,
        not_compared: usize,
        outcome: &mut Outcome,
    ) {
        let config = &read.config;
        let mut manifest = String::new();
        let (mut files, mut resources, mut remote) = (0, 0, 0);
        for node in &config.nodes {
            for file in node.module.files.iter().chain(&node.module.var_files) {
                manifest.push_str(&format!(
                    "{} {}\n",
                    file.blob,
                    config::join(&node.dir, &file.name)
                ));
                files += 1;
            }
            resources += node.module.resources.iter().filter(|r| !r.data).count();
            remote += node
                .module
                .calls
                .iter()
                .filter(|c| c.local_dir(&node.dir).is_none())
                .count();
        }
        let mut detail = format!(
            "{}, {}, {}; for {}: {compared} attributes compared, {not_compared} not compared",
            plural(files, "file"),
            plural(resources, "resource block"),
            plural(config.nodes.len(), "module"),
            state.display
        );
        if remote > 0 {
            detail.push_str(&format!(
                "; {remote} registry or remote module calls whose code was not read"
            ));
        }
        if let Some(input) = outcome.inputs.iter_mut().find(|i| i.path == configuration) {
            input.detail.push_str(&format!(
                "; for {}: {compared} attributes compared, {not_compared} not compared",
                state.display
            ));
        } else {
            outcome.inputs.push(Input {
                path: configuration.to_string(),
                kind: InputKind::TerraformConfig,
                sha256: Some(crate::model::id::sha256_hex(manifest.as_bytes())),
                status: InputStatus::Read,
                detail,
                line: None,
            });
        }
        for node in &config.nodes {
            for (file, error) in node.module.errors() {
                let path = format!(
                    "{}:{}",
                    config.commit.short(),
                    config::join(&node.dir, &file.name)
                );
                if !self.reported.insert(path.clone()) {
                    continue;
                }
                outcome.inputs.push(Input {
                    path,
                    kind: InputKind::TerraformConfig,
                    sha256: self
                        .index
                        .blob_by_git_id(&file.blob)
                        .map(|b| b.sha256.clone()),
                    status: InputStatus::Unreadable,
                    detail: format!(
                        "{}; the blocks it holds were not read, so resources it declares may be reported undeclared",
                        error.message
                    ),
                    line: error.line,
                });
            }
        }
    }
}

/// For each nested block (type, ordinal in the block), the element of the state's list it is
/// compared with. Providers keep many nested blocks as sets, in an order of their own: each
/// committed block goes with the state element that agrees with it on the most attributes,
/// the one at the same position on a tie.
fn block_positions(settings: &[Setting], attributes: &Value) -> HashMap<(String, usize), usize> {
    let mut by_kind: HashMap<&str, Vec<usize>> = HashMap::new();
    for setting in settings {
        if let Some(Step::Block(kind, o)) = setting.path.first() {
            let ordinals = by_kind.entry(kind.as_str()).or_default();
            if !ordinals.contains(o) {
                ordinals.push(*o);
            }
        }
    }
    let mut positions = HashMap::new();
    for (kind, ordinals) in by_kind {
        let Some(Value::Array(elements)) = attributes.get(kind) else {
            continue;
        };
        let score = |o: usize, e: &Value| {
            settings
                .iter()
                .filter(
                    |s| matches!(s.path.first(), Some(Step::Block(k, x)) if k == kind && *x == o),
                )
                .filter(|s| {
                    let (Ok(value), Some(running)) =
                        (&s.value, compare::running_value(e, &s.path[1..]))
                    else {
                        return false;
                    };
                    compare::equal(value, &running)
                })
                .count()
        };
        let mut used = vec![false; elements.len()];
        for o in ordinals {
            let best = (0..elements.len())
                .filter(|&e| !used[e])
                .max_by_key(|&e| (score(o, &elements[e]), e == o, std::cmp::Reverse(e)));
            if let Some(e) = best {
                used[e] = true;
                positions.insert((kind.to_string(), o), e);
            }
        }
    }
    positions
}

/// Whether a node's module calls all have at least one instance (a call with a count or
/// for_each that is zero or unknown may have none).
fn instantiated(config: &Configuration, scopes: &[Scope], mut node: usize) -> bool {
    while let (Some(parent), Some(call)) = (config.nodes[node].parent, config.nodes[node].call) {
        let call = &config.nodes[parent].module.calls[call];
        if eval::instance_count(&call.repetition, &scopes[parent]).unwrap_or(0) == 0 {
            return false;
        }
        node = parent;
    }
    true
}

/// Every yor trace the configuration's resource blocks carry.
fn yor_index(config: &Configuration) -> HashMap<String, (usize, usize)> {
    let mut index = HashMap::new();
    for (n, node) in config.nodes.iter().enumerate() {
        for (r, decl) in node.module.resources.iter().enumerate() {
            if let Some(trace) = eval::yor_trace(&decl.block.body) {
                index.entry(trace).or_insert((n, r));
            }
        }
    }
    index
}

fn is_sensitive(setting: &Setting, instance: &ResourceInstance) -> bool {
    setting.sensitive
        || instance.is_sensitive(&compare::state_path(&setting.path))
        || setting.path.iter().any(|s| match s {
            Step::Key(k) | Step::Block(k, _) => crate::correlate::is_secret_key(k),
        })
}

/// How a committed value is compared with the running one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Equal,
    /// Sensitive: by digest.
    Digest,
    /// `tags` under a provider's `default_tags`: the members the block sets.
    Members,
}

fn mode(config: &Configuration, setting: &Setting, instance: &ResourceInstance) -> Mode {
    if is_sensitive(setting, instance) {
        Mode::Digest
    } else if config.nodes[0].module.default_tags
        && matches!(setting.path.as_slice(), [Step::Key(k)] if k == "tags")
    {
        Mode::Members
    } else {
        Mode::Equal
    }
}

fn same(committed: &Value, running: &Value, mode: Mode) -> bool {
    match mode {
        Mode::Digest => compare::digest(committed) == compare::digest(running),
        Mode::Equal => compare::equal(committed, running),
        Mode::Members => compare::equal_members(committed, running),
    }
}

/// `1 file`, `2 files`.
fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// `terraform/prod`, `./terraform/prod/` → `terraform/prod`; the root is `""`.
fn normal_dir(dir: &str) -> String {
    dir.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// The root directory as the report shows it: `.` for the repository root.
fn shown_dir(dir: &str) -> &str {
    if dir.is_empty() {
        "."
    } else {
        dir
    }
}
