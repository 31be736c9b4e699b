//! A finding is one rule's verdict on one component (or one input), with the chain of
//! evidence that leads from the component to the verdict.

use super::Location;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "note" => Ok(Severity::Note),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!(
                "unknown severity `{other}` (expected error, warning or note)"
            )),
        }
    }
}

/// One step of a finding's evidence: what it is (`component`, `claim`, `commit`, `branch`,
/// `input`...), a human-readable value, and where it was seen when that is a place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLink {
    pub relation: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl ChainLink {
    pub fn new(relation: &str, value: impl Into<String>) -> Self {
        ChainLink {
            relation: relation.to_string(),
            value: value.into(),
            location: None,
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub slug: String,
    pub severity: Severity,
    /// The component the finding is about; `None` for findings about an input (PV010).
    pub component_id: Option<String>,
    pub labels: Vec<String>,
    pub message: String,
    pub location: Location,
    pub chain: Vec<ChainLink>,
    /// Stable across runs and machines: sha256 of the rule, the component (or input) and what
    /// the finding is about (the claim, the input path). Baselines and SARIF use it.
    #[serde(default)]
    pub fingerprint: String,
    /// Set when an approved exception covers the finding: it stays visible but does not fail
    /// the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// Set when the run compared against a baseline (`--baseline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
}

impl Finding {
    /// Whether the finding counts towards `--fail-on`: not excepted, not in the baseline.
    pub fn is_open(&self) -> bool {
        self.suppression.is_none() && self.baseline != Some(BaselineState::Unchanged)
    }
}

/// The approved exception that covers a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub reason: String,
    pub approver: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// `YYYY-MM-DD`; the exception stops applying after this day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// A finding's state against a baseline report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    /// Not in the baseline: fails the run as usual.
    New,
    /// In the baseline too: reported, does not fail the run.
    Unchanged,
}
