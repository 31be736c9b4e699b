//! Choosing what each component claims, and keeping count of what a correct audit must find.
//!
//! Every claim the estate writes is drawn here: a released commit (on `main`), an unreleased
//! one (on a branch `main` never merged, or only under a tag), or an id no repository has. The
//! tally of the last two, and of deployed files whose content no commit had, is what
//! PV001, PV002 and PV005 must report.

use crate::repo::History;
use crate::rng::Rng;
use serde_json::{json, Value};
use std::ops::AddAssign;

/// Finding counts a correct audit reaches on part of the estate.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Tally {
    pub claims: usize,
    pub pv001: usize,
    pub pv002: usize,
    pub digests: usize,
    pub pv005: usize,
}

impl AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.claims += o.claims;
        self.pv001 += o.pv001;
        self.pv002 += o.pv002;
        self.digests += o.digests;
        self.pv005 += o.pv005;
    }
}

impl Tally {
    /// The sum of the tallies of parts written in parallel, or the first error among them.
    pub fn sum_of(parts: Vec<std::io::Result<Tally>>) -> std::io::Result<Tally> {
        let mut total = Tally::default();
        for part in parts {
            total += part?;
        }
        Ok(total)
    }

    /// Counts one claim and its verdict.
    pub fn claim(&mut self, verdict: Verdict) {
        self.claims += 1;
        match verdict {
            Verdict::Released => {}
            Verdict::Unreleased => self.pv002 += 1,
            Verdict::Unknown => self.pv001 += 1,
        }
    }

    /// Counts one deployed file's digest, known to the history or not.
    pub fn digest(&mut self, known: bool) {
        self.digests += 1;
        if !known {
            self.pv005 += 1;
        }
    }

    pub fn json(&self) -> Value {
        json!({
            "claims": self.claims,
            "PV001": self.pv001,
            "PV002": self.pv002,
            "digests": self.digests,
            "PV005": self.pv005,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict {
    Released,
    Unreleased,
    Unknown,
}

/// A claimed commit: its id as written, the commit whose files it deployed (for a made-up id,
/// what really ran), and what an audit must say about it.
pub struct Pick {
    pub value: String,
    pub commit: u32,
    pub verdict: Verdict,
}

pub struct Picker<'a> {
    pub history: &'a History,
    unreleased: Vec<u32>,
}

impl<'a> Picker<'a> {
    pub fn new(history: &'a History) -> Picker<'a> {
        Picker {
            history,
            unreleased: history.unreleased(),
        }
    }

    /// A commit of `main` among its last `within` first-parent commits.
    pub fn recent(&self, rng: &mut Rng, within: usize) -> u32 {
        let main = &self.history.main;
        let within = within.clamp(1, main.len());
        main[main.len() - 1 - rng.below(within)]
    }

    pub fn released(&self, rng: &mut Rng, within: usize) -> Pick {
        let commit = self.recent(rng, within);
        Pick {
            value: self.history.sha(commit).to_string(),
            commit,
            verdict: Verdict::Released,
        }
    }

    /// A commit `main` does not contain; a released one when the history has none.
    pub fn unreleased(&self, rng: &mut Rng) -> Pick {
        if self.unreleased.is_empty() {
            return self.released(rng, 50);
        }
        let commit = self.unreleased[rng.below(self.unreleased.len())];
        Pick {
            value: self.history.sha(commit).to_string(),
            commit,
            verdict: Verdict::Unreleased,
        }
    }

    /// A full commit id no repository has; what ran is a recent commit of `main`.
    pub fn made_up(&self, rng: &mut Rng) -> Pick {
        Pick {
            value: rng.hex(20),
            commit: self.recent(rng, 50),
            verdict: Verdict::Unknown,
        }
    }

    /// Released (recent), unreleased or made up, with the given chances of the last two.
    pub fn mixed(&self, rng: &mut Rng, within: usize, p_unreleased: f64, p_unknown: f64) -> Pick {
        let roll = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        if roll < p_unknown {
            self.made_up(rng)
        } else if roll < p_unknown + p_unreleased {
            self.unreleased(rng)
        } else {
            self.released(rng, within)
        }
    }

    /// A tag of a release, `newest` back from the last.
    pub fn release_tag(&self, back: usize) -> Option<(String, u32)> {
        let releases: Vec<&(String, u32, bool)> = self
            .history
            .tags
            .iter()
            .filter(|t| t.0.starts_with('v'))
            .collect();
        let t = releases.get(releases.len().checked_sub(1 + back)?)?;
        Some((t.0.clone(), t.1))
    }

    /// The next release's tag, not cut yet.
    pub fn next_release_tag(&self) -> String {
        let n = self
            .history
            .tags
            .iter()
            .filter(|t| t.0.starts_with('v'))
            .count();
        format!("v{}.0.0", n + 1)
    }

    /// A tag whose commit `main` does not contain (a hotfix built from a deleted branch).
    pub fn hotfix_tag(&self) -> Option<(String, u32)> {
        self.history
            .tags
            .iter()
            .find(|t| t.0.starts_with("hotfix-"))
            .map(|t| (t.0.clone(), t.1))
    }
}
