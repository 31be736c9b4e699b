//! What the Puppet readers produce, whatever they read: report files (YAML or JSON), PuppetDB's
//! wire format and query rows, or PuppetDB over HTTP. Values are kept as the text Puppet wrote:
//! a `configuration_version` of `0012345` or `12e4567` is that text, never a number.

use crate::model::Location;
use std::collections::BTreeMap;

/// One run of the Puppet agent (or `puppet apply`) on one node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeReport {
    /// The node's certname (`host` in agent reports, `certname` in PuppetDB).
    pub certname: String,
    pub environment: Option<String>,
    /// As written; `None` when absent or null.
    pub configuration_version: Option<String>,
    /// The code id a Code Manager or PuppetDB reports (a commit on r10k/Code Manager setups).
    pub code_id: Option<String>,
    /// When the run started (`time`, `start_time`), as written.
    pub time: Option<String>,
    /// The same instant as seconds and nanoseconds since the epoch, when `time` parses.
    pub instant: Option<(i64, u32)>,
    pub report_format: Option<String>,
    pub puppet_version: Option<String>,
    pub status: Option<String>,
    pub noop: bool,
    pub transaction_uuid: Option<String>,
    pub catalog_uuid: Option<String>,
    /// Every resource the run evaluated; resources without events too when the report has them.
    pub resources: Vec<ResourceStatus>,
    /// Whether `resources` lists only resources with events (PuppetDB's legacy
    /// `resource_events`, and its event query rows): then a resource absent from the list was
    /// in sync, not unknown.
    pub events_only: bool,
    /// Where the report was read: the file (or URL), and the line of its start.
    pub origin: Location,
}

/// One resource as a report saw it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceStatus {
    pub resource_type: String,
    pub title: String,
    /// The manifest that declares it, and the line, when Puppet recorded them.
    pub file: Option<String>,
    pub line: Option<u32>,
    pub changed: bool,
    /// `corrective_change` as Puppet wrote it: `None` when absent or null.
    pub corrective_change: Option<bool>,
    pub events: Vec<ResourceEvent>,
    /// Where in the report the resource is.
    pub origin: Location,
}

impl ResourceStatus {
    /// `File[/etc/motd]`, as Puppet writes a resource reference.
    pub fn reference(&self) -> String {
        format!("{}[{}]", self.resource_type, self.title)
    }

    /// Whether the run changed the resource: an event that succeeded (a noop run's events have
    /// status `noop`, a failed change `failure`).
    pub fn applied_change(&self) -> bool {
        self.events.iter().any(ResourceEvent::applied)
    }
}

/// One property change (or attempted change) of a resource.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceEvent {
    pub property: Option<String>,
    /// The value before the run, as text (JSON for a list or a map).
    pub previous_value: Option<String>,
    /// The value the catalog asked for.
    pub desired_value: Option<String>,
    pub message: Option<String>,
    /// `success`, `failure`, `noop`, `audit`.
    pub status: Option<String>,
    pub corrective_change: Option<bool>,
    /// Puppet marked the values as sensitive and wrote `[redacted]` in their place.
    pub redacted: bool,
}

impl ResourceEvent {
    pub fn applied(&self) -> bool {
        self.status.as_deref() == Some("success")
    }
}

/// The facts of one node: what PuppetDB's inventory answers, or a wire-format facts file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeFacts {
    pub certname: String,
    pub environment: Option<String>,
    pub values: serde_json::Map<String, serde_json::Value>,
    pub origin: Location,
}

/// What a compiled catalog says of one node's files: where each managed file's content comes
/// from, for the files whose content is a static `source` (not a template or inline content).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeCatalog {
    pub certname: String,
    /// The catalog's `version`: the `configuration_version` it was compiled with.
    pub version: Option<String>,
    pub code_id: Option<String>,
    pub environment: Option<String>,
    /// File title (its path on the node) → the `source` it is copied from, as written.
    pub static_sources: BTreeMap<String, String>,
    pub origin: Location,
}
