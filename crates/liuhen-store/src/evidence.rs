//! Evidence records: which file, from which device and officer, linked to
//! which case, and who may see it.

use liuhen_domain::{ActId, CaseId, Confidentiality, Evidence, EvidenceId, UnitId, UserId};
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::cases::Clause;
use crate::error::{Result, StoreError};
use crate::rows::{code, col, flag, parsed, parsed_opt, time_ms, to_ms};
use crate::{CaseScope, Store, Tx, Write};

const COLUMNS: &str = "e.id, e.agency_id, e.unit_id, e.sha256, e.sm3, e.size, e.media_type, e.file_name, \
     e.device_serial, e.officer_id, e.station_id, e.recorded_start_raw, e.case_id, e.important, e.label, \
     e.uploaded_by, e.created_ms, e.media, e.recorded_start_ms, e.clock_offset_ms, e.duration_ms, \
     e.unit_code, e.unit_name, e.device_flags, e.destroyed_ms";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn from_row(row: &AnyRow) -> Result<Evidence> {
    let sha: Vec<u8> = col(row, "sha256")?;
    let sm3: Vec<u8> = col(row, "sm3")?;
    Ok(Evidence {
        id: parsed(row, "id")?,
        agency_id: parsed(row, "agency_id")?,
        unit_id: parsed(row, "unit_id")?,
        sha256: hex(&sha),
        sm3: hex(&sm3),
        size: u64::try_from(col::<i64>(row, "size")?)
            .map_err(|_| StoreError::Corrupt("negative size".into()))?,
        media_type: col(row, "media_type")?,
        file_name: col(row, "file_name")?,
        device_serial: col(row, "device_serial")?,
        officer_id: parsed_opt(row, "officer_id")?,
        station_id: col(row, "station_id")?,
        recorded_start: col(row, "recorded_start_raw")?,
        case_id: parsed_opt(row, "case_id")?,
        important: flag(row, "important")?,
        label: code(row, "label", Confidentiality::from_code)?,
        uploaded_by: parsed(row, "uploaded_by")?,
        created_at: time_ms(row, "created_ms")?,
        clock_offset_ms: col(row, "clock_offset_ms")?,
        recorded_start_corrected: col::<Option<i64>>(row, "recorded_start_ms")?
            .map(|ms| crate::rows::from_ms(ms, 0))
            .transpose()?,
        duration_ms: col::<Option<i64>>(row, "duration_ms")?.and_then(|d| u64::try_from(d).ok()),
        media: match col::<Option<String>>(row, "media")? {
            Some(t) => {
                serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("evidence media: {e}")))?
            }
            None => serde_json::Value::Null,
        },
        unit_code: col(row, "unit_code")?,
        unit_name: col(row, "unit_name")?,
        device_flags: flags_from(col(row, "device_flags")?)?,
        destroyed_at: col::<Option<i64>>(row, "destroyed_ms")?
            .map(|ms| crate::rows::from_ms(ms, 0))
            .transpose()?,
    })
}

fn flags_from(text: Option<String>) -> Result<Vec<liuhen_domain::DeviceFlag>> {
    match text {
        Some(t) => {
            serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("evidence device_flags: {e}")))
        }
        None => Ok(Vec::new()),
    }
}

/// Raw digests of a new evidence record.
#[derive(Debug, Clone, Copy)]
pub struct EvidenceDigests {
    pub sha256: [u8; 32],
    pub sm3: [u8; 32],
}

impl Tx<Write> {
    /// Stores a new evidence record.
    pub async fn insert_evidence(&mut self, e: &Evidence, digests: EvidenceDigests) -> Result<()> {
        let recorded_start_utc = e.recorded_start_corrected;
        sqlx::query(
            "INSERT INTO evidence (id, agency_id, unit_id, sha256, sm3, size, media_type, file_name, device_serial, \
             officer_id, station_id, recorded_start_raw, recorded_start_ms, case_id, important, label, uploaded_by, \
             created_ms, media, clock_offset_ms, duration_ms, unit_code, unit_name, device_flags) VALUES ($1, $2, $3, \
             $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)",
        )
        .bind(e.id.to_string())
        .bind(e.agency_id.to_string())
        .bind(e.unit_id.to_string())
        .bind(digests.sha256.to_vec())
        .bind(digests.sm3.to_vec())
        .bind(i64::try_from(e.size).unwrap_or(i64::MAX))
        .bind(&e.media_type)
        .bind(&e.file_name)
        .bind(&e.device_serial)
        .bind(e.officer_id.map(|u| u.to_string()))
        .bind(&e.station_id)
        .bind(&e.recorded_start)
        .bind(recorded_start_utc.map(to_ms))
        .bind(e.case_id.map(|c| c.to_string()))
        .bind(i64::from(e.important))
        .bind(e.label.code())
        .bind(e.uploaded_by.to_string())
        .bind(to_ms(e.created_at))
        .bind(serde_json::to_string(&e.media).map_err(|err| StoreError::Corrupt(err.to_string()))?)
        .bind(e.clock_offset_ms)
        .bind(e.duration_ms.and_then(|d| i64::try_from(d).ok()))
        .bind(&e.unit_code)
        .bind(&e.unit_name)
        .bind(serde_json::to_string(&e.device_flags).map_err(|err| StoreError::Corrupt(err.to_string()))?)
        .execute(self.conn())
        .await
        .map_err(|err| StoreError::from_sqlx(err, "evidence"))?;
        Ok(())
    }
}

/// The `WHERE` conditions that make evidence visible to a reader: through a
/// visible case, through the reader's units (as for cases), or because the
/// reader recorded or uploaded it.
fn visible(clause: &mut Clause, scope: &CaseScope, user: UserId) {
    let start = clause.sql.len();
    clause.scope(scope);
    let case_cond = clause.sql.split_off(start);
    let unit_cond = unit_condition(clause, scope);
    let scoped = !matches!(scope, CaseScope::Nothing);
    let pu = clause.text(user.to_string());
    let own =
        if scoped { format!("e.uploaded_by = {pu} OR e.officer_id = {pu}") } else { "1 = 0".to_owned() };
    clause.and(&format!(
        "(e.case_id IN (SELECT c.id FROM cases c WHERE 1 = 1{case_cond}) OR {unit_cond} OR {own})"
    ));
}

/// Evidence visible through the reader's units, not through a case.
fn unit_condition(clause: &mut Clause, scope: &CaseScope) -> String {
    match scope {
        CaseScope::Agency(a) => {
            let p = clause.text(a.to_string());
            format!("e.agency_id = {p}")
        }
        CaseScope::AgencyUnrestricted(a) => {
            let p = clause.text(a.to_string());
            format!(
                "(e.agency_id = {p} AND e.label IN ('{}', '{}'))",
                liuhen_domain::Confidentiality::Public.code(),
                liuhen_domain::Confidentiality::Internal.code()
            )
        }
        CaseScope::UnitSubtree(u) => {
            let p = clause.text(u.to_string());
            format!(
                "e.unit_id IN (SELECT d.id FROM org_units d, org_units a \
                 WHERE a.id = {p} AND substr(d.path, 1, length(a.path)) = a.path)"
            )
        }
        CaseScope::UnitOrAssigned { unit, .. } => {
            let p = clause.text(unit.to_string());
            format!("e.unit_id = {p}")
        }
        CaseScope::WithGrants { base, .. } => unit_condition(clause, base),
        CaseScope::AgencyStages(..) | CaseScope::Nothing => "1 = 0".to_owned(),
    }
}

impl Store {
    /// One evidence record, if the reader may see it; `None` otherwise, the
    /// same as for a record that does not exist.
    pub async fn get_evidence_visible(
        &self,
        id: EvidenceId,
        scope: &CaseScope,
        user: UserId,
    ) -> Result<Option<Evidence>> {
        let mut clause = Clause::new();
        let p = clause.text(id.to_string());
        clause.and(&format!("e.id = {p}"));
        visible(&mut clause, scope, user);
        let sql = format!("SELECT {COLUMNS} FROM evidence e{}", clause.sql);
        let row =
            clause.bind_all(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_optional(&self.db.reader).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The evidence of a case the reader may see, oldest recording first.
    pub async fn list_case_evidence(
        &self,
        case: CaseId,
        scope: &CaseScope,
        user: UserId,
    ) -> Result<Vec<Evidence>> {
        let mut clause = Clause::new();
        let p = clause.text(case.to_string());
        clause.and(&format!("e.case_id = {p}"));
        visible(&mut clause, scope, user);
        let sql = format!(
            "SELECT {COLUMNS} FROM evidence e{} ORDER BY e.recorded_start_ms, e.created_ms",
            clause.sql
        );
        let rows = clause.bind_all(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(&self.db.reader).await?;
        rows.iter().map(from_row).collect()
    }
}

impl Store {
    /// The latest evidence `uploader` uploaded for the officers of `unit`
    /// and the units below it (a docking station's recent files), newest
    /// first. Read through the `evidence_unit` index.
    pub async fn recent_uploads(&self, uploader: UserId, unit: UnitId, limit: u32) -> Result<Vec<Evidence>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM evidence e WHERE e.unit_id IN (SELECT d.id FROM org_units d, org_units a \
             WHERE a.id = $1 AND substr(d.path, 1, length(a.path)) = a.path) AND e.uploaded_by = $2 \
             ORDER BY e.created_ms DESC LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(unit.to_string())
            .bind(uploader.to_string())
            .bind(i64::from(limit))
            .fetch_all(&self.db.reader)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Every evidence record stored under this SHA-256 (hex).
    pub async fn evidence_ids_by_sha256(&self, sha256: &[u8; 32]) -> Result<Vec<EvidenceId>> {
        let rows = sqlx::query("SELECT id FROM evidence WHERE sha256 = $1 ORDER BY created_ms")
            .bind(sha256.to_vec())
            .fetch_all(&self.db.reader)
            .await?;
        rows.iter().map(|r| parsed(r, "id")).collect()
    }
}

/// A clip linked to an act, as coverage needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedClip {
    pub evidence_id: EvidenceId,
    pub act_id: ActId,
    /// Corrected start and duration, when known.
    pub start: Option<OffsetDateTime>,
    pub duration_ms: Option<u64>,
    pub how: String,
    /// The clip's 密级 / 敏感标识: who may learn of it.
    pub label: Confidentiality,
    /// The file's name, to name the clip in findings.
    pub file_name: String,
    /// Where its upload disagreed with the device register.
    pub device_flags: Vec<liuhen_domain::DeviceFlag>,
}

impl Tx<Write> {
    /// Acts of an agency whose officers include `officer` and whose window
    /// overlaps `[start, end)`.
    pub async fn acts_overlapping(
        &mut self,
        agency: UnitId,
        officer: UserId,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<(ActId, CaseId)>> {
        let rows = sqlx::query(
            "SELECT a.id, a.case_id FROM acts a JOIN act_officers o ON o.act_id = a.id JOIN cases c ON c.id = a.case_id \
             WHERE o.user_id = $1 AND c.agency_id = $2 AND a.starts_ms < $3 AND a.ends_ms > $4 ORDER BY a.starts_ms",
        )
        .bind(officer.to_string())
        .bind(agency.to_string())
        .bind(to_ms(end))
        .bind(to_ms(start))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|r| Ok((parsed(r, "id")?, parsed(r, "case_id")?))).collect()
    }

    /// Links a clip to an act; linking twice keeps the first link.
    pub async fn link_evidence(
        &mut self,
        evidence: EvidenceId,
        act: ActId,
        how: &str,
        reason: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO evidence_links (evidence_id, act_id, how, reason, created_ms) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (evidence_id, act_id) DO NOTHING",
        )
        .bind(evidence.to_string())
        .bind(act.to_string())
        .bind(how)
        .bind(reason)
        .bind(to_ms(now))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "evidence or act"))?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes a link; `false` when there was none.
    pub async fn unlink_evidence(&mut self, evidence: EvidenceId, act: ActId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM evidence_links WHERE evidence_id = $1 AND act_id = $2")
            .bind(evidence.to_string())
            .bind(act.to_string())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

impl<M> Tx<M> {
    /// One evidence record by id, whoever may see it (for the service's own
    /// bookkeeping, such as completing an upload twice).
    pub async fn get_evidence(&mut self, id: EvidenceId) -> Result<Option<Evidence>> {
        let sql = format!("SELECT {COLUMNS} FROM evidence e WHERE e.id = $1");
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.to_string()).fetch_optional(self.conn()).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The case an act belongs to.
    pub async fn act_case(&mut self, act: ActId) -> Result<Option<CaseId>> {
        let row = sqlx::query("SELECT case_id FROM acts WHERE id = $1")
            .bind(act.to_string())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(|r| parsed(r, "case_id")).transpose()
    }

    /// The acts a clip is linked to, and how (`auto` or `manual`).
    pub async fn evidence_links(&mut self, evidence: EvidenceId) -> Result<Vec<(ActId, String)>> {
        let rows =
            sqlx::query("SELECT act_id, how FROM evidence_links WHERE evidence_id = $1 ORDER BY created_ms")
                .bind(evidence.to_string())
                .fetch_all(self.conn())
                .await?;
        rows.iter().map(|r| Ok((parsed(r, "act_id")?, col(r, "how")?))).collect()
    }

    /// The clips linked to the acts of a case.
    pub async fn case_clips(&mut self, case: CaseId) -> Result<Vec<LinkedClip>> {
        let rows = sqlx::query(
            "SELECT l.evidence_id, l.act_id, l.how, e.recorded_start_ms, e.duration_ms, e.label, e.file_name, \
             e.device_flags \
             FROM evidence_links l JOIN evidence e ON e.id = l.evidence_id JOIN acts a ON a.id = l.act_id WHERE a.case_id = $1 \
             ORDER BY e.recorded_start_ms",
        )
        .bind(case.to_string())
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LinkedClip {
                    evidence_id: parsed(r, "evidence_id")?,
                    act_id: parsed(r, "act_id")?,
                    start: col::<Option<i64>>(r, "recorded_start_ms")?
                        .map(|ms| crate::rows::from_ms(ms, 0))
                        .transpose()?,
                    duration_ms: col::<Option<i64>>(r, "duration_ms")?.and_then(|d| u64::try_from(d).ok()),
                    how: col(r, "how")?,
                    label: code(r, "label", Confidentiality::from_code)?,
                    file_name: col(r, "file_name")?,
                    device_flags: flags_from(col(r, "device_flags")?)?,
                })
            })
            .collect()
    }
}

/// Unit of an evidence record: the recording officer's, or the uploader's.
pub fn evidence_unit(officer_unit: Option<UnitId>, uploader_unit: UnitId) -> UnitId {
    officer_unit.unwrap_or(uploader_unit)
}
