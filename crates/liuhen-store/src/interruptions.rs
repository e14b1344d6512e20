//! 中止说明: why an act's recording stopped for a while. Only ever added.

use liuhen_domain::{CaseId, Interruption, InterruptionReason};
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::rows::{code, col, from_ms, parsed, time_ms, to_ms};
use crate::{Tx, Write};

fn from_row(row: &AnyRow) -> Result<Interruption> {
    let offset: i64 = col(row, "utc_offset_s")?;
    Ok(Interruption {
        id: parsed(row, "id")?,
        case_id: parsed(row, "case_id")?,
        act_id: parsed(row, "act_id")?,
        reason: code(row, "reason", InterruptionReason::from_code)?,
        from: from_ms(col(row, "from_ms")?, offset)?,
        to: from_ms(col(row, "to_ms")?, offset)?,
        text: col(row, "text")?,
        recorded_by: parsed(row, "recorded_by")?,
        recorded_at: time_ms(row, "recorded_ms")?,
    })
}

impl<M> Tx<M> {
    /// The 中止说明 of a case's acts, in time order.
    pub async fn list_interruptions(&mut self, case: CaseId) -> Result<Vec<Interruption>> {
        sqlx::query(
            "SELECT id, case_id, act_id, reason, from_ms, to_ms, utc_offset_s, text, recorded_by, recorded_ms \
             FROM interruptions WHERE case_id = $1 ORDER BY from_ms, recorded_ms, id",
        )
        .bind(case.to_string())
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(from_row)
        .collect()
    }
}

impl Tx<Write> {
    /// Stores a 中止说明. Times keep the offset `from` was stated in, as an
    /// act's keep its start's.
    pub async fn insert_interruption(&mut self, i: &Interruption) -> Result<()> {
        sqlx::query(
            "INSERT INTO interruptions (id, case_id, act_id, reason, from_ms, to_ms, utc_offset_s, text, \
             recorded_by, recorded_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(i.id.to_string())
        .bind(i.case_id.to_string())
        .bind(i.act_id.to_string())
        .bind(i.reason.code())
        .bind(to_ms(i.from))
        .bind(to_ms(i.to))
        .bind(i64::from(i.from.offset().whole_seconds()))
        .bind(&i.text)
        .bind(i.recorded_by.to_string())
        .bind(to_ms(i.recorded_at))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "interruption"))?;
        Ok(())
    }
}
