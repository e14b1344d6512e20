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

/// A type-erased job: runs in the shared transaction and returns how to
/// deliver its result, or `None` when it failed (and has already answered).
type Job = Box<dyn for<'t> FnOnce(&'t mut Tx<Write>) -> TxFuture<'t, Option<Deliver>> + Send>;

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

async fn run(db: Arc<Db>, mut receiver: mpsc::UnboundedReceiver<Job>) {
    let mut batch: Vec<Job> = Vec::new();
    loop {
        if receiver.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return; // every Store clone is gone
        }
        commit_batch(&db, std::mem::take(&mut batch)).await;
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
    for job in jobs {
        if let Err(e) = tx.savepoint("SAVEPOINT job").await {
            // The transaction is unusable; this job and the ones that follow
            // never ran, and the ones that ran will not be committed.
            tracing::error!(error = %e, "savepoint failed; abandoning the batch");
            for d in delivers {
                d(Some(StoreError::Unavailable("the batch could not be committed")));
            }
            return;
        }
        match job(&mut tx).await {
            Some(deliver) => {
                if let Err(e) = tx.savepoint("RELEASE SAVEPOINT job").await {
                    deliver(Some(e));
                    for d in delivers {
                        d(Some(StoreError::Unavailable("the batch could not be committed")));
                    }
                    return;
                }
                delivers.push(deliver);
            }
            None => {
                // The job failed and was answered; undo whatever it wrote.
                let undone = tx.savepoint("ROLLBACK TO SAVEPOINT job").await;
                let released = tx.savepoint("RELEASE SAVEPOINT job").await;
                if undone.is_err() || released.is_err() {
                    for d in delivers {
                        d(Some(StoreError::Unavailable("the batch could not be committed")));
                    }
                    return;
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
        let job: Job = Box::new(move |tx| {
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
        self.committer.submit(job).map_err(E::from)?;
        result.await.map_err(|_| E::from(StoreError::Unavailable("the writer stopped before answering")))?
    }
}
