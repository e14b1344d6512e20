//! `GET /api/v1/units`, `GET /api/v1/users`: the caller's agency.

use axum::Json;
use axum::extract::State;
use liuhen_domain::{OrgUnit, User};

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Caller;

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
