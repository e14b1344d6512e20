//! Errors of the use cases, in the words a caller can act on.

use liuhen_domain::ValidationError;
use liuhen_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No valid credential, or a wrong login or password. Deliberately vague.
    #[error("authentication required: {0}")]
    Unauthenticated(&'static str),
    /// Too many failed logins: the login is locked for a while.
    #[error("locked: {0}")]
    Locked(String),
    /// Too much work in flight (password hashing is capped): try again soon.
    /// Answered at once instead of queueing without bound.
    #[error("busy: {0}")]
    Busy(String),
    /// Authenticated but not allowed. Used only where the record's existence
    /// is already known to the caller; otherwise `NotFound` hides it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The record exists but its content was destroyed (销毁) after its retention ran out.
    #[error("gone: {0}")]
    Gone(String),
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationError),
    /// The request clashes with the current state (a taken login, a stage already left).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A request's checksum did not match its bytes; nothing of it was kept.
    #[error("checksum mismatch: {0}")]
    ChecksumMismatch(String),
    /// More at once than one user may hold (open streams); retry once one ends.
    #[error("too many at once: {0}")]
    TooManyAtOnce(String),
    /// Larger than the server accepts.
    #[error("too large: {0}")]
    TooLarge(String),
    /// The disk is full; the operation can be retried once space is freed.
    #[error("insufficient storage: {0}")]
    InsufficientStorage(String),
    /// The service cannot take this now (the database writer has stopped,
    /// or the database is unreachable); the message says which.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Something failed inside; details are logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ServiceError::NotFound(what),
            StoreError::AlreadyExists(what) => ServiceError::Conflict(format!("{what} already exists")),
            StoreError::Conflict(why) => ServiceError::Conflict(why.into()),
            StoreError::BrokenReference(what) => {
                ServiceError::Conflict(format!("a referenced {what} does not exist"))
            }
            StoreError::WriterStopped(why) => {
                // The reason may quote the database: it goes to the log only.
                tracing::error!(reason = %why, "refused: the database writer has stopped");
                ServiceError::Unavailable(
                    "the database writer has stopped; nothing can be written until liuhen is restarted \
                     (the server log says why)"
                        .into(),
                )
            }
            e @ StoreError::Unavailable(_) => ServiceError::Unavailable(e.to_string()),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
