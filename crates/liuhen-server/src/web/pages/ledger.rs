//! 留痕账本: the signed checkpoint, the verifier keys, and one entry looked
//! up by its index, with its proof file to check offline.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use base64::Engine as _;
use liuhen_domain::{EntryKind, LedgerEntry};
use liuhen_service::ServiceError;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::AppState;
use crate::web::frame::{Frame, Lang, OrPage, PageResult, Viewer, WebError, finish, render};

#[derive(Debug, Default, Deserialize)]
pub struct LookupForm {
    /// The entry index as typed (text, so that a bad value is answered in the page).
    #[serde(default)]
    index: Option<String>,
}

/// The newest signed checkpoint, taken apart for reading.
#[derive(Debug, Clone)]
pub struct CheckpointView {
    pub size: u64,
    pub root_b64: String,
    pub root_hex: String,
    /// The checkpoint body: origin, size, root hash (and any extension lines).
    pub body: String,
    /// The signature lines (`— name signature`), one per key.
    pub signatures: Vec<String>,
    pub signed_at: OffsetDateTime,
}

/// One entry, decoded.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub index: u64,
    pub kind: String,
    pub kind_zh: &'static str,
    pub time: OffsetDateTime,
    pub actor: String,
    pub actor_name: Option<String>,
    pub org: Option<String>,
    pub org_name: Option<String>,
    /// Each subject, with a name where the subject is a known user.
    pub subjects: Vec<(String, Option<String>)>,
    pub sha256: Option<String>,
    pub sm3: Option<String>,
    pub nonce: String,
    /// The canonical bytes as text (what the proof file carries).
    pub raw: String,
}

#[derive(Template)]
#[template(path = "ledger.html")]
pub struct LedgerPage {
    c: Frame,
    cp: Option<CheckpointView>,
    sequenced: u64,
    integrated: u64,
    keys: Vec<String>,
    may_look_up: bool,
    index: String,
    entry: Option<EntryView>,
    lookup_error: Option<String>,
}

pub async fn page(State(s): State<AppState>, v: Viewer, Query(f): Query<LookupForm>) -> Response {
    finish(build(&s, v, f).await)
}

async fn build(s: &AppState, v: Viewer, f: LookupForm) -> PageResult {
    let progress = s.service.ledger_progress().await.or_page(&v.frame)?;
    let cp = s.service.latest_checkpoint().await.or_page(&v.frame)?.map(|cp| {
        let (body, sigs) = cp.note.split_once("\n\n").unwrap_or((cp.note.as_str(), ""));
        CheckpointView {
            size: cp.size,
            root_b64: base64::engine::general_purpose::STANDARD.encode(cp.root),
            root_hex: hex::encode(cp.root),
            body: body.to_owned(),
            signatures: sigs.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect(),
            signed_at: cp.signed_at,
        }
    });
    let keys = s.service.ledger_signer().verifier_keys().iter().map(ToString::to_string).collect();
    let may_look_up = liuhen_service::scope::may_read_ledger_entries(&v.me.user);
    let index = f.index.unwrap_or_default().trim().to_owned();
    let (mut entry, mut lookup_error) = (None, None);
    if !index.is_empty() {
        match index.parse::<u64>() {
            Err(_) => {
                lookup_error = Some(
                    v.frame
                        .t("条目序号须为从 0 起的整数。", "The index is a whole number from 0.")
                        .to_owned(),
                );
            }
            Ok(n) => match s.service.ledger_entry(&v.me, n).await {
                Ok(body) => entry = Some(decode(s, &v, n, &body).await?),
                Err(e @ (ServiceError::NotFound(_) | ServiceError::Forbidden(_))) => {
                    let w = WebError::service(e);
                    lookup_error = Some(if v.frame.lang == Lang::Zh { w.zh } else { w.en });
                }
                Err(e) => return Err(Box::new((v.frame, WebError::service(e)))),
            },
        }
    }
    let page = LedgerPage {
        c: v.frame,
        cp,
        sequenced: progress.sequenced,
        integrated: progress.integrated,
        keys,
        may_look_up,
        index,
        entry,
        lookup_error,
    };
    Ok(render(&page))
}

async fn decode(s: &AppState, v: &Viewer, index: u64, body: &[u8]) -> Result<EntryView, (Frame, WebError)> {
    let e = LedgerEntry::decode(body).map_err(|e| {
        (v.frame.clone(), WebError::service(ServiceError::Internal(format!("ledger entry {index}: {e}"))))
    })?;
    // Names for the users and units the entry refers to, where the reader
    // may list them (only to read the entry more easily).
    let users = s.service.list_users(&v.me).await.unwrap_or_default();
    let units = s.service.list_units(&v.me).await.unwrap_or_default();
    let unit_name = |id: &str| units.iter().find(|u| u.id.to_string() == id).map(|u| u.name.clone());
    let name_of = |subject: &str| match subject.split_once(':') {
        Some(("user", id)) => users.iter().find(|u| u.id.to_string() == id).map(|u| u.display_name.clone()),
        Some(("unit", id)) => unit_name(id),
        _ => None,
    };
    let time = OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.time) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    Ok(EntryView {
        index,
        kind_zh: EntryKind::from_code(&e.kind).map_or("", |k| k.label_zh()),
        actor_name: name_of(&e.actor),
        org_name: e.org.as_deref().and_then(unit_name),
        subjects: e.subjects.iter().map(|s| (s.clone(), name_of(s))).collect(),
        time,
        raw: String::from_utf8_lossy(body).into_owned(),
        kind: e.kind,
        actor: e.actor,
        org: e.org,
        sha256: e.sha256,
        sm3: e.sm3,
        nonce: e.nonce,
    })
}
