//! liuhen's metadata store: agencies and their units, users and their
//! credentials, cases, acts, gapless counters and the ledger's entry
//! sequence, on SQLite (one machine) or PostgreSQL (several nodes).
//!
//! The backend is picked once, from the URL given to [`Store::open`]. Each
//! backend has its own migrations; everything after connection setup is
//! plain SQL that both accept, run through sqlx's `Any` driver, so one code
//! path and one conformance suite cover both.
//!
//! Work happens in transactions whose type says what they may do:
//! [`Tx<Read>`](Tx) is a consistent snapshot, [`Tx<Write>`](Tx) may change
//! state and must append the ledger entry for the change
//! ([`Tx::append_entry`]) before [`Tx::commit`] consumes it. Dropping a
//! transaction without committing rolls it back: nothing is ever half-written.
//!
//! ```no_run
//! # async fn demo() -> Result<(), liuhen_store::StoreError> {
//! let store = liuhen_store::Store::open("sqlite:///var/lib/liuhen/liuhen.db?mode=rwc").await?;
//! let mut tx = store.read().await?;
//! let agencies = tx.list_agencies().await?;
//! # Ok(()) }
//! ```

mod access;
mod archives;
pub mod blobs;
mod cases;
mod checked;
mod committer;
mod db;
mod devices;
pub mod digest;
mod disclosures;
mod documents;
mod error;
mod evidence;
mod interruptions;
mod ledger;
mod limits;
mod org;
pub mod originals;
mod retention;
mod reviews;
mod rows;
mod throttle;
pub mod uploads;

use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

use sqlx::{Any, Transaction};

pub use archives::{ArchiveFile, StoredArchive};
pub use cases::{CaseFilter, CaseScope, CaseSummary, StageMove};
pub use checked::{FileIdentity, OriginalCheck, SETTLE};
pub use committer::{CommitFault, MAX_BATCH, TxFuture};
pub use db::{Backend, redact_url, sqlite_url_for_dir};
pub use disclosures::{PublicQuery, YearFigures, date_text};
pub use error::{Result, StoreError};
pub use evidence::{EvidenceDigests, LinkedClip, evidence_unit};
pub use ledger::{AuditRole, LedgerProgress, StoredCheckpoint, StoredEntry};
pub use org::{Credential, CredentialKind, UserWithSecret};
pub use reviews::{StoredDecision, StoredReview};
pub use throttle::LoginFailures;

/// Marker: a transaction that only reads.
pub enum Read {}
/// Marker: a transaction that may write.
pub enum Write {}

/// The metadata store. Cheap to clone; all clones share the pools and the
/// committer.
#[derive(Clone)]
pub struct Store {
    db: Arc<Db>,
    committer: Arc<committer::Committer>,
}

/// The pools, shared by every clone of the store and by the committer task.
pub(crate) struct Db {
    backend: Backend,
    writer: sqlx::AnyPool,
    reader: sqlx::AnyPool,
}

impl Db {
    /// Begins a write transaction. Writers are serialised: on SQLite by the
    /// single writer connection and `BEGIN IMMEDIATE`, on PostgreSQL by the
    /// ledger head row taken here, which every writer needs anyway to append
    /// its entry. Taking it first gives all writers one lock order.
    pub(crate) async fn begin_write(&self) -> Result<Tx<Write>> {
        let tx = self.writer.begin_with(self.backend.begin_write()).await?;
        let mut tx = Tx {
            tx,
            backend: self.backend,
            ledger: ledger::Pending::default(),
            xid: None,
            _mode: PhantomData,
        };
        if self.backend == Backend::Postgres {
            tx.xid = Some(tx.lock_sequencer().await?);
        }
        Ok(tx)
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend()).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (and migrates) the database at `url`: `sqlite://PATH?mode=rwc`
    /// or `postgres://…`.
    pub async fn open(url: &str) -> Result<Store> {
        let pools = db::connect(url).await?;
        let db = Arc::new(Db { backend: pools.backend, writer: pools.writer, reader: pools.reader });
        let committer = Arc::new(committer::Committer::start(db.clone()));
        Ok(Store { db, committer })
    }

    /// Opens the SQLite database kept in the data folder `dir`.
    pub async fn open_dir(dir: &Path) -> Result<Store> {
        // The data folder holds personal data: private to liuhen's user when made here.
        blobs::create_private_dir(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        Store::open(&sqlite_url_for_dir(dir)).await
    }

    pub fn backend(&self) -> Backend {
        self.db.backend
    }

    /// Begins a read-only snapshot.
    pub async fn read(&self) -> Result<Tx<Read>> {
        let tx = self.db.reader.begin_with(self.db.backend.begin_read()).await?;
        Ok(Tx {
            tx,
            backend: self.db.backend,
            ledger: ledger::Pending::default(),
            xid: None,
            _mode: PhantomData,
        })
    }

    /// Begins a write transaction of its own, outside the group commit (see
    /// [`Store::transact`], the usual way to write). Writers are serialised
    /// either way.
    pub async fn write(&self) -> Result<Tx<Write>> {
        self.committer.check()?;
        self.db.begin_write().await
    }

    /// The case `id` if it lies within `scope`, read in one statement
    /// outside any transaction (see [`Tx::get_case_in_scope`]).
    pub async fn get_case_in_scope(
        &self,
        id: liuhen_domain::CaseId,
        scope: &CaseScope,
    ) -> Result<Option<liuhen_domain::Case>> {
        cases::fetch_case(&self.db.reader, self.db.backend, id, scope).await
    }

    /// Answers whether the database is reachable.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.db.reader).await?;
        Ok(())
    }

    /// Closes the pools, waiting for connections in use.
    pub async fn close(&self) {
        self.db.writer.close().await;
        self.db.reader.close().await;
    }
}

/// A transaction; `M` is [`Read`] or [`Write`].
pub struct Tx<M> {
    tx: Transaction<'static, Any>,
    backend: Backend,
    /// Ledger entries appended in this transaction, written at commit.
    ledger: ledger::Pending,
    /// The PostgreSQL transaction id of a write, by which the outcome of a
    /// commit whose answer was lost is read back.
    xid: Option<i64>,
    _mode: PhantomData<M>,
}

impl<M> Tx<M> {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

impl Tx<Write> {
    /// Runs a savepoint statement (the committer's per-job isolation).
    pub(crate) async fn savepoint(&mut self, sql: &'static str) -> Result<()> {
        sqlx::query(sql).execute(self.conn()).await?;
        Ok(())
    }

    /// Makes every change of this transaction durable, or none of them.
    pub async fn commit(mut self) -> Result<()> {
        self.flush_entries().await?;
        self.commit_now().await
    }

    /// COMMIT, once the entries are written.
    pub(crate) async fn commit_now(self) -> Result<()> {
        self.tx.commit().await.map_err(StoreError::Database)
    }

    pub(crate) fn xid(&self) -> Option<i64> {
        self.xid
    }
}

impl Tx<Read> {
    /// Ends the snapshot.
    pub async fn finish(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

impl Tx<Write> {
    /// Runs a raw statement. Only for tests that play an operator going
    /// around liuhen (for example to show the ledger refuses changes).
    #[doc(hidden)]
    pub async fn raw_execute_for_tests(&mut self, sql: &'static str) -> Result<()> {
        sqlx::query(sql).execute(self.conn()).await?;
        Ok(())
    }
}
