//! 工作台: what waits for the signed-in person.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use liuhen_domain::Role;
use liuhen_service::workbench::{DeadlineState, Workbench};

use crate::AppState;
use crate::web::frame::{Frame, OrPage, PageResult, Viewer, finish, render};

#[derive(Template)]
#[template(path = "workbench.html")]
pub struct WorkbenchPage {
    c: Frame,
    w: Workbench,
    shows_cases: bool,
    may_open: bool,
    is_reviewer: bool,
    is_leader: bool,
    is_archivist: bool,
    is_station: bool,
    is_admin: bool,
    decides_access: bool,
    watches: bool,
    people: crate::web::frame::People,
}

impl WorkbenchPage {
    fn names(&self, text: &str) -> String {
        self.people.humanize(text)
    }
}

pub async fn page(State(s): State<AppState>, v: Viewer) -> Response {
    finish(build(&s, v).await)
}

async fn build(s: &AppState, v: Viewer) -> PageResult {
    let w = s.service.workbench(&v.me).await.or_page(&v.frame)?;
    let role = v.me.user.role;
    let people = if w.alerts.is_empty() {
        crate::web::frame::People::default()
    } else {
        crate::web::frame::People::of(s.service.list_users(&v.me).await.or_page(&v.frame)?)
    };
    let page = WorkbenchPage {
        people,
        c: v.frame,
        w,
        shows_cases: !matches!(role, Role::Station | Role::Admin),
        may_open: liuhen_service::scope::may_open_cases(role),
        is_reviewer: role == Role::Reviewer,
        is_leader: role == Role::Leader,
        is_archivist: role == Role::Archivist,
        is_station: role == Role::Station,
        is_admin: role == Role::Admin,
        decides_access: matches!(role, Role::Leader | Role::Supervisor),
        watches: matches!(role, Role::Leader | Role::Supervisor),
    };
    Ok(render(&page))
}
