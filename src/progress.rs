//! Progress on stderr for long runs, shown only when stderr is a terminal and the user did not
//! ask for quiet; otherwise every call is a no-op, so pipelines and logs stay clean. With
//! `--verbose`, stage timings too (see [`crate::timings`]).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct Progress {
    visible: bool,
    /// Whether stage timings are printed (`--verbose`), terminal or not.
    timed: bool,
}

impl Progress {
    /// Visible when stderr is a terminal and `quiet` is false.
    pub fn for_terminal(quiet: bool) -> Self {
        Progress {
            visible: !quiet && std::io::stderr().is_terminal(),
            timed: false,
        }
    }

    pub fn hidden() -> Self {
        Progress {
            visible: false,
            timed: false,
        }
    }

    /// The same, printing stage timings at the end of a run when `timed`.
    pub fn with_timings(self, timed: bool) -> Self {
        Progress { timed, ..self }
    }

    /// Timings for one run: they print when dropped, if asked for.
    pub fn timings(&self) -> crate::timings::Timings {
        crate::timings::Timings::new(self.timed)
    }

    pub fn spinner(&self, message: &'static str) -> ProgressBar {
        if !self.visible {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }

    pub fn bar(&self, message: &'static str, len: u64) -> ProgressBar {
        if !self.visible {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(message);
        bar
    }
}
