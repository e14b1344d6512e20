//! The web UI: server-rendered pages (askama templates under `templates/`,
//! checked at compile time) and a little hand-written JavaScript under
//! `static/` — no build step, no third-party script.
//!
//! Pages read through the same [`liuhen_service`] calls as the API (so a
//! page read of a case or evidence is recorded exactly as the API's is), and
//! every change a page makes is a request to the JSON API under `/api/v1/`
//! sent by `static/app.js` with the session's CSRF token: the service's
//! rules are written once, and a refused change leaves the form as the user
//! typed it, with the reason shown beside the field.
//!
//! Every page carries a Content-Security-Policy without inline script or
//! style, `frame-ancestors 'none'`, `Referrer-Policy: same-origin` and
//! `X-Content-Type-Options: nosniff`. What a person may not see answers the
//! same 404 page as what does not exist.

pub mod assets;
pub mod frame;
mod pages;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;
use frame::{Frame, Lang, Viewer, WebError};

/// The policy of every page: scripts, styles, media and connections from
/// this site only; no plugins, no framing, no base rewriting.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The pages, mounted at the root of the site.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::auth::root))
        .route("/lang/{code}", get(pages::auth::switch_language))
        .route("/password", get(pages::auth::password))
        .route("/workbench", get(pages::workbench::page))
        .route("/cases", get(pages::cases::list))
        .route("/cases/new", get(pages::cases::new))
        .route("/cases/{id}", get(pages::case::page))
        .route("/cases/{id}/review", get(pages::review::page))
        .route("/cases/{id}/documents/new", get(pages::documents::new))
        .route("/documents/{id}", get(pages::documents::page))
        .route("/upload", get(pages::evidence::upload))
        .route("/evidence/{id}", get(pages::evidence::player))
        .route("/access", get(pages::access::page))
        .route("/retention", get(pages::retention::page))
        .route("/disclosure", get(pages::disclosure::page))
        .route("/supervision", get(pages::supervision::page))
        .route("/audit", get(pages::supervision::audit))
        .route("/ledger", get(pages::ledger::page))
        .route("/admin", get(pages::admin::page))
        .route("/public", get(pages::public::search))
        .route("/public/decisions/{id}", get(pages::public::decision))
        .route("/public/agencies", get(pages::public::agencies))
        .route("/public/agencies/{id}", get(pages::public::agency))
        .route("/public/agencies/{id}/stats/{year}", get(pages::public::stats))
        .route("/public/officers/{id}", get(pages::public::officer))
        .route("/public/certificates/{cert}", get(pages::public::certificate))
        .route("/static/{name}", get(assets::file))
        .route("/logout", post(pages::auth::logout))
        .layer(axum::middleware::from_fn(page_headers))
}

/// Adds the page security headers (unless a handler set its own policy).
async fn page_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    }
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

/// What the site answers for a path it does not have: the API's JSON 404
/// to programs, the UI's 404 page to browsers (the same page an
/// out-of-scope record answers, in the person's frame when signed in).
pub async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if path.starts_with("/api/") || path.starts_with("/ledger/") || !wants_html {
        return crate::error::ApiError::not_found("resource").into_response();
    }
    let lang = Lang::of(req.headers());
    let (mut parts, _) = req.into_parts();
    let frame = match Viewer::from_request_parts(&mut parts, &state).await {
        Ok(v) => v.frame,
        Err(_) => Frame::anonymous(lang, &path),
    };
    let mut resp = WebError::not_found().page(&frame);
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    resp
}
