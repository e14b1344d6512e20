//! Cases (案件): what they are about, who they concern, where they stand.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::{optional_text, required_text};
use crate::{CaseId, Procedure, ResidentId, UnitId, Uscc, UserId, ValidationError};

crate::labelled_enum! {
    /// 案件类型 — the kind of administrative action.
    pub enum CaseKind {
        Penalty = ("administrative_penalty", "行政处罚"),
        Coercion = ("administrative_coercion", "行政强制"),
        Inspection = ("administrative_inspection", "行政检查"),
        Licensing = ("administrative_licensing", "行政许可"),
        Expropriation = ("levy_requisition", "行政征收征用"),
        Other = ("other", "其他"),
    }
}

crate::labelled_enum! {
    /// 办案阶段 — the stages of the enforcement procedure, in order.
    #[derive(PartialOrd, Ord)]
    pub enum Stage {
        /// 启动 — initiation, 立案.
        Initiation = ("initiation", "启动"),
        /// 调查取证 — investigation and evidence.
        Investigation = ("investigation", "调查取证"),
        /// 审核决定 — review and decision.
        Decision = ("decision", "审核决定"),
        /// 送达执行 — service and execution.
        Execution = ("execution", "送达执行"),
        /// 归档 — archived.
        Archived = ("archived", "归档"),
    }
}

impl Stage {
    /// The stage that follows this one, if any.
    pub fn next(self) -> Option<Stage> {
        match self {
            Stage::Initiation => Some(Stage::Investigation),
            Stage::Investigation => Some(Stage::Decision),
            Stage::Decision => Some(Stage::Execution),
            Stage::Execution => Some(Stage::Archived),
            Stage::Archived => None,
        }
    }
}

crate::labelled_enum! {
    /// 密级 / 敏感标识 — how a record must be handled.
    #[derive(PartialOrd, Ord)]
    pub enum Confidentiality {
        Public = ("public", "公开"),
        Internal = ("internal", "内部"),
        PersonalPrivacy = ("personal_privacy", "个人隐私"),
        TradeSecret = ("trade_secret", "商业秘密"),
        StateSecret = ("state_secret", "国家秘密"),
    }
}

crate::labelled_enum! {
    /// 证件类型 of a natural person.
    pub enum PersonIdKind {
        ResidentIdCard = ("resident_id_card", "居民身份证"),
        Passport = ("passport", "护照"),
        MainlandTravelPermitHkMo = ("hk_macao_permit", "港澳居民来往内地通行证"),
        MainlandTravelPermitTw = ("taiwan_permit", "台湾居民来往大陆通行证"),
        ForeignPermanentResident = ("foreign_permanent_resident", "外国人永久居留身份证"),
    }
}

/// 当事人 — a party to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Party {
    /// 自然人 — a natural person.
    NaturalPerson {
        name: String,
        id_kind: PersonIdKind,
        /// The document number; for 居民身份证 a GB 11643 number with a valid check digit.
        id_number: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phone: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
    },
    /// 法人或其他组织 — an organisation, identified by its 统一社会信用代码.
    Organisation {
        name: String,
        /// GB 32100 统一社会信用代码 with a valid check character.
        uscc: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        legal_representative: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
    },
}

impl Party {
    pub fn name(&self) -> &str {
        match self {
            Party::NaturalPerson { name, .. } | Party::Organisation { name, .. } => name,
        }
    }

    /// Validates and normalises a party (trimmed text, upper-case check characters).
    pub fn validated(&self) -> Result<Party, ValidationError> {
        match self {
            Party::NaturalPerson { name, id_kind, id_number, phone, address } => {
                let name = required_text("name", name, 64)?;
                let id_number = match id_kind {
                    PersonIdKind::ResidentIdCard => id_number
                        .parse::<ResidentId>()
                        .map_err(|e| ValidationError::new("id_number", format!("公民身份号码 {e}")))?
                        .to_string(),
                    _ => {
                        let n = required_text("id_number", id_number, 32)?;
                        if !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                            return Err(ValidationError::new(
                                "id_number",
                                "may hold only letters, digits and '-'",
                            ));
                        }
                        n.to_ascii_uppercase()
                    }
                };
                let phone = optional_text("phone", phone.as_deref().unwrap_or(""), 32)?;
                if let Some(p) = &phone
                    && !p.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' '))
                {
                    return Err(ValidationError::new("phone", "may hold only digits, '+', '-' and spaces"));
                }
                Ok(Party::NaturalPerson {
                    name,
                    id_kind: *id_kind,
                    id_number,
                    phone,
                    address: optional_text("address", address.as_deref().unwrap_or(""), 200)?,
                })
            }
            Party::Organisation { name, uscc, legal_representative, address } => Ok(Party::Organisation {
                name: required_text("name", name, 100)?,
                uscc: uscc
                    .parse::<Uscc>()
                    .map_err(|e| ValidationError::new("uscc", format!("统一社会信用代码 {e}")))?
                    .to_string(),
                legal_representative: optional_text(
                    "legal_representative",
                    legal_representative.as_deref().unwrap_or(""),
                    64,
                )?,
                address: optional_text("address", address.as_deref().unwrap_or(""), 200)?,
            }),
        }
    }
}

/// An enforcement case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Case {
    pub id: CaseId,
    pub agency_id: UnitId,
    /// 承办单位 — the unit handling the case.
    pub unit_id: UnitId,
    /// 案件编号, e.g. `临市监立〔2026〕12号`, allocated without gaps per agency and year.
    pub number: String,
    /// 案由 — what the case is about.
    pub cause: String,
    pub kind: CaseKind,
    /// 执法程序 — the procedure the case follows (its stages' expected acts and
    /// documents, its handling limit); `None` for kinds without one.
    #[serde(default)]
    pub procedure: Option<Procedure>,
    pub stage: Stage,
    pub label: Confidentiality,
    /// 简要案情 — a short account.
    pub summary: Option<String>,
    pub parties: Vec<Party>,
    /// Assigned officers; the first is the lead officer (主办).
    pub officers: Vec<UserId>,
    pub created_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// What a caller supplies to open a case (立案).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub cause: String,
    pub kind: CaseKind,
    /// 执法程序; defaults to the kind's usual one (行政处罚 → 普通程序).
    #[serde(default)]
    pub procedure: Option<Procedure>,
    /// Defaults to the creating user's unit.
    #[serde(default)]
    pub unit_id: Option<UnitId>,
    #[serde(default)]
    pub label: Option<Confidentiality>,
    #[serde(default)]
    pub summary: Option<String>,
    pub parties: Vec<Party>,
    /// Assigned officers; defaults to the creating officer.
    #[serde(default)]
    pub officers: Vec<UserId>,
}

/// The validated content of a [`NewCase`], before the store gives it a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDraft {
    pub cause: String,
    pub kind: CaseKind,
    pub procedure: Option<Procedure>,
    pub label: Confidentiality,
    pub summary: Option<String>,
    pub parties: Vec<Party>,
}

pub const MAX_PARTIES: usize = 50;
pub const MAX_OFFICERS: usize = 20;

impl NewCase {
    pub fn validate(&self) -> Result<CaseDraft, ValidationError> {
        let cause = required_text("cause", &self.cause, 200)?;
        if self.parties.len() > MAX_PARTIES {
            return Err(ValidationError::new("parties", format!("at most {MAX_PARTIES} parties")));
        }
        let parties = self
            .parties
            .iter()
            .enumerate()
            .map(|(i, p)| p.validated().map_err(|e| e.within(format_args!("parties[{i}]"))))
            .collect::<Result<Vec<_>, _>>()?;
        validate_officer_list("officers", &self.officers)?;
        if self.label == Some(Confidentiality::StateSecret) {
            return Err(ValidationError::new(
                "label",
                "liuhen does not take in content labelled 国家秘密; it belongs in a certified classified system",
            ));
        }
        let procedure = match self.procedure {
            None => Procedure::default_for(self.kind),
            Some(p) if p.case_kind() == self.kind => Some(p),
            Some(p) => {
                return Err(ValidationError::new(
                    "procedure",
                    format!("{} is not a procedure of a {} case", p.label_zh(), self.kind.label_zh()),
                ));
            }
        };
        Ok(CaseDraft {
            cause,
            kind: self.kind,
            procedure,
            label: self.label.unwrap_or(Confidentiality::Internal),
            summary: optional_text("summary", self.summary.as_deref().unwrap_or(""), 2000)?,
            parties,
        })
    }
}

/// Checks a list of officers for size and duplicates.
pub fn validate_officer_list(field: &str, officers: &[UserId]) -> Result<(), ValidationError> {
    if officers.len() > MAX_OFFICERS {
        return Err(ValidationError::new(field, format!("at most {MAX_OFFICERS} officers")));
    }
    for (i, o) in officers.iter().enumerate() {
        if officers.iter().take(i).any(|p| p == o) {
            return Err(ValidationError::new(format!("{field}[{i}]"), "is listed twice"));
        }
    }
    Ok(())
}

/// Formats a 案件编号 from the agency's 简称, the year and the sequence number.
pub fn case_number(agency_short_name: &str, year: i32, seq: i64) -> String {
    format!("{agency_short_name}立〔{year}〕{seq}号")
}
