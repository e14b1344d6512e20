//! 调阅 requests, approvals and grants.

use liuhen_domain::{AccessRequest, AccessRequestId, CaseId, UnitId, UserId};
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::rows::{col, from_ms, parsed, parsed_opt, time_ms, to_ms};
use crate::{Tx, Write};

const COLUMNS: &str = "r.id, r.agency_id, r.case_id, r.requester, r.purpose, r.days, r.external, \
    r.approvals_needed, r.created_ms, r.until_ms, r.rejected_by, r.reject_reason";

fn from_row(row: &AnyRow, approvals: Vec<UserId>) -> Result<AccessRequest> {
    let external: Option<String> = col(row, "external")?;
    Ok(AccessRequest {
        id: parsed(row, "id")?,
        agency_id: parsed(row, "agency_id")?,
        case_id: parsed(row, "case_id")?,
        requester: parsed(row, "requester")?,
        purpose: col(row, "purpose")?,
        days: u32::try_from(col::<i64>(row, "days")?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        external: external
            .map(|x| serde_json::from_str(&x).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()?,
        approvals,
        approvals_needed: u32::try_from(col::<i64>(row, "approvals_needed")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        created_at: time_ms(row, "created_ms")?,
        granted_until: col::<Option<i64>>(row, "until_ms")?.map(|ms| from_ms(ms, 0)).transpose()?,
        rejected_by: parsed_opt(row, "rejected_by")?,
        reject_reason: col(row, "reject_reason")?,
    })
}

impl<M> Tx<M> {
    async fn approvals_of(&mut self, id: &str) -> Result<Vec<UserId>> {
        let rows = sqlx::query("SELECT approver FROM access_approvals WHERE request_id = $1 ORDER BY ord")
            .bind(id)
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(|r| parsed(r, "approver")).collect()
    }

    /// One request of an agency.
    pub async fn get_access_request(
        &mut self,
        agency: UnitId,
        id: AccessRequestId,
    ) -> Result<Option<AccessRequest>> {
        let sql = format!("SELECT {COLUMNS} FROM access_requests r WHERE r.id = $1 AND r.agency_id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .bind(agency.to_string())
            .fetch_optional(self.conn())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let approvals = self.approvals_of(&id.to_string()).await?;
        from_row(&row, approvals).map(Some)
    }

    /// Requests of an agency, newest first: all of them, or one requester's.
    pub async fn list_access_requests(
        &mut self,
        agency: UnitId,
        requester: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<AccessRequest>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM access_requests r WHERE r.agency_id = $1 AND ($2 = '' OR r.requester = $2) \
             ORDER BY r.created_ms DESC, r.id LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(agency.to_string())
            .bind(requester.map(|u| u.to_string()).unwrap_or_default())
            .bind(i64::from(limit))
            .fetch_all(self.conn())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = col(row, "id")?;
            let approvals = self.approvals_of(&id).await?;
            out.push(from_row(row, approvals)?);
        }
        Ok(out)
    }

    /// The grant `user` holds on `case` at `now`, if any.
    pub async fn active_grant(
        &mut self,
        user: UserId,
        case: CaseId,
        now: OffsetDateTime,
    ) -> Result<Option<AccessRequestId>> {
        let row = sqlx::query(
            "SELECT id FROM access_requests WHERE requester = $1 AND case_id = $2 AND until_ms > $3 \
             ORDER BY until_ms DESC LIMIT 1",
        )
        .bind(user.to_string())
        .bind(case.to_string())
        .bind(to_ms(now))
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(|r| parsed(r, "id")).transpose()
    }
}

impl Tx<Write> {
    /// Stores a new request.
    pub async fn insert_access_request(&mut self, r: &AccessRequest) -> Result<()> {
        let external = r
            .external
            .as_ref()
            .map(|x| serde_json::to_string(x).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()?;
        sqlx::query(
            "INSERT INTO access_requests (id, agency_id, case_id, requester, purpose, days, external, \
             approvals_needed, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(r.id.to_string())
        .bind(r.agency_id.to_string())
        .bind(r.case_id.to_string())
        .bind(r.requester.to_string())
        .bind(&r.purpose)
        .bind(i64::from(r.days))
        .bind(external)
        .bind(i64::from(r.approvals_needed))
        .bind(to_ms(r.created_at))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Adds an approval; `until` grants the request when it is the last one needed.
    pub async fn approve_access(
        &mut self,
        id: AccessRequestId,
        approver: UserId,
        ord: u32,
        now: OffsetDateTime,
        until: Option<OffsetDateTime>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO access_approvals (request_id, approver, ord, approved_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.to_string())
        .bind(approver.to_string())
        .bind(i64::from(ord))
        .bind(to_ms(now))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "approval"))?;
        if let Some(until) = until {
            sqlx::query("UPDATE access_requests SET until_ms = $2 WHERE id = $1")
                .bind(id.to_string())
                .bind(to_ms(until))
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Refuses a request.
    pub async fn reject_access(&mut self, id: AccessRequestId, by: UserId, reason: &str) -> Result<()> {
        sqlx::query("UPDATE access_requests SET rejected_by = $2, reject_reason = $3 WHERE id = $1")
            .bind(id.to_string())
            .bind(by.to_string())
            .bind(reason)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
