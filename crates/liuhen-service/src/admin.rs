//! Agencies, units and users: set up by administrators or the command line.

use liuhen_domain::{
    Actor, CredentialId, EntryKind, NewUnit, NewUser, OrgUnit, Role, UnitId, User, UserChange, UserId,
    validate_password,
};
use liuhen_store::{CredentialKind, Tx, Write};
use time::OffsetDateTime;

use crate::error::{Result, ServiceError};
use crate::secrets::{hash_password, random_bytes};
use crate::{Principal, Service, record};

/// Who is asking for an administrative change.
#[derive(Debug, Clone)]
pub enum AdminActor {
    /// An administrator (系统管理员) through the API: limited to their agency.
    User(Box<Principal>),
    /// The operator at the machine (`liuhen admin …`): may do anything.
    CommandLine,
}

impl AdminActor {
    pub(crate) fn actor(&self) -> Actor {
        match self {
            AdminActor::User(p) => Actor::User(p.user.id),
            AdminActor::CommandLine => Actor::System("cli"),
        }
    }

    pub(crate) fn check_agency(&self, agency: UnitId) -> Result<()> {
        match self {
            AdminActor::CommandLine => Ok(()),
            AdminActor::User(p) if crate::scope::may_administer(&p.user) && p.user.agency_id == agency => {
                Ok(())
            }
            AdminActor::User(_) => {
                Err(ServiceError::Forbidden("only an administrator of the agency may".into()))
            }
        }
    }

    /// Separation of duties between administrators: through the API an
    /// administrator may not grant the administrator role, nor set the
    /// password of, or otherwise change, an administrator's account (their
    /// own included) — except to deactivate another one, so a compromised
    /// account can be stopped at once. Otherwise one administrator could
    /// make or take over a second administrator account and use it to raise
    /// their own. Administrator accounts are kept by the operator at the
    /// command line.
    pub(crate) fn check_admin_account(&self, before: &User, after: Option<&User>) -> Result<()> {
        let AdminActor::User(p) = self else { return Ok(()) };
        let deactivation_only = after.is_some_and(|a| {
            p.user.id != before.id && !a.active && *a == User { active: false, ..before.clone() }
        });
        if before.role == Role::Admin && !deactivation_only {
            return Err(ServiceError::Forbidden(
                "an administrator's account is changed from the command line, not by another administrator \
                 (管理员账号只能由运维人员在命令行变更)"
                    .into(),
            ));
        }
        if after.is_some_and(|a| a.role == Role::Admin) && before.role != Role::Admin {
            return Err(ServiceError::Forbidden(
                "the administrator role is granted from the command line (管理员角色只能在命令行授予)".into(),
            ));
        }
        Ok(())
    }
}

impl Service {
    /// Creates an agency (no parent; command line only) or a unit below `parent_id`.
    pub async fn create_unit(&self, who: AdminActor, input: &NewUnit) -> Result<OrgUnit> {
        let now = self.now();
        let id = UnitId::from_bytes(random_bytes()?);
        let who = who.clone();
        let input = input.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let parent = match input.parent_id {
                        Some(p) => {
                            Some(tx.get_unit(p).await.map_err(|_| ServiceError::NotFound("parent unit"))?)
                        }
                        None => None,
                    };
                    match &parent {
                        Some(p) => who.check_agency(p.agency_id)?,
                        None => {
                            if !matches!(who, AdminActor::CommandLine) {
                                return Err(ServiceError::Forbidden(
                                    "agencies are created from the command line".into(),
                                ));
                            }
                        }
                    }
                    let unit = input.validate(id, parent.as_ref())?;
                    tx.insert_unit(&unit, now).await?;
                    record(
                        tx,
                        now,
                        EntryKind::UnitCreated,
                        who.actor(),
                        Some(unit.agency_id),
                        vec![unit.id.subject()],
                        Some(&unit),
                    )
                    .await?;
                    Ok(unit)
                })
            })
            .await
    }

    /// Creates a user, with a password when one is given.
    pub async fn create_user(
        &self,
        who: AdminActor,
        input: &NewUser,
        password: Option<&str>,
    ) -> Result<User> {
        if let Some(p) = password {
            validate_password(p)?;
        }
        let hash = match password {
            Some(p) => {
                let _permit = self.hash_permit().await?;
                Some(hash_password(p.to_owned()).await?)
            }
            None => None,
        };
        let now = self.now();
        let who = who.clone();
        let input = input.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let unit =
                        tx.get_unit(input.unit_id).await.map_err(|_| ServiceError::NotFound("unit"))?;
                    who.check_agency(unit.agency_id)?;
                    let user = input.validate(UserId::from_bytes(random_bytes()?), unit.agency_id)?;
                    if matches!(who, AdminActor::User(_)) && user.role == Role::Admin {
                        return Err(ServiceError::Forbidden(
                            "the administrator role is granted from the command line (管理员角色只能在命令行授予)"
                                .into(),
                        ));
                    }
                    tx.insert_user(&user, hash.as_deref(), now).await?;
                    record(
                        tx,
                        now,
                        EntryKind::UserCreated,
                        who.actor(),
                        Some(user.agency_id),
                        vec![user.id.subject()],
                        Some(&user),
                    )
                    .await?;
                    Ok(user)
                })
            })
            .await
    }

    /// Sets a user's password (an administrator's reset, 管理员设置密码, as
    /// distinct from the user's own change); an administrator's password is
    /// set only from the command line (see `check_admin_account`). The user's open sessions end:
    /// whoever held them must log in with the new password. The entry names
    /// the user and the sessions ended.
    pub async fn set_password(&self, who: AdminActor, user: UserId, password: &str) -> Result<()> {
        validate_password(password)?;
        let hash = {
            let _permit = self.hash_permit().await?;
            hash_password(password.to_owned()).await?
        };
        let now = self.now();
        let who = who.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let u = tx.get_user(user).await?;
                    who.check_agency(u.agency_id)?;
                    who.check_admin_account(&u, None)?;
                    tx.set_password_hash(user, &hash).await?;
                    let ended = end_sessions(tx, user, None, now).await?;
                    let mut subjects = vec![u.id.subject()];
                    subjects.extend(ended.iter().map(|c| c.subject()));
                    record::<()>(
                        tx,
                        now,
                        EntryKind::PasswordSet,
                        who.actor(),
                        Some(u.agency_id),
                        subjects,
                        None,
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    /// Changes a user's role, unit or whether they are active (权限变更), a
    /// privileged action: administrators of the user's agency (never their
    /// own account) or the command line. A unit must be of the same agency.
    /// The entry commits to the user before and after. The change holds
    /// from the user's next request (credentials are resolved afresh each
    /// time); a deactivated user's credentials stop working at once.
    pub async fn change_user(&self, who: AdminActor, user: UserId, change: &UserChange) -> Result<User> {
        if let AdminActor::User(p) = &who
            && p.user.id == user
        {
            return Err(ServiceError::Forbidden("an administrator does not change their own access".into()));
        }
        let now = self.now();
        let change = change.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let before = tx.get_user(user).await.map_err(|_| ServiceError::NotFound("user"))?;
                    who.check_agency(before.agency_id)?;
                    let after = change.apply(&before)?;
                    who.check_admin_account(&before, Some(&after))?;
                    if after.unit_id != before.unit_id {
                        let unit =
                            tx.get_unit(after.unit_id).await.map_err(|_| ServiceError::NotFound("unit"))?;
                        if unit.agency_id != before.agency_id {
                            return Err(liuhen_domain::ValidationError::new(
                                "unit_id",
                                "a user moves only between units of their agency",
                            )
                            .into());
                        }
                    }
                    tx.update_user_access(&after).await?;
                    let content = serde_json::json!({"before": before, "after": after});
                    let mut subjects = vec![after.id.subject()];
                    if after.unit_id != before.unit_id {
                        subjects.extend([before.unit_id.subject(), after.unit_id.subject()]);
                    }
                    record(
                        tx,
                        now,
                        EntryKind::UserChanged,
                        who.actor(),
                        Some(after.agency_id),
                        subjects,
                        Some(&content),
                    )
                    .await?;
                    Ok(after)
                })
            })
            .await
    }

    /// Finds a user by login.
    pub async fn user_by_login(&self, login: &str) -> Result<User> {
        let mut tx = self.store.read().await?;
        let found = tx.find_user_by_login(login).await?;
        tx.finish().await?;
        found.map(|u| u.user).ok_or(ServiceError::NotFound("user"))
    }

    /// Finds a unit by id or by its exact name (within any agency; a name
    /// used by two units is refused as ambiguous).
    pub async fn find_unit(&self, id_or_name: &str) -> Result<OrgUnit> {
        let mut tx = self.store.read().await?;
        if let Ok(id) = id_or_name.parse::<UnitId>() {
            let u = tx.get_unit(id).await?;
            tx.finish().await?;
            return Ok(u);
        }
        let mut matches = Vec::new();
        for agency in tx.list_agencies().await? {
            for u in tx.list_units(agency.id).await? {
                if u.name == id_or_name || u.short_name.as_deref() == Some(id_or_name) {
                    matches.push(u);
                }
            }
        }
        tx.finish().await?;
        match matches.len() {
            0 => Err(ServiceError::NotFound("unit")),
            1 => Ok(matches.remove(0)),
            n => Err(ServiceError::Conflict(format!("{n} units are named {id_or_name:?}; give the unit id"))),
        }
    }

    /// Units of the caller's agency.
    pub async fn list_units(&self, me: &Principal) -> Result<Vec<OrgUnit>> {
        let mut tx = self.store.read().await?;
        let units = tx.list_units(me.user.agency_id).await?;
        tx.finish().await?;
        Ok(units)
    }

    /// Users of the caller's agency (names, roles and 执法证号 are public
    /// within the agency, as 执法公示 requires them published anyway).
    pub async fn list_users(&self, me: &Principal) -> Result<Vec<User>> {
        if me.user.role == Role::Station {
            return Err(ServiceError::Forbidden("a docking station only uploads".into()));
        }
        let mut tx = self.store.read().await?;
        let users = tx.list_users(me.user.agency_id).await?;
        tx.finish().await?;
        Ok(users)
    }
}

/// Ends a user's open sessions (all, or all but `keep`); the ids ended.
/// API tokens are left: they are revoked one by one.
pub(crate) async fn end_sessions(
    tx: &mut Tx<Write>,
    user: UserId,
    keep: Option<CredentialId>,
    now: OffsetDateTime,
) -> Result<Vec<CredentialId>> {
    let mut ended = Vec::new();
    for c in tx.list_credentials(user).await? {
        let open = c.revoked_at.is_none() && c.expires_at.is_none_or(|e| e > now);
        if c.kind == CredentialKind::Session && open && Some(c.id) != keep {
            tx.revoke_credential(c.id, now).await?;
            ended.push(c.id);
        }
    }
    Ok(ended)
}
