//! Legal holds and destruction requests (销毁清册), and what destroying does to the rows: content
//! goes, identifiers and digests stay.

use liuhen_domain::{
    CaseId, Destruction, DestructionApproval, DestructionId, DestructionState, EvidenceId, Hold, HoldId,
    RecordRef, UnitId, UserId,
};
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::rows::{code, col, from_ms, parsed, parsed_opt, time_ms, to_ms};
use crate::{Tx, Write};

fn target_of(kind: &str, id: &str) -> Result<RecordRef> {
    let bad = |e: String| StoreError::Corrupt(format!("record reference {kind}:{id}: {e}"));
    match kind {
        "case" => Ok(RecordRef::Case { id: id.parse().map_err(|e| bad(format!("{e:?}")))? }),
        "evidence" => Ok(RecordRef::Evidence { id: id.parse().map_err(|e| bad(format!("{e:?}")))? }),
        other => Err(bad(format!("unknown kind {other}"))),
    }
}

fn target_columns(t: &RecordRef) -> (&'static str, String) {
    match t {
        RecordRef::Case { id } => ("case", id.to_string()),
        RecordRef::Evidence { id } => ("evidence", id.to_string()),
    }
}

const HOLD_COLUMNS: &str =
    "id, target_kind, target_id, reason, placed_by, placed_ms, lifted_by, lift_reason, lifted_ms";

fn hold_from_row(row: &AnyRow) -> Result<Hold> {
    Ok(Hold {
        id: parsed(row, "id")?,
        target: target_of(&col::<String>(row, "target_kind")?, &col::<String>(row, "target_id")?)?,
        reason: col(row, "reason")?,
        placed_by: parsed(row, "placed_by")?,
        placed_at: time_ms(row, "placed_ms")?,
        lifted_by: parsed_opt(row, "lifted_by")?,
        lift_reason: col(row, "lift_reason")?,
        lifted_at: col::<Option<i64>>(row, "lifted_ms")?.map(|ms| from_ms(ms, 0)).transpose()?,
    })
}

impl<M> Tx<M> {
    /// One hold of an agency.
    pub async fn hold(&mut self, agency: UnitId, id: HoldId) -> Result<Option<Hold>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {HOLD_COLUMNS} FROM holds WHERE id = $1 AND agency_id = $2"
        )))
        .bind(id.to_string())
        .bind(agency.to_string())
        .fetch_optional(self.conn())
        .await?
        .as_ref()
        .map(hold_from_row)
        .transpose()
    }

    /// An agency's holds, newest first; `target` narrows them to one record.
    pub async fn holds(&mut self, agency: UnitId, target: Option<&RecordRef>) -> Result<Vec<Hold>> {
        let rows = match target {
            Some(t) => {
                let (kind, id) = target_columns(t);
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {HOLD_COLUMNS} FROM holds WHERE agency_id = $1 AND target_kind = $2 AND \
                     target_id = $3 ORDER BY placed_ms DESC, id"
                )))
                .bind(agency.to_string())
                .bind(kind)
                .bind(id)
                .fetch_all(self.conn())
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {HOLD_COLUMNS} FROM holds WHERE agency_id = $1 ORDER BY placed_ms DESC, id \
                     LIMIT 500"
                )))
                .bind(agency.to_string())
                .fetch_all(self.conn())
                .await?
            }
        };
        rows.iter().map(hold_from_row).collect()
    }

    /// Whether a case has a 调阅 grant still running at `now`.
    pub async fn live_grant_on_case(&mut self, case: CaseId, now: OffsetDateTime) -> Result<bool> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM access_requests WHERE case_id = $1 AND until_ms > $2")
                .bind(case.to_string())
                .bind(to_ms(now))
                .fetch_one(self.conn())
                .await?;
        Ok(col::<i64>(&row, "n")? > 0)
    }

    /// The open (requested or approved) destructions that list a record.
    pub async fn open_destructions_of(&mut self, target: &RecordRef) -> Result<Vec<DestructionId>> {
        let (_, id) = target_columns(target);
        sqlx::query(
            "SELECT d.id FROM destruction_items i JOIN destructions d ON d.id = i.destruction_id \
             WHERE i.target_id = $1 AND d.state IN ('requested', 'approved') ORDER BY d.id",
        )
        .bind(id)
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(|r| parsed(r, "id"))
        .collect()
    }

    /// One destruction of an agency, with its items and approvals.
    pub async fn destruction(&mut self, agency: UnitId, id: DestructionId) -> Result<Option<Destruction>> {
        let row = sqlx::query(
            "SELECT id, reason, state, requested_by, requested_ms, withdraw_reason, done_ms FROM destructions \
             WHERE id = $1 AND agency_id = $2",
        )
        .bind(id.to_string())
        .bind(agency.to_string())
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let items = sqlx::query(
            "SELECT target_kind, target_id FROM destruction_items WHERE destruction_id = $1 ORDER BY ord",
        )
        .bind(id.to_string())
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(|r| target_of(&col::<String>(r, "target_kind")?, &col::<String>(r, "target_id")?))
        .collect::<Result<Vec<_>>>()?;
        let approvals = sqlx::query(
            "SELECT approver, approved_ms FROM destruction_approvals WHERE destruction_id = $1 ORDER BY ord",
        )
        .bind(id.to_string())
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(|r| {
            Ok(DestructionApproval {
                approver: parsed(r, "approver")?,
                approved_at: time_ms(r, "approved_ms")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(Destruction {
            id,
            items,
            reason: col(&row, "reason")?,
            state: code(&row, "state", DestructionState::from_code)?,
            requested_by: parsed(&row, "requested_by")?,
            requested_at: time_ms(&row, "requested_ms")?,
            approvals,
            withdraw_reason: col(&row, "withdraw_reason")?,
            done_at: col::<Option<i64>>(&row, "done_ms")?.map(|ms| from_ms(ms, 0)).transpose()?,
        }))
    }

    /// An agency's destructions, newest first (at most 200).
    pub async fn destruction_ids(&mut self, agency: UnitId) -> Result<Vec<DestructionId>> {
        sqlx::query(
            "SELECT id FROM destructions WHERE agency_id = $1 ORDER BY requested_ms DESC, id LIMIT 200",
        )
        .bind(agency.to_string())
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(|r| parsed(r, "id"))
        .collect()
    }

    /// Cases of an agency whose package is kept until a day before `today` (`YYYY-MM-DD`) and is
    /// not destroyed, the longest overdue first.
    pub async fn packages_due(&mut self, agency: UnitId, today: &str) -> Result<Vec<CaseId>> {
        sqlx::query(
            "SELECT case_id FROM archives WHERE agency_id = $1 AND destroyed_ms IS NULL \
             AND retain_until IS NOT NULL AND retain_until < $2 ORDER BY retain_until, file_no LIMIT 500",
        )
        .bind(agency.to_string())
        .bind(today)
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(|r| parsed(r, "case_id"))
        .collect()
    }

    /// AV records of an agency not filed with a case, not destroyed and uploaded before `before`,
    /// oldest first (at most 2,000).
    pub async fn loose_evidence_ids(
        &mut self,
        agency: UnitId,
        before: OffsetDateTime,
    ) -> Result<Vec<EvidenceId>> {
        sqlx::query(
            "SELECT id FROM evidence WHERE agency_id = $1 AND case_id IS NULL AND destroyed_ms IS NULL \
             AND created_ms < $2 ORDER BY created_ms, id LIMIT 2000",
        )
        .bind(agency.to_string())
        .bind(to_ms(before))
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(|r| parsed(r, "id"))
        .collect()
    }

    /// Destructions approved whose content removal has not been confirmed (after a crash).
    pub async fn approved_destructions(&mut self) -> Result<Vec<(UnitId, DestructionId)>> {
        sqlx::query("SELECT agency_id, id FROM destructions WHERE state = 'approved' ORDER BY requested_ms")
            .fetch_all(self.conn())
            .await?
            .iter()
            .map(|r| Ok((parsed(r, "agency_id")?, parsed(r, "id")?)))
            .collect()
    }

    /// Whether any record not destroyed still needs the file with this SHA-256: an evidence record,
    /// or a document whose digests name it, of a case whose package is not destroyed.
    pub async fn original_still_needed(&mut self, sha256_hex: &str) -> Result<bool> {
        let bytes =
            hex::decode(sha256_hex).map_err(|e| StoreError::Corrupt(format!("digest {sha256_hex}: {e}")))?;
        let ev = sqlx::query(
            "SELECT COUNT(*) AS n FROM evidence e LEFT JOIN archives a ON a.case_id = e.case_id \
             WHERE e.sha256 = $1 AND e.destroyed_ms IS NULL AND a.destroyed_ms IS NULL",
        )
        .bind(bytes)
        .fetch_one(self.conn())
        .await?;
        if col::<i64>(&ev, "n")? > 0 {
            return Ok(true);
        }
        let docs = sqlx::query(
            "SELECT COUNT(*) AS n FROM documents d LEFT JOIN archives a ON a.case_id = d.case_id \
             WHERE d.digests LIKE $1 AND a.destroyed_ms IS NULL",
        )
        .bind(format!("%{sha256_hex}%"))
        .fetch_one(self.conn())
        .await?;
        Ok(col::<i64>(&docs, "n")? > 0)
    }
}

impl Tx<Write> {
    pub async fn insert_hold(&mut self, agency: UnitId, h: &Hold) -> Result<()> {
        let (kind, id) = target_columns(&h.target);
        sqlx::query(
            "INSERT INTO holds (id, agency_id, target_kind, target_id, reason, placed_by, placed_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(h.id.to_string())
        .bind(agency.to_string())
        .bind(kind)
        .bind(id)
        .bind(&h.reason)
        .bind(h.placed_by.to_string())
        .bind(to_ms(h.placed_at))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "hold"))?;
        Ok(())
    }

    /// Lifts a live hold; `false` when it was lifted already.
    pub async fn lift_hold(
        &mut self,
        id: HoldId,
        by: UserId,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE holds SET lifted_by = $2, lift_reason = $3, lifted_ms = $4 WHERE id = $1 AND lifted_ms IS NULL",
        )
        .bind(id.to_string())
        .bind(by.to_string())
        .bind(reason)
        .bind(to_ms(at))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn insert_destruction(&mut self, agency: UnitId, d: &Destruction) -> Result<()> {
        sqlx::query(
            "INSERT INTO destructions (id, agency_id, reason, state, requested_by, requested_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(d.id.to_string())
        .bind(agency.to_string())
        .bind(&d.reason)
        .bind(d.state.code())
        .bind(d.requested_by.to_string())
        .bind(to_ms(d.requested_at))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "destruction"))?;
        for (i, t) in d.items.iter().enumerate() {
            let (kind, id) = target_columns(t);
            sqlx::query(
                "INSERT INTO destruction_items (destruction_id, ord, target_kind, target_id) VALUES ($1, $2, $3, $4)",
            )
            .bind(d.id.to_string())
            .bind(i as i64)
            .bind(kind)
            .bind(id)
            .execute(self.conn())
            .await
            .map_err(|e| StoreError::from_sqlx(e, "item of this destruction"))?;
        }
        Ok(())
    }

    /// Adds an approval; [`StoreError::AlreadyExists`] when this approver approved already.
    pub async fn approve_destruction(
        &mut self,
        id: DestructionId,
        by: UserId,
        ord: usize,
        at: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO destruction_approvals (destruction_id, approver, ord, approved_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.to_string())
        .bind(by.to_string())
        .bind(ord as i64)
        .bind(to_ms(at))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "approval by this person"))?;
        Ok(())
    }

    /// Moves a destruction from `from` to `to`; `false` when it was not in `from`.
    pub async fn set_destruction_state(
        &mut self,
        id: DestructionId,
        from: DestructionState,
        to: DestructionState,
        withdraw_reason: Option<&str>,
        done: Option<OffsetDateTime>,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE destructions SET state = $3, withdraw_reason = COALESCE($4, withdraw_reason), \
             done_ms = COALESCE($5, done_ms) WHERE id = $1 AND state = $2",
        )
        .bind(id.to_string())
        .bind(from.code())
        .bind(to.code())
        .bind(withdraw_reason.map(str::to_owned))
        .bind(done.map(to_ms))
        .execute(self.conn())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Marks a case file destroyed: its package's text files and its documents' field data are
    /// emptied (their digests stay in `archive_files` and in the ledger).
    pub async fn destroy_case_file(&mut self, case: CaseId, at: OffsetDateTime) -> Result<()> {
        let id: Option<String> = sqlx::query("SELECT id FROM archives WHERE case_id = $1")
            .bind(case.to_string())
            .fetch_optional(self.conn())
            .await?
            .map(|r| col(&r, "id"))
            .transpose()?;
        let Some(id) = id else { return Err(StoreError::NotFound("package of this case")) };
        sqlx::query("UPDATE archives SET destroyed_ms = $2 WHERE id = $1 AND destroyed_ms IS NULL")
            .bind(&id)
            .bind(to_ms(at))
            .execute(self.conn())
            .await?;
        sqlx::query("UPDATE archive_files SET content = '' WHERE archive_id = $1 AND content IS NOT NULL")
            .bind(&id)
            .execute(self.conn())
            .await?;
        sqlx::query("UPDATE documents SET fields = '{}' WHERE case_id = $1")
            .bind(case.to_string())
            .execute(self.conn())
            .await?;
        sqlx::query("UPDATE evidence SET destroyed_ms = $2 WHERE case_id = $1 AND destroyed_ms IS NULL")
            .bind(case.to_string())
            .bind(to_ms(at))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Marks one AV record destroyed.
    pub async fn destroy_evidence(&mut self, id: EvidenceId, at: OffsetDateTime) -> Result<()> {
        sqlx::query("UPDATE evidence SET destroyed_ms = $2 WHERE id = $1 AND destroyed_ms IS NULL")
            .bind(id.to_string())
            .bind(to_ms(at))
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
