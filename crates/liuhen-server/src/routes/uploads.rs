//! tus 1.0.0 resumable uploads at `/api/v1/uploads`: core (HEAD, PATCH,
//! OPTIONS), creation, checksum (`sha256`, and `sm3` as an extra algorithm
//! named as GB/T 32905 calls it), termination and expiration.
//! <https://tus.io/protocols/resumable-upload>

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use futures_util::TryStreamExt;
use liuhen_service::evidence::ChunkOutcome;
use liuhen_store::uploads::ChunkChecksum;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, Caller};

pub const TUS_VERSION: &str = "1.0.0";
const EXTENSIONS: &str = "creation,checksum,termination,expiration";

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid", msg)
}

/// Every tus request but OPTIONS must say which protocol version it speaks.
fn require_tus(headers: &HeaderMap) -> ApiResult<()> {
    match headers.get("tus-resumable").and_then(|v| v.to_str().ok()) {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "invalid",
            format!("send Tus-Resumable: {TUS_VERSION}"),
        )),
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> ApiResult<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| bad(format!("{name} must be a non-negative integer")))
}

/// Decodes `Upload-Metadata`: comma-separated `key base64value` pairs.
fn parse_metadata(headers: &HeaderMap) -> ApiResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    let Some(raw) = headers.get("upload-metadata") else { return Ok(out) };
    let raw = raw.to_str().map_err(|_| bad("Upload-Metadata must be ASCII"))?;
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|_| bad(format!("Upload-Metadata: the value of {key:?} is not base64")))?;
        let text =
            String::from_utf8(bytes).map_err(|_| bad(format!("Upload-Metadata: {key:?} is not UTF-8")))?;
        if out.insert(key.to_owned(), text).is_some() {
            return Err(bad(format!("Upload-Metadata: {key:?} appears twice")));
        }
    }
    Ok(out)
}

fn tus_headers(resp: &mut Response) {
    resp.headers_mut().insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn set(resp: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

fn http_date(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms / 1000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.format(&f).unwrap_or_default()
}

/// What this server supports.
pub async fn options(State(s): State<AppState>) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    tus_headers(&mut resp);
    set(&mut resp, "tus-version", TUS_VERSION);
    set(&mut resp, "tus-extension", EXTENSIONS);
    set(&mut resp, "tus-checksum-algorithm", "sha256,sm3");
    if let Ok(l) = s.service.upload_limits() {
        set(&mut resp, "tus-max-size", &l.max_bytes.to_string());
    }
    resp
}

/// Creates an upload.
pub async fn create(
    State(s): State<AppState>,
    Caller(me): Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    require_tus(&headers)?;
    if headers.contains_key("upload-defer-length") {
        return Err(bad("Upload-Defer-Length is not supported: declare Upload-Length"));
    }
    let length = header_u64(&headers, "upload-length")?;
    let metadata = parse_metadata(&headers)?;
    let record = s.service.create_upload(&me, length, metadata).await?;
    let mut resp = StatusCode::CREATED.into_response();
    tus_headers(&mut resp);
    set(&mut resp, "location", &format!("/api/v1/uploads/{}", record.id));
    set(&mut resp, "upload-expires", &http_date(record.expires_ms));
    set(&mut resp, "upload-offset", "0");
    Ok(resp)
}

/// How far an upload has got.
pub async fn head(
    State(s): State<AppState>,
    Caller(me): Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    require_tus(&headers)?;
    let (record, offset, evidence) = s.service.upload_status(&me, &id).await?;
    let mut resp = StatusCode::OK.into_response();
    tus_headers(&mut resp);
    set(&mut resp, "upload-offset", &offset.to_string());
    set(&mut resp, "upload-length", &record.length.to_string());
    set(&mut resp, "upload-expires", &http_date(record.expires_ms));
    if let Some(e) = evidence {
        evidence_headers(&mut resp, &e);
    }
    Ok(resp)
}

fn parse_checksum(headers: &HeaderMap) -> ApiResult<Option<ChunkChecksum>> {
    let Some(v) = headers.get("upload-checksum") else { return Ok(None) };
    let v = v.to_str().map_err(|_| bad("Upload-Checksum must be ASCII"))?;
    let (algo, b64) = v.trim().split_once(' ').ok_or_else(|| bad("Upload-Checksum is ALGORITHM BASE64"))?;
    let digest: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("Upload-Checksum: the digest is not 32 bytes of base64"))?;
    match algo {
        "sha256" => Ok(Some(ChunkChecksum::Sha256(digest))),
        "sm3" => Ok(Some(ChunkChecksum::Sm3(digest))),
        other => {
            Err(bad(format!("Upload-Checksum: algorithm {other:?} is not supported; use sha256 or sm3")))
        }
    }
}

/// Appends bytes at the upload's offset.
pub async fn patch(
    State(s): State<AppState>,
    Caller(me): Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    body: Body,
) -> ApiResult<Response> {
    require_tus(&headers)?;
    if headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
        != Some("application/offset+octet-stream")
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "a PATCH carries Content-Type: application/offset+octet-stream",
        ));
    }
    let offset = header_u64(&headers, "upload-offset")?;
    let checksum = parse_checksum(&headers)?;
    // Each PATCH holds blocking threads (digests, writer) while it lasts:
    // beyond the cap, the client is told to come back rather than queued.
    let Ok(_slot) = s.upload_slots.clone().try_acquire_owned() else {
        let mut resp = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many uploads in progress; try again shortly",
        )
        .into_response();
        tus_headers(&mut resp);
        set(&mut resp, "retry-after", "5");
        return Ok(resp);
    };
    // The body's frames go to the digests and the file as hyper hands them over.
    let idle = std::time::Duration::from_secs(u64::from(s.config.body_idle_seconds));
    let mut stream = ends_when_stalled(body.into_data_stream().map_err(std::io::Error::other), idle);
    let outcome = s.service.upload_chunk(&me, &id, offset, &mut stream, checksum).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    tus_headers(&mut resp);
    match outcome {
        ChunkOutcome::Progress { offset } => set(&mut resp, "upload-offset", &offset.to_string()),
        ChunkOutcome::Complete { offset, evidence } => {
            set(&mut resp, "upload-offset", &offset.to_string());
            evidence_headers(&mut resp, &evidence);
        }
    }
    Ok(resp)
}

/// The body, ending early if no byte comes for `idle`: a stalled client
/// then keeps what it sent (tus: the server should keep what it received;
/// a chunk checksum, if given, still decides), and the request's threads
/// and upload lock are freed instead of held for as long as the client likes.
fn ends_when_stalled<S>(
    body: S,
    idle: std::time::Duration,
) -> impl futures_util::Stream<Item = S::Item> + Unpin + Send
where
    S: futures_util::Stream + Unpin + Send,
    S::Item: Send,
{
    use futures_util::StreamExt as _;
    Box::pin(futures_util::stream::unfold(body, move |mut body| async move {
        match tokio::time::timeout(idle, body.next()).await {
            Ok(Some(item)) => Some((item, body)),
            Ok(None) => None,
            Err(_) => {
                tracing::info!(idle_seconds = idle.as_secs(), "upload body stalled; keeping what came");
                None
            }
        }
    }))
}

/// The evidence a completed upload became, for the client's receipt.
fn evidence_headers(resp: &mut Response, evidence: &liuhen_domain::Evidence) {
    set(resp, "liuhen-evidence-id", &evidence.id.to_string());
    set(resp, "liuhen-evidence-sha256", &evidence.sha256);
    set(resp, "liuhen-evidence-sm3", &evidence.sm3);
}

/// Abandons an upload.
pub async fn delete(
    State(s): State<AppState>,
    Caller(me): Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    require_tus(&headers)?;
    s.service.terminate_upload(&me, &id).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    tus_headers(&mut resp);
    Ok(resp)
}
