//! 调阅: reading records outside one's own handling scope, or records that
//! touch 个人隐私 or 商业秘密, on an approved, time-limited request
//! (建立健全记录信息调阅监督制度).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::{optional_text, required_text};
use crate::{AccessRequestId, CaseId, UnitId, UserId, ValidationError};

/// The longest a grant may run, in days.
pub const MAX_ACCESS_DAYS: u32 = 30;

/// Who asks from outside the agency (a court, a procuratorate, another
/// authority), with their 调阅函.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalRequester {
    /// 调阅函 reference, e.g. `（2026）浙0102协调字第15号`.
    pub letter_ref: String,
    /// The person who will read.
    pub name: String,
    /// Their organisation.
    pub organisation: String,
    /// Their 工作证 or 身份证 number, as shown on the letter.
    pub id_number: String,
}

/// What a caller supplies to ask for 调阅.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccessRequest {
    pub case_id: CaseId,
    /// 调阅事由: why.
    pub purpose: String,
    /// For how many days (1 to 30) the grant runs once approved.
    pub days: u32,
    /// Present when the request comes from outside the agency.
    #[serde(default)]
    pub external: Option<ExternalRequester>,
}

impl NewAccessRequest {
    /// Checks and normalises the request.
    pub fn validated(&self) -> Result<NewAccessRequest, ValidationError> {
        if !(1..=MAX_ACCESS_DAYS).contains(&self.days) {
            return Err(ValidationError::new("days", format!("between 1 and {MAX_ACCESS_DAYS}")));
        }
        let external = match &self.external {
            None => None,
            Some(x) => Some(ExternalRequester {
                letter_ref: required_text("external.letter_ref", &x.letter_ref, 100)?,
                name: required_text("external.name", &x.name, 64)?,
                organisation: required_text("external.organisation", &x.organisation, 100)?,
                id_number: required_text("external.id_number", &x.id_number, 32)?,
            }),
        };
        Ok(NewAccessRequest {
            case_id: self.case_id,
            purpose: required_text("purpose", &self.purpose, 500)?,
            days: self.days,
            external,
        })
    }
}

/// A 调阅 request, its approvals and, once enough approvals are in, its grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccessRequest {
    pub id: AccessRequestId,
    pub agency_id: UnitId,
    pub case_id: CaseId,
    pub requester: UserId,
    pub purpose: String,
    pub days: u32,
    pub external: Option<ExternalRequester>,
    /// Who approved, in order.
    pub approvals: Vec<UserId>,
    /// Approvals needed for the grant.
    pub approvals_needed: u32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Set once granted: the grant runs until then.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub granted_until: Option<OffsetDateTime>,
    /// Set when refused, with the reason.
    pub rejected_by: Option<UserId>,
    pub reject_reason: Option<String>,
}

impl AccessRequest {
    /// Whether the request's grant is in force at `now` (granted, and not
    /// yet run out).
    pub fn grant_live_at(&self, now: OffsetDateTime) -> bool {
        self.granted_until.is_some_and(|until| until > now)
    }
}

/// Checks an optional rejection reason.
pub fn reject_reason(text: &str) -> Result<String, ValidationError> {
    optional_text("reason", text, 500)?.ok_or_else(|| ValidationError::new("reason", "a refusal says why"))
}
