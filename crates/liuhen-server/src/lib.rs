//! liuhen's HTTP server: the JSON API under `/api/v1/`, `/healthz`,
//! `/metrics` and `/openapi.json`, on axum. This crate is the only one that
//! knows HTTP (architecture invariant 4); it turns requests into
//! [`liuhen_service`] calls and errors into `{code, message}` responses
//! ([`error`]).
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! let config = liuhen_server::Config::default();
//! let store = liuhen_store::Store::open(&config.effective_database_url()).await?;
//! let key = liuhen_tlog::SignerKey::ed25519_from_seed("example.gov.cn/ledger", &[1; 32])?;
//! let signer = liuhen_service::ledger::LedgerSigner::new("example.gov.cn/ledger", vec![key])?;
//! let service = liuhen_service::Service::new(store, Arc::new(liuhen_service::SystemClock), Default::default(), signer);
//! let listener = tokio::net::TcpListener::bind(config.listen).await?;
//! liuhen_server::serve(listener, liuhen_server::AppState::new(service, config), std::future::pending()).await?;
//! # Ok(()) }
//! ```

pub mod client;
pub mod config;
pub mod download;
pub mod error;
pub mod extract;
pub mod metrics;
mod routes;
pub mod web;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use axum::routing::{get, patch, post, put};
use liuhen_service::Service;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

pub use config::{Config, ConfigError, Layer};
use error::ApiError;
use metrics::Metrics;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    /// One permit per upload PATCH being served (`max_upload_patches`).
    pub upload_slots: Arc<tokio::sync::Semaphore>,
    /// The demo logins, shown on the sign-in page when serving `--demo`.
    pub demo_logins: Option<Arc<[liuhen_service::demo::DemoLogin]>>,
}

impl AppState {
    pub fn new(service: Service, config: Config) -> Self {
        let upload_slots = Arc::new(tokio::sync::Semaphore::new(config.max_upload_patches as usize));
        AppState {
            service,
            config: Arc::new(config),
            metrics: Metrics::new(),
            upload_slots,
            demo_logins: None,
        }
    }

    /// Shows these demo logins on the sign-in page.
    #[must_use]
    pub fn with_demo_logins(mut self, logins: Vec<liuhen_service::demo::DemoLogin>) -> Self {
        self.demo_logins = Some(logins.into());
        self
    }
}

impl axum::extract::FromRef<AppState> for Arc<Metrics> {
    fn from_ref(s: &AppState) -> Self {
        s.metrics.clone()
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "liuhen (留痕) API", description = "行政执法全过程记录: cases, acts and their verifiable ledger."),
    paths(
        routes::meta::healthz, routes::meta::metrics, routes::meta::openapi,
        routes::auth::login, routes::auth::logout, routes::auth::me, routes::auth::change_password,
        routes::org::units, routes::org::create_unit, routes::org::users, routes::org::create_user,
        routes::org::change_user, routes::org::reset_password,
        routes::tokens::list, routes::tokens::create, routes::tokens::revoke,
        routes::cases::list, routes::cases::create, routes::cases::get,
        routes::cases::list_acts, routes::cases::add_act, routes::cases::attest_elements, routes::cases::assign, routes::cases::transition,
        routes::cases::explain_interruption, routes::cases::list_interruptions,
        routes::cases::extend_limit, routes::cases::release_seizure,
        routes::archives::assemble, routes::archives::of_case, routes::archives::get, routes::archives::package, routes::archives::check,
        routes::retention::retention_of_case, routes::retention::list_holds, routes::retention::place_hold, routes::retention::lift_hold,
        routes::retention::due_records, routes::retention::list_destructions, routes::retention::request_destruction, routes::retention::get_destruction,
        routes::retention::approve_destruction, routes::retention::withdraw_destruction, routes::retention::destruction_register,
        routes::disclosure::list_disclosures, routes::disclosure::get_disclosure, routes::disclosure::redact_disclosure,
        routes::disclosure::confirm_disclosure, routes::disclosure::publish_disclosure, routes::disclosure::withdraw_disclosure,
        routes::disclosure::list_prior_items, routes::disclosure::create_prior_item, routes::disclosure::change_prior_item,
        routes::disclosure::publish_prior_item, routes::disclosure::list_remedies, routes::disclosure::record_remedy,
        routes::disclosure::change_remedy,
        routes::disclosure::public_search, routes::disclosure::public_decision, routes::disclosure::public_agencies,
        routes::disclosure::public_prior, routes::disclosure::public_officer, routes::disclosure::public_stats,
        routes::disclosure::public_stats_csv, routes::disclosure::feed,
        routes::ledger::checkpoint, routes::ledger::keys, routes::ledger::tile, routes::ledger::inclusion,
        routes::ledger::consistency, routes::ledger::entry, routes::ledger::tlog_proof,
        routes::evidence::get, routes::evidence::content, routes::evidence::link, routes::cases::compliance,
        routes::review::propose, routes::review::issue, routes::review::status, routes::review::submit, routes::review::opinion,
        routes::supervision::stream, routes::audit::record, routes::audit::user,
        routes::access::create, routes::access::list, routes::access::approve, routes::access::reject,
        routes::documents::formats, routes::documents::wording, routes::documents::list, routes::documents::draft,
        routes::documents::get, routes::documents::edit, routes::documents::issue, routes::documents::serve,
        routes::documents::pdf, routes::documents::register,
        routes::devices::list, routes::devices::register, routes::devices::history, routes::devices::change,
        routes::devices::issue, routes::devices::return_device, routes::devices::clock_history,
        routes::devices::report_clock, routes::devices::stations, routes::devices::register_station,
    ),
    components(schemas(error::ErrorBody)),
    modifiers(&BearerAuth),
    tags((name = "cases", description = "案件: the enforcement procedure"), (name = "auth"), (name = "organisation"), (name = "ledger", description = "留痕: the verifiable log"), (name = "review", description = "法制审核: proposed decisions and their legal review"), (name = "evidence", description = "证据: uploads (tus 1.0.0 at /api/v1/uploads) and playback"), (name = "documents", description = "执法文书: formats, drafts, 文号, issued PDFs"), (name = "access", description = "调阅: approved, time-limited reading of restricted records"), (name = "supervision", description = "调阅监督: accesses, refusals, overrides and alerts, live"), (name = "archives", description = "归档: case-file packages (BagIt, verifiable offline)"), (name = "devices", description = "执法记录仪与采集站: the device register, 领用/归还, 校时"), (name = "disclosure", description = "执法公示: redaction, confirmation, publication, withdrawal; 事前公开"), (name = "public", description = "公示 for the public and the provincial 公示平台: no credential"), (name = "meta"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/login", post(routes::auth::login))
        .route("/auth/logout", post(routes::auth::logout))
        .route("/auth/password", post(routes::auth::change_password))
        .route("/me", get(routes::auth::me))
        .route("/units", get(routes::org::units).post(routes::org::create_unit))
        .route("/users", get(routes::org::users).post(routes::org::create_user))
        .route("/users/{id}", patch(routes::org::change_user))
        .route("/users/{id}/password", put(routes::org::reset_password))
        .route("/tokens", get(routes::tokens::list).post(routes::tokens::create))
        .route("/tokens/{id}", axum::routing::delete(routes::tokens::revoke))
        .route("/cases", get(routes::cases::list).post(routes::cases::create))
        .route("/cases/{id}", get(routes::cases::get))
        .route("/cases/{id}/acts", get(routes::cases::list_acts).post(routes::cases::add_act))
        .route("/cases/{id}/acts/{act}/elements", post(routes::cases::attest_elements))
        .route("/cases/{id}/acts/{act}/interruptions", post(routes::cases::explain_interruption))
        .route("/cases/{id}/interruptions", get(routes::cases::list_interruptions))
        .route("/cases/{id}/limit/extension", post(routes::cases::extend_limit))
        .route("/cases/{id}/seizure/release", post(routes::cases::release_seizure))
        .route("/cases/{id}/archive", get(routes::archives::of_case).post(routes::archives::assemble))
        .route("/archives/{id}", get(routes::archives::get))
        .route("/archives/{id}/package", get(routes::archives::package))
        .route("/archives/{id}/checks", post(routes::archives::check))
        .route("/cases/{id}/retention", get(routes::retention::retention_of_case))
        .route("/holds", get(routes::retention::list_holds).post(routes::retention::place_hold))
        .route("/holds/{id}/lift", post(routes::retention::lift_hold))
        .route("/retention/due", get(routes::retention::due_records))
        .route(
            "/destructions",
            get(routes::retention::list_destructions).post(routes::retention::request_destruction),
        )
        .route("/destructions/{id}", get(routes::retention::get_destruction))
        .route("/destructions/{id}/approvals", post(routes::retention::approve_destruction))
        .route("/destructions/{id}/withdrawal", post(routes::retention::withdraw_destruction))
        .route("/destructions/{id}/register.pdf", get(routes::retention::destruction_register))
        .route("/disclosures", get(routes::disclosure::list_disclosures))
        .route("/disclosures/{id}", get(routes::disclosure::get_disclosure))
        .route("/disclosures/{id}/redaction", post(routes::disclosure::redact_disclosure))
        .route("/disclosures/{id}/confirmation", post(routes::disclosure::confirm_disclosure))
        .route("/disclosures/{id}/publication", post(routes::disclosure::publish_disclosure))
        .route("/disclosures/{id}/withdrawal", post(routes::disclosure::withdraw_disclosure))
        .route(
            "/prior-items",
            get(routes::disclosure::list_prior_items).post(routes::disclosure::create_prior_item),
        )
        .route("/prior-items/{id}", put(routes::disclosure::change_prior_item))
        .route("/prior-items/{id}/publication", post(routes::disclosure::publish_prior_item))
        .route(
            "/cases/{id}/remedies",
            get(routes::disclosure::list_remedies).post(routes::disclosure::record_remedy),
        )
        .route("/cases/{id}/remedies/{remedy}", put(routes::disclosure::change_remedy))
        .route("/cases/{id}/officers", put(routes::cases::assign))
        .route("/cases/{id}/transitions", post(routes::cases::transition))
        .route("/uploads", post(routes::uploads::create).options(routes::uploads::options))
        .route(
            "/uploads/{id}",
            axum::routing::head(routes::uploads::head)
                .patch(routes::uploads::patch)
                .delete(routes::uploads::delete)
                .options(routes::uploads::options)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/evidence/{id}", get(routes::evidence::get))
        .route("/evidence/{id}/content", get(routes::evidence::content))
        .route("/evidence/{id}/links", post(routes::evidence::link))
        .route("/cases/{id}/compliance", get(routes::cases::compliance))
        .route("/cases/{id}/decision", put(routes::review::propose))
        .route("/cases/{id}/decision/issue", post(routes::review::issue))
        .route("/cases/{id}/review", get(routes::review::status).post(routes::review::submit))
        .route("/cases/{id}/review/opinion", post(routes::review::opinion))
        .route("/supervision/stream", get(routes::supervision::stream))
        .route("/document-formats", get(routes::documents::formats))
        .route("/document-formats/{format}/wording", get(routes::documents::wording))
        .route("/cases/{id}/documents", get(routes::documents::list).post(routes::documents::draft))
        .route("/cases/{id}/documents/registered", post(routes::documents::register))
        .route("/documents/{id}", get(routes::documents::get).put(routes::documents::edit))
        .route("/documents/{id}/issue", post(routes::documents::issue))
        .route("/documents/{id}/serve", post(routes::documents::serve))
        .route("/documents/{id}/pdf", get(routes::documents::pdf))
        .route("/audit/records/{record}", get(routes::audit::record))
        .route("/audit/users/{id}", get(routes::audit::user))
        .route("/access-requests", get(routes::access::list).post(routes::access::create))
        .route("/access-requests/{id}/approve", post(routes::access::approve))
        .route("/access-requests/{id}/reject", post(routes::access::reject))
        .route("/devices", get(routes::devices::list).post(routes::devices::register))
        .route("/devices/{serial}", get(routes::devices::history).patch(routes::devices::change))
        .route("/devices/{serial}/issue", post(routes::devices::issue))
        .route("/devices/{serial}/return", post(routes::devices::return_device))
        .route(
            "/devices/{serial}/clock",
            get(routes::devices::clock_history).post(routes::devices::report_clock),
        )
        .route("/stations", get(routes::devices::stations).post(routes::devices::register_station))
        .route("/ledger/proof/inclusion", get(routes::ledger::inclusion))
        .route("/ledger/proof/consistency", get(routes::ledger::consistency))
        .route("/ledger/entries/{index}", get(routes::ledger::entry))
        .route("/ledger/entries/{index}/tlog-proof", get(routes::ledger::tlog_proof));
    Router::new()
        .route("/healthz", get(routes::meta::healthz))
        .route("/metrics", get(routes::meta::metrics))
        .route("/openapi.json", get(routes::meta::openapi))
        .route("/ledger/checkpoint", get(routes::ledger::checkpoint))
        .route("/ledger/keys", get(routes::ledger::keys))
        .route("/ledger/tile/{*path}", get(routes::ledger::tile))
        .route("/public/api/v1/disclosures", get(routes::disclosure::public_search))
        .route("/public/api/v1/disclosures/{id}", get(routes::disclosure::public_decision))
        .route("/public/api/v1/agencies", get(routes::disclosure::public_agencies))
        .route("/public/api/v1/agencies/{id}/prior", get(routes::disclosure::public_prior))
        .route("/public/api/v1/agencies/{id}/stats/{year}", get(routes::disclosure::public_stats))
        .route("/public/api/v1/agencies/{id}/stats/{year}/csv", get(routes::disclosure::public_stats_csv))
        .route("/public/api/v1/officers/{id}", get(routes::disclosure::public_officer))
        .route("/public/feed.atom", get(routes::disclosure::feed))
        .nest("/api/v1", api)
        .merge(web::router())
        .fallback(web::not_found)
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this resource",
            )
        })
        .layer(axum::middleware::from_fn_with_state(state.metrics.clone(), metrics::track))
        // No response is ever to be sniffed into another type than it says.
        .layer(axum::middleware::map_response(|mut resp: axum::response::Response| async move {
            resp.headers_mut().insert(
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                axum::http::HeaderValue::from_static("nosniff"),
            );
            resp
        }))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then stops taking connections and
/// lets requests in flight finish (at most 30 s) before closing the store.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.service.store().clone();
    // Whatever was sequenced before a crash is integrated before serving.
    if let Err(e) = state.service.integrate_all().await {
        tracing::error!(error = %e, "integrating the ledger at start");
    }
    let integrator = tokio::spawn(integrate_forever(state.service.clone()));
    let expirer = tokio::spawn(expire_uploads_forever(state.service.clone()));
    let limits = ConnectionLimits::of(&state.config);
    let app = router(state);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let slots = accept_until(listener, app, limits, stop_rx, shutdown).await;
    let _ = stop_tx.send(true);
    // Every connection holds a slot: all slots back means all closed.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(Duration::from_secs(30), slots.acquire_many(all)).await.is_err() {
        tracing::warn!("requests still in flight after 30 s; closing anyway");
    }
    integrator.abort();
    expirer.abort();
    store.close().await;
    Ok(())
}

/// The bounds on connections (from [`Config`]).
#[derive(Debug, Clone, Copy)]
struct ConnectionLimits {
    max_connections: usize,
    header_read: Duration,
}

impl ConnectionLimits {
    fn of(c: &Config) -> Self {
        ConnectionLimits {
            max_connections: c.max_connections as usize,
            header_read: Duration::from_secs(u64::from(c.header_read_seconds)),
        }
    }
}

/// What a connection beyond the cap is told before it is closed.
const OVER_CAPACITY_BODY: &str = r#"{"code":"busy","message":"too many connections; try again"}"#;

fn over_capacity() -> Vec<u8> {
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nretry-after: 5\r\nconnection: close\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{OVER_CAPACITY_BODY}",
        OVER_CAPACITY_BODY.len()
    )
    .into_bytes()
}

/// Accepts connections until `shutdown` resolves, each served over HTTP/1.1
/// with a time limit on reading a request's headers (hyper's, which needs a
/// timer) and at most `max_connections` at once: a connection beyond them
/// is answered 503 at once and closed, so a flood of idle sockets cannot
/// starve the ones being served. Returns the semaphore of connection slots
/// (each open connection holds one); `stop` asks them to finish their
/// request in flight and close.
async fn accept_until(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ConnectionLimits,
    stop: tokio::sync::watch::Receiver<bool>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Arc<tokio::sync::Semaphore> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tokio::io::AsyncWriteExt as _;
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let refusal: Arc<[u8]> = over_capacity().into();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (mut socket, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, mostly: wait rather than spin.
                    tracing::warn!(error = %e, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            let refusal = refusal.clone();
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(1), socket.write_all(&refusal)).await;
                let _ = socket.shutdown().await;
            });
            continue;
        };
        let _ = socket.set_nodelay(true);
        let app = app.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                tower::ServiceExt::oneshot(app.clone(), req)
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read);
            let conn = builder.serve_connection(TokioIo::new(socket), service).with_upgrades();
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r { tracing::debug!(error = %e, "connection ended"); }
                }
                () = async { drop(stop.wait_for(|s| *s).await) } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(permit);
        });
    }
    slots
}

/// How often the ledger integrates new entries and signs a checkpoint:
/// well under the promised second between an entry and its checkpoint.
pub const INTEGRATE_EVERY: Duration = Duration::from_millis(250);

async fn integrate_forever(service: liuhen_service::Service) {
    let mut tick = tokio::time::interval(INTEGRATE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match service.integrate().await {
            Ok(Some(cp)) => tracing::debug!(size = cp.size, "checkpoint signed"),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "integrating the ledger"),
        }
    }
}

/// Removes abandoned uploads once their expiry has passed (tus expiration), and records the
/// findings of disclosures and 事前公开 items gone past their deadlines.
async fn expire_uploads_forever(service: liuhen_service::Service) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        match service.expire_uploads().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(uploads = n, "expired uploads removed"),
            Err(e) => tracing::error!(error = %e, "expiring uploads"),
        }
        match service.sweep_disclosures().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(findings = n, "disclosures past their deadlines recorded"),
            Err(e) => tracing::error!(error = %e, "checking disclosure deadlines"),
        }
    }
}
