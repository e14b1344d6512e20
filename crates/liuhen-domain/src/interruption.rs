//! 中止说明 — an officer's written account of why an act's audio-visual
//! recording stopped for a while.
//!
//! 国办发〔2018〕118号 lets recording stop for objective causes (a device
//! failing, bad weather, a battery or the storage running out) and asks that
//! the interruption be explained — said on the recording when it resumes and,
//! where it could not resume, reported and explained in writing afterwards.
//! An explanation names its act and the stretch of time it covers; the
//! rulebook decides whether it excuses a gap (`liuhen_policy::coverage`).
//!
//! The stretch must overlap the act's window, not lie within it: the window
//! is what officers typed, to the minute, and a camera that died ten minutes
//! before the declared end stayed dead after it. Making the officer cut their
//! account at the declared end would make them write something other than
//! what happened; coverage clips every explanation to the window anyway, so
//! what lies outside explains nothing and excuses nothing. A stretch wholly
//! outside the window is refused: it explains nothing about this act.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::required_text;
use crate::{Act, ActId, CaseId, InterruptionId, MAX_ACT_SECONDS, UserId, ValidationError};

crate::labelled_enum! {
    /// 中止原因 — why recording stopped.
    pub enum InterruptionReason {
        /// 设备故障 — the recorder failed or was damaged.
        DeviceFault = ("device_fault", "设备故障"),
        /// 电量耗尽 — the battery ran out.
        Battery = ("battery", "电量耗尽"),
        /// 存储已满 — the recorder's storage filled up.
        StorageFull = ("storage_full", "存储已满"),
        /// 恶劣天气 — weather made recording impossible.
        Weather = ("weather", "恶劣天气"),
        /// 转换场所 — the officers moved between places.
        ChangeOfPlace = ("change_of_place", "转换场所"),
        /// 其他 — another cause, described in the text.
        Other = ("other", "其他"),
    }
}

/// The longest 中止说明 text, in characters.
pub const MAX_INTERRUPTION_TEXT: usize = 2000;

/// A recorded 中止说明. Only ever added: a correction is another one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Interruption {
    pub id: InterruptionId,
    pub case_id: CaseId,
    pub act_id: ActId,
    pub reason: InterruptionReason,
    /// When recording stopped, as stated (RFC 3339 with its offset).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub from: OffsetDateTime,
    /// When recording resumed (or would have been needed no more).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub to: OffsetDateTime,
    /// The written account (书面说明).
    pub text: String,
    pub recorded_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: OffsetDateTime,
}

/// What a caller supplies to record a 中止说明.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInterruption {
    /// The cause, by code (`battery`) or Chinese term (`电量耗尽`). Checked
    /// here rather than by the JSON parser, so that a wrong one is refused
    /// naming the field `reason` and listing the choices.
    #[schema(value_type = InterruptionReason)]
    pub reason: String,
    /// RFC 3339 with its UTC offset, e.g. `2026-03-02T10:12:00+08:00`.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub to: OffsetDateTime,
    /// The written account: 1 to 2000 characters.
    pub text: String,
}

/// The validated content of a [`NewInterruption`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterruptionDraft {
    pub reason: InterruptionReason,
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
    pub text: String,
}

impl NewInterruption {
    /// Checks what needs no act: the reason, both instants in bounds, `from`
    /// before `to` by at most [`MAX_ACT_SECONDS`], and the text.
    ///
    /// The text is required whatever the reason: the code is a category, the
    /// text the account 118号 asks for. `other` says nothing by itself, so
    /// its message says so.
    pub fn validate(&self) -> Result<InterruptionDraft, ValidationError> {
        let reason = InterruptionReason::from_code(self.reason.trim()).ok_or_else(|| {
            let choices: Vec<String> =
                InterruptionReason::ALL.iter().map(|r| format!("{} ({})", r.code(), r.label_zh())).collect();
            ValidationError::new(
                "reason",
                format!("unknown reason {:?}; expected one of {}", self.reason, choices.join(", ")),
            )
        })?;
        crate::when::bounded("from", self.from)?;
        crate::when::bounded("to", self.to)?;
        if self.to <= self.from {
            return Err(ValidationError::new("to", "must be later than from"));
        }
        if (self.to - self.from).whole_seconds() > MAX_ACT_SECONDS {
            return Err(ValidationError::new("to", "an interruption may last at most 7 days, as an act"));
        }
        let text = required_text("text", &self.text, MAX_INTERRUPTION_TEXT).map_err(|e| {
            if reason == InterruptionReason::Other && self.text.trim().is_empty() {
                ValidationError::new("text", "其他 (other) needs the cause described (不能为空)")
            } else {
                e
            }
        })?;
        Ok(InterruptionDraft { reason, from: self.from, to: self.to, text })
    }
}

impl InterruptionDraft {
    /// Whether the stretch overlaps `act`'s window `[starts_at, ends_at)`;
    /// a stretch wholly before or after it is refused naming the end that
    /// misses (see the module documentation for why overlap, not inclusion).
    pub fn check_overlaps(&self, act: &Act) -> Result<(), ValidationError> {
        if self.to <= act.starts_at {
            return Err(ValidationError::new(
                "to",
                format!(
                    "must be after the act began ({}): the interruption must overlap the act",
                    act.starts_at
                ),
            ));
        }
        if self.from >= act.ends_at {
            return Err(ValidationError::new(
                "from",
                format!(
                    "must be before the act ended ({}): the interruption must overlap the act",
                    act.ends_at
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::{Place, Venue};

    fn input(reason: &str, from: OffsetDateTime, to: OffsetDateTime, text: &str) -> NewInterruption {
        NewInterruption { reason: reason.into(), from, to, text: text.into() }
    }

    fn act() -> Act {
        Act {
            id: ActId::from_bytes([1; 16]),
            case_id: CaseId::from_bytes([2; 16]),
            kind: crate::ActKind::Seizure,
            starts_at: datetime!(2026-03-02 10:00 +8),
            ends_at: datetime!(2026-03-02 10:30 +8),
            place: Place { address: "某地".into(), latitude: None, longitude: None },
            venue: Venue::OnSite,
            venue_name: None,
            officers: vec![],
            parties: vec![],
            notes: None,
            elements: vec![],
            created_by: UserId::from_bytes([3; 16]),
            created_at: datetime!(2026-03-02 11:00 +8),
        }
    }

    #[test]
    fn reasons_parse_by_code_or_term_and_name_the_field() {
        let (a, b) = (datetime!(2026-03-02 10:12 +8), datetime!(2026-03-02 10:14 +8));
        assert_eq!(
            input("battery", a, b, "电池耗尽").validate().unwrap().reason,
            InterruptionReason::Battery
        );
        assert_eq!(
            input("转换场所", a, b, "前往仓库").validate().unwrap().reason,
            InterruptionReason::ChangeOfPlace
        );
        let e = input("sunspots", a, b, "x").validate().unwrap_err();
        assert_eq!(e.field, "reason");
        assert!(e.problem.contains("device_fault (设备故障)"), "{e}");
        assert_eq!(InterruptionReason::Other.to_string(), "其他");
    }

    #[test]
    fn times_are_bounded_ordered_and_overlap_the_act() {
        let (a, b) = (datetime!(2026-03-02 10:12 +8), datetime!(2026-03-02 10:14 +8));
        assert_eq!(input("weather", b, a, "暴雨").validate().unwrap_err().field, "to");
        assert_eq!(input("weather", a, a, "暴雨").validate().unwrap_err().field, "to");
        assert_eq!(
            input("weather", datetime!(1989-12-31 0:00 UTC), b, "x").validate().unwrap_err().field,
            "from"
        );
        assert_eq!(
            input("weather", a, datetime!(2100-01-01 0:00 UTC), "x").validate().unwrap_err().field,
            "to"
        );
        assert_eq!(
            input("weather", a, datetime!(2026-03-10 10:12 +8), "x").validate().unwrap_err().field,
            "to"
        );
        let act = act();
        // Reaching past the declared end is fine: only an overlap is asked for.
        let past_end =
            input("battery", datetime!(2026-03-02 10:25 +8), datetime!(2026-03-02 11:00 +8), "没电");
        assert!(past_end.validate().unwrap().check_overlaps(&act).is_ok());
        let before = input("battery", datetime!(2026-03-02 9:00 +8), datetime!(2026-03-02 10:00 +8), "没电");
        assert_eq!(before.validate().unwrap().check_overlaps(&act).unwrap_err().field, "to");
        let after = input("battery", datetime!(2026-03-02 10:30 +8), datetime!(2026-03-02 11:00 +8), "没电");
        assert_eq!(after.validate().unwrap().check_overlaps(&act).unwrap_err().field, "from");
    }

    #[test]
    fn text_is_required_trimmed_and_bounded() {
        let (a, b) = (datetime!(2026-03-02 10:12 +8), datetime!(2026-03-02 10:14 +8));
        let e = input("other", a, b, "  ").validate().unwrap_err();
        assert_eq!(e.field, "text");
        assert!(e.problem.contains("其他"), "{e}");
        assert_eq!(input("battery", a, b, "").validate().unwrap_err().field, "text");
        assert_eq!(input("other", a, b, " 群众围观 ").validate().unwrap().text, "群众围观");
        assert!(input("other", a, b, &"字".repeat(MAX_INTERRUPTION_TEXT)).validate().is_ok());
        let e = input("other", a, b, &"字".repeat(MAX_INTERRUPTION_TEXT + 1)).validate().unwrap_err();
        assert_eq!(e.field, "text");
    }
}
