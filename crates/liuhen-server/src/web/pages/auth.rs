//! Signing in and out, the language switch, one's own password.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::extract::SESSION_COOKIE;
use crate::web::frame::{Frame, LANG_COOKIE, Lang, Viewer, cookie, csrf_matches, local_path, render};

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    c: Frame,
    next: String,
    demo: Vec<liuhen_service::demo::DemoLogin>,
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

impl LoginPage {
    /// A role code in the page's language.
    fn role_label(&self, code: &str) -> String {
        liuhen_domain::Role::from_code(code).map_or_else(|| code.to_owned(), |r| self.c.l(r))
    }
}

/// `/`: the sign-in page, or the workbench for one already signed in.
pub async fn root(State(s): State<AppState>, headers: HeaderMap, Query(q): Query<Next>) -> Response {
    let next = local_path(q.next.as_deref());
    if let Some(secret) = cookie(&headers, SESSION_COOKIE)
        && s.service.authenticate_session(&secret).await.is_ok()
    {
        return Redirect::to(&next).into_response();
    }
    let page = LoginPage {
        c: Frame::anonymous(Lang::of(&headers), "/"),
        next,
        demo: s.demo_logins.as_ref().map(|d| d.to_vec()).unwrap_or_default(),
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// `/lang/{zh|en}`: keeps the choice in a cookie and goes back.
pub async fn switch_language(Path(code): Path<String>, Query(q): Query<Back>) -> Response {
    let lang = if code == "en" { "en" } else { "zh" };
    let back = match q.back.as_deref() {
        Some("/") => "/".to_owned(),
        other => local_path(other),
    };
    let mut resp = Redirect::to(&back).into_response();
    let c = format!("{LANG_COOKIE}={lang}; Path=/; SameSite=Lax; Max-Age=31536000");
    if let Ok(v) = HeaderValue::from_str(&c) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    c: Frame,
}

pub async fn password(v: Viewer) -> Response {
    render(&PasswordPage { c: v.frame })
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(rename = "_csrf")]
    csrf: String,
}

/// `POST /logout`: ends the session (with the form's CSRF token).
pub async fn logout(State(s): State<AppState>, v: Viewer, Form(f): Form<LogoutForm>) -> Response {
    if !csrf_matches(&v.secret, &f.csrf) {
        return crate::web::frame::WebError {
            status: axum::http::StatusCode::FORBIDDEN,
            zh: "表单已过期，请刷新页面后重试。".into(),
            en: "This form has expired; reload the page and try again.".into(),
        }
        .page(&v.frame);
    }
    if let Err(e) = s.service.logout(&v.me).await {
        return crate::web::frame::WebError::service(e).page(&v.frame);
    }
    let mut resp = Redirect::to("/").into_response();
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&clear) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}
