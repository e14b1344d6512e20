//! The one place where errors become HTTP responses: JSON `{code, message}`
//! (plus `field` for invalid input), the right status, and no internals —
//! those go to the log.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use liuhen_service::ServiceError;
use serde::Serialize;

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code: `invalid`, `invalid_json`, `unauthenticated`,
    /// `forbidden`, `not_found`, `conflict`, `payload_too_large`,
    /// `unsupported_media_type`, `method_not_allowed`, `checksum_mismatch` (460, tus),
    /// `insufficient_storage` (507), `unavailable` (503), `locked` (429), `too_many_requests` (429),
    /// `busy` (503, with `Retry-After`),
    /// `internal`.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// The input field at fault, for `invalid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, body: ErrorBody { code, message: message.into(), field: None } }
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Unauthenticated(m) => ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", m),
            ServiceError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            ServiceError::Locked(m) => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "locked", m),
            ServiceError::Busy(m) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", m),
            ServiceError::NotFound(what) => ApiError::not_found(what),
            ServiceError::Gone(m) => ApiError::new(StatusCode::GONE, "gone", m),
            ServiceError::Invalid(v) => ApiError {
                status: StatusCode::BAD_REQUEST,
                body: ErrorBody { code: "invalid", message: v.to_string(), field: Some(v.field) },
            },
            ServiceError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            ServiceError::ChecksumMismatch(m) => ApiError::new(
                StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST),
                "checksum_mismatch",
                m,
            ),
            ServiceError::TooManyAtOnce(m) => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", m)
            }
            ServiceError::TooLarge(m) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", m),
            ServiceError::InsufficientStorage(m) => {
                tracing::error!(detail = %m, "evidence storage full");
                ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage", m)
            }
            ServiceError::Unavailable(m) => {
                tracing::error!(detail = %m, "service unavailable");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", m)
            }
            ServiceError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // A client told to wait is told how long (seconds).
        let retry = match self.body.code {
            "busy" => Some("1"),
            // A lock lasts 15 minutes at most (the message says how many are left).
            "locked" => Some("900"),
            _ => None,
        };
        let mut resp = (self.status, Json(self.body)).into_response();
        if let Some(r) = retry {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static(r));
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
