//! `--verbose`: how long each stage of an audit took, printed on stderr when the audit ends.
//!
//! A stage is one call around the work it times, wherever it runs (stages inside `rayon::join`
//! time themselves on their own threads):
//!
//! ```
//! # let timings = provenant::timings::Timings::new(false);
//! let sum = timings.stage("adding", || 2 + 2);
//! let index = timings.stage_noting("indexing", || vec![1, 2, 3], |v| format!("{} items", v.len()));
//! ```
//!
//! or, around a stretch of statements, a timer ended by hand (or when dropped):
//!
//! ```
//! # let timings = provenant::timings::Timings::new(false);
//! let stage = timings.start("correlation");
//! // ...
//! stage.end();
//! ```
//!
//! Lines are printed together at the end, in the order the stages started, so that they never
//! tear a progress bar; when timing is off, every call just runs the work. Nothing here reaches
//! the report, which stays byte-for-byte the same with or without `--verbose`.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Timings {
    enabled: bool,
    started: Instant,
    /// How many stages have started: each stage's place in the listing.
    next: AtomicUsize,
    stages: Mutex<Vec<Stage>>,
}

struct Stage {
    name: &'static str,
    /// The order in which it started.
    place: usize,
    took: Duration,
    note: String,
    /// The process's peak resident memory when the stage ended, where the system tells.
    peak: Option<u64>,
}

impl Timings {
    /// Timings that print when dropped if `enabled`, and otherwise cost nothing.
    pub fn new(enabled: bool) -> Timings {
        Timings {
            enabled,
            started: Instant::now(),
            next: AtomicUsize::new(0),
            stages: Mutex::new(Vec::new()),
        }
    }

    /// Runs `work` as stage `name`.
    pub fn stage<T>(&self, name: &'static str, work: impl FnOnce() -> T) -> T {
        let timer = self.start(name);
        let result = work();
        timer.end();
        result
    }

    /// Runs `work` as stage `name`, with a note on what it did (`3,211 blobs`) made from its
    /// result, only when timing is on.
    pub fn stage_noting<T>(
        &self,
        name: &'static str,
        work: impl FnOnce() -> T,
        note: impl FnOnce(&T) -> String,
    ) -> T {
        let timer = self.start(name);
        let result = work();
        if self.enabled {
            timer.end_noting(note(&result));
        }
        result
    }

    /// Starts timing stage `name`; it ends when the timer is ended or dropped.
    pub fn start(&self, name: &'static str) -> StageTimer<'_> {
        StageTimer {
            timings: self,
            name,
            place: self.next.fetch_add(1, Ordering::Relaxed),
            start: Instant::now(),
            note: String::new(),
        }
    }

    /// The stage lines and the total, as printed.
    pub fn lines(&self) -> Vec<String> {
        let mut stages = self.stages.lock().unwrap_or_else(|e| e.into_inner());
        stages.sort_by_key(|s| s.place);
        let mut lines: Vec<String> = stages
            .iter()
            .map(|s| {
                let note = if s.note.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", s.note)
                };
                let peak = s.peak.map(|p| format!(", peak memory {}", size(p)));
                format!(
                    "provenant: {} {}{}{note}",
                    s.name,
                    seconds(s.took),
                    peak.unwrap_or_default()
                )
            })
            .collect();
        let peak = peak_memory().map(|p| format!(", peak memory {}", size(p)));
        lines.push(format!(
            "provenant: total {}{}",
            seconds(self.started.elapsed()),
            peak.unwrap_or_default()
        ));
        lines
    }

    fn record(&self, mut stage: Stage) {
        if self.enabled {
            stage.peak = peak_memory();
            let mut stages = self.stages.lock().unwrap_or_else(|e| e.into_inner());
            stages.push(stage);
        }
    }
}

impl Drop for Timings {
    /// Prints the stages on stderr, whether the audit ended well or not.
    fn drop(&mut self) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            for line in self.lines() {
                let _ = writeln!(err, "{line}");
            }
        }
    }
}

/// A stage being timed; recorded when ended or dropped.
pub struct StageTimer<'t> {
    timings: &'t Timings,
    name: &'static str,
    place: usize,
    start: Instant,
    note: String,
}

impl StageTimer<'_> {
    pub fn end(self) {}

    /// Ends the stage with a note on what it did.
    pub fn end_noting(mut self, note: String) {
        self.note = note;
    }
}

impl Drop for StageTimer<'_> {
    fn drop(&mut self) {
        self.timings.record(Stage {
            name: self.name,
            place: self.place,
            took: self.start.elapsed(),
            note: std::mem::take(&mut self.note),
            peak: None,
        });
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The peak resident set size of this process so far, in bytes (Linux's `VmHWM`).
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `812 MiB`, `1.92 GiB`.
fn size(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let mib = bytes as f64 / MIB;
    if mib < 1024.0 {
        format!("{mib:.0} MiB")
    } else {
        format!("{:.2} GiB", mib / 1024.0)
    }
}

/// `n` with thousands separated by commas: `50,000`.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_listed_in_the_order_they_started_with_their_notes() {
        let timings = Timings::new(true);
        let outer = timings.start("outer");
        let n = timings.stage_noting("inner", || 41 + 1, |n| format!("{n} things"));
        outer.end();
        std::thread::scope(|s| {
            s.spawn(|| timings.stage("on a thread", || ()));
        });
        let lines = timings.lines();
        // Peak memory is shown where the system tells it (`, peak memory 12 MiB`).
        let shapes: Vec<String> = lines
            .iter()
            .map(|l| {
                let l = match l.split_once(", peak memory ") {
                    Some((head, tail)) => {
                        let unit = if tail.contains(" GiB") {
                            " GiB"
                        } else {
                            " MiB"
                        };
                        let (_, rest) = tail.split_once(unit).expect("a size has a unit");
                        format!("{head}{rest}")
                    }
                    None => l.clone(),
                };
                l.split(' ').filter(|w| w.parse::<f64>().is_err()).collect()
            })
            .collect();
        assert_eq!(n, 42);
        assert_eq!(
            shapes,
            [
                "provenant:outers",
                "provenant:inners(42things)",
                "provenant:onathreads",
                "provenant:totals"
            ]
        );
        std::mem::forget(timings);
    }

    #[test]
    fn disabled_timings_record_nothing() {
        let timings = Timings::new(false);
        timings.stage("x", || ());
        timings.stage_noting("y", || (), |_| unreachable!("no note when disabled"));
        assert_eq!(timings.lines().len(), 1);
    }

    #[test]
    fn sizes_are_in_mebibytes_then_gibibytes() {
        assert_eq!(size(5 * 1024 * 1024), "5 MiB");
        assert_eq!(size(1023 * 1024 * 1024), "1023 MiB");
        assert_eq!(size(2_061_584_302), "1.92 GiB");
    }

    #[test]
    fn counts_have_thousands_separators() {
        let shown: Vec<String> = [0, 7, 999, 1000, 50_000, 1_234_567].map(count).to_vec();
        assert_eq!(shown, ["0", "7", "999", "1,000", "50,000", "1,234,567"]);
    }
}
