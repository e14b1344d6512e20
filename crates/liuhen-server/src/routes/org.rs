//! `GET /api/v1/units`, `GET /api/v1/users`: the caller's agency;
//! `PATCH /api/v1/users/{id}`, `PUT /api/v1/users/{id}/password`: an
//! administrator's changes to a user (each a ledger entry).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use liuhen_domain::{OrgUnit, User, UserChange, UserId};
use liuhen_service::admin::AdminActor;
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Caller};

/// The units of the caller's agency, the agency first, in tree order.
#[utoipa::path(get, path = "/api/v1/units", tag = "organisation",
    responses((status = 200, body = Vec<OrgUnit>), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn units(State(s): State<AppState>, Caller(me): Caller) -> ApiResult<Json<Vec<OrgUnit>>> {
    Ok(Json(s.service.list_units(&me).await?))
}

/// The users of the caller's agency.
#[utoipa::path(get, path = "/api/v1/users", tag = "organisation",
    responses((status = 200, body = Vec<User>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn users(State(s): State<AppState>, Caller(me): Caller) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(s.service.list_users(&me).await?))
}

/// Changes a user's role, unit or whether they are active (administrators of
/// the agency, never for their own account). Recorded as `user.changed`,
/// committing to the user before and after.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "organisation", operation_id = "change_user",
    params(("id" = String, Path, format = Uuid)), request_body = UserChange,
    responses((status = 200, body = User), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_user(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(change): ApiJson<UserChange>,
) -> ApiResult<Json<User>> {
    Ok(Json(s.service.change_user(AdminActor::User(Box::new(me)), id, &change).await?))
}

/// A new password set by an administrator.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub password: String,
}

impl std::fmt::Debug for PasswordReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordReset").finish_non_exhaustive()
    }
}

/// Sets a user's password (administrators of the agency). The user's open
/// sessions end. Recorded as `user.password_set` (管理员设置密码).
#[utoipa::path(put, path = "/api/v1/users/{id}/password", tag = "organisation", operation_id = "reset_password",
    params(("id" = String, Path, format = Uuid)), request_body = PasswordReset,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reset_password(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<PasswordReset>,
) -> ApiResult<StatusCode> {
    s.service.set_password(AdminActor::User(Box::new(me)), id, &req.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
