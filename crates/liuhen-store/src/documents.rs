//! Enforcement documents: drafts, issued versions, service.

use liuhen_domain::{
    ActId, CaseId, Confidentiality, Document, DocumentId, DocumentStatus, IssuedDigests, UnitId, UserId,
};
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::rows::{code, col, from_ms, parsed, parsed_opt, time_ms, to_ms};
use crate::{Tx, Write};

const COLUMNS: &str = "id, agency_id, case_id, format_code, format_name, status, corrects, fields, number, \
    created_by, created_ms, updated_ms, issued_by, issued_ms, digests, served_ms, served_by_act, served_by_document, \
    label";

fn opt_time(row: &AnyRow, name: &str) -> Result<Option<OffsetDateTime>> {
    col::<Option<i64>>(row, name)?.map(|ms| from_ms(ms, 0)).transpose()
}

fn from_row(row: &AnyRow) -> Result<Document> {
    let json = |name: &str| -> Result<Option<serde_json::Value>> {
        col::<Option<String>>(row, name)?
            .map(|t| {
                serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("document {name}: {e}")))
            })
            .transpose()
    };
    let digests: Option<IssuedDigests> = json("digests")?
        .map(|v| serde_json::from_value(v).map_err(|e| StoreError::Corrupt(format!("document digests: {e}"))))
        .transpose()?;
    Ok(Document {
        id: parsed(row, "id")?,
        agency_id: parsed(row, "agency_id")?,
        case_id: parsed(row, "case_id")?,
        format: col(row, "format_code")?,
        format_name: col(row, "format_name")?,
        status: code(row, "status", DocumentStatus::from_code)?,
        corrects: parsed_opt(row, "corrects")?,
        label: code(row, "label", Confidentiality::from_code)?,
        fields: json("fields")?.unwrap_or(serde_json::Value::Null),
        number: col(row, "number")?,
        created_by: parsed(row, "created_by")?,
        created_at: time_ms(row, "created_ms")?,
        updated_at: time_ms(row, "updated_ms")?,
        issued_by: parsed_opt(row, "issued_by")?,
        issued_at: opt_time(row, "issued_ms")?,
        digests,
        served_at: opt_time(row, "served_ms")?,
        served_by_act: parsed_opt(row, "served_by_act")?,
        served_by_document: parsed_opt(row, "served_by_document")?,
    })
}

impl<M> Tx<M> {
    /// One document of an agency.
    pub async fn get_document(&mut self, agency: UnitId, id: DocumentId) -> Result<Option<Document>> {
        let sql = format!("SELECT {COLUMNS} FROM documents WHERE id = $1 AND agency_id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .bind(agency.to_string())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The documents of a case, oldest first.
    pub async fn list_case_documents(&mut self, case: CaseId) -> Result<Vec<Document>> {
        let sql = format!("SELECT {COLUMNS} FROM documents WHERE case_id = $1 ORDER BY created_ms, id");
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(case.to_string()).fetch_all(self.conn()).await?;
        rows.iter().map(from_row).collect()
    }

    /// Drafts (not yet issued) of the cases within `scope`, oldest first,
    /// each with its case's 案件编号.
    pub async fn drafts_in_scope(&mut self, scope: &crate::CaseScope) -> Result<Vec<(Document, String)>> {
        let mut clause = crate::cases::Clause::new();
        clause.scope(scope);
        let cols: Vec<String> = COLUMNS.split(',').map(|c| format!("d.{}", c.trim())).collect();
        let sql = format!(
            "SELECT {}, c.number AS case_number FROM documents d JOIN cases c ON c.id = d.case_id{} \
             AND d.status = '{}' ORDER BY d.created_ms, d.id LIMIT 200",
            cols.join(", "),
            clause.sql,
            DocumentStatus::Draft.code()
        );
        let rows = clause.bind_all(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.conn()).await?;
        rows.iter().map(|r| Ok((from_row(r)?, col(r, "case_number")?))).collect()
    }
}

impl Tx<Write> {
    /// Stores a new draft.
    pub async fn insert_document(&mut self, d: &Document) -> Result<()> {
        sqlx::query(
            "INSERT INTO documents (id, agency_id, case_id, format_code, format_name, status, corrects, fields, \
             created_by, created_ms, updated_ms, label) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)",
        )
        .bind(d.id.to_string())
        .bind(d.agency_id.to_string())
        .bind(d.case_id.to_string())
        .bind(&d.format)
        .bind(&d.format_name)
        .bind(d.status.code())
        .bind(d.corrects.map(|c| c.to_string()))
        .bind(d.fields.to_string())
        .bind(d.created_by.to_string())
        .bind(to_ms(d.created_at))
        .bind(d.label.code())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Replaces a draft's fields; `false` when the document is no longer a draft.
    pub async fn update_draft(
        &mut self,
        id: DocumentId,
        fields: &serde_json::Value,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE documents SET fields = $2, updated_ms = $3 WHERE id = $1 AND status = 'draft'",
        )
        .bind(id.to_string())
        .bind(fields.to_string())
        .bind(to_ms(now))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Issues a draft: its final fields, 文号 and digests; `false` when it is no longer a draft.
    pub async fn issue_document(
        &mut self,
        id: DocumentId,
        fields: &serde_json::Value,
        number: Option<&str>,
        digests: &IssuedDigests,
        by: UserId,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let digests = serde_json::to_string(digests).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let done = sqlx::query(
            "UPDATE documents SET status = 'issued', fields = $2, number = $3, digests = $4, issued_by = $5, \
             issued_ms = $6, updated_ms = $6 WHERE id = $1 AND status = 'draft'",
        )
        .bind(id.to_string())
        .bind(fields.to_string())
        .bind(number)
        .bind(digests)
        .bind(by.to_string())
        .bind(to_ms(now))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "document number"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the service of an issued document; `false` when it is not issued.
    pub async fn serve_document(
        &mut self,
        id: DocumentId,
        act: Option<ActId>,
        receipt: Option<DocumentId>,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE documents SET status = 'served', served_ms = $2, served_by_act = $3, served_by_document = $4, \
             updated_ms = $2 WHERE id = $1 AND status = 'issued'",
        )
        .bind(id.to_string())
        .bind(to_ms(now))
        .bind(act.map(|a| a.to_string()))
        .bind(receipt.map(|r| r.to_string()))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
