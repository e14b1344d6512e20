//! Audit reports: every ledger entry about a record, or by a user, as JSON
//! or CSV (for court: each row carries its ledger index, provable offline).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use liuhen_domain::UserId;
use liuhen_service::audit::{AuditRow, AuditSubject, to_csv};
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, Caller};

/// `?format=csv` for a CSV file; JSON otherwise.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Format {
    #[serde(default)]
    pub format: Option<String>,
}

fn answer(rows: Vec<AuditRow>, format: &Format, name: &str) -> Response {
    if format.format.as_deref() == Some("csv") {
        let mut resp = to_csv(&rows).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"audit-{name}.csv\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        return resp;
    }
    Json(rows).into_response()
}

/// Who did what to a record, when, under which grant and why (supervisors, administrators).
#[utoipa::path(get, path = "/api/v1/audit/records/{record}", tag = "supervision", operation_id = "audit_record",
    params(("record" = String, Path, description = "`case:<uuid>`, `evidence:<uuid>`, `access:<uuid>`, …"), Format),
    responses((status = 200, body = Vec<AuditRow>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn record(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(record): ApiPath<String>,
    ApiQuery(format): ApiQuery<Format>,
) -> ApiResult<Response> {
    let rows = s.service.audit_report(&me, &AuditSubject::Record(record.clone())).await?;
    Ok(answer(rows, &format, &record.replace(':', "-")))
}

/// Everything a user did (supervisors, administrators).
#[utoipa::path(get, path = "/api/v1/audit/users/{id}", tag = "supervision", operation_id = "audit_user",
    params(("id" = String, Path, format = Uuid), Format),
    responses((status = 200, body = Vec<AuditRow>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn user(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiQuery(format): ApiQuery<Format>,
) -> ApiResult<Response> {
    let rows = s.service.audit_report(&me, &AuditSubject::User(id)).await?;
    Ok(answer(rows, &format, &format!("user-{id}")))
}
