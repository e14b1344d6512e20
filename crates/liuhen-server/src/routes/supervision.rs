//! `GET /api/v1/supervision/stream`: the live supervision feed as
//! Server-Sent Events (调阅监督, 可实时调阅).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use liuhen_service::supervision::{StreamPosition, SupervisionEvent};
use liuhen_service::{Service, ServiceError};
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

fn ended(why: &str) -> Event {
    Event::default().event("ended").data(serde_json::json!({ "reason": why }).to_string())
}

/// Accesses, refusals, overrides, other changes and alerts within the
/// caller's scope (supervisors: their agency; leaders: their unit and the
/// units below; administrators: their agency), as they are committed. Each
/// SSE event is named by its class (`access`, `refusal`, `override`,
/// `change`, `alert`), carries an id — the ledger index, or `{index}.{n}`
/// for the n-th alert an entry raised — and a JSON `SupervisionEvent` as
/// data. A client reconnecting with `Last-Event-ID` first gets what it
/// missed among the last 4,096 events, then the live events. A client too
/// slow to keep up, or asking further back than that, gets a `lagged` event
/// with how many it missed; the ledger holds them all
/// (`/api/v1/ledger/entries/{index}`). The stream checks every few seconds
/// that its credential still holds (not logged out, revoked or expired, the
/// user active) and the user's role still watches; when not, it sends an
/// `ended` event and closes. A user holds a few streams at once at most
/// (429 beyond).
#[utoipa::path(get, path = "/api/v1/supervision/stream", tag = "supervision", operation_id = "supervision_stream",
    params(("Last-Event-ID" = Option<String>, Header, description = "The id of the last event received, to resume after it")),
    responses((status = 200, content_type = "text/event-stream", body = liuhen_service::supervision::SupervisionEvent),
        (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)),
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
    let every = Duration::from_secs(u64::from(s.config.stream_recheck_seconds));
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let live = Live { rx: sub.live, me: Some(me), after: sub.after, recheck, _slot: sub.slot };
    let live = futures_util::stream::unfold(live, move |mut st| {
        let service = s.service.clone();
        async move {
            let mut me = st.me.take()?;
            loop {
                tokio::select! {
                    // A due recheck goes before queued events: nothing is sent
                    // past the moment the caller's right to it is known gone.
                    biased;
                    _ = st.recheck.tick() => match service.supervision_recheck(&me).await {
                        // A new unit or agency narrows the stream from now on.
                        Ok(now) => me = now,
                        // The credential or role no longer holds: `me` stays
                        // taken, so the next poll ends the stream.
                        Err(e @ (ServiceError::Unauthenticated(_) | ServiceError::Forbidden(_))) => {
                            tracing::info!(error = %e, "supervision stream ended");
                            return Some((Ok(ended(&e.to_string())), st));
                        }
                        // A passing fault (the database) ends nothing and shows
                        // nothing of itself: the next tick tries again.
                        Err(e) => tracing::warn!(error = %e, "supervision stream recheck failed; retrying"),
                    },
                    got = st.rx.recv() => match got {
                        // Repeats of what was replayed are skipped by position.
                        Ok(e) if st.after.is_some_and(|a| StreamPosition::of(&e) <= a) => {}
                        Ok(e) if Service::visible_to(&me, &e) => {
                            let Some(event) = sse_event(&e) else { continue };
                            st.after = None;
                            st.me = Some(me);
                            return Some((Ok(event), st));
                        }
                        Ok(_) => {}
                        Err(RecvError::Lagged(n)) => {
                            st.me = Some(me);
                            return Some((Ok(lagged(n)), st));
                        }
                        Err(RecvError::Closed) => return None,
                    },
                }
            }
        }
    });
    Ok(Sse::new(before.chain(live)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// The live part of a stream: what it reads, whom for, and its slot among
/// the user's streams (given back when the stream is dropped).
struct Live {
    rx: tokio::sync::broadcast::Receiver<std::sync::Arc<SupervisionEvent>>,
    /// `None` once the stream is to end.
    me: Option<liuhen_service::Principal>,
    after: Option<StreamPosition>,
    recheck: tokio::time::Interval,
    _slot: liuhen_service::supervision::StreamSlot,
}
