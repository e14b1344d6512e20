//! Enforcement documents (执法文书) as records: a draft is edited; an issued
//! document is immutable (its PDF and digests fixed, its 文号 allocated); a
//! correction is a new document that points to the one it corrects.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{ActId, CaseId, Confidentiality, DocumentId, UnitId, UserId};

crate::labelled_enum! {
    /// Where a document stands.
    pub enum DocumentStatus {
        Draft = ("draft", "草稿"),
        Issued = ("issued", "已签发"),
        Served = ("served", "已送达"),
    }
}

/// The digests fixed when a document is issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuedDigests {
    pub pdf_sha256: String,
    pub pdf_sm3: String,
    pub pdf_size: u64,
    /// Of the canonical field data (sorted-key JSON).
    pub data_sha256: String,
    pub data_sm3: String,
}

/// One document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Document {
    pub id: DocumentId,
    pub agency_id: UnitId,
    pub case_id: CaseId,
    /// The format's code, e.g. `penalty_decision`.
    pub format: String,
    /// 文书名称, e.g. 行政处罚决定书.
    pub format_name: String,
    pub status: DocumentStatus,
    /// The issued document this one corrects.
    pub corrects: Option<DocumentId>,
    /// 密级 / 敏感标识: by default the case's. Read above one's clearance only through 调阅.
    pub label: Confidentiality,
    /// The field values (JSON object), as validated at issue.
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
    /// 文号, once issued (numbered formats).
    pub number: Option<String>,
    pub created_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    pub issued_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub issued_at: Option<OffsetDateTime>,
    pub digests: Option<IssuedDigests>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub served_at: Option<OffsetDateTime>,
    /// The service act (送达) or the 送达回证 that proves service.
    pub served_by_act: Option<ActId>,
    pub served_by_document: Option<DocumentId>,
}
