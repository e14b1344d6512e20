//! The HTTP API end to end, in process: the real router over a real store
//! (SQLite always, PostgreSQL too when `LIUHEN_TEST_DATABASE_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use liuhen_server::{AppState, Config, router};
use liuhen_service::{Service, ServiceConfig, SystemClock, demo};
use liuhen_store::Store;
use serde_json::{Value, json};
use tower::ServiceExt;

struct App {
    router: Router,
    store: Store,
    service: Service,
    _dir: tempfile::TempDir,
    _db_dir: Option<tempfile::TempDir>,
}

async fn apps() -> Vec<App> {
    let mut stores = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    stores.push(Store::open_dir(dir.path()).await.unwrap());
    if let Ok(url) = std::env::var("LIUHEN_TEST_DATABASE_URL") {
        use sqlx::Connection;
        let name = format!("liuhen_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        let base = url.rsplit_once('/').map(|(b, _)| b).unwrap();
        stores.push(Store::open(&format!("{base}/{name}")).await.unwrap());
    }
    let mut out = Vec::new();
    let mut db_dir = Some(dir);
    for store in stores {
        let blob_dir = tempfile::tempdir().unwrap();
        let area = liuhen_store::uploads::UploadArea::new(
            liuhen_store::blobs::LocalBlobs::open(blob_dir.path()).unwrap(),
        );
        let limits =
            liuhen_service::evidence::UploadLimits { max_bytes: 8 << 20, expiry: time::Duration::hours(1) };
        let service =
            Service::new(store.clone(), Arc::new(SystemClock), ServiceConfig::default(), test_signer())
                .with_evidence(area, limits);
        demo::seed(&service).await.unwrap();
        let config = Config { max_body_bytes: 64 * 1024, ..Config::default() };
        out.push(App {
            router: router(AppState::new(service.clone(), config)),
            store,
            service,
            _dir: blob_dir,
            _db_dir: db_dir.take(),
        });
    }
    out
}

fn test_signer() -> liuhen_service::ledger::LedgerSigner {
    let origin = "test.liuhen/ledger";
    let key = liuhen_tlog::SignerKey::ed25519_from_seed(origin, &[7; 32]).unwrap();
    liuhen_service::ledger::LedgerSigner::new(origin, vec![key]).unwrap()
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
    text: String,
}

async fn call(app: &App, req: Request<Body>) -> Resp {
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Resp { status, headers, body, text }
}

fn get(uri: &str, token: &str) -> Request<Body> {
    Request::get(uri).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap()
}

fn post_json(uri: &str, token: Option<&str>, body: &str) -> Request<Body> {
    let mut b = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::from(body.to_owned())).unwrap()
}

async fn login(app: &App, login: &str) -> String {
    let body = json!({"login": login, "password": demo::demo_password(login)}).to_string();
    let r = call(app, post_json("/api/v1/auth/login", None, &body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["token"].as_str().unwrap().to_owned()
}

async fn entries(app: &App) -> u64 {
    let mut tx = app.store.read().await.unwrap();
    tx.entry_count().await.unwrap()
}

#[tokio::test]
async fn health_openapi_and_metrics() {
    for app in apps().await {
        let r = call(&app, Request::get("/healthz").body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body["status"], "ok");
        assert!(r.headers.contains_key("x-request-id"));

        let r = call(&app, Request::get("/openapi.json").body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body["openapi"].as_str().unwrap().starts_with("3."));
        for p in [
            "/api/v1/auth/login",
            "/api/v1/cases",
            "/api/v1/cases/{id}",
            "/api/v1/cases/{id}/acts",
            "/api/v1/cases/{id}/transitions",
        ] {
            assert!(r.body["paths"][p].is_object(), "openapi lacks {p}");
        }
        assert!(r.body["components"]["schemas"]["NewCase"].is_object());
        let mut ids: Vec<&str> = r.body["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|p| p.as_object().unwrap().values().filter_map(|op| op["operationId"].as_str()))
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "operationIds must be unique");

        let r = call(&app, Request::get("/metrics").body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text.contains("liuhen_http_requests_total"), "{}", r.text);
        assert!(r.text.contains("route=\"/openapi.json\""), "{}", r.text);
    }
}

/// Made-up methods and paths do not become metric labels: each would be a
/// new series kept for the life of the process.
#[tokio::test]
async fn metrics_label_unknown_methods_as_other() {
    let app = apps().await.into_iter().next().unwrap();
    for i in 0..20 {
        let req = Request::builder()
            .method(format!("BOGUS{i}").as_str())
            .uri(format!("/no/such/path/{i}"))
            .body(Body::empty())
            .unwrap();
        call(&app, req).await;
    }
    let r = call(&app, Request::get("/metrics").body(Body::empty()).unwrap()).await;
    assert!(!r.text.contains("BOGUS"), "{}", r.text);
    assert!(!r.text.contains("/no/such/path"), "{}", r.text);
    assert!(r.text.contains("method=\"OTHER\""), "{}", r.text);
    let series =
        r.text.lines().filter(|l| l.contains("OTHER") && l.starts_with("liuhen_http_requests_total")).count();
    assert_eq!(series, 1, "one series for every unknown method on unmatched paths: {}", r.text);
}

#[tokio::test]
async fn login_list_and_unit_isolation() {
    for app in apps().await {
        let body = json!({"login": "officer1", "password": demo::demo_password("officer1")}).to_string();
        let r = call(&app, post_json("/api/v1/auth/login", None, &body)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body["expires_at"].is_string());
        let cookie = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let t1 = r.body["token"].as_str().unwrap().to_owned();

        let r = call(&app, get("/api/v1/cases", &t1)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body["total"], 5);
        let mine = r.body["items"].as_array().unwrap().clone();
        let id = mine[0]["id"].as_str().unwrap().to_owned();
        let cause = mine[0]["cause"].as_str().unwrap().to_owned();
        assert_eq!(call(&app, get(&format!("/api/v1/cases/{id}"), &t1)).await.status, StatusCode::OK);

        // An officer of the other unit learns nothing: not the case, not its title, not a count.
        let t3 = login(&app, "officer3").await;
        let r = call(&app, get(&format!("/api/v1/cases/{id}"), &t3)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(!r.text.contains(&cause));
        let r = call(&app, get(&format!("/api/v1/cases/{id}/acts"), &t3)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let q: String = cause.chars().take(4).collect();
        let r = call(&app, get(&format!("/api/v1/cases?q={}", urlencode(&q)), &t3)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body["total"], 0);
        assert!(!r.text.contains(&cause));
        let r = call(&app, get("/api/v1/cases", &t3)).await;
        assert!(!r.text.contains(&cause));
        let random = "00000000-0000-4000-8000-000000000000";
        assert_eq!(call(&app, get(&format!("/api/v1/cases/{random}"), &t3)).await.body["code"], "not_found");

        // A wrong password and an unknown login look alike.
        let bad = call(
            &app,
            post_json("/api/v1/auth/login", None, r#"{"login":"officer1","password":"nope-nope-nope"}"#),
        )
        .await;
        let unknown = call(
            &app,
            post_json("/api/v1/auth/login", None, r#"{"login":"ghost","password":"nope-nope-nope"}"#),
        )
        .await;
        assert_eq!((bad.status, unknown.status), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
        assert_eq!(bad.body, unknown.body);
        assert_eq!(call(&app, get("/api/v1/cases", "lht_nonsense")).await.status, StatusCode::UNAUTHORIZED);
        let r = call(&app, Request::get("/api/v1/cases").body(Body::empty()).unwrap()).await;
        assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));

        // Logging out ends the session.
        let r = call(
            &app,
            Request::post("/api/v1/auth/logout")
                .header(header::AUTHORIZATION, format!("Bearer {t1}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert_eq!(call(&app, get("/api/v1/cases", &t1)).await.status, StatusCode::UNAUTHORIZED);
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn case_body(id_number: &str) -> String {
    json!({
        "cause": "销售过期食品",
        "kind": "行政处罚",
        "parties": [{"type": "natural_person", "name": "测试人", "id_kind": "resident_id_card", "id_number": id_number}]
    })
    .to_string()
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_writes_nothing() {
    for app in apps().await {
        let t = login(&app, "officer1").await;
        let before = entries(&app).await;
        let check = |r: &Resp, status: StatusCode, code: &str, needle: &str| {
            assert_eq!(r.status, status, "{}", r.text);
            assert_eq!(r.body["code"], code, "{}", r.text);
            assert!(r.body["message"].as_str().unwrap().contains(needle), "{:?} lacks {needle:?}", r.body);
        };
        check(
            &call(&app, post_json("/api/v1/cases", Some(&t), "{\"cause\": ")).await,
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "",
        );
        let r = call(&app, post_json("/api/v1/cases", Some(&t), &case_body("110105194912310021"))).await;
        check(&r, StatusCode::BAD_REQUEST, "invalid", "check character");
        assert_eq!(r.body["field"], "parties[0].id_number");
        let unknown = json!({"cause": "x", "kind": "other", "parties": [], "colour": "red"}).to_string();
        check(
            &call(&app, post_json("/api/v1/cases", Some(&t), &unknown)).await,
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "colour",
        );
        let kind = json!({"cause": "x", "kind": "行政罚款", "parties": []}).to_string();
        check(
            &call(&app, post_json("/api/v1/cases", Some(&t), &kind)).await,
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "kind",
        );
        let huge = json!({"cause": "x".repeat(100_000), "kind": "other", "parties": []}).to_string();
        check(
            &call(&app, post_json("/api/v1/cases", Some(&t), &huge)).await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "",
        );
        let plain = Request::post("/api/v1/cases")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .body(Body::from("{}"))
            .unwrap();
        check(&call(&app, plain).await, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "");

        // Dates: a time without its offset names the field.
        let r = call(&app, get("/api/v1/cases", &t)).await;
        let id = r.body["items"][0]["id"].as_str().unwrap().to_owned();
        let me = call(&app, get("/api/v1/me", &t)).await.body["id"].as_str().unwrap().to_owned();
        let act = json!({"kind": "现场检查", "starts_at": "2026-03-02 09:30", "ends_at": "2026-03-02T10:30:00+08:00",
            "place": {"address": "某地"}, "venue": "on_site", "officers": [me]}).to_string();
        let r = call(&app, post_json(&format!("/api/v1/cases/{id}/acts"), Some(&t), &act)).await;
        check(&r, StatusCode::BAD_REQUEST, "invalid_json", "starts_at");
        let act = act.replace("2026-03-02 09:30", "2026-03-02T11:30:00+08:00");
        let r = call(&app, post_json(&format!("/api/v1/cases/{id}/acts"), Some(&t), &act)).await;
        check(&r, StatusCode::BAD_REQUEST, "invalid", "later");
        assert_eq!(r.body["field"], "ends_at");
        let r = call(&app, get("/api/v1/cases?limit=1000", &t)).await;
        check(&r, StatusCode::BAD_REQUEST, "invalid", "limit");
        let r = call(&app, get("/api/v1/cases?stage=nowhere", &t)).await;
        check(&r, StatusCode::BAD_REQUEST, "invalid", "");
        let r = call(&app, get("/api/v1/cases/not-a-uuid", &t)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = call(&app, Request::delete("/api/v1/cases").body(Body::empty()).unwrap()).await;
        check(&r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "");
        check(&call(&app, get("/api/v2/nothing", &t)).await, StatusCode::NOT_FOUND, "not_found", "");

        // Reads made above were recorded; no failed change left an entry.
        let after = entries(&app).await;
        let mut tx = app.store.read().await.unwrap();
        for e in tx.read_entries(before, 100).await.unwrap() {
            let kind = liuhen_domain::LedgerEntry::decode(&e.body).unwrap().kind;
            assert!(matches!(kind.as_str(), "case.read" | "case.listed"), "a failed request wrote {kind}");
        }
        assert!(after >= before);

        // And a good case goes through, numbered by the server.
        let r = call(&app, post_json("/api/v1/cases", Some(&t), &case_body("11010519491231002X"))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert!(r.body["number"].as_str().unwrap().starts_with("临市监立〔"));
        assert_eq!(r.body["stage"], "initiation");
    }
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_header_to_change_anything() {
    for app in apps().await {
        let t = login(&app, "officer1").await;
        let cookie = format!("liuhen_session={t}");
        let r = call(
            &app,
            Request::get("/api/v1/cases").header(header::COOKIE, &cookie).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let forged = Request::post("/api/v1/cases")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(case_body("11010519491231002X")))
            .unwrap();
        assert_eq!(call(&app, forged).await.status, StatusCode::FORBIDDEN);
        // The header alone is not enough: it must carry this session's token.
        let guessed = Request::post("/api/v1/cases")
            .header(header::COOKIE, &cookie)
            .header("x-liuhen-csrf", "1")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(case_body("11010519491231002X")))
            .unwrap();
        assert_eq!(call(&app, guessed).await.status, StatusCode::FORBIDDEN);
        let other = login(&app, "leader1").await;
        let borrowed = Request::post("/api/v1/cases")
            .header(header::COOKIE, &cookie)
            .header("x-liuhen-csrf", liuhen_server::web::frame::csrf_token(&other))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(case_body("11010519491231002X")))
            .unwrap();
        assert_eq!(call(&app, borrowed).await.status, StatusCode::FORBIDDEN);
        let ok = Request::post("/api/v1/cases")
            .header(header::COOKIE, &cookie)
            .header("x-liuhen-csrf", liuhen_server::web::frame::csrf_token(&t))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(case_body("11010519491231002X")))
            .unwrap();
        assert_eq!(call(&app, ok).await.status, StatusCode::CREATED);
    }
}

#[tokio::test]
async fn leaders_direct_cases_through_the_api() {
    for app in apps().await {
        let officer = login(&app, "officer1").await;
        let leader = login(&app, "leader1").await;
        let r =
            call(&app, post_json("/api/v1/cases", Some(&officer), &case_body("11010519491231002X"))).await;
        let id = r.body["id"].as_str().unwrap().to_owned();
        let to = r#"{"to": "调查取证", "reason": "立案审批通过"}"#;
        assert_eq!(
            call(&app, post_json(&format!("/api/v1/cases/{id}/transitions"), Some(&officer), to))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // 普通程序 leaves 启动 with a 立案审批表: without one the move is refused, naming it,
        // unless the leader overrides in writing (here: approved on paper).
        let r = call(&app, post_json(&format!("/api/v1/cases/{id}/transitions"), Some(&leader), to)).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        assert!(r.text.contains("立案审批表"), "{}", r.text);
        let to = r#"{"to": "调查取证", "reason": "立案审批通过", "override_reason": "立案审批表为纸质审批件，已归入案卷"}"#;
        let r = call(&app, post_json(&format!("/api/v1/cases/{id}/transitions"), Some(&leader), to)).await;
        assert_eq!((r.status, r.body["stage"].as_str()), (StatusCode::OK, Some("investigation")));
        let r = call(
            &app,
            post_json(&format!("/api/v1/cases/{id}/transitions"), Some(&leader), r#"{"to": "archived"}"#),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        let users = call(&app, get("/api/v1/users", &leader)).await.body;
        let find = |login: &str| {
            users.as_array().unwrap().iter().find(|u| u["login"] == login).unwrap()["id"].clone()
        };
        let body = json!({"officers": [find("officer2"), find("officer1")]}).to_string();
        let req = Request::put(format!("/api/v1/cases/{id}/officers"))
            .header(header::AUTHORIZATION, format!("Bearer {leader}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let r = call(&app, req).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["officers"][0], find("officer2"));
        let body = json!({"officers": [find("supervisor1")]}).to_string();
        let req = Request::put(format!("/api/v1/cases/{id}/officers"))
            .header(header::AUTHORIZATION, format!("Bearer {leader}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let r = call(&app, req).await;
        assert_eq!((r.status, r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("officers[0]")));
    }
}

/// 中止说明 through the API: recorded (201, the record), listed, weighed by the compliance
/// answer, and refused with the field named, to another unit's officer, and to a reader who
/// records no acts.
#[tokio::test]
async fn interruptions_are_recorded_listed_and_weighed() {
    for app in apps().await {
        let officer = login(&app, "officer1").await;
        let r =
            call(&app, post_json("/api/v1/cases", Some(&officer), &case_body("11010519491231002X"))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let id = r.body["id"].as_str().unwrap().to_owned();
        let me = call(&app, get("/api/v1/me", &officer)).await.body["id"].clone();
        let act = json!({"kind": "现场检查", "starts_at": "2026-03-02T10:00:00+08:00",
            "ends_at": "2026-03-02T10:30:00+08:00", "place": {"address": "临江市滨江路2号"},
            "venue": "on_site", "officers": [me]})
        .to_string();
        let r = call(&app, post_json(&format!("/api/v1/cases/{id}/acts"), Some(&officer), &act)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let act_id = r.body["id"].as_str().unwrap().to_owned();
        let uri = format!("/api/v1/cases/{id}/acts/{act_id}/interruptions");
        let other = login(&app, "officer3").await;
        let supervisor = login(&app, "supervisor1").await;

        let before = entries(&app).await;
        let bad = json!({"reason": "太阳黑子", "from": "2026-03-02T10:10:00+08:00",
            "to": "2026-03-02T10:15:00+08:00", "text": "x"})
        .to_string();
        let r = call(&app, post_json(&uri, Some(&officer), &bad)).await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid")),
            "{}",
            r.text
        );
        assert_eq!(r.body["field"], "reason", "{}", r.text);
        assert!(r.text.contains("storage_full"), "the choices are listed: {}", r.text);
        let backwards = bad.replace("太阳黑子", "weather").replace("10:10:00", "10:20:00");
        let r = call(&app, post_json(&uri, Some(&officer), &backwards)).await;
        assert_eq!((r.status, r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("to")), "{}", r.text);
        let good = json!({"reason": "设备故障", "from": "2026-03-02T10:10:00+08:00",
            "to": "2026-03-02T10:15:00+08:00", "text": "记录仪死机，重启后恢复录制"})
        .to_string();
        assert_eq!(call(&app, post_json(&uri, Some(&other), &good)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(call(&app, post_json(&uri, Some(&supervisor), &good)).await.status, StatusCode::FORBIDDEN);
        assert_eq!(entries(&app).await, before, "refusals write nothing");

        let r = call(&app, post_json(&uri, Some(&officer), &good)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(entries(&app).await, before + 1, "one entry");
        let rec = r.body.clone();
        assert_eq!(rec["case_id"], id.as_str());
        assert_eq!(rec["act_id"], act_id.as_str());
        assert_eq!(rec["reason"], "device_fault");
        assert_eq!(rec["text"], "记录仪死机，重启后恢复录制");
        assert_eq!(rec["recorded_by"], me);
        let from = time::OffsetDateTime::parse(
            rec["from"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        );
        assert_eq!(from.unwrap(), time::macros::datetime!(2026-03-02 10:10 +08:00));
        for key in ["id", "to", "recorded_at"] {
            assert!(rec[key].is_string(), "{key}: {rec}");
        }

        let r = call(&app, get(&format!("/api/v1/cases/{id}/interruptions"), &officer)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body, json!([rec]));
        let r = call(&app, get(&format!("/api/v1/cases/{id}/interruptions"), &other)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        let r = call(&app, get(&format!("/api/v1/cases/{id}/compliance"), &officer)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let a = &r.body["acts"][0];
        assert_eq!(a["explanations"][0]["id"], rec["id"], "{a}");
        assert_eq!(a["explanations"][0]["reason"], "device_fault");
        assert_eq!(a["explanations"][0]["reason_zh"], "设备故障");
        assert!(a["window_start"].is_string() && a["window_end"].is_string(), "{a}");
        assert_eq!(a["covered"], json!([]), "no clips, nothing covered: {a}");

        let doc = call(&app, Request::get("/openapi.json").body(Body::empty()).unwrap()).await.body;
        assert!(doc["paths"]["/api/v1/cases/{id}/acts/{act}/interruptions"]["post"].is_object());
        assert!(doc["paths"]["/api/v1/cases/{id}/interruptions"]["get"].is_object());
        assert!(doc["components"]["schemas"]["NewInterruption"].is_object());
    }
}

mod tus {
    use super::*;
    use base64::Engine as _;
    use sha2::{Digest, Sha256};

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn tus(method: &str, uri: &str, token: &str) -> axum::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header("tus-resumable", "1.0.0")
    }

    async fn create(app: &App, token: &str, length: usize, meta: &[(&str, &str)]) -> Resp {
        let m: Vec<String> = meta.iter().map(|(k, v)| format!("{k} {}", b64(v))).collect();
        let req = tus("POST", "/api/v1/uploads", token)
            .header("upload-length", length.to_string())
            .header("upload-metadata", m.join(","))
            .body(Body::empty())
            .unwrap();
        call(app, req).await
    }

    async fn patch(
        app: &App,
        token: &str,
        loc: &str,
        offset: usize,
        bytes: &[u8],
        checksum: Option<String>,
    ) -> Resp {
        let mut b = tus("PATCH", loc, token)
            .header("upload-offset", offset.to_string())
            .header(header::CONTENT_TYPE, "application/offset+octet-stream");
        if let Some(c) = checksum {
            b = b.header("upload-checksum", c);
        }
        call(app, b.body(Body::from(bytes.to_vec())).unwrap()).await
    }

    #[tokio::test]
    async fn an_upload_resumes_becomes_evidence_and_plays_in_ranges() {
        for app in apps().await {
            let officer = login(&app, "officer1").await;
            let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
            let opts = call(&app, Request::options("/api/v1/uploads").body(Body::empty()).unwrap()).await;
            assert_eq!(opts.status, StatusCode::NO_CONTENT);
            assert_eq!(opts.headers["tus-version"], "1.0.0");
            assert!(opts.headers["tus-extension"].to_str().unwrap().contains("checksum"));

            let meta = [
                ("filename", "DCIM/100/FILE0001.MP4"),
                ("filetype", "video/mp4"),
                ("recorded_start", "2026-03-02T09:30:00+08:00"),
            ];
            let r = create(&app, &officer, data.len(), &meta).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            assert_eq!(r.headers["tus-resumable"], "1.0.0");
            let loc = r.headers["location"].to_str().unwrap().to_owned();

            let r = patch(&app, &officer, &loc, 0, &data[..1_000_000], None).await;
            assert_eq!(
                (r.status, r.headers["upload-offset"].to_str().unwrap()),
                (StatusCode::NO_CONTENT, "1000000")
            );
            // A wrong offset, a bad checksum, a wrong content type: refused, nothing kept.
            let r = patch(&app, &officer, &loc, 5, &data[5..10], None).await;
            assert_eq!(r.status, StatusCode::CONFLICT);
            let bad = format!("sha256 {}", base64::engine::general_purpose::STANDARD.encode([0u8; 32]));
            let r = patch(&app, &officer, &loc, 1_000_000, &data[1_000_000..2_000_000], Some(bad)).await;
            assert_eq!(r.status.as_u16(), 460, "{}", r.text);
            let r = call(&app, tus("HEAD", &loc, &officer).body(Body::empty()).unwrap()).await;
            assert_eq!(r.headers["upload-offset"], "1000000");
            assert_eq!(r.headers["upload-length"], data.len().to_string().as_str());
            let plain = tus("PATCH", &loc, &officer)
                .header("upload-offset", "1000000")
                .body(Body::from(vec![1u8]))
                .unwrap();
            assert_eq!(call(&app, plain).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
            let no_tus = Request::head(&loc)
                .header(header::AUTHORIZATION, format!("Bearer {officer}"))
                .body(Body::empty())
                .unwrap();
            assert_eq!(call(&app, no_tus).await.status, StatusCode::PRECONDITION_FAILED);
            // Another user cannot see or continue it.
            let other = login(&app, "officer3").await;
            assert_eq!(
                call(&app, tus("HEAD", &loc, &other).body(Body::empty()).unwrap()).await.status,
                StatusCode::NOT_FOUND
            );

            let good = format!(
                "sm3 {}",
                base64::engine::general_purpose::STANDARD.encode(sm3::Sm3::digest(&data[1_000_000..]))
            );
            let before = entries(&app).await;
            let r = patch(&app, &officer, &loc, 1_000_000, &data[1_000_000..], Some(good)).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
            let sha = hex::encode(Sha256::digest(&data));
            assert_eq!(r.headers["liuhen-evidence-sha256"].to_str().unwrap(), sha);
            assert_eq!(
                r.headers["liuhen-evidence-sm3"].to_str().unwrap(),
                hex::encode(sm3::Sm3::digest(&data))
            );
            let id = r.headers["liuhen-evidence-id"].to_str().unwrap().to_owned();
            assert_eq!(entries(&app).await, before + 1, "ingest is one ledger entry");
            assert_eq!(
                call(&app, tus("HEAD", &loc, &officer).body(Body::empty()).unwrap()).await.status,
                StatusCode::NOT_FOUND
            );

            let r = call(&app, get(&format!("/api/v1/evidence/{id}"), &officer)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert_eq!(r.body["file_name"], "FILE0001.MP4");
            assert_eq!(r.body["size"], data.len());
            assert_eq!(
                r.body["media"]["status"], "unparsed",
                "random bytes are kept and flagged: {}",
                r.text
            );
            assert_eq!(
                call(&app, get(&format!("/api/v1/evidence/{id}"), &other)).await.status,
                StatusCode::NOT_FOUND
            );

            // Range playback: 206 with the right bytes; one viewing session, one entry.
            let before = entries(&app).await;
            for (range, start, end) in [
                ("bytes=0-99", 0usize, 99usize),
                ("bytes=2999000-", 2_999_000, 2_999_999),
                ("bytes=-10", 2_999_990, 2_999_999),
            ] {
                let req = Request::get(format!("/api/v1/evidence/{id}/content"))
                    .header(header::AUTHORIZATION, format!("Bearer {officer}"))
                    .header(header::RANGE, range)
                    .body(Body::empty())
                    .unwrap();
                let resp = app.router.clone().oneshot(req).await.unwrap();
                assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
                assert_eq!(resp.headers()["accept-ranges"], "bytes");
                assert_eq!(resp.headers()["content-type"], "video/mp4");
                assert_eq!(resp.headers()["etag"].to_str().unwrap(), format!("\"{sha}\""));
                assert_eq!(
                    resp.headers()["content-range"].to_str().unwrap(),
                    format!("bytes {start}-{end}/3000000")
                );
                let body = resp.into_body().collect().await.unwrap().to_bytes();
                assert_eq!(&body[..], &data[start..=end]);
            }
            assert_eq!(entries(&app).await, before + 1, "one viewing session is one entry");
            let req = Request::get(format!("/api/v1/evidence/{id}/content"))
                .header(header::AUTHORIZATION, format!("Bearer {officer}"))
                .header(header::RANGE, "bytes=5000000-")
                .body(Body::empty())
                .unwrap();
            assert_eq!(call(&app, req).await.status, StatusCode::RANGE_NOT_SATISFIABLE);
        }
    }

    /// Evidence declared as HTML or SVG is never rendered on the API's
    /// origin: it downloads as an attachment of a neutral type, in a
    /// sandbox, never sniffed; a video still plays inline. Documents and
    /// audit reports carry the same guards.
    #[tokio::test]
    async fn evidence_content_is_never_served_as_active_content() {
        for app in apps().await {
            let officer = login(&app, "officer1").await;
            let mut ids = Vec::new();
            for (name, ty) in [
                ("x.html", "text/html"),
                ("x.svg", "image/svg+xml"),
                ("x.xhtml", "application/xhtml+xml"),
                ("v.mp4", "video/mp4"),
            ] {
                let data = format!("<script>alert('{name}')</script>").into_bytes();
                let r = create(&app, &officer, data.len(), &[("filename", name), ("filetype", ty)]).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
                let loc = r.headers["location"].to_str().unwrap().to_owned();
                let r = patch(&app, &officer, &loc, 0, &data, None).await;
                assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
                ids.push((ty, r.headers["liuhen-evidence-id"].to_str().unwrap().to_owned()));
            }
            for (ty, id) in &ids {
                let r = call(&app, get(&format!("/api/v1/evidence/{id}/content"), &officer)).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                let h =
                    |n: &str| r.headers.get(n).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
                assert_eq!(h("x-content-type-options"), "nosniff", "{ty}");
                let csp = h("content-security-policy");
                assert!(csp.contains("default-src 'none'") && csp.contains("sandbox"), "{ty}: {csp}");
                if ty.starts_with("video/") {
                    assert_eq!(h("content-type"), "video/mp4");
                    assert!(h("content-disposition").starts_with("inline"), "{ty}");
                } else {
                    assert_eq!(h("content-type"), "application/octet-stream", "{ty}");
                    assert!(h("content-disposition").starts_with("attachment"), "{ty}");
                }
            }
            // Every other answer is never sniffed either.
            let r = call(&app, get("/api/v1/cases", &officer)).await;
            assert_eq!(r.headers["x-content-type-options"], "nosniff");
        }
    }

    /// A body sending nothing for `body_idle_seconds` ends the PATCH, which
    /// keeps what came (tus); while it runs, it holds one of
    /// `max_upload_patches` slots, and a PATCH beyond them is answered 503
    /// with Retry-After rather than holding more blocking threads.
    #[tokio::test]
    async fn stalled_upload_bodies_end_and_concurrent_patches_are_capped() {
        for app in apps().await {
            let config = Config {
                max_body_bytes: 64 * 1024,
                body_idle_seconds: 1,
                max_upload_patches: 1,
                ..Config::default()
            };
            let tight = router(AppState::new(app.service.clone(), config));
            let officer = login(&app, "officer1").await;
            let meta = [("filename", "a.bin"), ("filetype", "application/octet-stream")];
            let loc1 =
                create(&app, &officer, 10, &meta).await.headers["location"].to_str().unwrap().to_owned();
            let loc2 =
                create(&app, &officer, 10, &meta).await.headers["location"].to_str().unwrap().to_owned();
            // Four bytes, then silence with the connection open.
            let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(4);
            tx.send(Ok(axum::body::Bytes::from_static(b"abcd"))).await.unwrap();
            let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|item| (item, rx))
            }));
            let stalled = tus("PATCH", &loc1, &officer)
                .header("upload-offset", "0")
                .header(header::CONTENT_TYPE, "application/offset+octet-stream")
                .body(body)
                .unwrap();
            let started = std::time::Instant::now();
            let first = tokio::spawn(tight.clone().oneshot(stalled));
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let other = tus("PATCH", &loc2, &officer)
                .header("upload-offset", "0")
                .header(header::CONTENT_TYPE, "application/offset+octet-stream")
                .body(Body::from(&b"xy"[..]))
                .unwrap();
            let r = tight.clone().oneshot(other).await.unwrap();
            assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert!(r.headers().contains_key("retry-after"));
            let r = tokio::time::timeout(std::time::Duration::from_secs(10), first)
                .await
                .expect("a stalled body ends the request")
                .unwrap()
                .unwrap();
            assert!(started.elapsed() < std::time::Duration::from_secs(5));
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
            assert_eq!(r.headers()["upload-offset"], "4", "what came is kept");
            drop(tx);
            let r = call(&app, tus("HEAD", &loc1, &officer).body(Body::empty()).unwrap()).await;
            assert_eq!(r.headers["upload-offset"], "4");
            // The slot is free again; the upload goes on where it stopped.
            let rest = tus("PATCH", &loc1, &officer)
                .header("upload-offset", "4")
                .header(header::CONTENT_TYPE, "application/offset+octet-stream")
                .body(Body::from(&b"efghij"[..]))
                .unwrap();
            let r = tight.clone().oneshot(rest).await.unwrap();
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
            assert_eq!(r.headers()["upload-offset"], "10");
        }
    }

    #[tokio::test]
    async fn media_facts_are_read_from_a_real_video() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("clip.mp4");
        let ok = std::process::Command::new("ffmpeg")
            .args([
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc=duration=2:size=320x240:rate=25",
            ])
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                "-metadata",
                "creation_time=2026-03-02T01:30:00Z",
            ])
            .arg(&file)
            .status()
            .expect("ffmpeg is needed for this test: apt-get install -y ffmpeg");
        assert!(ok.success());
        let bytes = std::fs::read(&file).unwrap();
        for app in apps().await {
            let officer = login(&app, "officer1").await;
            let r =
                create(&app, &officer, bytes.len(), &[("filename", "clip.mp4"), ("filetype", "video/mp4")])
                    .await;
            let loc = r.headers["location"].to_str().unwrap().to_owned();
            let r = patch(&app, &officer, &loc, 0, &bytes, None).await;
            let id = r.headers["liuhen-evidence-id"].to_str().unwrap().to_owned();
            let r = call(&app, get(&format!("/api/v1/evidence/{id}"), &officer)).await;
            let media = &r.body["media"];
            assert_eq!(media["status"], "recognised", "{}", r.text);
            let ms = media["duration"]["milliseconds"].as_u64().unwrap();
            assert!((1960..=2040).contains(&ms), "duration {ms} ms");
            assert_eq!(media["video"]["width"], 320);
            assert_eq!(media["creation_time"]["unix_seconds"], 1_772_415_000);
        }
    }

    #[tokio::test]
    async fn clips_link_to_acts_by_hand_and_compliance_reports() {
        for app in apps().await {
            let officer = login(&app, "officer1").await;
            let cases = call(&app, get("/api/v1/cases?stage=investigation", &officer)).await;
            let case_id = cases.body["items"][0]["id"].as_str().unwrap().to_owned();
            // A 抽样取证 of the demo's case, its 记录要素 attested, its 凭证 not yet registered.
            let officers = [
                app.service.user_by_login("officer1").await.unwrap().id,
                app.service.user_by_login("officer2").await.unwrap().id,
            ];
            let act = json!({"kind": "sampling", "starts_at": "2026-03-02T10:00:00+08:00",
                "ends_at": "2026-03-02T10:20:00+08:00", "place": {"address": "临江市滨江路2号"},
                "venue": "on_site", "officers": officers, "parties": [0],
                "elements": ["场景", "参与人员", "出示执法证"]})
            .to_string();
            let r =
                call(&app, post_json(&format!("/api/v1/cases/{case_id}/acts"), Some(&officer), &act)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            let act_id = r.body["id"].as_str().unwrap().to_owned();
            let r = create(&app, &officer, 3, &[("filename", "a.bin")]).await;
            let loc = r.headers["location"].to_str().unwrap().to_owned();
            let r = patch(&app, &officer, &loc, 0, b"abc", None).await;
            let id = r.headers["liuhen-evidence-id"].to_str().unwrap().to_owned();
            let link = |linked: bool, reason: &str| {
                json!({"act_id": act_id, "linked": linked, "reason": reason}).to_string()
            };
            let uri = format!("/api/v1/evidence/{id}/links");
            assert_eq!(
                call(&app, post_json(&uri, Some(&officer), &link(true, ""))).await.status,
                StatusCode::BAD_REQUEST
            );
            let before = entries(&app).await;
            assert_eq!(
                call(&app, post_json(&uri, Some(&officer), &link(true, "执法记录仪时间未校准"))).await.status,
                StatusCode::NO_CONTENT
            );
            assert_eq!(entries(&app).await, before + 1);
            assert_eq!(
                call(&app, post_json(&uri, Some(&officer), &link(true, "again"))).await.status,
                StatusCode::CONFLICT
            );
            let other = login(&app, "officer3").await;
            assert_eq!(
                call(&app, post_json(&uri, Some(&other), &link(false, "x"))).await.status,
                StatusCode::NOT_FOUND
            );
            let c = call(&app, get(&format!("/api/v1/cases/{case_id}/compliance"), &officer)).await;
            assert_eq!(c.status, StatusCode::OK, "{}", c.text);
            let act =
                c.body["acts"].as_array().unwrap().iter().find(|a| a["act_id"] == act_id.as_str()).unwrap();
            assert_eq!(act["clips"], 1);
            // The officers attested the act's 记录要素; its 凭证 is not registered.
            let codes: Vec<&str> =
                act["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
            assert!(!codes.contains(&"element_missing"), "{act}");
            assert!(codes.contains(&"document_missing"), "{act}");
            let attest = format!("/api/v1/cases/{case_id}/acts/{act_id}/elements");
            let r = call(&app, post_json(&attest, Some(&officer), r#"{"elements": ["出示证件"]}"#)).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
            assert!(r.text.contains("出示执法证"), "the known elements are named: {}", r.text);
            let r = call(
                &app,
                post_json(&attest, Some(&officer), r#"{"elements": ["见证人"], "note": "见笔录"}"#),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert!(r.body["elements"].as_array().unwrap().iter().any(|e| e == "见证人"), "{}", r.text);
            // The 抽样取证凭证 was signed on paper: its scan, uploaded to the case, registers it.
            let scan = b"%PDF-1.4\n% scan\n";
            let r =
                create(&app, &officer, scan.len(), &[("filename", "笔录.pdf"), ("case_id", &case_id)]).await;
            let loc = r.headers["location"].to_str().unwrap().to_owned();
            let r = patch(&app, &officer, &loc, 0, scan, None).await;
            let scan_id = r.headers["liuhen-evidence-id"].to_str().unwrap().to_owned();
            let body = json!({"name": "抽样取证凭证", "evidence_id": scan_id, "signed_on": "2026-03-02"})
                .to_string();
            let uri_reg = format!("/api/v1/cases/{case_id}/documents/registered");
            let r = call(&app, post_json(&uri_reg, Some(&officer), &body)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            assert_eq!(r.body["format"], "registered");
            // An unlabelled scan of a case takes the case's label, and the document the scan's.
            let case_label =
                call(&app, get(&format!("/api/v1/cases/{case_id}"), &officer)).await.body["label"].clone();
            assert_eq!(r.body["label"], case_label, "{}", r.text);
            let ev = call(&app, get(&format!("/api/v1/evidence/{scan_id}"), &officer)).await;
            assert_eq!(ev.body["label"], case_label, "{}", ev.text);
            let doc_id = r.body["id"].as_str().unwrap().to_owned();
            let r = call(&app, get(&format!("/api/v1/documents/{doc_id}/pdf"), &officer)).await;
            assert_eq!(r.status, StatusCode::CONFLICT, "the scan is the document: {}", r.text);
            let c = call(&app, get(&format!("/api/v1/cases/{case_id}/compliance"), &officer)).await;
            let act =
                c.body["acts"].as_array().unwrap().iter().find(|a| a["act_id"] == act_id.as_str()).unwrap();
            assert!(
                !act["findings"].as_array().unwrap().iter().any(|f| f["code"] == "document_missing"),
                "{act}"
            );
            assert_eq!(
                call(&app, post_json(&uri, Some(&officer), &link(false, "关联错误"))).await.status,
                StatusCode::NO_CONTENT
            );
        }
    }

    #[tokio::test]
    async fn bad_uploads_get_clear_errors() {
        for app in apps().await {
            let officer = login(&app, "officer1").await;
            let r = create(&app, &officer, 9 << 20, &[("filename", "big.mp4")]).await;
            assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
            let r =
                create(&app, &officer, 10, &[("filename", "a.mp4"), ("recorded_start", "yesterday")]).await;
            assert_eq!(
                (r.status, r.body["field"].as_str()),
                (StatusCode::BAD_REQUEST, Some("recorded_start"))
            );
            let r = create(&app, &officer, 10, &[("filename", "a.mp4"), ("label", "国家秘密")]).await;
            assert!(r.body["message"].as_str().unwrap().contains("国家秘密"));
            let station = login(&app, "station1").await;
            let r = create(&app, &station, 10, &[("filename", "a.mp4")]).await;
            assert_eq!((r.status, r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("officer")));
            let sup = login(&app, "supervisor1").await;
            assert_eq!(create(&app, &sup, 10, &[("filename", "a.mp4")]).await.status, StatusCode::FORBIDDEN);

            // A declared digest that the bytes do not have: nothing becomes evidence.
            let declared = "0".repeat(64);
            let r = create(
                &app,
                &station,
                4,
                &[("filename", "a.mp4"), ("officer", "33010026001"), ("sha256", &declared)],
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            let loc = r.headers["location"].to_str().unwrap().to_owned();
            let before = entries(&app).await;
            let r = patch(&app, &station, &loc, 0, b"abcd", None).await;
            assert_eq!(r.status, StatusCode::CONFLICT);
            assert!(r.body["message"].as_str().unwrap().contains("nothing was kept"));
            assert_eq!(entries(&app).await, before);

            // Termination.
            let r = create(&app, &officer, 4, &[("filename", "b.mp4")]).await;
            let loc = r.headers["location"].to_str().unwrap().to_owned();
            assert_eq!(
                call(&app, tus("DELETE", &loc, &officer).body(Body::empty()).unwrap()).await.status,
                StatusCode::NO_CONTENT
            );
            assert_eq!(
                call(&app, tus("HEAD", &loc, &officer).body(Body::empty()).unwrap()).await.status,
                StatusCode::NOT_FOUND
            );
        }
    }

    /// A WAV file of `data_len` bytes whose header says one byte a second:
    /// a recording that claims to last `data_len` seconds.
    fn wav_claiming_seconds(data_len: u32) -> Vec<u8> {
        let mut w = Vec::new();
        w.extend_from_slice(b"RIFF");
        w.extend_from_slice(&(36 + data_len).to_le_bytes());
        w.extend_from_slice(b"WAVEfmt ");
        w.extend_from_slice(&16u32.to_le_bytes());
        w.extend_from_slice(&1u16.to_le_bytes()); // PCM
        w.extend_from_slice(&1u16.to_le_bytes()); // one channel
        w.extend_from_slice(&1u32.to_le_bytes()); // 1 sample a second
        w.extend_from_slice(&1u32.to_le_bytes()); // 1 byte a second
        w.extend_from_slice(&1u16.to_le_bytes());
        w.extend_from_slice(&8u16.to_le_bytes());
        w.extend_from_slice(b"data");
        w.extend_from_slice(&data_len.to_le_bytes());
        w.resize(w.len() + data_len as usize, 0x80);
        w
    }

    #[tokio::test]
    async fn boundary_dates_and_extreme_lengths_never_stop_the_writer() {
        for app in apps().await {
            let officer = login(&app, "officer1").await;
            // Out of range: refused at creation naming the field, before any byte.
            for when in [
                "0001-01-01T00:00:00Z",
                "0001-01-01T00:00:00+14:00",
                "1969-12-31T23:59:59Z",
                "1990-01-01T07:59:59+08:00",
                "2100-01-01T00:00:00Z",
                "2099-12-31T23:59:59-14:00",
                "9999-12-31T23:59:59.999Z",
                "9999-12-31T23:00:00-05:00",
                "9999-12-31T23:59:59+14:00",
            ] {
                let r = create(&app, &officer, 10, &[("filename", "a.wav"), ("recorded_start", when)]).await;
                assert_eq!(r.status, StatusCode::BAD_REQUEST, "{when}: {}", r.text);
                assert_eq!(r.body["field"], "recorded_start", "{when}: {}", r.text);
            }
            // In range at the extreme offsets, and claiming a length of 11.6 days (more than any
            // recording): kept, linked by its start alone, its length not believed.
            let wav = wav_claiming_seconds(1_000_000);
            for when in ["2026-03-02T09:30:00+14:00", "2026-03-02T09:30:00-14:00", "1990-01-01T00:00:00Z"] {
                let meta = [("filename", "long.wav"), ("filetype", "audio/wav"), ("recorded_start", when)];
                let r = create(&app, &officer, wav.len(), &meta).await;
                assert_eq!(r.status, StatusCode::CREATED, "{when}: {}", r.text);
                let loc = r.headers["location"].to_str().unwrap().to_owned();
                let r = patch(&app, &officer, &loc, 0, &wav, None).await;
                assert_eq!(r.status, StatusCode::NO_CONTENT, "{when}: {}", r.text);
                let id = r.headers["liuhen-evidence-id"].to_str().unwrap().to_owned();
                let e = call(&app, get(&format!("/api/v1/evidence/{id}"), &officer)).await;
                assert_eq!(e.status, StatusCode::OK, "{}", e.text);
                assert_eq!(e.body["media"]["duration"]["milliseconds"], 1_000_000_000u64, "{}", e.text);
                assert!(e.body["duration_ms"].is_null(), "{}", e.text);
            }
            // Acts at the far ends of time: refused naming the field.
            let cases = call(&app, get("/api/v1/cases?stage=investigation", &officer)).await;
            let case_id = cases.body["items"][0]["id"].as_str().unwrap().to_owned();
            let me = call(&app, get("/api/v1/me", &officer)).await.body["id"].as_str().unwrap().to_owned();
            for (starts, ends, field) in [
                ("9999-12-31T20:00:00Z", "9999-12-31T21:00:00Z", "starts_at"),
                ("0001-01-01T00:00:00+14:00", "0001-01-01T01:00:00+14:00", "starts_at"),
                ("2099-12-31T23:30:00Z", "2100-01-01T00:30:00Z", "ends_at"),
            ] {
                let act = json!({"kind": "现场检查", "starts_at": starts, "ends_at": ends,
                    "place": {"address": "某地"}, "venue": "on_site", "officers": [me]})
                .to_string();
                let r = call(&app, post_json(&format!("/api/v1/cases/{case_id}/acts"), Some(&officer), &act))
                    .await;
                assert_eq!(r.status, StatusCode::BAD_REQUEST, "{starts}: {}", r.text);
                assert_eq!(r.body["field"], field, "{}", r.text);
            }
            // And everything still works: a login, a write, a recorded read, the health check.
            let leader = login(&app, "leader1").await;
            let before = entries(&app).await;
            let r = call(&app, post_json("/api/v1/cases", Some(&officer), &case_body("11010519491231002X")))
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            let id = r.body["id"].as_str().unwrap().to_owned();
            let r = call(&app, get(&format!("/api/v1/cases/{id}"), &leader)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert!(entries(&app).await >= before + 2, "the write and the read are entries");
            let r = call(&app, Request::get("/healthz").body(Body::empty()).unwrap()).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            let r = call(&app, get(&format!("/api/v1/cases/{case_id}/compliance"), &officer)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
    }
}

#[tokio::test]
async fn decisions_and_reviews_through_the_api() {
    for app in apps().await {
        let officer = login(&app, "officer1").await;
        let r = call(&app, get("/api/v1/cases?stage=investigation", &officer)).await;
        let id = r.body["items"].as_array().unwrap().iter().find(|c| c["party_names"][0] == "王某").unwrap()
            ["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let body =
            json!({"fine_fen": 5_000_000, "measures": ["fine"], "summary": "罚款人民币伍万元整"}).to_string();
        let req = Request::put(format!("/api/v1/cases/{id}/decision"))
            .header(header::AUTHORIZATION, format!("Bearer {officer}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let r = call(&app, req).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["version"], 1);
        let r = call(&app, get(&format!("/api/v1/cases/{id}/review"), &officer)).await;
        assert_eq!((r.status, r.body["major"].as_bool()), (StatusCode::OK, Some(true)), "{}", r.text);
        let r = call(&app, post_json(&format!("/api/v1/cases/{id}/review"), Some(&officer), "")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let st = call(&app, get(&format!("/api/v1/cases/{id}/review"), &officer)).await.body;
        // The clock is the real one: once the 10 working days reach a year whose 节假日安排 the
        // rulebook lacks (from 18 December 2026 until 2027's notice is added), no due date is
        // guessed and the status says why.
        match st["reviews"][0]["due_date"].as_str() {
            Some(due) => assert_eq!((st["deadline"].as_str(), due.len()), (Some("pending"), 10), "{st}"),
            None => {
                assert_eq!(st["deadline"], "calendar_not_covered", "{st}");
                assert!(st["deadline_en"].as_str().unwrap().contains("[[calendar]]"), "{st}");
                assert!(st["deadline_zh"].as_str().unwrap().contains("节假日安排"), "{st}");
            }
        }
        let leader = login(&app, "leader1").await;
        let r = call(&app, post_json(&format!("/api/v1/cases/{id}/decision/issue"), Some(&leader), "")).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    }
}

/// Reads SSE events from a streaming body until `want` matches one, for at
/// most `within`; returns the matching event's (name, data) and how long it took.
async fn next_event(
    body: &mut Body,
    buf: &mut String,
    within: std::time::Duration,
    mut want: impl FnMut(&str, &Value) -> bool,
) -> Option<(String, Value, std::time::Duration)> {
    let started = std::time::Instant::now();
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut name = String::from("message");
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if let Ok(v) = serde_json::from_str::<Value>(&data)
                && want(&name, &v)
            {
                return Some((name, v, started.elapsed()));
            }
        }
        let left = within.checked_sub(started.elapsed())?;
        let frame = tokio::time::timeout(left, body.frame()).await.ok()??.ok()?;
        if let Ok(bytes) = frame.into_data() {
            buf.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
}

/// 调阅监督: a supervisor's stream shows an access made in another session
/// within a second, alerts on repeated refusals, and is closed to officers.
#[tokio::test]
async fn supervisors_see_accesses_live() {
    for app in apps().await {
        let officer = login(&app, "officer1").await;
        let supervisor = login(&app, "supervisor1").await;
        assert_eq!(
            call(&app, get("/api/v1/supervision/stream", &officer)).await.status,
            StatusCode::FORBIDDEN
        );
        let resp = app.router.clone().oneshot(get("/api/v1/supervision/stream", &supervisor)).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()[header::CONTENT_TYPE], "text/event-stream");
        let mut body = resp.into_body();
        let mut buf = String::new();
        // Give the follower its first look at the head before acting.
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;

        let cases = call(&app, get("/api/v1/cases", &officer)).await;
        let id = cases.body["items"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(call(&app, get(&format!("/api/v1/cases/{id}"), &officer)).await.status, StatusCode::OK);
        let subject = format!("case:{id}");
        let (name, event, took) =
            next_event(&mut body, &mut buf, std::time::Duration::from_secs(1), |n, v| {
                n == "access"
                    && v["kind"] == "case.read"
                    && v["subjects"].as_array().unwrap().iter().any(|s| *s == *subject)
            })
            .await
            .expect("the read reached the supervisor's stream within 1 s");
        assert_eq!(name, "access");
        assert!(event["actor"].as_str().unwrap().starts_with("user:"), "{event}");
        assert!(took < std::time::Duration::from_secs(1));

        // Three failed logins of one name within minutes: refusals, then an alert.
        for _ in 0..3 {
            let body = json!({"login": "officer2", "password": "not-the-password"}).to_string();
            assert_eq!(
                call(&app, post_json("/api/v1/auth/login", None, &body)).await.status,
                StatusCode::UNAUTHORIZED
            );
        }
        let (_, alert, _) = next_event(&mut body, &mut buf, std::time::Duration::from_secs(2), |n, v| {
            n == "alert" && v["rule"] == "repeated_refusals"
        })
        .await
        .expect("an alert for repeated refusals");
        assert!(alert["message_zh"].as_str().unwrap().contains("拒绝"), "{alert}");
    }
}

/// Audit reports per record and per user, as JSON and CSV, for supervisors only.
#[tokio::test]
async fn audit_reports_say_who_read_what_and_when() {
    for app in apps().await {
        let officer = login(&app, "officer1").await;
        let supervisor = login(&app, "supervisor1").await;
        let cases = call(&app, get("/api/v1/cases", &officer)).await;
        let item = cases.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["label"] == "internal")
            .unwrap()
            .clone();
        let id = item["id"].as_str().unwrap();
        for _ in 0..2 {
            assert_eq!(
                call(&app, get(&format!("/api/v1/cases/{id}"), &officer)).await.status,
                StatusCode::OK
            );
        }
        let uri = format!("/api/v1/audit/records/case:{id}");
        assert_eq!(call(&app, get(&uri, &officer)).await.status, StatusCode::FORBIDDEN);
        let r = call(&app, get(&uri, &supervisor)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let reads: Vec<&Value> =
            r.body.as_array().unwrap().iter().filter(|row| row["kind"] == "case.read").collect();
        assert!(reads.len() >= 2, "{}", r.text);
        assert!(reads.iter().all(|row| row["actor_login"] == "officer1" || row["actor_login"] == "leader1"));
        // The index follows the log: a read made after the first report is in the next one,
        // and each reading of the audit is itself in it.
        call(&app, get(&format!("/api/v1/cases/{id}"), &officer)).await;
        let again = call(&app, get(&uri, &supervisor)).await;
        let count = |b: &Value, k: &str| b.as_array().unwrap().iter().filter(|row| row["kind"] == k).count();
        assert_eq!(count(&again.body, "case.read"), reads.len() + 1, "{}", again.text);
        assert_eq!(count(&again.body, "audit.read"), count(&r.body, "audit.read") + 1, "{}", again.text);
        let csv = call(&app, get(&format!("{uri}?format=csv"), &supervisor)).await;
        assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        assert_eq!(csv.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(csv.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("sandbox"));
        assert!(
            csv.text.starts_with('\u{feff}')
                && csv.text.contains("查看案件")
                && csv.text.contains("officer1")
        );
        assert!(csv.text.lines().count() >= 3);
        // Per user, and a bad record name is a clear error.
        let me = call(&app, get("/api/v1/me", &officer)).await;
        let uid = me.body["id"].as_str().unwrap();
        let by_user = call(&app, get(&format!("/api/v1/audit/users/{uid}"), &supervisor)).await;
        assert!(by_user.body.as_array().unwrap().iter().any(|row| row["kind"] == "case.read"));
        let bad = call(&app, get("/api/v1/audit/records/etc-passwd", &supervisor)).await;
        assert_eq!((bad.status, bad.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("record")));
    }
}

/// An event's place on the stream from its id: `(index, 0)` for an entry,
/// `(index, n)` for the n-th alert it raised.
fn position(v: &Value) -> (u64, u32) {
    let id = v["id"].as_str().unwrap();
    match id.split_once('.') {
        Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
        None => (id.parse().unwrap(), 0),
    }
}

/// A supervisor reconnecting with `Last-Event-ID` first gets what happened
/// while away (in order, nothing at or before that id), then live events.
#[tokio::test]
async fn the_stream_resumes_after_the_last_event_id() {
    for app in apps().await {
        let officer = login(&app, "officer1").await;
        let supervisor = login(&app, "supervisor1").await;
        let cases = call(&app, get("/api/v1/cases", &officer)).await;
        let ids: Vec<String> = cases.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        assert!(ids.len() >= 2);
        let read = |id: &str| format!("/api/v1/cases/{id}");
        let is_read_of = |id: &str| {
            let subject = format!("case:{id}");
            move |n: &str, v: &Value| {
                n == "access"
                    && v["kind"] == "case.read"
                    && v["subjects"].as_array().unwrap().iter().any(|s| *s == *subject)
            }
        };

        let resp = app.router.clone().oneshot(get("/api/v1/supervision/stream", &supervisor)).await.unwrap();
        let mut body = resp.into_body();
        let mut buf = String::new();
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        assert_eq!(call(&app, get(&read(&ids[0]), &officer)).await.status, StatusCode::OK);
        let (_, first, _) =
            next_event(&mut body, &mut buf, std::time::Duration::from_secs(2), is_read_of(&ids[0]))
                .await
                .expect("the first read, live");
        let last_id = first["id"].as_str().unwrap().to_owned();
        assert_eq!(last_id, first["seq"].to_string(), "an entry's id is its ledger index");
        drop(body);

        // While away: two reads by the officer.
        assert_eq!(call(&app, get(&read(&ids[1]), &officer)).await.status, StatusCode::OK);
        assert_eq!(call(&app, get(&read(&ids[0]), &officer)).await.status, StatusCode::OK);
        // Let the follower pass them.
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;

        let resume = Request::get("/api/v1/supervision/stream")
            .header(header::AUTHORIZATION, format!("Bearer {supervisor}"))
            .header("last-event-id", &last_id)
            .body(Body::empty())
            .unwrap();
        let resp = app.router.clone().oneshot(resume).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let mut body = resp.into_body();
        let mut buf = String::new();
        let mut seqs = Vec::new();
        let (_, missed1, _) = next_event(&mut body, &mut buf, std::time::Duration::from_secs(2), |n, v| {
            if n != "lagged" {
                seqs.push(position(v));
            }
            is_read_of(&ids[1])(n, v)
        })
        .await
        .expect("the first missed read, replayed");
        let (_, missed2, _) = next_event(&mut body, &mut buf, std::time::Duration::from_secs(2), |n, v| {
            if n != "lagged" {
                seqs.push(position(v));
            }
            is_read_of(&ids[0])(n, v)
        })
        .await
        .expect("the second missed read, replayed");
        let last = (last_id.parse::<u64>().unwrap(), 0);
        assert!(seqs.iter().all(|s| *s > last), "nothing at or before the last id: {seqs:?} vs {last:?}");
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in ledger order, no repeats: {seqs:?}");
        assert!(missed1["seq"].as_u64() < missed2["seq"].as_u64());
        // Then live.
        assert_eq!(call(&app, get(&read(&ids[1]), &officer)).await.status, StatusCode::OK);
        let (_, live, _) = next_event(&mut body, &mut buf, std::time::Duration::from_secs(2), |n, v| {
            is_read_of(&ids[1])(n, v) && v["seq"].as_u64() > missed2["seq"].as_u64()
        })
        .await
        .expect("a live read after the replay");
        assert!(live["seq"].as_u64() > missed2["seq"].as_u64());

        // A client far behind is told how much it missed rather than flooded.
        let resume = Request::get("/api/v1/supervision/stream")
            .header(header::AUTHORIZATION, format!("Bearer {supervisor}"))
            .header("last-event-id", "0")
            .body(Body::empty())
            .unwrap();
        let mut body = app.router.clone().oneshot(resume).await.unwrap().into_body();
        let mut buf = String::new();
        let mut first_name = None;
        next_event(&mut body, &mut buf, std::time::Duration::from_secs(2), |n, _| {
            first_name.get_or_insert(n.to_owned());
            true
        })
        .await
        .expect("some event");
        assert_ne!(first_name.as_deref(), Some("lagged"), "the demo's ledger is within the replay window");
    }
}

/// `qpdf --check` must pass; the text as `pdftotext -raw` reads it, without
/// whitespace (it spaces Latin digits from CJK).
fn checked_pdf_text(bytes: &[u8]) -> String {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("report.pdf");
    std::fs::write(&p, bytes).unwrap();
    let check = Command::new("qpdf").arg("--check").arg(&p).output().expect("qpdf (Debian package qpdf)");
    assert!(check.status.success(), "qpdf --check: {}", String::from_utf8_lossy(&check.stdout));
    let out = Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(&p)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().chars().filter(|c| !c.is_whitespace()).collect()
}

/// Audit reports as PDF for court: every row of the JSON report is in the
/// PDF with its ledger index; reading it is an `audit.read` entry, as for
/// JSON and CSV; officers are refused; an unknown format is a clear error.
#[tokio::test]
async fn audit_reports_as_pdf_for_court() {
    for app in apps().await {
        let officer = login(&app, "officer1").await;
        let supervisor = login(&app, "supervisor1").await;
        let cases = call(&app, get("/api/v1/cases", &officer)).await;
        let id = cases.body["items"][0]["id"].as_str().unwrap().to_owned();
        for _ in 0..3 {
            assert_eq!(
                call(&app, get(&format!("/api/v1/cases/{id}"), &officer)).await.status,
                StatusCode::OK
            );
        }
        let uri = format!("/api/v1/audit/records/case:{id}");
        let json_rows = call(&app, get(&uri, &supervisor)).await.body.as_array().unwrap().clone();
        assert!(json_rows.iter().filter(|r| r["kind"] == "case.read").count() >= 3);

        assert_eq!(
            call(&app, get(&format!("{uri}?format=pdf"), &officer)).await.status,
            StatusCode::FORBIDDEN
        );
        let bad = call(&app, get(&format!("{uri}?format=xml"), &supervisor)).await;
        assert_eq!((bad.status, bad.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("format")));

        let before = entries(&app).await;
        let resp = app.router.clone().oneshot(get(&format!("{uri}?format=pdf"), &supervisor)).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/pdf");
        assert!(resp.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("sandbox"));
        let disposition = resp.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
        assert!(disposition.contains(&format!("audit-case-{id}.pdf")), "{disposition}");
        let pdf = resp.into_body().collect().await.unwrap().to_bytes();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(entries(&app).await, before + 1, "reading the PDF is one entry");
        let mut tx = app.store.read().await.unwrap();
        let last = tx.read_entries(before, 1).await.unwrap();
        tx.finish().await.unwrap();
        let entry: Value = serde_json::from_slice(&last[0].body).unwrap();
        assert_eq!(entry["kind"], "audit.read");
        assert_eq!(entry["subjects"], json!([format!("case:{id}")]));

        let text = checked_pdf_text(&pdf);
        assert!(text.contains("记录调阅审计报告") && text.contains("临江市市场监督管理局"), "{text}");
        assert!(text.contains(&format!("case:{id}")));
        assert!(text.contains(&format!("第{before}条")), "the report names the entry recording it");
        for row in &json_rows {
            let seq = row["seq"].as_u64().unwrap();
            // A row: its ledger index, then the year of its time.
            assert!(text.contains(&format!("{seq}20")), "row {seq} missing from the PDF");
        }
        let reads = text.matches("查看案件").count();
        assert!(reads >= 3, "{reads} reads in the PDF");
        assert!(text.contains("officer1张伟"), "who read, by login and name");

        // Per user.
        let me = call(&app, get("/api/v1/me", &officer)).await;
        let uid = me.body["id"].as_str().unwrap();
        let resp = app
            .router
            .clone()
            .oneshot(get(&format!("/api/v1/audit/users/{uid}?format=pdf"), &supervisor))
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let text = checked_pdf_text(&resp.into_body().collect().await.unwrap().to_bytes());
        assert!(text.contains("用户操作审计报告") && text.contains("张伟（officer1，执法人员）"), "{text}");
        assert!(text.contains("查看案件"));
    }
}

fn send_json(method: &str, uri: &str, token: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// Password and permission changes through the API: the user's own change,
/// an administrator's reset and role change, each refused to others.
#[tokio::test]
async fn passwords_and_roles_change_through_the_api() {
    for app in apps().await {
        let officer = login(&app, "officer2").await;
        let admin = login(&app, "admin").await;
        let me = call(&app, get("/api/v1/me", &officer)).await;
        let uid = me.body["id"].as_str().unwrap().to_owned();

        let wrong = json!({"current_password": "not-it-at-all", "new_password": "officer2-new-pass"});
        let r = call(&app, send_json("POST", "/api/v1/auth/password", &officer, &wrong)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
        let ok =
            json!({"current_password": demo::demo_password("officer2"), "new_password": "officer2-new-pass"});
        let r = call(&app, send_json("POST", "/api/v1/auth/password", &officer, &ok)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        let body = json!({"login": "officer2", "password": "officer2-new-pass"}).to_string();
        assert_eq!(call(&app, post_json("/api/v1/auth/login", None, &body)).await.status, StatusCode::OK);

        let reset = json!({"password": "set-by-the-admin"});
        let uri = format!("/api/v1/users/{uid}/password");
        assert_eq!(call(&app, send_json("PUT", &uri, &officer, &reset)).await.status, StatusCode::FORBIDDEN);
        assert_eq!(call(&app, send_json("PUT", &uri, &admin, &reset)).await.status, StatusCode::NO_CONTENT);
        assert_eq!(
            call(&app, get("/api/v1/me", &officer)).await.status,
            StatusCode::UNAUTHORIZED,
            "a reset ends the user's sessions"
        );

        let uri = format!("/api/v1/users/{uid}");
        let change = json!({"role": "负责人"});
        let supervisor = login(&app, "supervisor1").await;
        assert_eq!(
            call(&app, send_json("PATCH", &uri, &supervisor, &change)).await.status,
            StatusCode::FORBIDDEN
        );
        let r = call(&app, send_json("PATCH", &uri, &admin, &change)).await;
        assert_eq!((r.status, r.body["role"].as_str()), (StatusCode::OK, Some("leader")), "{}", r.text);
        let bad = call(&app, send_json("PATCH", &uri, &admin, &json!({"rank": "general"}))).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        let r = call(&app, Request::get("/openapi.json").body(Body::empty()).unwrap()).await;
        for p in ["/api/v1/auth/password", "/api/v1/users/{id}", "/api/v1/users/{id}/password"] {
            assert!(r.body["paths"][p].is_object(), "openapi lacks {p}");
        }
    }
}

/// Scoped API tokens: a read-only token reads but changes nothing, an
/// upload token uploads evidence and reads nothing; any token revokes itself.
#[tokio::test]
async fn tokens_are_limited_to_their_scope() {
    use liuhen_domain::{Actor, TokenScope};
    for app in apps().await {
        let supervisor = app.service.user_by_login("supervisor1").await.unwrap();
        let station = app.service.user_by_login("station1").await.unwrap();
        let officer = app.service.user_by_login("officer1").await.unwrap();
        let token = |user, scope| {
            let s = app.service.clone();
            async move { s.create_token(Actor::System("cli"), user, None, scope).await.unwrap().secret }
        };
        let read = token(supervisor.id, TokenScope::Read).await;
        let uri = format!("/api/v1/audit/users/{}", officer.id);
        assert_eq!(call(&app, get(&uri, &read)).await.status, StatusCode::OK, "a read-only token reads");
        let r = call(&app, post_json("/api/v1/access-requests", Some(&read), "{}")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert!(r.text.contains("read"), "{}", r.text);

        let upload = token(station.id, TokenScope::Upload).await;
        assert_eq!(call(&app, get("/api/v1/me", &upload)).await.status, StatusCode::FORBIDDEN);
        let create = Request::post("/api/v1/uploads")
            .header(header::AUTHORIZATION, format!("Bearer {upload}"))
            .header("tus-resumable", "1.0.0")
            .header("upload-length", "5")
            .header("upload-metadata", format!("filename {},officer {}", b64("a.txt"), b64("33010026001")))
            .body(Body::empty())
            .unwrap();
        let r = call(&app, create).await;
        assert_eq!(r.status, StatusCode::CREATED, "an upload token uploads: {}", r.text);

        // An officer's full token may change things; any token may end itself.
        let full = token(officer.id, TokenScope::Full).await;
        assert_eq!(call(&app, get("/api/v1/me", &full)).await.status, StatusCode::OK);
        for t in [&read, &upload, &full] {
            let r = call(&app, post_json("/api/v1/auth/logout", Some(t), "")).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
            assert_eq!(call(&app, get("/api/v1/me", t)).await.status, StatusCode::UNAUTHORIZED);
        }
    }
}

/// A token's scope holds however it arrives: the session cookie carries
/// login sessions only, so a read-only token sent as the cookie (with the
/// CSRF header a script can add) changes nothing and reads nothing.
#[tokio::test]
async fn token_scope_applies_when_sent_as_session_cookie() {
    use liuhen_domain::{Actor, TokenScope};
    for app in apps().await {
        let leader = app.service.user_by_login("leader1").await.unwrap();
        let read =
            app.service.create_token(Actor::System("cli"), leader.id, None, TokenScope::Read).await.unwrap();
        let cookie = format!("liuhen_session={}", read.secret);
        let before = entries(&app).await;
        let write = Request::post("/api/v1/cases")
            .header(header::COOKIE, &cookie)
            .header("x-liuhen-csrf", liuhen_server::web::frame::csrf_token(&read.secret))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(case_body("11010519491231002X")))
            .unwrap();
        let r = call(&app, write).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
        let r = call(
            &app,
            Request::get("/api/v1/cases").header(header::COOKIE, &cookie).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a token is no session: {}", r.text);
        assert_eq!(entries(&app).await, before, "nothing written");
        // The same token in its own header still reads, and only reads.
        assert_eq!(call(&app, get("/api/v1/cases", &read.secret)).await.status, StatusCode::OK);
        // A login session in the cookie works as before.
        let session = login(&app, "leader1").await;
        let r = call(
            &app,
            Request::get("/api/v1/cases")
                .header(header::COOKIE, format!("liuhen_session={session}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
    }
}

/// Reads what a raw connection gets until it closes, for at most `within`;
/// `None` if it stayed open.
async fn until_closed(conn: &mut tokio::net::TcpStream, within: std::time::Duration) -> Option<String> {
    use tokio::io::AsyncReadExt as _;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, conn.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// A client that never finishes its headers is cut off after
/// `header_read_seconds`; connections beyond `max_connections` are answered
/// 503 and closed at once; once connections end, new ones are served.
#[tokio::test]
async fn slow_headers_time_out_and_connections_are_capped() {
    use tokio::io::AsyncWriteExt as _;
    let app = apps().await.into_iter().next().unwrap();
    let config = Config { header_read_seconds: 1, max_connections: 2, ..Config::default() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(liuhen_server::serve(
        listener,
        AppState::new(app.service.clone(), config),
        async move {
            let _ = stopped.await;
        },
    ));
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n").await.unwrap();
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut third = tokio::net::TcpStream::connect(addr).await.unwrap();
    let answer = until_closed(&mut third, std::time::Duration::from_secs(2)).await.expect("closed at once");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("retry-after"), "{answer}");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.contains(&format!("content-length: {}", body.len())), "{answer}");
    assert_eq!(serde_json::from_str::<Value>(body).unwrap()["code"], "busy");
    let started = std::time::Instant::now();
    until_closed(&mut slow, std::time::Duration::from_secs(5)).await.expect("slow headers are cut off");
    until_closed(&mut idle, std::time::Duration::from_secs(5)).await.expect("a silent connection too");
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut fresh = tokio::net::TcpStream::connect(addr).await.unwrap();
    fresh.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await.unwrap();
    let answer = until_closed(&mut fresh, std::time::Duration::from_secs(5)).await.expect("answered");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(35), server).await.unwrap().unwrap().unwrap();
}

/// Opens a supervision stream on `router` for `token`; its status and body.
async fn open_stream(router: &Router, token: &str) -> (StatusCode, Body) {
    let resp = router.clone().oneshot(get("/api/v1/supervision/stream", token)).await.unwrap();
    (resp.status(), resp.into_body())
}

/// Whether a stream's body ends within `within` (after any events left).
async fn stream_ends(body: &mut Body, within: std::time::Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return false,
            Ok(None | Some(Err(_))) => return true,
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// A supervision stream checks its caller again while it runs: it ends
/// after logout and after a role change that no longer watches; a user
/// holds at most `max_streams_per_user` streams (429 beyond), and a slot
/// comes back when its stream ends.
#[tokio::test]
async fn supervision_stream_ends_when_its_credential_or_role_no_longer_holds() {
    use liuhen_service::supervision::StreamLimits;
    for app in apps().await {
        let service = app.service.clone().with_stream_limits(StreamLimits { per_user: 2 });
        let config = Config { stream_recheck_seconds: 1, ..Config::default() };
        let r = router(AppState::new(service, config));
        let a = login(&app, "supervisor1").await;
        let b = login(&app, "supervisor1").await;
        let (status, mut body_a) = open_stream(&r, &a).await;
        assert_eq!(status, StatusCode::OK);
        let (status, mut body_b) = open_stream(&r, &b).await;
        assert_eq!(status, StatusCode::OK);
        let over = r.clone().oneshot(get("/api/v1/supervision/stream", &a)).await.unwrap();
        assert_eq!(over.status(), StatusCode::TOO_MANY_REQUESTS);

        // Logging out ends the stream opened with that session.
        let out = r.clone().oneshot(post_json("/api/v1/auth/logout", Some(&a), "")).await.unwrap();
        assert_eq!(out.status(), StatusCode::NO_CONTENT);
        let mut buf = String::new();
        let ended = next_event(&mut body_a, &mut buf, std::time::Duration::from_secs(4), |n, _| n == "ended")
            .await
            .expect("an ended event after logout");
        assert!(ended.1["reason"].as_str().unwrap().contains("revoked"), "{:?}", ended.1);
        assert!(stream_ends(&mut body_a, std::time::Duration::from_secs(2)).await);
        // Its slot is free again.
        let c = login(&app, "supervisor1").await;
        let (status, mut body_c) = open_stream(&r, &c).await;
        assert_eq!(status, StatusCode::OK);

        // A new role that does not watch ends every stream of the user.
        let admin = login(&app, "admin").await;
        let me = call(&app, get("/api/v1/me", &b)).await;
        let uri = format!("/api/v1/users/{}", me.body["id"].as_str().unwrap());
        let change = send_json("PATCH", &uri, &admin, &json!({"role": "archivist"}));
        let changed = call(&app, change).await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
        for body in [&mut body_b, &mut body_c] {
            let mut buf = String::new();
            next_event(body, &mut buf, std::time::Duration::from_secs(4), |n, _| n == "ended")
                .await
                .expect("an ended event after the role change");
            assert!(stream_ends(body, std::time::Duration::from_secs(2)).await);
        }
    }
}

/// A leader watches their unit and the units below it, not the agency: a
/// leader of one team sees their officers' reads, not another team's.
#[tokio::test]
async fn supervision_shows_a_leader_only_their_units_events() {
    for app in apps().await {
        let admin = login(&app, "admin").await;
        let officer2 = app.service.user_by_login("officer2").await.unwrap();
        let uri = format!("/api/v1/users/{}", officer2.id);
        let r = call(&app, send_json("PATCH", &uri, &admin, &json!({"role": "leader"}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let team_leader = login(&app, "officer2").await;
        let resp = app.router.clone().oneshot(get("/api/v1/supervision/stream", &team_leader)).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let mut body = resp.into_body();
        let mut buf = String::new();
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;

        // Another team reads its case first, then the leader's own team.
        let officer3 = login(&app, "officer3").await;
        let listed = call(&app, get("/api/v1/cases", &officer3)).await;
        let theirs = listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["unit_id"] != officer2.unit_id.to_string().as_str())
            .expect("a case of the other team")["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            call(&app, get(&format!("/api/v1/cases/{theirs}"), &officer3)).await.status,
            StatusCode::OK
        );
        let officer1 = login(&app, "officer1").await;
        let ours = call(&app, get("/api/v1/cases", &officer1)).await.body["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(call(&app, get(&format!("/api/v1/cases/{ours}"), &officer1)).await.status, StatusCode::OK);
        let officer3_id = app.service.user_by_login("officer3").await.unwrap().id;
        let mut seen = Vec::new();
        let ours_subject = format!("case:{ours}");
        next_event(&mut body, &mut buf, std::time::Duration::from_secs(3), |_, v| {
            seen.push(v.clone());
            v["kind"] == "case.read" && v["subjects"].as_array().unwrap().iter().any(|s| *s == *ours_subject)
        })
        .await
        .expect("the leader sees their own team's read");
        let theirs_subject = format!("case:{theirs}");
        for v in &seen {
            assert!(
                !v.to_string().contains(&theirs_subject) && v["actor"] != format!("user:{officer3_id}"),
                "another team's event reached the team leader: {v}"
            );
        }
    }
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test]
async fn healthz_reports_a_stopped_writer_and_writes_answer_503() {
    for app in apps().await {
        let t = login(&app, "officer1").await;
        let r = call(&app, post_json("/api/v1/cases", Some(&t), &case_body("11010519491231002X"))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        // The database fails to make a commit durable: the writer stops.
        app.store.inject_commit_fault_for_tests(liuhen_store::CommitFault::IoError);
        let r = call(&app, post_json("/api/v1/cases", Some(&t), &case_body("11010519491231002X"))).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
        assert_eq!(r.body["code"], "unavailable");
        assert!(r.body["message"].as_str().unwrap().contains("writer has stopped"), "{}", r.text);
        let r = call(&app, Request::get("/healthz").body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
        assert!(r.body["message"].as_str().unwrap().contains("writer has stopped"), "{}", r.text);
        // Logins (which write their entry) say so too, rather than an internal error.
        let body = json!({"login": "officer2", "password": demo::demo_password("officer2")}).to_string();
        let r = call(&app, post_json("/api/v1/auth/login", None, &body)).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    }
}

/// Logins are throttled per client address: names rotated from one address
/// lock it (429 with Retry-After), a forwarded-for header is believed only
/// from a configured proxy, and other clients behind that proxy go on.
#[tokio::test]
async fn login_is_limited_per_client_address_and_says_when_to_retry() {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).await.unwrap();
    let config = Config {
        trusted_proxies: vec!["10.0.0.1".parse().unwrap()],
        login_failures_per_source: 5,
        ..Config::default()
    };
    // The demo uploads its recordings and stores its documents' PDFs.
    let blobs = tempfile::tempdir().unwrap();
    let area =
        liuhen_store::uploads::UploadArea::new(liuhen_store::blobs::LocalBlobs::open(blobs.path()).unwrap());
    let service = Service::new(store.clone(), Arc::new(SystemClock), config.service_config(), test_signer())
        .with_evidence(area, liuhen_service::evidence::UploadLimits::default());
    demo::seed(&service).await.unwrap();
    let app = App {
        router: router(AppState::new(service.clone(), config)),
        store,
        service,
        _dir: blobs,
        _db_dir: Some(dir),
    };
    let attempt = |peer: &str, forwarded: Option<&str>, login: &str, password: &str| {
        let body = json!({"login": login, "password": password}).to_string();
        let mut req = post_json("/api/v1/auth/login", None, &body);
        if let Some(f) = forwarded {
            req.headers_mut().insert("x-forwarded-for", f.parse().unwrap());
        }
        req.extensions_mut().insert(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 40000)));
        req
    };
    // A client writing its own forwarded-for header is still itself.
    for i in 0..5 {
        let spoof = format!("192.0.2.{i}");
        let r =
            call(&app, attempt("198.51.100.9", Some(&spoof), &format!("guess-{i}"), "wrong-password")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    }
    let r = call(&app, attempt("198.51.100.9", Some("192.0.2.99"), "guess-9", "wrong-password")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert_eq!(r.body["code"], "locked");
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    // A right password still signs in from the locked address (a unit's NAT is many people).
    let r = call(&app, attempt("198.51.100.9", None, "officer1", "liuhen-demo-officer1")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Through the proxy: each client is counted as itself.
    for i in 0..5 {
        let r = call(&app, attempt("10.0.0.1", Some("203.0.113.5"), &format!("guess-{i}"), "wrong-password"))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    }
    let r = call(&app, attempt("10.0.0.1", Some("203.0.113.5"), "guess-9", "wrong-password")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    let r = call(&app, attempt("10.0.0.1", Some("203.0.113.6"), "officer1", "liuhen-demo-officer1")).await;
    assert_eq!(r.status, StatusCode::OK, "another client behind the proxy: {}", r.text);
}

/// The web UI's pages, driven in process (the browser suite under
/// `tests/ui/` drives them in Chromium).
mod web_pages {
    use super::*;

    fn page(uri: &str, token: &str) -> Request<Body> {
        Request::get(uri)
            .header(header::COOKIE, format!("liuhen_session={token}"))
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .unwrap()
    }

    async fn kinds_after(app: &App, from: u64) -> Vec<String> {
        let n = entries(app).await;
        let mut tx = app.store.read().await.unwrap();
        let got = tx.read_entries(from, u32::try_from(n - from).unwrap()).await.unwrap();
        got.iter().map(|e| liuhen_domain::LedgerEntry::decode(&e.body).unwrap().kind).collect()
    }

    fn assert_page_headers(r: &Resp, uri: &str) {
        let csp = r.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
        assert!(!csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{uri}: {csp}");
        assert_eq!(r.headers.get(header::REFERRER_POLICY).unwrap(), "same-origin", "{uri}");
        assert_eq!(r.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff", "{uri}");
        assert!(!r.text.contains("<script>") && !r.text.contains(" style="), "{uri}: inline script or style");
    }

    async fn first_case(app: &App, token: &str) -> (String, String) {
        let r = call(app, get("/api/v1/cases?limit=1", token)).await;
        let c = &r.body["items"][0];
        (c["id"].as_str().unwrap().to_owned(), c["cause"].as_str().unwrap().to_owned())
    }

    /// A docking station's 工作台 lists the demo's recordings it uploaded,
    /// newest first, each linked to its player.
    #[tokio::test]
    async fn the_station_workbench_lists_its_uploads() {
        for app in apps().await {
            let t = login(&app, "station1").await;
            let r = call(&app, page("/workbench", &t)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            let me = app.service.authenticate(&t).await.unwrap();
            let uploads = app.service.workbench(&me).await.unwrap().uploads;
            assert!(uploads.len() > 10, "the demo's station uploaded its team's recordings");
            let latest = &uploads[0];
            assert!(r.text.contains("最近上传") && r.text.contains(&latest.file_name), "{}", r.text);
            assert!(r.text.contains(&format!("href=\"/evidence/{}\"", latest.id)), "{}", r.text);
            let r = call(&app, page(&format!("/evidence/{}", latest.id), &t)).await;
            assert_eq!(r.status, StatusCode::OK, "the station plays what it uploaded: {}", r.text);
        }
    }

    #[tokio::test]
    async fn pages_answer_with_their_security_headers_and_a_signed_out_visit_goes_to_sign_in() {
        for app in apps().await {
            let t = login(&app, "leader1").await;
            let (case, cause) = first_case(&app, &t).await;
            for uri in [
                "/workbench".to_owned(),
                "/cases".to_owned(),
                "/cases?stage=investigation&deadline=running".to_owned(),
                "/cases?page=not-a-number&stage=nonsense".to_owned(),
                "/cases/new".to_owned(),
                format!("/cases/{case}"),
                format!("/cases/{case}/review"),
                format!("/upload?case={case}"),
                "/supervision".to_owned(),
                "/password".to_owned(),
            ] {
                let r = call(&app, page(&uri, &t)).await;
                assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text);
                assert_page_headers(&r, &uri);
            }
            let r = call(&app, page(&format!("/cases/{case}"), &t)).await;
            assert!(r.text.contains(&cause) && r.text.contains("办案过程"), "{}", r.text);
            // Every form that changes something carries this session's CSRF token.
            let token = liuhen_server::web::frame::csrf_token(&t);
            assert!(r.text.contains(&format!("data-csrf=\"{token}\"")));

            let r = call(
                &app,
                Request::get("/workbench").header(header::ACCEPT, "text/html").body(Body::empty()).unwrap(),
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
            assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/?next=/workbench");
            let r = call(&app, Request::get("/").body(Body::empty()).unwrap()).await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(
                r.text.contains("id=\"login\"") && !r.text.contains("演示账号"),
                "no demo logins unless --demo"
            );
        }
    }

    /// A case out of the reader's scope answers the very page a missing one
    /// does, and neither names it.
    #[tokio::test]
    async fn out_of_scope_and_missing_records_answer_the_same_404_page() {
        for app in apps().await {
            let t1 = login(&app, "officer1").await;
            let (case, cause) = first_case(&app, &t1).await;
            let t3 = login(&app, "officer3").await;
            let hidden = call(&app, page(&format!("/cases/{case}"), &t3)).await;
            let other = uuid::Uuid::new_v4().to_string();
            let missing = call(&app, page(&format!("/cases/{other}"), &t3)).await;
            let garbage = call(&app, page("/cases/not-a-case", &t3)).await;
            let nowhere = call(&app, page("/no/such/page", &t3)).await;
            for r in [&hidden, &missing, &garbage, &nowhere] {
                assert_eq!(r.status, StatusCode::NOT_FOUND);
                assert!(!r.text.contains(&cause));
                assert_page_headers(r, "404");
            }
            // The same page but for the path it names (in its language switch).
            let body = |r: &Resp, id: &str| r.text.replace(&id.replace('-', "%2D"), "").replace(id, "");
            assert_eq!(body(&hidden, &case), body(&missing, &other), "the two 404 pages differ");
            let review = call(&app, page(&format!("/cases/{case}/review"), &t3)).await;
            assert_eq!(review.status, StatusCode::NOT_FOUND);
            // Pages of other roles answer the same.
            for uri in ["/supervision", "/audit", "/cases/new"] {
                let t = login(&app, "station1").await;
                assert_eq!(call(&app, page(uri, &t)).await.status, StatusCode::NOT_FOUND, "{uri}");
            }
            // The API still answers JSON to programs.
            let r = call(&app, get("/api/v1/nothing", &t3)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            assert_eq!(r.body["code"], "not_found");
        }
    }

    /// Reading a case through its page is on the ledger exactly as a read
    /// through the API is: one `case.read` naming the case.
    #[tokio::test]
    async fn a_page_read_is_recorded_as_the_api_read_is() {
        for app in apps().await {
            let t = login(&app, "officer1").await;
            let (case, _) = first_case(&app, &t).await;
            let before = entries(&app).await;
            assert_eq!(call(&app, page(&format!("/cases/{case}"), &t)).await.status, StatusCode::OK);
            assert_eq!(kinds_after(&app, before).await, vec!["case.read"]);
            let before = entries(&app).await;
            assert_eq!(call(&app, get(&format!("/api/v1/cases/{case}"), &t)).await.status, StatusCode::OK);
            assert_eq!(kinds_after(&app, before).await, vec!["case.read"]);
            // A case list page is a list read, like the API's.
            let before = entries(&app).await;
            assert_eq!(call(&app, page("/cases", &t)).await.status, StatusCode::OK);
            assert_eq!(kinds_after(&app, before).await, vec!["case.listed"]);
        }
    }

    /// What a role may do shows only to that role: 签发 and 流转 forms to a
    /// leader, none to an officer or a supervisor (who changes nothing).
    #[tokio::test]
    async fn buttons_follow_the_service_rules() {
        for app in apps().await {
            let leader = login(&app, "leader1").await;
            let (case, _) = first_case(&app, &leader).await;
            let r = call(&app, page(&format!("/cases/{case}"), &leader)).await;
            assert!(
                r.text.contains("/transitions") && r.text.contains("/officers"),
                "leader moves and assigns"
            );
            // An officer reads their own case but neither moves nor assigns it.
            let officer = login(&app, "officer1").await;
            let (own, _) = first_case(&app, &officer).await;
            let r = call(&app, page(&format!("/cases/{own}"), &officer)).await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(!r.text.contains("/transitions") && !r.text.contains("/officers\""));
            let sup = login(&app, "supervisor1").await;
            let (scase, _) = first_case(&app, &sup).await;
            let r = call(&app, page(&format!("/cases/{scase}"), &sup)).await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(!r.text.contains("api-form"), "a supervisor is offered no change");
        }
    }

    /// A 简易程序 case shows only its procedure's stages, starts at 审核决定
    /// and offers the move to 送达执行.
    #[tokio::test]
    async fn the_case_page_follows_the_procedures_stages() {
        for app in apps().await {
            let officer = login(&app, "officer1").await;
            let leader = login(&app, "leader1").await;
            let mut body: Value = serde_json::from_str(&case_body("11010519491231002X")).unwrap();
            body["procedure"] = json!("行政处罚简易程序");
            let r = call(&app, post_json("/api/v1/cases", Some(&officer), &body.to_string())).await;
            assert_eq!(
                (r.status, r.body["stage"].as_str()),
                (StatusCode::CREATED, Some("decision")),
                "{}",
                r.text
            );
            let id = r.body["id"].as_str().unwrap().to_owned();
            let r = call(&app, page(&format!("/cases/{id}"), &leader)).await;
            assert_eq!(r.status, StatusCode::OK);
            let (_, rest) = r.text.split_once("<ol class=\"stages\"").unwrap();
            let (bar, _) = rest.split_once("</ol>").unwrap();
            let steps: Vec<&str> = bar
                .split("<li")
                .skip(1)
                .map(|li| li.split_once('>').unwrap().1.split('<').next().unwrap())
                .collect();
            assert_eq!(steps, ["审核决定", "送达执行", "归档"], "{bar}");
            assert!(bar.contains("aria-current=\"step\">审核决定"), "{bar}");
            assert!(r.text.contains("<input type=\"hidden\" name=\"to\" value=\"execution\">"));
            assert!(!r.text.contains("value=\"investigation\">"));
            assert!(!r.text.contains("<h3>调查取证"), "no 调查取证 section in the timeline");
            assert!(r.text.contains("<strong>登记</strong>"), "no 立案 in 简易程序");
            assert!(r.text.contains("<dt>登记时间</dt>") && !r.text.contains("立案时间"));
            // An ordinary case still shows all five.
            let r = call(&app, post_json("/api/v1/cases", Some(&officer), &case_body("11010519491231002X")))
                .await;
            let id = r.body["id"].as_str().unwrap().to_owned();
            let r = call(&app, page(&format!("/cases/{id}"), &leader)).await;
            assert!(r.text.contains("<h3>调查取证"), "{}", r.text);
            assert!(r.text.contains("<strong>立案</strong>"));
        }
    }
}

/// Administrators create units and users and keep API tokens through the
/// API; an officer is refused each.
#[tokio::test]
async fn administrators_create_units_users_and_tokens() {
    for app in apps().await {
        let admin = login(&app, "admin").await;
        let officer = login(&app, "officer1").await;
        let units = call(&app, get("/api/v1/units", &admin)).await.body;
        let agency = units[0]["id"].as_str().unwrap().to_owned();

        // Units.
        let unit = json!({"name": "执法稽查三队", "parent_id": agency});
        let r = call(&app, send_json("POST", "/api/v1/units", &officer, &unit)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let r = call(&app, send_json("POST", "/api/v1/units", &admin, &unit)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(
            (r.body["name"].as_str(), r.body["kind"].as_str()),
            (Some("执法稽查三队"), Some("department"))
        );
        let unit_id = r.body["id"].as_str().unwrap().to_owned();
        let agency_again = json!({"name": "另一个机关", "parent_id": null, "short_name": "另", "uscc": "11330100MB1234567X"});
        let r = call(&app, send_json("POST", "/api/v1/units", &admin, &agency_again)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "agencies come from the command line: {}", r.text);

        // Users.
        let user = json!({"login": "officer9", "display_name": "吴九", "role": "officer", "unit_id": unit_id,
            "cert_no": "33010026099", "password": "officer9-first-pass"});
        let r = call(&app, send_json("POST", "/api/v1/users", &officer, &user)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let r = call(&app, send_json("POST", "/api/v1/users", &admin, &user)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["unit_id"].as_str(), Some(unit_id.as_str()));
        assert!(r.text.find("password").is_none(), "{}", r.text);
        let body = json!({"login": "officer9", "password": "officer9-first-pass"}).to_string();
        assert_eq!(call(&app, post_json("/api/v1/auth/login", None, &body)).await.status, StatusCode::OK);
        let r = call(&app, send_json("POST", "/api/v1/users", &admin, &user)).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "a login is taken once: {}", r.text);
        let no_cert =
            json!({"login": "officer10", "display_name": "郑十", "role": "officer", "unit_id": unit_id});
        let r = call(&app, send_json("POST", "/api/v1/users", &admin, &no_cert)).await;
        assert_eq!(
            (r.status, r.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("cert_no")),
            "{}",
            r.text
        );
        let second_admin =
            json!({"login": "admin2", "display_name": "管理员二", "role": "admin", "unit_id": unit_id});
        let r = call(&app, send_json("POST", "/api/v1/users", &admin, &second_admin)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let unknown =
            json!({"login": "x12", "display_name": "x", "role": "leader", "unit_id": unit_id, "rank": 1});
        assert_eq!(
            call(&app, send_json("POST", "/api/v1/users", &admin, &unknown)).await.status,
            StatusCode::BAD_REQUEST
        );

        // Tokens.
        let station = app.service.user_by_login("station1").await.unwrap();
        let admin_user = app.service.user_by_login("admin").await.unwrap();
        let new = json!({"user_id": station.id, "name": "一队采集站", "scope": "upload", "expires_at": "2099-01-01T08:00:00+08:00"});
        let r = call(&app, send_json("POST", "/api/v1/tokens", &officer, &new)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert_eq!(call(&app, get("/api/v1/tokens", &officer)).await.status, StatusCode::FORBIDDEN);
        let r = call(&app, send_json("POST", "/api/v1/tokens", &admin, &new)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
        let secret = r.body["secret"].as_str().unwrap().to_owned();
        let token_id = r.body["id"].as_str().unwrap().to_owned();
        assert_eq!((r.body["scope"].as_str(), r.body["live"].as_bool()), (Some("upload"), Some(true)));
        assert!(r.body["expires_at"].as_str().unwrap().starts_with("2099-01-01T00:00:00"), "{}", r.text);
        // An upload token uploads only.
        assert_eq!(call(&app, get("/api/v1/me", &secret)).await.status, StatusCode::FORBIDDEN);
        let past = json!({"user_id": station.id, "scope": "read", "expires_at": "2001-01-01T08:00:00+08:00"});
        let r = call(&app, send_json("POST", "/api/v1/tokens", &admin, &past)).await;
        assert_eq!(
            (r.status, r.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("expires_at")),
            "{}",
            r.text
        );
        let for_admin = json!({"user_id": admin_user.id, "scope": "full"});
        let r = call(&app, send_json("POST", "/api/v1/tokens", &admin, &for_admin)).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "an administrator's tokens come from the command line: {}",
            r.text
        );

        let r = call(&app, get("/api/v1/tokens", &admin)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let listed = r.body.as_array().unwrap();
        assert!(
            listed.iter().any(|t| t["id"] == token_id.as_str() && t["name"] == "一队采集站"),
            "{}",
            r.text
        );
        assert!(!r.text.contains(&secret), "the list never carries a secret");
        let r = call(&app, get(&format!("/api/v1/tokens?user_id={}", admin_user.id), &admin)).await;
        assert_eq!((r.status, r.body.as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "{}", r.text);

        let delete = |token: &str| {
            Request::delete(format!("/api/v1/tokens/{token_id}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap()
        };
        assert_eq!(call(&app, delete(&officer)).await.status, StatusCode::FORBIDDEN);
        let before = entries(&app).await;
        assert_eq!(call(&app, delete(&admin)).await.status, StatusCode::NO_CONTENT);
        assert_eq!(entries(&app).await, before + 1, "a revocation is a ledger entry");
        assert_eq!(
            call(&app, delete(&admin)).await.status,
            StatusCode::NO_CONTENT,
            "revoking again changes nothing"
        );
        assert_eq!(entries(&app).await, before + 1);
        let create = Request::post("/api/v1/uploads")
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .header("tus-resumable", "1.0.0")
            .header("upload-length", "5")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            call(&app, create).await.status,
            StatusCode::UNAUTHORIZED,
            "a revoked token stops at once"
        );
        let r = call(&app, get("/api/v1/tokens", &admin)).await;
        let t = r.body.as_array().unwrap().iter().find(|t| t["id"] == token_id.as_str()).unwrap().clone();
        assert_eq!(t["live"], false);
        assert!(t["revoked_at"].is_string());
        // A session is no token.
        let me = call(&app, get("/api/v1/me", &officer)).await;
        assert_eq!(me.status, StatusCode::OK);

        let r = call(&app, Request::get("/openapi.json").body(Body::empty()).unwrap()).await;
        for p in ["/api/v1/units", "/api/v1/users", "/api/v1/tokens", "/api/v1/tokens/{id}"] {
            assert!(r.body["paths"][p].is_object(), "openapi lacks {p}");
        }
        assert!(r.body["paths"]["/api/v1/units"]["post"].is_object());
        assert!(r.body["paths"]["/api/v1/users"]["post"].is_object());
        assert!(r.body["paths"]["/api/v1/tokens/{id}"]["delete"].is_object());
    }
}

/// A 调阅 request names its case by id or by 案件编号: a case outside the
/// requester's scope but in their agency.
#[tokio::test]
async fn access_requests_name_their_case_by_number() {
    for app in apps().await {
        let officer1 = login(&app, "officer1").await;
        let officer3 = login(&app, "officer3").await;
        let r = call(&app, get("/api/v1/cases", &officer1)).await;
        let case = r.body["items"][0].clone();
        let (id, number) = (case["id"].as_str().unwrap(), case["number"].as_str().unwrap());
        assert_eq!(
            call(&app, get(&format!("/api/v1/cases/{id}"), &officer3)).await.status,
            StatusCode::NOT_FOUND
        );

        let ask = json!({"case_id": format!(" {number} "), "purpose": "关联案件比对", "days": 3});
        let r = call(&app, send_json("POST", "/api/v1/access-requests", &officer3, &ask)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["case_id"].as_str(), Some(id));
        let ask = json!({"case_id": id, "purpose": "关联案件比对", "days": 3});
        let r = call(&app, send_json("POST", "/api/v1/access-requests", &officer3, &ask)).await;
        assert_eq!(r.status, StatusCode::CREATED, "an id still names a case: {}", r.text);
        let ask = json!({"case_id": "临市监立〔1999〕9999号", "purpose": "x", "days": 3});
        let r = call(&app, send_json("POST", "/api/v1/access-requests", &officer3, &ask)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        let partial: String = number.chars().take(4).collect();
        let ask = json!({"case_id": partial, "purpose": "x", "days": 3});
        let r = call(&app, send_json("POST", "/api/v1/access-requests", &officer3, &ask)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "only a whole number names a case: {}", r.text);
        let admin = login(&app, "admin").await;
        let ask = json!({"case_id": number, "purpose": "x", "days": 3});
        let r = call(&app, send_json("POST", "/api/v1/access-requests", &admin, &ask)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
}

/// The pages of the ledger, administration and 调阅: shown to the roles
/// that use them, with their key content, under a policy without inline
/// script or style; the same 404 page to a role that may not use them.
mod pages {
    use super::*;

    async fn page(app: &App, path: &str, session: &str) -> Resp {
        let req = Request::get(path)
            .header(header::COOKIE, format!("liuhen_session={session}"))
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .unwrap();
        let r = call(app, req).await;
        let csp = r.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"), "{csp}");
        r
    }

    const NOT_FOUND: &str = "页面不存在，或您无权查看。";

    #[tokio::test]
    async fn the_ledger_page_shows_the_checkpoint_keys_and_an_entry() {
        for app in apps().await {
            app.service.integrate_all().await.unwrap();
            let cp = app.service.latest_checkpoint().await.unwrap().unwrap();
            let key = app.service.ledger_signer().verifier_keys()[0].to_string();

            let officer = login(&app, "officer1").await;
            let r = page(&app, "/ledger", &officer).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert!(r.text.contains(&format!("<dd id=\"cp-size\">{}</dd>", cp.size)), "{}", r.text);
            assert!(r.text.contains(&key), "{}", r.text);
            assert!(r.text.contains("test.liuhen/ledger"), "the signed note: {}", r.text);
            assert!(r.text.contains("— test.liuhen/ledger"), "its signature line: {}", r.text);
            assert!(!r.text.contains("name=\"index\""), "entries are not an officer's to read");
            let r = page(&app, "/ledger?index=0", &officer).await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.text.contains(NOT_FOUND), "{}", r.text);

            let supervisor = login(&app, "supervisor1").await;
            let r = page(&app, "/ledger?index=0", &supervisor).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert!(r.text.contains("name=\"index\""));
            assert!(r.text.contains("unit.created") && r.text.contains("新建机构"), "{}", r.text);
            assert!(r.text.contains("/api/v1/ledger/entries/0/tlog-proof"), "{}", r.text);
            assert!(r.text.contains("liuhen verify"), "{}", r.text);
            let r = page(&app, "/ledger?index=99999999", &supervisor).await;
            assert!(r.text.contains(NOT_FOUND), "{}", r.text);
            let r = page(&app, "/ledger?index=abc", &supervisor).await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.text.contains("从 0 起的整数"), "{}", r.text);
            // The proof the page links to downloads with the session cookie.
            let req = Request::get("/api/v1/ledger/entries/0/tlog-proof")
                .header(header::COOKIE, format!("liuhen_session={supervisor}"))
                .body(Body::empty())
                .unwrap();
            assert_eq!(call(&app, req).await.status, StatusCode::OK);
        }
    }

    /// A 查封扣押 case: the page shows the limit and, to a leader, the forms to
    /// extend it and release the seizure; each form's answer is on the page after.
    #[tokio::test]
    async fn the_case_page_shows_the_seizure_limit_and_lets_a_leader_extend_and_release_it() {
        for app in apps().await {
            let officer = login(&app, "officer1").await;
            let body = json!({"cause": "扣押涉嫌假冒商品", "kind": "行政强制",
                "parties": [{"type": "natural_person", "name": "测试人", "id_kind": "resident_id_card",
                    "id_number": "11010519491231002X"}]});
            let r = call(&app, post_json("/api/v1/cases", Some(&officer), &body.to_string())).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            let id = r.body["id"].as_str().unwrap().to_owned();
            let me = call(&app, get("/api/v1/me", &officer)).await.body["id"].clone();
            let start = time::OffsetDateTime::now_utc() - time::Duration::hours(2);
            let fmt =
                |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
            let act = json!({"kind": "查封扣押", "starts_at": fmt(start),
                "ends_at": fmt(start + time::Duration::hours(1)), "place": {"address": "某仓库"},
                "venue": "on_site", "officers": [me]});
            let r =
                call(&app, post_json(&format!("/api/v1/cases/{id}/acts"), Some(&officer), &act.to_string()))
                    .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

            let r = call(&app, get(&format!("/api/v1/cases/{id}/compliance"), &officer)).await;
            assert_eq!(r.body["limit"]["state"], "running", "{}", r.text);
            assert_eq!(r.body["limit"]["max_extension_days"], 30);
            let r = page(&app, &format!("/cases/{id}"), &officer).await;
            assert!(r.text.contains("自查封扣押起30日（自然日）"), "{}", r.text);
            assert!(!r.text.contains("/limit/extension"), "not an officer's to approve");

            let leader = login(&app, "leader1").await;
            let r = page(&app, &format!("/cases/{id}"), &leader).await;
            for want in [
                format!("data-action=\"/api/v1/cases/{id}/limit/extension\""),
                format!("data-action=\"/api/v1/cases/{id}/seizure/release\""),
                "max=\"30\"".to_owned(),
                "value=\"decided\"".to_owned(),
            ] {
                assert!(r.text.contains(&want), "{want}: {}", r.text);
            }
            let ext = json!({"days": 15, "reason": "涉案商品送检"}).to_string();
            let uri = format!("/api/v1/cases/{id}/limit/extension");
            let r = call(&app, post_json(&uri, Some(&officer), &ext)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
            let r = call(&app, post_json(&uri, Some(&leader), &ext)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            let r = call(&app, post_json(&uri, Some(&leader), &ext)).await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
            let r = page(&app, &format!("/cases/{id}"), &leader).await;
            assert!(r.text.contains("含延长15日") && r.text.contains("涉案商品送检"), "{}", r.text);
            assert!(r.text.contains("只能延长一次") && !r.text.contains("/limit/extension\""), "{}", r.text);

            let rel = json!({"reason": "decided", "text": "退还扣押物品"}).to_string();
            let r =
                call(&app, post_json(&format!("/api/v1/cases/{id}/seizure/release"), Some(&leader), &rel))
                    .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            let r = page(&app, &format!("/cases/{id}"), &leader).await;
            assert!(r.text.contains("已解除查封扣押") && r.text.contains("退还扣押物品"), "{}", r.text);
            assert!(!r.text.contains("/seizure/release\""), "released once: {}", r.text);
        }
    }

    /// On the timeline a passed review shows green and a returned one amber.
    #[tokio::test]
    async fn review_outcomes_show_in_their_colours_on_the_case_page() {
        for app in apps().await {
            let leader = login(&app, "leader1").await;
            let q = format!("/api/v1/cases?q={}", "%E8%99%9A%E5%81%87%E5%AE%A3%E4%BC%A0");
            let r = call(&app, get(&q, &leader)).await;
            let id = r.body["items"][0]["id"].as_str().unwrap().to_owned();
            let r = page(&app, &format!("/cases/{id}"), &leader).await;
            assert!(r.text.contains("<span class=\"badge ok\">同意</span>"), "{}", r.text);
            assert!(r.text.contains("<span class=\"badge warning\">建议改正</span>"), "{}", r.text);
        }
    }

    /// An archived case, as its archivist sees it: the form to package it,
    /// then the 档号, the check report and the download link; nobody else
    /// gets the section.
    #[tokio::test]
    async fn an_archivist_packages_an_archived_case_from_its_page() {
        for app in apps().await {
            let archivist = login(&app, "archivist1").await;
            let r = call(&app, get("/api/v1/cases?limit=50", &archivist)).await;
            let id = r.body["items"][0]["id"].as_str().unwrap().to_owned();
            let r = page(&app, &format!("/cases/{id}"), &archivist).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert!(r.text.contains(&format!("data-action=\"/api/v1/cases/{id}/archive\"")), "{}", r.text);
            let r = call(&app, post_json(&format!("/api/v1/cases/{id}/archive"), Some(&archivist), "")).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            let file_no = r.body["file_no"].as_str().unwrap().to_owned();
            let aid = r.body["id"].as_str().unwrap().to_owned();
            let r = page(&app, &format!("/cases/{id}"), &archivist).await;
            assert!(r.text.contains(&file_no) && r.text.contains("四性检测"), "{}", r.text);
            assert!(r.text.contains(&format!("href=\"/api/v1/archives/{aid}/package\"")), "{}", r.text);
            assert!(!r.text.contains(&format!("data-action=\"/api/v1/cases/{id}/archive\"")));
            // The link downloads with the session cookie: a tar file named by its 档号.
            let req = Request::get(format!("/api/v1/archives/{aid}/package"))
                .header(header::COOKIE, format!("liuhen_session={archivist}"))
                .body(Body::empty())
                .unwrap();
            let got = call(&app, req).await;
            assert_eq!(got.status, StatusCode::OK);
            assert_eq!(got.headers[header::CONTENT_TYPE], "application/x-tar");
            let leader = login(&app, "leader1").await;
            let r = page(&app, &format!("/cases/{id}"), &leader).await;
            assert!(!r.text.contains("电子案卷归档"), "not the leader's: {}", r.text);
        }
    }

    /// 保管期限 and holds on the case page and the 档案保管 page: the class and last day from the
    /// rulebook, a hold placed and lifted through the API the forms call, and a destruction refused
    /// before the retention runs out, naming why.
    #[tokio::test]
    async fn retention_and_holds_on_the_case_and_retention_pages() {
        for app in apps().await {
            let archivist = login(&app, "archivist1").await;
            let r = call(&app, get("/api/v1/cases?limit=50", &archivist)).await;
            let id = r.body["items"][0]["id"].as_str().unwrap().to_owned();
            let r = call(&app, get(&format!("/api/v1/cases/{id}/retention"), &archivist)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "no retention before packaging: {}", r.text);
            let r = call(&app, post_json(&format!("/api/v1/cases/{id}/archive"), Some(&archivist), "")).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            let class = r.body["retention_class"].as_str().unwrap().to_owned();
            assert!(r.body["file_no"].as_str().unwrap().contains(&format!("-{class}-")), "{}", r.text);
            let r = call(&app, get(&format!("/api/v1/cases/{id}/retention"), &archivist)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            let until = r.body["retain_until"].as_str().unwrap().to_owned();
            let page_text = page(&app, &format!("/cases/{id}"), &archivist).await.text;
            assert!(page_text.contains("保管期限") && page_text.contains(&until), "{page_text}");
            assert!(page_text.contains("data-action=\"/api/v1/holds\""), "{page_text}");

            let body = format!(r#"{{"target": {{"kind": "case", "id": "{id}"}}, "reason": "行政诉讼未决"}}"#);
            let r = call(&app, post_json("/api/v1/holds", Some(&archivist), &body)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            let hold = r.body["id"].as_str().unwrap().to_owned();
            let page_text = page(&app, &format!("/cases/{id}"), &archivist).await.text;
            assert!(page_text.contains(&format!("data-action=\"/api/v1/holds/{hold}/lift\"")), "{page_text}");
            let r = page(&app, "/retention", &archivist).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert!(r.text.contains("行政诉讼未决") && r.text.contains("保全冻结"), "{}", r.text);

            let body =
                format!(r#"{{"items": [{{"kind": "case", "id": "{id}"}}], "reason": "保管期限届满"}}"#);
            let r = call(&app, post_json("/api/v1/destructions", Some(&archivist), &body)).await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
            let msg = r.body["message"].as_str().unwrap_or_default().to_owned();
            assert!(msg.contains("尚未届满") && msg.contains("保全冻结"), "{}", r.text);
            let r = call(
                &app,
                post_json("/api/v1/destructions", Some(&archivist), r#"{"items": [], "reason": "x"}"#),
            )
            .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);

            let r = call(
                &app,
                post_json(
                    &format!("/api/v1/holds/{hold}/lift"),
                    Some(&archivist),
                    r#"{"reason": "判决生效"}"#,
                ),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert!(r.body["lifted_at"].is_string(), "{}", r.text);
            let r = call(
                &app,
                post_json(&format!("/api/v1/holds/{hold}/lift"), Some(&archivist), r#"{"reason": "again"}"#),
            )
            .await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

            // A leader reads the requests (none) and approves there; an officer has no such page.
            let leader = login(&app, "leader1").await;
            let r = page(&app, "/retention", &leader).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert!(r.text.contains("暂无销毁申请") && !r.text.contains("提交销毁申请"), "{}", r.text);
            let r = call(
                &app,
                post_json(
                    "/api/v1/holds",
                    Some(&leader),
                    &format!(r#"{{"target": {{"kind": "case", "id": "{id}"}}, "reason": "x"}}"#),
                ),
            )
            .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
            let officer = login(&app, "officer1").await;
            assert_eq!(page(&app, "/retention", &officer).await.status, StatusCode::NOT_FOUND);
        }
    }

    #[tokio::test]
    async fn the_admin_page_is_for_administrators() {
        for app in apps().await {
            let admin = login(&app, "admin").await;
            let r = page(&app, "/admin", &admin).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            for want in [
                "执法稽查二队",
                "法制科",
                "张伟",
                "officer1",
                "data-action=\"/api/v1/units\"",
                "data-action=\"/api/v1/users\"",
                "data-action=\"/api/v1/tokens\"",
                "data-show-result=\"secret\"",
                // The registers: the demo's cameras, issued, and its station.
                "DSJ-LJ1-0101",
                "data-action=\"/api/v1/devices\"",
                "data-action=\"/api/v1/devices/DSJ-LJ1-0101/return\"",
                "data-action=\"/api/v1/devices/DSJ-LJ1-0101\"",
                "data-action=\"/api/v1/stations\"",
                "LJSJ-YD-ST01",
                "在用",
            ] {
                assert!(r.text.contains(want), "{want}: {}", r.text);
            }
            let officer = app.service.user_by_login("officer1").await.unwrap();
            assert!(r.text.contains(&format!("data-action=\"/api/v1/users/{}\"", officer.id)));
            assert!(r.text.contains(&format!("data-action=\"/api/v1/users/{}/password\"", officer.id)));
            assert!(r.text.contains(officer.cert_no.as_deref().unwrap()));
            // Every input has its label.
            for id in r.text.split("<input id=\"").skip(1).map(|s| s.split('"').next().unwrap()) {
                assert!(r.text.contains(&format!("for=\"{id}\"")), "input {id} has no label");
            }

            let officer = login(&app, "officer1").await;
            let r = page(&app, "/admin", &officer).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            assert!(r.text.contains(NOT_FOUND), "{}", r.text);
            assert!(!r.text.contains("data-action=\"/api/v1/units\""));
        }
    }

    /// A file from a camera not on the register is kept; its page says so,
    /// and a camera returned is offered for 领用 again on the admin page.
    #[tokio::test]
    async fn the_evidence_page_shows_where_the_register_disagrees() {
        use liuhen_service::evidence::ChunkOutcome;
        for app in apps().await {
            let login_out = app.service.login("station1", &demo::demo_password("station1")).await.unwrap();
            let station = app.service.authenticate(&login_out.token).await.unwrap();
            let bytes = b"not really a jpeg".to_vec();
            let meta = std::collections::HashMap::from([
                ("filename".to_owned(), "IMG0001.JPG".to_owned()),
                ("device_serial".to_owned(), "DSJ-UNKNOWN-7".to_owned()),
                ("officer".to_owned(), "33010026001".to_owned()),
                ("unit_code".to_owned(), "330100".to_owned()),
            ]);
            let up = app.service.create_upload(&station, bytes.len() as u64, meta).await.unwrap();
            let mut body = futures_util::stream::iter([Ok(axum::body::Bytes::from(bytes))]);
            let e = match app.service.upload_chunk(&station, &up.id, 0, &mut body, None).await.unwrap() {
                ChunkOutcome::Complete { evidence, .. } => *evidence,
                other => panic!("not complete: {other:?}"),
            };
            let leader = login(&app, "leader1").await;
            let r = page(&app, &format!("/evidence/{}", e.id), &leader).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert!(r.text.contains("id=\"device-flags\"") && r.text.contains("设备未登记"), "{}", r.text);
            assert!(r.text.contains("DSJ-UNKNOWN-7") && r.text.contains("330100"), "{}", r.text);

            let admin = login(&app, "admin").await;
            let returned =
                call(&app, send_json("POST", "/api/v1/devices/DSJ-LJ1-0101/return", &admin, &json!({})))
                    .await;
            assert_eq!(returned.status, StatusCode::OK, "{}", returned.text);
            let r = page(&app, "/admin", &admin).await;
            assert!(r.text.contains("data-action=\"/api/v1/devices/DSJ-LJ1-0101/issue\""), "{}", r.text);
            assert!(!r.text.contains("data-action=\"/api/v1/devices/DSJ-LJ1-0101/return\""), "{}", r.text);
        }
    }

    #[tokio::test]
    async fn the_access_page_asks_decides_and_lists_grants() {
        for app in apps().await {
            let officer1 = login(&app, "officer1").await;
            let officer3 = login(&app, "officer3").await;
            let r = call(&app, get("/api/v1/cases", &officer1)).await;
            let number = r.body["items"][0]["number"].as_str().unwrap().to_owned();
            let id = r.body["items"][0]["id"].as_str().unwrap().to_owned();

            let r = page(&app, "/access", &officer3).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert!(r.text.contains("data-action=\"/api/v1/access-requests\""), "{}", r.text);
            assert!(r.text.contains("暂无调阅申请"), "{}", r.text);

            let ask = json!({"case_id": number, "purpose": "关联案件比对核查", "days": 5});
            let r = call(&app, send_json("POST", "/api/v1/access-requests", &officer3, &ask)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            let rid = r.body["id"].as_str().unwrap().to_owned();

            let r = page(&app, "/access", &officer3).await;
            assert!(r.text.contains(&format!("id=\"r-{rid}\"")), "{}", r.text);
            assert!(r.text.contains("关联案件比对核查"));
            assert!(
                !r.text.contains(&format!("/api/v1/access-requests/{rid}/approve")),
                "not the requester's to decide"
            );

            let leader = login(&app, "leader1").await;
            let r = page(&app, "/access", &leader).await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.text.contains(&format!("id=\"r-{rid}\"")), "{}", r.text);
            assert!(r.text.contains(&format!("/api/v1/access-requests/{rid}/approve")), "{}", r.text);
            assert!(r.text.contains(&format!("/api/v1/access-requests/{rid}/reject")), "{}", r.text);
            assert!(r.text.contains(&format!("for=\"rj-{rid}\"")));
            let supervisor = login(&app, "supervisor1").await;
            for who in [&leader, &supervisor] {
                let r =
                    call(&app, post_json(&format!("/api/v1/access-requests/{rid}/approve"), Some(who), ""))
                        .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            }
            let r = page(&app, "/access", &officer3).await;
            assert!(r.text.contains("我的调阅授权"));
            assert!(
                r.text.contains(&format!("<a href=\"/cases/{id}\">")),
                "a live grant links its case: {}",
                r.text
            );
            assert!(r.text.contains("有效至"));

            for role in ["station1", "admin"] {
                let s = login(&app, role).await;
                let r = page(&app, "/access", &s).await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{role}");
            }
        }
    }
}

/// The device and station registers through the API: administrators
/// register, change, issue and return (each an entry); a station reports
/// clocks with an upload-only token; leaders read; officers do not.
#[tokio::test]
async fn devices_and_stations_through_the_api() {
    for app in apps().await {
        let admin = login(&app, "admin").await;
        let o1 = app.service.user_by_login("officer1").await.unwrap();
        let o2 = app.service.user_by_login("officer2").await.unwrap();
        let r = call(&app, get("/api/v1/devices", &admin)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.body.as_array().unwrap().iter().any(|d| d["serial"] == "DSJ-LJ1-0101"), "{}", r.text);

        let before = entries(&app).await;
        let body = json!({"serial": "DSJ-API-0001", "model": "DSJ-V8", "unit_id": o1.unit_id});
        let r = call(&app, send_json("POST", "/api/v1/devices", &admin, &body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["status"], "in_service");
        assert_eq!(entries(&app).await, before + 1);
        let r = call(&app, send_json("POST", "/api/v1/devices", &admin, &body)).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        let officer = login(&app, "officer1").await;
        assert_eq!(
            call(&app, send_json("POST", "/api/v1/devices", &officer, &body)).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(call(&app, get("/api/v1/devices", &officer)).await.status, StatusCode::FORBIDDEN);

        let issue = json!({"officer_id": o1.id});
        let r = call(&app, send_json("POST", "/api/v1/devices/DSJ-API-0001/issue", &admin, &issue)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let again = json!({"officer_id": o2.id});
        let r = call(&app, send_json("POST", "/api/v1/devices/DSJ-API-0001/issue", &admin, &again)).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        let r =
            call(&app, send_json("POST", "/api/v1/devices/DSJ-API-0001/return", &admin, &json!(null))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.body["returned_at"].is_string(), "{}", r.text);
        let r = call(
            &app,
            send_json("PATCH", "/api/v1/devices/DSJ-API-0001", &admin, &json!({"status": "维修"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["status"], "under_repair");
        let leader = login(&app, "leader1").await;
        let r = call(&app, get("/api/v1/devices/DSJ-API-0001", &leader)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["bindings"].as_array().unwrap().len(), 1, "{}", r.text);
        assert_eq!(call(&app, get("/api/v1/devices/NOPE-1", &leader)).await.status, StatusCode::NOT_FOUND);

        // A station's upload-only token reports 校时; one beyond 30 s is a drift.
        let station = app.service.user_by_login("station1").await.unwrap();
        let token = app
            .service
            .create_token(
                liuhen_domain::Actor::System("cli"),
                station.id,
                Some("dock".to_owned()),
                liuhen_domain::TokenScope::Upload,
            )
            .await
            .unwrap()
            .secret;
        let report = json!({"offset_ms": -31000, "station_id": "LJSJ-YD-ST01"});
        let r = call(&app, send_json("POST", "/api/v1/devices/DSJ-API-0001/clock", &token, &report)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["over_threshold"], true);
        let r = call(&app, get("/api/v1/devices/DSJ-API-0001/clock", &admin)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body[0]["offset_ms"], -31000);
        // The upload-only token reaches nothing else of the register.
        assert_eq!(call(&app, get("/api/v1/devices", &token)).await.status, StatusCode::FORBIDDEN);

        let st = json!({"station_id": "ST-API-2", "name": "二号采集站", "unit_id": o1.unit_id});
        let r = call(&app, send_json("POST", "/api/v1/stations", &admin, &st)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let r = call(&app, get("/api/v1/stations", &admin)).await;
        assert_eq!(r.body.as_array().unwrap().len(), 2, "{}", r.text);

        let doc = call(&app, Request::get("/openapi.json").body(Body::empty()).unwrap()).await;
        for path in [
            "/api/v1/devices",
            "/api/v1/devices/{serial}/issue",
            "/api/v1/devices/{serial}/clock",
            "/api/v1/stations",
        ] {
            assert!(doc.body["paths"][path].is_object(), "{path} documented");
        }
    }
}

mod disclosure {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Text {
        text: String,
        persons: Vec<String>,
        planted: Vec<Planted>,
    }

    #[derive(serde::Deserialize)]
    struct Planted {
        value: String,
    }

    fn send(method: &str, uri: &str, token: &str, body: &Value) -> Request<Body> {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    }

    async fn public(app: &App, uri: &str) -> Resp {
        let r = call(app, Request::get(uri).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text);
        assert!(r.headers.get(header::SET_COOKIE).is_none(), "{uri} sets no cookie");
        r
    }

    /// Every text of the redaction corpus, put in a 查封扣押决定书 of its own case, issued, redacted
    /// (the case's party and the names a reviewer labels are known), confirmed, published: no
    /// public page, feed entry or API answer shows any identifier planted in it, nor the party's ID.
    #[tokio::test]
    async fn published_pages_feed_and_api_carry_no_planted_identifier() {
        let corpus: Vec<Text> =
            serde_json::from_str(include_str!("../../liuhen-domain/tests/redaction/corpus.json")).unwrap();
        for app in apps().await {
            let officer = login(&app, "officer1").await;
            let leader = login(&app, "leader1").await;
            let reviewer = login(&app, "reviewer1").await;
            let mut planted: Vec<String> = Vec::new();
            let mut published = Vec::new();
            for (i, t) in corpus.iter().enumerate() {
                let first17 = format!("3301021980{:02}{:02}{:03}", 1 + i % 12, 1 + i % 28, 100 + i);
                let id_number =
                    format!("{first17}{}", liuhen_domain::ResidentId::check_character(&first17).unwrap());
                let party = match t.persons.first() {
                    Some(name) => {
                        json!({"type": "natural_person", "name": name, "id_kind": "resident_id_card",
                        "id_number": id_number, "phone": "13905719999", "address": "临江市江滨区望江路7号"})
                    }
                    None => json!({"type": "organisation", "name": "临江市某某商贸有限公司",
                        "uscc": "91330100MA2H4K7X1M", "legal_representative": "欧阳建华"}),
                };
                planted.extend(t.planted.iter().map(|p| p.value.clone()));
                if t.persons.is_empty() {
                    planted.push("欧阳建华".into());
                } else {
                    planted.extend([id_number.clone(), "13905719999".into(), "望江路7号".into()]);
                }
                let body = json!({"cause": format!("公示测试{i}"), "kind": "administrative_coercion",
                    "parties": [party], "officers": []});
                let r = call(&app, send("POST", "/api/v1/cases", &officer, &body)).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
                let case = r.body["id"].as_str().unwrap().to_owned();
                let r = call(
                    &app,
                    send(
                        "POST",
                        &format!("/api/v1/cases/{case}/documents"),
                        &officer,
                        &json!({"format": "查封扣押决定书"}),
                    ),
                )
                .await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
                let doc = r.body["id"].as_str().unwrap().to_owned();
                let mut fields = r.body["fields"].clone();
                for (k, v) in [
                    ("measure", json!("扣押")),
                    ("reason", json!(t.text)),
                    ("legal_basis", json!("《中华人民共和国行政强制法》第二十二条")),
                    ("items", json!("涉案商品一批，详见查封扣押清单。")),
                    ("start_date", json!("2026-11-20")),
                    ("end_date", json!("2026-12-19")),
                    ("review_agency", json!("临江市人民政府")),
                    ("court", json!("临江市江滨区人民法院")),
                    ("decision_date", json!("2026-11-20")),
                    ("seal", json!({"name": "临江市市场监督管理局", "date": "2026-11-20"})),
                ] {
                    fields[k] = v;
                }
                let r = call(
                    &app,
                    send("PUT", &format!("/api/v1/documents/{doc}"), &officer, &json!({"fields": fields})),
                )
                .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                let r =
                    call(&app, post_json(&format!("/api/v1/documents/{doc}/issue"), Some(&leader), "")).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                let r = call(&app, get(&format!("/api/v1/disclosures?case={case}"), &officer)).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                let id = r.body[0]["id"].as_str().expect("the issued decision is due for 公示").to_owned();
                assert_eq!(r.body[0]["state"], "due");
                let labels = json!({"persons": t.persons.iter().skip(1).collect::<Vec<_>>()});
                let r = call(
                    &app,
                    send("POST", &format!("/api/v1/disclosures/{id}/redaction"), &reviewer, &labels),
                )
                .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                let r = call(
                    &app,
                    post_json(&format!("/api/v1/disclosures/{id}/confirmation"), Some(&reviewer), ""),
                )
                .await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "the one who proposed does not confirm: {}",
                    r.text
                );
                let r = call(
                    &app,
                    post_json(&format!("/api/v1/disclosures/{id}/publication"), Some(&leader), ""),
                )
                .await;
                assert_eq!(r.status, StatusCode::CONFLICT, "not confirmed yet: {}", r.text);
                // The leader proposes again (same text); the reviewer confirms; the leader publishes.
                let r = call(
                    &app,
                    send("POST", &format!("/api/v1/disclosures/{id}/redaction"), &leader, &labels),
                )
                .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                let r = call(
                    &app,
                    post_json(&format!("/api/v1/disclosures/{id}/confirmation"), Some(&reviewer), ""),
                )
                .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                let r = call(
                    &app,
                    post_json(&format!("/api/v1/disclosures/{id}/publication"), Some(&leader), ""),
                )
                .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                assert!(r.body["published_entry"].as_u64().is_some(), "{}", r.text);
                published.push(id);
            }
            let mut uris = vec![
                "/public".to_owned(),
                "/public?kind=administrative_coercion".to_owned(),
                "/public/feed.atom".to_owned(),
                "/public/api/v1/disclosures?limit=200".to_owned(),
            ];
            for id in &published {
                uris.push(format!("/public/decisions/{id}"));
                uris.push(format!("/public/api/v1/disclosures/{id}"));
            }
            let mut leaks = Vec::new();
            let mut feed_entries = 0;
            for uri in &uris {
                let r = public(&app, uri).await;
                if uri.ends_with(".atom") {
                    feed_entries = r.text.matches("<entry>").count();
                }
                if uri.ends_with("limit=200") {
                    assert!(r.body["total"].as_u64().unwrap() >= corpus.len() as u64, "{}", r.text);
                }
                for p in &planted {
                    if r.text.contains(p.as_str()) {
                        leaks.push(format!("{uri}: {p}"));
                    }
                }
            }
            assert_eq!(feed_entries, 50, "the feed carries the latest 50");
            assert!(leaks.is_empty(), "{} identifiers shown:\n{}", leaks.len(), leaks.join("\n"));
            println!(
                "{} decisions published, {} identifiers looked for in {} answers",
                published.len(),
                planted.len(),
                uris.len()
            );
        }
    }
}
