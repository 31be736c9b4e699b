//! The plain data every stage shares: where a fact came from ([`Location`]), what a component
//! claims to run ([`Claim`]), what git says about the claim ([`Trace`]), the component itself,
//! the inputs that were read ([`Input`]) and the verdicts rules reach ([`Finding`]).
//!
//! Nothing here knows a file format or a rule: scanners fill these types, rules read them and
//! reporters render them. Every type serialises to the JSON report as it is, so a field added
//! here is a field added to a versioned contract (see `docs/report-format.md`).

mod claim;
mod component;
mod declaration;
mod finding;
pub mod id;
mod input;
mod location;
mod terraform;

pub use claim::{Claim, ClaimKind};
pub use component::{Behind, Component, ComponentKind, Trace, TraceCommit, TraceStatus};
pub use declaration::{
    AbsentDeclaration, AttributeDifference, CommitRef, ConfigCheck, DeclarationStatus,
    UnappliedValue,
};
pub use finding::{BaselineState, ChainLink, Finding, Severity, Suppression};
pub use input::{Input, InputKind, InputStatus};
pub use location::Location;
pub use terraform::{
    Attributes, IndexKey, Output, PathStep, ResourceInstance, ResourceMode, StateDocument,
    StateFormat,
};
