//! liuhen's use cases. One operation = authorisation + the domain's rule +
//! one store transaction that writes the state change and its ledger entry
//! together (architecture invariant 1). The clock is injected ([`Clock`]).
//!
//! - [`Service::login`], [`Service::authenticate`]: Argon2id passwords,
//!   login sessions and revocable API tokens, stored only as hashes.
//! - [`Service::create_case`], [`Service::list_cases`], [`Service::get_case`],
//!   [`Service::add_act`], [`Service::assign_officers`],
//!   [`Service::transition`]: the case procedure, within the caller's
//!   [`scope`](scope::case_scope).
//! - [`Service::explain_interruption`], [`Service::list_interruptions`]:
//!   中止说明 of an act's recording, which [`compliance`] weighs.
//! - [`admin`]: agencies, units, users and tokens, for administrators and
//!   the command line.
//! - [`devices`]: the registers of body cameras (领用/归还, 校时) and docking
//!   stations, which uploads are checked against.
//! - [`demo::seed`]: a realistic demo agency.
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use liuhen_service::{Service, SystemClock, ServiceConfig};
//! let store = liuhen_store::Store::open_dir(std::path::Path::new("./liuhen-data")).await?;
//! let key = liuhen_tlog::SignerKey::ed25519_from_seed("example.gov.cn/ledger", &[1; 32])?;
//! let signer = liuhen_service::ledger::LedgerSigner::new("example.gov.cn/ledger", vec![key])?;
//! let service = Service::new(store, Arc::new(SystemClock), ServiceConfig::default(), signer);
//! let login = service.login("officer1", "liuhen-demo-officer1").await?;
//! let me = service.authenticate(&login.token).await?;
//! let (cases, total) = service.list_cases(&me, &Default::default()).await?;
//! # Ok(()) }
//! ```

mod access;
pub mod admin;
pub mod archive;
pub mod archive_checks;
pub mod audit;
mod auth;
mod cases;
mod clock;
pub mod compliance;
pub mod demo;
pub mod devices;
pub mod disclosure;
pub mod documents;
mod error;
pub mod evidence;
mod interruptions;
pub mod ledger;
pub mod limits;
pub mod overview;
pub mod retention;
pub mod review;
pub mod scope;
mod secrets;
pub mod supervision;
pub mod verify;
pub mod workbench;

use std::sync::Arc;

use liuhen_domain::{Actor, EntryKind, LedgerEntry, UnitId, User};
use liuhen_store::{Store, Tx, Write};
use serde::Serialize;
use time::OffsetDateTime;

pub use auth::{ApiToken, IssuedToken, LoginOutcome, Principal, TokenOutcome};
pub use cases::{AttestElements, CaseQuery, TransitionRequest};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Result, ServiceError};
pub use secrets::{SESSION_PREFIX, TOKEN_PREFIX, hash_password, random_bytes};

/// Settings of the use cases.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// How long a login session lasts.
    pub session_ttl: time::Duration,
    /// Record every read in the ledger. Always on in the product; off only
    /// to measure what recording reads costs (benchmarks).
    pub record_reads: bool,
    /// Approvals a 调阅 request needs before it is granted.
    pub access_approvals: u32,
    /// Password hashes (Argon2id, 19 MiB each) run at once at most.
    pub password_hashes: usize,
    /// Requests that may wait for one of those; beyond, a login is answered
    /// at once with "busy" rather than queued.
    pub password_hash_queue: usize,
    /// Failed logins from one source address (an IPv6 /64) within the
    /// window before the address is locked out like a login.
    pub login_failures_per_source: i64,
    /// A device clock offset (校时) whose absolute value is above this, in
    /// milliseconds, is a finding on the clip and an alert on the
    /// supervision stream.
    pub clock_drift_threshold_ms: i64,
    /// The virus scan of a case-file package's 四性检测 (none by default
    /// here; the server looks for `clamscan` on `PATH`).
    pub antivirus: archive_checks::Antivirus,
    /// The address the public reaches this site at; when set, documents naming officers carry a
    /// QR code per officer leading to their 执法证 page there (事中公示).
    pub public_url: Option<String>,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            session_ttl: time::Duration::hours(12),
            record_reads: true,
            access_approvals: 2,
            password_hashes: std::thread::available_parallelism().map_or(2, usize::from),
            password_hash_queue: 32,
            login_failures_per_source: 30,
            clock_drift_threshold_ms: 30_000,
            antivirus: archive_checks::Antivirus::default(),
            public_url: None,
        }
    }
}

/// The use cases over one store. Cheap to clone.
#[derive(Clone)]
pub struct Service {
    store: Store,
    clock: Arc<dyn Clock>,
    config: ServiceConfig,
    ledger: Arc<ledger::LedgerSigner>,
    evidence: Option<Arc<evidence::EvidenceParts>>,
    policy: Option<Arc<liuhen_policy::Policy>>,
    supervision: Arc<supervision::Hub>,
    pdf: Arc<documents::Pdf>,
    formats: Option<Arc<(liuhen_docs::FormatSet, liuhen_docs::WordingLibrary)>>,
    logins: Arc<auth::LoginGuard>,
}

impl Service {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        config: ServiceConfig,
        ledger: ledger::LedgerSigner,
    ) -> Self {
        let logins = Arc::new(auth::LoginGuard::new(&config));
        Service {
            store,
            clock,
            config,
            logins,
            ledger: Arc::new(ledger),
            evidence: None,
            policy: None,
            supervision: Arc::new(supervision::Hub::new(
                supervision::AlertRules::default(),
                supervision::StreamLimits::default(),
            )),
            pdf: Arc::new(documents::Pdf::new(Vec::new())),
            formats: None,
        }
    }

    /// Renders PDFs with these font files or folders (default: Debian's fonts-noto-cjk).
    #[must_use]
    pub fn with_fonts(mut self, fonts: Vec<std::path::PathBuf>) -> Self {
        self.pdf = Arc::new(documents::Pdf::new(fonts));
        self
    }

    /// Keys login names and source addresses in the ledger and the failure
    /// counters with this per-deployment secret (HMAC-SHA256). Every node of
    /// a deployment must use the same one; without it a random key is used,
    /// which lasts as long as this value.
    #[must_use]
    pub fn with_login_key(mut self, key: [u8; 32]) -> Self {
        self.logins = Arc::new(auth::LoginGuard::new(&self.config).with_key(key));
        self
    }

    /// Uses these alert rules on the supervision stream.
    #[must_use]
    pub fn with_alert_rules(mut self, rules: supervision::AlertRules) -> Self {
        self.supervision = Arc::new(supervision::Hub::new(rules, self.supervision.limits()));
        self
    }

    /// Uses these bounds on supervision streams.
    #[must_use]
    pub fn with_stream_limits(mut self, limits: supervision::StreamLimits) -> Self {
        self.supervision = Arc::new(supervision::Hub::new(self.supervision.rules().clone(), limits));
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// This service over another clock (everything else shared): the demo
    /// tells its story on a clock that steps through past days.
    pub(crate) fn with_clock(&self, clock: Arc<dyn Clock>) -> Service {
        Service { clock, ..self.clone() }
    }
}

/// Appends the ledger entry of a change to the transaction making it.
/// `content` is what the entry commits to: its canonical JSON is digested
/// (salted with the entry's nonce), never stored in the entry.
pub(crate) async fn record<C: Serialize>(
    tx: &mut Tx<Write>,
    now: OffsetDateTime,
    kind: EntryKind,
    actor: Actor,
    org: Option<UnitId>,
    subjects: Vec<String>,
    content: Option<&C>,
) -> Result<u64> {
    let bytes = content
        .map(serde_json::to_vec)
        .transpose()
        .map_err(|e| ServiceError::Internal(format!("encoding ledger content: {e}")))?;
    let entry = LedgerEntry::new(
        kind,
        liuhen_domain::unix_ms(now),
        actor,
        org,
        subjects,
        bytes.as_deref(),
        secrets::random_bytes()?,
    );
    Ok(tx.append_entry(&entry, now).await?)
}

impl Service {
    /// Records a read: its entry is durable before the caller may return
    /// what was read ("no entry, no read"). Reads change nothing else, so
    /// the entry goes through the group commit without a transaction job.
    pub(crate) async fn record_read(
        &self,
        now: OffsetDateTime,
        actor: Actor,
        org: Option<UnitId>,
        subjects: Vec<String>,
    ) -> Result<u64> {
        self.record_read_as(EntryKind::CaseRead, now, actor, org, subjects).await
    }

    /// [`Service::record_read`] under another kind of read (a list of cases).
    pub(crate) async fn record_read_as(
        &self,
        kind: EntryKind,
        now: OffsetDateTime,
        actor: Actor,
        org: Option<UnitId>,
        subjects: Vec<String>,
    ) -> Result<u64> {
        if !self.config.record_reads {
            return Ok(0);
        }
        let entry = LedgerEntry::new(
            kind,
            liuhen_domain::unix_ms(now),
            actor,
            org,
            subjects,
            None,
            secrets::random_bytes()?,
        );
        let body =
            entry.encode().map_err(|e| ServiceError::Internal(format!("encoding a ledger entry: {e}")))?;
        let seqs = self.store.append_entries(vec![body], now).await?;
        seqs.first().copied().ok_or(ServiceError::Internal("no sequence number for an entry".into()))
    }
}

impl Service {
    /// Records one entry that changes nothing else (a refusal, a download,
    /// a reading of the audit) as its own write job; durable on return.
    pub(crate) async fn record_alone(
        &self,
        now: OffsetDateTime,
        kind: EntryKind,
        actor: Actor,
        org: Option<UnitId>,
        subjects: Vec<String>,
    ) -> Result<u64> {
        self.store
            .transact(move |tx| {
                Box::pin(async move { record::<()>(tx, now, kind, actor, org, subjects, None).await })
            })
            .await
    }
}

/// The actor of an operation by `user`.
pub(crate) fn actor(user: &User) -> Actor {
    Actor::User(user.id)
}
