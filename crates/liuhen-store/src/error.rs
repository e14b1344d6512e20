//! Store errors, named by what went wrong rather than by backend.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record asked for does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique value (a login, a 统一社会信用代码, a number) is taken.
    #[error("{0} already exists")]
    AlreadyExists(&'static str),
    /// A reference to another record does not resolve.
    #[error("a referenced record does not exist ({0})")]
    BrokenReference(&'static str),
    /// The database URL is not one liuhen can use.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// A stored value does not decode: the database was changed behind liuhen's back.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Schema migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The operation clashes with the current state; a job may return this
    /// to refuse, and everything it wrote is rolled back.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The writer is not taking work (shutting down, or its database failed).
    #[error("the database writer is unavailable: {0}")]
    Unavailable(&'static str),
    /// The writer has stopped (an I/O error at commit, or a commit whose
    /// outcome could not be learnt): nothing more is written until restart.
    #[error("the database writer has stopped: {0}; restart liuhen once the database is sound")]
    WriterStopped(String),
    /// The operation panicked (a defect); what it wrote was rolled back.
    #[error("the operation failed unexpectedly and was rolled back")]
    JobPanicked,
    /// The commit of a batch failed: nothing of it took effect.
    #[error("the commit failed, nothing was written: {0}")]
    CommitFailed(String),
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl StoreError {
    /// Maps a sqlx error, turning constraint violations into the matching
    /// variant. `what` names the record for messages.
    pub(crate) fn from_sqlx(e: sqlx::Error, what: &'static str) -> Self {
        if let sqlx::Error::Database(db) = &e {
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => return StoreError::AlreadyExists(what),
                sqlx::error::ErrorKind::ForeignKeyViolation => return StoreError::BrokenReference(what),
                _ => {}
            }
        }
        if matches!(e, sqlx::Error::RowNotFound) {
            return StoreError::NotFound(what);
        }
        StoreError::Database(e)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::from_sqlx(e, "record")
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
