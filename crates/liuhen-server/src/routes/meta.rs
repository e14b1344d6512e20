//! `GET /healthz`, `GET /metrics`, `GET /openapi.json`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::OpenApi as _;

use crate::error::{ApiError, ErrorBody};
use crate::{ApiDoc, AppState};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
}

/// Liveness, database reachability, and a running database writer.
#[utoipa::path(get, path = "/healthz", tag = "meta",
    responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
pub async fn healthz(State(s): State<AppState>) -> Result<Json<Health>, ApiError> {
    if let Some(why) = s.service.store().writer_stopped() {
        tracing::error!(reason = %why, "health check: the database writer has stopped");
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database writer has stopped (the server log says why); restart liuhen once the database is sound",
        ));
    }
    match s.service.store().ping().await {
        Ok(()) => Ok(Json(Health {
            status: "ok",
            database: match s.service.store().backend() {
                liuhen_store::Backend::Sqlite => "sqlite",
                liuhen_store::Backend::Postgres => "postgres",
            },
        })),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "database unreachable"))
        }
    }
}

/// Metrics in Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "meta", responses((status = 200, content_type = "text/plain")))]
pub async fn metrics(State(s): State<AppState>) -> Response {
    let mut resp = s.metrics.render().into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    resp
}

/// This API's OpenAPI 3.1 description, generated from the code.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", responses((status = 200, content_type = "application/json")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
