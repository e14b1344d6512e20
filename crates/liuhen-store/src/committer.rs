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
//! A job is acknowledged only after the commit that made it durable; if the
//! commit fails, every job of the batch gets the error and none took effect.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::{mpsc, oneshot};

use crate::error::{Result, StoreError};
use std::sync::Arc;

use crate::{Db, Store, Tx, Write};

/// A boxed future borrowing the transaction.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = T> + Send + 't>>;

/// What a job leaves to do once the batch's fate is known: send its result
/// (or the commit error) to its caller.
type Deliver = Box<dyn FnOnce(Option<StoreError>) + Send>;

/// A type-erased transaction job: runs in the shared transaction and
/// returns how to deliver its result, or `None` when it failed (and has
/// already answered).
type TxJob = Box<dyn for<'t> FnOnce(&'t mut Tx<Write>) -> TxFuture<'t, Option<Deliver>> + Send>;

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

pub(crate) struct Committer {
    sender: mpsc::UnboundedSender<Job>,
}

impl Committer {
    pub(crate) fn start(db: Arc<Db>) -> Committer {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(run(db, receiver));
        Committer { sender }
    }

    pub(crate) fn submit(&self, job: Job) -> Result<()> {
        self.sender.send(job).map_err(|_| StoreError::Unavailable("the writer has stopped"))
    }
}

/// Under load, a batch smaller than this waits up to [`GATHER`] for more jobs.
const GATHER_TARGET: usize = 64;
/// How long a small batch may wait for company when jobs keep arriving.
const GATHER: std::time::Duration = std::time::Duration::from_millis(1);

async fn run(db: Arc<Db>, mut receiver: mpsc::UnboundedReceiver<Job>) {
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
        commit_batch(&db, std::mem::take(&mut batch)).await;
        last_commit = std::time::Instant::now();
    }
}

async fn commit_batch(db: &Db, jobs: Vec<Job>) {
    let mut tx = match db.begin_write().await {
        Ok(tx) => tx,
        Err(e) => {
            // The jobs never ran; dropping them closes their answer channels,
            // which their callers report as the writer being unavailable.
            tracing::error!(error = %e, jobs = jobs.len(), "cannot begin a write transaction");
            return;
        }
    };
    let mut delivers: Vec<Deliver> = Vec::with_capacity(jobs.len());
    let abandon = |delivers: Vec<Deliver>| {
        for d in delivers {
            d(Some(StoreError::Unavailable("the batch could not be committed")));
        }
    };
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
                    abandon(delivers);
                    return;
                }
                match job(&mut tx).await {
                    Some(deliver) => {
                        if let Err(e) = tx.savepoint("RELEASE SAVEPOINT job").await {
                            deliver(Some(e));
                            abandon(delivers);
                            return;
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
                            return;
                        }
                    }
                }
            }
        }
    }
    match tx.commit().await {
        Ok(()) => {
            for d in delivers {
                d(None);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, jobs = delivers.len(), "group commit failed");
            let msg = e.to_string();
            for d in delivers {
                d(Some(StoreError::CommitFailed(msg.clone())));
            }
        }
    }
}

impl Store {
    /// Runs `f` as one job of a group commit and returns its result once the
    /// batch holding it is durable. An `Err` from `f` rolls back exactly what
    /// `f` wrote.
    pub async fn transact<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: for<'t> FnOnce(&'t mut Tx<Write>) -> TxFuture<'t, std::result::Result<T, E>> + Send + 'static,
    {
        let (answer, result) = oneshot::channel::<std::result::Result<T, E>>();
        let job: TxJob = Box::new(move |tx| {
            Box::pin(async move {
                match f(tx).await {
                    Ok(value) => {
                        let deliver: Deliver = Box::new(move |commit_error| {
                            let _ = answer.send(match commit_error {
                                None => Ok(value),
                                Some(e) => Err(E::from(e)),
                            });
                        });
                        Some(deliver)
                    }
                    Err(e) => {
                        let _ = answer.send(Err(e));
                        None
                    }
                }
            })
        });
        self.committer.submit(Job::Tx(job)).map_err(E::from)?;
        result.await.map_err(|_| E::from(StoreError::Unavailable("the writer stopped before answering")))?
    }

    /// Appends encoded ledger entries through the group commit and returns
    /// their numbers once they are durable. For records of reads, which
    /// change nothing else.
    pub async fn append_entries(&self, bodies: Vec<Vec<u8>>, now: time::OffsetDateTime) -> Result<Vec<u64>> {
        let (answer, result) = oneshot::channel();
        self.committer.submit(Job::Append { bodies, now, answer })?;
        result.await.map_err(|_| StoreError::Unavailable("the writer stopped before answering"))?
    }
}
