//! 归档: case-file packages (archivists only). The layout a court checks the
//! package against is in the repository's `docs/archive-package.md`.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use liuhen_domain::{ArchiveId, CaseId};
use liuhen_service::archive::{ArchiveView, FourProperties};

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiPath, Caller};

/// Assembles the package of an archived case: every issued or registered
/// document, every evidence original, every ledger entry about the case
/// with its proof, the verifier keys and the 四性检测 report; one
/// `archive.assembled` entry with the next 档号 fixes it. Once per case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/archive", tag = "archives",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 201, body = ArchiveView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn assemble(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
) -> ApiResult<(StatusCode, Json<ArchiveView>)> {
    Ok((StatusCode::CREATED, Json(s.service.assemble_archive(&me, id).await?)))
}

/// The package of a case, if it has one.
#[utoipa::path(get, path = "/api/v1/cases/{id}/archive", tag = "archives",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = ArchiveView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn of_case(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
) -> ApiResult<Json<ArchiveView>> {
    match s.service.case_archive(&me, id).await? {
        Some(a) => Ok(Json(a)),
        None => Err(liuhen_service::ServiceError::NotFound("archive").into()),
    }
}

/// A package: its 档号, the digests the archive entry fixes, and the 四性检测 report.
#[utoipa::path(get, path = "/api/v1/archives/{id}", tag = "archives",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = ArchiveView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<ArchiveId>,
) -> ApiResult<Json<ArchiveView>> {
    Ok(Json(s.service.archive(&me, id).await?))
}

/// The package as one tar file (a BagIt bag in a folder named by its 档号),
/// made as it is sent; `liuhen verify FILE.tar` checks it offline. The
/// download is recorded.
#[utoipa::path(get, path = "/api/v1/archives/{id}/package", tag = "archives",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, content_type = "application/x-tar"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn package(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<ArchiveId>,
) -> ApiResult<Response> {
    let stream = s.service.archive_package(&me, id).await?;
    let chunks =
        futures_util::stream::unfold(stream.chunks, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let mut resp = Body::from_stream(chunks).into_response();
    let h = resp.headers_mut();
    crate::download::attachment(h, "application/x-tar", &stream.file_name);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(resp)
}

/// 四性检测 again, on receipt or whenever asked: every original re-hashed
/// against the package's digests, every packaged ledger entry against the log,
/// the archive entry against the manifests. Recorded as `archive.checked` or
/// `archive.check_failed` (an alert on the supervision stream).
#[utoipa::path(post, path = "/api/v1/archives/{id}/checks", tag = "archives",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = FourProperties), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn check(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<ArchiveId>,
) -> ApiResult<Json<FourProperties>> {
    Ok(Json(s.service.check_archive(Some(&me), id).await?))
}
