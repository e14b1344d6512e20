//! AV coverage of an act's window: which part of [start, end) some clip covers, and every gap
//! longer than the rule tolerates, with the interruption explanations (中止说明) that cover it.
//!
//! Times are **Unix milliseconds, UTC**, already clock-corrected by ingest; intervals are
//! half-open `[start_ms, end_ms)`. Clips may come from several devices, overlap, or reach outside
//! the window; an interval whose end is not after its start is empty and ignored. The arithmetic
//! is exact (integers, sort + merge, O(n log n) in the number of clips).

use time::OffsetDateTime;

use crate::EffectiveRule;

/// A half-open interval `[start_ms, end_ms)` of Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Interval {
    pub const fn new(start_ms: i64, end_ms: i64) -> Self {
        Interval { start_ms, end_ms }
    }

    /// From two instants, truncated to the millisecond.
    pub fn from_datetimes(start: OffsetDateTime, end: OffsetDateTime) -> Self {
        Interval { start_ms: unix_ms(start), end_ms: unix_ms(end) }
    }

    /// The length in milliseconds (0 when empty).
    pub fn duration_ms(self) -> i64 {
        self.end_ms.saturating_sub(self.start_ms).max(0)
    }

    pub fn is_empty(self) -> bool {
        self.end_ms <= self.start_ms
    }
}

fn unix_ms(t: OffsetDateTime) -> i64 {
    let ms = t.unix_timestamp_nanos().div_euclid(1_000_000);
    i64::try_from(ms).unwrap_or(if ms < 0 { i64::MIN } else { i64::MAX })
}

/// 中止说明 — why recording stopped for a while (fault, weather, battery, storage, change of place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub interval: Interval,
    pub reason: String,
}

/// A gap in the recording longer than the rule tolerates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub interval: Interval,
    /// Indexes (into the explanations given) of the explanations overlapping the gap, when
    /// together they cover all of it.
    pub explained_by: Vec<usize>,
    /// The gap is covered by explanations and the rule lets explanations cover long gaps.
    pub excused: bool,
}

impl Gap {
    pub fn duration_ms(&self) -> i64 {
        self.interval.duration_ms()
    }

    /// Whole seconds, rounded down.
    pub fn seconds(&self) -> i64 {
        self.duration_ms() / 1000
    }
}

/// How much of an act's window the clips cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub window: Interval,
    /// Milliseconds of the window covered by at least one clip.
    pub covered_ms: i64,
    /// The covered parts, merged and sorted.
    pub covered: Vec<Interval>,
    /// Every uncovered part of the window, sorted (short ones included).
    pub uncovered: Vec<Interval>,
    /// The uncovered parts longer than the tolerated gap.
    pub long_gaps: Vec<Gap>,
}

impl Coverage {
    /// Covered share of the window, 0.0 to 1.0 (1.0 for an empty window: nothing was missed).
    pub fn share(&self) -> f64 {
        let total = self.window.duration_ms();
        if total == 0 { 1.0 } else { self.covered_ms as f64 / total as f64 }
    }

    /// Whether any clip falls inside the window.
    pub fn has_recording(&self) -> bool {
        self.covered_ms > 0
    }
}

/// Sorts and merges intervals, after cutting them to `bounds`; touching intervals merge.
pub fn merge(intervals: &[Interval], bounds: Interval) -> Vec<Interval> {
    let mut cut: Vec<Interval> = intervals
        .iter()
        .map(|i| Interval::new(i.start_ms.max(bounds.start_ms), i.end_ms.min(bounds.end_ms)))
        .filter(|i| !i.is_empty())
        .collect();
    cut.sort_unstable();
    let mut out: Vec<Interval> = Vec::with_capacity(cut.len());
    for i in cut {
        match out.last_mut() {
            Some(last) if i.start_ms <= last.end_ms => last.end_ms = last.end_ms.max(i.end_ms),
            _ => out.push(i),
        }
    }
    out
}

/// Computes the coverage of `window` by `clips`. A gap is long when it lasts more than
/// `max_gap_seconds`; it is excused when `explanations` cover all of it and
/// `explanation_covers_gap` allows that.
pub fn coverage(
    window: Interval,
    clips: &[Interval],
    explanations: &[Explanation],
    max_gap_seconds: u32,
    explanation_covers_gap: bool,
) -> Coverage {
    let covered = merge(clips, window);
    let covered_ms = covered.iter().fold(0i64, |acc, i| acc.saturating_add(i.duration_ms()));
    let mut uncovered = Vec::with_capacity(covered.len() + 1);
    let mut cursor = window.start_ms;
    for c in &covered {
        if c.start_ms > cursor {
            uncovered.push(Interval::new(cursor, c.start_ms));
        }
        cursor = c.end_ms;
    }
    if !window.is_empty() && cursor < window.end_ms {
        uncovered.push(Interval::new(cursor, window.end_ms));
    }
    let explained = merge(&explanations.iter().map(|e| e.interval).collect::<Vec<_>>(), window);
    let max_gap_ms = i64::from(max_gap_seconds) * 1000;
    let long_gaps = uncovered
        .iter()
        .filter(|g| g.duration_ms() > max_gap_ms)
        .map(|g| {
            // `explained` is disjoint and sorted: the gap is covered iff one merged piece holds it.
            let idx = explained.partition_point(|e| e.start_ms <= g.start_ms);
            let covered =
                idx.checked_sub(1).and_then(|i| explained.get(i)).is_some_and(|e| e.end_ms >= g.end_ms);
            let explained_by = if covered {
                explanations
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.interval.start_ms < g.end_ms && e.interval.end_ms > g.start_ms)
                    .map(|(i, _)| i)
                    .collect()
            } else {
                Vec::new()
            };
            Gap { interval: *g, excused: covered && explanation_covers_gap, explained_by }
        })
        .collect();
    Coverage { window, covered_ms, covered, uncovered, long_gaps }
}

impl EffectiveRule {
    /// [`coverage`] with this rule's tolerated gap and explanation policy.
    pub fn coverage(&self, window: Interval, clips: &[Interval], explanations: &[Explanation]) -> Coverage {
        coverage(window, clips, explanations, self.max_gap_seconds.value, self.explanation_covers_gap.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn seizure_example_has_one_ninety_second_gap() {
        let w = Interval::new(0, 30 * MIN);
        let clips = [Interval::new(0, 12 * MIN), Interval::new(13 * MIN + 30_000, 30 * MIN)];
        let c = coverage(w, &clips, &[], 10, true);
        assert_eq!(c.long_gaps.len(), 1);
        assert_eq!(c.long_gaps[0].seconds(), 90);
        assert_eq!(c.covered_ms, 30 * MIN - 90_000);
        assert!(!c.long_gaps[0].excused);
    }

    #[test]
    fn overlapping_devices_and_outside_clips() {
        let w = Interval::new(1000, 11_000);
        let clips = [
            Interval::new(0, 3000),
            Interval::new(2000, 4000),
            Interval::new(4000, 5000),
            Interval::new(20_000, 30_000),
            Interval::new(9000, 8000),
        ];
        let c = coverage(w, &clips, &[], 0, true);
        assert_eq!(c.covered, vec![Interval::new(1000, 5000)]);
        assert_eq!(c.uncovered, vec![Interval::new(5000, 11_000)]);
        assert!((c.share() - 0.4).abs() < 1e-12);
    }

    #[test]
    fn explanations_excuse_only_when_allowed_and_complete() {
        let w = Interval::new(0, 100_000);
        let clips = [Interval::new(0, 10_000), Interval::new(70_000, 100_000)];
        let two_halves = [
            Explanation { interval: Interval::new(9000, 40_000), reason: "电池耗尽".into() },
            Explanation { interval: Interval::new(40_000, 70_000), reason: "更换设备".into() },
        ];
        let c = coverage(w, &clips, &two_halves, 10, true);
        assert!(c.long_gaps[0].excused);
        assert_eq!(c.long_gaps[0].explained_by, vec![0, 1]);
        let c = coverage(w, &clips, &two_halves, 10, false);
        assert!(!c.long_gaps[0].excused);
        let partial = [Explanation { interval: Interval::new(10_000, 60_000), reason: "天气".into() }];
        let c = coverage(w, &clips, &partial, 10, true);
        assert!(!c.long_gaps[0].excused);
        assert!(c.long_gaps[0].explained_by.is_empty());
    }

    #[test]
    fn datetimes_convert_to_unix_ms() {
        let a = time::macros::datetime!(2026-03-02 10:00 +08:00);
        let b = time::macros::datetime!(2026-03-02 10:30 +08:00);
        let i = Interval::from_datetimes(a, b);
        assert_eq!(i.duration_ms(), 30 * MIN);
        assert_eq!(i.start_ms, 1_772_416_800_000);
    }
}
