//! provenant: audits production infrastructure for traceability.
//!
//! The pipeline runs in one direction: sources are read by [`scan`]ners into observations,
//! the [`correlate`] stage turns them into components and resolves their claims against the
//! [`git`] index, [`rules`] reach findings, and [`report`] renders them. [`audit::run`] shows
//! the whole of it in one place.

pub mod audit;
pub mod correlate;
pub mod demo;
pub mod git;
pub mod model;
pub mod policy;
pub mod progress;
pub mod query;
pub mod report;
pub mod rules;
pub mod scan;
pub mod time;
pub mod timings;
