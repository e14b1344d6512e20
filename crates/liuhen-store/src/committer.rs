//! Group commit: many operations, one durable commit.
//!
//! Every write operation of the service runs as a job on the store's one
//! committer task. The committer takes every job that is waiting, opens one
//! write transaction, runs each job inside its own savepoint (a failing job
//! is rolled back alone and answered at once), commits once — one fsync for
//! the whole batch — and only then answers the jobs that succeeded. Under
//! load, jobs queue while a batch commits, so batches grow with the load and
//! the fsync cost is shared; with a single caller a batch holds one job and
//! costs what a plain transaction costs.
//!
//! A job is acknowledged only after the commit that made it durable. When
//! the commit fails, what the jobs are told depends on what is known:
//!
//! - the database refused the commit: none took effect, and they are told so;
//! - the connection broke during the commit (PostgreSQL): the outcome is read
//!   back from the database by the transaction's id, and each job gets the
//!   answer that matches what happened;
//! - the database reported an I/O error (a failed fsync), or the outcome
//!   cannot be learnt: the writer stops. Retrying after a failed fsync can
//!   acknowledge data the disk never kept (PostgreSQL's "fsyncgate"), so
//!   nothing more is written until liuhen is restarted and the database has
//!   recovered from what is really on disk; the jobs, writes after them and
//!   `/healthz` say that the writer has stopped, and why.
//!
//! A job that panics fails alone: its savepoint is rolled back, its caller
//! gets an internal error, and the writer goes on with the next job.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::error::{Result, StoreError};
use crate::{Backend, Db, Store, Tx, Write};

/// A boxed future borrowing the transaction.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = T> + Send + 't>>;

/// What a job leaves to do once the batch's fate is known: send its result
/// (or the commit error) to its caller.
type Deliver = Box<dyn FnOnce(Option<StoreError>) + Send>;

/// A type-erased transaction job: runs in the shared transaction (or is told
/// why it cannot run) and returns how to deliver its result, or `None` when
/// it failed (and has already answered).
type TxJob = Box<
    dyn for<'t> FnOnce(std::result::Result<&'t mut Tx<Write>, StoreError>) -> TxFuture<'t, Option<Deliver>>
        + Send,
>;

/// Work for the committer.
pub(crate) enum Job {
    /// Arbitrary reads and writes, isolated in a savepoint.
    Tx(TxJob),
    /// Ledger entries only (the record of a read): no SQL until the batch
    /// commits, so no savepoint either.
    Append { bodies: Vec<Vec<u8>>, now: time::OffsetDateTime, answer: oneshot::Sender<Result<Vec<u64>>> },
}

/// Most jobs in one batch.
pub const MAX_BATCH: usize = 1024;

/// A failure to inject at the next commit, for tests of what the writer
/// does when the database fails under it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitFault {
    /// The commit fails with an I/O error, as when the database cannot fsync.
    IoError,
    /// The connection is lost before the commit reaches the database
    /// (PostgreSQL: the writer's backend is terminated by the server).
    ConnectionLostBeforeCommit,
    /// The commit takes effect but its answer is lost with the connection.
    AnswerLostAfterCommit,
}

/// What the committer task and every clone of the store share.
#[derive(Default)]
pub(crate) struct Shared {
    /// Why the writer stopped, once it has.
    stopped: OnceLock<String>,
    fault: Mutex<Option<CommitFault>>,
}

impl Shared {
    fn stop(&self, why: String) {
        tracing::error!(reason = %why, "the database writer has stopped; restart liuhen");
        let _ = self.stopped.set(why);
    }

    fn stopped_error(&self) -> Option<StoreError> {
        self.stopped.get().map(|why| StoreError::WriterStopped(why.clone()))
    }

    fn take_fault(&self) -> Option<CommitFault> {
        self.fault.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

pub(crate) struct Committer {
    sender: mpsc::UnboundedSender<Job>,
    shared: Arc<Shared>,
}

impl Committer {
    pub(crate) fn start(db: Arc<Db>) -> Committer {
        let (sender, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::default());
        let task = tokio::spawn(run(db, receiver, shared.clone()));
        // Whatever ends the task, the store must learn of it: `run` says why
        // it stops, and this watch covers what `run` cannot (being aborted).
        let watch = shared.clone();
        tokio::spawn(async move {
            match task.await {
                Ok(()) => {}
                Err(e) => watch.stop(format!("the writer task ended: {e}")),
            }
        });
        Committer { sender, shared }
    }

    pub(crate) fn submit(&self, job: Job) -> Result<()> {
        if let Some(e) = self.shared.stopped_error() {
            return Err(e);
        }
        self.sender.send(job).map_err(|_| self.gone())
    }

    /// Refuses work once the writer has stopped.
    pub(crate) fn check(&self) -> Result<()> {
        self.shared.stopped_error().map_or(Ok(()), Err)
    }

    /// Why the writer stopped, if it has.
    pub(crate) fn stopped(&self) -> Option<String> {
        self.shared.stopped.get().cloned()
    }

    pub(crate) fn inject_fault(&self, fault: CommitFault) {
        *self.shared.fault.lock().unwrap_or_else(|p| p.into_inner()) = Some(fault);
    }

    /// The error for a job whose answer never came: the writer stopped
    /// while holding it (its outcome is unknown to this caller).
    /// Why a job went unanswered: the writer stopped, or (it still runs) the
    /// batch it was in was abandoned before the job ran — nothing of it was
    /// written, and it may be tried again.
    fn gone(&self) -> StoreError {
        self.shared.stopped_error().unwrap_or(StoreError::Unavailable(
            "the write was abandoned with its batch before it ran; try again",
        ))
    }
}

/// Polls a future, turning a panic inside it into `Err`.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// What a panic said, for the log.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// Under load, a batch smaller than this waits up to [`GATHER`] for more jobs.
const GATHER_TARGET: usize = 64;
/// How long a small batch may wait for company when jobs keep arriving.
const GATHER: Duration = Duration::from_millis(1);

async fn run(db: Arc<Db>, mut receiver: mpsc::UnboundedReceiver<Job>, shared: Arc<Shared>) {
    let mut batch: Vec<Job> = Vec::new();
    let mut last_commit = std::time::Instant::now();
    loop {
        if receiver.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return; // every Store clone is gone
        }
        // Jobs that arrive right after a commit mean load: wait briefly so
        // that one commit serves many of them. An idle store commits at once.
        if batch.len() < GATHER_TARGET && last_commit.elapsed() < GATHER {
            let deadline = tokio::time::Instant::now() + GATHER;
            while batch.len() < GATHER_TARGET {
                let room = MAX_BATCH - batch.len();
                match tokio::time::timeout_at(deadline, receiver.recv_many(&mut batch, room)).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
        let fault = shared.take_fault();
        let outcome = CatchUnwind(Box::pin(commit_batch(&db, std::mem::take(&mut batch), fault))).await;
        let stop = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(why)) => Some(why),
            // Jobs' own panics are caught in the job; one here is the
            // committer's, after which the batch's fate is not known.
            Err(panic) => Some(format!("the writer failed unexpectedly: {}", panic_message(&*panic))),
        };
        if let Some(why) = stop {
            // Set before the queue is dropped, so every waiting caller and
            // every later one is told why.
            shared.stop(why);
            receiver.close();
            while let Ok(job) = receiver.try_recv() {
                refuse(
                    job,
                    shared.stopped_error().unwrap_or(StoreError::Unavailable("the writer has stopped")),
                )
                .await;
            }
            return;
        }
        last_commit = std::time::Instant::now();
    }
}

/// Answers a job that will not run, with `error`.
async fn refuse(job: Job, error: StoreError) {
    match job {
        Job::Append { answer, .. } => {
            let _ = answer.send(Err(error));
        }
        Job::Tx(job) => {
            let _ = job(Err(error)).await;
        }
    }
}

/// Every job of a batch that had not yet been committed when it failed.
fn abandon(delivers: Vec<Deliver>) {
    for d in delivers {
        d(Some(StoreError::Unavailable("the batch could not be committed; nothing of it was written")));
    }
}

/// Runs and commits one batch. `Err` says why the writer must stop.
async fn commit_batch(
    db: &Db,
    jobs: Vec<Job>,
    fault: Option<CommitFault>,
) -> std::result::Result<(), String> {
    let mut tx = match db.begin_write().await {
        Ok(tx) => tx,
        Err(e) => {
            // Nothing ran: the jobs are told, and the next batch tries again.
            tracing::error!(error = %e, jobs = jobs.len(), "cannot begin a write transaction");
            for job in jobs {
                refuse(
                    job,
                    StoreError::Unavailable("the database could not be reached; nothing was written"),
                )
                .await;
            }
            return Ok(());
        }
    };
    let mut delivers: Vec<Deliver> = Vec::with_capacity(jobs.len());
    for job in jobs {
        match job {
            Job::Append { bodies, now, answer } => {
                let mark = tx.pending_mark();
                let mut seqs = Vec::with_capacity(bodies.len());
                let mut failed = None;
                for b in bodies {
                    match tx.append_encoded(b, now).await {
                        Ok(seq) => seqs.push(seq),
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                match failed {
                    None => delivers.push(Box::new(move |commit_error| {
                        let _ = answer.send(match commit_error {
                            None => Ok(seqs),
                            Some(e) => Err(e),
                        });
                    })),
                    Some(e) => {
                        tx.rollback_pending(mark);
                        let _ = answer.send(Err(e));
                    }
                }
            }
            Job::Tx(job) => {
                let mark = tx.pending_mark();
                if let Err(e) = tx.savepoint("SAVEPOINT job").await {
                    // The transaction is unusable; nothing of the batch will be committed.
                    tracing::error!(error = %e, "savepoint failed; abandoning the batch");
                    let _ = job(Err(StoreError::Unavailable("the batch could not be committed"))).await;
                    abandon(delivers);
                    return Ok(());
                }
                // `transact` catches a panic of its own job; this catches
                // whatever else may unwind out of one.
                let ran = CatchUnwind(job(Ok(&mut tx))).await.unwrap_or_else(|panic| {
                    tracing::error!(panic = panic_message(&*panic), "a write job panicked; rolled back");
                    None
                });
                match ran {
                    Some(deliver) => {
                        if let Err(e) = tx.savepoint("RELEASE SAVEPOINT job").await {
                            deliver(Some(e));
                            abandon(delivers);
                            return Ok(());
                        }
                        delivers.push(deliver);
                    }
                    None => {
                        // The job failed and was answered; undo whatever it wrote.
                        tx.rollback_pending(mark);
                        let undone = tx.savepoint("ROLLBACK TO SAVEPOINT job").await;
                        let released = tx.savepoint("RELEASE SAVEPOINT job").await;
                        if undone.is_err() || released.is_err() {
                            abandon(delivers);
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
    let backend = tx.backend();
    let xid = tx.xid();
    match commit(db, tx, fault).await {
        Ok(()) => {
            for d in delivers {
                d(None);
            }
            Ok(())
        }
        Err(CommitError::Refused(e)) => {
            tracing::error!(error = %e, jobs = delivers.len(), "group commit refused; nothing was written");
            let msg = e.to_string();
            for d in delivers {
                d(Some(StoreError::CommitFailed(msg.clone())));
            }
            Ok(())
        }
        Err(CommitError::Unknown(e)) => {
            tracing::error!(error = %e, jobs = delivers.len(), "group commit interrupted; reading back its outcome");
            let committed = match (backend, xid) {
                (Backend::Postgres, Some(xid)) => committed(db, xid).await,
                // On SQLite the writer's connection is in this process: an
                // error without an answer leaves nothing to ask.
                _ => None,
            };
            match committed {
                Some(true) => {
                    tracing::warn!(jobs = delivers.len(), "the interrupted commit had taken effect");
                    for d in delivers {
                        d(None);
                    }
                    Ok(())
                }
                Some(false) => {
                    let msg = format!("{e} (the database confirms the batch was rolled back)");
                    for d in delivers {
                        d(Some(StoreError::CommitFailed(msg.clone())));
                    }
                    Ok(())
                }
                None => {
                    let why = format!("the outcome of a commit could not be learnt after: {e}");
                    for d in delivers {
                        d(Some(StoreError::WriterStopped(why.clone())));
                    }
                    Err(why)
                }
            }
        }
        Err(CommitError::Io(e)) => {
            let why = format!("an I/O error at commit ({e}); whether the last writes are durable is unknown");
            for d in delivers {
                d(Some(StoreError::WriterStopped(why.clone())));
            }
            Err(why)
        }
    }
}

/// How a commit failed.
enum CommitError {
    /// The database refused it: nothing took effect.
    Refused(StoreError),
    /// No answer came: it may or may not have taken effect.
    Unknown(String),
    /// The database could not write or sync: the state on disk is uncertain.
    Io(String),
}

/// Commits `tx`, classifying a failure (and playing an injected fault).
async fn commit(
    db: &Db,
    mut tx: Tx<Write>,
    fault: Option<CommitFault>,
) -> std::result::Result<(), CommitError> {
    let backend = tx.backend();
    let classify = |e: StoreError, at_commit: bool| match &e {
        StoreError::Database(sqlx) => match failure_kind(backend, sqlx, at_commit) {
            FailureKind::Refused => CommitError::Refused(e),
            FailureKind::Unknown => CommitError::Unknown(e.to_string()),
            FailureKind::Io => CommitError::Io(e.to_string()),
        },
        _ => CommitError::Refused(e),
    };
    // Before COMMIT nothing can have taken effect, unless the disk failed.
    tx.flush_entries().await.map_err(|e| classify(e, false))?;
    match fault {
        None => {}
        Some(CommitFault::IoError) => {
            drop(tx);
            return Err(CommitError::Io("injected: fsync failed (EIO)".into()));
        }
        Some(CommitFault::ConnectionLostBeforeCommit) => {
            if backend != Backend::Postgres {
                drop(tx);
                return Err(CommitError::Unknown("injected: connection lost before commit".into()));
            }
            terminate_backend(db, &mut tx).await.map_err(|e| classify(e, false))?;
        }
        Some(CommitFault::AnswerLostAfterCommit) => {
            tx.commit_now().await.map_err(|e| classify(e, true))?;
            return Err(CommitError::Unknown("injected: connection lost while committing".into()));
        }
    }
    tx.commit_now().await.map_err(|e| classify(e, true))
}

/// Test support: has the server terminate the backend serving `tx`, and
/// waits until it is gone.
async fn terminate_backend(db: &Db, tx: &mut Tx<Write>) -> Result<()> {
    let pid: i32 = sqlx::Row::try_get(
        &sqlx::query("SELECT pg_backend_pid() AS pid").fetch_one(tx.conn()).await?,
        "pid",
    )?;
    sqlx::query("SELECT pg_terminate_backend($1)").bind(pid).execute(&db.reader).await?;
    for _ in 0..100 {
        let row = sqlx::query("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1")
            .bind(pid)
            .fetch_one(&db.reader)
            .await?;
        if sqlx::Row::try_get::<i64, _>(&row, "n")? == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

enum FailureKind {
    Refused,
    Unknown,
    Io,
}

/// What a database error at (or before) COMMIT says about the transaction.
fn failure_kind(backend: Backend, e: &sqlx::Error, at_commit: bool) -> FailureKind {
    match (backend, e) {
        (Backend::Postgres, sqlx::Error::Database(db)) => {
            let code = db.code().unwrap_or_default();
            match code.get(..2).unwrap_or_default() {
                // I/O error, data corrupted, internal error: the server's disk failed.
                "58" | "XX" => FailureKind::Io,
                // Connection failure, shutdown, termination: the answer was lost.
                "08" | "57" if at_commit => FailureKind::Unknown,
                _ => FailureKind::Refused,
            }
        }
        (Backend::Sqlite, sqlx::Error::Database(db)) => {
            // The primary result code is the low byte of the extended one.
            let primary = db.code().and_then(|c| c.parse::<i64>().ok()).map(|c| c & 0xff);
            match primary {
                // SQLITE_BUSY and SQLITE_LOCKED leave the transaction to roll back.
                Some(5) | Some(6) => FailureKind::Refused,
                // SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_NOTADB, …
                _ if at_commit => FailureKind::Io,
                Some(10) | Some(11) | Some(26) => FailureKind::Io,
                _ => FailureKind::Refused,
            }
        }
        // The connection broke: before COMMIT the server rolls back; during
        // it, nobody here knows.
        _ if at_commit => FailureKind::Unknown,
        _ => FailureKind::Refused,
    }
}

/// Whether PostgreSQL transaction `xid` committed, asked on a fresh
/// connection; waits while it is still in progress (its backend may be
/// finishing). `None` when the database cannot tell.
async fn committed(db: &Db, xid: i64) -> Option<bool> {
    let deadline = tokio::time::Instant::now() + RESOLVE_FOR;
    loop {
        match sqlx::query("SELECT txid_status($1) AS status").bind(xid).fetch_one(&db.writer).await {
            Ok(row) => match sqlx::Row::try_get::<Option<String>, _>(&row, "status") {
                Ok(Some(s)) if s == "committed" => return Some(true),
                Ok(Some(s)) if s == "aborted" => return Some(false),
                Ok(Some(_)) => {} // in progress
                Ok(None) | Err(_) => return None,
            },
            Err(e) => tracing::warn!(error = %e, "reading back a commit's outcome"),
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// How long the outcome of an interrupted commit is sought (the database may be restarting).
const RESOLVE_FOR: Duration = Duration::from_secs(60);

impl Store {
    /// Runs `f` as one job of a group commit and returns its result once the
    /// batch holding it is durable. An `Err` from `f` rolls back exactly what
    /// `f` wrote; so does a panic in `f`, which answers
    /// [`StoreError::JobPanicked`] and leaves the writer running.
    pub async fn transact<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: for<'t> FnOnce(&'t mut Tx<Write>) -> TxFuture<'t, std::result::Result<T, E>> + Send + 'static,
    {
        let (answer, result) = oneshot::channel::<std::result::Result<T, E>>();
        let job: TxJob = Box::new(move |tx| {
            Box::pin(async move {
                let tx = match tx {
                    Ok(tx) => tx,
                    Err(e) => {
                        let _ = answer.send(Err(E::from(e)));
                        return None;
                    }
                };
                // Building the future may panic as well as polling it.
                let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| f(tx))) {
                    Ok(fut) => CatchUnwind(fut).await,
                    Err(panic) => Err(panic),
                };
                match outcome {
                    Ok(Ok(value)) => {
                        let deliver: Deliver = Box::new(move |commit_error| {
                            let _ = answer.send(match commit_error {
                                None => Ok(value),
                                Some(e) => Err(E::from(e)),
                            });
                        });
                        Some(deliver)
                    }
                    Ok(Err(e)) => {
                        let _ = answer.send(Err(e));
                        None
                    }
                    Err(panic) => {
                        tracing::error!(panic = panic_message(&*panic), "a write job panicked; rolled back");
                        let _ = answer.send(Err(E::from(StoreError::JobPanicked)));
                        None
                    }
                }
            })
        });
        self.committer.submit(Job::Tx(job)).map_err(E::from)?;
        result.await.map_err(|_| E::from(self.committer.gone()))?
    }

    /// Appends encoded ledger entries through the group commit and returns
    /// their numbers once they are durable. For records of reads, which
    /// change nothing else.
    pub async fn append_entries(&self, bodies: Vec<Vec<u8>>, now: time::OffsetDateTime) -> Result<Vec<u64>> {
        let (answer, result) = oneshot::channel();
        self.committer.submit(Job::Append { bodies, now, answer })?;
        result.await.map_err(|_| self.committer.gone())?
    }

    /// Why the writer has stopped, if it has: then nothing can be written
    /// until liuhen is restarted.
    pub fn writer_stopped(&self) -> Option<String> {
        self.committer.stopped()
    }

    /// Makes the next group commit fail as `fault` says. Only for tests.
    #[doc(hidden)]
    pub fn inject_commit_fault_for_tests(&self, fault: CommitFault) {
        self.committer.inject_fault(fault);
    }
}
