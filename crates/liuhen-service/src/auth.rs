//! Logging in, sessions and API tokens.

use liuhen_domain::{Actor, CredentialId, EntryKind, NewToken, TokenScope, User, UserId};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use liuhen_store::{Credential, CredentialKind, LoginFailures};
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::OwnedSemaphorePermit;

use crate::admin::AdminActor;
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

/// An API token as administrators see it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: CredentialId,
    pub user_id: UserId,
    pub name: Option<String>,
    pub scope: TokenScope,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
    /// Whether the token works now: neither revoked nor run out.
    pub live: bool,
}

impl ApiToken {
    fn of(c: Credential, now: OffsetDateTime) -> Self {
        ApiToken {
            live: c.revoked_at.is_none() && c.expires_at.is_none_or(|e| e > now),
            id: c.id,
            user_id: c.user_id,
            name: c.name,
            scope: c.scope,
            created_at: c.created_at,
            expires_at: c.expires_at,
            revoked_at: c.revoked_at,
        }
    }
}

/// A token just issued, with its secret: shown once, never again.
#[derive(Clone, Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    #[serde(flatten)]
    pub token: ApiToken,
    /// The bearer secret (`Authorization: Bearer …`).
    pub secret: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken").field("token", &self.token).finish_non_exhaustive()
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

/// How often at most a node deletes failure counters older than the window.
const PRUNE_EVERY_MS: i64 = 60_000;

/// What guards the login: the deployment's secret that keys login names and
/// addresses, the cap on password hashes running or waiting, and when
/// counters were last pruned.
pub(crate) struct LoginGuard {
    key: [u8; 32],
    /// Permits to run one Argon2 hash (19 MiB and a blocking thread each).
    hashes: Arc<tokio::sync::Semaphore>,
    /// Permits to run or wait for one; none left means "busy" at once.
    admission: Arc<tokio::sync::Semaphore>,
    per_source: i64,
    last_prune_ms: AtomicI64,
}

impl LoginGuard {
    pub(crate) fn new(config: &crate::ServiceConfig) -> Self {
        let hashes = config.password_hashes.max(1);
        LoginGuard {
            // Should the OS's random source fail, no session could be made
            // either (`new_secret` fails), so this key would guard nothing.
            key: random_bytes().unwrap_or_default(),
            hashes: Arc::new(tokio::sync::Semaphore::new(hashes)),
            admission: Arc::new(tokio::sync::Semaphore::new(
                hashes.saturating_add(config.password_hash_queue),
            )),
            per_source: config.login_failures_per_source.max(1),
            last_prune_ms: AtomicI64::new(i64::MIN),
        }
    }

    pub(crate) fn with_key(mut self, key: [u8; 32]) -> Self {
        self.key = key;
        self
    }

    /// HMAC-SHA256 of `what` under the deployment's secret, in hex. Unlike
    /// a plain hash it cannot be reversed by hashing a dictionary of names
    /// (or of passwords typed into the name field) without the secret.
    fn keyed(&self, what: &str) -> String {
        use hmac::{KeyInit as _, Mac as _};
        match hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key) {
            Ok(mut mac) => {
                mac.update(what.as_bytes());
                hex::encode(mac.finalize().into_bytes())
            }
            // HMAC takes keys of any length; this cannot happen.
            Err(_) => String::new(),
        }
    }

    /// The key failures of a login are counted under (and the ledger subject
    /// `login:KEY`): keyed by the normalised login, so unknown logins are
    /// counted and locked like known ones and no name is ever in clear.
    /// Entries written before this keying hold the plain SHA-256 (the
    /// ledger is append-only).
    fn login_key(&self, login: &str) -> String {
        self.keyed(&format!("login\0{}", login.trim().to_lowercase()))
    }

    /// The key of a source address (subject `source:KEY`): an IPv4 address,
    /// or the /64 network of an IPv6 one (what one subscriber is given).
    /// `None` (an in-process caller) is one source of its own.
    fn source_key(&self, source: Option<IpAddr>) -> String {
        let addr = match source.map(|a| a.to_canonical()) {
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
            None => "-".to_owned(),
        };
        self.keyed(&format!("source\0{addr}"))
    }

    /// A place to hash a password: waits while fewer than the queue's
    /// length wait, otherwise answers "busy" at once.
    async fn hash_permit(&self) -> Result<(OwnedSemaphorePermit, OwnedSemaphorePermit)> {
        let admitted = self.admission.clone().try_acquire_owned().map_err(|_| {
            ServiceError::Busy(
                "too many logins at once; try again in a second (登录请求过多，请稍后再试)".into(),
            )
        })?;
        let running = self
            .hashes
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ServiceError::Internal("the password-hash limiter is closed".into()))?;
        Ok((admitted, running))
    }
}

/// One attempt, counted before the password is checked: the counters after
/// it and whether it reached a limit.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    login: LoginFailures,
    locks_login: bool,
    source: Option<LoginFailures>,
    locks_source: bool,
    /// Until when the attempt's source was already locked, if it was.
    source_locked_until_ms: Option<i64>,
}

fn locked_message(until_ms: i64, now_ms: i64) -> ServiceError {
    let minutes = (until_ms - now_ms + 59_999) / 60_000;
    ServiceError::Locked(format!(
        "too many failed logins: try again in {minutes} minute(s) (登录失败次数过多，请{minutes}分钟后再试)"
    ))
}

/// The counter as it stands at `now_ms`: a window that has passed (and
/// holds no lock still running) starts again.
fn current(f: LoginFailures, now_ms: i64) -> LoginFailures {
    let locked = f.locked_until_ms.is_some_and(|u| u > now_ms);
    if !locked && now_ms - f.window_start_ms > LOGIN_WINDOW.whole_milliseconds() as i64 {
        LoginFailures { failures: 0, window_start_ms: now_ms, locked_until_ms: None }
    } else {
        f
    }
}

/// Counts one attempt against `f`; true when it reaches `limit` (and locks).
fn count(f: &mut LoginFailures, limit: i64, now_ms: i64) -> bool {
    f.failures += 1;
    let locks = f.failures >= limit && f.locked_until_ms.is_none_or(|u| u <= now_ms);
    if locks {
        f.locked_until_ms = Some(now_ms + LOGIN_LOCK.whole_milliseconds() as i64);
    }
    locks
}

impl Service {
    /// A place among the capped password hashes (every Argon2 run holds one).
    pub(crate) async fn hash_permit(&self) -> Result<impl Sized> {
        self.logins.hash_permit().await
    }

    /// Checks a login and password and opens a session. A wrong login and a
    /// wrong password give the same answer in the same time.
    pub async fn login(&self, login: &str, password: &str) -> Result<LoginOutcome> {
        self.login_from(login, password, None).await
    }

    /// [`Service::login`] from a source address, which is throttled too:
    /// failures are counted per login and per source, and an attempt is
    /// counted (and the lock decided) in one write job before its password
    /// is hashed, so concurrent attempts cannot all pass the check.
    pub async fn login_from(
        &self,
        login: &str,
        password: &str,
        source: Option<IpAddr>,
    ) -> Result<LoginOutcome> {
        if login.chars().count() > MAX_LOGIN_CHARS || password.chars().count() > MAX_PASSWORD_CHARS {
            return Err(ServiceError::Unauthenticated("wrong login or password"));
        }
        let _permit = self.logins.hash_permit().await?;
        let key = self.logins.login_key(login);
        let source_key = self.logins.source_key(source);
        let (found, attempt) =
            self.begin_attempt(key.clone(), Some(source_key.clone()), Some(login.trim().to_owned())).await?;
        let (user, hash) = match found {
            Some(u) => (Some(u.user), u.password_hash),
            None => (None, None),
        };
        let ok = verify_password(password.to_owned(), hash).await?;
        let user = match user {
            Some(u) if ok && u.active => u,
            other => {
                let known = other.map(|u| (u.id, u.agency_id));
                // From a locked source every failure answers "locked", known
                // login or not (so the answer names no account), and only a
                // known account's failure is recorded: the lock's entry
                // stands for the rest.
                if let Some(until) = attempt.source_locked_until_ms {
                    if known.is_some() {
                        self.record_login_failure(key, None, known, attempt).await?;
                    }
                    return Err(locked_message(until, liuhen_domain::unix_ms(self.now())));
                }
                self.record_login_failure(key, Some(source_key), known, attempt).await?;
                return Err(ServiceError::Unauthenticated("wrong login or password"));
            }
        };
        let now = self.now();
        let expires_at = now + self.config.session_ttl;
        let (secret, hash, cred) = new_session(user.id, now, expires_at)?;
        let per_source = self.logins.per_source;
        // A locked source's attempts are not counted, so there is nothing to take back.
        let counted_against_source = attempt.source_locked_until_ms.is_none();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    tx.clear_login_failures(&key).await?;
                    // The attempt was counted against its source before the
                    // check; a good password takes it back.
                    let mut f = tx.login_failures(&source_key).await?;
                    if counted_against_source && f.failures > 0 {
                        f.failures -= 1;
                        if f.failures < per_source {
                            f.locked_until_ms = None;
                        }
                        tx.set_login_failures(&source_key, f).await?;
                    }
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

    /// Opens a login session for `user` without asking for a password,
    /// recorded as a login is (`credential.session_created`): for the
    /// demo's story, whose people sign in on the days they work. The command
    /// line that seeds it creates the users and their passwords, so it may
    /// act as them; nothing reachable over the network calls this.
    pub(crate) async fn open_session(&self, user: &User) -> Result<Principal> {
        if !user.active {
            return Err(ServiceError::Unauthenticated("user disabled"));
        }
        let now = self.now();
        let (_secret, hash, cred) = new_session(user.id, now, now + self.config.session_ttl)?;
        let principal =
            Principal { user: user.clone(), credential: cred.id, kind: cred.kind, scope: cred.scope };
        let (user_id, agency) = (user.id, user.agency_id);
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    tx.insert_credential(&cred, &hash).await?;
                    record::<()>(
                        tx,
                        now,
                        EntryKind::SessionCreated,
                        Actor::User(user_id),
                        Some(agency),
                        vec![cred.id.subject()],
                        None,
                    )
                    .await?;
                    Ok::<_, ServiceError>(())
                })
            })
            .await?;
        Ok(principal)
    }

    /// Counts an attempt against the login (and its source) in one write
    /// job: refused when the login is locked, otherwise counted, locking
    /// when it reaches the limit. A locked source does not refuse the
    /// attempt: the people behind one address (a station's NAT, a proxy not
    /// configured as trusted) still sign in with their right passwords; the
    /// attempt is checked (within the hash cap) and its failure answered
    /// "locked". Also finds the user when `lookup` names one. Counters older
    /// than the window are pruned at most once a minute per node, in a job
    /// of their own (an attempt refused as locked rolls back its job).
    async fn begin_attempt(
        &self,
        key: String,
        source: Option<String>,
        lookup: Option<String>,
    ) -> Result<(Option<liuhen_store::UserWithSecret>, Attempt)> {
        let now_ms = liuhen_domain::unix_ms(self.now());
        let last = self.logins.last_prune_ms.load(Ordering::Relaxed);
        let prune = now_ms.saturating_sub(last) >= PRUNE_EVERY_MS
            && self
                .logins
                .last_prune_ms
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
        if prune {
            let stale = now_ms - LOGIN_WINDOW.whole_milliseconds() as i64;
            self.store
                .transact(move |tx| {
                    Box::pin(async move {
                        tx.prune_login_failures(stale, now_ms).await?;
                        Ok::<_, ServiceError>(())
                    })
                })
                .await?;
        }
        let per_source = self.logins.per_source;
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let mut login = current(tx.login_failures(&key).await?, now_ms);
                    if let Some(until) = login.locked_until_ms.filter(|u| *u > now_ms) {
                        return Err(locked_message(until, now_ms));
                    }
                    let mut from = None;
                    let mut source_locked_until_ms = None;
                    if let Some(s) = &source {
                        let f = current(tx.login_failures(s).await?, now_ms);
                        match f.locked_until_ms.filter(|u| *u > now_ms) {
                            Some(until) => source_locked_until_ms = Some(until),
                            None => from = Some(f),
                        }
                    }
                    let locks_login = count(&mut login, MAX_LOGIN_FAILURES, now_ms);
                    tx.set_login_failures(&key, login).await?;
                    let mut locks_source = false;
                    if let (Some(s), Some(f)) = (&source, from.as_mut()) {
                        locks_source = count(f, per_source, now_ms);
                        tx.set_login_failures(s, *f).await?;
                    }
                    let found = match lookup {
                        Some(l) => tx.find_user_by_login(&l).await?,
                        None => None,
                    };
                    Ok((
                        found,
                        Attempt { login, locks_login, source: from, locks_source, source_locked_until_ms },
                    ))
                })
            })
            .await
    }

    /// Records a failed attempt (already counted by [`Service::begin_attempt`])
    /// in the ledger (CJIS 5.4.1.1: unsuccessful log-on attempts), with the
    /// lock it caused.
    ///
    /// A failure of a known login is an entry each (at most five per login
    /// and the per-source limit per address in a window). A failure of an
    /// unknown name is recorded only when it is the first from its source in
    /// the window, and a source's lock is recorded with the number of
    /// failures it summarises: anonymous traffic costs the ledger at most
    /// two entries per address per window, however many names it tries,
    /// while a failure against a real account is never left out.
    async fn record_login_failure(
        &self,
        key: String,
        source: Option<String>,
        user: Option<(UserId, liuhen_domain::UnitId)>,
        attempt: Attempt,
    ) -> Result<()> {
        let now = self.now();
        let now_ms = liuhen_domain::unix_ms(now);
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let source_subject = source.as_ref().map(|s| format!("source:{s}"));
                    let mut subjects = vec![format!("login:{key}")];
                    subjects.extend(user.map(|(id, _)| id.subject()));
                    subjects.extend(source_subject.clone());
                    let agency = user.map(|(_, a)| a);
                    // Unknown names are counted per source under a key of their own.
                    let mut unknown = 0;
                    if let (None, Some(s)) = (user, &source) {
                        let anon = format!("unknown:{s}");
                        let mut f = current(tx.login_failures(&anon).await?, now_ms);
                        f.failures += 1;
                        tx.set_login_failures(&anon, f).await?;
                        unknown = f.failures;
                    }
                    if user.is_some() || unknown <= 1 {
                        let content = serde_json::json!({
                            "failures": attempt.login.failures, "known_login": user.is_some()
                        });
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
                    }
                    if attempt.locks_login && user.is_some() {
                        let content = serde_json::json!({
                            "until_ms": attempt.login.locked_until_ms, "failures": attempt.login.failures
                        });
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
                    if let (true, Some(f), Some(subject)) =
                        (attempt.locks_source, attempt.source, source_subject)
                    {
                        let content = serde_json::json!({
                            "until_ms": f.locked_until_ms, "failures": f.failures, "unknown_logins": unknown
                        });
                        record(
                            tx,
                            now,
                            EntryKind::LoginLocked,
                            Actor::System("login"),
                            None,
                            vec![subject],
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
        let _permit = self.logins.hash_permit().await?;
        let key = self.logins.login_key(&me.user.login);
        // Counted against the account only: the caller is signed in, not anonymous.
        let (found, attempt) = self.begin_attempt(key.clone(), None, Some(me.user.login.clone())).await?;
        let stored = found.filter(|u| u.user.id == me.user.id).and_then(|u| u.password_hash);
        if !verify_password(current.to_owned(), stored).await? {
            self.record_login_failure(key, None, Some((me.user.id, me.user.agency_id)), attempt).await?;
            return Err(ServiceError::Unauthenticated("wrong password"));
        }
        let hash = crate::secrets::hash_password(new.to_owned()).await?;
        let now = self.now();
        let me = me.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    // The attempt was counted before the check; a right password clears it, as at login.
                    tx.clear_login_failures(&key).await?;
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
        let input = NewToken { user_id: user, name, scope, expires_at: None };
        let (token, secret) = self.insert_token(actor, None, &input).await?;
        Ok(TokenOutcome { id: token.id, secret })
    }

    /// Issues an API token as an administrator asks (签发令牌): for a user of
    /// their agency, never for an administrator's account (those are kept
    /// at the command line), with a scope and optionally an expiry. The
    /// secret is in the answer once and never again.
    pub async fn issue_token(&self, who: AdminActor, input: &NewToken) -> Result<IssuedToken> {
        let input = input.validated(self.now())?;
        let (token, secret) = self.insert_token(who.actor(), Some(who), &input).await?;
        Ok(IssuedToken { token, secret })
    }

    async fn insert_token(
        &self,
        actor: Actor,
        who: Option<AdminActor>,
        input: &NewToken,
    ) -> Result<(ApiToken, String)> {
        let name = input.name.as_deref().map(|n| liuhen_domain::required_text("name", n, 64)).transpose()?;
        let (user, scope, expires_at) = (input.user_id, input.scope, input.expires_at);
        let now = self.now();
        let (secret, hash) = new_secret(TOKEN_PREFIX)?;
        let token = self
            .store
            .transact(move |tx| {
                Box::pin(async move {
                    let owner = tx.get_user(user).await.map_err(|_| ServiceError::NotFound("user"))?;
                    if let Some(who) = &who {
                        who.check_agency(owner.agency_id)?;
                        who.check_admin_account(&owner, None)?;
                    }
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
                        expires_at,
                        revoked_at: None,
                    };
                    tx.insert_credential(&cred, &hash).await?;
                    // An expiry is committed to when there is one (entries of tokens
                    // without one read as before).
                    let content = match cred.expires_at {
                        None => serde_json::json!({"name": cred.name, "scope": cred.scope}),
                        Some(e) => serde_json::json!({
                            "name": cred.name, "scope": cred.scope, "expires_ms": liuhen_domain::unix_ms(e)
                        }),
                    };
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
                    Ok(ApiToken::of(cred, now))
                })
            })
            .await?;
        Ok((token, secret))
    }

    /// The API tokens of the administrator's agency, or of one user of it,
    /// newest first (never their secrets).
    pub async fn list_tokens(&self, who: AdminActor, user: Option<UserId>) -> Result<Vec<ApiToken>> {
        let now = self.now();
        let mut tx = self.store.read().await?;
        let owners = match (user, &who) {
            (Some(u), _) => {
                let owner = tx.get_user(u).await.map_err(|_| ServiceError::NotFound("user"))?;
                who.check_agency(owner.agency_id)?;
                vec![owner]
            }
            (None, AdminActor::User(p)) => {
                who.check_agency(p.user.agency_id)?;
                tx.list_users(p.user.agency_id).await?
            }
            (None, AdminActor::CommandLine) => {
                return Err(ServiceError::Conflict("name the user whose tokens to list".into()));
            }
        };
        let mut out = Vec::new();
        for owner in owners {
            let creds = tx.list_credentials(owner.id).await?;
            out.extend(
                creds.into_iter().filter(|c| c.kind == CredentialKind::Token).map(|c| ApiToken::of(c, now)),
            );
        }
        tx.finish().await?;
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Revokes an API token as an administrator of its user's agency asks
    /// (吊销令牌; any user's, an administrator's too: stopping a credential is
    /// never a way to gain one). A token already revoked stays as it was,
    /// and nothing more is recorded.
    pub async fn revoke_token(&self, who: AdminActor, id: CredentialId) -> Result<()> {
        let now = self.now();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let cred = tx
                        .get_credential(id)
                        .await?
                        .filter(|c| c.kind == CredentialKind::Token)
                        .ok_or(ServiceError::NotFound("token"))?;
                    let owner = tx.get_user(cred.user_id).await?;
                    if who.check_agency(owner.agency_id).is_err() {
                        // Another agency's token answers as one that does not exist.
                        return Err(match who {
                            AdminActor::User(ref p) if crate::scope::may_administer(&p.user) => {
                                ServiceError::NotFound("token")
                            }
                            _ => ServiceError::Forbidden("only an administrator of the agency may".into()),
                        });
                    }
                    if cred.revoked_at.is_some() {
                        return Ok(());
                    }
                    tx.revoke_credential(id, now).await?;
                    let subjects = vec![id.subject(), owner.id.subject()];
                    record::<()>(
                        tx,
                        now,
                        EntryKind::TokenRevoked,
                        who.actor(),
                        Some(owner.agency_id),
                        subjects,
                        None,
                    )
                    .await?;
                    Ok(())
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

/// A new login session of `user`: its secret, the secret's hash (all that
/// is stored) and the credential record.
fn new_session(
    user: UserId,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<(String, [u8; 32], Credential)> {
    let (secret, hash) = new_secret(SESSION_PREFIX)?;
    let cred = Credential {
        id: CredentialId::from_bytes(random_bytes()?),
        user_id: user,
        kind: CredentialKind::Session,
        name: None,
        scope: TokenScope::Full,
        created_at: now,
        expires_at: Some(expires_at),
        revoked_at: None,
    };
    Ok((secret, hash, cred))
}
