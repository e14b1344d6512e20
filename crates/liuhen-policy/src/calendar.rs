//! 工作日 — the working-day calendar: Monday to Friday, minus public holidays, plus the
//! adjusted working Saturdays and Sundays (调休上班日), per year, from the rulebook.
//!
//! Counting refuses to cross a year the rulebook has no data for
//! ([`CalendarError::YearNotCovered`]): a deadline that silently ignores the Spring Festival
//! would be wrong by a week.

use std::collections::{BTreeMap, BTreeSet};

use time::{Date, Weekday};

use crate::PolicyError;
use crate::error::CalendarError;
use crate::rulebook::raw::{DateSpan, Lines, RawYear};

/// What the rulebook says about one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// 法定节假日 (or a holiday day of its 调休 block).
    Holiday,
    /// 调休上班日 — a Saturday or Sunday that is worked.
    AdjustedWorkday,
}

/// Weekends, holidays and adjusted workdays for the years the rulebook covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeSet<i32>,
    days: BTreeMap<Date, DayKind>,
}

impl Calendar {
    /// The years with holiday data.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// What the rulebook says of `date`, if anything.
    pub fn day_kind(&self, date: Date) -> Option<DayKind> {
        self.days.get(&date).copied()
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: Date) -> Result<bool, CalendarError> {
        if !self.years.contains(&date.year()) {
            return Err(CalendarError::YearNotCovered(date.year()));
        }
        Ok(match self.days.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::AdjustedWorkday) => true,
            None => !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday),
        })
    }

    /// The `n`-th working day after `from` (`from` itself is not counted; `n = 0` gives `from`).
    /// A deadline of "7 working days from the decision" is `add_working_days(decided, 7)`.
    pub fn add_working_days(&self, from: Date, n: u32) -> Result<Date, CalendarError> {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day = day.next_day().ok_or(CalendarError::OutOfRange)?;
            if self.is_working_day(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// The number of working days `d` with `a < d ≤ b`; negative (the same count for
    /// `b < d ≤ a`) when `b` is before `a`. So `add_working_days(a, n)` is the first date
    /// `b` with `working_days_between(a, b) == n`.
    pub fn working_days_between(&self, a: Date, b: Date) -> Result<i64, CalendarError> {
        let (lo, hi, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let mut count = 0i64;
        let mut day = lo;
        while day < hi {
            day = day.next_day().ok_or(CalendarError::OutOfRange)?;
            if self.is_working_day(day)? {
                count += 1;
            }
        }
        Ok(sign * count)
    }

    /// This calendar with a layer's `[[calendar]]` entries applied; a later layer's word on a
    /// date replaces an earlier one (local holidays, a changed arrangement).
    pub(crate) fn merged(&self, source: &str, years: &[RawYear], lines: &Lines) -> Result<Self, PolicyError> {
        let mut next = self.clone();
        for (i, y) in years.iter().enumerate() {
            let mut seen: BTreeMap<Date, DayKind> = BTreeMap::new();
            let lists = [
                ("holidays", &y.holidays, DayKind::Holiday),
                ("workdays", &y.workdays, DayKind::AdjustedWorkday),
            ];
            for (key, spans, kind) in lists {
                for (j, span) in spans.iter().enumerate() {
                    let err = |msg: String| {
                        let path = format!("calendar[{i}].{key}[{j}]");
                        let line = lines.line(&path);
                        PolicyError::invalid(source, path, line, msg)
                    };
                    for date in days(*span) {
                        if date.year() != y.year {
                            return Err(err(format!("{date} is not in {}", y.year)));
                        }
                        if kind == DayKind::AdjustedWorkday
                            && !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
                        {
                            return Err(err(format!(
                                "{date} is a {}, already a working day",
                                date.weekday()
                            )));
                        }
                        if seen.insert(date, kind).is_some_and(|k| k != kind) {
                            return Err(err(format!("{date} is listed both as a holiday and as a workday")));
                        }
                    }
                }
            }
            next.years.insert(y.year);
            next.days.extend(seen);
        }
        Ok(next)
    }
}

/// Every date of an inclusive span.
fn days(span: DateSpan) -> Vec<Date> {
    let mut out = vec![span.first];
    let mut day = span.first;
    while day < span.last {
        match day.next_day() {
            Some(d) => day = d,
            None => break,
        }
        out.push(day);
    }
    out
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::Policy;

    fn cal() -> Calendar {
        Policy::national().unwrap().calendar().clone()
    }

    #[test]
    fn weekends_holidays_and_adjusted_workdays() {
        let c = cal();
        assert!(c.is_working_day(date!(2026 - 03 - 02)).unwrap()); // Monday
        assert!(!c.is_working_day(date!(2026 - 03 - 07)).unwrap()); // Saturday
        assert!(!c.is_working_day(date!(2026 - 10 - 01)).unwrap()); // 国庆
        assert!(!c.is_working_day(date!(2026 - 02 - 23)).unwrap()); // 春节 Monday
        assert!(c.is_working_day(date!(2026 - 02 - 14)).unwrap()); // 调休 Saturday
        assert!(c.is_working_day(date!(2026 - 09 - 20)).unwrap()); // 调休 Sunday
        assert_eq!(c.is_working_day(date!(2027 - 01 - 04)), Err(CalendarError::YearNotCovered(2027)));
    }

    #[test]
    fn the_2025_arrangement() {
        let c = cal();
        // 春节 28 Jan – 4 Feb: Mon 27 Jan + 1 is Wed 5 Feb; Sun 26 Jan and Sat 8 Feb are worked.
        assert!(c.is_working_day(date!(2025 - 01 - 26)).unwrap());
        assert!(c.is_working_day(date!(2025 - 02 - 08)).unwrap());
        assert!(!c.is_working_day(date!(2025 - 02 - 03)).unwrap()); // a Monday of 春节
        assert_eq!(c.add_working_days(date!(2025 - 01 - 27), 1).unwrap(), date!(2025 - 02 - 05));
        // Fri 24 Jan to Fri 7 Feb: Sun 26, Mon 27, (28 Jan – 4 Feb), Wed 5, Thu 6, Fri 7.
        assert_eq!(c.working_days_between(date!(2025 - 01 - 24), date!(2025 - 02 - 07)).unwrap(), 5);
        // 国庆节、中秋节 1–8 Oct, Wednesday 8 included; Sun 28 Sep and Sat 11 Oct are worked.
        assert!(!c.is_working_day(date!(2025 - 10 - 08)).unwrap());
        assert!(c.is_working_day(date!(2025 - 09 - 28)).unwrap());
        assert!(c.is_working_day(date!(2025 - 10 - 11)).unwrap());
        assert_eq!(c.add_working_days(date!(2025 - 09 - 30), 1).unwrap(), date!(2025 - 10 - 09));
        assert!(!c.is_working_day(date!(2025 - 06 - 02)).unwrap()); // 端午节 Monday
        assert!(c.is_working_day(date!(2025 - 04 - 27)).unwrap()); // 劳动节 调休 Sunday
        // Counting runs from 2025 into 2026 across the new year.
        assert_eq!(c.add_working_days(date!(2025 - 12 - 31), 1).unwrap(), date!(2026 - 01 - 04));
        assert_eq!(c.years().collect::<Vec<_>>(), vec![2025, 2026]);
    }

    #[test]
    fn a_year_without_its_arrangement_is_not_guessed() {
        let c = cal();
        let err = c.add_working_days(date!(2026 - 12 - 28), 10).unwrap_err();
        assert_eq!(err, CalendarError::YearNotCovered(2027));
        assert_eq!(c.working_days_between(date!(2027 - 03 - 01), date!(2027 - 03 - 05)), Err(err.clone()));
        assert!(err.to_string().contains("2027"), "{err}");
        assert!(err.message_zh().contains("2027年") && err.message_zh().contains("节假日安排"));
    }

    #[test]
    fn counting_across_national_day() {
        let c = cal();
        // Tue 29 Sep + 4 working days: 30 Sep, (1–7 Oct 国庆), Thu 8, Fri 9, Sat 10 Oct (调休).
        assert_eq!(c.add_working_days(date!(2026 - 09 - 29), 4).unwrap(), date!(2026 - 10 - 10));
        assert_eq!(c.working_days_between(date!(2026 - 09 - 29), date!(2026 - 10 - 10)).unwrap(), 4);
        assert_eq!(c.working_days_between(date!(2026 - 10 - 10), date!(2026 - 09 - 29)).unwrap(), -4);
        assert_eq!(c.add_working_days(date!(2026 - 09 - 29), 0).unwrap(), date!(2026 - 09 - 29));
        assert!(c.add_working_days(date!(2026 - 12 - 30), 5).is_err());
    }
}
