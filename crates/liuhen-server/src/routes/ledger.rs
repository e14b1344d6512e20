//! The verifiable ledger over HTTP: C2SP tlog-tiles (`/ledger/checkpoint`,
//! `/ledger/tile/…`), the verifier keys, and JSON proofs under
//! `/api/v1/ledger/`.
//!
//! Checkpoints, keys, hash tiles and proofs carry no personal data (entries
//! are salted digests and ids) and are public unless `ledger_public = false`;
//! entry bundles and entries always need a supervisor, administrator or
//! archivist.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use liuhen_tlog::TilePath;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, Caller};

/// Present when the ledger is public; otherwise the caller must authenticate.
pub struct LedgerReader;

impl FromRequestParts<AppState> for LedgerReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if !state.config.ledger_public {
            Caller::from_request_parts(parts, state).await?;
        }
        Ok(LedgerReader)
    }
}

fn text(body: String, cache: &'static str) -> Response {
    let mut resp = body.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    resp
}

fn bytes(body: Vec<u8>, immutable: bool) -> Response {
    let mut resp = body.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    resp
}

/// The newest signed checkpoint (C2SP tlog-checkpoint in a signed note).
#[utoipa::path(get, path = "/ledger/checkpoint", tag = "ledger",
    responses((status = 200, content_type = "text/plain"), (status = 404, body = ErrorBody)))]
pub async fn checkpoint(State(s): State<AppState>, _r: LedgerReader) -> ApiResult<Response> {
    let cp = s.service.latest_checkpoint().await?.ok_or_else(|| ApiError::not_found("checkpoint"))?;
    Ok(text(cp.note, "no-cache"))
}

/// The log's verifier keys, one signed-note verifier key (`name+id+key`) per line.
#[utoipa::path(get, path = "/ledger/keys", tag = "ledger", responses((status = 200, content_type = "text/plain")))]
pub async fn keys(State(s): State<AppState>) -> Response {
    let mut out = String::new();
    for k in s.service.ledger_signer().verifier_keys() {
        out.push_str(&k.to_string());
        out.push('\n');
    }
    text(out, "public, max-age=300")
}

/// A hash tile (`tile/<L>/<N>[.p/<W>]`) or an entry bundle (`tile/entries/<N>[.p/<W>]`), C2SP tlog-tiles.
#[utoipa::path(get, path = "/ledger/tile/{path}", tag = "ledger", params(("path" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
pub async fn tile(State(s): State<AppState>, parts: Parts) -> ApiResult<Response> {
    let mut parts = parts;
    let rest = parts.uri.path().strip_prefix("/ledger/").unwrap_or_default().to_owned();
    let parsed = liuhen_tlog::parse_tile_path(&rest)
        .map_err(|e| ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string()))?;
    match parsed {
        TilePath::Hash(t) => {
            LedgerReader::from_request_parts(&mut parts, &s).await?;
            let data = s.service.hash_tile(t).await?;
            Ok(bytes(data, !t.is_partial()))
        }
        TilePath::Entries(b) => {
            let Caller(me) = Caller::from_request_parts(&mut parts, &s).await?;
            let data = s.service.entry_bundle(&me, b).await?;
            Ok(bytes(data, b.width == 256))
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// Zero-based entry index.
    pub index: u64,
    /// Tree size the proof is for (e.g. a checkpoint's).
    pub size: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InclusionProof {
    pub index: u64,
    pub size: u64,
    /// RFC 9162 §2.1.3 audit path, base64, leaf's sibling first.
    pub proof: Vec<String>,
}

/// Inclusion proof of one entry in a tree of a given size.
#[utoipa::path(get, path = "/api/v1/ledger/proof/inclusion", tag = "ledger", params(InclusionQuery),
    responses((status = 200, body = InclusionProof), (status = 404, body = ErrorBody)))]
pub async fn inclusion(
    State(s): State<AppState>,
    _r: LedgerReader,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> ApiResult<Json<InclusionProof>> {
    let proof = s.service.inclusion_proof(q.index, q.size).await?;
    Ok(Json(InclusionProof {
        index: q.index,
        size: q.size,
        proof: proof.iter().map(|h| h.to_base64()).collect(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    pub from: u64,
    pub to: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    /// RFC 9162 §2.1.4 consistency proof, base64.
    pub proof: Vec<String>,
}

/// Consistency proof between two tree sizes.
#[utoipa::path(get, path = "/api/v1/ledger/proof/consistency", tag = "ledger", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProof), (status = 404, body = ErrorBody)))]
pub async fn consistency(
    State(s): State<AppState>,
    _r: LedgerReader,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> ApiResult<Json<ConsistencyProof>> {
    let proof = s.service.consistency_proof(q.from, q.to).await?;
    Ok(Json(ConsistencyProof {
        from: q.from,
        to: q.to,
        proof: proof.iter().map(|h| h.to_base64()).collect(),
    }))
}

/// One ledger entry, in its canonical JSON bytes.
#[utoipa::path(get, path = "/api/v1/ledger/entries/{index}", tag = "ledger", params(("index" = u64, Path)),
    responses((status = 200, content_type = "application/json"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn entry(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(index): ApiPath<u64>,
) -> ApiResult<Response> {
    let body = s.service.ledger_entry(&me, index).await?;
    let mut resp = body.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(resp)
}

/// A C2SP tlog-proof file for one entry (the entry travels in its `extra` line).
#[utoipa::path(get, path = "/api/v1/ledger/entries/{index}/tlog-proof", tag = "ledger", params(("index" = u64, Path)),
    responses((status = 200, content_type = "text/plain"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn tlog_proof(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(index): ApiPath<u64>,
) -> ApiResult<Response> {
    let mut resp = text(s.service.tlog_proof(&me, index).await?, "no-cache");
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"liuhen-entry-{index}.tlog-proof\""))
    {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
