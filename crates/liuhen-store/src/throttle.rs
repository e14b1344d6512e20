//! Failed-login counters for throttling and lockout, in the database so that
//! every node and every restart sees the same count.

use crate::error::Result;
use crate::rows::col;
use crate::{Tx, Write};

/// The failures recorded against one login key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginFailures {
    pub failures: i64,
    pub window_start_ms: i64,
    pub locked_until_ms: Option<i64>,
}

impl<M> Tx<M> {
    /// The failures of a login key (zero when none were recorded).
    pub async fn login_failures(&mut self, key: &str) -> Result<LoginFailures> {
        let row = sqlx::query(
            "SELECT failures, window_start_ms, locked_until_ms FROM login_failures WHERE login_key = $1",
        )
        .bind(key)
        .fetch_optional(self.conn())
        .await?;
        Ok(match row {
            Some(r) => LoginFailures {
                failures: col(&r, "failures")?,
                window_start_ms: col(&r, "window_start_ms")?,
                locked_until_ms: col(&r, "locked_until_ms")?,
            },
            None => LoginFailures::default(),
        })
    }

    /// How many failure counters are kept (for monitoring: pruning keeps it
    /// to the attempts of the last window).
    pub async fn login_failure_counters(&mut self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM login_failures").fetch_one(self.conn()).await?;
        col(&row, "n")
    }
}

impl Tx<Write> {
    /// Replaces the failures of a login key.
    pub async fn set_login_failures(&mut self, key: &str, f: LoginFailures) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_failures (login_key, failures, window_start_ms, locked_until_ms) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (login_key) DO UPDATE SET failures = $2, \
             window_start_ms = $3, locked_until_ms = $4",
        )
        .bind(key)
        .bind(f.failures)
        .bind(f.window_start_ms)
        .bind(f.locked_until_ms)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Forgets counters whose window began before `stale_ms` and that hold
    /// no lock running at `now_ms`: they would start afresh anyway, and
    /// names tried once must not stay forever.
    pub async fn prune_login_failures(&mut self, stale_ms: i64, now_ms: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM login_failures WHERE window_start_ms < $1 \
             AND (locked_until_ms IS NULL OR locked_until_ms <= $2)",
        )
        .bind(stale_ms)
        .bind(now_ms)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected())
    }

    /// Forgets the failures of a login key (after a successful login).
    pub async fn clear_login_failures(&mut self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE login_key = $1").bind(key).execute(self.conn()).await?;
        Ok(())
    }
}
