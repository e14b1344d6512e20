//! `/api/v1/cases` and its sub-resources.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use liuhen_domain::{
    Act, Case, CaseId, Interruption, LimitExtension, NewAct, NewCase, NewInterruption, NewLimitExtension,
    NewSeizureRelease, SeizureRelease, UserId,
};
use liuhen_service::{AttestElements, CaseQuery, TransitionRequest};
use liuhen_store::CaseSummary;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

/// A page of cases.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseSummary>,
    /// How many cases in the caller's scope match, over all pages.
    pub total: u64,
}

/// The officers to assign, lead officer first.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficerAssignment {
    pub officers: Vec<UserId>,
}

/// Lists the cases the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQuery),
    responses((status = 200, body = CaseList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> ApiResult<Json<CaseList>> {
    let (items, total) = s.service.list_cases(&me, &q).await?;
    Ok(Json(CaseList { items, total }))
}

/// Opens a case (立案). The 案件编号 is allocated by the server.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = NewCase,
    responses((status = 201, body = Case), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiJson(input): ApiJson<NewCase>,
) -> ApiResult<(StatusCode, Json<Case>)> {
    Ok((StatusCode::CREATED, Json(s.service.create_case(&me, &input).await?)))
}

/// One case. Every read is recorded in the ledger.
#[utoipa::path(get, path = "/api/v1/cases/{id}", operation_id = "get_case", tag = "cases", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Case), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
) -> ApiResult<Json<Case>> {
    Ok(Json(s.service.get_case(&me, id).await?))
}

/// The enforcement acts of a case, in time order.
#[utoipa::path(get, path = "/api/v1/cases/{id}/acts", tag = "cases", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<Act>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_acts(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
) -> ApiResult<Json<Vec<Act>>> {
    Ok(Json(s.service.list_acts(&me, id).await?))
}

/// Records an enforcement act (执法行为) on a case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/acts", tag = "cases", params(("id" = String, Path, format = Uuid)),
    request_body = NewAct,
    responses((status = 201, body = Act), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_act(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
    ApiJson(input): ApiJson<NewAct>,
) -> ApiResult<(StatusCode, Json<Act>)> {
    Ok((StatusCode::CREATED, Json(s.service.add_act(&me, id, &input).await?)))
}

/// Attests 记录要素 an act's record shows, after the act was recorded.
#[utoipa::path(post, path = "/api/v1/cases/{id}/acts/{act}/elements", tag = "cases",
    params(("id" = String, Path, format = Uuid), ("act" = String, Path, format = Uuid)),
    request_body = AttestElements,
    responses((status = 200, body = Act), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn attest_elements(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath((id, act)): ApiPath<(CaseId, liuhen_domain::ActId)>,
    ApiJson(input): ApiJson<AttestElements>,
) -> ApiResult<Json<Act>> {
    Ok(Json(s.service.attest_elements(&me, id, act, &input).await?))
}

/// Records a 中止说明: why an act's recording stopped between `from` and
/// `to` (overlapping the act). By the case's officers or a leader over it;
/// refused on an archived case. A long gap it covers is then excused in the
/// compliance answer where the act's rule accepts explanations.
#[utoipa::path(post, path = "/api/v1/cases/{id}/acts/{act}/interruptions", tag = "cases",
    params(("id" = String, Path, format = Uuid), ("act" = String, Path, format = Uuid)),
    request_body = NewInterruption,
    responses((status = 201, body = Interruption), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn explain_interruption(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath((id, act)): ApiPath<(CaseId, liuhen_domain::ActId)>,
    ApiJson(input): ApiJson<NewInterruption>,
) -> ApiResult<(StatusCode, Json<Interruption>)> {
    Ok((StatusCode::CREATED, Json(s.service.explain_interruption(&me, id, act, &input).await?)))
}

/// The 中止说明 of a case's acts, in time order.
#[utoipa::path(get, path = "/api/v1/cases/{id}/interruptions", tag = "cases", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<Interruption>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_interruptions(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
) -> ApiResult<Json<Vec<Interruption>>> {
    Ok(Json(s.service.list_interruptions(&me, id).await?))
}

/// Approves an extension of the case's handling limit (行政强制法 第25条:
/// 负责人, once, with reasons, before the limit runs out, for at most the
/// days the rulebook allows). The compliance answer's `limit` shows the
/// new last day.
#[utoipa::path(post, path = "/api/v1/cases/{id}/limit/extension", tag = "cases",
    params(("id" = String, Path, format = Uuid)),
    request_body = NewLimitExtension,
    responses((status = 201, body = LimitExtension), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn extend_limit(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
    ApiJson(input): ApiJson<NewLimitExtension>,
) -> ApiResult<(StatusCode, Json<LimitExtension>)> {
    Ok((StatusCode::CREATED, Json(s.service.extend_limit(&me, id, &input).await?)))
}

/// Releases the case's seizure (解除查封扣押, 行政强制法 第28条), which ends
/// its handling limit. 负责人 only; once; where a seizure was recorded.
#[utoipa::path(post, path = "/api/v1/cases/{id}/seizure/release", tag = "cases",
    params(("id" = String, Path, format = Uuid)),
    request_body = NewSeizureRelease,
    responses((status = 201, body = SeizureRelease), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn release_seizure(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
    ApiJson(input): ApiJson<NewSeizureRelease>,
) -> ApiResult<(StatusCode, Json<SeizureRelease>)> {
    Ok((StatusCode::CREATED, Json(s.service.release_seizure(&me, id, &input).await?)))
}

/// Replaces the officers assigned to a case (负责人 only).
#[utoipa::path(put, path = "/api/v1/cases/{id}/officers", tag = "cases", params(("id" = String, Path, format = Uuid)),
    request_body = OfficerAssignment,
    responses((status = 200, body = Case), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn assign(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
    ApiJson(input): ApiJson<OfficerAssignment>,
) -> ApiResult<Json<Case>> {
    Ok(Json(s.service.assign_officers(&me, id, &input.officers).await?))
}

/// Moves a case to its next stage (负责人 only).
#[utoipa::path(post, path = "/api/v1/cases/{id}/transitions", tag = "cases", params(("id" = String, Path, format = Uuid)),
    request_body = TransitionRequest,
    responses((status = 200, body = Case), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn transition(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
    ApiJson(req): ApiJson<TransitionRequest>,
) -> ApiResult<Json<Case>> {
    Ok(Json(s.service.transition(&me, id, &req).await?))
}

/// The case against the recording rulebook: per act, the effective rule and
/// its layer, AV coverage by the linked clips, gaps, and findings.
#[utoipa::path(get, path = "/api/v1/cases/{id}/compliance", tag = "cases", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = liuhen_service::compliance::CaseCompliance), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn compliance(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
) -> ApiResult<Json<liuhen_service::compliance::CaseCompliance>> {
    Ok(Json(s.service.case_compliance(&me, id).await?))
}
