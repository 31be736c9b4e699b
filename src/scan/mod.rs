//! Scanners: one per source format. A scanner turns one source into plain observations that
//! carry their origin, and never looks at another scanner's output. The audit runs them in
//! parallel.

pub mod ansible;
pub mod discover;
pub mod json_lines;
pub mod puppet;
pub mod remote;
pub mod terraform;
pub mod text;
pub mod tfconfig;

pub use terraform::{scan_state_bytes, StateScan};
