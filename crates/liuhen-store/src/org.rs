//! Agencies, units, users and credentials.

use liuhen_domain::{
    Confidentiality, CredentialId, OrgUnit, Role, TokenScope, UnitId, UnitKind, User, UserId,
};
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::rows::{code, col, flag, parsed, parsed_opt, time_ms, to_ms};
use crate::{Tx, Write};

/// A user together with the stored Argon2id hash of their password.
pub struct UserWithSecret {
    pub user: User,
    /// PHC string; `None` when the user has no password (a station with tokens only).
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for UserWithSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserWithSecret").field("user", &self.user).finish_non_exhaustive()
    }
}

/// Whether a credential is a login session or an API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    Session,
    Token,
}

impl CredentialKind {
    fn code(self) -> &'static str {
        match self {
            CredentialKind::Session => "session",
            CredentialKind::Token => "token",
        }
    }
    fn from_code(s: &str) -> Option<Self> {
        match s {
            "session" => Some(CredentialKind::Session),
            "token" => Some(CredentialKind::Token),
            _ => None,
        }
    }
}

/// A stored session or token. The secret itself is never stored, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub id: CredentialId,
    pub user_id: UserId,
    pub kind: CredentialKind,
    pub name: Option<String>,
    /// What the credential may do (sessions: always [`TokenScope::Full`]).
    pub scope: TokenScope,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

const UNIT_COLUMNS: &str = "id, agency_id, parent_id, kind, name, short_name, uscc, path, code";
const USER_COLUMNS: &str = "id, login, display_name, role, unit_id, agency_id, cert_no, \
     enforcement_category, legal_qualification, active, password_hash, clearance";

fn unit_from_row(row: &AnyRow) -> Result<OrgUnit> {
    Ok(OrgUnit {
        id: parsed(row, "id")?,
        agency_id: parsed(row, "agency_id")?,
        parent_id: parsed_opt(row, "parent_id")?,
        kind: code(row, "kind", UnitKind::from_code)?,
        name: col(row, "name")?,
        short_name: col(row, "short_name")?,
        uscc: parsed_opt(row, "uscc")?,
        code: col(row, "code")?,
    })
}

fn user_from_row(row: &AnyRow) -> Result<UserWithSecret> {
    Ok(UserWithSecret {
        user: User {
            id: parsed(row, "id")?,
            login: col(row, "login")?,
            display_name: col(row, "display_name")?,
            role: code(row, "role", Role::from_code)?,
            unit_id: parsed(row, "unit_id")?,
            agency_id: parsed(row, "agency_id")?,
            cert_no: col(row, "cert_no")?,
            enforcement_category: col(row, "enforcement_category")?,
            legal_qualification: flag(row, "legal_qualification")?,
            active: flag(row, "active")?,
            clearance: col::<Option<String>>(row, "clearance")?
                .map(|c| {
                    Confidentiality::from_code(&c)
                        .ok_or_else(|| StoreError::Corrupt(format!("users.clearance: {c:?}")))
                })
                .transpose()?,
        },
        password_hash: col(row, "password_hash")?,
    })
}

fn credential_from_row(row: &AnyRow) -> Result<Credential> {
    let opt_time = |name: &str| -> Result<Option<OffsetDateTime>> {
        let v: Option<i64> = col(row, name)?;
        v.map(|ms| crate::rows::from_ms(ms, 0)).transpose()
    };
    Ok(Credential {
        id: parsed(row, "id")?,
        user_id: parsed(row, "user_id")?,
        kind: code(row, "kind", CredentialKind::from_code)?,
        name: col(row, "name")?,
        scope: code(row, "scope", TokenScope::from_code)?,
        created_at: time_ms(row, "created_ms")?,
        expires_at: opt_time("expires_ms")?,
        revoked_at: opt_time("revoked_ms")?,
    })
}

impl<M> Tx<M> {
    pub async fn get_unit(&mut self, id: UnitId) -> Result<OrgUnit> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("unit"))?;
        unit_from_row(&row)
    }

    /// Every unit of an agency, the agency first, then in tree order.
    pub async fn list_units(&mut self, agency: UnitId) -> Result<Vec<OrgUnit>> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE agency_id = $1 ORDER BY path");
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(agency.to_string()).fetch_all(self.conn()).await?;
        rows.iter().map(unit_from_row).collect()
    }

    pub async fn list_agencies(&mut self) -> Result<Vec<OrgUnit>> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE parent_id IS NULL ORDER BY name");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.conn()).await?;
        rows.iter().map(unit_from_row).collect()
    }

    pub async fn find_agency_by_uscc(&mut self, uscc: &str) -> Result<Option<OrgUnit>> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE uscc = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(uscc).fetch_optional(self.conn()).await?;
        row.as_ref().map(unit_from_row).transpose()
    }

    /// Whether `unit` is `ancestor` or lies below it.
    pub async fn unit_is_within(&mut self, unit: UnitId, ancestor: UnitId) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM org_units u, org_units a \
             WHERE u.id = $1 AND a.id = $2 AND substr(u.path, 1, length(a.path)) = a.path",
        )
        .bind(unit.to_string())
        .bind(ancestor.to_string())
        .fetch_one(self.conn())
        .await?;
        Ok(col::<i64>(&row, "n")? > 0)
    }

    pub async fn get_user(&mut self, id: UserId) -> Result<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        Ok(user_from_row(&row)?.user)
    }

    /// The users with these ids, in the order given; a missing id is an error naming it.
    pub async fn get_users(&mut self, ids: &[UserId]) -> Result<Vec<User>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.get_user(*id).await?);
        }
        Ok(out)
    }

    /// The users holding 执法证 number `cert_no`, in any agency (numbers are unique per agency).
    pub async fn users_by_cert(&mut self, cert_no: &str) -> Result<Vec<User>> {
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users WHERE cert_no = $1 ORDER BY agency_id, id LIMIT 20");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cert_no).fetch_all(self.conn()).await?;
        rows.iter().map(|r| Ok(user_from_row(r)?.user)).collect()
    }

    pub async fn find_user_by_login(&mut self, login: &str) -> Result<Option<UserWithSecret>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(login).fetch_optional(self.conn()).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn list_users(&mut self, agency: UnitId) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE agency_id = $1 ORDER BY login");
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(agency.to_string()).fetch_all(self.conn()).await?;
        rows.iter().map(|r| user_from_row(r).map(|u| u.user)).collect()
    }

    /// The credential whose secret hashes to `secret_hash`, with its user.
    pub async fn find_credential(&mut self, secret_hash: &[u8; 32]) -> Result<Option<(Credential, User)>> {
        let row = sqlx::query(
            "SELECT id, user_id, kind, name, scope, created_ms, expires_ms, revoked_ms FROM credentials \
             WHERE secret_hash = $1",
        )
        .bind(secret_hash.to_vec())
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let cred = credential_from_row(&row)?;
        let user = self.get_user(cred.user_id).await?;
        Ok(Some((cred, user)))
    }

    /// One credential by id (without its secret's hash).
    pub async fn get_credential(&mut self, id: CredentialId) -> Result<Option<Credential>> {
        let row = sqlx::query(
            "SELECT id, user_id, kind, name, scope, created_ms, expires_ms, revoked_ms FROM credentials WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(credential_from_row).transpose()
    }

    pub async fn list_credentials(&mut self, user: UserId) -> Result<Vec<Credential>> {
        let rows = sqlx::query(
            "SELECT id, user_id, kind, name, scope, created_ms, expires_ms, revoked_ms FROM credentials \
             WHERE user_id = $1 ORDER BY created_ms",
        )
        .bind(user.to_string())
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(credential_from_row).collect()
    }
}

impl Tx<Write> {
    /// Adds a unit. Its place in the tree comes from its parent.
    pub async fn insert_unit(&mut self, unit: &OrgUnit, now: OffsetDateTime) -> Result<()> {
        let path = match unit.parent_id {
            None => format!("/{}/", unit.id),
            Some(p) => {
                let row = sqlx::query("SELECT path FROM org_units WHERE id = $1")
                    .bind(p.to_string())
                    .fetch_optional(self.conn())
                    .await?
                    .ok_or(StoreError::NotFound("parent unit"))?;
                format!("{}{}/", col::<String>(&row, "path")?, unit.id)
            }
        };
        sqlx::query(
            "INSERT INTO org_units (id, agency_id, parent_id, path, kind, name, short_name, uscc, created_ms, code) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(unit.id.to_string())
        .bind(unit.agency_id.to_string())
        .bind(unit.parent_id.map(|p| p.to_string()))
        .bind(path)
        .bind(unit.kind.code())
        .bind(&unit.name)
        .bind(&unit.short_name)
        .bind(unit.uscc.as_ref().map(|u| u.to_string()))
        .bind(to_ms(now))
        .bind(&unit.code)
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "unit"))?;
        Ok(())
    }

    pub async fn insert_user(
        &mut self,
        user: &User,
        password_hash: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO users (id, login, display_name, role, unit_id, agency_id, cert_no, \
             enforcement_category, legal_qualification, active, password_hash, created_ms, clearance) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(user.id.to_string())
        .bind(&user.login)
        .bind(&user.display_name)
        .bind(user.role.code())
        .bind(user.unit_id.to_string())
        .bind(user.agency_id.to_string())
        .bind(&user.cert_no)
        .bind(&user.enforcement_category)
        .bind(i64::from(user.legal_qualification))
        .bind(i64::from(user.active))
        .bind(password_hash)
        .bind(to_ms(now))
        .bind(user.clearance.map(|c| c.code()))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "user (login or 执法证号)"))?;
        Ok(())
    }

    /// Stores a user's role, unit, clearance and whether they are active
    /// (the rest of a user does not change).
    pub async fn update_user_access(&mut self, user: &User) -> Result<()> {
        let done = sqlx::query(
            "UPDATE users SET role = $1, unit_id = $2, active = $3, clearance = $4 WHERE id = $5",
        )
        .bind(user.role.code())
        .bind(user.unit_id.to_string())
        .bind(i64::from(user.active))
        .bind(user.clearance.map(|c| c.code()))
        .bind(user.id.to_string())
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    pub async fn set_password_hash(&mut self, user: UserId, hash: &str) -> Result<()> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user.to_string())
            .execute(self.conn())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    pub async fn insert_credential(&mut self, cred: &Credential, secret_hash: &[u8; 32]) -> Result<()> {
        sqlx::query(
            "INSERT INTO credentials (id, user_id, kind, name, secret_hash, created_ms, expires_ms, revoked_ms, \
             scope) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)",
        )
        .bind(cred.id.to_string())
        .bind(cred.user_id.to_string())
        .bind(cred.kind.code())
        .bind(&cred.name)
        .bind(secret_hash.to_vec())
        .bind(to_ms(cred.created_at))
        .bind(cred.expires_at.map(to_ms))
        .bind(cred.scope.code())
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "credential"))?;
        Ok(())
    }

    /// Revokes a credential; revoking twice keeps the first time.
    pub async fn revoke_credential(&mut self, id: CredentialId, now: OffsetDateTime) -> Result<()> {
        let done = sqlx::query("UPDATE credentials SET revoked_ms = COALESCE(revoked_ms, $1) WHERE id = $2")
            .bind(to_ms(now))
            .bind(id.to_string())
            .execute(self.conn())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("credential"));
        }
        Ok(())
    }
}
