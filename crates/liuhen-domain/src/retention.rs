//! 保管与销毁 — legal holds and destruction requests.
//!
//! How long records are kept is rulebook data (`liuhen_policy::Retention`); here are the records
//! of keeping: a legal hold (placed and lifted with reasons) stops every destruction of what it
//! covers, and a destruction request lists the records to destroy (the 销毁清册), which two named
//! people other than the requester approve. Destroying removes content; what identifies it — the
//! digests, the 档号, the record's row — stays, with a tombstone entry in the ledger.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::required_text;
use crate::{CaseId, DestructionId, EvidenceId, HoldId, UserId, ValidationError};

/// The longest reason, in characters.
pub const MAX_RETENTION_TEXT: usize = 2000;

crate::labelled_enum! {
    /// 档案门类 — which kind of record a retention rule speaks of.
    pub enum RecordClass {
        /// 执法案卷 — a case file, with everything filed in it.
        CaseFile = ("case_file", "执法案卷"),
        /// 音像记录 — an AV record not filed with any case.
        AvRecord = ("av_record", "音像记录"),
    }
}

crate::labelled_enum! {
    /// 来源 — how an AV record came in.
    pub enum RecordSource {
        /// 采集站 — docked and uploaded by a station.
        Station = ("station", "采集站"),
        /// 上传 — uploaded by an officer (tus, `liuhen ingest`).
        Upload = ("upload", "上传"),
    }
}

/// What a hold covers, or a destruction destroys: a case's file (its package, documents and
/// evidence) or one AV record not filed with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RecordRef {
    /// 执法案卷.
    Case { id: CaseId },
    /// 音像记录 not filed with a case.
    Evidence { id: EvidenceId },
}

impl RecordRef {
    /// The ledger subject: `case:…` or `evidence:…`.
    pub fn subject(&self) -> String {
        match self {
            RecordRef::Case { id } => id.subject(),
            RecordRef::Evidence { id } => id.subject(),
        }
    }
}

/// 诉讼保全 / 法律冻结 — a legal hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Hold {
    pub id: HoldId,
    pub target: RecordRef,
    pub reason: String,
    pub placed_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub placed_at: OffsetDateTime,
    pub lifted_by: Option<UserId>,
    pub lift_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub lifted_at: Option<OffsetDateTime>,
}

impl Hold {
    pub fn live(&self) -> bool {
        self.lifted_at.is_none()
    }
}

/// What an archivist supplies to place a hold.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHold {
    pub target: RecordRef,
    /// Why (the litigation, the investigation): 1 to 2000 characters.
    pub reason: String,
}

/// Why a hold is lifted.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiftHold {
    pub reason: String,
}

/// What an archivist supplies to request a destruction.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDestruction {
    /// The records to destroy: at least one, at most 500, no repeats.
    pub items: Vec<RecordRef>,
    /// Why (鉴定意见: the retention ran out and the records have no further value).
    pub reason: String,
}

/// The most records one destruction request lists.
pub const MAX_DESTRUCTION_ITEMS: usize = 500;

/// Checks a reason: 1 to 2000 characters after trimming.
pub fn retention_reason(field: &str, text: &str) -> Result<String, ValidationError> {
    required_text(field, text, MAX_RETENTION_TEXT)
}

impl NewDestruction {
    pub fn validate(&self) -> Result<NewDestruction, ValidationError> {
        if self.items.is_empty() || self.items.len() > MAX_DESTRUCTION_ITEMS {
            return Err(ValidationError::new(
                "items",
                format!("a destruction lists 1 to {MAX_DESTRUCTION_ITEMS} records"),
            ));
        }
        for (i, item) in self.items.iter().enumerate() {
            if self.items.iter().take(i).any(|x| x == item) {
                return Err(ValidationError::new(format!("items[{i}]"), "listed twice"));
            }
        }
        Ok(NewDestruction { items: self.items.clone(), reason: retention_reason("reason", &self.reason)? })
    }
}

crate::labelled_enum! {
    /// Where a destruction request stands.
    pub enum DestructionState {
        /// 待审批 — waiting for its approvals.
        Requested = ("requested", "待审批"),
        /// 已批准 — approved twice; content is being removed.
        Approved = ("approved", "已批准"),
        /// 已销毁 — done: content gone, tombstones in the ledger.
        Done = ("done", "已销毁"),
        /// 已撤回 — withdrawn by its requester, or refused by an approver.
        Withdrawn = ("withdrawn", "已撤回"),
    }
}

/// One approval of a destruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DestructionApproval {
    pub approver: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub approved_at: OffsetDateTime,
}

/// Two approvals by two people other than the requester.
pub const DESTRUCTION_APPROVALS: usize = 2;

/// A destruction request with its approvals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Destruction {
    pub id: DestructionId,
    pub items: Vec<RecordRef>,
    pub reason: String,
    pub state: DestructionState,
    pub requested_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: OffsetDateTime,
    pub approvals: Vec<DestructionApproval>,
    /// Why it was withdrawn or refused.
    pub withdraw_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub done_at: Option<OffsetDateTime>,
}
