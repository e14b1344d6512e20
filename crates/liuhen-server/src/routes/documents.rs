//! Enforcement documents (执法文书): formats, drafts, issuing, service, PDF.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use liuhen_domain::{CaseId, Document, DocumentId};
use liuhen_service::documents::{NewDocument, RegisterDocument, Serving};
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

/// The document formats in force: fields (key, label, type, mandatory), layout, and the layer that set them.
#[utoipa::path(get, path = "/api/v1/document-formats", tag = "documents", operation_id = "list_document_formats",
    responses((status = 200, body = Object)), security(("bearer" = [])))]
pub async fn formats(State(s): State<AppState>, Caller(_me): Caller) -> ApiResult<Json<serde_json::Value>> {
    let formats = s.service.document_formats()?;
    Ok(Json(serde_json::to_value(formats).unwrap_or_default()))
}

/// Which field the standard wording is wanted for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WordingQuery {
    pub field: String,
}

/// Standard wording (执法规范用语) that fits a long-text field of a format.
#[utoipa::path(get, path = "/api/v1/document-formats/{format}/wording", tag = "documents", operation_id = "document_wording",
    params(("format" = String, Path), WordingQuery), responses((status = 200, body = Object), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn wording(
    State(s): State<AppState>,
    Caller(_me): Caller,
    ApiPath(format): ApiPath<String>,
    ApiQuery(q): ApiQuery<WordingQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let phrases = s.service.wording_for(&format, &q.field)?;
    Ok(Json(serde_json::to_value(phrases).unwrap_or_default()))
}

/// The documents of a case.
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents", tag = "documents", operation_id = "list_case_documents",
    params(("id" = String, Path, format = Uuid)), responses((status = 200, body = Vec<Document>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
) -> ApiResult<Json<Vec<Document>>> {
    Ok(Json(s.service.list_documents(&me, id).await?))
}

/// Registers a document signed on paper (现场笔录, 查封扣押财物清单, …) by its scan, already uploaded as
/// evidence of the case; it counts for the rulebook like an issued one, with the scan's digests.
#[utoipa::path(post, path = "/api/v1/cases/{id}/documents/registered", tag = "documents", operation_id = "register_document",
    params(("id" = String, Path, format = Uuid)), request_body = RegisterDocument,
    responses((status = 201, body = Document), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn register(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
    ApiJson(input): ApiJson<RegisterDocument>,
) -> ApiResult<(StatusCode, Json<Document>)> {
    Ok((StatusCode::CREATED, Json(s.service.register_document(&me, id, &input).await?)))
}

/// Drafts a document, prefilled from the case (parties, officers, acts, amounts).
#[utoipa::path(post, path = "/api/v1/cases/{id}/documents", tag = "documents", operation_id = "draft_document",
    params(("id" = String, Path, format = Uuid)), request_body = NewDocument,
    responses((status = 201, body = Document), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn draft(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
    ApiJson(input): ApiJson<NewDocument>,
) -> ApiResult<(StatusCode, Json<Document>)> {
    Ok((StatusCode::CREATED, Json(s.service.draft_document(&me, id, &input).await?)))
}

/// One document (the read is recorded).
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", operation_id = "get_document",
    params(("id" = String, Path, format = Uuid)), responses((status = 200, body = Document), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DocumentId>,
) -> ApiResult<Json<Document>> {
    Ok(Json(s.service.get_document(&me, id).await?))
}

/// New field values for a draft.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
}

/// Replaces a draft's fields; an issued document answers 409.
#[utoipa::path(put, path = "/api/v1/documents/{id}", tag = "documents", operation_id = "edit_document",
    params(("id" = String, Path, format = Uuid)), request_body = Fields,
    responses((status = 200, body = Document), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn edit(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DocumentId>,
    ApiJson(f): ApiJson<Fields>,
) -> ApiResult<Json<Document>> {
    Ok(Json(s.service.edit_document(&me, id, &f.fields).await?))
}

/// Issues a draft (负责人): every field validated, 文号 taken, the PDF rendered once, digests recorded.
#[utoipa::path(post, path = "/api/v1/documents/{id}/issue", tag = "documents", operation_id = "issue_document",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Document), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn issue(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DocumentId>,
) -> ApiResult<Json<Document>> {
    Ok(Json(s.service.issue_document(&me, id).await?))
}

/// Records the service of an issued document.
#[utoipa::path(post, path = "/api/v1/documents/{id}/serve", tag = "documents", operation_id = "serve_document",
    params(("id" = String, Path, format = Uuid)), request_body = Serving,
    responses((status = 200, body = Document), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn serve(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DocumentId>,
    ApiJson(how): ApiJson<Serving>,
) -> ApiResult<Json<Document>> {
    Ok(Json(s.service.serve_document(&me, id, &how).await?))
}

/// The PDF, watermarked with who downloaded it, when, and the case (the download is recorded).
#[utoipa::path(get, path = "/api/v1/documents/{id}/pdf", tag = "documents", operation_id = "document_pdf",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn pdf(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DocumentId>,
) -> ApiResult<Response> {
    let (doc, bytes) = s.service.document_pdf(&me, id).await?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    crate::download::attachment(h, "application/pdf", &format!("{}-{}.pdf", doc.format, doc.id));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(resp)
}
