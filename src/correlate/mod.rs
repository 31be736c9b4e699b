//! Correlation: observations become components, and every claim a component carries is
//! resolved against the git index into a trace.

mod claims;
mod components;
pub mod hosts;
pub mod identity;
pub mod puppet;
mod secrets;
pub mod traces;

pub use claims::{claims_from_attributes, classify_claim_value};
pub use components::components_from_state;
pub use secrets::is_secret_key;
pub use traces::attach_traces;
