//! 办案期限的延长与解除 — what a 负责人 decides about a running handling limit.
//!
//! 行政强制法 第25条: 查封、扣押的期限不得超过三十日; 情况复杂的, 经行政机关负责人批准, 可以
//! 延长, 但是延长期限不得超过三十日. 延长的决定应当及时书面告知当事人, 并说明理由. How long
//! a limit is, how far it may be extended and who approves is rulebook data
//! (`liuhen_policy::HandlingLimit`); here are the records: an approved extension (once per case,
//! with its reasons) and a 解除查封扣押 (第28条), which ends the seizure and with it the limit.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::required_text;
use crate::{CaseId, UserId, ValidationError};

/// The longest reason or account, in characters.
pub const MAX_LIMIT_TEXT: usize = 2000;

/// An approved extension of a case's handling limit. A case has at most one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LimitExtension {
    pub case_id: CaseId,
    /// Days added, counted as the limit counts them.
    pub days: u32,
    /// Why the case needs longer (情况复杂的理由), as the 负责人 approved it.
    pub reason: String,
    /// The last day of the limit before the extension, `YYYY-MM-DD` (北京时间).
    pub due_before: String,
    /// The last day with the extension, `YYYY-MM-DD` (北京时间).
    pub due_after: String,
    pub approved_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub approved_at: OffsetDateTime,
}

/// What a 负责人 supplies to extend a limit.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLimitExtension {
    /// Days to add: 1 to the most the rulebook allows (30 for 查封扣押).
    pub days: u32,
    /// Why: 1 to 2000 characters.
    pub reason: String,
}

impl NewLimitExtension {
    /// Checks what needs no rulebook: at least one day, and a reason.
    pub fn validate(&self) -> Result<NewLimitExtension, ValidationError> {
        if self.days == 0 {
            return Err(ValidationError::new("days", "an extension adds at least 1 day"));
        }
        let reason = required_text("reason", &self.reason, MAX_LIMIT_TEXT)?;
        Ok(NewLimitExtension { days: self.days, reason })
    }
}

crate::labelled_enum! {
    /// 解除查封扣押的情形 — 行政强制法 第28条.
    pub enum ReleaseReason {
        /// 当事人没有违法行为.
        NoViolation = ("no_violation", "当事人没有违法行为"),
        /// 查封、扣押的场所、设施或者财物与违法行为无关.
        Unrelated = ("unrelated", "查封扣押的场所、设施或者财物与违法行为无关"),
        /// 行政机关对违法行为已经作出处理决定, 不再需要查封、扣押.
        Decided = ("decided", "已经作出处理决定，不再需要查封扣押"),
        /// 查封、扣押期限已经届满.
        Expired = ("expired", "查封扣押期限已经届满"),
        /// 其他不再需要采取查封、扣押措施的情形.
        NoLongerNeeded = ("no_longer_needed", "其他不再需要查封扣押的情形"),
    }
}

/// A 解除查封扣押: the seizure of a case ends, and with it its handling limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SeizureRelease {
    pub case_id: CaseId,
    pub reason: ReleaseReason,
    /// The account: what is released and why.
    pub text: String,
    pub released_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub released_at: OffsetDateTime,
}

/// What a 负责人 supplies to release a seizure.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSeizureRelease {
    /// The 第28条 ground, by code (`decided`) or Chinese term. Checked here, so that a wrong
    /// one is refused naming the field and listing the choices.
    #[schema(value_type = ReleaseReason)]
    pub reason: String,
    /// The account: 1 to 2000 characters.
    pub text: String,
}

impl NewSeizureRelease {
    pub fn validate(&self) -> Result<(ReleaseReason, String), ValidationError> {
        let reason = ReleaseReason::from_code(self.reason.trim()).ok_or_else(|| {
            let choices: Vec<String> =
                ReleaseReason::ALL.iter().map(|r| format!("{} ({})", r.code(), r.label_zh())).collect();
            ValidationError::new(
                "reason",
                format!("unknown reason {:?}; expected one of {}", self.reason, choices.join(", ")),
            )
        })?;
        let text = required_text("text", &self.text, MAX_LIMIT_TEXT)?;
        Ok((reason, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_needs_days_and_a_reason() {
        let ok = NewLimitExtension { days: 30, reason: " 涉案财物需检测 ".into() }.validate().unwrap();
        assert_eq!((ok.days, ok.reason.as_str()), (30, "涉案财物需检测"));
        let e = NewLimitExtension { days: 0, reason: "x".into() }.validate().unwrap_err();
        assert_eq!(e.field, "days");
        let e = NewLimitExtension { days: 5, reason: "  ".into() }.validate().unwrap_err();
        assert_eq!(e.field, "reason");
        let long = "字".repeat(MAX_LIMIT_TEXT + 1);
        assert_eq!(NewLimitExtension { days: 5, reason: long }.validate().unwrap_err().field, "reason");
    }

    #[test]
    fn release_reason_by_code_or_term() {
        let r = NewSeizureRelease { reason: "decided".into(), text: "已作出处罚决定".into() };
        assert_eq!(r.validate().unwrap().0, ReleaseReason::Decided);
        let r = NewSeizureRelease { reason: "查封扣押期限已经届满".into(), text: "届满".into() };
        assert_eq!(r.validate().unwrap().0, ReleaseReason::Expired);
        let e = NewSeizureRelease { reason: "tired".into(), text: "x".into() }.validate().unwrap_err();
        assert_eq!(e.field, "reason");
        assert!(e.problem.contains("no_violation (当事人没有违法行为)"), "{e}");
        let e = NewSeizureRelease { reason: "expired".into(), text: "".into() }.validate().unwrap_err();
        assert_eq!(e.field, "text");
    }
}
