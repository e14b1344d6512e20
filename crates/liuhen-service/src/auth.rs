//! Logging in, sessions and API tokens.

use liuhen_domain::{Actor, CredentialId, EntryKind, TokenScope, User, UserId};
use liuhen_store::{Credential, CredentialKind};
use serde::Serialize;
use time::OffsetDateTime;

use crate::error::{Result, ServiceError};
use crate::secrets::{SESSION_PREFIX, TOKEN_PREFIX, new_secret, random_bytes, secret_hash, verify_password};
use crate::{Service, record};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub credential: CredentialId,
    pub kind: CredentialKind,
    /// What the credential may do; the server refuses requests outside it.
    pub scope: TokenScope,
}

/// A successful login: a session secret for the `Authorization: Bearer`
/// header or the session cookie.
#[derive(Clone, Serialize, utoipa::ToSchema)]
pub struct LoginOutcome {
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    #[serde(skip)]
    pub user: Option<User>,
}

impl std::fmt::Debug for LoginOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginOutcome").field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

/// A new API token. The secret is shown once and never again.
#[derive(Clone)]
pub struct TokenOutcome {
    pub id: CredentialId,
    pub secret: String,
}

impl std::fmt::Debug for TokenOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenOutcome").field("id", &self.id).finish_non_exhaustive()
    }
}

/// Limits on what a login request may carry, checked before any hashing.
const MAX_LOGIN_CHARS: usize = 64;
const MAX_PASSWORD_CHARS: usize = 256;

/// Failed logins tolerated within [`LOGIN_WINDOW`] before the login is
/// locked for [`LOGIN_LOCK`] (CJIS Security Policy 5.5.3: at most 5
/// consecutive invalid attempts, then a lock of at least 10 minutes).
pub const MAX_LOGIN_FAILURES: i64 = 5;
pub const LOGIN_WINDOW: time::Duration = time::Duration::minutes(15);
pub const LOGIN_LOCK: time::Duration = time::Duration::minutes(15);

/// The key failures are counted under: the SHA-256 of the normalised login,
/// so unknown logins are counted (and locked) like known ones, and the
/// ledger never holds a login name in clear.
fn login_key(login: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(login.trim().to_lowercase().as_bytes()))
}

impl Service {
    /// Checks a login and password and opens a session. A wrong login and a
    /// wrong password give the same answer in the same time.
    pub async fn login(&self, login: &str, password: &str) -> Result<LoginOutcome> {
        if login.chars().count() > MAX_LOGIN_CHARS || password.chars().count() > MAX_PASSWORD_CHARS {
            return Err(ServiceError::Unauthenticated("wrong login or password"));
        }
        let key = login_key(login);
        let now = self.now();
        let now_ms = liuhen_domain::unix_ms(now);
        let (found, failures) = {
            let mut tx = self.store.read().await?;
            let found = tx.find_user_by_login(login.trim()).await?;
            let failures = tx.login_failures(&key).await?;
            tx.finish().await?;
            (found, failures)
        };
        if let Some(until) = failures.locked_until_ms.filter(|u| *u > now_ms) {
            let minutes = (until - now_ms + 59_999) / 60_000;
            return Err(ServiceError::Locked(format!(
                "too many failed logins: try again in {minutes} minute(s) (登录失败次数过多，请{minutes}分钟后再试)"
            )));
        }
        let (user, hash) = match found {
            Some(u) => (Some(u.user), u.password_hash),
            None => (None, None),
        };
        let ok = verify_password(password.to_owned(), hash).await?;
        let user = match user {
            Some(u) if ok && u.active => u,
            other => {
                self.record_login_failure(key, other.map(|u| (u.id, u.agency_id))).await?;
                return Err(ServiceError::Unauthenticated("wrong login or password"));
            }
        };
        let now = self.now();
        let expires_at = now + self.config.session_ttl;
        let (secret, hash) = new_secret(SESSION_PREFIX)?;
        let cred = Credential {
            id: CredentialId::from_bytes(random_bytes()?),
            user_id: user.id,
            kind: CredentialKind::Session,
            name: None,
            scope: TokenScope::Full,
            created_at: now,
            expires_at: Some(expires_at),
            revoked_at: None,
        };
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    tx.clear_login_failures(&key).await?;
                    tx.insert_credential(&cred, &hash).await?;
                    record::<()>(
                        tx,
                        now,
                        EntryKind::SessionCreated,
                        Actor::User(user.id),
                        Some(user.agency_id),
                        vec![cred.id.subject()],
                        None,
                    )
                    .await?;
                    Ok(LoginOutcome { token: secret, expires_at, user: Some(user) })
                })
            })
            .await
    }

    /// Counts a failed login and records it in the ledger (CJIS 5.4.1.1:
    /// unsuccessful log-on attempts); the failure that reaches the limit
    /// locks the login and records that too.
    async fn record_login_failure(
        &self,
        key: String,
        user: Option<(UserId, liuhen_domain::UnitId)>,
    ) -> Result<()> {
        let now = self.now();
        let now_ms = liuhen_domain::unix_ms(now);
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let mut f = tx.login_failures(&key).await?;
                    if now_ms - f.window_start_ms > LOGIN_WINDOW.whole_milliseconds() as i64 {
                        f = liuhen_store::LoginFailures {
                            failures: 0,
                            window_start_ms: now_ms,
                            locked_until_ms: None,
                        };
                    }
                    f.failures += 1;
                    let locks = f.failures >= MAX_LOGIN_FAILURES;
                    if locks {
                        f.locked_until_ms = Some(now_ms + LOGIN_LOCK.whole_milliseconds() as i64);
                    }
                    tx.set_login_failures(&key, f).await?;
                    let mut subjects = vec![format!("login:{key}")];
                    subjects.extend(user.map(|(id, _)| id.subject()));
                    let content = serde_json::json!({"failures": f.failures, "known_login": user.is_some()});
                    let agency = user.map(|(_, a)| a);
                    record(
                        tx,
                        now,
                        EntryKind::LoginFailed,
                        Actor::System("login"),
                        agency,
                        subjects.clone(),
                        Some(&content),
                    )
                    .await?;
                    if locks {
                        let content =
                            serde_json::json!({"until_ms": f.locked_until_ms, "failures": f.failures});
                        record(
                            tx,
                            now,
                            EntryKind::LoginLocked,
                            Actor::System("login"),
                            agency,
                            subjects,
                            Some(&content),
                        )
                        .await?;
                    }
                    Ok::<_, ServiceError>(())
                })
            })
            .await
    }

    /// Resolves a session secret, as the browser's session cookie carries
    /// it, to its user. An API token is refused: a token is meant for the
    /// `Authorization` header, and a cookie must never carry a credential
    /// past the checks that header's path applies.
    pub async fn authenticate_session(&self, secret: &str) -> Result<Principal> {
        let me = self.authenticate(secret).await?;
        if me.kind != CredentialKind::Session {
            return Err(ServiceError::Unauthenticated("the session cookie carries login sessions only"));
        }
        Ok(me)
    }

    /// Resolves a bearer secret (session or API token) to its user.
    pub async fn authenticate(&self, secret: &str) -> Result<Principal> {
        if !(secret.starts_with(SESSION_PREFIX) || secret.starts_with(TOKEN_PREFIX)) || secret.len() > 128 {
            return Err(ServiceError::Unauthenticated("invalid credential"));
        }
        let hash = secret_hash(secret);
        let mut tx = self.store.read().await?;
        let found = tx.find_credential(&hash).await?;
        tx.finish().await?;
        let Some((cred, user)) = found else {
            return Err(ServiceError::Unauthenticated("invalid credential"));
        };
        self.still_valid(cred, user)
    }

    /// The caller as they stand now: their credential checked again
    /// (revoked, expired, its user disabled) and their user read afresh (a
    /// new role or unit). For what outlives one request, such as a stream.
    pub async fn reauthenticate(&self, me: &Principal) -> Result<Principal> {
        let mut tx = self.store.read().await?;
        let cred = tx.get_credential(me.credential).await?;
        let user = match &cred {
            Some(c) => Some(tx.get_user(c.user_id).await?),
            None => None,
        };
        tx.finish().await?;
        let (Some(cred), Some(user)) = (cred, user) else {
            return Err(ServiceError::Unauthenticated("invalid credential"));
        };
        self.still_valid(cred, user)
    }

    fn still_valid(&self, cred: Credential, user: User) -> Result<Principal> {
        let now = self.now();
        if cred.revoked_at.is_some() {
            return Err(ServiceError::Unauthenticated("credential revoked"));
        }
        if cred.expires_at.is_some_and(|e| e <= now) {
            return Err(ServiceError::Unauthenticated("session expired"));
        }
        if !user.active {
            return Err(ServiceError::Unauthenticated("user disabled"));
        }
        Ok(Principal { user, credential: cred.id, kind: cred.kind, scope: cred.scope })
    }

    /// Changes the caller's own password (本人修改密码): the current one is
    /// asked again, and a wrong one counts as a failed login of the account
    /// (so a stolen session cannot guess it). The caller's other sessions
    /// end; the entry names them.
    pub async fn change_own_password(&self, me: &Principal, current: &str, new: &str) -> Result<()> {
        if current.chars().count() > MAX_PASSWORD_CHARS {
            return Err(ServiceError::Unauthenticated("wrong password"));
        }
        liuhen_domain::validate_password(new)?;
        let key = login_key(&me.user.login);
        let now_ms = liuhen_domain::unix_ms(self.now());
        let (found, failures) = {
            let mut tx = self.store.read().await?;
            let found = tx.find_user_by_login(&me.user.login).await?;
            let failures = tx.login_failures(&key).await?;
            tx.finish().await?;
            (found, failures)
        };
        if failures.locked_until_ms.is_some_and(|u| u > now_ms) {
            return Err(ServiceError::Locked("too many failed attempts (失败次数过多，请稍后再试)".into()));
        }
        let stored = found.filter(|u| u.user.id == me.user.id).and_then(|u| u.password_hash);
        if !verify_password(current.to_owned(), stored).await? {
            self.record_login_failure(key, Some((me.user.id, me.user.agency_id))).await?;
            return Err(ServiceError::Unauthenticated("wrong password"));
        }
        let hash = crate::secrets::hash_password(new.to_owned()).await?;
        let now = self.now();
        let me = me.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    tx.set_password_hash(me.user.id, &hash).await?;
                    let ended = crate::admin::end_sessions(tx, me.user.id, Some(me.credential), now).await?;
                    let mut subjects = vec![me.user.id.subject()];
                    subjects.extend(ended.iter().map(|c| c.subject()));
                    record::<()>(
                        tx,
                        now,
                        EntryKind::PasswordChanged,
                        Actor::User(me.user.id),
                        Some(me.user.agency_id),
                        subjects,
                        None,
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    /// Ends the caller's session (or revokes the token used).
    pub async fn logout(&self, me: &Principal) -> Result<()> {
        let now = self.now();
        let me = me.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    tx.revoke_credential(me.credential, now).await?;
                    let kind = match me.kind {
                        CredentialKind::Session => EntryKind::SessionEnded,
                        CredentialKind::Token => EntryKind::TokenRevoked,
                    };
                    record::<()>(
                        tx,
                        now,
                        kind,
                        Actor::User(me.user.id),
                        Some(me.user.agency_id),
                        vec![me.credential.subject()],
                        None,
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    /// Issues an API token for `user`, limited to `scope`. `actor` is who
    /// asked: an administrator, or the command line. The entry commits to
    /// the token's name and scope.
    pub async fn create_token(
        &self,
        actor: Actor,
        user: UserId,
        name: Option<String>,
        scope: TokenScope,
    ) -> Result<TokenOutcome> {
        let name = name.map(|n| liuhen_domain::required_text("name", &n, 64)).transpose()?;
        let now = self.now();
        let (secret, hash) = new_secret(TOKEN_PREFIX)?;
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let owner = tx.get_user(user).await?;
                    if !owner.active {
                        return Err(ServiceError::Conflict("the user is disabled".into()));
                    }
                    let cred = Credential {
                        id: CredentialId::from_bytes(random_bytes()?),
                        user_id: user,
                        kind: CredentialKind::Token,
                        name,
                        scope,
                        created_at: now,
                        expires_at: None,
                        revoked_at: None,
                    };
                    tx.insert_credential(&cred, &hash).await?;
                    let content = serde_json::json!({"name": cred.name, "scope": cred.scope});
                    record(
                        tx,
                        now,
                        EntryKind::TokenCreated,
                        actor,
                        Some(owner.agency_id),
                        vec![cred.id.subject(), owner.id.subject()],
                        Some(&content),
                    )
                    .await?;
                    Ok(TokenOutcome { id: cred.id, secret })
                })
            })
            .await
    }

    /// Revokes a token or session by id. The entry names the credential and
    /// its user and belongs to the user's agency, so its supervisors see it.
    pub async fn revoke_credential(&self, actor: Actor, id: CredentialId) -> Result<()> {
        let now = self.now();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let cred = tx.get_credential(id).await?.ok_or(ServiceError::NotFound("credential"))?;
                    let owner = tx.get_user(cred.user_id).await?;
                    tx.revoke_credential(id, now).await?;
                    let kind = match cred.kind {
                        CredentialKind::Session => EntryKind::SessionEnded,
                        CredentialKind::Token => EntryKind::TokenRevoked,
                    };
                    let subjects = vec![id.subject(), owner.id.subject()];
                    record::<()>(tx, now, kind, actor, Some(owner.agency_id), subjects, None).await?;
                    Ok(())
                })
            })
            .await
    }
}
