//! 执法公示: disclosures of issued decisions and the 事前公开 items, with their versions.

use liuhen_domain::{
    CaseKind, Disclosure, DisclosureId, DisclosureState, PriorItem, PriorItemId, PriorKind, UnitId,
};
use sqlx::any::AnyRow;
use time::{Date, OffsetDateTime};

use crate::error::{Result, StoreError};
use crate::rows::{code, col, flag, from_ms, parsed, parsed_opt, time_ms, to_ms};
use crate::{Tx, Write};

const ISO_DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// A date as stored: `YYYY-MM-DD`.
pub fn date_text(d: Date) -> String {
    d.format(ISO_DATE).unwrap_or_default()
}

fn date_of(row: &AnyRow, name: &str) -> Result<Date> {
    let s: String = col(row, name)?;
    Date::parse(&s, ISO_DATE).map_err(|_| StoreError::Corrupt(format!("column {name}: bad date {s:?}")))
}

fn date_opt(row: &AnyRow, name: &str) -> Result<Option<Date>> {
    let s: Option<String> = col(row, name)?;
    s.map(|s| {
        Date::parse(&s, ISO_DATE).map_err(|_| StoreError::Corrupt(format!("column {name}: bad date {s:?}")))
    })
    .transpose()
}

fn json_of<T: serde::de::DeserializeOwned>(row: &AnyRow, name: &str) -> Result<T> {
    let s: String = col(row, name)?;
    serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("column {name}: {e}")))
}

fn json_text<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(format!("encoding: {e}")))
}

fn seq_opt(row: &AnyRow, name: &str) -> Result<Option<u64>> {
    col::<Option<i64>>(row, name)?
        .map(|n| u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("column {name}: {n}"))))
        .transpose()
}

fn seq_bind(n: Option<u64>) -> Option<i64> {
    n.and_then(|n| i64::try_from(n).ok())
}

const DISCLOSURE_COLUMNS: &str = "id, agency_id, case_id, document_id, format_name, number, case_kind, \
     decided_on, due_on, state, natural_person, text, masked, labels, prepared_by, confirmed_by, \
     published_by, published_ms, published_entry, text_sha256, text_sm3, offline_after, withdrawal, \
     overdue_entry";

fn disclosure_from_row(row: &AnyRow) -> Result<Disclosure> {
    let withdrawal: Option<String> = col(row, "withdrawal")?;
    Ok(Disclosure {
        id: parsed(row, "id")?,
        agency_id: parsed(row, "agency_id")?,
        case_id: parsed(row, "case_id")?,
        document_id: parsed(row, "document_id")?,
        format_name: col(row, "format_name")?,
        number: col(row, "number")?,
        case_kind: code(row, "case_kind", CaseKind::from_code)?,
        decided_on: date_of(row, "decided_on")?,
        due_on: date_of(row, "due_on")?,
        state: code(row, "state", DisclosureState::from_code)?,
        natural_person: flag(row, "natural_person")?,
        text: col(row, "text")?,
        masked: json_of(row, "masked")?,
        labels: json_of(row, "labels")?,
        prepared_by: parsed_opt(row, "prepared_by")?,
        confirmed_by: parsed_opt(row, "confirmed_by")?,
        published_by: parsed_opt(row, "published_by")?,
        published_at: col::<Option<i64>>(row, "published_ms")?.map(|ms| from_ms(ms, 0)).transpose()?,
        published_entry: seq_opt(row, "published_entry")?,
        text_sha256: col(row, "text_sha256")?,
        text_sm3: col(row, "text_sm3")?,
        offline_after: date_opt(row, "offline_after")?,
        withdrawal: withdrawal
            .map(|w| {
                serde_json::from_str(&w).map_err(|e| StoreError::Corrupt(format!("column withdrawal: {e}")))
            })
            .transpose()?,
        overdue_entry: seq_opt(row, "overdue_entry")?,
    })
}

/// What the public portal searches by. Only published or withdrawn disclosures online on `today`
/// are found.
#[derive(Debug, Clone, Default)]
pub struct PublicQuery {
    pub agency: Option<UnitId>,
    pub kind: Option<CaseKind>,
    /// Published on or after this day (北京时间).
    pub from: Option<OffsetDateTime>,
    /// Published before this instant.
    pub until: Option<OffsetDateTime>,
    /// Part of the 文号.
    pub number: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

impl<M> Tx<M> {
    /// One disclosure; of one agency when `agency` is given.
    pub async fn disclosure(
        &mut self,
        agency: Option<UnitId>,
        id: DisclosureId,
    ) -> Result<Option<Disclosure>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DISCLOSURE_COLUMNS} FROM disclosures WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(self.conn())
        .await?;
        let d = row.as_ref().map(disclosure_from_row).transpose()?;
        Ok(d.filter(|d| agency.is_none_or(|a| a == d.agency_id)))
    }

    /// An agency's disclosures (of one case when given), the soonest due first among those waiting,
    /// then the newest published (at most 500; the caller filters by its reader's scope).
    pub async fn disclosures(
        &mut self,
        agency: UnitId,
        case: Option<liuhen_domain::CaseId>,
    ) -> Result<Vec<Disclosure>> {
        let mut sql = format!("SELECT {DISCLOSURE_COLUMNS} FROM disclosures WHERE agency_id = $1");
        if case.is_some() {
            sql.push_str(" AND case_id = $2");
        }
        sql.push_str(
            " ORDER BY CASE WHEN state IN ('due', 'redacted', 'confirmed') THEN 0 ELSE 1 END, due_on, \
             published_ms DESC, id LIMIT 500",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(agency.to_string());
        if let Some(c) = case {
            q = q.bind(c.to_string());
        }
        q.fetch_all(self.conn()).await?.iter().map(disclosure_from_row).collect()
    }

    /// Disclosures still waiting whose last day was before `today`, and not yet found late.
    pub async fn disclosures_overdue(&mut self, today: Date) -> Result<Vec<Disclosure>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DISCLOSURE_COLUMNS} FROM disclosures WHERE state IN ('due', 'redacted', 'confirmed') \
             AND due_on < $1 AND overdue_entry IS NULL ORDER BY due_on, id LIMIT 500"
        )))
        .bind(date_text(today))
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(disclosure_from_row)
        .collect()
    }

    /// Published or withdrawn disclosures online on `today` matching `q`, newest first, and
    /// how many match in all.
    pub async fn public_disclosures(
        &mut self,
        q: &PublicQuery,
        today: Date,
    ) -> Result<(Vec<Disclosure>, u64)> {
        let mut filter = String::from(
            " FROM disclosures WHERE state IN ('published', 'withdrawn') \
             AND (offline_after IS NULL OR offline_after >= $1)",
        );
        let mut binds: Vec<String> = vec![date_text(today)];
        let mut push = |clause: &str, value: String, binds: &mut Vec<String>| {
            binds.push(value);
            filter.push_str(&clause.replace('?', &format!("${}", binds.len())));
        };
        if let Some(a) = q.agency {
            push(" AND agency_id = ?", a.to_string(), &mut binds);
        }
        if let Some(k) = q.kind {
            push(" AND case_kind = ?", k.code().to_owned(), &mut binds);
        }
        let mut ms_binds: Vec<i64> = Vec::new();
        let mut ms_clauses = String::new();
        for (clause, t) in [(" AND published_ms >= ", q.from), (" AND published_ms < ", q.until)] {
            if let Some(t) = t {
                ms_binds.push(to_ms(t));
                ms_clauses.push_str(&format!("{clause}${}", binds.len() + ms_binds.len()));
            }
        }
        filter.push_str(&ms_clauses);
        let mut like = None;
        if let Some(n) = q.number.as_deref().filter(|n| !n.trim().is_empty()) {
            let escaped: String = n
                .trim()
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            like = Some(format!("%{escaped}%"));
            filter.push_str(&format!(" AND number LIKE ${} ESCAPE '\\'", binds.len() + ms_binds.len() + 1));
        }
        let count_sql = format!("SELECT COUNT(*) AS n{filter}");
        let list_sql = format!(
            "SELECT {DISCLOSURE_COLUMNS}{filter} ORDER BY published_ms DESC, id LIMIT {} OFFSET {}",
            q.limit.clamp(1, 200),
            q.offset
        );
        let mut out = Vec::new();
        let mut total = 0;
        for (i, sql) in [count_sql, list_sql].into_iter().enumerate() {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for b in &binds {
                query = query.bind(b.clone());
            }
            for m in &ms_binds {
                query = query.bind(*m);
            }
            if let Some(l) = &like {
                query = query.bind(l.clone());
            }
            if i == 0 {
                let row = query.fetch_one(self.conn()).await?;
                total = u64::try_from(col::<i64>(&row, "n")?).unwrap_or(0);
            } else {
                out = query
                    .fetch_all(self.conn())
                    .await?
                    .iter()
                    .map(disclosure_from_row)
                    .collect::<Result<_>>()?;
            }
        }
        Ok((out, total))
    }

    /// Every 事前公开 item of an agency, by kind and title.
    pub async fn prior_items(&mut self, agency: UnitId) -> Result<Vec<PriorItem>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRIOR_COLUMNS} FROM prior_items WHERE agency_id = $1 ORDER BY kind, title, id"
        )))
        .bind(agency.to_string())
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(prior_from_row)
        .collect()
    }

    /// One 事前公开 item of an agency.
    pub async fn prior_item(&mut self, agency: UnitId, id: PriorItemId) -> Result<Option<PriorItem>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRIOR_COLUMNS} FROM prior_items WHERE id = $1 AND agency_id = $2"
        )))
        .bind(id.to_string())
        .bind(agency.to_string())
        .fetch_optional(self.conn())
        .await?
        .as_ref()
        .map(prior_from_row)
        .transpose()
    }

    /// The published text of an agency's 事前公开 items: (item, title, body, published at).
    pub async fn published_prior_items(
        &mut self,
        agency: UnitId,
    ) -> Result<Vec<(PriorItem, String, String)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRIOR_COLUMNS}, published_title, published_body FROM prior_items \
             WHERE agency_id = $1 AND published_version IS NOT NULL ORDER BY kind, title, id"
        )))
        .bind(agency.to_string())
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| Ok((prior_from_row(r)?, col(r, "published_title")?, col(r, "published_body")?)))
            .collect()
    }

    /// 事前公开 items whose latest version was due before `today`, unpublished and not yet found late.
    pub async fn prior_items_overdue(&mut self, today: Date) -> Result<Vec<PriorItem>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRIOR_COLUMNS} FROM prior_items WHERE (published_version IS NULL OR \
             published_version <> version) AND due_on < $1 AND overdue_entry IS NULL ORDER BY due_on, id \
             LIMIT 500"
        )))
        .bind(date_text(today))
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(prior_from_row)
        .collect()
    }
}

const PRIOR_COLUMNS: &str = "id, agency_id, kind, title, body, version, changed_by, changed_ms, due_on, \
     published_version, published_ms, published_entry, overdue_entry";

fn prior_from_row(row: &AnyRow) -> Result<PriorItem> {
    let version = |name: &str| -> Result<Option<u32>> {
        col::<Option<i64>>(row, name)?
            .map(|n| u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("column {name}: {n}"))))
            .transpose()
    };
    Ok(PriorItem {
        id: parsed(row, "id")?,
        agency_id: parsed(row, "agency_id")?,
        kind: code(row, "kind", PriorKind::from_code)?,
        title: col(row, "title")?,
        body: col(row, "body")?,
        version: version("version")?.unwrap_or(0),
        changed_by: parsed(row, "changed_by")?,
        changed_at: time_ms(row, "changed_ms")?,
        due_on: date_of(row, "due_on")?,
        published_version: version("published_version")?,
        published_at: col::<Option<i64>>(row, "published_ms")?.map(|ms| from_ms(ms, 0)).transpose()?,
        published_entry: seq_opt(row, "published_entry")?,
        overdue_entry: seq_opt(row, "overdue_entry")?,
    })
}

impl Tx<Write> {
    /// Stores a new disclosure, for the case's unit.
    pub async fn insert_disclosure(&mut self, d: &Disclosure, unit: UnitId) -> Result<()> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO disclosures (unit_id, {DISCLOSURE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
             $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)"
        )))
        .bind(unit.to_string())
        .bind(d.id.to_string())
        .bind(d.agency_id.to_string())
        .bind(d.case_id.to_string())
        .bind(d.document_id.to_string())
        .bind(d.format_name.clone())
        .bind(d.number.clone())
        .bind(d.case_kind.code())
        .bind(date_text(d.decided_on))
        .bind(date_text(d.due_on))
        .bind(d.state.code())
        .bind(i64::from(d.natural_person))
        .bind(d.text.clone())
        .bind(json_text(&d.masked)?)
        .bind(json_text(&d.labels)?)
        .bind(d.prepared_by.map(|u| u.to_string()))
        .bind(d.confirmed_by.map(|u| u.to_string()))
        .bind(d.published_by.map(|u| u.to_string()))
        .bind(d.published_at.map(to_ms))
        .bind(seq_bind(d.published_entry))
        .bind(d.text_sha256.clone())
        .bind(d.text_sm3.clone())
        .bind(d.offline_after.map(date_text))
        .bind(d.withdrawal.as_ref().map(json_text).transpose()?)
        .bind(seq_bind(d.overdue_entry))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Writes a disclosure's changing columns, if its state is still `expected` (so two
    /// concurrent changes cannot both land). Whether it was written.
    pub async fn update_disclosure(&mut self, d: &Disclosure, expected: DisclosureState) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE disclosures SET state = $1, text = $2, masked = $3, labels = $4, prepared_by = $5, \
             confirmed_by = $6, published_by = $7, published_ms = $8, published_entry = $9, text_sha256 = $10, \
             text_sm3 = $11, offline_after = $12, withdrawal = $13, overdue_entry = $14 \
             WHERE id = $15 AND state = $16",
        )
        .bind(d.state.code())
        .bind(d.text.clone())
        .bind(json_text(&d.masked)?)
        .bind(json_text(&d.labels)?)
        .bind(d.prepared_by.map(|u| u.to_string()))
        .bind(d.confirmed_by.map(|u| u.to_string()))
        .bind(d.published_by.map(|u| u.to_string()))
        .bind(d.published_at.map(to_ms))
        .bind(seq_bind(d.published_entry))
        .bind(d.text_sha256.clone())
        .bind(d.text_sm3.clone())
        .bind(d.offline_after.map(date_text))
        .bind(d.withdrawal.as_ref().map(json_text).transpose()?)
        .bind(seq_bind(d.overdue_entry))
        .bind(d.id.to_string())
        .bind(expected.code())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores a 事前公开 item's new version (the first creates it), recorded by ledger entry `entry`.
    pub async fn put_prior_item(&mut self, item: &PriorItem, entry: u64) -> Result<()> {
        if item.version == 1 {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO prior_items ({PRIOR_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, \
                 NULL, NULL, NULL)"
            )))
            .bind(item.id.to_string())
            .bind(item.agency_id.to_string())
            .bind(item.kind.code())
            .bind(item.title.clone())
            .bind(item.body.clone())
            .bind(i64::from(item.version))
            .bind(item.changed_by.to_string())
            .bind(to_ms(item.changed_at))
            .bind(date_text(item.due_on))
            .execute(self.conn())
            .await?;
        } else {
            sqlx::query(
                "UPDATE prior_items SET kind = $1, title = $2, body = $3, version = $4, changed_by = $5, \
                 changed_ms = $6, due_on = $7, overdue_entry = NULL WHERE id = $8 AND version = $9",
            )
            .bind(item.kind.code())
            .bind(item.title.clone())
            .bind(item.body.clone())
            .bind(i64::from(item.version))
            .bind(item.changed_by.to_string())
            .bind(to_ms(item.changed_at))
            .bind(date_text(item.due_on))
            .bind(item.id.to_string())
            .bind(i64::from(item.version - 1))
            .execute(self.conn())
            .await?;
        }
        sqlx::query(
            "INSERT INTO prior_item_versions (item_id, version, title, body, changed_by, changed_ms, entry_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(item.id.to_string())
        .bind(i64::from(item.version))
        .bind(item.title.clone())
        .bind(item.body.clone())
        .bind(item.changed_by.to_string())
        .bind(to_ms(item.changed_at))
        .bind(seq_bind(Some(entry)))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Publishes a 事前公开 item's latest version (if it is still `version`).
    pub async fn publish_prior_item(
        &mut self,
        id: PriorItemId,
        version: u32,
        at: OffsetDateTime,
        entry: u64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE prior_items SET published_version = version, published_title = title, \
             published_body = body, published_ms = $1, published_entry = $2 WHERE id = $3 AND version = $4",
        )
        .bind(to_ms(at))
        .bind(seq_bind(Some(entry)))
        .bind(id.to_string())
        .bind(i64::from(version))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Notes the finding that a 事前公开 item's version was not published in time.
    pub async fn prior_item_overdue(&mut self, id: PriorItemId, version: u32, entry: u64) -> Result<()> {
        sqlx::query("UPDATE prior_items SET overdue_entry = $1 WHERE id = $2 AND version = $3")
            .bind(seq_bind(Some(entry)))
            .bind(id.to_string())
            .bind(i64::from(version))
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

/// What an agency's annual statistics (统计年报) are counted from, for one year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YearFigures {
    /// Cases opened (立案), by case kind code.
    pub cases_by_kind: Vec<(String, u64)>,
    /// Documents issued, by 文书名称.
    pub issued_by_format: Vec<(String, u64)>,
    /// The field data of every issued document of these names (for amounts).
    pub amounts_of: Vec<(String, serde_json::Value)>,
    /// 法制审核 opinions given, by outcome code.
    pub reviews_by_outcome: Vec<(String, u64)>,
    /// Disclosures published, and withdrawn, in the year.
    pub published: u64,
    pub withdrawn: u64,
    /// 行政复议 and 行政诉讼 filed in the year, by kind code.
    pub remedies_filed: Vec<(String, u64)>,
    /// Decided in the year, by `kind:outcome`.
    pub remedies_decided: Vec<(String, u64)>,
}

impl<M> Tx<M> {
    /// The figures of `agency` for the instants `[from, until)`; `amount_formats` names the documents
    /// whose field data is returned for summing amounts.
    pub async fn year_figures(
        &mut self,
        agency: UnitId,
        from: OffsetDateTime,
        until: OffsetDateTime,
        amount_formats: &[&str],
    ) -> Result<YearFigures> {
        let (a, f, u) = (agency.to_string(), to_ms(from), to_ms(until));
        let grouped = |rows: Vec<AnyRow>| -> Result<Vec<(String, u64)>> {
            rows.iter()
                .map(|r| Ok((col::<String>(r, "k")?, u64::try_from(col::<i64>(r, "n")?).unwrap_or(0))))
                .collect()
        };
        let cases = sqlx::query(
            "SELECT kind AS k, COUNT(*) AS n FROM cases WHERE agency_id = $1 AND created_ms >= $2 \
             AND created_ms < $3 GROUP BY kind ORDER BY kind",
        )
        .bind(a.clone())
        .bind(f)
        .bind(u)
        .fetch_all(self.conn())
        .await?;
        let issued = sqlx::query(
            "SELECT format_name AS k, COUNT(*) AS n FROM documents WHERE agency_id = $1 AND issued_ms >= $2 \
             AND issued_ms < $3 GROUP BY format_name ORDER BY format_name",
        )
        .bind(a.clone())
        .bind(f)
        .bind(u)
        .fetch_all(self.conn())
        .await?;
        let mut amounts_of = Vec::new();
        for name in amount_formats {
            let rows = sqlx::query(
                "SELECT fields FROM documents WHERE agency_id = $1 AND issued_ms >= $2 AND issued_ms < $3 \
                 AND format_name = $4",
            )
            .bind(a.clone())
            .bind(f)
            .bind(u)
            .bind((*name).to_owned())
            .fetch_all(self.conn())
            .await?;
            for r in &rows {
                amounts_of.push(((*name).to_owned(), json_of(r, "fields")?));
            }
        }
        let reviews = sqlx::query(
            "SELECT r.outcome AS k, COUNT(*) AS n FROM reviews r JOIN cases c ON c.id = r.case_id \
             WHERE c.agency_id = $1 AND r.reviewed_ms >= $2 AND r.reviewed_ms < $3 AND r.outcome IS NOT NULL \
             GROUP BY r.outcome ORDER BY r.outcome",
        )
        .bind(a.clone())
        .bind(f)
        .bind(u)
        .fetch_all(self.conn())
        .await?;
        let count = |sql: &'static str| sqlx::query(sql).bind(a.clone()).bind(f).bind(u);
        let published = count(
            "SELECT COUNT(*) AS n FROM disclosures WHERE agency_id = $1 AND published_ms >= $2 \
             AND published_ms < $3",
        )
        .fetch_one(self.conn())
        .await?;
        let withdrawn = count(
            "SELECT COUNT(*) AS n FROM disclosures WHERE agency_id = $1 AND state = 'withdrawn' \
             AND published_ms >= $2 AND published_ms < $3",
        )
        .fetch_one(self.conn())
        .await?;
        let (from_day, until_day) = (
            date_text(liuhen_domain::when::in_beijing(from).date()),
            date_text(liuhen_domain::when::in_beijing(until - time::Duration::milliseconds(1)).date()),
        );
        let filed = sqlx::query(
            "SELECT kind AS k, COUNT(*) AS n FROM remedies WHERE agency_id = $1 AND filed_on >= $2 \
             AND filed_on <= $3 GROUP BY kind ORDER BY kind",
        )
        .bind(a.clone())
        .bind(from_day.clone())
        .bind(until_day.clone())
        .fetch_all(self.conn())
        .await?;
        let decided = sqlx::query(
            "SELECT kind || ':' || outcome AS k, COUNT(*) AS n FROM remedies WHERE agency_id = $1 \
             AND decided_on >= $2 AND decided_on <= $3 GROUP BY kind, outcome ORDER BY kind, outcome",
        )
        .bind(a.clone())
        .bind(from_day)
        .bind(until_day)
        .fetch_all(self.conn())
        .await?;
        Ok(YearFigures {
            remedies_filed: grouped(filed)?,
            remedies_decided: grouped(decided)?,
            cases_by_kind: grouped(cases)?,
            issued_by_format: grouped(issued)?,
            amounts_of,
            reviews_by_outcome: grouped(reviews)?,
            published: u64::try_from(col::<i64>(&published, "n")?).unwrap_or(0),
            withdrawn: u64::try_from(col::<i64>(&withdrawn, "n")?).unwrap_or(0),
        })
    }
}

const REMEDY_COLUMNS: &str =
    "id, case_id, kind, filed_on, outcome, decided_on, note, recorded_by, recorded_ms, withdraw_by";

fn remedy_from_row(row: &AnyRow) -> Result<liuhen_domain::Remedy> {
    Ok(liuhen_domain::Remedy {
        id: parsed(row, "id")?,
        case_id: parsed(row, "case_id")?,
        kind: code(row, "kind", liuhen_domain::RemedyKind::from_code)?,
        filed_on: date_of(row, "filed_on")?,
        outcome: code(row, "outcome", liuhen_domain::RemedyOutcome::from_code)?,
        decided_on: date_opt(row, "decided_on")?,
        note: col(row, "note")?,
        recorded_by: parsed(row, "recorded_by")?,
        recorded_at: time_ms(row, "recorded_ms")?,
        withdraw_by: date_opt(row, "withdraw_by")?,
    })
}

impl<M> Tx<M> {
    /// A case's 行政复议 and 行政诉讼, oldest first.
    pub async fn remedies(&mut self, case: liuhen_domain::CaseId) -> Result<Vec<liuhen_domain::Remedy>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REMEDY_COLUMNS} FROM remedies WHERE case_id = $1 ORDER BY filed_on, recorded_ms, id"
        )))
        .bind(case.to_string())
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(remedy_from_row)
        .collect()
    }

    /// One remedy of an agency.
    pub async fn remedy(
        &mut self,
        agency: UnitId,
        id: liuhen_domain::RemedyId,
    ) -> Result<Option<liuhen_domain::Remedy>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REMEDY_COLUMNS} FROM remedies WHERE id = $1 AND agency_id = $2"
        )))
        .bind(id.to_string())
        .bind(agency.to_string())
        .fetch_optional(self.conn())
        .await?
        .as_ref()
        .map(remedy_from_row)
        .transpose()
    }

    /// Remedies whose outcome called for a withdrawal by a day before `today`, whose case still has
    /// a published disclosure, and not yet found late: (remedy, agency, the published disclosures).
    pub async fn withdrawals_overdue(
        &mut self,
        today: Date,
    ) -> Result<Vec<(liuhen_domain::Remedy, UnitId, Vec<DisclosureId>)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {}, r.agency_id AS agency, d.id AS disclosure FROM remedies r JOIN disclosures d \
             ON d.case_id = r.case_id AND d.state = 'published' WHERE r.withdraw_by IS NOT NULL \
             AND r.withdraw_by < $1 AND r.overdue_entry IS NULL ORDER BY r.withdraw_by, r.id, d.id LIMIT 500",
            REMEDY_COLUMNS.split(", ").map(|c| format!("r.{c}")).collect::<Vec<_>>().join(", ")
        )))
        .bind(date_text(today))
        .fetch_all(self.conn())
        .await?;
        let mut out: Vec<(liuhen_domain::Remedy, UnitId, Vec<DisclosureId>)> = Vec::new();
        for row in &rows {
            let r = remedy_from_row(row)?;
            let d: DisclosureId = parsed(row, "disclosure")?;
            match out.last_mut() {
                Some((last, _, ds)) if last.id == r.id => ds.push(d),
                _ => out.push((r, parsed(row, "agency")?, vec![d])),
            }
        }
        Ok(out)
    }
}

impl Tx<Write> {
    /// Stores a remedy, or its new outcome (same id).
    pub async fn put_remedy(&mut self, agency: UnitId, r: &liuhen_domain::Remedy) -> Result<()> {
        sqlx::query(
            "INSERT INTO remedies (id, agency_id, case_id, kind, filed_on, outcome, decided_on, note, recorded_by, \
             recorded_ms, withdraw_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, filed_on = excluded.filed_on, \
             outcome = excluded.outcome, decided_on = excluded.decided_on, note = excluded.note, \
             recorded_by = excluded.recorded_by, recorded_ms = excluded.recorded_ms, \
             withdraw_by = excluded.withdraw_by, overdue_entry = NULL",
        )
        .bind(r.id.to_string())
        .bind(agency.to_string())
        .bind(r.case_id.to_string())
        .bind(r.kind.code())
        .bind(date_text(r.filed_on))
        .bind(r.outcome.code())
        .bind(r.decided_on.map(date_text))
        .bind(r.note.clone())
        .bind(r.recorded_by.to_string())
        .bind(to_ms(r.recorded_at))
        .bind(r.withdraw_by.map(date_text))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Notes the finding that a remedy's case kept a publication past its withdrawal day.
    pub async fn remedy_overdue(&mut self, id: liuhen_domain::RemedyId, entry: u64) -> Result<()> {
        sqlx::query("UPDATE remedies SET overdue_entry = $1 WHERE id = $2")
            .bind(seq_bind(Some(entry)))
            .bind(id.to_string())
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
