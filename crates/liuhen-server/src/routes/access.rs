//! 调阅 requests: ask, approve, refuse, list.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use liuhen_domain::{AccessRequest, AccessRequestId, ExternalRequester, NewAccessRequest};
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Caller};

/// A 调阅 request as the API takes it: [`NewAccessRequest`], its case named
/// by id or by 案件编号.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessRequestBody {
    /// The case: its id, or its exact 案件编号.
    pub case_id: String,
    /// 调阅事由: why.
    pub purpose: String,
    /// For how many days (1 to 30) the grant runs once approved.
    pub days: u32,
    /// Present when the request comes from outside the agency.
    #[serde(default)]
    pub external: Option<ExternalRequester>,
}

/// Asks for 调阅 of a case of the caller's agency (a ledger entry). Granted
/// after the configured number of approvals (default two), for the days asked.
#[utoipa::path(post, path = "/api/v1/access-requests", tag = "access", operation_id = "create_access_request", request_body = AccessRequestBody,
    responses((status = 201, body = AccessRequest), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiJson(body): ApiJson<AccessRequestBody>,
) -> ApiResult<(StatusCode, Json<AccessRequest>)> {
    let case_id = s.service.case_for_access_request(&me, &body.case_id).await?;
    let input = NewAccessRequest { case_id, purpose: body.purpose, days: body.days, external: body.external };
    Ok((StatusCode::CREATED, Json(s.service.request_access(&me, &input).await?)))
}

/// 调阅 requests: the agency's for leaders and supervisors, one's own otherwise.
#[utoipa::path(get, path = "/api/v1/access-requests", tag = "access", operation_id = "list_access_requests",
    responses((status = 200, body = Vec<AccessRequest>)), security(("bearer" = [])))]
pub async fn list(State(s): State<AppState>, Caller(me): Caller) -> ApiResult<Json<Vec<AccessRequest>>> {
    Ok(Json(s.service.list_access_requests(&me).await?))
}

/// Approves a request (leaders and supervisors; not the requester).
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/approve", tag = "access", operation_id = "approve_access_request",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = AccessRequest), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn approve(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<AccessRequestId>,
) -> ApiResult<Json<AccessRequest>> {
    Ok(Json(s.service.approve_access(&me, id).await?))
}

/// Why a request is refused.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    pub reason: String,
}

/// Refuses a request, saying why.
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/reject", tag = "access", operation_id = "reject_access_request",
    params(("id" = String, Path, format = Uuid)), request_body = Rejection,
    responses((status = 200, body = AccessRequest), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reject(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<AccessRequestId>,
    ApiJson(r): ApiJson<Rejection>,
) -> ApiResult<Json<AccessRequest>> {
    Ok(Json(s.service.reject_access(&me, id, &r.reason).await?))
}
