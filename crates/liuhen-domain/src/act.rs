//! Enforcement acts (执法行为): what was done, when, where and by whom.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::case::validate_officer_list;
use crate::error::{optional_text, required_text};
use crate::{ActId, CaseId, UserId, ValidationError};

crate::labelled_enum! {
    /// 执法行为种类.
    pub enum ActKind {
        /// 现场检查 — on-site inspection.
        OnSiteInspection = ("on_site_inspection", "现场检查"),
        /// 询问 — inquiry of a party or witness.
        Inquiry = ("inquiry", "询问"),
        /// 抽样取证 — sampling as evidence.
        Sampling = ("sampling", "抽样取证"),
        /// 先行登记保存 — registration and preservation of evidence.
        EvidencePreservation = ("evidence_preservation", "先行登记保存"),
        /// 查封扣押 — seizure or detention of property.
        Seizure = ("seizure", "查封扣押"),
        /// 强制拆除 — forced demolition.
        ForcedDemolition = ("forced_demolition", "强制拆除"),
        /// 听证 — hearing.
        Hearing = ("hearing", "听证"),
        /// 直接送达 — service in person.
        ServiceInPerson = ("service_in_person", "直接送达"),
        /// 留置送达 — service by leaving the document.
        ServiceByLeaving = ("service_by_leaving", "留置送达"),
        /// 公告送达 — service by public notice.
        ServiceByNotice = ("service_by_notice", "公告送达"),
        /// 邮寄送达 — service by post.
        ServiceByPost = ("service_by_post", "邮寄送达"),
        /// 电子送达 — electronic service.
        ServiceElectronic = ("service_electronic", "电子送达"),
        /// 执行 — execution of a decision.
        Execution = ("execution", "执行"),
    }
}

crate::labelled_enum! {
    /// Where an act takes place.
    pub enum Venue {
        /// 现场 — on site.
        OnSite = ("on_site", "现场"),
        /// 执法办案场所 — a case-handling venue (询问室、听证室).
        CaseHandlingVenue = ("case_handling_venue", "执法办案场所"),
        /// 非现场 — no place of its own (service by post, electronic service).
        Remote = ("remote", "非现场"),
    }
}

/// 地点 — where an act happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Place {
    pub address: String,
    /// WGS 84 latitude in degrees.
    #[serde(default)]
    pub latitude: Option<f64>,
    /// WGS 84 longitude in degrees.
    #[serde(default)]
    pub longitude: Option<f64>,
}

/// A recorded enforcement act.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Act {
    pub id: ActId,
    pub case_id: CaseId,
    pub kind: ActKind,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: OffsetDateTime,
    pub place: Place,
    pub venue: Venue,
    /// Name of the case-handling venue (`第一询问室`), when `venue` is one.
    pub venue_name: Option<String>,
    pub officers: Vec<UserId>,
    /// Indexes into the case's `parties`.
    pub parties: Vec<u16>,
    pub notes: Option<String>,
    /// 记录要素 the officers attest the record shows (出示执法证, 场景, …),
    /// beyond those its own fields show (时间, 地点, 执法人员, 执法行为).
    #[serde(default)]
    pub elements: Vec<String>,
    pub created_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// What a caller supplies to record an act.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAct {
    pub kind: ActKind,
    /// RFC 3339 with its UTC offset, e.g. `2026-03-02T09:30:00+08:00`.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: OffsetDateTime,
    pub place: Place,
    pub venue: Venue,
    #[serde(default)]
    pub venue_name: Option<String>,
    pub officers: Vec<UserId>,
    #[serde(default)]
    pub parties: Vec<u16>,
    #[serde(default)]
    pub notes: Option<String>,
    /// 记录要素 the record shows, attested by the officer recording the act
    /// (names from the rulebook, e.g. 出示执法证); more may be attested later.
    #[serde(default)]
    pub elements: Vec<String>,
}

/// The longest single act liuhen accepts: a week.
pub const MAX_ACT_SECONDS: i64 = 7 * 24 * 3600;

/// The validated content of a [`NewAct`].
#[derive(Debug, Clone, PartialEq)]
pub struct ActDraft {
    pub kind: ActKind,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub place: Place,
    pub venue: Venue,
    pub venue_name: Option<String>,
    pub officers: Vec<UserId>,
    pub parties: Vec<u16>,
    pub notes: Option<String>,
    pub elements: Vec<String>,
}

/// At most this many 记录要素 per act.
pub const MAX_ELEMENTS: usize = 32;

/// Checks a list of 记录要素 names: each 1 to 32 characters, none twice, at
/// most [`MAX_ELEMENTS`]. Whether the rulebook knows them is the service's
/// question.
pub fn validate_elements(field: &str, elements: &[String]) -> Result<Vec<String>, ValidationError> {
    if elements.len() > MAX_ELEMENTS {
        return Err(ValidationError::new(field, format!("at most {MAX_ELEMENTS} 记录要素")));
    }
    let mut out: Vec<String> = Vec::with_capacity(elements.len());
    for (i, e) in elements.iter().enumerate() {
        let e = required_text(&format!("{field}[{i}]"), e, 32)?;
        if out.contains(&e) {
            return Err(ValidationError::new(format!("{field}[{i}]"), "is listed twice"));
        }
        out.push(e);
    }
    Ok(out)
}

impl NewAct {
    /// Validates the act for a case with `party_count` parties.
    pub fn validate(&self, party_count: usize) -> Result<ActDraft, ValidationError> {
        crate::when::bounded("starts_at", self.starts_at)?;
        crate::when::bounded("ends_at", self.ends_at)?;
        let secs = (self.ends_at - self.starts_at).whole_seconds();
        if secs <= 0 {
            return Err(ValidationError::new("ends_at", "must be later than starts_at"));
        }
        if secs > MAX_ACT_SECONDS {
            return Err(ValidationError::new("ends_at", "an act may last at most 7 days"));
        }
        let address = required_text("place.address", &self.place.address, 200)?;
        match (self.place.latitude, self.place.longitude) {
            (Some(lat), Some(lon)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    return Err(ValidationError::new("place.latitude", "must be between -90 and 90"));
                }
                if !(-180.0..=180.0).contains(&lon) {
                    return Err(ValidationError::new("place.longitude", "must be between -180 and 180"));
                }
            }
            (None, None) => {}
            _ => {
                return Err(ValidationError::new(
                    "place",
                    "latitude and longitude come together or not at all",
                ));
            }
        }
        let venue_name = optional_text("venue_name", self.venue_name.as_deref().unwrap_or(""), 64)?;
        if self.venue == Venue::CaseHandlingVenue && venue_name.is_none() {
            return Err(ValidationError::new("venue_name", "name the 执法办案场所 (e.g. 第一询问室)"));
        }
        if self.officers.is_empty() {
            return Err(ValidationError::new("officers", "an act needs at least one officer"));
        }
        validate_officer_list("officers", &self.officers)?;
        for (i, p) in self.parties.iter().enumerate() {
            if usize::from(*p) >= party_count {
                return Err(ValidationError::new(
                    format!("parties[{i}]"),
                    format!("the case has {party_count} parties; index {p} does not exist"),
                ));
            }
            if self.parties.iter().take(i).any(|q| q == p) {
                return Err(ValidationError::new(format!("parties[{i}]"), "is listed twice"));
            }
        }
        Ok(ActDraft {
            kind: self.kind,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            place: Place { address, latitude: self.place.latitude, longitude: self.place.longitude },
            venue: self.venue,
            venue_name,
            officers: self.officers.clone(),
            parties: self.parties.clone(),
            notes: optional_text("notes", self.notes.as_deref().unwrap_or(""), 4000)?,
            elements: validate_elements("elements", &self.elements)?,
        })
    }
}
