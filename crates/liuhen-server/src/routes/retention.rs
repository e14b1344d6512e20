//! 保管期限, legal holds and destruction (销毁). Holds and requests: archivists; approvals: two
//! people other than the requester (档案管理员, 负责人, 监督人员).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use liuhen_domain::{CaseId, DestructionId, Hold, HoldId, LiftHold, NewDestruction, NewHold};
use liuhen_service::retention::{DestructionView, RegisterItem, RetentionView};
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Caller};

/// A case file's retention class, last day kept, live holds and whether it was destroyed.
#[utoipa::path(get, path = "/api/v1/cases/{id}/retention", tag = "archives",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = RetentionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn retention_of_case(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
) -> ApiResult<Json<RetentionView>> {
    match s.service.case_retention_view(&me, id).await? {
        Some(v) => Ok(Json(v)),
        None => Err(liuhen_service::ServiceError::NotFound("archive").into()),
    }
}

/// The agency's holds, newest first.
#[utoipa::path(get, path = "/api/v1/holds", tag = "archives",
    responses((status = 200, body = Vec<Hold>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_holds(State(s): State<AppState>, Caller(me): Caller) -> ApiResult<Json<Vec<Hold>>> {
    Ok(Json(s.service.holds(&me, None).await?))
}

/// Places a legal hold (诉讼保全, 法律冻结) on a case file or an AV record: nothing it covers is
/// destroyed until it is lifted.
#[utoipa::path(post, path = "/api/v1/holds", tag = "archives", request_body = NewHold,
    responses((status = 201, body = Hold), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn place_hold(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiJson(body): ApiJson<NewHold>,
) -> ApiResult<(StatusCode, Json<Hold>)> {
    Ok((StatusCode::CREATED, Json(s.service.place_hold(&me, &body).await?)))
}

/// Lifts a hold, with the reason.
#[utoipa::path(post, path = "/api/v1/holds/{id}/lift", tag = "archives", request_body = LiftHold,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Hold), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn lift_hold(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<HoldId>,
    ApiJson(body): ApiJson<LiftHold>,
) -> ApiResult<Json<Hold>> {
    Ok(Json(s.service.lift_hold(&me, id, &body).await?))
}

/// Records whose retention ran out and that are not destroyed: what a 销毁清册 may list, each with
/// why it cannot be destroyed now (a hold, a running 调阅 grant, another request).
#[utoipa::path(get, path = "/api/v1/retention/due", tag = "archives",
    responses((status = 200, body = Vec<RegisterItem>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn due_records(
    State(s): State<AppState>,
    Caller(me): Caller,
) -> ApiResult<Json<Vec<RegisterItem>>> {
    Ok(Json(s.service.due_for_destruction(&me).await?))
}

/// The agency's destruction requests, newest first.
#[utoipa::path(get, path = "/api/v1/destructions", tag = "archives",
    responses((status = 200, body = Vec<DestructionView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_destructions(
    State(s): State<AppState>,
    Caller(me): Caller,
) -> ApiResult<Json<Vec<DestructionView>>> {
    Ok(Json(s.service.destructions(&me).await?))
}

/// Requests the destruction of records whose retention ran out (the 销毁清册). Refused, naming
/// each record, when one is not due, is held, has a running 调阅 grant or is on another request.
#[utoipa::path(post, path = "/api/v1/destructions", tag = "archives", request_body = NewDestruction,
    responses((status = 201, body = DestructionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn request_destruction(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiJson(body): ApiJson<NewDestruction>,
) -> ApiResult<(StatusCode, Json<DestructionView>)> {
    Ok((StatusCode::CREATED, Json(s.service.request_destruction(&me, &body).await?)))
}

/// A destruction request with its 销毁清册 as it stands now.
#[utoipa::path(get, path = "/api/v1/destructions/{id}", tag = "archives",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = DestructionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_destruction(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DestructionId>,
) -> ApiResult<Json<DestructionView>> {
    Ok(Json(s.service.destruction(&me, id).await?))
}

/// Approves a destruction (not its requester; once each). The second approval checks every record
/// again and destroys: content goes, a `record.destroyed` tombstone entry stays for each.
#[utoipa::path(post, path = "/api/v1/destructions/{id}/approvals", tag = "archives",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = DestructionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn approve_destruction(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DestructionId>,
) -> ApiResult<Json<DestructionView>> {
    Ok(Json(s.service.approve_destruction(&me, id).await?))
}

/// Why a request is withdrawn or refused.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    pub reason: String,
}

/// Withdraws a request (its requester) or refuses it (an approver), with the reason.
#[utoipa::path(post, path = "/api/v1/destructions/{id}/withdrawal", tag = "archives", request_body = Withdrawal,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = DestructionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn withdraw_destruction(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DestructionId>,
    ApiJson(body): ApiJson<Withdrawal>,
) -> ApiResult<Json<DestructionView>> {
    Ok(Json(s.service.withdraw_destruction(&me, id, &body.reason).await?))
}

/// The 销毁清册 as a PDF page.
#[utoipa::path(get, path = "/api/v1/destructions/{id}/register.pdf", tag = "archives",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, content_type = "application/pdf"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn destruction_register(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DestructionId>,
) -> ApiResult<Response> {
    let bytes = s.service.destruction_register_pdf(&me, id).await?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    crate::download::attachment(h, "application/pdf", &format!("销毁清册-{id}.pdf"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(resp)
}
