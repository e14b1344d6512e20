//! Opening a database: picking the backend from the URL, connection setup,
//! migrations, and how each backend begins a transaction.

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, SqlSafeStr};

use crate::error::{Result, StoreError};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file, one machine: WAL journal, `synchronous = FULL`, one writer connection.
    Sqlite,
    /// Several stateless liuhen nodes on one PostgreSQL database.
    Postgres,
}

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/sqlite/0001_init.sql")),
    (2, "ledger tree", include_str!("../migrations/sqlite/0002_ledger_tree.sql")),
    (3, "evidence", include_str!("../migrations/sqlite/0003_evidence.sql")),
    (4, "evidence media", include_str!("../migrations/sqlite/0004_evidence_media.sql")),
    (5, "evidence links", include_str!("../migrations/sqlite/0005_evidence_links.sql")),
    (6, "reviews", include_str!("../migrations/sqlite/0006_reviews.sql")),
    (7, "case procedure", include_str!("../migrations/sqlite/0007_case_procedure.sql")),
    (8, "login failures", include_str!("../migrations/sqlite/0008_login_failures.sql")),
    (9, "access", include_str!("../migrations/sqlite/0009_access.sql")),
    (10, "documents", include_str!("../migrations/sqlite/0010_documents.sql")),
    (11, "act_elements", include_str!("../migrations/sqlite/0011_act_elements.sql")),
    (12, "labels and clearance", include_str!("../migrations/sqlite/0012_labels_and_clearance.sql")),
    (13, "token scope", include_str!("../migrations/sqlite/0013_token_scope.sql")),
    (14, "audit index", include_str!("../migrations/sqlite/0014_audit_index.sql")),
    (15, "interruptions", include_str!("../migrations/sqlite/0015_interruptions.sql")),
    (16, "stage moves", include_str!("../migrations/sqlite/0016_stage_moves.sql")),
    (17, "limit records", include_str!("../migrations/sqlite/0017_limit_records.sql")),
    (18, "devices", include_str!("../migrations/sqlite/0018_devices.sql")),
    (19, "archives", include_str!("../migrations/sqlite/0019_archives.sql")),
    (20, "retention", include_str!("../migrations/sqlite/0020_retention.sql")),
    (21, "disclosure", include_str!("../migrations/sqlite/0021_disclosure.sql")),
    (22, "original checks", include_str!("../migrations/sqlite/0022_original_checks.sql")),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/postgres/0001_init.sql")),
    (2, "ledger tree", include_str!("../migrations/postgres/0002_ledger_tree.sql")),
    (3, "evidence", include_str!("../migrations/postgres/0003_evidence.sql")),
    (4, "evidence media", include_str!("../migrations/postgres/0004_evidence_media.sql")),
    (5, "evidence links", include_str!("../migrations/postgres/0005_evidence_links.sql")),
    (6, "reviews", include_str!("../migrations/postgres/0006_reviews.sql")),
    (7, "case procedure", include_str!("../migrations/postgres/0007_case_procedure.sql")),
    (8, "login failures", include_str!("../migrations/postgres/0008_login_failures.sql")),
    (9, "access", include_str!("../migrations/postgres/0009_access.sql")),
    (10, "documents", include_str!("../migrations/postgres/0010_documents.sql")),
    (11, "act_elements", include_str!("../migrations/postgres/0011_act_elements.sql")),
    (12, "labels and clearance", include_str!("../migrations/postgres/0012_labels_and_clearance.sql")),
    (13, "token scope", include_str!("../migrations/postgres/0013_token_scope.sql")),
    (14, "audit index", include_str!("../migrations/postgres/0014_audit_index.sql")),
    (15, "interruptions", include_str!("../migrations/postgres/0015_interruptions.sql")),
    (16, "stage moves", include_str!("../migrations/postgres/0016_stage_moves.sql")),
    (17, "limit records", include_str!("../migrations/postgres/0017_limit_records.sql")),
    (18, "devices", include_str!("../migrations/postgres/0018_devices.sql")),
    (19, "archives", include_str!("../migrations/postgres/0019_archives.sql")),
    (20, "retention", include_str!("../migrations/postgres/0020_retention.sql")),
    (21, "disclosure", include_str!("../migrations/postgres/0021_disclosure.sql")),
    (22, "original checks", include_str!("../migrations/postgres/0022_original_checks.sql")),
];

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    fn migrator(self) -> Migrator {
        let list = match self {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        Migrator::with_migrations(
            list.iter()
                .map(|(v, d, sql)| {
                    Migration::new(*v, Cow::Borrowed(*d), MigrationType::Simple, sql.into_sql_str(), false)
                })
                .collect(),
        )
    }

    /// The statement that opens a write transaction. SQLite takes the write
    /// lock up front (`BEGIN IMMEDIATE`) so that a transaction which reads
    /// before it writes never fails to upgrade; PostgreSQL serialises writers
    /// on the ledger head row instead (see [`crate::Tx::lock_sequencer`]).
    pub(crate) fn begin_write(self) -> &'static str {
        match self {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        }
    }

    /// The statement that opens a read-only snapshot.
    pub(crate) fn begin_read(self) -> &'static str {
        match self {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }
}

/// The URL of the SQLite database kept in a data folder.
pub fn sqlite_url_for_dir(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("liuhen.db").display())
}

/// Strips a password from a URL before it is shown anywhere.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = url.get(s + 3..at).unwrap_or_default();
            let user = creds.split(':').next().unwrap_or_default();
            format!(
                "{}{}:***{}",
                url.get(..s + 3).unwrap_or_default(),
                user,
                url.get(at..).unwrap_or_default()
            )
        }
        _ => url.to_owned(),
    }
}

pub(crate) struct Pools {
    pub backend: Backend,
    pub writer: AnyPool,
    pub reader: AnyPool,
}

/// Creates a new SQLite database file private to liuhen's user (0600)
/// before SQLite opens it, which would otherwise follow the umask; SQLite
/// gives its -wal and -shm files the database file's mode.
fn create_private_sqlite_file(url: &str) {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or_default();
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let creates = query.split('&').any(|kv| kv == "mode=rwc");
    if !creates || path.is_empty() || path.starts_with(':') {
        return;
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    // An existing file keeps its mode; a missing or unwritable folder is
    // left for SQLite to report in its own words.
    let _ = o.open(path);
}

pub(crate) async fn connect(url: &str) -> Result<Pools> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(url)?;
    if backend == Backend::Sqlite {
        create_private_sqlite_file(url);
    }
    let options: AnyConnectOptions = url.parse().map_err(StoreError::Database)?;
    let pools = match backend {
        Backend::Sqlite => {
            let make = |max: u32| {
                AnyPoolOptions::new()
                    .max_connections(max)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            for pragma in [
                                "PRAGMA journal_mode = WAL",
                                "PRAGMA synchronous = FULL",
                                "PRAGMA foreign_keys = ON",
                                "PRAGMA busy_timeout = 10000",
                            ] {
                                sqlx::query(pragma).execute(&mut *conn).await?;
                            }
                            Ok(())
                        })
                    })
            };
            // One writer connection: SQLite has one writer at a time anyway, and
            // queueing in the pool is cheaper than spinning on SQLITE_BUSY.
            let writer = make(1).connect_with(options.clone()).await.map_err(StoreError::Database)?;
            let reader = make(4).connect_with(options).await.map_err(StoreError::Database)?;
            Pools { backend, writer, reader }
        }
        Backend::Postgres => {
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .map_err(StoreError::Database)?;
            Pools { backend, writer: pool.clone(), reader: pool }
        }
    };
    backend.migrator().run(&pools.writer).await?;
    Ok(pools)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[tokio::test]
    async fn a_new_database_and_its_journal_are_private_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let pools = connect(&sqlite_url_for_dir(dir.path())).await.unwrap();
        for name in ["liuhen.db", "liuhen.db-wal", "liuhen.db-shm"] {
            let mode = std::fs::metadata(dir.path().join(name)).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{name} is open to others: {:o}", mode & 0o777);
        }
        pools.writer.close().await;
        pools.reader.close().await;
    }

    #[test]
    fn passwords_never_show() {
        assert_eq!(redact_url("postgres://liuhen:s3cret@db:5432/x"), "postgres://liuhen:***@db:5432/x");
        assert_eq!(redact_url("sqlite:///tmp/a.db"), "sqlite:///tmp/a.db");
        assert!(matches!(Backend::from_url("mysql://x"), Err(StoreError::UnsupportedUrl(_))));
    }
}
