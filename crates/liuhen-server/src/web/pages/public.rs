//! The public portal (执法公示): no login. Search of published decisions, a page per decision
//! (its redacted text, digests and ledger index), 事前公开 of each agency with its officers, an
//! officer's 执法证 page (the QR code on documents leads here), and the 统计年报. Everything shown
//! comes from the service's public calls — the same answers the public JSON API gives.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use liuhen_domain::{CaseKind, DisclosureId, UnitId, UserId};
use liuhen_service::disclosure::{
    AnnualStats, PublicAgency, PublicDisclosure, PublicOfficer, PublicPage, PublicPrior,
};

use crate::AppState;
use crate::extract::ApiQuery;
use crate::routes::disclosure::PublicSearch;
use crate::web::frame::{Frame, Lang, NavItem, OrPage, PageResult, WebError, finish, render};

fn public_frame(headers: &HeaderMap, path: &str) -> Frame {
    let mut f = Frame::anonymous(Lang::of(headers), path);
    f.nav = [("/public", "决定公示", "Decisions"), ("/public/agencies", "事前公开", "Before enforcement")]
        .into_iter()
        .map(|(href, zh, en)| NavItem {
            href,
            zh,
            en,
            current: path == href || (href == "/public/agencies" && path.starts_with("/public/agencies")),
        })
        .collect();
    f
}

fn bad_request(frame: &Frame, e: crate::error::ApiError) -> crate::web::frame::PageError {
    Box::new((
        frame.clone(),
        WebError {
            status: axum::http::StatusCode::BAD_REQUEST,
            zh: e.body.message.clone(),
            en: e.body.message,
        },
    ))
}

#[derive(Template)]
#[template(path = "public_search.html")]
pub struct SearchPage {
    c: Frame,
    q: PublicSearch,
    agencies: Vec<PublicAgency>,
    kinds: &'static [CaseKind],
    page: PublicPage,
    /// The query string without `offset`, for the pager.
    base: String,
}

impl SearchPage {
    fn next_offset(&self) -> Option<u32> {
        let next = self.page.offset + self.page.limit;
        (u64::from(next) < self.page.total).then_some(next)
    }
    fn prev_offset(&self) -> Option<u32> {
        (self.page.offset > 0).then(|| self.page.offset.saturating_sub(self.page.limit))
    }
    fn selected_agency(&self, id: &UnitId) -> bool {
        self.q.agency.as_deref() == Some(id.to_string().as_str())
    }
    fn selected_kind(&self, k: &CaseKind) -> bool {
        self.q.kind.as_deref() == Some(k.code())
    }
    fn text_of(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
}

/// `/public`: the search form and the newest publications.
pub async fn search(
    State(s): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PublicSearch>,
) -> Response {
    let frame = public_frame(&headers, "/public");
    finish(build_search(&s, frame, q).await)
}

async fn build_search(s: &AppState, frame: Frame, q: PublicSearch) -> PageResult {
    let query = q.query().map_err(|e| bad_request(&frame, e))?;
    let page = s.service.public_disclosures(&query).await.or_page(&frame)?;
    let agencies = s.service.public_agencies().await.or_page(&frame)?;
    let mut parts: Vec<String> = Vec::new();
    let enc = crate::web::frame::urlencode;
    for (k, v) in
        [("agency", &q.agency), ("kind", &q.kind), ("from", &q.from), ("to", &q.to), ("number", &q.number)]
    {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", enc(v)));
        }
    }
    let base = parts.join("&");
    Ok(render(&SearchPage { c: frame, q, agencies, kinds: CaseKind::ALL, page, base }))
}

#[derive(Template)]
#[template(path = "public_decision.html")]
pub struct DecisionPage {
    c: Frame,
    d: PublicDisclosure,
}

/// `/public/decisions/{id}`: one decision as published.
pub async fn decision(State(s): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let frame = public_frame(&headers, "/public");
    let Ok(id) = id.parse::<DisclosureId>() else { return WebError::not_found().page(&frame) };
    finish(
        s.service.public_disclosure(id).await.or_page(&frame).map(|d| render(&DecisionPage { c: frame, d })),
    )
}

#[derive(Template)]
#[template(path = "public_agencies.html")]
pub struct AgenciesPage {
    c: Frame,
    agencies: Vec<PublicAgency>,
    years: Vec<i32>,
}

/// `/public/agencies`: every agency, with links to its 事前公开 and its 统计年报.
pub async fn agencies(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let frame = public_frame(&headers, "/public/agencies");
    let year = liuhen_domain::when::in_beijing(s.service.now()).year();
    finish(
        s.service
            .public_agencies()
            .await
            .or_page(&frame)
            .map(|agencies| render(&AgenciesPage { c: frame, agencies, years: vec![year, year - 1] })),
    )
}

#[derive(Template)]
#[template(path = "public_agency.html")]
pub struct AgencyPage {
    c: Frame,
    p: PublicPrior,
}

/// `/public/agencies/{id}`: 事前公开 — the published items and the officers.
pub async fn agency(State(s): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let frame = public_frame(&headers, "/public/agencies");
    let Ok(id) = id.parse::<UnitId>() else { return WebError::not_found().page(&frame) };
    finish(s.service.public_prior(id).await.or_page(&frame).map(|p| render(&AgencyPage { c: frame, p })))
}

#[derive(Template)]
#[template(path = "public_officer.html")]
pub struct OfficerPage {
    c: Frame,
    o: PublicOfficer,
}

/// `/public/officers/{id}`: an officer's 执法证 (事中公示), reached from the QR code on documents.
pub async fn officer(State(s): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let frame = public_frame(&headers, "/public/agencies");
    let Ok(id) = id.parse::<UserId>() else { return WebError::not_found().page(&frame) };
    finish(s.service.public_officer(id).await.or_page(&frame).map(|o| render(&OfficerPage { c: frame, o })))
}

#[derive(Template)]
#[template(path = "public_certificate.html")]
pub struct CertificatePage {
    c: Frame,
    officers: Vec<PublicOfficer>,
}

/// `/public/certificates/{执法证号}`: where the QR code on a document leads (事中公示).
pub async fn certificate(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(cert): Path<String>,
) -> Response {
    let frame = public_frame(&headers, "/public/agencies");
    finish(
        s.service
            .public_certificate(&cert)
            .await
            .or_page(&frame)
            .map(|officers| render(&CertificatePage { c: frame, officers })),
    )
}

#[derive(Template)]
#[template(path = "public_stats.html")]
pub struct StatsPage {
    c: Frame,
    s: AnnualStats,
}

impl StatsPage {
    fn section_zh(&self, section: &str) -> &'static str {
        match section {
            "cases" => "立案",
            "decisions" => "作出决定",
            "amounts" => "罚没金额",
            "hearings" => "听证",
            "reviews" => "法制审核",
            "remedies" => "复议诉讼",
            _ => "公示",
        }
    }
    fn yuan(&self, fen: &Option<u64>) -> String {
        fen.map(liuhen_docs::format_yuan).unwrap_or_default()
    }
}

/// `/public/agencies/{id}/stats/{year}`: 统计年报 as a page (and CSV through the public API).
pub async fn stats(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((id, year)): Path<(String, String)>,
) -> Response {
    let frame = public_frame(&headers, "/public/agencies");
    let (Ok(id), Ok(year)) = (id.parse::<UnitId>(), year.parse::<i32>()) else {
        return WebError::not_found().page(&frame);
    };
    finish(
        s.service
            .annual_stats(id, year)
            .await
            .or_page(&frame)
            .map(|st| render(&StatsPage { c: frame, s: st })),
    )
}
