//! 办案期限: a case's approved extension and its 解除查封扣押, at most one of each.

use liuhen_domain::{CaseId, LimitExtension, ReleaseReason, SeizureRelease};
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::rows::{code, col, parsed, time_ms, to_ms};
use crate::{Tx, Write};

fn extension_from_row(row: &AnyRow) -> Result<LimitExtension> {
    let days: i64 = col(row, "days")?;
    Ok(LimitExtension {
        case_id: parsed(row, "case_id")?,
        days: u32::try_from(days).map_err(|_| StoreError::Corrupt(format!("extension of {days} days")))?,
        reason: col(row, "reason")?,
        due_before: col(row, "due_before")?,
        due_after: col(row, "due_after")?,
        approved_by: parsed(row, "approved_by")?,
        approved_at: time_ms(row, "approved_ms")?,
    })
}

fn release_from_row(row: &AnyRow) -> Result<SeizureRelease> {
    Ok(SeizureRelease {
        case_id: parsed(row, "case_id")?,
        reason: code(row, "reason", ReleaseReason::from_code)?,
        text: col(row, "text")?,
        released_by: parsed(row, "released_by")?,
        released_at: time_ms(row, "released_ms")?,
    })
}

impl<M> Tx<M> {
    /// The case's approved extension, if any.
    pub async fn limit_extension(&mut self, case: CaseId) -> Result<Option<LimitExtension>> {
        sqlx::query(
            "SELECT case_id, days, reason, due_before, due_after, approved_by, approved_ms \
             FROM limit_extensions WHERE case_id = $1",
        )
        .bind(case.to_string())
        .fetch_optional(self.conn())
        .await?
        .as_ref()
        .map(extension_from_row)
        .transpose()
    }

    /// The case's 解除查封扣押, if any.
    pub async fn seizure_release(&mut self, case: CaseId) -> Result<Option<SeizureRelease>> {
        sqlx::query(
            "SELECT case_id, reason, text, released_by, released_ms FROM seizure_releases WHERE case_id = $1",
        )
        .bind(case.to_string())
        .fetch_optional(self.conn())
        .await?
        .as_ref()
        .map(release_from_row)
        .transpose()
    }
}

impl Tx<Write> {
    /// Stores an extension; [`StoreError::AlreadyExists`] when the case has one.
    pub async fn insert_limit_extension(&mut self, e: &LimitExtension) -> Result<()> {
        sqlx::query(
            "INSERT INTO limit_extensions (case_id, days, reason, due_before, due_after, approved_by, \
             approved_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(e.case_id.to_string())
        .bind(i64::from(e.days))
        .bind(&e.reason)
        .bind(&e.due_before)
        .bind(&e.due_after)
        .bind(e.approved_by.to_string())
        .bind(to_ms(e.approved_at))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "extension of this case's limit"))?;
        Ok(())
    }

    /// Stores a release; [`StoreError::AlreadyExists`] when the case has one.
    pub async fn insert_seizure_release(&mut self, r: &SeizureRelease) -> Result<()> {
        sqlx::query(
            "INSERT INTO seizure_releases (case_id, reason, text, released_by, released_ms) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(r.case_id.to_string())
        .bind(r.reason.code())
        .bind(&r.text)
        .bind(r.released_by.to_string())
        .bind(to_ms(r.released_at))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "release of this case's seizure"))?;
        Ok(())
    }
}
