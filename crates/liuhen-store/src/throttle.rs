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

    /// Forgets the failures of a login key (after a successful login).
    pub async fn clear_login_failures(&mut self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE login_key = $1").bind(key).execute(self.conn()).await?;
        Ok(())
    }
}
