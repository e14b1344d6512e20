//! Audit reports: every ledger entry about a record, or by a user, as JSON,
//! CSV or PDF (for court: each row carries its ledger index, provable offline).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use liuhen_domain::{UserId, ValidationError};
use liuhen_service::audit::{AuditRow, AuditSubject, to_csv};
use liuhen_service::{Principal, ServiceError};
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, Caller};

/// `?format=csv` for a CSV file, `?format=pdf` for a PDF report; JSON otherwise.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Format {
    /// `json` (the default), `csv` or `pdf`.
    #[serde(default)]
    pub format: Option<String>,
}

fn file(body: Vec<u8>, content_type: &'static str, name: &str, ext: &str) -> Response {
    let mut resp = body.into_response();
    crate::download::attachment(resp.headers_mut(), content_type, &format!("audit-{name}.{ext}"));
    resp
}

async fn answer(
    s: &AppState,
    me: &Principal,
    about: AuditSubject,
    format: &Format,
    name: &str,
) -> ApiResult<Response> {
    match format.format.as_deref() {
        None | Some("json") => Ok(Json(s.service.audit_report(me, &about).await?).into_response()),
        Some("csv") => {
            let rows = s.service.audit_report(me, &about).await?;
            Ok(file(to_csv(&rows).into_bytes(), "text/csv; charset=utf-8", name, "csv"))
        }
        Some("pdf") => {
            Ok(file(s.service.audit_report_pdf(me, &about).await?, "application/pdf", name, "pdf"))
        }
        Some(_) => Err(ServiceError::from(ValidationError::new("format", "use json, csv or pdf")).into()),
    }
}

/// Who did what to a record, when, under which grant and why (supervisors, administrators).
#[utoipa::path(get, path = "/api/v1/audit/records/{record}", tag = "supervision", operation_id = "audit_record",
    params(("record" = String, Path, description = "`case:<uuid>`, `evidence:<uuid>`, `access:<uuid>`, …"), Format),
    responses((status = 200, description = "The report: JSON rows, or a CSV or PDF file",
            content((Vec<AuditRow> = "application/json"), (String = "text/csv"), (String = "application/pdf"))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn record(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(record): ApiPath<String>,
    ApiQuery(format): ApiQuery<Format>,
) -> ApiResult<Response> {
    let name = record.replace(':', "-");
    answer(&s, &me, AuditSubject::Record(record), &format, &name).await
}

/// Everything a user did (supervisors, administrators).
#[utoipa::path(get, path = "/api/v1/audit/users/{id}", tag = "supervision", operation_id = "audit_user",
    params(("id" = String, Path, format = Uuid), Format),
    responses((status = 200, description = "The report: JSON rows, or a CSV or PDF file",
            content((Vec<AuditRow> = "application/json"), (String = "text/csv"), (String = "application/pdf"))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn user(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiQuery(format): ApiQuery<Format>,
) -> ApiResult<Response> {
    answer(&s, &me, AuditSubject::User(id), &format, &format!("user-{id}")).await
}
