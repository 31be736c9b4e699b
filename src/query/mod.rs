//! Questions asked of a report rather than verdicts: "what produced web-03?".

pub mod trace;

pub use trace::{find, render_json, render_text, Match};
