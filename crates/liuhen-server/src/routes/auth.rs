//! `POST /api/v1/auth/login`, `POST /api/v1/auth/logout`,
//! `POST /api/v1/auth/password`, `GET /api/v1/me`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use liuhen_domain::User;
use liuhen_service::LoginOutcome;
use serde::Deserialize;

use crate::AppState;
use crate::client::ClientAddr;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Caller, SESSION_COOKIE};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest").field("login", &self.login).finish_non_exhaustive()
    }
}

/// Logs in with a password. Returns a bearer token and sets the session
/// cookie (HttpOnly, SameSite=Strict) for browsers.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginOutcome), (status = 401, body = ErrorBody), (status = 400, body = ErrorBody),
        (status = 429, description = "too many failed logins of this login or from this address", body = ErrorBody),
        (status = 503, description = "too many logins at once; see Retry-After", body = ErrorBody)))]
pub async fn login(
    State(s): State<AppState>,
    ClientAddr(from): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let out = s.service.login_from(&req.login, &req.password, from).await?;
    let max_age = (out.expires_at - s.service.now()).whole_seconds().max(0);
    let secure = if s.config.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}",
        out.token
    );
    let mut resp = Json(&out).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// Ends the session (or revokes the API token) used for this request.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn logout(State(s): State<AppState>, Caller(me): Caller) -> ApiResult<Response> {
    s.service.logout(&me).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&clear) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// The authenticated user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = User), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn me(Caller(me): Caller) -> Json<User> {
    Json(me.user)
}

/// The caller's current password and the new one.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange").finish_non_exhaustive()
    }
}

/// Changes the caller's own password. A wrong current password counts as a
/// failed login of the account (and locks it like one); the caller's other
/// sessions end. Recorded as `user.password_changed` (本人修改密码).
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", operation_id = "change_password",
    request_body = PasswordChange,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_password(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiJson(req): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    s.service.change_own_password(&me, &req.current_password, &req.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}
