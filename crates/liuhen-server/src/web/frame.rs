//! What every page shares: the signed-in person, the language, the CSRF
//! token, the menu, and how times, amounts and labels are shown.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use liuhen_domain::{Labelled, Role, User};
use liuhen_service::{Principal, ServiceError};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::AppState;
use crate::extract::SESSION_COOKIE;

/// Name of the cookie that keeps the chosen language.
pub const LANG_COOKIE: &str = "liuhen_lang";

/// The page language: Chinese first, English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn of(headers: &HeaderMap) -> Lang {
        match cookie(headers, LANG_COOKIE).as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// One entry of the menu.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub current: bool,
}

/// The page frame every template extends (`base.html`).
#[derive(Debug, Clone)]
pub struct Frame {
    pub lang: Lang,
    pub me: Option<User>,
    /// This session's CSRF token, sent back by every form.
    pub csrf: String,
    /// The path of this page (for the language switch).
    pub path: String,
    pub nav: Vec<NavItem>,
    /// Version tag of the static files (their digest), for caching.
    pub assets: &'static str,
}

impl Frame {
    /// The text in the page's language.
    pub fn t(&self, zh: &'static str, en: &'static str) -> &'static str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// A coded value (stage, kind, role, …) in the page's language.
    pub fn l<T: Labelled>(&self, v: T) -> String {
        match self.lang {
            Lang::Zh => v.label_zh().to_owned(),
            Lang::En => v.code().replace('_', " "),
        }
    }

    /// A time in 北京时间, to the minute.
    pub fn dt(&self, t: &OffsetDateTime) -> String {
        beijing(*t, false)
    }

    /// A time in 北京时间, to the second.
    pub fn dts(&self, t: &OffsetDateTime) -> String {
        beijing(*t, true)
    }

    /// An optional time.
    pub fn odt(&self, t: &Option<OffsetDateTime>) -> String {
        t.map(|t| beijing(t, false)).unwrap_or_default()
    }

    pub fn role(&self) -> Option<Role> {
        self.me.as_ref().map(|u| u.role)
    }
}

/// `2026-03-02 09:30` (北京时间).
pub fn beijing(t: OffsetDateTime, seconds: bool) -> String {
    let b = liuhen_domain::when::in_beijing(t);
    let (y, mo, d) = (b.year(), u8::from(b.month()), b.day());
    if seconds {
        format!("{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}", b.hour(), b.minute(), b.second())
    } else {
        format!("{y:04}-{mo:02}-{d:02} {:02}:{:02}", b.hour(), b.minute())
    }
}

/// The value of a `datetime-local` input for `t` in 北京时间 (to the second).
pub fn local_input(t: OffsetDateTime) -> String {
    beijing(t, true).replace(' ', "T")
}

/// The CSRF token of a session: a digest of its secret, so it needs no
/// storage, dies with the session and reveals nothing of the secret.
pub fn csrf_token(session_secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"liuhen-csrf\0");
    h.update(session_secret.as_bytes());
    hex::encode(h.finalize().iter().take(16).copied().collect::<Vec<u8>>())
}

/// Compares a presented CSRF token with the session's in constant time.
pub fn csrf_matches(session_secret: &str, presented: &str) -> bool {
    let want = csrf_token(session_secret);
    want.len() == presented.len()
        && want.bytes().zip(presented.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The menu for a role: only what the role can use.
fn nav_for(user: &User, path: &str) -> Vec<NavItem> {
    use Role::*;
    let mut items: Vec<(&'static str, &'static str, &'static str)> =
        vec![("/workbench", "工作台", "Workbench")];
    let role = user.role;
    if matches!(role, Officer | Leader | Reviewer | Archivist | Supervisor) {
        items.push(("/cases", "案件", "Cases"));
    }
    if matches!(role, Officer | Station) {
        items.push(("/upload", "上传证据", "Upload"));
    }
    if matches!(role, Officer | Leader | Reviewer | Archivist | Supervisor) {
        items.push(("/access", "调阅", "Access"));
    }
    if matches!(role, Supervisor | Leader) {
        items.push(("/supervision", "监督", "Supervision"));
    }
    if matches!(role, Officer | Reviewer | Leader | Supervisor) {
        items.push(("/disclosure", "执法公示", "Disclosure"));
    }
    if matches!(role, Archivist | Leader | Supervisor) {
        items.push(("/retention", "档案保管", "Retention"));
    }
    items.push(("/ledger", "留痕账本", "Ledger"));
    if role == Admin {
        items.push(("/admin", "系统管理", "Administration"));
    }
    items
        .into_iter()
        .map(|(href, zh, en)| NavItem {
            href,
            zh,
            en,
            current: path == href || (href != "/" && path.starts_with(&format!("{href}/"))),
        })
        .collect()
}

/// A signed-in person reaching a page: their principal and the page frame.
/// Without a valid session the page answers with a redirect to the login.
pub struct Viewer {
    pub me: Principal,
    pub frame: Frame,
    /// The session secret (for checking the CSRF token of a form).
    pub secret: String,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let path = parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.clone(), |o| o.0.clone());
        let to_login = || {
            let next = path.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            Redirect::to(&format!("/?next={}", urlencode(next))).into_response()
        };
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let me = match state.service.authenticate_session(&secret).await {
            Ok(me) => me,
            Err(ServiceError::Unauthenticated(_)) => return Err(to_login()),
            Err(e) => {
                return Err(
                    WebError::service(e).page(&Frame::anonymous(Lang::of(&parts.headers), path.path()))
                );
            }
        };
        let frame = Frame {
            lang: Lang::of(&parts.headers),
            csrf: csrf_token(&secret),
            nav: nav_for(&me.user, path.path()),
            me: Some(me.user.clone()),
            path: path.path().to_owned(),
            assets: super::assets::version(),
        };
        Ok(Viewer { me, frame, secret })
    }
}

impl Frame {
    /// The frame of a page seen by nobody signed in.
    pub fn anonymous(lang: Lang, path: &str) -> Frame {
        Frame {
            lang,
            me: None,
            csrf: String::new(),
            path: path.to_owned(),
            nav: Vec::new(),
            assets: super::assets::version(),
        }
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A local path to go back to after signing in or switching language:
/// only a path of this site (`/…`, never `//host` or a scheme).
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && !p.contains("://") => {
            p.to_owned()
        }
        _ => "/workbench".to_owned(),
    }
}

/// What a page could not do, shown as a page.
#[derive(Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub zh: String,
    pub en: String,
}

impl WebError {
    pub fn not_found() -> Self {
        WebError {
            status: StatusCode::NOT_FOUND,
            zh: "页面不存在，或您无权查看。".into(),
            en: "No such page, or not yours to see.".into(),
        }
    }

    /// A service error as a page. What the caller may not see answers as
    /// missing, so that a page never tells what exists out of scope.
    pub fn service(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound(_) | ServiceError::Forbidden(_) => WebError::not_found(),
            ServiceError::Internal(detail) => {
                tracing::error!(%detail, "internal error on a page");
                WebError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    zh: "系统内部错误，请稍后再试；详情见服务器日志。".into(),
                    en: "Internal error; see the server log.".into(),
                }
            }
            other => {
                let api = crate::error::ApiError::from(other);
                WebError { status: api.status, zh: api.body.message.clone(), en: api.body.message }
            }
        }
    }

    /// The error page, in the frame given.
    pub fn page(self, frame: &Frame) -> Response {
        let page = super::pages::ErrorPage {
            c: frame.clone(),
            status: self.status.as_u16(),
            message: match frame.lang {
                Lang::Zh => self.zh,
                Lang::En => self.en,
            },
        };
        let mut resp = render(&page);
        *resp.status_mut() = self.status;
        resp
    }
}

impl From<ServiceError> for WebError {
    fn from(e: ServiceError) -> Self {
        WebError::service(e)
    }
}

/// What a page handler could not do, with the frame to show it in (boxed:
/// the frame is large and errors are rare).
pub type PageError = Box<(Frame, WebError)>;

/// The result of a page handler: the page, or an error page in its frame.
pub type PageResult = Result<Response, PageError>;

/// The 404 page in `frame`, for a page the person may not use.
pub fn not_found(frame: Frame) -> PageError {
    Box::new((frame, WebError::not_found()))
}

/// Renders a template into a response, never cached (pages hold records).
pub fn render<T: askama::Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => {
            let mut resp = Html(html).into_response();
            resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering a page");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// Turns a page handler's outcome into a response.
pub fn finish(r: PageResult) -> Response {
    match r {
        Ok(resp) => resp,
        Err(boxed) => {
            let (frame, e) = *boxed;
            e.page(&frame)
        }
    }
}

/// Shorthand: a service result inside a page handler.
pub trait OrPage<T> {
    fn or_page(self, frame: &Frame) -> Result<T, PageError>;
}

impl<T> OrPage<T> for liuhen_service::Result<T> {
    fn or_page(self, frame: &Frame) -> Result<T, PageError> {
        self.map_err(|e| Box::new((frame.clone(), WebError::service(e))))
    }
}

/// The people of an agency by id, to show names where records name ids
/// (`user:…` in ledger subjects and alert messages).
#[derive(Debug, Clone, Default)]
pub struct People(std::collections::HashMap<String, String>);

impl People {
    pub fn of(users: Vec<User>) -> Self {
        People(users.into_iter().map(|u| (u.id.to_string(), u.display_name)).collect())
    }

    /// `text` with every `user:<id>` of a known person replaced by their name.
    pub fn humanize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find("user:") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 5..];
            let id: String = after.chars().take_while(|c| c.is_ascii_hexdigit() || *c == '-').collect();
            match self.0.get(&id) {
                Some(name) => out.push_str(name),
                None => {
                    out.push_str("user:");
                    out.push_str(&id);
                }
            }
            rest = &after[id.len()..];
        }
        out.push_str(rest);
        out
    }

    pub fn name(&self, id: &str) -> Option<&str> {
        self.0.get(id.strip_prefix("user:").unwrap_or(id)).map(String::as_str)
    }
}

/// An amount of money in 元 with two decimals (`20,000.00`).
pub fn yuan(fen: i64) -> String {
    let neg = fen < 0;
    let fen = fen.unsigned_abs();
    let (y, f) = (fen / 100, fen % 100);
    format!("{}{}.{f:02}", if neg { "-" } else { "" }, grouped(y))
}

/// A whole number with thousands separators (`5,050,690`).
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_only() {
        assert_eq!(local_path(Some("/cases/1")), "/cases/1");
        assert_eq!(local_path(Some("//evil.example/")), "/workbench");
        assert_eq!(local_path(Some("https://evil.example/")), "/workbench");
        assert_eq!(local_path(Some("/\\evil")), "/workbench");
        assert_eq!(local_path(None), "/workbench");
    }

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let t = csrf_token("s1");
        assert!(csrf_matches("s1", &t));
        assert!(!csrf_matches("s2", &t));
        assert!(!csrf_matches("s1", ""));
    }

    #[test]
    fn amounts_in_yuan() {
        assert_eq!(yuan(2_000_000), "20,000.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(-123_456_789), "-1,234,567.89");
    }
}
