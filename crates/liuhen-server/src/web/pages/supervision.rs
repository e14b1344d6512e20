//! Supervision: the live feed over the SSE stream (alerts highlighted,
//! filters), and audit reports per record or per person with CSV and PDF.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use liuhen_domain::{Role, User, UserId};
use liuhen_service::audit::{AuditRow, AuditSubject};
use liuhen_service::supervision::SupervisionEvent;
use serde::Deserialize;

use crate::AppState;
use crate::web::frame::{Frame, OrPage, PageResult, People, Viewer, WebError, finish, render, urlencode};

#[derive(Template)]
#[template(path = "supervision.html")]
pub struct SupervisionPage {
    c: Frame,
    recent: Vec<Arc<SupervisionEvent>>,
    people: People,
    /// `{"user:<id>": "姓名", …}` for the live feed's script.
    people_json: String,
    may_audit: bool,
    reads_ledger: bool,
}

impl SupervisionPage {
    fn names(&self, text: &str) -> String {
        self.people.humanize(text)
    }

    /// What an event names, for people: a record as a link (cases, evidence,
    /// documents), several cases as a count, a person by name; credentials
    /// and internal subjects left out.
    fn subjects(&self, subjects: &[String]) -> Vec<(String, String)> {
        let zh = self.c.lang == crate::web::frame::Lang::Zh;
        let cases = subjects.iter().filter(|s| s.starts_with("case:")).count();
        // Administrators read no records: their feed names them without links.
        let links = !self.c.role().is_some_and(|r| matches!(r, Role::Admin | Role::Station));
        let mut out = Vec::new();
        if cases > 3 {
            out.push((if zh { format!("{cases} 个案件") } else { format!("{cases} cases") }, String::new()));
        }
        for s in subjects {
            let Some((kind, id)) = s.split_once(':') else { continue };
            let (label, href) = match kind {
                "case" if cases <= 3 => (self.c.t("案件", "case"), format!("/cases/{id}")),
                "evidence" => (self.c.t("证据", "evidence"), format!("/evidence/{id}")),
                "document" => (self.c.t("文书", "document"), format!("/documents/{id}")),
                "access" => (self.c.t("调阅授权", "grant"), "/access".to_owned()),
                "user" => {
                    out.push((self.people.humanize(s), String::new()));
                    continue;
                }
                _ => continue,
            };
            out.push((label.to_owned(), if links { href } else { String::new() }));
        }
        out
    }

    fn class_of(&self, e: &SupervisionEvent) -> String {
        serde_json::to_value(e.class).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }
}

fn people_json(users: &[User]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = users
        .iter()
        .map(|u| (format!("user:{}", u.id), serde_json::Value::String(u.display_name.clone())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

pub async fn page(State(s): State<AppState>, v: Viewer) -> Response {
    finish(build(&s, v).await)
}

async fn build(s: &AppState, v: Viewer) -> PageResult {
    if !matches!(v.me.user.role, Role::Supervisor | Role::Leader | Role::Admin) {
        return Err(crate::web::frame::not_found(v.frame));
    }
    let recent = s.service.recent_supervision(&v.me, 50).await.or_page(&v.frame)?;
    let users = s.service.list_users(&v.me).await.or_page(&v.frame)?;
    let page = SupervisionPage {
        people_json: people_json(&users),
        people: People::of(users),
        recent: recent.into_iter().rev().collect(),
        may_audit: matches!(v.me.user.role, Role::Supervisor | Role::Admin),
        reads_ledger: liuhen_service::scope::may_read_ledger_entries(&v.me.user),
        c: v.frame,
    };
    Ok(render(&page))
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    record: String,
    #[serde(default)]
    user: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    c: Frame,
    q: AuditQuery,
    rows: Vec<AuditRow>,
    asked: bool,
    users: Vec<User>,
    /// Download links of the report (CSV, PDF).
    csv: String,
    pdf: String,
    error: Option<String>,
}

pub async fn audit(State(s): State<AppState>, v: Viewer, Query(q): Query<AuditQuery>) -> Response {
    finish(build_audit(&s, v, q).await)
}

async fn build_audit(s: &AppState, v: Viewer, q: AuditQuery) -> PageResult {
    if !matches!(v.me.user.role, Role::Supervisor | Role::Admin) {
        return Err(crate::web::frame::not_found(v.frame));
    }
    let users = s.service.list_users(&v.me).await.or_page(&v.frame)?;
    let subject = if !q.record.trim().is_empty() {
        Some(Ok(AuditSubject::Record(q.record.trim().to_owned())))
    } else if !q.user.trim().is_empty() {
        Some(q.user.trim().parse::<UserId>().map(AuditSubject::User).map_err(|_| q.user.clone()))
    } else {
        None
    };
    let (rows, error, csv, pdf) = match subject {
        None => (Vec::new(), None, String::new(), String::new()),
        Some(Err(bad)) => (Vec::new(), Some(format!("user: {bad}")), String::new(), String::new()),
        Some(Ok(subject)) => {
            let base = match &subject {
                AuditSubject::Record(r) => format!("/api/v1/audit/records/{}", urlencode(r)),
                AuditSubject::User(u) => format!("/api/v1/audit/users/{u}"),
            };
            match s.service.audit_report(&v.me, &subject).await {
                Ok(rows) => (rows, None, format!("{base}?format=csv"), format!("{base}?format=pdf")),
                Err(e) => {
                    let e = WebError::service(e);
                    (Vec::new(), Some(e.zh), String::new(), String::new())
                }
            }
        }
    };
    let page = AuditPage { asked: !csv.is_empty(), c: v.frame, q, rows, users, csv, pdf, error };
    Ok(render(&page))
}
