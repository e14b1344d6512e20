//! The evidence player and the upload page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use liuhen_domain::{CaseId, Confidentiality, EvidenceId, Role};
use liuhen_service::overview::EvidenceOverview;
use serde::Deserialize;

use crate::AppState;
use crate::web::frame::{Frame, OrPage, PageResult, Viewer, finish, render};

#[derive(Template)]
#[template(path = "player.html")]
pub struct PlayerPage {
    c: Frame,
    o: EvidenceOverview,
    /// `video`, `audio`, `image` or `` (not playable in a browser).
    media: &'static str,
    /// Corrected start in unix ms (the player's time code), when known.
    start_ms: Option<i64>,
    /// Length in seconds, when known.
    seconds: Option<u64>,
    /// What could be read from the file itself, one line each.
    facts: Vec<(String, String)>,
    /// The reader may read ledger entries and their proofs.
    reads_ledger: bool,
    /// The start the device stated, in 北京时间 (with its own offset kept in the title).
    device_start: String,
}

impl PlayerPage {
    /// The file's size for people (`4.8 MiB (5,050,690 B)`).
    fn size(&self) -> String {
        let n = self.o.evidence.size;
        let exact = crate::web::frame::grouped(n);
        match n {
            n if n >= 1 << 30 => format!("{:.2} GiB（{exact} B）", n as f64 / f64::from(1u32 << 30)),
            n if n >= 1 << 20 => format!("{:.1} MiB（{exact} B）", n as f64 / f64::from(1u32 << 20)),
            n if n >= 1 << 10 => format!("{:.0} KiB（{exact} B）", n as f64 / 1024.0),
            _ => format!("{exact} B"),
        }
    }
}

pub async fn player(State(s): State<AppState>, v: Viewer, Path(id): Path<String>) -> Response {
    finish(build_player(&s, v, &id).await)
}

async fn build_player(s: &AppState, v: Viewer, id: &str) -> PageResult {
    let Ok(id) = id.parse::<EvidenceId>() else {
        return Err(crate::web::frame::not_found(v.frame));
    };
    let o = s.service.evidence_overview(&v.me, id).await.or_page(&v.frame)?;
    let t = o.evidence.media_type.as_str();
    let media = if t.starts_with("video/") {
        "video"
    } else if t.starts_with("audio/") {
        "audio"
    } else if matches!(t, "image/jpeg" | "image/png" | "image/gif" | "image/webp") {
        "image"
    } else {
        ""
    };
    let facts = match o.evidence.media.as_object() {
        Some(m) => m
            .iter()
            .filter(|(k, _)| k.as_str() != "status")
            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect(),
        None => Vec::new(),
    };
    let page = PlayerPage {
        start_ms: o.evidence.recorded_start_corrected.map(liuhen_domain::unix_ms),
        seconds: o.evidence.duration_ms.map(|d| d / 1000),
        media,
        facts,
        reads_ledger: liuhen_service::scope::may_read_ledger_entries(&v.me.user),
        device_start: o
            .evidence
            .recorded_start
            .as_deref()
            .and_then(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
            .map(|t| crate::web::frame::beijing(t, true))
            .unwrap_or_default(),
        c: v.frame,
        o,
    };
    Ok(render(&page))
}

#[derive(Debug, Default, Deserialize)]
pub struct UploadQuery {
    case: Option<String>,
}

/// One case the uploads may be filed under.
#[derive(Debug, Clone)]
pub struct CaseChoice {
    pub id: String,
    pub number: String,
    pub cause: String,
}

#[derive(Template)]
#[template(path = "upload.html")]
pub struct UploadPage {
    c: Frame,
    cases: Vec<CaseChoice>,
    chosen: String,
    labels: Vec<Confidentiality>,
    station: bool,
}

pub async fn upload(State(s): State<AppState>, v: Viewer, Query(q): Query<UploadQuery>) -> Response {
    finish(build_upload(&s, v, q).await)
}

async fn build_upload(s: &AppState, v: Viewer, q: UploadQuery) -> PageResult {
    let role = v.me.user.role;
    if !matches!(role, Role::Officer | Role::Leader | Role::Station) {
        return Err(crate::web::frame::not_found(v.frame));
    }
    let station = role == Role::Station;
    // A station files by officer and time; the cases are the officers' to choose.
    let cases = if station {
        Vec::new()
    } else {
        let query = liuhen_service::CaseQuery { open_only: true, limit: Some(200), ..Default::default() };
        let (list, _) = s.service.list_cases(&v.me, &query).await.or_page(&v.frame)?;
        list.into_iter()
            .map(|c| CaseChoice { id: c.id.to_string(), number: c.number, cause: c.cause })
            .collect()
    };
    let chosen = q.case.and_then(|c| c.parse::<CaseId>().ok()).map(|c| c.to_string()).unwrap_or_default();
    let page = UploadPage {
        c: v.frame,
        cases,
        chosen,
        labels: Confidentiality::ALL.iter().copied().filter(|l| *l != Confidentiality::StateSecret).collect(),
        station,
    };
    Ok(render(&page))
}
