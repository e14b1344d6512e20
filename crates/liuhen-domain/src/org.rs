//! Organisations: an agency (执法机关) with its 统一社会信用代码 and a tree of
//! departments and units (内设机构、执法队) below it.

use serde::{Deserialize, Serialize};

use crate::error::{optional_text, required_text};
use crate::{UnitId, Uscc, ValidationError};

crate::labelled_enum! {
    /// What kind of unit a node of the organisation tree is.
    pub enum UnitKind {
        /// 执法机关 — the agency itself, root of its tree.
        Agency = ("agency", "执法机关"),
        /// 内设机构 / 执法队 — a department or team inside an agency.
        Department = ("department", "内设机构"),
    }
}

/// One node of an agency's organisation tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrgUnit {
    pub id: UnitId,
    /// The agency this unit belongs to; equal to `id` for the agency itself.
    pub agency_id: UnitId,
    pub parent_id: Option<UnitId>,
    pub kind: UnitKind,
    pub name: String,
    /// 简称 — short name used in case and document numbers (`临市监`). Agencies only.
    pub short_name: Option<String>,
    /// 统一社会信用代码 of the agency. Agencies only.
    #[schema(value_type = Option<String>)]
    pub uscc: Option<Uscc>,
    /// 单位编号 — the code body cameras are configured with (`device.json`
    /// `unit_code`), when the unit has one.
    #[serde(default)]
    pub code: Option<String>,
}

/// What a caller supplies to create a unit.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    pub name: String,
    /// Parent unit; none for a new agency.
    pub parent_id: Option<UnitId>,
    #[serde(default)]
    pub short_name: Option<String>,
    #[serde(default)]
    pub uscc: Option<String>,
    /// 单位编号, as the unit's body cameras are configured.
    #[serde(default)]
    pub code: Option<String>,
}

impl NewUnit {
    /// Validates the input. An agency (no parent) needs a 简称 and a valid
    /// 统一社会信用代码; a department has neither.
    pub fn validate(&self, id: UnitId, parent: Option<&OrgUnit>) -> Result<OrgUnit, ValidationError> {
        let name = required_text("name", &self.name, 100)?;
        let code = match self.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(crate::device_identifier("code", c)?),
            None => None,
        };
        match parent {
            None => {
                let short = self
                    .short_name
                    .as_deref()
                    .map(|s| required_text("short_name", s, 16))
                    .transpose()?
                    .ok_or_else(|| ValidationError::new("short_name", "an agency needs a 简称"))?;
                let uscc_text = self
                    .uscc
                    .as_deref()
                    .ok_or_else(|| ValidationError::new("uscc", "an agency needs its 统一社会信用代码"))?;
                let uscc: Uscc = uscc_text
                    .parse()
                    .map_err(|e| ValidationError::new("uscc", format!("统一社会信用代码 {e}")))?;
                Ok(OrgUnit {
                    id,
                    agency_id: id,
                    parent_id: None,
                    kind: UnitKind::Agency,
                    name,
                    short_name: Some(short),
                    uscc: Some(uscc),
                    code,
                })
            }
            Some(p) => {
                if self.uscc.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                    return Err(ValidationError::new("uscc", "only an agency carries a 统一社会信用代码"));
                }
                Ok(OrgUnit {
                    id,
                    agency_id: p.agency_id,
                    parent_id: Some(p.id),
                    kind: UnitKind::Department,
                    name,
                    short_name: optional_text("short_name", self.short_name.as_deref().unwrap_or(""), 16)?,
                    uscc: None,
                    code,
                })
            }
        }
    }
}
