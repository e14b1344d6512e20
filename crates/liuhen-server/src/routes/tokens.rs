//! API tokens, as administrators keep them: `GET /api/v1/tokens`,
//! `POST /api/v1/tokens`, `DELETE /api/v1/tokens/{id}` (each change a
//! ledger entry).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use liuhen_domain::{CredentialId, NewToken, UserId};
use liuhen_service::admin::AdminActor;
use liuhen_service::{ApiToken, IssuedToken};
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// Only this user's tokens; absent, the whole agency's.
    pub user_id: Option<UserId>,
}

/// The API tokens of the administrator's agency (or of one user), newest
/// first, without their secrets; `live` tells whether each works now.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "organisation", operation_id = "list_tokens",
    params(TokenQuery),
    responses((status = 200, body = Vec<ApiToken>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiQuery(q): ApiQuery<TokenQuery>,
) -> ApiResult<Json<Vec<ApiToken>>> {
    Ok(Json(s.service.list_tokens(AdminActor::User(Box::new(me)), q.user_id).await?))
}

/// Issues an API token for a user of the administrator's agency (not for an
/// administrator's account), with a scope and optionally an expiry. The
/// answer carries the secret: it is shown this once and never again.
/// Recorded as `credential.token_created`.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "organisation", operation_id = "create_token",
    request_body = NewToken,
    responses((status = 201, body = IssuedToken), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiJson(input): ApiJson<NewToken>,
) -> ApiResult<Response> {
    let issued = s.service.issue_token(AdminActor::User(Box::new(me)), &input).await?;
    let mut resp = (StatusCode::CREATED, Json(issued)).into_response();
    resp.headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// Revokes an API token of a user of the administrator's agency; it stops
/// working at once. Recorded as `credential.token_revoked`.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "organisation", operation_id = "revoke_token",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CredentialId>,
) -> ApiResult<StatusCode> {
    s.service.revoke_token(AdminActor::User(Box::new(me)), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
