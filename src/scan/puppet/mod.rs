//! Puppet: what each node's last runs applied (reports), what the nodes are (facts), and
//! where their managed files come from (catalogs). Read from files (`--puppet PATH`: report
//! YAML as Puppet writes it, JSON data hashes, PuppetDB's wire format and saved query
//! answers) or from a PuppetDB over HTTP (`--puppet https://puppetdb:8081`).
//!
//! Nothing here looks at git: the correlator turns nodes into components, resolves their
//! `configuration_version` against the control repository and judges what their runs changed.

pub mod catalog;
pub mod facts;
pub mod files;
pub mod model;
pub mod nodes;
pub mod puppetdb;
pub mod report;
pub mod yaml;

pub use model::{NodeCatalog, NodeFacts, NodeReport, ResourceEvent, ResourceStatus};
pub use puppetdb::PuppetDbOptions;

use crate::model::Input;
use rayon::prelude::*;
use std::path::Path;

/// Everything read from the Puppet sources.
#[derive(Debug, Default)]
pub struct PuppetScan {
    pub inputs: Vec<Input>,
    /// Every report read, in no particular order (several per node when the sources hold
    /// several runs).
    pub reports: Vec<NodeReport>,
    pub facts: Vec<NodeFacts>,
    pub catalogs: Vec<NodeCatalog>,
}

impl PuppetScan {
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }
}

/// Whether a `--puppet` source names a PuppetDB rather than a file.
pub fn is_puppetdb(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

/// Reads every source: files and directories in parallel, PuppetDBs over HTTP.
pub fn scan(sources: &[String], base_dir: &Path, puppetdb: &PuppetDbOptions) -> PuppetScan {
    let mut scan = PuppetScan::default();
    let mut paths = Vec::new();
    for source in sources {
        if is_puppetdb(source) {
            let fetched = puppetdb::fetch(source, puppetdb);
            scan.inputs.push(fetched.input);
            scan.reports.extend(fetched.reports);
            scan.facts.extend(fetched.facts);
            scan.catalogs.extend(fetched.catalogs);
            continue;
        }
        let path = Path::new(source);
        match files::list(path) {
            Ok(found) if found.is_empty() => scan.inputs.push(Input {
                path: crate::audit::display_path(path, base_dir),
                kind: crate::model::InputKind::Unknown,
                sha256: None,
                status: crate::model::InputStatus::Skipped,
                detail: "no .yaml, .yml or .json file below it: no Puppet report, facts or \
                         catalog was read"
                    .into(),
                line: None,
            }),
            Ok(found) => paths.extend(found),
            Err(e) => scan.inputs.push(Input {
                path: crate::audit::display_path(path, base_dir),
                kind: crate::model::InputKind::Unknown,
                sha256: None,
                status: crate::model::InputStatus::Unreadable,
                detail: format!("cannot list the Puppet source: {e}"),
                line: None,
            }),
        }
    }
    paths.sort();
    paths.dedup();
    let read: Vec<_> = paths
        .par_iter()
        .map(|path| files::read_file(path, &crate::audit::display_path(path, base_dir)))
        .collect();
    for (input, parsed) in read {
        scan.inputs.push(input);
        scan.reports.extend(parsed.reports);
        scan.facts.extend(parsed.facts);
        scan.catalogs.extend(parsed.catalogs);
    }
    scan
}
