//! 执法公示 — public disclosure before, during and after enforcement.
//!
//! 事后公开: an issued decision of a kind the rulebook publishes gets a [`Disclosure`] with its
//! deadline. Its published text is a new text made from the document by redaction (隐名处理: see
//! [`crate::redaction`]), proposed, confirmed by a reviewer and then published; the issued document
//! is never changed. A publication is withdrawn with its ground and reason when the decision is
//! revoked, changed or found unlawful, and goes offline after the rulebook's period.
//!
//! 事前公开: [`PriorItem`]s — the agency's functions, 权责清单, legal basis, procedures, remedies,
//! 随机抽查事项清单 and service guides — each change a new version that is published again.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::error::required_text;
use crate::redaction::IdentifierKind;
use crate::{CaseId, CaseKind, DisclosureId, DocumentId, PriorItemId, UnitId, UserId, ValidationError};

/// The longest reason or label, in characters.
pub const MAX_DISCLOSURE_TEXT: usize = 2000;
/// The longest 事前公开 item body, in characters.
pub const MAX_PRIOR_BODY: usize = 50_000;
/// The most phrases a reviewer labels in one redaction.
pub const MAX_LABELS: usize = 100;

crate::labelled_enum! {
    /// Where a disclosure stands.
    pub enum DisclosureState {
        /// 待公示 — the decision is issued; no redacted text yet.
        Due = ("due", "待公示"),
        /// 待确认 — a redacted text is proposed and waits for a reviewer.
        Redacted = ("redacted", "待确认"),
        /// 待发布 — the redaction is confirmed.
        Confirmed = ("confirmed", "待发布"),
        /// 已公示.
        Published = ("published", "已公示"),
        /// 已撤回 — the publication was taken back; the reason stays public.
        Withdrawn = ("withdrawn", "已撤回"),
    }
}

crate::labelled_enum! {
    /// Why a publication is withdrawn.
    pub enum WithdrawalGround {
        Revoked = ("revoked", "决定被撤销"),
        Changed = ("changed", "决定被变更"),
        Unlawful = ("unlawful", "决定被确认违法"),
    }
}

/// One masked span of the proposed text, for the reviewer: what it was and what replaced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MaskedSpan {
    pub kind: IdentifierKind,
    pub original: String,
    pub replacement: String,
}

/// A withdrawal, once made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Withdrawal {
    pub ground: WithdrawalGround,
    pub reason: String,
    /// The day the decision was revoked, changed or found unlawful.
    #[serde(with = "crate::when::day")]
    #[schema(value_type = String, format = Date)]
    pub decided_on: Date,
    /// The last day to withdraw, on the rulebook's calendar.
    #[serde(with = "crate::when::day")]
    #[schema(value_type = String, format = Date)]
    pub due_on: Date,
    pub by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// The ledger index of the withdrawal entry.
    pub entry: u64,
}

/// 事后公开 of one issued decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Disclosure {
    pub id: DisclosureId,
    pub agency_id: UnitId,
    pub case_id: CaseId,
    pub document_id: DocumentId,
    /// 文书名称, e.g. 行政处罚决定书.
    pub format_name: String,
    /// 文号.
    pub number: Option<String>,
    pub case_kind: CaseKind,
    /// The day the decision was issued (北京时间).
    #[serde(with = "crate::when::day")]
    #[schema(value_type = String, format = Date)]
    pub decided_on: Date,
    /// The last day to publish, on the rulebook's working-day calendar.
    #[serde(with = "crate::when::day")]
    #[schema(value_type = String, format = Date)]
    pub due_on: Date,
    pub state: DisclosureState,
    /// A party of the decision is a natural person (the shorter offline period applies).
    pub natural_person: bool,
    /// The redacted text, once proposed.
    pub text: Option<String>,
    /// What the redaction masked (for the reviewer; never published).
    pub masked: Vec<MaskedSpan>,
    /// What a person labelled for this redaction: names the case does not list, 商业秘密 phrases.
    pub labels: NewRedaction,
    pub prepared_by: Option<UserId>,
    pub confirmed_by: Option<UserId>,
    pub published_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<OffsetDateTime>,
    /// The ledger index of the publication entry: anyone checks the text against it.
    pub published_entry: Option<u64>,
    /// SHA-256 and SM3 of the published text (UTF-8).
    pub text_sha256: Option<String>,
    pub text_sm3: Option<String>,
    /// The publication goes offline after this day.
    #[serde(with = "crate::when::day::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub offline_after: Option<Date>,
    pub withdrawal: Option<Withdrawal>,
    /// The ledger index of the finding that the deadline passed unpublished.
    pub overdue_entry: Option<u64>,
}

impl Disclosure {
    /// Public as of `today`: published, not withdrawn, not past its offline day.
    pub fn online(&self, today: Date) -> bool {
        self.state == DisclosureState::Published && self.offline_after.is_none_or(|d| today <= d)
    }

    /// The public title: 文书名称 and 文号.
    pub fn title(&self) -> String {
        match &self.number {
            Some(n) => format!("{}（{n}）", self.format_name),
            None => self.format_name.clone(),
        }
    }
}

/// What the redaction is asked to mask besides what it finds: names and 商业秘密 phrases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRedaction {
    /// Natural persons' names the text names and the case does not list.
    #[serde(default)]
    pub persons: Vec<String>,
    /// Phrases the reviewer labels 商业秘密.
    #[serde(default)]
    pub secrets: Vec<String>,
}

impl NewRedaction {
    pub fn validate(&self) -> Result<NewRedaction, ValidationError> {
        let clean = |field: &str, list: &[String]| -> Result<Vec<String>, ValidationError> {
            if list.len() > MAX_LABELS {
                return Err(ValidationError::new(field, format!("at most {MAX_LABELS} phrases")));
            }
            let mut out: Vec<String> = Vec::with_capacity(list.len());
            for (i, p) in list.iter().enumerate() {
                let p = required_text(&format!("{field}[{i}]"), p, 200)?;
                if !out.contains(&p) {
                    out.push(p);
                }
            }
            Ok(out)
        };
        Ok(NewRedaction {
            persons: clean("persons", &self.persons)?,
            secrets: clean("secrets", &self.secrets)?,
        })
    }
}

/// What a withdrawing leader supplies.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWithdrawal {
    pub ground: WithdrawalGround,
    /// Shown on the public page in place of the text: 1 to 2000 characters.
    pub reason: String,
    /// The day the decision was revoked, changed or found unlawful.
    #[serde(with = "crate::when::day")]
    #[schema(value_type = String, format = Date)]
    pub decided_on: Date,
}

impl NewWithdrawal {
    pub fn validate(&self, today: Date) -> Result<NewWithdrawal, ValidationError> {
        if self.decided_on > today {
            return Err(ValidationError::new("decided_on", "a day in the future (不能晚于今天)"));
        }
        Ok(NewWithdrawal {
            ground: self.ground,
            reason: required_text("reason", &self.reason, MAX_DISCLOSURE_TEXT)?,
            decided_on: self.decided_on,
        })
    }
}

crate::labelled_enum! {
    /// 事前公开 — what the agency publishes before it enforces.
    pub enum PriorKind {
        Functions = ("functions", "机构职能"),
        Powers = ("powers", "权责清单"),
        Basis = ("basis", "执法依据"),
        Procedure = ("procedure", "执法程序"),
        Remedies = ("remedies", "救济方式"),
        Inspections = ("inspections", "随机抽查事项清单"),
        Guide = ("guide", "服务指南"),
    }
}

/// One 事前公开 item at its latest version, with the version the public sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PriorItem {
    pub id: PriorItemId,
    pub agency_id: UnitId,
    pub kind: PriorKind,
    pub title: String,
    pub body: String,
    /// 1 for the first text; each change adds one.
    pub version: u32,
    pub changed_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub changed_at: OffsetDateTime,
    /// The last day to publish this version.
    #[serde(with = "crate::when::day")]
    #[schema(value_type = String, format = Date)]
    pub due_on: Date,
    /// The version the public sees, if any.
    pub published_version: Option<u32>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<OffsetDateTime>,
    pub published_entry: Option<u64>,
    /// The ledger index of the finding that this version was not published in time.
    pub overdue_entry: Option<u64>,
}

impl PriorItem {
    /// The latest version waits to be published.
    pub fn pending(&self) -> bool {
        self.published_version != Some(self.version)
    }
}

/// A new 事前公开 item, or a new version of one.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorItemDraft {
    pub kind: PriorKind,
    /// 1 to 200 characters.
    pub title: String,
    /// 1 to 50,000 characters.
    pub body: String,
}

impl PriorItemDraft {
    pub fn validate(&self) -> Result<PriorItemDraft, ValidationError> {
        Ok(PriorItemDraft {
            kind: self.kind,
            title: required_text("title", &self.title, 200)?,
            body: required_text("body", &self.body, MAX_PRIOR_BODY)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn withdrawals_and_redaction_labels_are_checked() {
        let w = NewWithdrawal {
            ground: WithdrawalGround::Revoked,
            reason: " 复议撤销 ".into(),
            decided_on: date!(2026 - 12 - 02),
        };
        assert_eq!(w.validate(date!(2026 - 12 - 03)).unwrap().reason, "复议撤销");
        assert_eq!(w.validate(date!(2026 - 12 - 01)).unwrap_err().field, "decided_on");
        let r = NewRedaction { persons: vec!["王五".into(), "王五".into()], secrets: vec![" ".into()] };
        assert_eq!(r.validate().unwrap_err().field, "secrets[0]");
        let r = NewRedaction { persons: vec!["王五".into(), "王五".into()], secrets: vec![] };
        assert_eq!(r.validate().unwrap().persons, vec!["王五".to_owned()]);
    }
}
