//! `GET /api/v1/units`, `GET /api/v1/users`: the caller's agency;
//! `POST /api/v1/units`, `POST /api/v1/users`, `PATCH /api/v1/users/{id}`,
//! `PUT /api/v1/users/{id}/password`: an administrator's changes (each a
//! ledger entry).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use liuhen_domain::{Confidentiality, NewUnit, NewUser, OrgUnit, Role, UnitId, User, UserChange, UserId};
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

/// Creates a unit below a unit of the administrator's agency (agencies
/// themselves are created from the command line). Recorded as `unit.created`.
#[utoipa::path(post, path = "/api/v1/units", tag = "organisation", operation_id = "create_unit",
    request_body = NewUnit,
    responses((status = 201, body = OrgUnit), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_unit(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiJson(input): ApiJson<NewUnit>,
) -> ApiResult<(StatusCode, Json<OrgUnit>)> {
    Ok((StatusCode::CREATED, Json(s.service.create_unit(AdminActor::User(Box::new(me)), &input).await?)))
}

/// A new user as an administrator creates one: the user, and optionally a
/// first password (none for an account that only uses API tokens).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: UnitId,
    /// 执法证号 (officers need one).
    #[serde(default)]
    pub cert_no: Option<String>,
    /// 执法类别.
    #[serde(default)]
    pub enforcement_category: Option<String>,
    /// 法律职业资格.
    #[serde(default)]
    pub legal_qualification: bool,
    /// The highest label the user reads without a grant; absent, the role's default.
    #[serde(default)]
    pub clearance: Option<Confidentiality>,
    /// The first password, 10 to 256 characters.
    #[serde(default)]
    pub password: Option<String>,
}

impl std::fmt::Debug for CreateUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateUser").field("login", &self.login).finish_non_exhaustive()
    }
}

/// Creates a user in a unit of the administrator's agency (never an
/// administrator: that role is granted from the command line). Recorded as
/// `user.created`.
#[utoipa::path(post, path = "/api/v1/users", tag = "organisation", operation_id = "create_user",
    request_body = CreateUser,
    responses((status = 201, body = User), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_user(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiJson(req): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let input = NewUser {
        login: req.login,
        display_name: req.display_name,
        role: req.role,
        unit_id: req.unit_id,
        cert_no: req.cert_no,
        enforcement_category: req.enforcement_category,
        legal_qualification: req.legal_qualification,
        clearance: req.clearance,
    };
    let user = s.service.create_user(AdminActor::User(Box::new(me)), &input, req.password.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(user)))
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
