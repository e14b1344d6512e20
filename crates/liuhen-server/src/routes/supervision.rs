//! `GET /api/v1/supervision/stream`: the live supervision feed as
//! Server-Sent Events (调阅监督, 可实时调阅).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use liuhen_service::Service;
use liuhen_service::supervision::{StreamPosition, SupervisionEvent};
use tokio::sync::broadcast::error::RecvError;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Caller;

fn sse_event(e: &SupervisionEvent) -> Option<Event> {
    let class = serde_json::to_value(e.class).ok()?.as_str()?.to_owned();
    let data = serde_json::to_string(e).ok()?;
    Some(Event::default().event(class).id(e.id.clone()).data(data))
}

fn lagged(missed: u64) -> Event {
    Event::default().event("lagged").data(format!("{{\"missed\":{missed}}}"))
}

/// Accesses, refusals, overrides, other changes and alerts of the caller's
/// agency, as they are committed. Each SSE event is named by its class
/// (`access`, `refusal`, `override`, `change`, `alert`), carries an id — the
/// ledger index, or `{index}.{n}` for the n-th alert an entry raised — and a
/// JSON `SupervisionEvent` as data. A client reconnecting with
/// `Last-Event-ID` first gets what it missed: the entries after that id, at
/// most 10,000 entries back from the head, and the alerts among the last
/// 1,024 raised; then the live events. A client too slow to keep up, or
/// asking further back than that, gets a `lagged` event with how many it
/// missed; the ledger holds them all (`/api/v1/ledger/entries/{index}`).
#[utoipa::path(get, path = "/api/v1/supervision/stream", tag = "supervision", operation_id = "supervision_stream",
    params(("Last-Event-ID" = Option<String>, Header, description = "The id of the last event received, to resume after it")),
    responses((status = 200, content_type = "text/event-stream", body = liuhen_service::supervision::SupervisionEvent),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn stream(
    State(s): State<AppState>,
    Caller(me): Caller,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let last = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let sub = s.service.supervision_resume(&me, last).await?;
    let head = (sub.missed > 0).then(|| lagged(sub.missed));
    let replay: Vec<Event> = sub.replay.iter().filter_map(|e| sse_event(e)).collect();
    let before = futures_util::stream::iter(head.into_iter().chain(replay)).map(Ok);
    let live = futures_util::stream::unfold((sub.live, me, sub.after), |(mut rx, me, after)| async move {
        loop {
            match rx.recv().await {
                // Repeats of what was replayed are skipped by position.
                Ok(e) if after.is_some_and(|a| StreamPosition::of(&e) <= a) => {}
                Ok(e) if Service::visible_to(&me, &e) => {
                    let Some(event) = sse_event(&e) else { continue };
                    return Some((Ok(event), (rx, me, None)));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(n)) => return Some((Ok(lagged(n)), (rx, me, after))),
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(before.chain(live)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
