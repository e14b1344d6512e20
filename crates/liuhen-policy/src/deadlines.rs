//! Deadlines in working days: legal review of a major decision (法制审核, local rule, default
//! 10) and public disclosure (执法公示: 行政处罚 and 行政许可 within 7, other decisions within 20).

use liuhen_domain::CaseKind;
use time::Date;

use crate::error::{CalendarError, Location, Loosening};
use crate::rulebook::raw::{Lines, RawDeadlines};
use crate::rulebook::{Layer, Policy};
use crate::{LayerKind, PolicyError, Sourced};

/// The effective deadlines, each with the layer that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadlines {
    pub legal_review: Option<Sourced<u32>>,
    pub disclosure_penalty_licensing: Option<Sourced<u32>>,
    pub disclosure_other: Option<Sourced<u32>>,
}

impl Deadlines {
    pub(crate) fn empty() -> Self {
        Deadlines { legal_review: None, disclosure_penalty_licensing: None, disclosure_other: None }
    }

    /// Working days allowed for the legal review.
    pub fn legal_review_days(&self) -> u32 {
        self.legal_review.as_ref().map_or(10, |s| s.value)
    }

    /// Working days within which a decision of `kind` must be published.
    pub fn disclosure_days(&self, kind: CaseKind) -> u32 {
        match kind {
            CaseKind::Penalty | CaseKind::Licensing => {
                self.disclosure_penalty_licensing.as_ref().map_or(7, |s| s.value)
            }
            _ => self.disclosure_other.as_ref().map_or(20, |s| s.value),
        }
    }

    pub(crate) fn merged(
        &self,
        layer: &Layer,
        raw: Option<&RawDeadlines>,
        source: &str,
        lines: &Lines,
    ) -> Result<Self, PolicyError> {
        let mut next = self.clone();
        if let Some(raw) = raw {
            let origin = |mandatory| layer.origin("deadlines", mandatory);
            let slots = [
                ("legal_review", raw.legal_review, &mut next.legal_review, false),
                (
                    "disclosure_penalty_licensing",
                    raw.disclosure_penalty_licensing,
                    &mut next.disclosure_penalty_licensing,
                    true,
                ),
                ("disclosure_other", raw.disclosure_other, &mut next.disclosure_other, true),
            ];
            for (field, value, slot, only_shorter) in slots {
                let Some(value) = value else { continue };
                let path = format!("deadlines.{field}");
                let line = lines.line(&path);
                if value == 0 {
                    return Err(PolicyError::invalid(source, path, line, "must be at least 1 working day"));
                }
                if let Some(cur) = slot.as_ref()
                    && only_shorter
                    && value > cur.value
                {
                    return Err(PolicyError::Loosens(Box::new(Loosening {
                        at: Location { source: source.to_owned(), path, line },
                        layer: layer.kind,
                        rule: "deadlines".into(),
                        field: field.into(),
                        value: value.to_string(),
                        earlier_layer: cur.origin.layer,
                        earlier_rule: cur.origin.rule.clone(),
                        earlier_value: cur.value.to_string(),
                    })));
                }
                *slot = Some(Sourced { value, origin: origin(only_shorter) });
            }
        }
        if layer.kind == LayerKind::National
            && (next.legal_review.is_none()
                || next.disclosure_penalty_licensing.is_none()
                || next.disclosure_other.is_none())
        {
            return Err(PolicyError::invalid(
                source,
                "deadlines",
                lines.line("deadlines"),
                "the national layer must set legal_review, disclosure_penalty_licensing and disclosure_other",
            ));
        }
        Ok(next)
    }
}

impl Policy {
    /// The last day of the legal review of a decision submitted on `submitted`.
    pub fn review_deadline(&self, submitted: Date) -> Result<Date, CalendarError> {
        self.calendar().add_working_days(submitted, self.deadlines().legal_review_days())
    }

    /// The last day to publish a decision of `kind` made on `decided`.
    pub fn disclosure_deadline(&self, decided: Date, kind: CaseKind) -> Result<Date, CalendarError> {
        self.calendar().add_working_days(decided, self.deadlines().disclosure_days(kind))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn national_deadlines() {
        let p = Policy::national().unwrap();
        // Fri 30 Jan 2026 + 7 working days, across the weekends: Mon 2 .. Tue 10 Feb.
        assert_eq!(
            p.disclosure_deadline(date!(2026 - 01 - 30), CaseKind::Penalty).unwrap(),
            date!(2026 - 02 - 10)
        );
        // Thu 12 Feb + 10 working days: Fri 13, Sat 14 (调休), 春节 15–23, Tue 24 .. Fri 27,
        // Sat 28 (调休), Mon 2 .. Wed 4 Mar.
        assert_eq!(p.review_deadline(date!(2026 - 02 - 12)).unwrap(), date!(2026 - 03 - 04));
        assert_eq!(p.deadlines().disclosure_days(CaseKind::Inspection), 20);
    }
}
