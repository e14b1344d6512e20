//! Extractors whose rejections speak the API's error format, and the
//! authenticated caller.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use liuhen_domain::TokenScope;
use liuhen_service::Principal;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;

/// Name of the browser session cookie.
pub const SESSION_COOKIE: &str = "liuhen_session";
/// Header a browser must send with a state-changing request authenticated
/// by the session cookie, holding the session's CSRF token (the one every
/// page carries). A cross-site form cannot set it, a cross-site script
/// cannot send it without a CORS preflight liuhen never grants, and neither
/// can know the token.
pub const CSRF_HEADER: &str = "x-liuhen-csrf";

/// JSON body; malformed, oversized, wrongly typed or unknown-field input is
/// a 400/413/415 in the API's error format.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    let status = e.status();
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        _ => "invalid_json",
    };
    let status = if status == StatusCode::UNPROCESSABLE_ENTITY { StatusCode::BAD_REQUEST } else { status };
    ApiError::new(status, code, e.body_text())
}

/// Query string, with errors in the API's format.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e: QueryRejection| ApiError::new(StatusCode::BAD_REQUEST, "invalid", e.body_text()))
    }
}

/// Path parameters, with errors in the API's format.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|e: PathRejection| ApiError::new(StatusCode::NOT_FOUND, "not_found", e.body_text()))
    }
}

/// The authenticated caller, from `Authorization: Bearer …` (a session or an
/// API token) or the session cookie (a session only).
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(v) = parts.headers.get(header::AUTHORIZATION) {
            let v = v.to_str().unwrap_or_default();
            let secret = v.strip_prefix("Bearer ").ok_or_else(|| {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "use Authorization: Bearer TOKEN")
            })?;
            let me = state.service.authenticate(secret.trim()).await?;
            within_scope(&me, parts)?;
            return Ok(Caller(me));
        }
        let Some(secret) = session_cookie(parts) else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "authentication required",
            ));
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let token = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !safe && !crate::web::frame::csrf_matches(&secret, token) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("a cookie-authenticated change needs the {CSRF_HEADER} header with the page's token"),
            ));
        }
        let me = state.service.authenticate_session(&secret).await?;
        // Sessions are unrestricted today; checked all the same so that a
        // scope holds however its credential arrives.
        within_scope(&me, parts)?;
        Ok(Caller(me))
    }
}

/// Refuses a request outside the credential's scope: a read-only token only
/// reads; an upload token only uploads evidence (tus) and reports the
/// docked devices' clocks (`POST /api/v1/devices/{serial}/clock`, 校时), as a
/// docking station does. Any token may end itself (`POST /api/v1/auth/logout`).
fn within_scope(me: &Principal, parts: &Parts) -> Result<(), ApiError> {
    let path = parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.path(), |o| o.0.path());
    let allowed = path == "/api/v1/auth/logout"
        || match me.scope {
            TokenScope::Full => true,
            TokenScope::Read => matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS),
            TokenScope::Upload => {
                path == "/api/v1/uploads"
                    || path.starts_with("/api/v1/uploads/")
                    || (parts.method == Method::POST
                        && path.starts_with("/api/v1/devices/")
                        && path.ends_with("/clock"))
            }
        };
    if allowed {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        format!("this token is limited to {} ({})", me.scope.code(), me.scope.label_zh()),
    ))
}

fn session_cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
}
