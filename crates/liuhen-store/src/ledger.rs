//! The ledger's entry sequence: entries are numbered from 0 without gaps, in
//! the transaction of the change they record (invariant 1).

use liuhen_domain::LedgerEntry;
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::rows::{col, time_ms, to_ms};
use crate::{Tx, Write};

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
        let row = sqlx::query("SELECT next_seq FROM ledger_head WHERE id = 0")
            .fetch_one(self.conn())
            .await?;
        u64::try_from(col::<i64>(&row, "next_seq")?).map_err(|_| StoreError::Corrupt("ledger head".into()))
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
        rows.iter()
            .map(|r| {
                Ok(StoredEntry {
                    seq: u64::try_from(col::<i64>(r, "seq")?)
                        .map_err(|_| StoreError::Corrupt("seq".into()))?,
                    body: col(r, "body")?,
                    created_at: time_ms(r, "created_ms")?,
                })
            })
            .collect()
    }
}

impl Tx<Write> {
    /// Takes the ledger head row lock (PostgreSQL); held until commit.
    pub(crate) async fn lock_sequencer(&mut self) -> Result<()> {
        sqlx::query("SELECT next_seq FROM ledger_head WHERE id = 0 FOR UPDATE")
            .fetch_one(self.conn())
            .await?;
        Ok(())
    }

    /// Appends an entry and returns its sequence number. It becomes part of
    /// the log if and only if this transaction commits.
    pub async fn append_entry(&mut self, entry: &LedgerEntry, now: OffsetDateTime) -> Result<u64> {
        let body = entry.encode().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let row =
            sqlx::query("UPDATE ledger_head SET next_seq = next_seq + 1 WHERE id = 0 RETURNING next_seq")
                .fetch_one(self.conn())
                .await?;
        let seq = col::<i64>(&row, "next_seq")? - 1;
        sqlx::query("INSERT INTO ledger_entries (seq, body, created_ms) VALUES ($1, $2, $3)")
            .bind(seq)
            .bind(body)
            .bind(to_ms(now))
            .execute(self.conn())
            .await?;
        u64::try_from(seq).map_err(|_| StoreError::Corrupt("ledger head".into()))
    }
}
