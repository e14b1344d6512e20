//! `GET /api/v1/evidence/{id}` and `GET /api/v1/evidence/{id}/content`
//! (single byte ranges, 206, for a browser's `<video>`).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use liuhen_domain::{Evidence, EvidenceId};

use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, Caller};

/// One evidence record.
#[utoipa::path(get, path = "/api/v1/evidence/{id}", operation_id = "get_evidence", tag = "evidence", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Evidence), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<EvidenceId>,
) -> ApiResult<Json<Evidence>> {
    Ok(Json(s.service.get_evidence(&me, id).await?))
}

/// Links or unlinks a clip and an act, with a reason.
#[utoipa::path(post, path = "/api/v1/evidence/{id}/links", tag = "evidence", params(("id" = String, Path, format = Uuid)),
    request_body = liuhen_service::evidence::LinkChange,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn link(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<EvidenceId>,
    crate::extract::ApiJson(change): crate::extract::ApiJson<liuhen_service::evidence::LinkChange>,
) -> ApiResult<StatusCode> {
    s.service.change_evidence_link(&me, id, &change).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A byte range to send.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    All,
    Range(u64, u64),
    Unsatisfiable,
}

/// Reads a `Range` header (RFC 9110 §14.1.2): one range, `a-b`, `a-` or
/// `-n`. Anything else (several ranges, other units) is answered with the
/// whole file, as the RFC allows.
fn wanted(headers: &HeaderMap, size: u64, etag: &str) -> Wanted {
    let Some(range) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else { return Wanted::All };
    if let Some(if_range) = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok())
        && if_range != etag
    {
        return Wanted::All;
    }
    let Some(spec) = range.strip_prefix("bytes=") else { return Wanted::All };
    if spec.contains(',') {
        return Wanted::All;
    }
    let Some((a, b)) = spec.trim().split_once('-') else { return Wanted::All };
    let parsed = match (a.trim(), b.trim()) {
        ("", n) => n.parse::<u64>().ok().map(|n| (size.saturating_sub(n), size.saturating_sub(1), n > 0)),
        (a, "") => a.parse::<u64>().ok().map(|a| (a, size.saturating_sub(1), true)),
        (a, b) => match (a.parse::<u64>(), b.parse::<u64>()) {
            (Ok(a), Ok(b)) if a <= b => Some((a, b.min(size.saturating_sub(1)), true)),
            _ => None,
        },
    };
    match parsed {
        None => Wanted::All,
        Some((start, end, nonempty)) if nonempty && size > 0 && start < size && start <= end => {
            Wanted::Range(start, end)
        }
        Some(_) => Wanted::Unsatisfiable,
    }
}

/// The file itself, whole or a byte range. The first request of a viewing
/// session is recorded in the ledger before anything is sent.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/content", tag = "evidence", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 206), (status = 416), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn content(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<EvidenceId>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (e, original) = s.service.open_evidence(&me, id).await?;
    let etag = format!("\"{}\"", e.sha256);
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        let mut resp = StatusCode::NOT_MODIFIED.into_response();
        set(&mut resp, header::ETAG, &etag);
        return Ok(resp);
    }
    let size = e.size;
    let (status, start, len) = match wanted(&headers, size, &etag) {
        Wanted::All => (StatusCode::OK, 0, size),
        Wanted::Range(a, b) => (StatusCode::PARTIAL_CONTENT, a, b - a + 1),
        Wanted::Unsatisfiable => {
            let mut resp =
                ApiError::new(StatusCode::RANGE_NOT_SATISFIABLE, "invalid", "the range is outside the file")
                    .into_response();
            set(&mut resp, header::CONTENT_RANGE, &format!("bytes */{size}"));
            return Ok(resp);
        }
    };
    let stream = original.range(start, len).await.map_err(|err| {
        ApiError::from(liuhen_service::ServiceError::Internal(format!(
            "evidence {} cannot be read: {err}",
            e.id
        )))
    })?;
    let body = Body::from_stream(stream);
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    crate::download::stored_bytes(resp.headers_mut(), &e.media_type, &download_name(&e));
    set(&mut resp, header::CONTENT_LENGTH, &len.to_string());
    set(&mut resp, header::ACCEPT_RANGES, "bytes");
    set(&mut resp, header::ETAG, &etag);
    set(&mut resp, header::CACHE_CONTROL, "private, no-cache");
    if status == StatusCode::PARTIAL_CONTENT {
        set(&mut resp, header::CONTENT_RANGE, &format!("bytes {start}-{}/{size}", start + len - 1));
    }
    Ok(resp)
}

/// `evidence-{id}` with the original's extension when it is a plain one.
fn download_name(e: &Evidence) -> String {
    let ext = e
        .file_name
        .rsplit_once('.')
        .map(|(_, x)| x)
        .filter(|x| (1..=8).contains(&x.len()) && x.bytes().all(|b| b.is_ascii_alphanumeric()));
    match ext {
        Some(x) => format!("evidence-{}.{x}", e.id),
        None => format!("evidence-{}", e.id),
    }
}

fn set(resp: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(range: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(header::RANGE, HeaderValue::from_str(range).unwrap());
        m
    }

    #[test]
    fn ranges() {
        assert_eq!(wanted(&HeaderMap::new(), 100, "\"x\""), Wanted::All);
        assert_eq!(wanted(&h("bytes=0-9"), 100, "\"x\""), Wanted::Range(0, 9));
        assert_eq!(wanted(&h("bytes=90-"), 100, "\"x\""), Wanted::Range(90, 99));
        assert_eq!(wanted(&h("bytes=-10"), 100, "\"x\""), Wanted::Range(90, 99));
        assert_eq!(wanted(&h("bytes=-500"), 100, "\"x\""), Wanted::Range(0, 99));
        assert_eq!(wanted(&h("bytes=50-5000"), 100, "\"x\""), Wanted::Range(50, 99));
        assert_eq!(wanted(&h("bytes=100-"), 100, "\"x\""), Wanted::Unsatisfiable);
        assert_eq!(wanted(&h("bytes=-0"), 100, "\"x\""), Wanted::Unsatisfiable);
        assert_eq!(wanted(&h("bytes=0-1,5-6"), 100, "\"x\""), Wanted::All);
        assert_eq!(wanted(&h("items=0-1"), 100, "\"x\""), Wanted::All);
        assert_eq!(wanted(&h("bytes=9-2"), 100, "\"x\""), Wanted::All);
        let mut stale = h("bytes=0-9");
        stale.insert(header::IF_RANGE, HeaderValue::from_static("\"old\""));
        assert_eq!(wanted(&stale, 100, "\"x\""), Wanted::All);
    }
}
