//! The proposed decision of a case and its legal review (法制审核).

use axum::Json;
use axum::extract::State;
use liuhen_domain::{CaseId, ProposedDecision, ReviewOpinion};
use liuhen_service::review::ReviewStatus;
use liuhen_store::{StoredDecision, StoredReview};

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Caller};

/// Proposes or revises the decision (a new version each time; final once issued).
#[utoipa::path(put, path = "/api/v1/cases/{id}/decision", tag = "review", params(("id" = String, Path, format = Uuid)),
    request_body = ProposedDecision,
    responses((status = 200, body = StoredDecision), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn propose(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
    ApiJson(input): ApiJson<ProposedDecision>,
) -> ApiResult<Json<StoredDecision>> {
    Ok(Json(s.service.propose_decision(&me, id, &input).await?))
}

/// Issues the decision (负责人); a major one only after its review passed.
#[utoipa::path(post, path = "/api/v1/cases/{id}/decision/issue", tag = "review", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = StoredDecision), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn issue(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
) -> ApiResult<Json<StoredDecision>> {
    Ok(Json(s.service.issue_decision(&me, id).await?))
}

/// Whether the decision is major and why, its reviews, and the review deadline.
#[utoipa::path(get, path = "/api/v1/cases/{id}/review", tag = "review", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = ReviewStatus), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn status(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
) -> ApiResult<Json<ReviewStatus>> {
    Ok(Json(s.service.review_status(&me, id).await?))
}

/// Submits the current decision for review; the deadline runs in working days.
#[utoipa::path(post, path = "/api/v1/cases/{id}/review", tag = "review", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = StoredReview), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn submit(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
) -> ApiResult<Json<StoredReview>> {
    Ok(Json(s.service.submit_for_review(&me, id).await?))
}

/// A reviewer's written opinion, answering every checklist item.
#[utoipa::path(post, path = "/api/v1/cases/{id}/review/opinion", tag = "review", params(("id" = String, Path, format = Uuid)),
    request_body = ReviewOpinion,
    responses((status = 200, body = StoredReview), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn opinion(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
    ApiJson(input): ApiJson<ReviewOpinion>,
) -> ApiResult<Json<StoredReview>> {
    Ok(Json(s.service.give_review_opinion(&me, id, &input).await?))
}
