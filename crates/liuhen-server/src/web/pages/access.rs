//! 调阅: asking to read a case outside one's own scope, deciding requests,
//! and one's grants while they run.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use liuhen_domain::{AccessRequest, MAX_ACCESS_DAYS, User, UserId};
use liuhen_service::workbench::may_decide_access;

use crate::AppState;
use crate::web::frame::{Frame, OrPage, PageResult, Viewer, finish, render};

/// One request as the list shows it.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub r: AccessRequest,
    pub requester: String,
    pub approvers: String,
    pub rejected_by: String,
    /// Whether the reader may approve or reject it now.
    pub may_decide: bool,
}

/// One of the reader's granted requests.
#[derive(Debug, Clone)]
pub struct Grant {
    pub r: AccessRequest,
    pub live: bool,
}

#[derive(Template)]
#[template(path = "access.html")]
pub struct AccessPage {
    c: Frame,
    rows: Vec<RequestRow>,
    grants: Vec<Grant>,
    max_days: u32,
    decides: bool,
}

pub async fn page(State(s): State<AppState>, v: Viewer) -> Response {
    finish(build(&s, v).await)
}

async fn build(s: &AppState, v: Viewer) -> PageResult {
    if !liuhen_service::scope::may_request_access(&v.me.user) {
        return Err(crate::web::frame::not_found(v.frame));
    }
    let requests = s.service.list_access_requests(&v.me).await.or_page(&v.frame)?;
    let users = s.service.list_users(&v.me).await.or_page(&v.frame)?;
    let now = s.service.now();
    let me = &v.me.user;
    let rows: Vec<RequestRow> = requests
        .iter()
        .map(|r| RequestRow {
            requester: name_of(&users, r.requester),
            approvers: r.approvals.iter().map(|u| name_of(&users, *u)).collect::<Vec<_>>().join("、"),
            rejected_by: r.rejected_by.map(|u| name_of(&users, u)).unwrap_or_default(),
            may_decide: may_decide_access(me, r),
            r: r.clone(),
        })
        .collect();
    let grants = requests
        .into_iter()
        .filter(|r| r.requester == me.id && r.granted_until.is_some())
        .map(|r| Grant { live: r.grant_live_at(now), r })
        .collect();
    let page = AccessPage {
        decides: rows.iter().any(|r| r.may_decide),
        c: v.frame,
        rows,
        grants,
        max_days: MAX_ACCESS_DAYS,
    };
    Ok(render(&page))
}

fn name_of(users: &[User], id: UserId) -> String {
    users.iter().find(|u| u.id == id).map_or_else(|| id.to_string(), |u| u.display_name.clone())
}
