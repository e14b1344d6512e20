//! 法制审核 workspace: the proposed decision and its versions, why it is
//! major, the checklist, the opinion and its outcome, the deadline, and
//! issuing the decision once it passed.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use liuhen_domain::{CaseId, ChecklistItem, ReviewOutcome};
use liuhen_service::overview::CaseOverview;

use crate::AppState;
use crate::web::frame::{Frame, OrPage, PageResult, Viewer, finish, render, yuan};

#[derive(Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    c: Frame,
    o: CaseOverview,
    fine: String,
    fine_input: String,
    measures: Vec<(&'static str, &'static str, bool)>,
    items: &'static [ChecklistItem],
    outcomes: &'static [ReviewOutcome],
    /// A submission waits for an opinion.
    pending: bool,
    may_propose: bool,
    may_submit: bool,
    may_opine: bool,
    may_issue: bool,
}

impl ReviewPage {
    fn person(&self, id: &Option<liuhen_domain::UserId>) -> String {
        id.map(|u| self.o.name_of(&u)).unwrap_or_default()
    }

    fn person_id(&self, id: &liuhen_domain::UserId) -> String {
        self.o.name_of(id)
    }
}

pub async fn page(State(s): State<AppState>, v: Viewer, Path(id): Path<String>) -> Response {
    finish(build(&s, v, &id).await)
}

async fn build(s: &AppState, v: Viewer, id: &str) -> PageResult {
    let Ok(id) = id.parse::<CaseId>() else { return Err(crate::web::frame::not_found(v.frame)) };
    let o = s.service.case_overview(&v.me, id).await.or_page(&v.frame)?;
    let r = &o.review;
    let decision = r.decision.as_ref();
    let issued = decision.is_some_and(|d| d.issued_at.is_some());
    let pending = r.reviews.iter().any(|x| x.opinion.is_none());
    let stage_ok =
        matches!(o.case.stage, liuhen_domain::Stage::Investigation | liuhen_domain::Stage::Decision);
    let chosen: Vec<String> = decision.map(|d| d.decision.measures.clone()).unwrap_or_default();
    let measures = liuhen_service::review::measure_choices()
        .into_iter()
        .map(|(code, zh)| (code, zh, chosen.iter().any(|m| m == code || m == zh)))
        .collect();
    let fen = decision.map_or(0, |d| i64::try_from(d.decision.fine_fen).unwrap_or(i64::MAX));
    let page = ReviewPage {
        fine: yuan(fen),
        fine_input: decision.map(|_| format!("{}.{:02}", fen / 100, fen % 100)).unwrap_or_default(),
        measures,
        items: ChecklistItem::ALL,
        outcomes: ReviewOutcome::ALL,
        may_propose: o.can.record && stage_ok && !issued && !pending,
        may_submit: o.can.record && decision.is_some() && !issued && !pending && r.major && !r.passed,
        may_opine: o.can.review && pending,
        may_issue: o.can.issue && decision.is_some() && !issued && (r.passed || !r.major),
        pending,
        c: v.frame,
        o,
    };
    Ok(render(&page))
}
