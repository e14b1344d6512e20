//! The ledger's entry sequence: entries are numbered from 0 without gaps, in
//! the transaction of the change they record (invariant 1).

use liuhen_domain::LedgerEntry;
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::rows::{col, time_ms, to_ms};
use crate::{Tx, Write};

/// Entries appended in a write transaction and not yet written: they get
/// their numbers at once (so callers learn them) and reach the table in one
/// multi-row insert at commit, with one update of the head row.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// The next number to give; loaded from the head row on first use.
    next_seq: Option<i64>,
    rows: Vec<(i64, Vec<u8>, i64)>,
}

/// Where a transaction's pending entries stood, to roll back to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingMark {
    next_seq: Option<i64>,
    len: usize,
}

/// Rows per multi-row insert (three parameters each, well under SQLite's limit).
const INSERT_CHUNK: usize = 500;

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub root: [u8; 32],
    /// The whole signed note (checkpoint body and signature lines).
    pub note: String,
    pub signed_at: OffsetDateTime,
}

/// How far the log has got: entries sequenced, and entries whose tree hashes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerProgress {
    pub sequenced: u64,
    pub integrated: u64,
}

fn u64_col(row: &sqlx::any::AnyRow, name: &str) -> Result<u64> {
    u64::try_from(col::<i64>(row, name)?).map_err(|_| StoreError::Corrupt(format!("negative {name}")))
}

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn hash32(v: Vec<u8>, what: &str) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} is not 32 bytes")))
}

fn checkpoint_from_row(r: &sqlx::any::AnyRow) -> Result<StoredCheckpoint> {
    Ok(StoredCheckpoint {
        size: u64_col(r, "size")?,
        root: hash32(col(r, "root")?, "checkpoint root")?,
        note: col(r, "note")?,
        signed_at: time_ms(r, "signed_ms")?,
    })
}

/// An entry as stored, with its position in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub seq: u64,
    pub body: Vec<u8>,
    pub created_at: OffsetDateTime,
}

impl<M> Tx<M> {
    /// How many entries the log holds.
    pub async fn entry_count(&mut self) -> Result<u64> {
        if let Some(n) = self.ledger.next_seq {
            return u64::try_from(n).map_err(|_| StoreError::Corrupt("ledger head".into()));
        }
        let row = sqlx::query("SELECT next_seq FROM ledger_head WHERE id = 0").fetch_one(self.conn()).await?;
        u64::try_from(col::<i64>(&row, "next_seq")?).map_err(|_| StoreError::Corrupt("ledger head".into()))
    }

    /// Sequenced and integrated sizes.
    pub async fn ledger_progress(&mut self) -> Result<LedgerProgress> {
        let row = sqlx::query("SELECT next_seq, integrated FROM ledger_head WHERE id = 0")
            .fetch_one(self.conn())
            .await?;
        Ok(LedgerProgress { sequenced: u64_col(&row, "next_seq")?, integrated: u64_col(&row, "integrated")? })
    }

    /// The stored tree hashes at these stored-hash indexes; `None` for an
    /// index not (yet) stored.
    pub async fn read_tree_hashes(&mut self, indexes: &[u64]) -> Result<Vec<Option<[u8; 32]>>> {
        let mut found = std::collections::HashMap::with_capacity(indexes.len());
        for chunk in indexes.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql =
                format!("SELECT idx, hash FROM ledger_hashes WHERE idx IN ({})", placeholders.join(", "));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for i in chunk {
                q = q.bind(i64_of(*i));
            }
            for row in q.fetch_all(self.conn()).await? {
                found.insert(u64_col(&row, "idx")?, hash32(col(&row, "hash")?, "tree hash")?);
            }
        }
        Ok(indexes.iter().map(|i| found.get(i).copied()).collect())
    }

    /// The checkpoint with the largest tree size, if any.
    pub async fn latest_checkpoint(&mut self) -> Result<Option<StoredCheckpoint>> {
        let row = sqlx::query(
            "SELECT size, root, note, signed_ms FROM ledger_checkpoints ORDER BY size DESC LIMIT 1",
        )
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(checkpoint_from_row).transpose()
    }

    /// Checkpoints with tree sizes in `from..`, smallest first, at most `limit`.
    pub async fn checkpoints(&mut self, from: u64, limit: u32) -> Result<Vec<StoredCheckpoint>> {
        sqlx::query("SELECT size, root, note, signed_ms FROM ledger_checkpoints WHERE size >= $1 ORDER BY size LIMIT $2")
            .bind(i64_of(from))
            .bind(i64::from(limit))
            .fetch_all(self.conn())
            .await?
            .iter()
            .map(checkpoint_from_row)
            .collect()
    }

    /// Entries `from..from+limit` in order.
    pub async fn read_entries(&mut self, from: u64, limit: u32) -> Result<Vec<StoredEntry>> {
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        let rows = sqlx::query(
            "SELECT seq, body, created_ms FROM ledger_entries WHERE seq >= $1 ORDER BY seq LIMIT $2",
        )
        .bind(from)
        .bind(i64::from(limit))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(stored_entry).collect()
    }
}

fn stored_entry(r: &sqlx::any::AnyRow) -> Result<StoredEntry> {
    Ok(StoredEntry {
        seq: u64::try_from(col::<i64>(r, "seq")?).map_err(|_| StoreError::Corrupt("seq".into()))?,
        body: col(r, "body")?,
        created_at: time_ms(r, "created_ms")?,
    })
}

/// How a key stands in the audit index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditRole {
    /// The entry names the key among its subjects.
    Subject,
    /// The entry was made by the key (`user:…`).
    Actor,
}

impl AuditRole {
    fn code(self) -> &'static str {
        match self {
            AuditRole::Subject => "s",
            AuditRole::Actor => "a",
        }
    }
}

impl<M> Tx<M> {
    /// The first ledger index the audit index does not cover yet.
    pub async fn audit_indexed(&mut self) -> Result<u64> {
        let row =
            sqlx::query("SELECT next_seq FROM audit_index_state WHERE id = 0").fetch_one(self.conn()).await?;
        u64::try_from(col::<i64>(&row, "next_seq")?).map_err(|_| StoreError::Corrupt("audit index".into()))
    }

    /// The entries that name `key` in `role`, in log order, at most `limit`, found through the
    /// audit index (one query).
    pub async fn audit_entries(
        &mut self,
        key: &str,
        role: AuditRole,
        limit: u32,
    ) -> Result<Vec<StoredEntry>> {
        let rows = sqlx::query(
            "SELECT e.seq, e.body, e.created_ms FROM audit_index i JOIN ledger_entries e ON e.seq = i.seq \
             WHERE i.key = $1 AND i.role = $2 ORDER BY i.seq LIMIT $3",
        )
        .bind(key)
        .bind(role.code())
        .bind(i64::from(limit))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(stored_entry).collect()
    }
}

impl Tx<Write> {
    /// Adds entries `from..next` to the audit index (each `(seq, subjects,
    /// actor)`), and moves its mark to `next` — only from where it stood, so
    /// two indexers never double it.
    pub async fn audit_index_add(
        &mut self,
        from: u64,
        next: u64,
        entries: &[(u64, Vec<String>, String)],
    ) -> Result<bool> {
        let (from_i, next_i) = (
            i64::try_from(from).map_err(|_| StoreError::Corrupt("audit index".into()))?,
            i64::try_from(next).map_err(|_| StoreError::Corrupt("audit index".into()))?,
        );
        let moved = sqlx::query("UPDATE audit_index_state SET next_seq = $1 WHERE id = 0 AND next_seq = $2")
            .bind(next_i)
            .bind(from_i)
            .execute(self.conn())
            .await?;
        if moved.rows_affected() != 1 {
            return Ok(false);
        }
        let mut rows: Vec<(&str, &'static str, i64)> = Vec::new();
        for (seq, subjects, actor) in entries {
            let seq = i64::try_from(*seq).map_err(|_| StoreError::Corrupt("audit index".into()))?;
            rows.extend(subjects.iter().map(|s| (s.as_str(), AuditRole::Subject.code(), seq)));
            rows.push((actor.as_str(), AuditRole::Actor.code(), seq));
        }
        // Many rows per statement: one round trip per few hundred keys, not one per key.
        for chunk in rows.chunks(300) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect();
            let sql = format!(
                "INSERT INTO audit_index (key, role, seq) VALUES {} ON CONFLICT (key, role, seq) DO NOTHING",
                values.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (key, role, seq) in chunk {
                q = q.bind(*key).bind(*role).bind(*seq);
            }
            q.execute(self.conn()).await?;
        }
        Ok(true)
    }

    /// Takes the ledger head row lock (PostgreSQL); held until commit.
    /// Returns the transaction's id, learnt in the same round trip.
    pub(crate) async fn lock_sequencer(&mut self) -> Result<i64> {
        let row =
            sqlx::query("SELECT next_seq, txid_current() AS xid FROM ledger_head WHERE id = 0 FOR UPDATE")
                .fetch_one(self.conn())
                .await?;
        col::<i64>(&row, "xid")
    }

    /// Stores the tree hashes produced by integrating entries `from..to`;
    /// `first_index` is the stored-hash index of `hashes[0]`. Refused with
    /// [`StoreError::Conflict`] unless the integrated size is still `from`
    /// (another node got there first).
    pub async fn append_tree_hashes(
        &mut self,
        first_index: u64,
        hashes: &[[u8; 32]],
        from: u64,
        to: u64,
    ) -> Result<()> {
        let moved = sqlx::query(
            "UPDATE ledger_head SET integrated = $1 WHERE id = 0 AND integrated = $2 AND next_seq >= $1",
        )
        .bind(i64_of(to))
        .bind(i64_of(from))
        .execute(self.conn())
        .await?;
        if moved.rows_affected() == 0 {
            return Err(StoreError::Conflict("the ledger was integrated meanwhile"));
        }
        for (c, chunk) in hashes.chunks(INSERT_CHUNK).enumerate() {
            let values: Vec<String> =
                (0..chunk.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
            let sql = format!("INSERT INTO ledger_hashes (idx, hash) VALUES {}", values.join(", "));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (i, h) in chunk.iter().enumerate() {
                q = q.bind(i64_of(first_index + (c * INSERT_CHUNK + i) as u64)).bind(h.to_vec());
            }
            q.execute(self.conn()).await.map_err(|e| StoreError::from_sqlx(e, "tree hash"))?;
        }
        Ok(())
    }

    /// Stores a signed checkpoint.
    pub async fn insert_checkpoint(&mut self, cp: &StoredCheckpoint) -> Result<()> {
        sqlx::query("INSERT INTO ledger_checkpoints (size, root, note, signed_ms) VALUES ($1, $2, $3, $4)")
            .bind(i64_of(cp.size))
            .bind(cp.root.to_vec())
            .bind(&cp.note)
            .bind(to_ms(cp.signed_at))
            .execute(self.conn())
            .await
            .map_err(|e| StoreError::from_sqlx(e, "checkpoint"))?;
        Ok(())
    }

    /// Appends an entry and returns its sequence number. It becomes part of
    /// the log if and only if this transaction commits.
    pub async fn append_entry(&mut self, entry: &LedgerEntry, now: OffsetDateTime) -> Result<u64> {
        let body = entry.encode().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.append_encoded(body, now).await
    }

    /// Appends an already encoded entry.
    pub(crate) async fn append_encoded(&mut self, body: Vec<u8>, now: OffsetDateTime) -> Result<u64> {
        let seq = match self.ledger.next_seq {
            Some(n) => n,
            None => {
                let row = sqlx::query("SELECT next_seq FROM ledger_head WHERE id = 0")
                    .fetch_one(self.conn())
                    .await?;
                col::<i64>(&row, "next_seq")?
            }
        };
        self.ledger.next_seq = Some(seq + 1);
        self.ledger.rows.push((seq, body, to_ms(now)));
        u64::try_from(seq).map_err(|_| StoreError::Corrupt("ledger head".into()))
    }

    pub(crate) fn pending_mark(&self) -> PendingMark {
        PendingMark { next_seq: self.ledger.next_seq, len: self.ledger.rows.len() }
    }

    pub(crate) fn rollback_pending(&mut self, mark: PendingMark) {
        self.ledger.next_seq = mark.next_seq;
        self.ledger.rows.truncate(mark.len);
    }

    /// Writes the pending entries and moves the head.
    pub(crate) async fn flush_entries(&mut self) -> Result<()> {
        let Some(next) = self.ledger.next_seq else { return Ok(()) };
        let rows = std::mem::take(&mut self.ledger.rows);
        for chunk in rows.chunks(INSERT_CHUNK) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect();
            let sql =
                format!("INSERT INTO ledger_entries (seq, body, created_ms) VALUES {}", values.join(", "));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (seq, body, ms) in chunk {
                q = q.bind(*seq).bind(body.clone()).bind(*ms);
            }
            q.execute(self.conn()).await?;
        }
        let done = sqlx::query("UPDATE ledger_head SET next_seq = $1 WHERE id = 0 AND next_seq <= $1")
            .bind(next)
            .execute(self.conn())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Corrupt("the ledger head moved under a writer".into()));
        }
        self.ledger.next_seq = None;
        Ok(())
    }
}
