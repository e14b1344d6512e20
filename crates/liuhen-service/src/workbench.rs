//! What waits for a person (工作台): the open cases they work on with the
//! state of each handling limit, the legal reviews waiting for a reviewer,
//! the 调阅 requests they may decide, the drafts a leader may issue, the
//! alerts a supervisor watches, and a docking station's latest uploads.
//! Every list is read through the same scope and clearance as the API's,
//! and recorded like a case list.

use std::sync::Arc;

use liuhen_domain::{AccessRequest, CaseId, Document, EntryKind, Evidence, Role, User};
use liuhen_store::{CaseSummary, StoredReview};
use serde::Serialize;

use crate::error::Result;
use crate::limits::{LimitState, limit_of};
use crate::supervision::{EventClass, SupervisionEvent};
use crate::{CaseQuery, Principal, Service, actor};

/// Where a case stands against its handling limit (办案期限).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    /// No limit applies (no procedure, or past the stage it runs to).
    None,
    /// Running, not yet near its end.
    Running,
    /// Within the warning days of its end (yellow).
    Near,
    /// Past its end (red).
    Past,
    /// It cannot be computed (e.g. the calendar does not cover the date).
    Unknown,
}

/// One case of a list, with its handling-limit state.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseRow {
    #[serde(flatten)]
    pub case: CaseSummary,
    pub deadline: DeadlineState,
    /// What the limit finding says, when there is one.
    pub deadline_zh: Option<String>,
    pub deadline_en: Option<String>,
}

/// A legal review waiting for an opinion.
#[derive(Debug, Clone, Serialize)]
pub struct WaitingReview {
    pub case_id: CaseId,
    pub case_number: String,
    pub cause: String,
    pub review: StoredReview,
    /// Why the review's due date is not known, when it is not (the
    /// rulebook has no 节假日安排 for the year).
    pub due_unknown_zh: Option<String>,
    pub due_unknown_en: Option<String>,
}

/// A draft waiting to be issued.
#[derive(Debug, Clone, Serialize)]
pub struct WaitingDraft {
    pub document: Document,
    pub case_number: String,
}

/// What waits for one person.
#[derive(Debug, Clone)]
pub struct Workbench {
    /// Open cases within the person's scope, newest first (at most 50).
    pub cases: Vec<CaseRow>,
    pub reviews: Vec<WaitingReview>,
    /// 调阅 requests the person may approve or reject.
    pub approvals: Vec<AccessRequest>,
    /// The person's own requests, with their grants.
    pub my_requests: Vec<AccessRequest>,
    /// Drafts the person may issue (leaders).
    pub drafts: Vec<WaitingDraft>,
    /// The latest alerts of the supervision stream (supervisors, leaders).
    pub alerts: Vec<Arc<SupervisionEvent>>,
    /// A docking station's latest uploads, newest first (at most 20).
    pub uploads: Vec<Evidence>,
    /// Decisions waiting to be published (执法公示), the soonest due first, with their deadline
    /// state; for officers, reviewers, leaders and supervisors.
    pub disclosures: Vec<crate::disclosure::DisclosureView>,
}

/// Whether `me` may approve or reject `r` now: a leader or supervisor,
/// not its requester, while it is undecided and they have not approved it.
pub fn may_decide_access(me: &User, r: &AccessRequest) -> bool {
    crate::access::refusal_to_decide(me, r).is_none()
}

impl Service {
    /// A case list (as [`Service::list_cases`], recorded the same way) with
    /// each case's handling-limit state; `deadline` keeps only cases in
    /// that state (then searched among the first 200 matching cases).
    pub async fn case_rows(
        &self,
        me: &Principal,
        q: &CaseQuery,
        deadline: Option<DeadlineState>,
    ) -> Result<(Vec<CaseRow>, u64)> {
        let mut q = q.clone();
        if deadline.is_some() {
            q.limit = Some(200);
            q.offset = None;
        }
        let (cases, total) = self.list_cases(me, &q).await?;
        let policy = self.policy()?;
        let now = self.now();
        let scope = self.read_scope(me);
        let mut rows = Vec::with_capacity(cases.len());
        let mut tx = self.store.read().await?;
        for summary in cases {
            let (state, zh, en) = match tx.get_case_in_scope(summary.id, &scope).await? {
                Some(case) => {
                    let acts = tx.list_acts(case.id).await?;
                    match limit_of(&mut tx, &policy, &case, &acts, now).await? {
                        Some(limit) => {
                            let state = match limit.state {
                                LimitState::Past => DeadlineState::Past,
                                LimitState::Near => DeadlineState::Near,
                                LimitState::Unknown => DeadlineState::Unknown,
                                LimitState::Running | LimitState::NotStarted
                                    if case.stage != liuhen_domain::Stage::Archived =>
                                {
                                    DeadlineState::Running
                                }
                                _ => DeadlineState::None,
                            };
                            let f = limit.finding.filter(|_| state != DeadlineState::None);
                            (state, f.as_ref().map(|f| f.message_zh.clone()), f.map(|f| f.message_en))
                        }
                        None => (DeadlineState::None, None, None),
                    }
                }
                None => (DeadlineState::None, None, None),
            };
            if deadline.is_none_or(|d| d == state) {
                rows.push(CaseRow { case: summary, deadline: state, deadline_zh: zh, deadline_en: en });
            }
        }
        tx.finish().await?;
        let total = if deadline.is_some() { rows.len() as u64 } else { total };
        Ok((rows, total))
    }

    /// What waits for `me`.
    pub async fn workbench(&self, me: &Principal) -> Result<Workbench> {
        let role = me.user.role;
        let sees_cases = !matches!(role, Role::Station | Role::Admin);
        let cases = if sees_cases {
            let q = CaseQuery { open_only: role != Role::Archivist, limit: Some(50), ..CaseQuery::default() };
            self.case_rows(me, &q, None).await?.0
        } else {
            Vec::new()
        };
        let scope = self.read_scope(me);
        let mut tx = self.store.read().await?;
        let reviews = if role == Role::Reviewer {
            let policy = self.policy()?;
            tx.waiting_reviews(&scope)
                .await?
                .into_iter()
                .map(|(case_id, case_number, cause, mut review)| {
                    // Its due date, once the rulebook's calendar covers the period;
                    // still `None` (shown as not computable) until then.
                    let unknown = crate::review::complete_due_date(&policy, &mut review).err();
                    WaitingReview {
                        case_id,
                        case_number,
                        cause,
                        review,
                        due_unknown_zh: unknown.as_ref().map(|e| e.message_zh()),
                        due_unknown_en: unknown.as_ref().map(|e| e.to_string()),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let drafts: Vec<WaitingDraft> = if role == Role::Leader {
            tx.drafts_in_scope(&scope)
                .await?
                .into_iter()
                .filter(|(d, _)| me.user.cleared_for(d.label))
                .map(|(document, case_number)| WaitingDraft { document, case_number })
                .collect()
        } else {
            Vec::new()
        };
        tx.finish().await?;
        // Reviews and drafts name their cases (number and 案由): a list read of those.
        let mut shown: Vec<String> = reviews.iter().map(|r: &WaitingReview| r.case_id.subject()).collect();
        shown.extend(drafts.iter().map(|d| d.document.case_id.subject()));
        shown.sort();
        shown.dedup();
        if !shown.is_empty() {
            let now = self.now();
            self.record_read_as(EntryKind::CasesListed, now, actor(&me.user), Some(me.user.agency_id), shown)
                .await?;
        }
        let requests = if sees_cases { self.list_access_requests(me).await? } else { Vec::new() };
        let (approvals, my_requests): (Vec<_>, Vec<_>) =
            requests.into_iter().partition(|r| may_decide_access(&me.user, r));
        let my_requests = my_requests.into_iter().filter(|r| r.requester == me.user.id).collect();
        let alerts = if matches!(role, Role::Supervisor | Role::Leader) {
            self.recent_supervision(me, 20)
                .await?
                .into_iter()
                .filter(|e| e.class == EventClass::Alert)
                .collect()
        } else {
            Vec::new()
        };
        let uploads = if role == Role::Station {
            let list = self.store.recent_uploads(me.user.id, me.user.unit_id, 20).await?;
            // The station reads what it uploaded: one read entry naming every file shown.
            if !list.is_empty() {
                let subjects = list.iter().map(|e| e.id.subject()).collect();
                self.record_read_as(
                    EntryKind::EvidenceRead,
                    self.now(),
                    actor(&me.user),
                    Some(me.user.agency_id),
                    subjects,
                )
                .await?;
            }
            list
        } else {
            Vec::new()
        };
        let disclosures = if matches!(role, Role::Officer | Role::Reviewer | Role::Leader | Role::Supervisor)
        {
            self.disclosures(me, None).await?.into_iter().filter(|d| d.deadline != "done").take(50).collect()
        } else {
            Vec::new()
        };
        Ok(Workbench { cases, reviews, approvals, my_requests, drafts, alerts, uploads, disclosures })
    }
}
