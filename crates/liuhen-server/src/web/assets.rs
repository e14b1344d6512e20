//! The UI's static files (CSS, hand-written JavaScript), built into the
//! binary and served under `/static/` with a digest-named version.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::frame::WebError;

/// Every static file: name, content type, content.
const FILES: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", include_str!("../../static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("../../static/app.js")),
    ("upload.js", "text/javascript; charset=utf-8", include_str!("../../static/upload.js")),
    ("player.js", "text/javascript; charset=utf-8", include_str!("../../static/player.js")),
    ("live.js", "text/javascript; charset=utf-8", include_str!("../../static/live.js")),
    ("favicon.svg", "image/svg+xml", include_str!("../../static/favicon.svg")),
];

/// A digest of all static files: changes whenever one does, so pages can
/// name `/static/app.css?v=…` and browsers cache it for long.
pub fn version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        let mut h = Sha256::new();
        for (name, _, body) in FILES {
            h.update(name.as_bytes());
            h.update(body.as_bytes());
        }
        hex::encode(h.finalize().iter().take(6).copied().collect::<Vec<u8>>())
    })
}

pub async fn file(Path(name): Path<String>) -> Response {
    let Some((_, ty, body)) = FILES.iter().find(|(n, _, _)| *n == name) else {
        let frame = super::frame::Frame::anonymous(super::frame::Lang::Zh, "/static");
        return WebError::not_found().page(&frame);
    };
    let mut resp = (*body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ty));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    resp
}
