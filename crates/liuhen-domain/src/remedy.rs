//! 行政复议 and 行政诉讼 against a case's decision, as the agency learns of them: filed, then decided.
//! A decision revoked, changed or found unlawful must have its publication withdrawn within the
//! rulebook's working days; the annual statistics count them by kind and outcome.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::error::optional_text;
use crate::{CaseId, RemedyId, UserId, ValidationError};

crate::labelled_enum! {
    /// Which remedy the party sought.
    pub enum RemedyKind {
        Reconsideration = ("reconsideration", "行政复议"),
        Litigation = ("litigation", "行政诉讼"),
    }
}

crate::labelled_enum! {
    /// How it ended (or that it has not).
    pub enum RemedyOutcome {
        Pending = ("pending", "审理中"),
        Upheld = ("upheld", "维持"),
        Revoked = ("revoked", "撤销"),
        Changed = ("changed", "变更"),
        Unlawful = ("unlawful", "确认违法"),
        Dismissed = ("dismissed", "驳回或撤回"),
    }
}

impl RemedyOutcome {
    /// The decision no longer stands as published: its publication must be withdrawn.
    pub fn calls_for_withdrawal(self) -> bool {
        matches!(self, RemedyOutcome::Revoked | RemedyOutcome::Changed | RemedyOutcome::Unlawful)
    }
}

/// One 行政复议 or 行政诉讼.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Remedy {
    pub id: RemedyId,
    pub case_id: CaseId,
    pub kind: RemedyKind,
    #[serde(with = "crate::when::day")]
    #[schema(value_type = String, format = Date)]
    pub filed_on: Date,
    pub outcome: RemedyOutcome,
    #[serde(with = "crate::when::day::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub decided_on: Option<Date>,
    /// 复议机关 or 法院, 文号, what was decided.
    pub note: Option<String>,
    pub recorded_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: OffsetDateTime,
    /// When the outcome calls for it: the last day to withdraw the case's publications.
    #[serde(with = "crate::when::day::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub withdraw_by: Option<Date>,
}

/// A remedy as recorded, or its outcome as learnt later.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRemedy {
    pub kind: RemedyKind,
    #[serde(with = "crate::when::day")]
    #[schema(value_type = String, format = Date)]
    pub filed_on: Date,
    #[serde(default = "pending")]
    pub outcome: RemedyOutcome,
    /// Needed once decided.
    #[serde(default, with = "crate::when::day::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub decided_on: Option<Date>,
    #[serde(default)]
    pub note: Option<String>,
}

fn pending() -> RemedyOutcome {
    RemedyOutcome::Pending
}

impl NewRemedy {
    pub fn validate(&self, today: Date) -> Result<NewRemedy, ValidationError> {
        if self.filed_on > today {
            return Err(ValidationError::new("filed_on", "a day in the future (不能晚于今天)"));
        }
        let decided_on = match (self.outcome, self.decided_on) {
            (RemedyOutcome::Pending, _) => None,
            (_, None) => {
                return Err(ValidationError::new(
                    "decided_on",
                    "a decided remedy needs the day it was decided",
                ));
            }
            (_, Some(d)) if d > today => {
                return Err(ValidationError::new("decided_on", "a day in the future (不能晚于今天)"));
            }
            (_, Some(d)) if d < self.filed_on => {
                return Err(ValidationError::new("decided_on", "before the day it was filed"));
            }
            (_, Some(d)) => Some(d),
        };
        let note = match &self.note {
            Some(n) => optional_text("note", n, 2000)?,
            None => None,
        };
        Ok(NewRemedy { kind: self.kind, filed_on: self.filed_on, outcome: self.outcome, decided_on, note })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn a_decided_remedy_needs_its_day_in_order() {
        let today = date!(2026 - 12 - 03);
        let r = |outcome, decided_on| NewRemedy {
            kind: RemedyKind::Reconsideration,
            filed_on: date!(2026 - 10 - 01),
            outcome,
            decided_on,
            note: Some("  ".into()),
        };
        assert_eq!(r(RemedyOutcome::Pending, Some(today)).validate(today).unwrap().decided_on, None);
        assert_eq!(r(RemedyOutcome::Revoked, None).validate(today).unwrap_err().field, "decided_on");
        assert_eq!(
            r(RemedyOutcome::Revoked, Some(date!(2026 - 09 - 01))).validate(today).unwrap_err().field,
            "decided_on"
        );
        let ok = r(RemedyOutcome::Revoked, Some(date!(2026 - 11 - 30))).validate(today).unwrap();
        assert!(ok.outcome.calls_for_withdrawal() && ok.note.is_none());
    }
}
