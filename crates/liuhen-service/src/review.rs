//! 重大执法决定法制审核: a case's proposed decision is measured against the
//! major-decision catalogue; a major one cannot be issued until a reviewer
//! holding 法律职业资格 has passed its current version, answering every
//! checklist item. Returned decisions are revised and resubmitted; every
//! version and every review is kept, and every step is a ledger entry.

use liuhen_domain::{
    Case, CaseId, EntryKind, ProposedDecision, ReviewOpinion, ReviewOutcome, Stage, ValidationError,
};
use liuhen_policy::CalendarError;
use liuhen_policy::{Decision, Fen, Measure, PartyType};
use liuhen_store::{StoredDecision, StoredReview};
use serde::Serialize;
use time::format_description::well_known::Iso8601;
use time::{Date, OffsetDateTime};

use crate::error::{Result, ServiceError};
use crate::scope::{case_scope, may_direct, may_record_acts};
use crate::secrets::random_bytes;
use crate::{Principal, Service, actor, record};

/// Where a case's review stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewStatus {
    pub decision: Option<StoredDecision>,
    /// Whether the current decision needs legal review, and why.
    pub major: bool,
    pub reasons: Vec<String>,
    pub reviews: Vec<StoredReview>,
    /// The current version has passed review (同意).
    pub passed: bool,
    /// `none`, `pending`, `due_soon` (two working days or less), `overdue`,
    /// or `calendar_not_covered`: the rulebook has no 节假日安排 for a year
    /// the review period reaches, so no due date can be computed (the
    /// review is pending all the same); `unknown` for a date out of range.
    pub deadline: String,
    /// Why the due date is not known, when it is not.
    pub deadline_zh: Option<String>,
    pub deadline_en: Option<String>,
}

fn china_today(now: OffsetDateTime) -> Date {
    liuhen_domain::when::in_beijing(now).date()
}

/// The last day of a legal review submitted on `submitted`, on the
/// rulebook's calendar: an error (never a weekends-only guess) when the
/// calendar does not cover the period.
fn review_due(policy: &liuhen_policy::Policy, submitted: Date) -> std::result::Result<String, CalendarError> {
    let due = policy.review_deadline(submitted)?;
    due.format(&Iso8601::DATE).map_err(|_| CalendarError::OutOfRange)
}

/// Fills in the due date of a review submitted while the calendar did not
/// cover its period, once the rulebook does (computed as at submission,
/// not stored); `Err` says why it is still unknown.
pub(crate) fn complete_due_date(
    policy: &liuhen_policy::Policy,
    r: &mut StoredReview,
) -> std::result::Result<(), CalendarError> {
    if r.due_date.is_none() {
        r.due_date = Some(review_due(policy, china_today(r.submitted_at))?);
    }
    Ok(())
}

/// The state and messages of a review whose due date cannot be computed.
fn not_computable(e: &CalendarError) -> (String, Option<String>, Option<String>) {
    let state = match e {
        CalendarError::YearNotCovered(_) => "calendar_not_covered",
        CalendarError::OutOfRange => "unknown",
    };
    (
        state.to_owned(),
        Some(format!("法制审核期限无法计算：{}", e.message_zh())),
        Some(format!("the legal review's due date cannot be computed: {e}")),
    )
}

/// The catalogue's thresholds differ by party type; with several parties the
/// stricter (natural-person) threshold applies.
fn has_natural_person(case: &Case) -> bool {
    case.parties.iter().any(|p| matches!(p, liuhen_domain::Party::NaturalPerson { .. }))
}

async fn stored_review<M>(tx: &mut liuhen_store::Tx<M>, case_id: CaseId, id: &str) -> Result<StoredReview> {
    tx.reviews(case_id)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(ServiceError::Internal("review vanished".into()))
}

fn to_policy_decision(d: &ProposedDecision, natural_person: bool) -> Result<Decision> {
    let measures = d
        .measures
        .iter()
        .enumerate()
        .map(|(i, m)| {
            Measure::from_code(m).ok_or_else(|| {
                ValidationError::new(format!("measures[{i}]"), format!("unknown measure {m:?}"))
            })
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Decision {
        party: if natural_person { PartyType::NaturalPerson } else { PartyType::Organisation },
        fine: Fen(d.fine_fen),
        measures,
        after_hearing: d.after_hearing,
        flagged_major: d.flagged_major.clone(),
    })
}

/// Where a case's review stands, from its decision and reviews as one
/// transaction read them.
fn status_of(
    policy: &liuhen_policy::Policy,
    case: &Case,
    decision: Option<StoredDecision>,
    reviews: Vec<StoredReview>,
    today: Date,
) -> Result<ReviewStatus> {
    let (major, reasons) = match &decision {
        Some(d) => {
            let verdict = policy.is_major(&to_policy_decision(&d.decision, has_natural_person(case))?);
            (verdict.major, verdict.reasons.iter().map(|r| r.to_string()).collect())
        }
        None => (false, Vec::new()),
    };
    let version = decision.as_ref().map(|d| d.version);
    let passed = reviews
        .iter()
        .rev()
        .find(|r| Some(r.decision_version) == version)
        .is_some_and(|r| r.opinion.as_ref().is_some_and(|o| o.outcome == ReviewOutcome::Approve));
    let mut reviews = reviews;
    let mut unknown = None;
    for r in reviews.iter_mut() {
        if let Err(e) = complete_due_date(policy, r)
            && r.opinion.is_none()
        {
            unknown = Some(e);
        }
    }
    let pending = reviews.iter().find(|r| r.opinion.is_none());
    let (deadline, deadline_zh, deadline_en) = match (pending, unknown) {
        (None, _) => ("none".to_owned(), None, None),
        (Some(_), Some(e)) => not_computable(&e),
        (Some(r), None) => {
            let due =
                r.due_date.as_deref().and_then(|d| Date::parse(d, &Iso8601::DATE).ok()).unwrap_or(today);
            if today > due {
                ("overdue".to_owned(), None, None)
            } else {
                match policy.calendar().working_days_between(today, due) {
                    Ok(left) if left <= 2 => ("due_soon".to_owned(), None, None),
                    Ok(_) => ("pending".to_owned(), None, None),
                    Err(e) => not_computable(&e),
                }
            }
        }
    };
    Ok(ReviewStatus { decision, major, reasons, reviews, passed, deadline, deadline_zh, deadline_en })
}

/// The case and where its review stands, read by one transaction.
pub(crate) async fn review_state<M>(
    tx: &mut liuhen_store::Tx<M>,
    policy: &liuhen_policy::Policy,
    scope: &liuhen_store::CaseScope,
    case_id: CaseId,
    today: Date,
) -> Result<(Case, ReviewStatus)> {
    let case = tx.get_case_in_scope(case_id, scope).await?.ok_or(ServiceError::NotFound("case"))?;
    let decision = tx.decision(case_id).await?;
    let reviews = tx.reviews(case_id).await?;
    let status = status_of(policy, &case, decision, reviews, today)?;
    Ok((case, status))
}

/// Whether the decision may be issued now: in 审核决定, proposed, and —
/// when major — its current version passed 法制审核. Returns that version.
fn issuable(case: &Case, status: &ReviewStatus) -> Result<i64> {
    if case.stage != Stage::Decision {
        return Err(ServiceError::Conflict(format!(
            "a decision is issued in 审核决定, not in {}",
            case.stage
        )));
    }
    let decision =
        status.decision.as_ref().ok_or(ServiceError::Conflict("there is no proposed decision".into()))?;
    if decision.issued_at.is_some() {
        return Err(ServiceError::Conflict("the decision is already issued".into()));
    }
    if status.major && !status.passed {
        return Err(ServiceError::Conflict(format!(
            "this decision is major ({}) and its current version has not passed legal review (法制审核)",
            status.reasons.join("; ")
        )));
    }
    Ok(decision.version)
}

impl Service {
    /// Proposes (or revises) the decision of a case in 调查取证 or 审核决定.
    pub async fn propose_decision(
        &self,
        me: &Principal,
        case_id: CaseId,
        input: &ProposedDecision,
    ) -> Result<StoredDecision> {
        let d = input.validated()?;
        let now = self.now();
        let (who, scope) = (me.clone(), case_scope(&me.user));
        // The stage is checked where the decision is written, so a move of
        // the case cannot slip between the check and the write.
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let case =
                        tx.get_case_in_scope(case_id, &scope).await?.ok_or(ServiceError::NotFound("case"))?;
                    if !may_record_acts(&who.user, &case) {
                        return Err(ServiceError::Forbidden(
                            "only the assigned officers or a leader propose the decision".into(),
                        ));
                    }
                    if !matches!(case.stage, Stage::Investigation | Stage::Decision) {
                        return Err(ServiceError::Conflict(format!(
                            "a decision is proposed in 调查取证 or 审核决定, not in {}",
                            case.stage
                        )));
                    }
                    to_policy_decision(&d, has_natural_person(&case))?;
                    tx.propose_decision(case_id, &d, now).await?;
                    record(
                        tx,
                        now,
                        EntryKind::DecisionProposed,
                        actor(&who.user),
                        Some(case.agency_id),
                        vec![case_id.subject()],
                        Some(&d),
                    )
                    .await?;
                    tx.decision(case_id).await?.ok_or(ServiceError::Internal("decision vanished".into()))
                })
            })
            .await
    }

    /// The decision, whether it is major and why, its reviews and deadline.
    pub async fn review_status(&self, me: &Principal, case_id: CaseId) -> Result<ReviewStatus> {
        // The decision, its fine and the reviewers' opinions are case data: reading them is a read.
        let now = self.now();
        let (case, status) = self.review_context(me, case_id).await?;
        self.record_read(now, actor(&me.user), Some(case.agency_id), vec![case.id.subject()]).await?;
        Ok(status)
    }

    /// The case (within the caller's scope) and where its review stands, from one snapshot.
    async fn review_context(&self, me: &Principal, case_id: CaseId) -> Result<(Case, ReviewStatus)> {
        let policy = self.policy()?;
        let mut tx = self.store.read().await?;
        let out =
            review_state(&mut tx, &policy, &case_scope(&me.user), case_id, china_today(self.now())).await?;
        tx.finish().await?;
        Ok(out)
    }

    /// Submits the current decision for legal review: the version the
    /// write finds, checked there, so two submissions cannot both pass.
    pub async fn submit_for_review(&self, me: &Principal, case_id: CaseId) -> Result<StoredReview> {
        let now = self.now();
        let policy = self.policy()?;
        let today = china_today(now);
        // A review is submitted even when its due date cannot be computed
        // (the calendar lacks the year): its status says so.
        let due = review_due(&policy, today).ok();
        let id = hex::encode(random_bytes::<16>()?);
        let (who, scope) = (me.clone(), case_scope(&me.user));
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let (case, status) = review_state(tx, &policy, &scope, case_id, today).await?;
                    if !may_record_acts(&who.user, &case) {
                        return Err(ServiceError::Forbidden(
                            "only the assigned officers or a leader submit for review".into(),
                        ));
                    }
                    let decision = status
                        .decision
                        .ok_or_else(|| ServiceError::Conflict("propose the decision first".into()))?;
                    if decision.issued_at.is_some() {
                        return Err(ServiceError::Conflict("the decision is already issued".into()));
                    }
                    if status.reviews.iter().any(|r| r.opinion.is_none()) {
                        return Err(ServiceError::Conflict(
                            "a review of this case is already pending".into(),
                        ));
                    }
                    let version = decision.version;
                    tx.insert_review(&id, case_id, version, who.user.id, due.as_deref(), now).await?;
                    let content = serde_json::json!({"review": id, "decision_version": version, "due": due});
                    record(
                        tx,
                        now,
                        EntryKind::ReviewSubmitted,
                        actor(&who.user),
                        Some(case.agency_id),
                        vec![case_id.subject()],
                        Some(&content),
                    )
                    .await?;
                    stored_review(tx, case_id, &id).await
                })
            })
            .await
    }

    /// A reviewer's opinion on the pending review of a case.
    pub async fn give_review_opinion(
        &self,
        me: &Principal,
        case_id: CaseId,
        input: &ReviewOpinion,
    ) -> Result<StoredReview> {
        if !crate::scope::may_review(&me.user) {
            return Err(ServiceError::Forbidden(
                "a legal review needs a reviewer holding 法律职业资格".into(),
            ));
        }
        let opinion = input.validated()?;
        let (case, status) = self.review_context(me, case_id).await?;
        let pending = status
            .reviews
            .into_iter()
            .find(|r| r.opinion.is_none())
            .ok_or(ServiceError::Conflict("no review is pending".into()))?;
        let now = self.now();
        let (who, agency, id) = (me.clone(), case.agency_id, pending.id);
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    tx.record_opinion(&id, &opinion, who.user.id, now).await?;
                    record(
                        tx,
                        now,
                        EntryKind::ReviewOpinionGiven,
                        actor(&who.user),
                        Some(agency),
                        vec![case_id.subject()],
                        Some(&opinion),
                    )
                    .await?;
                    stored_review(tx, case_id, &id).await
                })
            })
            .await
    }

    /// Issues the decision (负责人). A major decision is refused until its
    /// current version has passed legal review (行政处罚法 Art. 58). The
    /// check and the issue are one write, and the issue names the version
    /// checked, so a revision cannot slip in between.
    pub async fn issue_decision(&self, me: &Principal, case_id: CaseId) -> Result<StoredDecision> {
        if !may_direct(&me.user) {
            return Err(ServiceError::Forbidden("only a leader (负责人) issues a decision".into()));
        }
        let policy = self.policy()?;
        let now = self.now();
        let today = china_today(now);
        let (who, scope) = (me.clone(), case_scope(&me.user));
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let (case, status) = review_state(tx, &policy, &scope, case_id, today).await?;
                    let version = issuable(&case, &status)?;
                    tx.issue_decision(case_id, version, who.user.id, now).await?;
                    let d = tx
                        .decision(case_id)
                        .await?
                        .ok_or(ServiceError::Internal("decision vanished".into()))?;
                    record(
                        tx,
                        now,
                        EntryKind::DecisionIssued,
                        actor(&who.user),
                        Some(case.agency_id),
                        vec![case_id.subject()],
                        Some(&d),
                    )
                    .await?;
                    Ok(d)
                })
            })
            .await
    }
}

/// The measures a decision may impose (处理措施), as `(code, 中文)`, for a
/// form to offer: the rulebook's list.
pub fn measure_choices() -> Vec<(&'static str, &'static str)> {
    liuhen_policy::Measure::ALL.iter().map(|m| (m.code(), m.label_zh())).collect()
}
