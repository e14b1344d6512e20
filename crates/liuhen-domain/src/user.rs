//! Users and their roles. Officers (执法人员) carry an enforcement
//! certificate number (执法证号) and category (执法类别).

use serde::{Deserialize, Serialize};

use crate::error::{optional_text, required_text};
use crate::{Confidentiality, UnitId, UserId, ValidationError};

crate::labelled_enum! {
    /// What a user may do, as DESIGN.md names the people who use liuhen.
    pub enum Role {
        /// 执法人员 — opens cases, records acts, docks cameras, drafts documents.
        Officer = ("officer", "执法人员"),
        /// 法制审核人员 — reviews major decisions before they are made.
        Reviewer = ("reviewer", "法制审核人员"),
        /// 负责人 — approves stage transitions and decisions for a unit and below.
        Leader = ("leader", "负责人"),
        /// 档案管理员 — receives and keeps case files.
        Archivist = ("archivist", "档案管理员"),
        /// 监督人员 — reads everything in the jurisdiction, changes nothing.
        Supervisor = ("supervisor", "监督人员"),
        /// 采集站 — a docking station; only uploads.
        Station = ("station", "采集站"),
        /// 系统管理员 — manages units, users and tokens; reads no case.
        Admin = ("admin", "系统管理员"),
    }
}

crate::labelled_enum! {
    /// What an API token may do (令牌权限范围); login sessions may do all
    /// their user may.
    pub enum TokenScope {
        /// Everything the token's user may do.
        Full = ("full", "全部权限"),
        /// Only reads (GET, HEAD): reports, streams, exports.
        Read = ("read", "只读"),
        /// Only evidence uploads (tus), as a docking station does.
        Upload = ("upload", "仅上传证据"),
    }
}

/// A user as stored; never carries the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub login: String,
    /// 姓名 or the station's name.
    pub display_name: String,
    pub role: Role,
    pub unit_id: UnitId,
    pub agency_id: UnitId,
    /// 执法证号 — enforcement certificate number.
    pub cert_no: Option<String>,
    /// 执法类别 — enforcement category printed on the certificate.
    pub enforcement_category: Option<String>,
    /// 法律职业资格 — holds the legal professional qualification (reviewers).
    pub legal_qualification: bool,
    pub active: bool,
    /// The highest label the user reads without a 调阅 grant, when an
    /// administrator set one; absent, the role's ([`default_clearance`]).
    #[serde(default)]
    pub clearance: Option<Confidentiality>,
}

/// The clearance a role has unless an administrator sets another: those who
/// handle, review or keep case files read what their scope shows them
/// (商业秘密); supervisors read 公开 and 内部 and the rest through 调阅;
/// stations and administrators read no records (公开).
pub fn default_clearance(role: Role) -> Confidentiality {
    match role {
        Role::Officer | Role::Leader | Role::Reviewer | Role::Archivist => Confidentiality::TradeSecret,
        Role::Supervisor => Confidentiality::Internal,
        Role::Station | Role::Admin => Confidentiality::Public,
    }
}

impl User {
    /// The clearance in force: the one set, or the role's.
    pub fn clearance_in_force(&self) -> Confidentiality {
        self.clearance.unwrap_or_else(|| default_clearance(self.role))
    }

    /// Whether the user reads a record so labelled without a grant.
    pub fn cleared_for(&self, label: Confidentiality) -> bool {
        label <= self.clearance_in_force()
    }
}

/// Checks a clearance: 国家秘密 is never one (such content is not kept here).
pub fn validate_clearance(c: Confidentiality) -> Result<Confidentiality, ValidationError> {
    if c == Confidentiality::StateSecret {
        return Err(ValidationError::new(
            "clearance",
            "国家秘密 content belongs in a certified classified system; no clearance reaches it here",
        ));
    }
    Ok(c)
}

/// What an administrator supplies to create a user.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: UnitId,
    #[serde(default)]
    pub cert_no: Option<String>,
    #[serde(default)]
    pub enforcement_category: Option<String>,
    #[serde(default)]
    pub legal_qualification: bool,
    /// The highest label the user reads without a grant; absent, the role's default.
    #[serde(default)]
    pub clearance: Option<Confidentiality>,
}

/// Checks a login name: 3–64 characters of lower-case ASCII letters, digits, `.`, `_`, `-`.
pub fn validate_login(login: &str) -> Result<String, ValidationError> {
    let l = login.trim();
    let n = l.chars().count();
    if !(3..=64).contains(&n) {
        return Err(ValidationError::new("login", "must be 3 to 64 characters long"));
    }
    if let Some(c) =
        l.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')))
    {
        return Err(ValidationError::new(
            "login",
            format!("character {c:?} is not allowed; use a-z, 0-9, '.', '_' or '-'"),
        ));
    }
    Ok(l.to_owned())
}

/// Checks a password for length only: 10 to 256 characters (NIST SP 800-63B §5.1.1).
pub fn validate_password(password: &str) -> Result<(), ValidationError> {
    let n = password.chars().count();
    if n < 10 {
        return Err(ValidationError::new("password", "must be at least 10 characters long"));
    }
    if n > 256 {
        return Err(ValidationError::new("password", "must be at most 256 characters long"));
    }
    Ok(())
}

impl NewUser {
    /// Validates the input for a user of unit `unit_id` inside agency `agency_id`.
    pub fn validate(&self, id: UserId, agency_id: UnitId) -> Result<User, ValidationError> {
        let login = validate_login(&self.login)?;
        let display_name = required_text("display_name", &self.display_name, 64)?;
        let cert_no = optional_text("cert_no", self.cert_no.as_deref().unwrap_or(""), 32)?;
        if let Some(c) = &cert_no
            && !c.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(ValidationError::new("cert_no", "执法证号 may hold only letters, digits and '-'"));
        }
        if self.role == Role::Officer && cert_no.is_none() {
            return Err(ValidationError::new("cert_no", "an officer (执法人员) needs a 执法证号"));
        }
        let enforcement_category =
            optional_text("enforcement_category", self.enforcement_category.as_deref().unwrap_or(""), 32)?;
        if self.legal_qualification && self.role == Role::Station {
            return Err(ValidationError::new(
                "legal_qualification",
                "a docking station holds no qualification",
            ));
        }
        Ok(User {
            id,
            login,
            display_name,
            role: self.role,
            unit_id: self.unit_id,
            agency_id,
            cert_no,
            enforcement_category,
            legal_qualification: self.legal_qualification,
            active: true,
            clearance: self.clearance.map(validate_clearance).transpose()?,
        })
    }
}

/// What an administrator changes about a user's access (权限变更): role,
/// unit, whether the account is active, clearance. Absent members stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub unit_id: Option<UnitId>,
    #[serde(default)]
    pub active: Option<bool>,
    /// The highest label the user reads without a grant (密级授权).
    #[serde(default)]
    pub clearance: Option<Confidentiality>,
}

impl UserChange {
    /// The user after the change (the unit's agency is checked by the
    /// caller, who knows the units). An officer needs a 执法证号; a change
    /// that changes nothing is refused.
    pub fn apply(&self, user: &User) -> Result<User, ValidationError> {
        let mut after = user.clone();
        after.role = self.role.unwrap_or(user.role);
        after.unit_id = self.unit_id.unwrap_or(user.unit_id);
        after.active = self.active.unwrap_or(user.active);
        if let Some(c) = self.clearance {
            after.clearance = Some(validate_clearance(c)?);
        }
        if after.role == Role::Officer && after.cert_no.is_none() {
            return Err(ValidationError::new("role", "an officer (执法人员) needs a 执法证号"));
        }
        if after.legal_qualification && after.role == Role::Station {
            return Err(ValidationError::new("role", "a docking station holds no qualification"));
        }
        if after == *user {
            return Err(ValidationError::new("role", "the change changes nothing"));
        }
        Ok(after)
    }
}

/// What an administrator supplies to issue an API token for a user of
/// their agency (a docking station, an integration).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub user_id: UserId,
    /// A name to recognise the token by (e.g. the station's).
    #[serde(default)]
    pub name: Option<String>,
    /// What the token may do.
    pub scope: TokenScope,
    /// When the token stops working; absent, it works until revoked.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<time::OffsetDateTime>,
}

impl NewToken {
    /// The token's name (trimmed, at most 64 characters, none when blank)
    /// and its expiry (in UTC), which must lie after `now`.
    pub fn validated(&self, now: time::OffsetDateTime) -> Result<NewToken, ValidationError> {
        let name = optional_text("name", self.name.as_deref().unwrap_or(""), 64)?;
        if self.expires_at.is_some_and(|e| e <= now) {
            return Err(ValidationError::new("expires_at", "must lie in the future (有效期须晚于当前时间)"));
        }
        let expires_at = self.expires_at.map(|e| e.to_offset(time::UtcOffset::UTC));
        Ok(NewToken { name, expires_at, ..self.clone() })
    }
}
