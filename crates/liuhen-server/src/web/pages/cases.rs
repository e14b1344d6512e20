//! The case list with its filters, and opening a case (立案).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use liuhen_domain::{CaseKind, Confidentiality, OrgUnit, PersonIdKind, Procedure, Role, Stage, User};
use liuhen_service::CaseQuery;
use liuhen_service::workbench::{CaseRow, DeadlineState};
use serde::Deserialize;

use crate::AppState;
use crate::web::frame::{Frame, OrPage, PageResult, Viewer, finish, render, urlencode};

/// The filters as the page's form sends them (all text, so that a bad
/// value is answered in the page, not by a bare rejection).
#[derive(Debug, Default, Deserialize)]
pub struct ListForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    page: String,
}

const PAGE: u32 = 50;

#[derive(Template)]
#[template(path = "cases.html")]
pub struct CasesPage {
    c: Frame,
    f: ListForm,
    rows: Vec<CaseRow>,
    total: u64,
    units: Vec<OrgUnit>,
    stages: &'static [Stage],
    kinds: &'static [CaseKind],
    labels: &'static [Confidentiality],
    may_open: bool,
    prev: Option<String>,
    next: Option<String>,
    error: Option<String>,
}

fn parse<T>(field: &str, v: &str, f: impl Fn(&str) -> Option<T>) -> Result<Option<T>, String> {
    if v.is_empty() {
        return Ok(None);
    }
    f(v).map(Some).ok_or_else(|| format!("{field}: {v}"))
}

pub async fn list(State(s): State<AppState>, v: Viewer, Query(f): Query<ListForm>) -> Response {
    finish(build_list(&s, v, f).await)
}

async fn build_list(s: &AppState, v: Viewer, f: ListForm) -> PageResult {
    if matches!(v.me.user.role, Role::Station | Role::Admin) {
        return Err(crate::web::frame::not_found(v.frame));
    }
    let units = s.service.list_units(&v.me).await.or_page(&v.frame)?;
    let page_no = match f.page.trim() {
        "" => Ok(0),
        p => p.parse::<u32>().map_err(|_| format!("page: {p}")),
    };
    let current = page_no.clone().unwrap_or(0);
    let parsed = (|| -> Result<(CaseQuery, Option<DeadlineState>), String> {
        let deadline = parse("deadline", &f.deadline, |d| match d {
            "past" => Some(DeadlineState::Past),
            "near" => Some(DeadlineState::Near),
            "running" => Some(DeadlineState::Running),
            "none" => Some(DeadlineState::None),
            _ => None,
        })?;
        let q = CaseQuery {
            q: (!f.q.trim().is_empty()).then(|| f.q.trim().to_owned()),
            stage: parse("stage", &f.stage, Stage::from_code)?,
            kind: parse("kind", &f.kind, CaseKind::from_code)?,
            unit: parse("unit", &f.unit, |u| units.iter().find(|x| x.id.to_string() == u).map(|x| x.id))?,
            label: parse("label", &f.label, Confidentiality::from_code)?,
            open_only: false,
            limit: Some(PAGE),
            offset: Some(page_no?.saturating_mul(PAGE)),
        };
        Ok((q, deadline))
    })();
    let (rows, total, error) = match parsed {
        Ok((q, deadline)) => {
            let (rows, total) = s.service.case_rows(&v.me, &q, deadline).await.or_page(&v.frame)?;
            (rows, total, None)
        }
        Err(e) => (Vec::new(), 0, Some(e)),
    };
    let link = |page: u32| {
        format!(
            "/cases?q={}&stage={}&kind={}&unit={}&label={}&deadline={}&page={page}",
            urlencode(&f.q),
            urlencode(&f.stage),
            urlencode(&f.kind),
            urlencode(&f.unit),
            urlencode(&f.label),
            urlencode(&f.deadline)
        )
    };
    let shown_to = u64::from(current.saturating_add(1)).saturating_mul(u64::from(PAGE));
    let page = CasesPage {
        prev: (current > 0).then(|| link(current - 1)),
        next: (f.deadline.is_empty() && shown_to < total).then(|| link(current.saturating_add(1))),
        may_open: liuhen_service::scope::may_open_cases(v.me.user.role),
        c: v.frame,
        f,
        rows,
        total,
        units,
        stages: Stage::ALL,
        kinds: CaseKind::ALL,
        labels: Confidentiality::ALL,
        error,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "case_new.html")]
pub struct NewCasePage {
    c: Frame,
    kinds: &'static [CaseKind],
    procedures: &'static [Procedure],
    labels: Vec<Confidentiality>,
    id_kinds: &'static [PersonIdKind],
    units: Vec<OrgUnit>,
    officers: Vec<User>,
    my_unit: String,
    me_id: String,
}

pub async fn new(State(s): State<AppState>, v: Viewer) -> Response {
    finish(build_new(&s, v).await)
}

async fn build_new(s: &AppState, v: Viewer) -> PageResult {
    if !liuhen_service::scope::may_open_cases(v.me.user.role) {
        return Err(crate::web::frame::not_found(v.frame));
    }
    let units = s.service.list_units(&v.me).await.or_page(&v.frame)?;
    let users = s.service.list_users(&v.me).await.or_page(&v.frame)?;
    let officers = users.into_iter().filter(liuhen_service::scope::may_enforce).collect();
    let page = NewCasePage {
        kinds: CaseKind::ALL,
        procedures: Procedure::ALL,
        labels: Confidentiality::ALL.iter().copied().filter(|l| *l != Confidentiality::StateSecret).collect(),
        id_kinds: PersonIdKind::ALL,
        units,
        officers,
        my_unit: v.me.user.unit_id.to_string(),
        me_id: v.me.user.id.to_string(),
        c: v.frame,
    };
    Ok(render(&page))
}
