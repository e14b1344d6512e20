//! The last full check of each original in the local folder: when liuhen
//! last read the whole file and found it hashes to its name, and the file's
//! stat identity then (device, inode, size, mtime and ctime to the
//! nanosecond). A write to the file, or a file put in its place, changes
//! that identity: every write sets the ctime to the clock's time, and no
//! writer can set a ctime back. So while a file's identity is the one
//! recorded, its bytes are the ones that were hashed, and a package
//! download may stream it without hashing it again.
//!
//! Only a settled identity is recorded (see [`FileIdentity::settled`]): a
//! file changed within the filesystem's timestamp granularity of its check
//! could be changed again in the same tick without its ctime moving.

use std::time::{Duration, SystemTime};

use liuhen_domain::ArchiveId;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::error::Result;
use crate::rows::{col, time_ms, to_ms};
use crate::{Tx, Write};

/// A file's stat identity: what any write to it, or a file put in its place, changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileIdentity {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    /// Nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// Nanoseconds since the Unix epoch.
    pub ctime_ns: i64,
}

/// How long after a file's last change its identity is trusted to show the
/// next one: a ctime is only as fine as the filesystem keeps it (a clock
/// tick on most, a whole second on some).
pub const SETTLE: Duration = Duration::from_secs(1);

impl FileIdentity {
    /// The identity of the file `meta` describes; `None` where the platform has none.
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Option<FileIdentity> {
        use std::os::unix::fs::MetadataExt as _;
        let ns = |s: i64, n: i64| s.checked_mul(1_000_000_000).and_then(|s| s.checked_add(n));
        Some(FileIdentity {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec())?,
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec())?,
        })
    }

    /// The identity of the file `meta` describes; `None` where the platform has none.
    #[cfg(not(unix))]
    pub fn of(_meta: &std::fs::Metadata) -> Option<FileIdentity> {
        None
    }

    /// Whether the file last changed at least [`SETTLE`] before `began`
    /// (when a check began reading it): then any change after `began` gives
    /// it a later ctime. One that changed later is checked, but its identity
    /// not recorded.
    pub fn settled(&self, began: SystemTime) -> bool {
        let Some(limit) = began.checked_sub(SETTLE) else { return false };
        let Ok(limit) = limit.duration_since(SystemTime::UNIX_EPOCH) else { return false };
        i64::try_from(limit.as_nanos()).is_ok_and(|limit| self.ctime_ns <= limit)
    }
}

/// The last full check of an original that found it to be what its name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OriginalCheck {
    pub identity: FileIdentity,
    pub checked_at: OffsetDateTime,
}

/// Device and inode numbers are kept as their bits in a signed column.
fn bits(v: u64) -> i64 {
    i64::from_ne_bytes(v.to_ne_bytes())
}

fn unbits(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

fn from_row(row: &AnyRow) -> Result<(String, OriginalCheck)> {
    let identity = FileIdentity {
        dev: unbits(col(row, "dev")?),
        ino: unbits(col(row, "ino")?),
        size: unbits(col(row, "size")?),
        mtime_ns: col(row, "mtime_ns")?,
        ctime_ns: col(row, "ctime_ns")?,
    };
    Ok((col(row, "sha256")?, OriginalCheck { identity, checked_at: time_ms(row, "checked_ms")? }))
}

impl<M> Tx<M> {
    /// The last full check of the original named `sha256` (hex), if one is recorded.
    pub async fn original_check(&mut self, sha256: &str) -> Result<Option<OriginalCheck>> {
        sqlx::query(
            "SELECT sha256, dev, ino, size, mtime_ns, ctime_ns, checked_ms FROM original_checks \
             WHERE sha256 = $1",
        )
        .bind(sha256)
        .fetch_optional(self.conn())
        .await?
        .as_ref()
        .map(|row| from_row(row).map(|(_, c)| c))
        .transpose()
    }

    /// The last full checks recorded of the originals a package copies, by their names.
    pub async fn archive_original_checks(
        &mut self,
        archive: ArchiveId,
    ) -> Result<std::collections::HashMap<String, OriginalCheck>> {
        sqlx::query(
            "SELECT c.sha256, c.dev, c.ino, c.size, c.mtime_ns, c.ctime_ns, c.checked_ms \
             FROM original_checks c JOIN archive_files f ON f.original = c.sha256 WHERE f.archive_id = $1",
        )
        .bind(archive.to_string())
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(from_row)
        .collect()
    }
}

impl Tx<Write> {
    /// Records a full check of the original named `sha256` that found it to
    /// be what its name says, replacing the one before.
    pub async fn record_original_check(&mut self, sha256: &str, check: &OriginalCheck) -> Result<()> {
        let i = check.identity;
        sqlx::query(
            "INSERT INTO original_checks (sha256, dev, ino, size, mtime_ns, ctime_ns, checked_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256) DO UPDATE SET dev = $2, ino = $3, \
             size = $4, mtime_ns = $5, ctime_ns = $6, checked_ms = $7",
        )
        .bind(sha256)
        .bind(bits(i.dev))
        .bind(bits(i.ino))
        .bind(bits(i.size))
        .bind(i.mtime_ns)
        .bind(i.ctime_ns)
        .bind(to_ms(check.checked_at))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Forgets the last check of an original (one found changed, or gone).
    pub async fn forget_original_check(&mut self, sha256: &str) -> Result<()> {
        sqlx::query("DELETE FROM original_checks WHERE sha256 = $1")
            .bind(sha256)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_changed_within_a_second_of_its_check_is_not_settled() {
        let at = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        let id = FileIdentity { dev: 1, ino: 2, size: 3, mtime_ns: 0, ctime_ns: 100_000_000_000 };
        assert!(id.settled(at(101)));
        assert!(!id.settled(at(100)));
        assert!(!id.settled(at(100) + Duration::from_millis(999)));
        assert!(!id.settled(at(0)));
        assert_eq!(unbits(bits(u64::MAX)), u64::MAX);
    }
}
