//! `GET /api/v1/supervision/stream`: the live supervision feed as
//! Server-Sent Events (调阅监督, 可实时调阅).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use liuhen_service::Service;
use tokio::sync::broadcast::error::RecvError;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Caller;

/// Accesses, refusals, overrides, other changes and alerts of the caller's
/// agency, as they are committed. Each SSE event is named by its class
/// (`access`, `refusal`, `override`, `change`, `alert`), carries the ledger
/// index as its id and a JSON `SupervisionEvent` as data. A client too slow
/// to keep up gets a `lagged` event with how many it missed; the ledger
/// holds them all (`/api/v1/ledger/entries/{index}`).
#[utoipa::path(get, path = "/api/v1/supervision/stream", tag = "supervision", operation_id = "supervision_stream",
    responses((status = 200, content_type = "text/event-stream", body = liuhen_service::supervision::SupervisionEvent),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn stream(
    State(s): State<AppState>,
    Caller(me): Caller,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let receiver = s.service.supervision_subscribe(&me).await?;
    let events = futures_util::stream::unfold((receiver, me), |(mut rx, me)| async move {
        loop {
            match rx.recv().await {
                Ok(e) if Service::visible_to(&me, &e) => {
                    let class = serde_json::to_value(e.class).ok()?.as_str()?.to_owned();
                    let data = serde_json::to_string(&*e).ok()?;
                    let event = Event::default().event(class).id(e.seq.to_string()).data(data);
                    return Some((Ok(event), (rx, me)));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(n)) => {
                    let event = Event::default().event("lagged").data(format!("{{\"missed\":{n}}}"));
                    return Some((Ok(event), (rx, me)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
