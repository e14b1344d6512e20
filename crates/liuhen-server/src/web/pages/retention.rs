//! 档案保管: records whose retention ran out, destruction requests with their 销毁清册 and
//! approvals, and legal holds. Archivists request and hold; 负责人 and 监督人员 approve with them.
//! The rules (who may, what is due, what blocks) are the service's; this page shows its answers.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use liuhen_domain::{DestructionState, Hold, Role, User, UserId};
use liuhen_service::retention::{DestructionView, RegisterItem};

use crate::AppState;
use crate::web::frame::{Frame, OrPage, PageResult, Viewer, finish, render};

/// One destruction as the list shows it.
pub struct Row {
    pub d: DestructionView,
    pub requester: String,
    pub approvers: String,
    /// Whether the reader may approve it now (another person, not yet approved by them).
    pub may_approve: bool,
    /// Whether the reader may withdraw or refuse it now.
    pub may_withdraw: bool,
}

impl Row {
    pub fn open(&self) -> bool {
        self.d.destruction.state == DestructionState::Requested
    }
}

#[derive(Template)]
#[template(path = "retention.html")]
pub struct RetentionPage {
    c: Frame,
    archivist: bool,
    due: Vec<RegisterItem>,
    rows: Vec<Row>,
    holds: Vec<(Hold, String)>,
}

pub async fn page(State(s): State<AppState>, v: Viewer) -> Response {
    finish(build(&s, v).await)
}

async fn build(s: &AppState, v: Viewer) -> PageResult {
    let role = v.me.user.role;
    if !matches!(role, Role::Archivist | Role::Leader | Role::Supervisor) {
        return Err(crate::web::frame::not_found(v.frame));
    }
    let archivist = role == Role::Archivist;
    let users = s.service.list_users(&v.me).await.or_page(&v.frame)?;
    let due =
        if archivist { s.service.due_for_destruction(&v.me).await.or_page(&v.frame)? } else { Vec::new() };
    let holds = if archivist {
        let all = s.service.holds(&v.me, None).await.or_page(&v.frame)?;
        all.into_iter().filter(Hold::live).map(|h| (h.clone(), name_of(&users, h.placed_by))).collect()
    } else {
        Vec::new()
    };
    let me = v.me.user.id;
    let rows = s
        .service
        .destructions(&v.me)
        .await
        .or_page(&v.frame)?
        .into_iter()
        .map(|d| {
            let open = d.destruction.state == DestructionState::Requested;
            let mine = d.destruction.requested_by == me;
            let approved = d.destruction.approvals.iter().any(|a| a.approver == me);
            Row {
                requester: name_of(&users, d.destruction.requested_by),
                approvers: d
                    .destruction
                    .approvals
                    .iter()
                    .map(|a| name_of(&users, a.approver))
                    .collect::<Vec<_>>()
                    .join("、"),
                may_approve: open && !mine && !approved,
                may_withdraw: open,
                d,
            }
        })
        .collect();
    let page = RetentionPage { c: v.frame, archivist, due, rows, holds };
    Ok(render(&page))
}

fn name_of(users: &[User], id: UserId) -> String {
    users.iter().find(|u| u.id == id).map_or_else(|| id.to_string(), |u| u.display_name.clone())
}
