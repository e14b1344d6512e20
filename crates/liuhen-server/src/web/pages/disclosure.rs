//! 公示管理: the decisions waiting to be published, with their deadlines; the redacted text and
//! what it masked; propose, confirm, publish and withdraw — each button shown only to the roles
//! the rulebook names (the service says which, per disclosure); and the 事前公开 items for those
//! who publish. The rules are the service's; this page shows its answers.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use liuhen_domain::{DisclosureState, PriorItem, PriorKind, Role, WithdrawalGround};
use liuhen_service::disclosure::DisclosureView;

use crate::AppState;
use crate::web::frame::{Frame, OrPage, PageResult, Viewer, finish, render};

#[derive(Template)]
#[template(path = "disclosure.html")]
pub struct DisclosurePage {
    c: Frame,
    waiting: Vec<DisclosureView>,
    done: Vec<DisclosureView>,
    prior: Option<Vec<PriorItem>>,
    /// Whether the reader keeps the 事前公开 items (adds, changes, publishes).
    keeps_prior: bool,
    kinds: &'static [PriorKind],
    grounds: &'static [WithdrawalGround],
    today: String,
}

impl DisclosurePage {
    fn may(&self, d: &DisclosureView, action: &str) -> bool {
        d.actions.iter().any(|a| a == action)
    }
    fn badge(&self, d: &DisclosureView) -> &'static str {
        match d.deadline.as_str() {
            "overdue" => "past",
            "due_soon" => "near",
            "done" => "ok",
            _ => "info",
        }
    }
    fn published(&self, d: &DisclosureView) -> bool {
        d.disclosure.state == DisclosureState::Published
    }
}

pub async fn page(State(s): State<AppState>, v: Viewer) -> Response {
    finish(build(&s, v).await)
}

async fn build(s: &AppState, v: Viewer) -> PageResult {
    if !matches!(v.me.user.role, Role::Officer | Role::Reviewer | Role::Leader | Role::Supervisor) {
        return Err(crate::web::frame::not_found(v.frame));
    }
    let all = s.service.disclosures(&v.me, None).await.or_page(&v.frame)?;
    let (waiting, done): (Vec<_>, Vec<_>) = all.into_iter().partition(|d| d.deadline != "done");
    let prior = s.service.prior_items(&v.me).await.ok();
    let keeps_prior = s.service.may_disclose(&v.me, liuhen_service::disclosure::DisclosureAction::Publish);
    let today = liuhen_domain::when::in_beijing(s.service.now()).date().to_string();
    Ok(render(&DisclosurePage {
        c: v.frame,
        waiting,
        done,
        prior,
        keeps_prior,
        kinds: PriorKind::ALL,
        grounds: WithdrawalGround::ALL,
        today,
    }))
}
