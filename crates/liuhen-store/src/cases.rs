//! Cases, their parties and officers, acts, and gapless numbering.

use liuhen_domain::{
    Act, ActDraft, ActId, ActKind, Case, CaseDraft, CaseId, CaseKind, Confidentiality, Party, PersonIdKind,
    Place, Procedure, Stage, UnitId, UserId, Venue,
};
use serde::Serialize;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::rows::{code, col, from_ms, parsed, time_ms, to_ms};
use crate::{Backend, Tx, Write};

/// Which cases a reader may see. The service decides the scope from the
/// reader's role and unit; the store turns it into a `WHERE` clause, so that
/// lists, counts and searches can never show more than the scope allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseScope {
    /// Every case of an agency (supervisors).
    Agency(UnitId),
    /// Cases of an agency that stand in one of these stages (reviewers, archivists).
    AgencyStages(UnitId, Vec<Stage>),
    /// Cases handled by a unit or any unit below it (leaders).
    UnitSubtree(UnitId),
    /// Cases handled by exactly this unit, or assigned to this user (officers).
    UnitOrAssigned { unit: UnitId, user: UserId },
    /// Every case of an agency labelled 公开 or 内部 (supervisors: records
    /// touching 个人隐私 or 商业秘密 need an approved 调阅).
    AgencyUnrestricted(UnitId),
    /// A scope widened by the user's unexpired 调阅 grants.
    WithGrants { base: Box<CaseScope>, user: UserId, now_ms: i64 },
    /// No case at all (stations, administrators).
    Nothing,
}

/// A move of a case from one stage to the next, with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StageMove {
    pub case_id: CaseId,
    pub from: Stage,
    pub to: Stage,
    pub by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub reason: Option<String>,
    /// A leader's written reason to move despite blocking findings.
    pub override_reason: Option<String>,
    /// The blocking findings overridden, one line each.
    pub overridden: Vec<String>,
}

/// Narrowing of a case list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Matches 案由, 案件编号 or a party's name, as a substring.
    pub query: Option<String>,
    pub stage: Option<Stage>,
    pub kind: Option<CaseKind>,
    /// 承办单位: exactly this unit.
    pub unit: Option<UnitId>,
    pub label: Option<Confidentiality>,
    /// Only cases not yet archived.
    pub open_only: bool,
    pub limit: u32,
    pub offset: u32,
}

/// One line of a case list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub id: CaseId,
    pub number: String,
    pub cause: String,
    pub kind: CaseKind,
    pub stage: Stage,
    pub label: Confidentiality,
    pub unit_id: UnitId,
    pub party_names: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

enum Bind {
    Text(String),
}

/// A `WHERE` clause under construction, with its numbered placeholders.
pub(crate) struct Clause {
    pub(crate) sql: String,
    binds: Vec<Bind>,
}

impl Clause {
    pub(crate) fn new() -> Self {
        Clause { sql: String::from(" WHERE 1 = 1"), binds: Vec::new() }
    }
    pub(crate) fn text(&mut self, v: String) -> String {
        self.binds.push(Bind::Text(v));
        format!("${}", self.binds.len())
    }
    pub(crate) fn and(&mut self, cond: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(cond);
    }
    pub(crate) fn scope(&mut self, scope: &CaseScope) {
        match scope {
            CaseScope::Agency(a) => {
                let p = self.text(a.to_string());
                self.and(&format!("c.agency_id = {p}"));
            }
            CaseScope::AgencyStages(a, stages) => {
                let p = self.text(a.to_string());
                // Stage codes are compile-time constants, never user text.
                let list: Vec<String> = stages.iter().map(|s| format!("'{}'", s.code())).collect();
                let list = if list.is_empty() { "''".to_owned() } else { list.join(", ") };
                self.and(&format!("c.agency_id = {p} AND c.stage IN ({list})"));
            }
            CaseScope::UnitSubtree(u) => {
                let p = self.text(u.to_string());
                self.and(&format!(
                    "c.unit_id IN (SELECT d.id FROM org_units d, org_units a \
                     WHERE a.id = {p} AND substr(d.path, 1, length(a.path)) = a.path)"
                ));
            }
            CaseScope::UnitOrAssigned { unit, user } => {
                let pu = self.text(unit.to_string());
                let po = self.text(user.to_string());
                self.and(&format!(
                    "(c.unit_id = {pu} OR EXISTS (SELECT 1 FROM case_officers o \
                     WHERE o.case_id = c.id AND o.user_id = {po}))"
                ));
            }
            CaseScope::AgencyUnrestricted(a) => {
                let p = self.text(a.to_string());
                // Label codes are compile-time constants, never user text.
                self.and(&format!(
                    "c.agency_id = {p} AND c.label IN ('{}', '{}')",
                    Confidentiality::Public.code(),
                    Confidentiality::Internal.code()
                ));
            }
            CaseScope::WithGrants { base, user, now_ms } => {
                let start = self.sql.len();
                self.scope(base);
                let base_sql = self.sql.split_off(start);
                let base_cond = base_sql.strip_prefix(" AND ").unwrap_or("1 = 0");
                let pu = self.text(user.to_string());
                self.and(&format!(
                    "(({base_cond}) OR EXISTS (SELECT 1 FROM access_requests g WHERE g.case_id = c.id \
                     AND g.requester = {pu} AND g.until_ms > {now_ms}))"
                ));
            }
            CaseScope::Nothing => self.and("1 = 0"),
        }
    }
    pub(crate) fn bind_all<'q>(
        &self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        for b in &self.binds {
            match b {
                Bind::Text(s) => q = q.bind(s.clone()),
            }
        }
        q
    }
}

/// Escapes `%`, `_` and `\` so that user text matches only itself in `LIKE`.
fn like_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

const CASE_COLUMNS: &str = "c.id, c.agency_id, c.unit_id, c.number, c.cause, c.kind, c.procedure, c.stage, \
     c.label, c.summary, c.created_by, c.created_ms, c.updated_ms";

fn summary_from_row(row: &AnyRow) -> Result<CaseSummary> {
    Ok(CaseSummary {
        id: parsed(row, "id")?,
        number: col(row, "number")?,
        cause: col(row, "cause")?,
        kind: code(row, "kind", CaseKind::from_code)?,
        stage: code(row, "stage", Stage::from_code)?,
        label: code(row, "label", Confidentiality::from_code)?,
        unit_id: parsed(row, "unit_id")?,
        party_names: Vec::new(),
        created_at: time_ms(row, "created_ms")?,
        updated_at: time_ms(row, "updated_ms")?,
    })
}

/// The parties of case `c` as one JSON array column, in their order.
fn parties_json_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "(SELECT json_group_array(json_object('ord', p.ord, 'kind', p.kind, 'name', p.name, \
             'id_kind', p.id_kind, 'id_number', p.id_number, 'phone', p.phone, 'address', p.address, \
             'legal_representative', p.legal_representative)) FROM case_parties p WHERE p.case_id = c.id)"
        }
        Backend::Postgres => {
            "(SELECT COALESCE(json_agg(json_build_object('ord', p.ord, 'kind', p.kind, 'name', p.name, \
             'id_kind', p.id_kind, 'id_number', p.id_number, 'phone', p.phone, 'address', p.address, \
             'legal_representative', p.legal_representative)), '[]'::json)::text \
             FROM case_parties p WHERE p.case_id = c.id)"
        }
    }
}

/// The officers of case `c` as one JSON array column of `[ord, user_id]` pairs.
fn officers_json_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "(SELECT json_group_array(json_array(o.ord, o.user_id)) FROM case_officers o WHERE o.case_id = c.id)"
        }
        Backend::Postgres => {
            "(SELECT COALESCE(json_agg(json_build_array(o.ord, o.user_id)), '[]'::json)::text \
             FROM case_officers o WHERE o.case_id = c.id)"
        }
    }
}

#[derive(serde::Deserialize)]
struct PartyRow {
    ord: i64,
    kind: String,
    name: String,
    id_kind: Option<String>,
    id_number: String,
    phone: Option<String>,
    address: Option<String>,
    legal_representative: Option<String>,
}

fn parties_from_json(row: &AnyRow) -> Result<Vec<Party>> {
    let text: String = col(row, "parties_json")?;
    let mut rows: Vec<PartyRow> =
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("parties of a case: {e}")))?;
    rows.sort_by_key(|r| r.ord);
    rows.into_iter()
        .map(|r| match r.kind.as_str() {
            "natural_person" => Ok(Party::NaturalPerson {
                name: r.name,
                id_kind: r
                    .id_kind
                    .as_deref()
                    .and_then(PersonIdKind::from_code)
                    .ok_or_else(|| StoreError::Corrupt("party without id_kind".into()))?,
                id_number: r.id_number,
                phone: r.phone,
                address: r.address,
            }),
            "organisation" => Ok(Party::Organisation {
                name: r.name,
                uscc: r.id_number,
                legal_representative: r.legal_representative,
                address: r.address,
            }),
            other => Err(StoreError::Corrupt(format!("party kind {other:?}"))),
        })
        .collect()
}

fn officers_from_json(row: &AnyRow) -> Result<Vec<UserId>> {
    let text: String = col(row, "officers_json")?;
    let mut pairs: Vec<(i64, String)> =
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("officers of a case: {e}")))?;
    pairs.sort_by_key(|p| p.0);
    pairs
        .into_iter()
        .map(|(_, id)| id.parse().map_err(|_| StoreError::Corrupt(format!("officer id {id:?}"))))
        .collect()
}

/// One case within a scope, in one statement: its row with its parties and
/// officers aggregated, so the read is consistent without a transaction.
pub(crate) async fn fetch_case<'e, E>(
    executor: E,
    backend: Backend,
    id: CaseId,
    scope: &CaseScope,
) -> Result<Option<Case>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let mut clause = Clause::new();
    let p = clause.text(id.to_string());
    clause.and(&format!("c.id = {p}"));
    clause.scope(scope);
    let sql = format!(
        "SELECT {CASE_COLUMNS}, {} AS parties_json, {} AS officers_json FROM cases c{}",
        parties_json_sql(backend),
        officers_json_sql(backend),
        clause.sql
    );
    let row = clause.bind_all(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_optional(executor).await?;
    let Some(row) = row else { return Ok(None) };
    let s = summary_from_row(&row)?;
    Ok(Some(Case {
        id: s.id,
        agency_id: parsed(&row, "agency_id")?,
        unit_id: s.unit_id,
        number: s.number,
        cause: s.cause,
        kind: s.kind,
        procedure: col::<Option<String>>(&row, "procedure")?
            .map(|p| {
                Procedure::from_code(&p).ok_or_else(|| StoreError::Corrupt(format!("case procedure {p:?}")))
            })
            .transpose()?,
        stage: s.stage,
        label: s.label,
        summary: col(&row, "summary")?,
        parties: parties_from_json(&row)?,
        officers: officers_from_json(&row)?,
        created_by: parsed(&row, "created_by")?,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }))
}

impl<M> Tx<M> {
    /// Lists the cases in `scope` matching `filter`, newest first, and how
    /// many match in all.
    pub async fn list_cases(
        &mut self,
        scope: &CaseScope,
        filter: &CaseFilter,
    ) -> Result<(Vec<CaseSummary>, u64)> {
        let mut clause = Clause::new();
        clause.scope(scope);
        if let Some(q) = filter.query.as_deref().filter(|q| !q.trim().is_empty()) {
            let p = clause.text(like_pattern(q.trim()));
            clause.and(&format!(
                "(c.cause LIKE {p} ESCAPE '\\' OR c.number LIKE {p} ESCAPE '\\' OR EXISTS \
                 (SELECT 1 FROM case_parties pq WHERE pq.case_id = c.id AND pq.name LIKE {p} ESCAPE '\\'))"
            ));
        }
        if let Some(s) = filter.stage {
            let p = clause.text(s.code().to_owned());
            clause.and(&format!("c.stage = {p}"));
        }
        if let Some(k) = filter.kind {
            let p = clause.text(k.code().to_owned());
            clause.and(&format!("c.kind = {p}"));
        }
        if let Some(u) = filter.unit {
            let p = clause.text(u.to_string());
            clause.and(&format!("c.unit_id = {p}"));
        }
        if let Some(l) = filter.label {
            let p = clause.text(l.code().to_owned());
            clause.and(&format!("c.label = {p}"));
        }
        if filter.open_only {
            // A compile-time constant, never user text.
            clause.and(&format!("c.stage <> '{}'", Stage::Archived.code()));
        }
        let count_sql = format!("SELECT COUNT(*) AS n FROM cases c{}", clause.sql);
        let row = clause.bind_all(sqlx::query(sqlx::AssertSqlSafe(count_sql))).fetch_one(self.conn()).await?;
        let total = u64::try_from(col::<i64>(&row, "n")?).unwrap_or(0);

        let list_sql = format!(
            "SELECT {CASE_COLUMNS}, {} AS parties_json FROM cases c{} ORDER BY c.created_ms DESC, c.id LIMIT {} OFFSET {}",
            parties_json_sql(self.backend),
            clause.sql,
            filter.limit,
            filter.offset
        );
        let rows = clause.bind_all(sqlx::query(sqlx::AssertSqlSafe(list_sql))).fetch_all(self.conn()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut summary = summary_from_row(row)?;
            summary.party_names = parties_from_json(row)?.into_iter().map(|p| p.name().to_owned()).collect();
            out.push(summary);
        }
        Ok((out, total))
    }

    /// The case `id` if it lies within `scope`; `None` both when it does not
    /// exist and when it is outside the scope, so the two cannot be told apart.
    pub async fn get_case_in_scope(&mut self, id: CaseId, scope: &CaseScope) -> Result<Option<Case>> {
        let backend = self.backend;
        fetch_case(self.conn(), backend, id, scope).await
    }

    /// The stage moves of a case, oldest first.
    pub async fn stage_moves(&mut self, case: CaseId) -> Result<Vec<StageMove>> {
        let rows = sqlx::query(
            "SELECT case_id, from_stage, to_stage, moved_by, moved_ms, reason, override_reason, overridden \
             FROM case_stage_moves WHERE case_id = $1 ORDER BY moved_ms, to_stage",
        )
        .bind(case.to_string())
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                let overridden: String = col(r, "overridden")?;
                Ok(StageMove {
                    case_id: parsed(r, "case_id")?,
                    from: code(r, "from_stage", Stage::from_code)?,
                    to: code(r, "to_stage", Stage::from_code)?,
                    by: parsed(r, "moved_by")?,
                    at: time_ms(r, "moved_ms")?,
                    reason: col(r, "reason")?,
                    override_reason: col(r, "override_reason")?,
                    overridden: serde_json::from_str(&overridden)
                        .map_err(|e| StoreError::Corrupt(format!("overridden findings: {e}")))?,
                })
            })
            .collect()
    }

    /// The acts of a case in time order.
    pub async fn list_acts(&mut self, case: CaseId) -> Result<Vec<Act>> {
        let rows = sqlx::query(
            "SELECT id, case_id, kind, starts_ms, ends_ms, utc_offset_s, address, latitude, longitude, venue, \
             venue_name, notes, created_by, created_ms FROM acts WHERE case_id = $1 ORDER BY starts_ms, id",
        )
        .bind(case.to_string())
        .fetch_all(self.conn())
        .await?;
        let mut acts = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: ActId = parsed(row, "id")?;
            let offset: i64 = col(row, "utc_offset_s")?;
            let officers = sqlx::query("SELECT user_id FROM act_officers WHERE act_id = $1 ORDER BY ord")
                .bind(id.to_string())
                .fetch_all(self.conn())
                .await?
                .iter()
                .map(|r| parsed(r, "user_id"))
                .collect::<Result<Vec<UserId>>>()?;
            let parties =
                sqlx::query("SELECT party_ord FROM act_parties WHERE act_id = $1 ORDER BY party_ord")
                    .bind(id.to_string())
                    .fetch_all(self.conn())
                    .await?
                    .iter()
                    .map(|r| {
                        col::<i64>(r, "party_ord").and_then(|v| {
                            u16::try_from(v).map_err(|_| StoreError::Corrupt("party index".into()))
                        })
                    })
                    .collect::<Result<Vec<u16>>>()?;
            let elements = sqlx::query(
                "SELECT element FROM act_elements WHERE act_id = $1 ORDER BY attested_ms, element",
            )
            .bind(id.to_string())
            .fetch_all(self.conn())
            .await?
            .iter()
            .map(|r| col::<String>(r, "element"))
            .collect::<Result<Vec<String>>>()?;
            acts.push(Act {
                id,
                case_id: parsed(row, "case_id")?,
                kind: code(row, "kind", ActKind::from_code)?,
                starts_at: from_ms(col(row, "starts_ms")?, offset)?,
                ends_at: from_ms(col(row, "ends_ms")?, offset)?,
                place: Place {
                    address: col(row, "address")?,
                    latitude: col(row, "latitude")?,
                    longitude: col(row, "longitude")?,
                },
                venue: code(row, "venue", Venue::from_code)?,
                venue_name: col(row, "venue_name")?,
                officers,
                parties,
                notes: col(row, "notes")?,
                elements,
                created_by: parsed(row, "created_by")?,
                created_at: time_ms(row, "created_ms")?,
            });
        }
        Ok(acts)
    }
}

impl<M> Tx<M> {
    /// The number [`Tx::next_number`] would give now, taking nothing: what an
    /// issuer reserves before rendering, to be confirmed when it takes it.
    pub async fn peek_number(&mut self, agency: UnitId, kind: &str, year: i32) -> Result<i64> {
        let row = sqlx::query("SELECT value FROM counters WHERE agency_id = $1 AND kind = $2 AND year = $3")
            .bind(agency.to_string())
            .bind(kind)
            .bind(i64::from(year))
            .fetch_optional(self.conn())
            .await?;
        match row {
            None => Ok(1),
            Some(r) => col::<i64>(&r, "value")?
                .checked_add(1)
                .ok_or(StoreError::Corrupt(format!("counter {kind} {year} is at its end"))),
        }
    }
}

impl Tx<Write> {
    /// Takes the next number of a gapless sequence (per agency, kind of number
    /// and year), starting at 1. Concurrent writers are serialised, and a
    /// rolled-back transaction gives its number back.
    pub async fn next_number(&mut self, agency: UnitId, kind: &str, year: i32) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO counters (agency_id, kind, year, value) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (agency_id, kind, year) DO UPDATE SET value = counters.value + 1 RETURNING value",
        )
        .bind(agency.to_string())
        .bind(kind)
        .bind(i64::from(year))
        .fetch_one(self.conn())
        .await?;
        col(&row, "value")
    }

    /// Stores a new case, standing in `stage` (its procedure's first), with its parties and
    /// officers.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_case(
        &mut self,
        id: CaseId,
        agency: UnitId,
        unit: UnitId,
        number: &str,
        year: i32,
        seq: i64,
        draft: &CaseDraft,
        stage: Stage,
        officers: &[UserId],
        created_by: UserId,
        now: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO cases (id, agency_id, unit_id, number, year, seq, cause, kind, stage, label, summary, \
             created_by, created_ms, updated_ms, procedure) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)",
        )
        .bind(id.to_string())
        .bind(agency.to_string())
        .bind(unit.to_string())
        .bind(number)
        .bind(i64::from(year))
        .bind(seq)
        .bind(&draft.cause)
        .bind(draft.kind.code())
        .bind(stage.code())
        .bind(draft.label.code())
        .bind(&draft.summary)
        .bind(created_by.to_string())
        .bind(to_ms(now))
        .bind(draft.procedure.map(|p| p.code()))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "case number"))?;
        for (ord, p) in draft.parties.iter().enumerate() {
            let (kind, id_kind, id_number, phone, address, rep) = match p {
                Party::NaturalPerson { id_kind, id_number, phone, address, .. } => {
                    ("natural_person", Some(id_kind.code()), id_number, phone, address, &None)
                }
                Party::Organisation { uscc, legal_representative, address, .. } => {
                    ("organisation", None, uscc, &None, address, legal_representative)
                }
            };
            sqlx::query(
                "INSERT INTO case_parties (case_id, ord, kind, name, id_kind, id_number, phone, address, \
                 legal_representative) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id.to_string())
            .bind(ord as i64)
            .bind(kind)
            .bind(p.name())
            .bind(id_kind)
            .bind(id_number)
            .bind(phone)
            .bind(address)
            .bind(rep)
            .execute(self.conn())
            .await?;
        }
        self.replace_officers(id, officers, now).await
    }

    /// Replaces the officers assigned to a case; the first is the lead.
    pub async fn replace_officers(
        &mut self,
        case: CaseId,
        officers: &[UserId],
        now: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query("DELETE FROM case_officers WHERE case_id = $1")
            .bind(case.to_string())
            .execute(self.conn())
            .await?;
        for (ord, o) in officers.iter().enumerate() {
            sqlx::query("INSERT INTO case_officers (case_id, user_id, ord) VALUES ($1, $2, $3)")
                .bind(case.to_string())
                .bind(o.to_string())
                .bind(ord as i64)
                .execute(self.conn())
                .await
                .map_err(|e| StoreError::from_sqlx(e, "officer"))?;
        }
        self.touch_case(case, now).await
    }

    /// Moves a case to `to`, provided it still stands in `from`.
    pub async fn set_stage(&mut self, m: &StageMove) -> Result<()> {
        let done = sqlx::query("UPDATE cases SET stage = $1, updated_ms = $2 WHERE id = $3 AND stage = $4")
            .bind(m.to.code())
            .bind(to_ms(m.at))
            .bind(m.case_id.to_string())
            .bind(m.from.code())
            .execute(self.conn())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("case in that stage"));
        }
        let overridden = serde_json::to_string(&m.overridden)
            .map_err(|e| StoreError::Corrupt(format!("overridden findings: {e}")))?;
        sqlx::query(
            "INSERT INTO case_stage_moves (case_id, from_stage, to_stage, moved_by, moved_ms, reason, \
             override_reason, overridden) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(m.case_id.to_string())
        .bind(m.from.code())
        .bind(m.to.code())
        .bind(m.by.to_string())
        .bind(to_ms(m.at))
        .bind(m.reason.clone())
        .bind(m.override_reason.clone())
        .bind(overridden)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Marks a case as changed now.
    pub async fn touch_case(&mut self, case: CaseId, now: OffsetDateTime) -> Result<()> {
        let done = sqlx::query("UPDATE cases SET updated_ms = $1 WHERE id = $2")
            .bind(to_ms(now))
            .bind(case.to_string())
            .execute(self.conn())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("case"));
        }
        Ok(())
    }

    /// Stores an act of a case.
    pub async fn insert_act(
        &mut self,
        id: ActId,
        case: CaseId,
        draft: &ActDraft,
        created_by: UserId,
        now: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO acts (id, case_id, kind, starts_ms, ends_ms, utc_offset_s, address, latitude, longitude, \
             venue, venue_name, notes, created_by, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(id.to_string())
        .bind(case.to_string())
        .bind(draft.kind.code())
        .bind(to_ms(draft.starts_at))
        .bind(to_ms(draft.ends_at))
        .bind(i64::from(draft.starts_at.offset().whole_seconds()))
        .bind(&draft.place.address)
        .bind(draft.place.latitude)
        .bind(draft.place.longitude)
        .bind(draft.venue.code())
        .bind(&draft.venue_name)
        .bind(&draft.notes)
        .bind(created_by.to_string())
        .bind(to_ms(now))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "act"))?;
        for (ord, o) in draft.officers.iter().enumerate() {
            sqlx::query("INSERT INTO act_officers (act_id, user_id, ord) VALUES ($1, $2, $3)")
                .bind(id.to_string())
                .bind(o.to_string())
                .bind(ord as i64)
                .execute(self.conn())
                .await
                .map_err(|e| StoreError::from_sqlx(e, "officer"))?;
        }
        for p in &draft.parties {
            sqlx::query("INSERT INTO act_parties (act_id, party_ord) VALUES ($1, $2)")
                .bind(id.to_string())
                .bind(i64::from(*p))
                .execute(self.conn())
                .await?;
        }
        self.add_act_elements(id, &draft.elements, created_by, now).await?;
        self.touch_case(case, now).await
    }

    /// Records 记录要素 attested for an act; those already attested are kept
    /// as they were. Returns the ones that were new.
    pub async fn add_act_elements(
        &mut self,
        act: ActId,
        elements: &[String],
        by: UserId,
        now: OffsetDateTime,
    ) -> Result<Vec<String>> {
        let mut added = Vec::new();
        for e in elements {
            let done = sqlx::query(
                "INSERT INTO act_elements (act_id, element, attested_by, attested_ms) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (act_id, element) DO NOTHING",
            )
            .bind(act.to_string())
            .bind(e)
            .bind(by.to_string())
            .bind(to_ms(now))
            .execute(self.conn())
            .await
            .map_err(|e| StoreError::from_sqlx(e, "act"))?;
            if done.rows_affected() > 0 {
                added.push(e.clone());
            }
        }
        Ok(added)
    }
}
