//! Proposed decisions and their legal reviews.

use liuhen_domain::{CaseId, ProposedDecision, ReviewOpinion, ReviewOutcome, UserId};
use serde::Serialize;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::rows::{col, parsed, parsed_opt, time_ms, to_ms};
use crate::{Tx, Write};

/// A case's proposed decision as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredDecision {
    pub decision: ProposedDecision,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub issued_at: Option<OffsetDateTime>,
    pub issued_by: Option<UserId>,
}

/// One legal review: a submission and, once given, its opinion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredReview {
    pub id: String,
    pub decision_version: i64,
    pub submitted_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: OffsetDateTime,
    /// The last day of the review period (working days), `YYYY-MM-DD`; `None` when the rulebook's
    /// calendar did not cover the period when the review was submitted (no 节假日安排 for the year).
    pub due_date: Option<String>,
    pub opinion: Option<ReviewOpinion>,
    pub reviewer: Option<UserId>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reviewed_at: Option<OffsetDateTime>,
}

fn json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn review_from_row(r: &AnyRow) -> Result<StoredReview> {
    let outcome: Option<String> = col(r, "outcome")?;
    let opinion = match outcome {
        None => None,
        Some(code) => Some(ReviewOpinion {
            outcome: ReviewOutcome::from_code(&code)
                .ok_or_else(|| StoreError::Corrupt(format!("outcome {code:?}")))?,
            checklist: json(
                &col::<Option<String>>(r, "checklist")?.unwrap_or_else(|| "[]".into()),
                "checklist",
            )?,
            opinion: col::<Option<String>>(r, "opinion")?.unwrap_or_default(),
        }),
    };
    Ok(StoredReview {
        id: col(r, "id")?,
        decision_version: col(r, "decision_version")?,
        submitted_by: parsed(r, "submitted_by")?,
        submitted_at: time_ms(r, "submitted_ms")?,
        // The column is NOT NULL: an unknown due date is stored as the empty string.
        due_date: Some(col::<String>(r, "due_date")?).filter(|d| !d.is_empty()),
        opinion,
        reviewer: parsed_opt(r, "reviewer")?,
        reviewed_at: col::<Option<i64>>(r, "reviewed_ms")?
            .map(|ms| crate::rows::from_ms(ms, 0))
            .transpose()?,
    })
}

impl<M> Tx<M> {
    pub async fn decision(&mut self, case: CaseId) -> Result<Option<StoredDecision>> {
        let row = sqlx::query(
            "SELECT decision, version, updated_ms, issued_ms, issued_by FROM case_decisions WHERE case_id = $1",
        )
        .bind(case.to_string())
        .fetch_optional(self.conn())
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(StoredDecision {
            decision: json(&col::<String>(&r, "decision")?, "decision")?,
            version: col(&r, "version")?,
            updated_at: time_ms(&r, "updated_ms")?,
            issued_at: col::<Option<i64>>(&r, "issued_ms")?
                .map(|ms| crate::rows::from_ms(ms, 0))
                .transpose()?,
            issued_by: parsed_opt(&r, "issued_by")?,
        }))
    }

    /// The reviews of a case, oldest first.
    pub async fn reviews(&mut self, case: CaseId) -> Result<Vec<StoredReview>> {
        sqlx::query(
            "SELECT id, decision_version, submitted_by, submitted_ms, due_date, outcome, checklist, opinion, reviewer, \
             reviewed_ms FROM reviews WHERE case_id = $1 ORDER BY submitted_ms, id",
        )
        .bind(case.to_string())
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(review_from_row)
        .collect()
    }
}

impl<M> Tx<M> {
    /// Reviews still without an opinion, of the cases within `scope`,
    /// oldest first, each with its case's id, 案件编号 and 案由.
    pub async fn waiting_reviews(
        &mut self,
        scope: &crate::CaseScope,
    ) -> Result<Vec<(CaseId, String, String, StoredReview)>> {
        let mut clause = crate::cases::Clause::new();
        clause.scope(scope);
        let sql = format!(
            "SELECT r.id, r.decision_version, r.submitted_by, r.submitted_ms, r.due_date, r.outcome, r.checklist, \
             r.opinion, r.reviewer, r.reviewed_ms, c.id AS case_id, c.number, c.cause \
             FROM reviews r JOIN cases c ON c.id = r.case_id{} AND r.outcome IS NULL \
             ORDER BY r.submitted_ms, r.id LIMIT 200",
            clause.sql
        );
        let rows = clause.bind_all(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.conn()).await?;
        rows.iter()
            .map(|r| Ok((parsed(r, "case_id")?, col(r, "number")?, col(r, "cause")?, review_from_row(r)?)))
            .collect()
    }
}

impl Tx<Write> {
    /// Stores a new version of the proposed decision; refused once issued.
    pub async fn propose_decision(
        &mut self,
        case: CaseId,
        d: &ProposedDecision,
        now: OffsetDateTime,
    ) -> Result<i64> {
        let text = serde_json::to_string(d).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let row = sqlx::query(
            "INSERT INTO case_decisions (case_id, decision, version, updated_ms) VALUES ($1, $2, 1, $3) \
             ON CONFLICT (case_id) DO UPDATE SET decision = $2, version = case_decisions.version + 1, updated_ms = $3 \
             WHERE case_decisions.issued_ms IS NULL RETURNING version",
        )
        .bind(case.to_string())
        .bind(text)
        .bind(to_ms(now))
        .fetch_optional(self.conn())
        .await?;
        let row = row.ok_or(StoreError::Conflict("the decision is already issued"))?;
        col(&row, "version")
    }

    pub async fn insert_review(
        &mut self,
        id: &str,
        case: CaseId,
        version: i64,
        by: UserId,
        due_date: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO reviews (id, case_id, decision_version, submitted_by, submitted_ms, due_date) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(case.to_string())
        .bind(version)
        .bind(by.to_string())
        .bind(to_ms(now))
        .bind(due_date.unwrap_or_default())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Records the opinion of a pending review; refused when it has one.
    pub async fn record_opinion(
        &mut self,
        id: &str,
        o: &ReviewOpinion,
        reviewer: UserId,
        now: OffsetDateTime,
    ) -> Result<()> {
        let checklist =
            serde_json::to_string(&o.checklist).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let done = sqlx::query(
            "UPDATE reviews SET outcome = $1, checklist = $2, opinion = $3, reviewer = $4, reviewed_ms = $5 \
             WHERE id = $6 AND outcome IS NULL",
        )
        .bind(o.outcome.code())
        .bind(checklist)
        .bind(&o.opinion)
        .bind(reviewer.to_string())
        .bind(to_ms(now))
        .bind(id)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("the review already has its opinion"));
        }
        Ok(())
    }

    /// Marks version `version` of the decision issued: the version its
    /// checks were made on. Refused when the decision is issued already or
    /// has been revised since.
    pub async fn issue_decision(
        &mut self,
        case: CaseId,
        version: i64,
        by: UserId,
        now: OffsetDateTime,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE case_decisions SET issued_ms = $1, issued_by = $2 \
             WHERE case_id = $3 AND version = $4 AND issued_ms IS NULL",
        )
        .bind(to_ms(now))
        .bind(by.to_string())
        .bind(case.to_string())
        .bind(version)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "the decision is issued already, or it was revised after it was checked",
            ));
        }
        Ok(())
    }
}
