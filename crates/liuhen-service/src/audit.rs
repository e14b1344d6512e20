//! Audit reports for court and supervision: every ledger entry about one
//! record (who, when, what, under which 调阅 grant and for what purpose), or
//! every entry one user caused — as JSON, CSV or PDF (the PDF through
//! `liuhen-pdf`'s fixed report template). Read from the ledger itself, so a report
//! can be checked entry by entry against the verifiable log (each row
//! carries its ledger index).
//!
//! The report scans the log in pages; there is no subject index yet, so a
//! report over a very large log takes time proportional to the log.

use std::collections::HashMap;

use liuhen_domain::{AccessRequestId, EntryKind, LedgerEntry, Role, UserId};
use serde::Serialize;
use time::OffsetDateTime;

use crate::error::{Result, ServiceError};
use crate::{Principal, Service, actor};
use liuhen_store::AuditRole;

/// Entries indexed per write job.
const INDEX_PAGE: u32 = 2_000;
/// Rows a report returns at most.
pub const MAX_ROWS: usize = 50_000;

/// What a report is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditSubject {
    /// A record, as ledger entries name it: `case:…`, `evidence:…`, `document:…`, `access:…`.
    Record(String),
    /// Everything a user did.
    User(UserId),
}

/// One row of an audit report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    /// The ledger index: the row can be proven with `/api/v1/ledger/entries/{index}/tlog-proof`.
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub time: OffsetDateTime,
    pub kind: String,
    pub label_zh: String,
    /// `user:…` or `system:…`.
    pub actor: String,
    /// The actor's login and name, when a user of the agency.
    pub actor_login: Option<String>,
    pub actor_name: Option<String>,
    pub subjects: Vec<String>,
    /// The 调阅 grant a read was made under, and its purpose.
    pub grant: Option<String>,
    pub purpose: Option<String>,
}

impl Service {
    /// An audit report, for supervisors and administrators of the agency.
    /// Reading it is itself recorded (`audit.read`).
    pub async fn audit_report(&self, me: &Principal, about: &AuditSubject) -> Result<Vec<AuditRow>> {
        Ok(self.audit_rows(me, about).await?.0)
    }

    /// The report's rows and the ledger index of the `audit.read` entry
    /// that records this reading.
    async fn audit_rows(&self, me: &Principal, about: &AuditSubject) -> Result<(Vec<AuditRow>, u64)> {
        if !matches!(me.user.role, Role::Supervisor | Role::Admin) || !me.user.active {
            return Err(ServiceError::Forbidden(
                "audit reports are for supervisors and administrators".into(),
            ));
        }
        let subject = match about {
            AuditSubject::Record(s) => {
                let ok = s.split_once(':').is_some_and(|(k, v)| {
                    matches!(
                        k,
                        "case"
                            | "evidence"
                            | "document"
                            | "act"
                            | "interruption"
                            | "access"
                            | "user"
                            | "unit"
                            | "credential"
                    ) && v.parse::<uuid::Uuid>().is_ok()
                });
                if !ok {
                    return Err(liuhen_domain::ValidationError::new(
                        "record",
                        "a record is `case:<uuid>`, `evidence:<uuid>`, `document:<uuid>`, …",
                    )
                    .into());
                }
                s.clone()
            }
            AuditSubject::User(u) => u.subject(),
        };
        let (now, who, agency) = (self.now(), me.user.clone(), me.user.agency_id.to_string());
        let read_seq = self
            .record_alone(now, EntryKind::AuditRead, actor(&who), Some(who.agency_id), vec![subject.clone()])
            .await?;
        self.catch_up_audit_index().await?;
        let (key, role) = match about {
            AuditSubject::Record(_) => (subject.as_str(), AuditRole::Subject),
            AuditSubject::User(_) => (subject.as_str(), AuditRole::Actor),
        };
        let mut rows = Vec::new();
        let mut tx = self.store.read().await?;
        // Rows of other agencies are skipped, so ask for some more than fit.
        let found = tx.audit_entries(key, role, u32::try_from(MAX_ROWS * 2).unwrap_or(u32::MAX)).await?;
        for stored in found {
            let Ok(e) = serde_json::from_slice::<LedgerEntry>(&stored.body) else { continue };
            // The index says where to look; the entry itself decides.
            let hit = match about {
                AuditSubject::Record(_) => e.subjects.contains(&subject),
                AuditSubject::User(_) => e.actor == subject,
            };
            if !hit || e.org.as_deref() != Some(agency.as_str()) {
                continue;
            }
            let time = OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.time) * 1_000_000)
                .map_err(|err| ServiceError::Internal(err.to_string()))?;
            let grant = e.subjects.iter().find(|s| s.starts_with("access:")).cloned();
            rows.push(AuditRow {
                seq: stored.seq,
                time,
                label_zh: EntryKind::from_code(&e.kind).map(|k| k.label_zh().to_owned()).unwrap_or_default(),
                kind: e.kind,
                actor: e.actor,
                actor_login: None,
                actor_name: None,
                subjects: e.subjects,
                grant,
                purpose: None,
            });
            if rows.len() >= MAX_ROWS {
                break;
            }
        }
        // Names for actors, purposes for grants.
        let users: Vec<UserId> = rows
            .iter()
            .filter_map(|r| r.actor.strip_prefix("user:").and_then(|u| u.parse().ok()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let known: HashMap<String, liuhen_domain::User> =
            tx.get_users(&users).await?.into_iter().map(|u| (u.id.subject(), u)).collect();
        let mut purposes: HashMap<String, Option<String>> = HashMap::new();
        for r in &mut rows {
            if let Some(u) = known.get(&r.actor) {
                r.actor_login = Some(u.login.clone());
                r.actor_name = Some(u.display_name.clone());
            }
            if let Some(g) = &r.grant {
                if !purposes.contains_key(g) {
                    let id: Option<AccessRequestId> = g.strip_prefix("access:").and_then(|v| v.parse().ok());
                    let purpose = match id {
                        Some(id) => tx.get_access_request(me.user.agency_id, id).await?.map(|a| a.purpose),
                        None => None,
                    };
                    purposes.insert(g.clone(), purpose);
                }
                r.purpose = purposes.get(g).cloned().flatten();
            }
        }
        tx.finish().await?;
        Ok((rows, read_seq))
    }

    /// Brings the audit index up to the head of the log, a page per write
    /// job (the writer is never held for long). The first report after a
    /// long time reads what was appended since; the rest is looked up.
    pub(crate) async fn catch_up_audit_index(&self) -> Result<()> {
        loop {
            let done = self
                .store
                .transact(move |tx| {
                    Box::pin(async move {
                        let from = tx.audit_indexed().await?;
                        let page = tx.read_entries(from, INDEX_PAGE).await?;
                        let mut entries = Vec::with_capacity(page.len());
                        let mut next = from;
                        for stored in &page {
                            if stored.seq != next {
                                break; // indexed in order, never past a missing index
                            }
                            next += 1;
                            // An entry that does not decode is indexed under nothing;
                            // `liuhen ledger verify` is where it is reported.
                            if let Ok(e) = serde_json::from_slice::<LedgerEntry>(&stored.body) {
                                entries.push((stored.seq, e.subjects, e.actor));
                            }
                        }
                        if next > from {
                            tx.audit_index_add(from, next, &entries).await?;
                        }
                        Ok::<_, ServiceError>(
                            page.len() < INDEX_PAGE as usize || next < from + page.len() as u64,
                        )
                    })
                })
                .await?;
            if done {
                return Ok(());
            }
        }
    }

    /// An audit report as a PDF for court: who the report is about and
    /// who made it, when, the ledger entry recording that, the latest signed
    /// checkpoint, then one table row per entry (its ledger index, time,
    /// what, who, the records named, the 调阅 grant and purpose). Reading it
    /// is recorded like the JSON and CSV forms.
    pub async fn audit_report_pdf(&self, me: &Principal, about: &AuditSubject) -> Result<Vec<u8>> {
        let (rows, read_seq) = self.audit_rows(me, about).await?;
        let now = self.now();
        let mut tx = self.store.read().await?;
        let agency = tx.get_unit(me.user.agency_id).await?;
        let checkpoint = tx.latest_checkpoint().await?;
        let (title, target) = match about {
            AuditSubject::Record(s) => ("记录调阅审计报告", s.clone()),
            AuditSubject::User(u) => {
                // A user of another agency is named by id only.
                let target = match tx.get_user(*u).await {
                    Ok(x) if x.agency_id == me.user.agency_id => {
                        format!("{}（{}，{}）{}", x.display_name, x.login, x.role.label_zh(), x.id.subject())
                    }
                    _ => u.subject(),
                };
                ("用户操作审计报告", target)
            }
        };
        tx.finish().await?;
        let who = format!("{}（{}，{}）", me.user.display_name, me.user.login, me.user.role.label_zh());
        let ledger = match &checkpoint {
            Some(c) => format!(
                "{}；最新签名检查点：树大小 {}，根哈希（SHA-256）{}",
                self.ledger.origin(),
                c.size,
                hex::encode(c.root)
            ),
            None => format!("{}；尚无签名检查点", self.ledger.origin()),
        };
        let count = if rows.len() >= MAX_ROWS {
            format!("{}（已达上限，其后的条目未列出）", rows.len())
        } else {
            rows.len().to_string()
        };
        let col = |h: &str, w: f64| liuhen_pdf::ReportColumn { header: h.to_owned(), width: w };
        let report = liuhen_pdf::TableReport {
            title: title.to_owned(),
            header: target.clone(),
            footer: format!("{} 生成于 {}，记入账本第 {read_seq} 条", me.user.login, beijing(now)),
            meta: vec![
                ("执法机关".to_owned(), agency.name),
                ("审计对象".to_owned(), target),
                ("生成人".to_owned(), who),
                ("生成时间（北京时间）".to_owned(), beijing(now)),
                (
                    "本次查阅的账本条目".to_owned(),
                    format!("第 {read_seq} 条（{}）", EntryKind::AuditRead.code()),
                ),
                ("账本".to_owned(), ledger),
                ("条目数".to_owned(), count),
            ],
            columns: vec![
                col("序号", 0.55),
                col("时间（北京时间）", 1.25),
                col("事项", 1.5),
                col("操作人", 1.3),
                col("涉及记录", 2.6),
                col("调阅授权及事由", 2.6),
            ],
            rows: rows
                .iter()
                .map(|r| {
                    let who = match (&r.actor_login, &r.actor_name) {
                        (Some(l), Some(n)) => format!("{l}\n{n}"),
                        _ => r.actor.clone(),
                    };
                    let grant =
                        [r.grant.clone(), r.purpose.clone()].into_iter().flatten().collect::<Vec<_>>();
                    vec![
                        r.seq.to_string(),
                        beijing(r.time),
                        format!("{}\n{}", r.label_zh, r.kind),
                        who,
                        r.subjects.join("\n"),
                        grant.join("\n"),
                    ]
                })
                .collect(),
            empty: "（账本中没有相关条目）".to_owned(),
            notes: vec![
                "每一行是留痕账本中的一个条目，序号即账本索引。任一行均可通过 \
                 GET /api/v1/ledger/entries/{序号}/tlog-proof 取得包含证明，并以 liuhen verify \
                 离线核验其包含于已签名的检查点；序号小于检查点树大小的条目已被该检查点覆盖。"
                    .to_owned(),
                "账本条目不含个人信息：操作人姓名、账号与调阅事由取自本系统生成报告时的记录。".to_owned(),
            ],
        };
        let renderer = self.renderer().await?;
        let pdf = tokio::task::spawn_blocking(move || renderer.render_report(&report))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(|e| ServiceError::Internal(format!("rendering the report: {e}")))?;
        Ok(pdf.bytes)
    }
}

/// A time as 北京时间, to the second.
fn beijing(t: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    liuhen_domain::when::in_beijing(t).format(&fmt).unwrap_or_default()
}

/// A report as CSV (UTF-8 with a byte-order mark, so spreadsheet programs
/// show the Chinese), one row per entry.
pub fn to_csv(rows: &[AuditRow]) -> String {
    fn field(s: &str) -> String {
        // A cell a spreadsheet would take for a formula (OWASP "CSV injection":
        // a leading = + - @, or a tab or carriage return) is kept as text by a
        // leading apostrophe; the 调阅事由 and names are typed by users.
        let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
        if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
    }
    let mut out = String::from(
        "\u{feff}序号(ledger index),时间(北京时间),事项,kind,操作人账号,操作人,actor,涉及记录,调阅授权,调阅事由\r\n",
    );
    for r in rows {
        let time = beijing(r.time);
        let cols = [
            r.seq.to_string(),
            time,
            r.label_zh.clone(),
            r.kind.clone(),
            r.actor_login.clone().unwrap_or_default(),
            r.actor_name.clone().unwrap_or_default(),
            r.actor.clone(),
            r.subjects.join(" "),
            r.grant.clone().unwrap_or_default(),
            r.purpose.clone().unwrap_or_default(),
        ];
        out.push_str(&cols.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn audit_csv_neutralises_formula_cells() {
        let row = AuditRow {
            seq: 7,
            time: time::macros::datetime!(2026-03-02 01:00 UTC),
            kind: "case.read".into(),
            label_zh: "查看案件".into(),
            actor: "user:x".into(),
            actor_login: Some("@officer".into()),
            actor_name: Some("=HYPERLINK(\"http://x\",\"点击\")".into()),
            subjects: vec!["case:1".into()],
            grant: Some("-1+1".into()),
            purpose: Some("+cmd|' /C calc'!A0".into()),
        };
        let csv = to_csv(&[row]);
        let line = csv.lines().nth(1).unwrap();
        assert!(line.contains(",'@officer,"), "{line}");
        assert!(line.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"点击\"\")\","), "{line}");
        assert!(line.contains(",'-1+1,"), "{line}");
        assert!(line.ends_with(",'+cmd|' /C calc'!A0"), "{line}");
        for cell in line.split(',') {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell} in {line}");
        }
    }
}
