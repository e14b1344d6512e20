//! Use cases over a real store: SQLite always, PostgreSQL too when
//! `LIUHEN_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;

use liuhen_domain::{
    ActKind, CaseKind, LedgerEntry, NewAct, NewCase, Party, PersonIdKind, Place, Stage, Venue,
};
use liuhen_service::{
    CaseQuery, ManualClock, Principal, Service, ServiceConfig, ServiceError, TransitionRequest, demo,
};
use liuhen_store::Store;
use time::macros::datetime;

/// Services over a fresh store each, with an evidence folder (issued
/// documents are stored there) kept alive by the returned folders.
async fn services() -> Vec<(Service, Arc<ManualClock>, Dirs)> {
    let mut out = Vec::new();
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-27 02:00 UTC)));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).await.unwrap();
    let (s, blobs) = with_blobs(Service::new(store, clock.clone(), ServiceConfig::default(), test_signer()));
    out.push((s, clock, Dirs { db: Some(dir), blobs }));
    if let Ok(url) = std::env::var("LIUHEN_TEST_DATABASE_URL") {
        use sqlx::Connection;
        let name = format!("liuhen_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        let base = url.rsplit_once('/').map(|(b, _)| b).unwrap();
        let store = Store::open(&format!("{base}/{name}")).await.unwrap();
        let clock = Arc::new(ManualClock::new(datetime!(2026-11-27 02:00 UTC)));
        let (s, blobs) =
            with_blobs(Service::new(store, clock.clone(), ServiceConfig::default(), test_signer()));
        out.push((s, clock, Dirs { db: None, blobs }));
    }
    out
}

/// The folders a test service lives in: its SQLite database (none on
/// PostgreSQL) and its evidence.
struct Dirs {
    db: Option<tempfile::TempDir>,
    blobs: tempfile::TempDir,
}

/// The originals a test service stored (issued PDFs, evidence).
async fn stored_objects(dirs: &Dirs) -> Vec<String> {
    let local = liuhen_store::blobs::LocalBlobs::open(dirs.blobs.path()).unwrap();
    let mut names = liuhen_store::originals::Originals::local(local).names().await.unwrap();
    names.sort();
    names
}

/// Another node over the same store and blob folder: its own renderer and
/// its own turns, as a second process would have.
fn second_node(s: &Service, dirs: &Dirs, clock: Arc<ManualClock>) -> Service {
    let area = liuhen_store::uploads::UploadArea::new(
        liuhen_store::blobs::LocalBlobs::open(dirs.blobs.path()).unwrap(),
    );
    Service::new(s.store().clone(), clock, ServiceConfig::default(), test_signer())
        .with_evidence(area, liuhen_service::evidence::UploadLimits::default())
}

fn with_blobs(s: Service) -> (Service, tempfile::TempDir) {
    let blobs = tempfile::tempdir().unwrap();
    let area =
        liuhen_store::uploads::UploadArea::new(liuhen_store::blobs::LocalBlobs::open(blobs.path()).unwrap());
    (s.with_evidence(area, liuhen_service::evidence::UploadLimits::default()), blobs)
}

/// Drafts a document of `format` in the case (officer1), fills in what the
/// case cannot prefill, and issues it (leader1).
async fn issue_doc(s: &Service, case: liuhen_domain::CaseId, format: &str) -> liuhen_domain::Document {
    let id = ready_doc(s, case, format).await;
    let leader = as_user(s, "leader1").await;
    s.issue_document(&leader, id).await.unwrap()
}

/// A complete draft of `format` in the case (officer1), ready to issue.
async fn ready_doc(s: &Service, case: liuhen_domain::CaseId, format: &str) -> liuhen_domain::DocumentId {
    use serde_json::json;
    let o1 = as_user(s, "officer1").await;
    let input = liuhen_service::documents::NewDocument {
        format: format.into(),
        fields: None,
        corrects: None,
        label: None,
    };
    let draft = s.draft_document(&o1, case, &input).await.unwrap();
    let person = json!({"type": "natural_person", "name": "测试当事人", "id_kind": "resident_id_card",
        "id_number": "11010519491231002X"});
    let values = [
        ("case_source", json!("监督检查")),
        ("source_date", json!("2026-02-27")),
        ("brief_facts", json!("监督检查中发现当事人涉嫌违法经营。")),
        ("filing_basis", json!("《中华人民共和国行政处罚法》第五十四条")),
        ("handler_opinion", json!("建议立案调查。")),
        ("interviewee", person),
        ("gender", json!("男")),
        ("relation", json!("当事人")),
        ("recorder", json!("记录员")),
        ("identity_notice", json!("我们是临江市市场监督管理局的执法人员，这是我们的执法证件。")),
        ("qa", json!("问：你是否了解今天询问的事由？\n答：了解。")),
        ("interviewee_statement", json!("以上笔录我看过，与我说的相符。")),
        ("on_site_person", json!("测试当事人")),
        ("inspection_content", json!("检查经营场所及库存商品。")),
        ("av_recording", json!("全程音像记录")),
        ("measure", json!("查封")),
        ("reason", json!("涉嫌销售假冒商品，为防止证据损毁。")),
        ("legal_basis", json!("《中华人民共和国行政强制法》第二十二条")),
        ("items", json!("见查封扣押财物清单。")),
        ("start_date", json!("2026-03-02")),
        ("end_date", json!("2026-03-31")),
        ("review_agency", json!("临江市人民政府")),
        ("court", json!("临江市人民法院")),
        ("decision_date", json!("2026-03-02")),
        ("facts", json!("经查，当事人销售超过保质期的食品。")),
        ("evidence", json!("1.现场检查笔录；\n2.询问笔录。")),
        ("law_violated", json!("《中华人民共和国食品安全法》第三十四条第十项")),
        ("proposed_penalty", json!("罚款人民币伍万元整。")),
        ("hearing_right", json!("享有听证权利")),
        ("contact_person", json!("张执法")),
        ("contact_phone", json!("0571-88888888")),
        ("notice_date", json!("2026-03-05")),
        ("statement_review", json!("当事人在法定期限内未提出陈述、申辩意见。")),
        ("discretion", json!("当事人系初次违法，予以从轻处罚。")),
        ("penalty", json!("罚款人民币50000元。")),
        ("fine_amount", json!("50000.00")),
        ("payment", json!("当事人应当自收到本决定书之日起十五日内缴纳罚款。")),
        ("ground", json!("初次违法且危害后果轻微并及时改正")),
        ("original_decision", json!("临市监强〔2026〕1号")),
        ("original_date", json!("2026-11-27")),
        ("reasoning", json!("当事人系初次违法，危害后果轻微，且已及时改正。")),
    ];
    let formats = s.document_formats().unwrap();
    let f = formats.iter().find(|f| f.name == format).unwrap();
    let mut fields = draft.fields.clone();
    for (k, v) in values {
        let blank = fields.get(k).is_none_or(|x| x.is_null() || x == "");
        if blank && f.fields.iter().any(|field| field.key == k) {
            fields[k] = v;
        }
    }
    s.edit_document(&o1, draft.id, &fields).await.unwrap();
    draft.id
}

fn test_signer() -> liuhen_service::ledger::LedgerSigner {
    let origin = "test.liuhen/ledger";
    let key = liuhen_tlog::SignerKey::ed25519_from_seed(origin, &[7; 32]).unwrap();
    liuhen_service::ledger::LedgerSigner::new(origin, vec![key]).unwrap()
}

async fn as_user(s: &Service, login: &str) -> Principal {
    let out = s.login(login, &demo::demo_password(login)).await.unwrap();
    s.authenticate(&out.token).await.unwrap()
}

async fn entry_count(s: &Service) -> u64 {
    let mut tx = s.store().read().await.unwrap();
    tx.entry_count().await.unwrap()
}

/// Holds the store's writer with a job that waits: returns once the job
/// runs, with its handle and the sender that lets it finish.
async fn hold_writer(
    s: &Service,
) -> (tokio::task::JoinHandle<Result<(), liuhen_store::StoreError>>, tokio::sync::oneshot::Sender<()>) {
    let (started, is_started) = tokio::sync::oneshot::channel::<()>();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let store = s.store().clone();
    let holder = tokio::spawn(async move {
        store
            .transact(move |_tx| {
                Box::pin(async move {
                    let _ = started.send(());
                    let _ = released.await;
                    Ok::<_, liuhen_store::StoreError>(())
                })
            })
            .await
    });
    is_started.await.unwrap();
    (holder, release)
}

fn new_case(cause: &str) -> NewCase {
    NewCase {
        procedure: None,
        cause: cause.into(),
        kind: CaseKind::Penalty,
        unit_id: None,
        label: None,
        summary: None,
        parties: vec![Party::NaturalPerson {
            name: "测试当事人".into(),
            id_kind: PersonIdKind::ResidentIdCard,
            id_number: "11010519491231002X".into(),
            phone: None,
            address: None,
        }],
        officers: vec![],
    }
}

#[tokio::test]
async fn demo_seed_is_complete_and_idempotent() {
    for (s, clock, _dir) in services().await {
        let started = std::time::Instant::now();
        let logins = demo::seed(&s).await.unwrap();
        eprintln!("demo seeded in {:?}, {} ledger entries", started.elapsed(), entry_count(&s).await);
        assert_eq!(logins.len(), 10);
        let roles: std::collections::BTreeSet<_> = logins.iter().map(|l| l.role.as_str()).collect();
        for r in ["officer", "leader", "reviewer", "archivist", "supervisor", "station", "admin"] {
            assert!(roles.contains(r), "no demo user with role {r}");
        }
        let sup = as_user(&s, "leader1").await;
        let (cases, total) = s.list_cases(&sup, &CaseQuery::default()).await.unwrap();
        assert_eq!(total, 9);
        for st in Stage::ALL {
            assert!(cases.iter().any(|c| c.stage == *st), "no demo case in {st}");
        }
        let entries = entry_count(&s).await;
        assert_eq!(demo::seed(&s).await.unwrap(), logins);
        assert_eq!(entry_count(&s).await, entries, "seeding twice adds nothing, not even a login");
        assert_eq!(s.list_cases(&sup, &CaseQuery::default()).await.unwrap().1, 9);
        // Nor on another day, when the story's dates would fall elsewhere.
        let entries = entry_count(&s).await;
        clock.advance(time::Duration::days(3));
        demo::seed(&s).await.unwrap();
        let mut tx = s.store().read().await.unwrap();
        let later: Vec<String> = tx
            .read_entries(entries, 100)
            .await
            .unwrap()
            .iter()
            .map(|e| LedgerEntry::decode(&e.body).unwrap().kind)
            .collect();
        tx.finish().await.unwrap();
        assert!(later.is_empty(), "seeding on a later day adds nothing: {later:?}");
    }
}

/// The demo tells the story the issue asks for: real recordings uploaded
/// as a docking station does, coverage computed (one leader's override in
/// the whole demo), documents issued with 文号 and PDFs, a major fine through
/// 法制审核, a 不予行政处罚, 调阅 waiting and granted, dates in order and two
/// handling limits (near and past), and something to do for every role.
#[tokio::test]
async fn demo_tells_the_story() {
    use liuhen_domain::{ActKind, DocumentStatus, ReviewOutcome};
    use liuhen_service::workbench::DeadlineState;
    for (s, _clock, dirs) in services().await {
        demo::seed(&s).await.unwrap();
        let now = s.now();
        let leader = as_user(&s, "leader1").await;
        let (cases, _) = s.list_cases(&leader, &CaseQuery::default()).await.unwrap();
        let case = |cause: &str| cases.iter().find(|c| c.cause == cause).unwrap().id;
        let food = case("销售超过保质期的食品");
        let ads = case("虚假宣传保健食品功效");
        let scales = case("计量器具未按规定检定");
        let prices = case("经营者未明码标价");
        let labels = case("销售标签不符合规定的预包装食品");
        let helmets = case("生产销售不合格电动自行车头盔");
        let kitchen = case("无照经营餐饮服务");
        let trademark = case("销售侵犯注册商标专用权的商品");
        let lifts = case("特种设备未经定期检验继续使用");

        // The ledger: in time order, nothing after now, exactly one override.
        let mut tx = s.store().read().await.unwrap();
        let all = tx.read_entries(0, 100_000).await.unwrap();
        tx.finish().await.unwrap();
        let entries: Vec<LedgerEntry> = all.iter().map(|e| LedgerEntry::decode(&e.body).unwrap()).collect();
        for pair in entries.windows(2) {
            assert!(pair[0].time <= pair[1].time, "{} then {}", pair[0].kind, pair[1].kind);
        }
        assert!(entries.last().unwrap().time <= liuhen_domain::unix_ms(now));
        let first = entries.first().unwrap().time;
        assert!(liuhen_domain::unix_ms(now) - first > 95 * 86_400_000, "the story spans more than 95 days");
        let overrides: Vec<&LedgerEntry> =
            entries.iter().filter(|e| e.kind == "case.findings_overridden").collect();
        assert_eq!(overrides.len(), 1, "one override in the whole demo");
        assert_eq!(overrides[0].subjects, vec![helmets.subject()]);
        let mut moves = Vec::new();
        for id in [food, ads, scales, prices, labels, helmets, kitchen, trademark, lifts] {
            let mut tx = s.store().read().await.unwrap();
            moves.push((id, tx.stage_moves(id).await.unwrap()));
            tx.finish().await.unwrap();
        }
        let overridden: Vec<_> =
            moves.iter().flat_map(|(_, m)| m.iter()).filter(|m| m.override_reason.is_some()).collect();
        assert_eq!(overridden.len(), 1);
        assert_eq!((overridden[0].case_id, overridden[0].to), (helmets, Stage::Decision));
        assert!(overridden[0].overridden.iter().any(|l| l.contains("查封扣押")), "{:?}", overridden[0]);
        assert!(overridden[0].override_reason.as_deref().unwrap().contains("中止说明"));

        // Dates: acts after 立案 and in their stage, stage moves in order and days apart.
        for (id, moves) in &moves {
            let c = s.get_case(&leader, *id).await.unwrap();
            let mut last = c.created_at;
            for m in moves {
                assert!(m.at >= last, "{}: moves in order", c.cause);
                last = m.at;
            }
            let stage_at = |t: time::OffsetDateTime| {
                moves.iter().filter(|m| m.at <= t).map(|m| m.to).next_back().unwrap_or(Stage::Initiation)
            };
            for a in s.list_acts(&leader, *id).await.unwrap() {
                assert!(a.starts_at > c.created_at, "{}: {} after 立案", c.cause, a.kind);
                let expected = match a.kind {
                    ActKind::ServiceInPerson | ActKind::Execution => Stage::Execution,
                    _ => Stage::Investigation,
                };
                assert_eq!(stage_at(a.starts_at), expected, "{}: {} in its stage", c.cause, a.kind);
            }
            if c.kind == liuhen_domain::CaseKind::Penalty && moves.len() >= 2 {
                assert!(
                    moves[1].at - moves[0].at >= time::Duration::days(1),
                    "{}: stages days apart",
                    c.cause
                );
            }
        }

        // Compliance, case by case: (stage, blocking, warnings, finding codes).
        let expect = [
            (food, Stage::Archived, 0, 0, vec![]),
            (ads, Stage::Execution, 1, 0, vec!["document_missing"]),
            (scales, Stage::Investigation, 0, 0, vec![]),
            (prices, Stage::Initiation, 1, 0, vec!["document_missing"]),
            (labels, Stage::Archived, 0, 0, vec![]),
            (helmets, Stage::Decision, 1, 1, vec!["av_gap", "av_gap_explained", "limit_near"]),
            (kitchen, Stage::Decision, 1, 0, vec!["document_missing"]),
            (trademark, Stage::Investigation, 0, 1, vec!["limit_exceeded"]),
            (lifts, Stage::Investigation, 0, 0, vec![]),
        ];
        for (id, stage, blocking, warnings, codes) in expect {
            let c = s.case_compliance(&leader, id).await.unwrap();
            let mut found: Vec<&str> = c
                .acts
                .iter()
                .flat_map(|a| &a.findings)
                .chain(&c.stage_exit)
                .chain(&c.case_findings)
                .filter(|f| f.severity != "info" || f.code.starts_with("av_"))
                .map(|f| f.code.as_str())
                .collect();
            found.sort_unstable();
            let summary = format!("{id}: {:?} {found:?}", c.stage);
            assert_eq!((c.stage, c.blocking, c.warnings), (stage, blocking, warnings), "{summary}");
            assert_eq!(found, codes, "{summary}");
            for a in &c.acts {
                if a.av_requirement != "text_allowed" {
                    assert!(a.clips > 0, "{summary}: {} has its recordings", a.kind);
                    if a.kind != ActKind::Seizure {
                        assert_eq!(a.covered_share, Some(1.0), "{summary}: {} covered", a.kind);
                    }
                }
            }
        }
        // The seizure: two officers' cameras, five files, two gaps, the first explained.
        let c = s.case_compliance(&leader, helmets).await.unwrap();
        let seizure = c.acts.iter().find(|a| a.kind == ActKind::Seizure).unwrap();
        assert_eq!(seizure.clips, 5);
        assert_eq!(seizure.gaps.len(), 2, "{:?}", seizure.gaps);
        assert!(seizure.gaps[0].excused && !seizure.gaps[1].excused);
        assert_eq!(seizure.explanations.len(), 1);
        let overview = s.case_overview(&leader, helmets).await.unwrap();
        let officers: std::collections::BTreeSet<_> = overview
            .evidence
            .iter()
            .filter(|e| e.media_type == "video/mp4")
            .filter_map(|e| e.officer_id)
            .collect();
        assert_eq!(officers.len(), 2, "two officers' cameras");
        assert!(
            overview
                .evidence
                .iter()
                .all(|e| e.clock_offset_ms.is_some() || e.media_type == "application/pdf")
        );
        let registered: Vec<_> = overview
            .documents
            .iter()
            .filter(|d| d.format == "registered")
            .map(|d| d.format_name.as_str())
            .collect();
        assert_eq!(registered, ["现场笔录", "查封扣押财物清单"]);
        // The seizure was extended before its 30 days ran out, and the party told in writing.
        let limit = c.limit.as_ref().unwrap();
        let extension = limit.extension.as_ref().unwrap();
        assert_eq!(extension.days, 15);
        let approved = liuhen_domain::when::in_beijing(extension.approved_at).date().to_string();
        assert!(approved <= extension.due_before, "{approved} after {}", extension.due_before);
        assert_eq!(limit.due.as_deref(), Some(extension.due_after.as_str()));
        let issued: Vec<_> = overview
            .documents
            .iter()
            .filter(|d| d.status != DocumentStatus::Draft)
            .map(|d| d.format_name.as_str())
            .collect();
        assert!(issued.contains(&"延长查封扣押期限决定书"), "{issued:?}");
        assert_eq!(entries.iter().filter(|e| e.kind == "case.limit_extended").count(), 1);

        // Handling limits: the seizure's near (yellow), the trademark case's past (red).
        let (rows, _) = s.case_rows(&leader, &CaseQuery::default(), None).await.unwrap();
        let state = |id| rows.iter().find(|r| r.case.id == id).unwrap().deadline;
        assert_eq!(state(helmets), DeadlineState::Near);
        assert_eq!(state(trademark), DeadlineState::Past);
        for id in [prices, kitchen] {
            assert_eq!(state(id), DeadlineState::Running);
        }

        // Documents: issued with 文号 and stored PDFs.
        let stored = stored_objects(&dirs).await;
        let docs = s.list_documents(&leader, food).await.unwrap();
        assert_eq!(docs.len(), 7);
        for d in &docs {
            assert_ne!(d.status, DocumentStatus::Draft, "{}", d.format_name);
            assert!(stored.contains(&d.digests.as_ref().unwrap().pdf_sha256), "{}: its PDF", d.format_name);
        }
        let decision = docs.iter().find(|d| d.format == "penalty_decision").unwrap();
        let year = liuhen_domain::when::in_beijing(decision.issued_at.unwrap()).year();
        assert!(decision.number.as_deref().unwrap().starts_with(&format!("临市监罚〔{year}〕")));
        let receipt = docs.iter().find(|d| d.format == "service_receipt").unwrap();
        assert!(receipt.fields["documents"].as_str().unwrap().contains(decision.number.as_deref().unwrap()));
        assert!(decision.served_at.is_some());
        let no_penalty = s.list_documents(&leader, labels).await.unwrap();
        assert!(no_penalty.iter().any(|d| d.format == "no_penalty_decision" && d.number.is_some()));

        // 法制审核: the major fine returned once, revised, passed and issued.
        let review = s.review_status(&leader, ads).await.unwrap();
        let outcomes: Vec<_> = review.reviews.iter().map(|r| r.opinion.as_ref().unwrap().outcome).collect();
        assert_eq!(outcomes, [ReviewOutcome::Correct, ReviewOutcome::Approve]);
        let d = review.decision.unwrap();
        assert!(review.major && review.passed && d.issued_at.is_some());
        assert_eq!((d.version, d.decision.fine_fen), (2, 12_000_000));

        // 调阅: a live grant (the reviewer reads the trademark case), a request waiting.
        let reviewer = as_user(&s, "reviewer1").await;
        assert_eq!(s.get_case(&reviewer, trademark).await.unwrap().id, trademark, "read through the grant");
        let requests = s.list_access_requests(&leader).await.unwrap();
        let live = requests.iter().find(|r| r.case_id == trademark).unwrap();
        assert!(live.granted_until.unwrap() > now);
        let waiting = requests.iter().find(|r| r.case_id == kitchen).unwrap();
        assert!(waiting.approvals.is_empty() && waiting.granted_until.is_none());

        // The story's supervision feed (this test reads at `now`): the override
        // once, and one alert, for the reviewer's read through the grant.
        let sup = as_user(&s, "supervisor1").await;
        let feed = s.recent_supervision(&sup, 4000).await.unwrap();
        let overrides = feed.iter().filter(|e| e.kind == "case.findings_overridden").count();
        assert_eq!(overrides, 1);
        let alerts: Vec<_> = feed
            .iter()
            .filter(|e| e.class == liuhen_service::supervision::EventClass::Alert && e.time < now)
            .map(|e| (e.rule.clone().unwrap(), e.actor.clone(), e.subjects.contains(&trademark.subject())))
            .collect();
        assert_eq!(alerts, [("outside_unit".to_owned(), reviewer.user.id.subject(), true)], "{alerts:?}");

        // Every role has something to do.
        let wb = |login: &'static str| {
            let s = s.clone();
            async move {
                let me = as_user(&s, login).await;
                s.workbench(&me).await.unwrap()
            }
        };
        let reviewer = wb("reviewer1").await;
        assert_eq!(reviewer.reviews.iter().map(|r| r.case_id).collect::<Vec<_>>(), [kitchen]);
        let lead = wb("leader1").await;
        assert!(
            lead.drafts
                .iter()
                .any(|d| d.document.case_id == prices && d.document.format == "case_filing_approval")
        );
        assert!(lead.approvals.iter().any(|r| r.id == waiting.id));
        let sup = wb("supervisor1").await;
        let seen: Vec<_> = sup.cases.iter().map(|r| r.case.id).collect();
        assert!(seen.contains(&helmets) && seen.contains(&trademark) && seen.contains(&lifts), "{seen:?}");
        assert!(sup.approvals.iter().any(|r| r.id == waiting.id));
        let officer = wb("officer1").await;
        let mut open: Vec<_> = officer.cases.iter().map(|r| r.case.id).collect();
        open.sort_unstable();
        let mut expected = vec![ads, scales, prices, lifts];
        expected.sort_unstable();
        assert_eq!(open, expected);
        let station = wb("station1").await;
        let station_id = s.user_by_login("station1").await.unwrap().id;
        assert!(!station.uploads.is_empty());
        assert!(station.uploads.iter().all(|e| e.uploaded_by == station_id && e.duration_ms.is_some()));
        assert!(station.uploads.iter().all(|e| e.station_id.is_some() && e.device_serial.is_some()));
    }
}

#[tokio::test]
async fn scopes_follow_role_and_unit() {
    for (s, _clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        let count = |p: Principal| {
            let s = s.clone();
            async move { s.list_cases(&p, &CaseQuery::default()).await.unwrap().1 }
        };
        assert_eq!(count(as_user(&s, "officer1").await).await, 5, "team 1 has five cases");
        assert_eq!(count(as_user(&s, "officer3").await).await, 4);
        assert_eq!(count(as_user(&s, "leader1").await).await, 9);
        assert_eq!(
            count(as_user(&s, "supervisor1").await).await,
            5,
            "the 公开/内部 cases; 个人隐私 and 商业秘密 need 调阅"
        );
        assert_eq!(
            count(as_user(&s, "reviewer1").await).await,
            6,
            "decision, execution and archived cases, and the trademark case through the demo's 调阅 grant"
        );
        assert_eq!(count(as_user(&s, "archivist1").await).await, 2);
        assert_eq!(count(as_user(&s, "station1").await).await, 0);
        assert_eq!(count(as_user(&s, "admin").await).await, 0);

        // officer3 (team 2) cannot read a team-1 case: not found, not forbidden.
        let o1 = as_user(&s, "officer1").await;
        let o3 = as_user(&s, "officer3").await;
        let (mine, _) = s.list_cases(&o1, &CaseQuery::default()).await.unwrap();
        let foreign = mine[0].id;
        assert!(matches!(s.get_case(&o3, foreign).await, Err(ServiceError::NotFound(_))));
        let search = CaseQuery { q: Some(mine[0].cause.clone()), ..Default::default() };
        assert_eq!(s.list_cases(&o3, &search).await.unwrap().1, 0);

        // Supervisors read but never change.
        let sup = as_user(&s, "supervisor1").await;
        let internal = mine.iter().find(|c| c.label == liuhen_domain::Confidentiality::Internal).unwrap().id;
        assert!(s.get_case(&sup, internal).await.is_ok());
        assert!(matches!(s.create_case(&sup, &new_case("x")).await, Err(ServiceError::Forbidden(_))));
        let req = TransitionRequest { to: Stage::Investigation, reason: None, override_reason: None };
        assert!(s.transition(&sup, foreign, &req).await.is_err());
    }
}

/// 调阅: a restricted or out-of-scope case is refused (as "not found", and
/// recorded); two approvals by others grant it for the days asked; reads
/// through the grant name it; it expires.
#[tokio::test]
async fn access_to_restricted_cases_needs_two_approvals_and_expires() {
    for (s, clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        let o1 = as_user(&s, "officer1").await;
        let o3 = as_user(&s, "officer3").await;
        let leader = as_user(&s, "leader1").await;
        let sup = as_user(&s, "supervisor1").await;
        let (cases, _) =
            s.list_cases(&leader, &CaseQuery { limit: Some(100), ..Default::default() }).await.unwrap();
        let (mine, _) = s.list_cases(&o1, &CaseQuery::default()).await.unwrap();
        let private = cases
            .iter()
            .find(|c| {
                c.label == liuhen_domain::Confidentiality::PersonalPrivacy
                    && !mine.iter().any(|m| m.id == c.id)
            })
            .unwrap();
        let refusals = |s: Service| async move {
            let mut tx = s.store().read().await.unwrap();
            let all = tx.read_entries(0, 100_000).await.unwrap();
            all.iter().filter(|e| String::from_utf8_lossy(&e.body).contains("access.refused")).count()
        };
        // Refused, recorded, and indistinguishable from a missing case.
        assert!(matches!(s.get_case(&sup, private.id).await, Err(ServiceError::NotFound(_))));
        assert!(matches!(s.get_case(&o1, private.id).await, Err(ServiceError::NotFound(_))));
        let missing = liuhen_domain::CaseId::from_bytes([9; 16]);
        assert!(matches!(s.get_case(&o1, missing).await, Err(ServiceError::NotFound(_))));
        assert_eq!(refusals(s.clone()).await, 3, "a missing case is refused the same way as an existing one");
        assert!(
            s.list_cases(&sup, &CaseQuery::default()).await.unwrap().0.iter().all(|c| c.id != private.id)
        );

        // officer1 asks; cannot approve their own; leader and supervisor approve.
        let ask = liuhen_domain::NewAccessRequest {
            case_id: private.id,
            purpose: "核查关联案件当事人信息".into(),
            days: 3,
            external: None,
        };
        let bad = liuhen_domain::NewAccessRequest { days: 31, ..ask.clone() };
        assert!(
            matches!(s.request_access(&o1, &bad).await, Err(ServiceError::Invalid(v)) if v.field == "days")
        );
        let r = s.request_access(&o1, &ask).await.unwrap();
        assert!(matches!(s.approve_access(&o1, r.id).await, Err(ServiceError::Forbidden(_))));
        assert!(
            matches!(s.approve_access(&o3, r.id).await, Err(ServiceError::Forbidden(_))),
            "officers do not approve"
        );
        let once = s.approve_access(&leader, r.id).await.unwrap();
        assert_eq!((once.approvals.len(), once.granted_until), (1, None));
        assert!(matches!(s.approve_access(&leader, r.id).await, Err(ServiceError::Conflict(_))));
        assert!(
            matches!(s.get_case(&o1, private.id).await, Err(ServiceError::NotFound(_))),
            "one approval is not enough"
        );
        let granted = s.approve_access(&sup, r.id).await.unwrap();
        assert_eq!(granted.granted_until, Some(s.now() + time::Duration::days(3)));
        // Read through the grant; the read entry names it.
        let before = entry_count(&s).await;
        assert_eq!(s.get_case(&o1, private.id).await.unwrap().id, private.id);
        let mut tx = s.store().read().await.unwrap();
        let last = tx.read_entries(before, 1).await.unwrap();
        tx.finish().await.unwrap();
        let body = String::from_utf8(last[0].body.clone()).unwrap();
        assert!(body.contains("case.read") && body.contains(&r.id.subject()), "{body}");
        assert!(s.list_cases(&o1, &CaseQuery::default()).await.unwrap().0.iter().any(|c| c.id == private.id));
        assert!(
            s.case_compliance(&o1, private.id).await.is_ok(),
            "the grant covers the case's compliance too"
        );
        assert!(s.list_access_requests(&o1).await.unwrap().iter().any(|x| x.id == r.id));
        // The grant expires.
        clock.advance(time::Duration::days(3) + time::Duration::seconds(1));
        assert!(matches!(s.get_case(&o1, private.id).await, Err(ServiceError::NotFound(_))));
        // A refusal says why, and decides the request.
        let r2 = s.request_access(&o1, &ask).await.unwrap();
        assert!(matches!(s.reject_access(&sup, r2.id, " ").await, Err(ServiceError::Invalid(_))));
        let no = s.reject_access(&sup, r2.id, "事由不充分").await.unwrap();
        assert_eq!(no.rejected_by, Some(sup.user.id));
        assert!(matches!(s.approve_access(&leader, r2.id).await, Err(ServiceError::Conflict(_))));
    }
}

#[tokio::test]
async fn every_change_and_read_is_one_ledger_entry() {
    for (s, clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        let o1 = as_user(&s, "officer1").await;
        let before = entry_count(&s).await;
        let case = s.create_case(&o1, &new_case("测试案由")).await.unwrap();
        assert_eq!(entry_count(&s).await, before + 1);
        assert!(case.number.starts_with("临市监立〔2026〕"), "{}", case.number);
        assert_eq!(case.officers, vec![o1.user.id]);

        s.get_case(&o1, case.id).await.unwrap();
        assert_eq!(entry_count(&s).await, before + 2);

        // A rejected change writes nothing.
        let bad = NewAct {
            kind: ActKind::OnSiteInspection,
            starts_at: datetime!(2026-11-27 10:00 +08:00),
            ends_at: datetime!(2026-11-27 09:00 +08:00),
            place: Place { address: "某地".into(), latitude: None, longitude: None },
            venue: Venue::OnSite,
            venue_name: None,
            officers: vec![o1.user.id],
            parties: vec![],
            notes: None,
            elements: vec![],
        };
        let err = s.add_act(&o1, case.id, &bad).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Invalid(v) if v.field == "ends_at"), "{err:?}");
        assert_eq!(entry_count(&s).await, before + 2);

        let good = NewAct { ends_at: datetime!(2026-11-27 11:00 +08:00), parties: vec![0], ..bad };
        let act = s.add_act(&o1, case.id, &good).await.unwrap();
        assert_eq!(act.parties, vec![0]);
        assert_eq!(entry_count(&s).await, before + 3);

        // Only leaders move stages, one step at a time.
        let req = TransitionRequest {
            to: Stage::Investigation,
            reason: Some("立案审批通过".into()),
            override_reason: None,
        };
        assert!(matches!(s.transition(&o1, case.id, &req).await, Err(ServiceError::Forbidden(_))));
        let leader = as_user(&s, "leader1").await;
        let skip = TransitionRequest { to: Stage::Decision, reason: None, override_reason: None };
        assert!(matches!(s.transition(&leader, case.id, &skip).await, Err(ServiceError::Conflict(_))));
        // 普通程序 leaves 启动 with a 立案审批表 issued: refused without it, naming it.
        let refused = s.transition(&leader, case.id, &req).await.unwrap_err().to_string();
        assert!(refused.contains("立案审批表"), "{refused}");
        // The 立案审批表 names two 承办人.
        let o2 = as_user(&s, "officer2").await;
        s.assign_officers(&leader, case.id, &[o1.user.id, o2.user.id]).await.unwrap();
        issue_doc(&s, case.id, "立案审批表").await;
        let before_move = entry_count(&s).await;
        clock.advance(time::Duration::minutes(5));
        let moved = s.transition(&leader, case.id, &req).await.unwrap();
        assert_eq!(moved.stage, Stage::Investigation);
        assert_eq!(entry_count(&s).await, before_move + 1);
        // The act has one officer; the rulebook wants two on site: the move to 审核决定 is refused, naming why.
        let compliance = s.case_compliance(&leader, case.id).await.unwrap();
        // Five blocks: the act's two (one officer; no 现场检查笔录 issued) and the procedure's
        // three (普通程序 wants a 询问 and its 询问笔录, and the 现场检查's 笔录, before 调查取证 ends).
        assert_eq!(compliance.blocking, 5, "{compliance:?}");
        let act_blocks: Vec<&str> = compliance.acts[0]
            .findings
            .iter()
            .filter(|f| f.severity == "block")
            .map(|f| f.code.as_str())
            .collect();
        assert_eq!(act_blocks, ["document_missing", "too_few_officers"]);
        assert!(compliance.acts[0].findings[0].message_zh.contains("现场检查笔录"));
        assert_eq!(compliance.procedure, Some(liuhen_domain::Procedure::PenaltyOrdinary));
        let exit: Vec<_> = compliance.stage_exit.iter().filter(|f| f.severity == "block").collect();
        let named: Vec<bool> = exit.iter().map(|f| f.message_zh.contains("询问")).collect();
        assert_eq!(named, [true, true, false], "{:?}", compliance.stage_exit);
        assert!(exit[2].message_zh.contains("现场检查笔录"), "{exit:?}");
        assert!(exit.iter().all(|f| f.layer.contains("national")), "{exit:?}");
        assert!(compliance.case_findings.is_empty());
        // 行政处罚法 第六十条: 90 days from 立案 to the decision (rulebook data).
        clock.advance(time::Duration::days(85));
        let near = s.case_compliance(&leader, case.id).await.unwrap();
        assert_eq!(near.case_findings[0].code, "limit_near");
        clock.advance(time::Duration::days(6));
        let late = s.case_compliance(&leader, case.id).await.unwrap();
        assert_eq!(
            (late.case_findings[0].severity.as_str(), late.case_findings[0].code.as_str()),
            ("warning", "limit_exceeded")
        );
        let to_decision = TransitionRequest { to: Stage::Decision, reason: None, override_reason: None };
        let refused = s.transition(&leader, case.id, &to_decision).await.unwrap_err().to_string();
        assert!(
            refused.contains("现场检查") && refused.contains("2 名") && refused.contains("询问"),
            "{refused}"
        );
        assert_eq!(
            entry_count(&s).await,
            before_move + 4,
            "the move, three compliance reads; the refused move wrote nothing"
        );
        // A leader may override in writing; the override is in the ledger entry's content.
        let overriding = TransitionRequest {
            override_reason: Some("第二名执法人员为协助人员，已补充说明".into()),
            ..to_decision
        };
        assert_eq!(s.transition(&leader, case.id, &overriding).await.unwrap().stage, Stage::Decision);

        // The entry commits to the change without carrying personal data.
        let mut tx = s.store().read().await.unwrap();
        let all = tx.read_entries(0, 10_000).await.unwrap();
        for e in &all {
            let text = String::from_utf8(e.body.clone()).unwrap();
            assert!(
                !text.contains("11010519491231002X") && !text.contains("测试当事人"),
                "personal data in {text}"
            );
        }
    }
}

/// Suspected: a record out of the reader's reach waited for its durable
/// `access.refused` entry while a missing one answered at once, so the delay
/// told which ids exist. Both now take one path: a refusal recorded before
/// the same "not found".
#[tokio::test]
async fn timing_does_not_reveal_existence_missing_and_refused_reads_take_one_path() {
    for (s, _clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        let o1 = as_user(&s, "officer1").await;
        let o3 = as_user(&s, "officer3").await;
        let case = s.create_case(&o1, &new_case("一队的案件")).await.unwrap();
        let missing = liuhen_domain::CaseId::from_bytes([9; 16]);
        for (id, what) in [(case.id, "out of reach"), (missing, "missing")] {
            let before = entry_count(&s).await;
            assert!(matches!(s.get_case(&o3, id).await, Err(ServiceError::NotFound("case"))), "{what}");
            assert_eq!(entry_count(&s).await, before + 1, "{what}: one refusal entry");
            let e = &last_entries(&s, 1).await[0];
            assert_eq!(
                (e.kind.as_str(), e.subjects.clone()),
                ("access.refused", vec![id.subject()]),
                "{what}"
            );
        }
        let before = entry_count(&s).await;
        let evidence = liuhen_domain::EvidenceId::from_bytes([8; 16]);
        assert!(matches!(s.get_evidence(&o3, evidence).await, Err(ServiceError::NotFound("evidence"))));
        let document = liuhen_domain::DocumentId::from_bytes([7; 16]);
        assert!(matches!(s.get_document(&o3, document).await, Err(ServiceError::NotFound("document"))));
        let kinds: Vec<String> = last_entries(&s, 2).await.into_iter().map(|e| e.kind).collect();
        assert_eq!(entry_count(&s).await, before + 2);
        assert_eq!(kinds, ["access.refused", "access.refused"]);
    }
}

/// Ledger entries name records: a supervisor of one agency reads that
/// agency's entries (and the deployment's own), never another's — one by
/// one, or in a bundle that holds any.
#[tokio::test]
async fn ledger_entries_stay_within_their_agency() {
    use liuhen_service::admin::AdminActor;
    for (s, _clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        let other = s
            .create_unit(
                AdminActor::CommandLine,
                &liuhen_domain::NewUnit {
                    name: "临江市生态环境局".into(),
                    parent_id: None,
                    short_name: Some("临环".into()),
                    uscc: Some(format!(
                        "11330100MB0B54321{}",
                        liuhen_domain::Uscc::check_character("11330100MB0B54321").unwrap()
                    )),
                    code: None,
                },
            )
            .await
            .unwrap();
        let input = liuhen_domain::NewUser {
            login: "env.supervisor".into(),
            display_name: "李监督".into(),
            role: liuhen_domain::Role::Supervisor,
            unit_id: other.id,
            cert_no: None,
            enforcement_category: None,
            legal_qualification: false,
            clearance: None,
        };
        s.create_user(AdminActor::CommandLine, &input, Some("Env-Supervisor-2026!")).await.unwrap();
        let theirs = as_user_with(&s, "env.supervisor", "Env-Supervisor-2026!").await;
        let ours = as_user(&s, "supervisor1").await;
        let o1 = as_user(&s, "officer1").await;
        s.create_case(&o1, &new_case("另一机关看不到的案件")).await.unwrap();
        let index = entry_count(&s).await - 1;
        assert!(s.ledger_entry(&ours, index).await.is_ok());
        assert!(matches!(s.ledger_entry(&theirs, index).await, Err(ServiceError::NotFound(_))));
        s.integrate().await.unwrap();
        let bundle = liuhen_tlog::EntryBundle { index: 0, width: 1 };
        assert!(matches!(s.entry_bundle(&theirs, bundle).await, Err(ServiceError::Forbidden(_))));
        let bundle = liuhen_tlog::EntryBundle { index: 0, width: 1 };
        assert!(s.entry_bundle(&ours, bundle).await.is_ok());
    }
}

/// CJIS 5.5.3 and 5.4.1.1: five failed logins lock the login for 15 minutes
/// (known and unknown logins alike, so the lock tells nothing); every
/// failure of an account and its lock are ledger entries (an unknown name's
/// only the first from its source), without the login name in clear.
#[tokio::test]
async fn failed_logins_are_recorded_and_lock_the_login() {
    for (s, clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        let good = demo::demo_password("officer2");
        for login in ["officer2", "no-such-user"] {
            let before = entry_count(&s).await;
            for i in 1..=5 {
                let e = s.login(login, "wrong-password").await.unwrap_err();
                assert!(matches!(e, ServiceError::Unauthenticated(_)), "{login} attempt {i}: {e:?}");
            }
            // An unknown name costs the ledger one entry per source and window, not one per try.
            let expected = if login == "officer2" { 6 } else { 1 };
            assert_eq!(entry_count(&s).await, before + expected, "{login}: failures and lock");
            let locked = s.login(login, &good).await.unwrap_err();
            assert!(matches!(&locked, ServiceError::Locked(m) if m.contains("15")), "{locked:?}");
        }
        let mut tx = s.store().read().await.unwrap();
        let all = tx.read_entries(0, 100_000).await.unwrap();
        tx.finish().await.unwrap();
        let bodies: Vec<String> = all.iter().map(|e| String::from_utf8(e.body.clone()).unwrap()).collect();
        assert_eq!(bodies.iter().filter(|b| b.contains("credential.login_failed")).count(), 6);
        assert_eq!(bodies.iter().filter(|b| b.contains("credential.login_locked")).count(), 1);
        assert!(bodies.iter().all(|b| !b.contains("no-such-user")), "login names never in clear");
        // The lock ends; a good login then clears the count.
        clock.advance(time::Duration::minutes(16));
        s.login("officer2", &good).await.unwrap();
        for _ in 0..4 {
            s.login("officer2", "wrong-password").await.unwrap_err();
        }
        s.login("officer2", &good).await.expect("four failures do not lock");
    }
}

#[tokio::test]
async fn sessions_expire_and_tokens_revoke() {
    for (s, clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        assert!(matches!(s.login("officer1", "wrong-password").await, Err(ServiceError::Unauthenticated(_))));
        assert!(matches!(
            s.login("nobody", "whatever-password").await,
            Err(ServiceError::Unauthenticated(_))
        ));
        let out = s.login("officer1", &demo::demo_password("officer1")).await.unwrap();
        assert!(s.authenticate(&out.token).await.is_ok());
        clock.advance(time::Duration::hours(13));
        assert!(matches!(
            s.authenticate(&out.token).await,
            Err(ServiceError::Unauthenticated("session expired"))
        ));

        let station = s.user_by_login("station1").await.unwrap();
        let tok = s
            .create_token(
                liuhen_domain::Actor::System("cli"),
                station.id,
                Some("dock-1".into()),
                liuhen_domain::TokenScope::Full,
            )
            .await
            .unwrap();
        let p = s.authenticate(&tok.secret).await.unwrap();
        assert_eq!(p.user.login, "station1");
        s.logout(&p).await.unwrap();
        assert!(matches!(
            s.authenticate(&tok.secret).await,
            Err(ServiceError::Unauthenticated("credential revoked"))
        ));
        assert!(s.authenticate("lht_forged").await.is_err());
        assert!(s.authenticate("Basic abc").await.is_err());

        // Revoked by the operator: the entry names the token and its user, in their agency.
        let tok = s
            .create_token(
                liuhen_domain::Actor::System("cli"),
                station.id,
                None,
                liuhen_domain::TokenScope::Upload,
            )
            .await
            .unwrap();
        s.revoke_credential(liuhen_domain::Actor::System("cli"), tok.id).await.unwrap();
        assert!(s.authenticate(&tok.secret).await.is_err());
        let e = &last_entries(&s, 1).await[0];
        assert_eq!((e.kind.as_str(), e.actor.as_str()), ("credential.token_revoked", "system:cli"));
        assert_eq!(e.subjects, vec![tok.id.subject(), station.id.subject()]);
        assert_eq!(e.org.as_deref(), Some(station.agency_id.to_string().as_str()));
        let unknown = liuhen_domain::CredentialId::from_bytes([3; 16]);
        assert!(matches!(
            s.revoke_credential(liuhen_domain::Actor::System("cli"), unknown).await,
            Err(ServiceError::NotFound(_))
        ));
    }
}

mod ledger {
    use super::*;
    use liuhen_tlog::{Checkpoint, Hash, Sha256Hasher, TlogProof, TreeHasher};

    const ORIGIN: &str = "test.liuhen/ledger";

    #[tokio::test]
    async fn entries_are_integrated_signed_and_provable() {
        for (s, _clock, _dir) in services().await {
            demo::seed(&s).await.unwrap();
            let cp = s.integrate().await.unwrap().expect("a first checkpoint");
            let p = s.ledger_progress().await.unwrap();
            assert_eq!((p.integrated, cp.size), (p.sequenced, p.sequenced));
            assert!(s.integrate().await.unwrap().is_none(), "nothing new, nothing signed");

            let keys = s.ledger_signer().verifier_keys();
            let (c, _) = Checkpoint::open(cp.note.as_bytes(), ORIGIN, &keys).unwrap();
            assert_eq!((c.size, c.root.0), (cp.size, cp.root));

            let mut tx = s.store().read().await.unwrap();
            let entries = tx.read_entries(0, 100_000).await.unwrap();
            tx.finish().await.unwrap();
            for e in &entries {
                let proof = s.inclusion_proof(e.seq, cp.size).await.unwrap();
                liuhen_tlog::verify_inclusion::<Sha256Hasher>(
                    e.seq,
                    cp.size,
                    &Sha256Hasher::hash_leaf(&e.body),
                    &proof,
                    &c.root,
                )
                .unwrap_or_else(|err| panic!("entry {}: {err}", e.seq));
            }
            assert!(s.inclusion_proof(cp.size, cp.size).await.is_err());
            assert!(s.inclusion_proof(0, cp.size + 1).await.is_err());

            // More entries: a new checkpoint, consistent with the first.
            for _ in 0..300 {
                s.login("officer1", &demo::demo_password("officer1")).await.unwrap();
            }
            let cp2 = s.integrate().await.unwrap().unwrap();
            assert_eq!(cp2.size, cp.size + 300);
            let proof = s.consistency_proof(cp.size, cp2.size).await.unwrap();
            liuhen_tlog::verify_consistency::<Sha256Hasher>(
                cp.size,
                cp2.size,
                &Hash(cp.root),
                &Hash(cp2.root),
                &proof,
            )
            .unwrap();
            let tile = s.hash_tile(liuhen_tlog::Tile::new(0, 0, 256).unwrap()).await.unwrap();
            assert_eq!(tile.len(), 256 * 32);
            assert!(s.hash_tile(liuhen_tlog::Tile::new(0, 9, 256).unwrap()).await.is_err());

            // A tlog-proof carries the entry and verifies offline; only some roles get one.
            let sup = as_user(&s, "supervisor1").await;
            let text = s.tlog_proof(&sup, 3).await.unwrap();
            let parsed = TlogProof::parse(text.as_bytes()).unwrap();
            let policy = liuhen_tlog::ProofPolicy {
                origin: ORIGIN.into(),
                log_key: keys[0].clone(),
                witnesses: vec![],
                quorum: 0,
            };
            parsed.verify(parsed.extra.as_deref().unwrap(), &policy).unwrap();
            assert!(parsed.verify(b"another entry", &policy).is_err());
            let officer = as_user(&s, "officer1").await;
            assert!(matches!(s.tlog_proof(&officer, 3).await, Err(ServiceError::Forbidden(_))));

            let report = s.verify_ledger(ORIGIN, &keys).await.unwrap();
            assert!(report.ok(), "{report:?}");
            assert_eq!(report.checkpoints, 2);
        }
    }

    /// Plays an operator with database access who goes around liuhen.
    async fn raw(s: &Service, dirs: &Dirs, sql: &str, bind: Option<Vec<u8>>) {
        use sqlx::Connection;
        let Some(dir) = &dirs.db else { return };
        let url = liuhen_store::sqlite_url_for_dir(dir.path());
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.execute(&mut c).await.unwrap();
        let _ = s;
    }

    #[tokio::test]
    async fn a_changed_entry_is_named_and_a_forked_tree_is_never_signed() {
        let (s, _clock, dir) = services().await.into_iter().next().unwrap();
        demo::seed(&s).await.unwrap();
        s.integrate().await.unwrap().unwrap();
        let keys = s.ledger_signer().verifier_keys();

        // Rewrite entry 17 in place.
        let mut tx = s.store().read().await.unwrap();
        let mut body = tx.read_entries(17, 1).await.unwrap().remove(0).body;
        tx.finish().await.unwrap();
        let at = body.windows(9).position(|w| w == b"\"nonce\":\"").unwrap() + 9;
        body[at] = if body[at] == b'0' { b'1' } else { b'0' };
        raw(&s, &dir, "DROP TRIGGER ledger_entries_no_update", None).await;
        raw(&s, &dir, "UPDATE ledger_entries SET body = $1 WHERE seq = 17", Some(body)).await;
        let report = s.verify_ledger(ORIGIN, &keys).await.unwrap();
        let failure = report.failure.expect("tampering must be found");
        assert_eq!(failure.entry, Some(17), "{}", failure.message);

        // Rewrite the tree's right edge too, as a forger would: the next
        // integration builds on it, and the result is not signed.
        raw(&s, &dir, "DROP TRIGGER ledger_hashes_no_update", None).await;
        raw(
            &s,
            &dir,
            "UPDATE ledger_hashes SET hash = $1 WHERE idx = (SELECT MAX(idx) FROM ledger_hashes)",
            Some(vec![0u8; 32]),
        )
        .await;
        let before = s.latest_checkpoint().await.unwrap().unwrap();
        s.login("officer1", &demo::demo_password("officer1")).await.unwrap();
        let err = s.integrate().await.unwrap_err();
        assert!(err.to_string().contains("not consistent"), "{err}");
        assert_eq!(s.latest_checkpoint().await.unwrap().unwrap(), before);
    }
}

#[tokio::test]
async fn checkpoints_carry_ed25519_and_sm2_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).await.unwrap();
    let origin = "test.liuhen/ledger";
    let ed = liuhen_tlog::SignerKey::ed25519_from_seed(origin, &[7; 32]).unwrap();
    let sm2 = liuhen_tlog::SignerKey::sm2_from_secret(origin, &[9; 32]).unwrap();
    let signer = liuhen_service::ledger::LedgerSigner::new(origin, vec![ed, sm2]).unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-27 02:00 UTC)));
    let (s, _blobs) = with_blobs(Service::new(store, clock, ServiceConfig::default(), signer));
    demo::seed(&s).await.unwrap();
    let cp = s.integrate().await.unwrap().unwrap();
    let keys = s.ledger_signer().verifier_keys();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[1].algorithm(), liuhen_tlog::KeyAlgorithm::Sm2);
    let (_, verified) = liuhen_tlog::Checkpoint::open(cp.note.as_bytes(), origin, &keys).unwrap();
    assert!(keys.iter().all(|k| verified.is_signed_by(k)), "both signatures verify");
    assert!(s.verify_ledger(origin, &keys).await.unwrap().ok());
    // A key of another log is refused up front.
    let other = liuhen_tlog::SignerKey::ed25519_from_seed("other/log", &[1; 32]).unwrap();
    assert!(liuhen_service::ledger::LedgerSigner::new(origin, vec![other]).is_err());
}

mod coverage {
    use super::*;
    use liuhen_service::evidence::{ChunkOutcome, UploadLimits};
    use sha2::Digest as _;
    use std::collections::HashMap;

    /// A mono 8-bit 1 kHz WAV of `seconds` of silence: a real file whose
    /// duration the media reader takes from its header.
    fn wav(seconds: u32) -> Vec<u8> {
        let data_len = seconds * 1000;
        let mut v = Vec::with_capacity(44 + data_len as usize);
        v.extend_from_slice(b"RIFF");
        v.extend_from_slice(&(36 + data_len).to_le_bytes());
        v.extend_from_slice(b"WAVEfmt ");
        v.extend_from_slice(&16u32.to_le_bytes());
        v.extend_from_slice(&1u16.to_le_bytes()); // PCM
        v.extend_from_slice(&1u16.to_le_bytes()); // mono
        v.extend_from_slice(&1000u32.to_le_bytes()); // sample rate
        v.extend_from_slice(&1000u32.to_le_bytes()); // byte rate
        v.extend_from_slice(&1u16.to_le_bytes()); // block align
        v.extend_from_slice(&8u16.to_le_bytes()); // bits
        v.extend_from_slice(b"data");
        v.extend_from_slice(&data_len.to_le_bytes());
        v.resize(44 + data_len as usize, 128);
        v
    }

    async fn clip(
        s: &Service,
        who: &Principal,
        officer: &str,
        start: &str,
        seconds: u32,
        offset_ms: Option<i64>,
    ) -> liuhen_domain::Evidence {
        let bytes = wav(seconds);
        let mut meta = HashMap::from([
            ("filename".to_owned(), format!("{officer}-{start}.wav")),
            ("filetype".to_owned(), "audio/wav".to_owned()),
            ("officer".to_owned(), officer.to_owned()),
            ("recorded_start".to_owned(), start.to_owned()),
        ]);
        if let Some(o) = offset_ms {
            meta.insert("clock_offset_ms".to_owned(), o.to_string());
        }
        let up = s.create_upload(who, bytes.len() as u64, meta).await.unwrap();
        let mut body = futures_util::stream::iter([Ok(bytes::Bytes::from(bytes))]);
        match s.upload_chunk(who, &up.id, 0, &mut body, None).await.unwrap() {
            ChunkOutcome::Complete { evidence, .. } => *evidence,
            other => panic!("not complete: {other:?}"),
        }
    }

    /// The scan of a paper document, uploaded as evidence of `case`.
    async fn scan(
        s: &Service,
        who: &Principal,
        case: liuhen_domain::CaseId,
        name: &str,
    ) -> liuhen_domain::Evidence {
        let bytes = format!("%PDF-1.4\n% scan of {name}\n").into_bytes();
        let meta = HashMap::from([
            ("filename".to_owned(), name.to_owned()),
            ("filetype".to_owned(), "application/pdf".to_owned()),
            ("case_id".to_owned(), case.to_string()),
        ]);
        let up = s.create_upload(who, bytes.len() as u64, meta).await.unwrap();
        let mut body = futures_util::stream::iter([Ok(bytes::Bytes::from(bytes))]);
        match s.upload_chunk(who, &up.id, 0, &mut body, None).await.unwrap() {
            ChunkOutcome::Complete { evidence, .. } => *evidence,
            other => panic!("not complete: {other:?}"),
        }
    }

    /// The server stopped (or the store failed) after the last bytes were
    /// safe but before the file became evidence: the client's next HEAD
    /// completes it, once, with the evidence id the upload id names.
    #[tokio::test]
    async fn a_complete_upload_left_unrecorded_is_recorded_by_the_next_head() {
        let (s, _clock, _dir) = services().await.into_iter().next().unwrap();
        let blobs = tempfile::tempdir().unwrap();
        let area = liuhen_store::uploads::UploadArea::new(
            liuhen_store::blobs::LocalBlobs::open(blobs.path()).unwrap(),
        );
        let s = s.with_evidence(area.clone(), UploadLimits::default());
        demo::seed(&s).await.unwrap();
        let o1 = as_user(&s, "officer1").await;
        let bytes = wav(3);
        let meta = HashMap::from([("filename".to_owned(), "a.wav".to_owned())]);
        let up = s.create_upload(&o1, bytes.len() as u64, meta).await.unwrap();
        // The bytes arrive through the data plane alone, as when the process
        // died right after acknowledging them to the disk.
        let mut body = bytes.as_slice();
        let appended = area.append(&up.id, 0, &mut body, None).await.unwrap();
        assert!(matches!(appended, liuhen_store::uploads::Appended::Complete { .. }));
        let before = entry_count(&s).await;
        let (_, offset, evidence) = s.upload_status(&o1, &up.id).await.unwrap();
        assert_eq!(offset, bytes.len() as u64);
        let evidence = evidence.expect("completed by HEAD");
        let derived = liuhen_domain::EvidenceId::from_bytes(hex::decode(&up.id).unwrap().try_into().unwrap());
        assert_eq!(evidence.id, derived, "the evidence id is derived from the upload id");
        assert_eq!(evidence.sha256, hex::encode(sha2::Sha256::digest(&bytes)));
        assert_eq!(entry_count(&s).await, before + 1, "one ingest entry");
        // The upload is gone; the evidence is there once.
        assert!(s.upload_status(&o1, &up.id).await.is_err());
        assert_eq!(s.get_evidence(&o1, evidence.id).await.unwrap().sha256, evidence.sha256);
    }

    /// A clip is linked into the cases of the officer it names: officers and
    /// leaders upload as themselves, a docking station for the officers of
    /// its unit (and below).
    #[tokio::test]
    async fn an_uploader_attributes_clips_only_to_officers_it_serves() {
        for (s, _clock, _dir) in services().await {
            demo::seed(&s).await.unwrap();
            let o1 = as_user(&s, "officer1").await;
            let station = as_user(&s, "station1").await;
            let try_upload = |who: Principal, officer: &'static str| {
                let s = s.clone();
                async move {
                    let meta = HashMap::from([
                        ("filename".to_owned(), "a.wav".to_owned()),
                        ("officer".to_owned(), officer.to_owned()),
                    ]);
                    s.create_upload(&who, 10, meta).await
                }
            };
            let refused = |r: Result<liuhen_store::uploads::UploadRecord, ServiceError>| match r {
                Err(ServiceError::Invalid(v)) => assert_eq!(v.field, "officer"),
                other => panic!("not refused: {other:?}"),
            };
            // officer1 naming officer2 (same unit) or officer3 (another unit): refused.
            refused(try_upload(o1.clone(), "33010026002").await);
            refused(try_upload(o1.clone(), "33010026003").await);
            try_upload(o1.clone(), "33010026001").await.expect("their own 执法证号");
            // The station of 一队 serves 一队's officers, not 二队's.
            try_upload(station.clone(), "33010026002").await.expect("an officer of its unit");
            refused(try_upload(station.clone(), "33010026003").await);
        }
    }

    /// Lists, compliance answers and review status show case data: each is a
    /// read and leaves its entry; compliance shows a reader only the clips
    /// their clearance reaches (a grant aside).
    #[tokio::test]
    async fn reads_of_lists_compliance_and_review_status_are_recorded() {
        for (s, _clock, _dir) in services().await {
            demo::seed(&s).await.unwrap();
            let o1 = as_user(&s, "officer1").await;
            let station = as_user(&s, "station1").await;
            let sup = as_user(&s, "supervisor1").await;
            let mut input = new_case("未按规定公示信息");
            input.officers = vec![o1.user.id];
            let case = s.create_case(&o1, &input).await.unwrap();
            let inspection = NewAct {
                kind: ActKind::OnSiteInspection,
                starts_at: datetime!(2026-03-02 10:00 +08:00),
                ends_at: datetime!(2026-03-02 10:30 +08:00),
                place: Place { address: "临江市滨江路2号".into(), latitude: None, longitude: None },
                venue: Venue::OnSite,
                venue_name: None,
                officers: vec![o1.user.id],
                parties: vec![0],
                notes: None,
                elements: vec![],
            };
            let act = s.add_act(&o1, case.id, &inspection).await.unwrap();
            // A clip of the act labelled 个人隐私: above a supervisor's clearance (内部).
            let bytes = wav(60);
            let meta = HashMap::from([
                ("filename".to_owned(), "privacy.wav".to_owned()),
                ("filetype".to_owned(), "audio/wav".to_owned()),
                ("officer".to_owned(), "33010026001".to_owned()),
                ("recorded_start".to_owned(), "2026-03-02T10:00:00+08:00".to_owned()),
                ("label".to_owned(), "个人隐私".to_owned()),
            ]);
            let up = s.create_upload(&station, bytes.len() as u64, meta).await.unwrap();
            let mut body = futures_util::stream::iter([Ok(bytes::Bytes::from(bytes))]);
            assert!(matches!(
                s.upload_chunk(&station, &up.id, 0, &mut body, None).await.unwrap(),
                ChunkOutcome::Complete { .. }
            ));

            let read_entry = |e: &LedgerEntry, kind: &str, who: &Principal| {
                assert_eq!(e.kind, kind, "{e:?}");
                assert_eq!(e.actor, who.user.id.subject(), "{e:?}");
                assert!(e.subjects.contains(&case.id.subject()), "{e:?}");
            };
            let before = entry_count(&s).await;
            let c = s.case_compliance(&o1, case.id).await.unwrap();
            assert_eq!(c.acts.iter().find(|a| a.act_id == act.id).unwrap().clips, 1);
            assert_eq!(entry_count(&s).await, before + 1, "a compliance answer is a read");
            read_entry(&last_entries(&s, 1).await[0], "case.read", &o1);

            let c = s.case_compliance(&sup, case.id).await.unwrap();
            let seen = c.acts.iter().find(|a| a.act_id == act.id).unwrap();
            assert_eq!(seen.clips, 0, "a clip above the reader's clearance is not shown: {seen:?}");
            assert_eq!(seen.covered_share, None, "nor counted in the coverage: {seen:?}");
            read_entry(&last_entries(&s, 1).await[0], "case.read", &sup);

            let (items, _) = s.list_cases(&o1, &CaseQuery::default()).await.unwrap();
            assert!(items.iter().any(|c| c.id == case.id));
            let listed = &last_entries(&s, 1).await[0];
            read_entry(listed, "case.listed", &o1);
            assert_eq!(listed.subjects.len(), items.len(), "the list names every case it returned");

            let before = entry_count(&s).await;
            s.review_status(&o1, case.id).await.unwrap();
            assert_eq!(entry_count(&s).await, before + 1, "the review status is a read");
            read_entry(&last_entries(&s, 1).await[0], "case.read", &o1);
        }
    }

    #[tokio::test]
    async fn a_gap_in_a_seizure_blocks_the_decision_until_a_clip_covers_it() {
        let (s, _clock, _dir) = services().await.into_iter().next().unwrap();
        let blobs = tempfile::tempdir().unwrap();
        let area = liuhen_store::uploads::UploadArea::new(
            liuhen_store::blobs::LocalBlobs::open(blobs.path()).unwrap(),
        );
        let s = s.with_evidence(area, UploadLimits::default());
        demo::seed(&s).await.unwrap();
        let o1 = as_user(&s, "officer1").await;
        let o2 = as_user(&s, "officer2").await;
        let station = as_user(&s, "station1").await;
        let leader = as_user(&s, "leader1").await;
        let mut input = new_case("销售假冒商品");
        input.kind = liuhen_domain::CaseKind::Coercion; // 查封扣押: 行政强制
        input.officers = vec![o1.user.id, o2.user.id];
        let case = s.create_case(&o1, &input).await.unwrap();
        let seizure = NewAct {
            kind: ActKind::Seizure,
            starts_at: datetime!(2026-03-02 10:00 +08:00),
            ends_at: datetime!(2026-03-02 10:30 +08:00),
            place: Place { address: "临江市滨江路1号仓库".into(), latitude: None, longitude: None },
            venue: Venue::OnSite,
            venue_name: None,
            officers: vec![o1.user.id, o2.user.id],
            parties: vec![0],
            notes: None,
            elements: vec![],
        };
        let act = s.add_act(&o1, case.id, &seizure).await.unwrap();
        let to = |stage| TransitionRequest { to: stage, reason: None, override_reason: None };
        s.transition(&leader, case.id, &to(Stage::Investigation)).await.unwrap();

        // Two cameras: 10:00–10:12 (its clock 30 s fast, corrected), and 10:13:30–10:30.
        let a = clip(&s, &station, "33010026001", "2026-03-02T10:00:30+08:00", 12 * 60, Some(30_000)).await;
        assert_eq!(a.recorded_start_corrected, Some(datetime!(2026-03-02 02:00 UTC)));
        assert_eq!(a.duration_ms, Some(720_000));
        clip(&s, &station, "33010026002", "2026-03-02T10:13:30+08:00", 16 * 60 + 30, None).await;
        let c = s.case_compliance(&leader, case.id).await.unwrap();
        let ac = c.acts.iter().find(|x| x.act_id == act.id).unwrap();
        assert_eq!(ac.clips, 2, "both clips were linked by officer and time");
        assert_eq!(ac.av_requirement, "full");
        assert_eq!(ac.gaps.len(), 1, "{ac:?}");
        assert_eq!(ac.gaps[0].seconds, 90);
        assert_eq!(ac.gaps[0].start, datetime!(2026-03-02 10:12 +08:00));
        let refused = s.transition(&leader, case.id, &to(Stage::Decision)).await.unwrap_err().to_string();
        assert!(refused.contains("查封扣押") && refused.contains("中断 90 秒"), "{refused}");

        // A third clip covering the gap: the recording is complete.
        clip(&s, &station, "33010026001", "2026-03-02T10:11:00+08:00", 180, None).await;
        let c = s.case_compliance(&leader, case.id).await.unwrap();
        let ac = c.acts.iter().find(|x| x.act_id == act.id).unwrap();
        assert!(ac.gaps.is_empty(), "{ac:?}");
        // Still refused: the documents the act's rule and 行政强制 ask for are not there — the
        // 查封扣押决定书 (made here) and the 现场笔录 and 财物清单 (signed on paper on site).
        let refused = s.transition(&leader, case.id, &to(Stage::Decision)).await.unwrap_err().to_string();
        for name in ["查封扣押决定书", "现场笔录", "查封扣押财物清单"] {
            assert!(refused.contains(name), "{name}: {refused}");
        }
        assert!(!refused.contains("中断"), "{refused}");
        // 记录要素 the officers have not attested are warnings, not blocks.
        let missing: Vec<&str> =
            ac.findings.iter().filter(|f| f.code == "element_missing").map(|f| f.severity.as_str()).collect();
        assert_eq!(missing, ["warning"; 3], "场景, 出示执法证, 违法违规行为: {ac:?}");
        let attest = liuhen_service::AttestElements {
            elements: vec!["场景".into(), "出示执法证".into(), "违法违规行为".into()],
            note: Some("见 33010026001 号记录仪视频 0:00–0:40".into()),
        };
        let act_now = s.attest_elements(&o2, case.id, act.id, &attest).await.unwrap();
        assert_eq!(act_now.elements.len(), 3);
        let typo = liuhen_service::AttestElements { elements: vec!["出示证件".into()], note: None };
        assert!(matches!(
            s.attest_elements(&o2, case.id, act.id, &typo).await,
            Err(ServiceError::Invalid(v)) if v.problem.contains("出示执法证")
        ));
        issue_doc(&s, case.id, "查封扣押决定书").await;
        // The paper ones are registered by their scans, uploaded as evidence of the case.
        let register = |name: &str, evidence_id| liuhen_service::documents::RegisterDocument {
            name: name.into(),
            evidence_id,
            number: None,
            signed_on: "2026-03-02".into(),
            note: Some("现场制作，当事人签字".into()),
            label: None,
        };
        let other = s.create_case(&o1, &new_case("另案")).await.unwrap();
        let stray = scan(&s, &o1, other.id, "另案笔录.pdf").await;
        let e = s.register_document(&o1, case.id, &register("现场笔录", stray.id)).await.unwrap_err();
        assert!(matches!(&e, ServiceError::Invalid(v) if v.field == "evidence_id"), "{e:?}");
        let record = scan(&s, &o1, case.id, "现场笔录.pdf").await;
        let e = s.register_document(&o1, case.id, &register("现场记录", record.id)).await.unwrap_err();
        assert!(matches!(&e, ServiceError::Invalid(v) if v.problem.contains("现场笔录")), "{e:?}");
        // The scan is the document: it may not be labelled below it.
        let secret = liuhen_service::documents::RegisterDocument {
            label: Some(liuhen_domain::Confidentiality::TradeSecret),
            ..register("现场笔录", record.id)
        };
        let e = s.register_document(&o1, case.id, &secret).await.unwrap_err();
        assert!(matches!(&e, ServiceError::Invalid(v) if v.problem.contains("商业秘密")), "{e:?}");
        let doc = s.register_document(&o1, case.id, &register("现场笔录", record.id)).await.unwrap();
        assert_eq!((doc.status, doc.format.as_str()), (liuhen_domain::DocumentStatus::Issued, "registered"));
        assert_eq!(doc.digests.as_ref().unwrap().pdf_sha256, record.sha256, "its digests are the scan's");
        let list = scan(&s, &o1, case.id, "财物清单.pdf").await;
        s.register_document(&o1, case.id, &register("查封扣押财物清单", list.id)).await.unwrap();
        let c = s.case_compliance(&leader, case.id).await.unwrap();
        assert_eq!(c.blocking, 0, "{c:?}");
        let ac = c.acts.iter().find(|x| x.act_id == act.id).unwrap();
        assert!(ac.findings.is_empty(), "{ac:?}");
        assert_eq!(
            s.transition(&leader, case.id, &to(Stage::Decision)).await.unwrap().stage,
            Stage::Decision
        );
    }

    /// 中止说明: a long gap blocks until an explanation covering it is recorded; then the gap is
    /// excused (amber), its finding is `av_gap_explained` (info) and one block less stands. The
    /// record is one `act.interruption_explained` entry naming ids and committing to the record,
    /// its text nowhere in it. Refused to a reader who may not record acts, for an empty stretch,
    /// for one outside the act, and on an archived case — each writing nothing.
    #[tokio::test]
    async fn an_interruption_explained_excuses_the_gap_it_covers() {
        use liuhen_domain::NewInterruption;
        for (s, _clock, _dirs) in services().await {
            demo::seed(&s).await.unwrap();
            let o1 = as_user(&s, "officer1").await;
            let o2 = as_user(&s, "officer2").await;
            let o3 = as_user(&s, "officer3").await;
            let sup = as_user(&s, "supervisor1").await;
            let station = as_user(&s, "station1").await;
            let leader = as_user(&s, "leader1").await;
            let mut input = new_case("销售假冒商品");
            input.kind = liuhen_domain::CaseKind::Coercion;
            input.officers = vec![o1.user.id, o2.user.id];
            let case = s.create_case(&o1, &input).await.unwrap();
            let seizure = NewAct {
                kind: ActKind::Seizure,
                starts_at: datetime!(2026-03-02 10:00 +08:00),
                ends_at: datetime!(2026-03-02 10:30 +08:00),
                place: Place {
                    address: "临江市滨江路1号仓库".into(), latitude: None, longitude: None
                },
                venue: Venue::OnSite,
                venue_name: None,
                officers: vec![o1.user.id, o2.user.id],
                parties: vec![0],
                notes: None,
                elements: vec![],
            };
            let act = s.add_act(&o1, case.id, &seizure).await.unwrap();
            let to = |stage| TransitionRequest { to: stage, reason: None, override_reason: None };
            s.transition(&leader, case.id, &to(Stage::Investigation)).await.unwrap();
            // 10:00–10:12 and 10:13:30–10:30: 90 seconds unrecorded.
            clip(&s, &station, "33010026001", "2026-03-02T10:00:00+08:00", 12 * 60, None).await;
            clip(&s, &station, "33010026002", "2026-03-02T10:13:30+08:00", 16 * 60 + 30, None).await;

            let before = s.case_compliance(&leader, case.id).await.unwrap();
            let ac = before.acts.iter().find(|x| x.act_id == act.id).unwrap();
            assert_eq!(ac.gaps.len(), 1, "{ac:?}");
            assert!(!ac.gaps[0].excused && ac.gaps[0].explained_by.is_empty(), "{ac:?}");
            let gap = ac.findings.iter().find(|f| f.code == "av_gap").expect("a gap finding");
            assert_eq!(gap.severity, "block");
            assert!(ac.explanations.is_empty());
            // What a coverage bar is drawn from: the window and the covered stretches.
            assert_eq!(
                (ac.window_start, ac.window_end),
                (datetime!(2026-03-02 10:00 +08:00), datetime!(2026-03-02 10:30 +08:00))
            );
            let covered: Vec<_> = ac.covered.iter().map(|i| (i.start, i.end)).collect();
            assert_eq!(
                covered,
                [
                    (datetime!(2026-03-02 10:00 +08:00), datetime!(2026-03-02 10:12 +08:00)),
                    (datetime!(2026-03-02 10:13:30 +08:00), datetime!(2026-03-02 10:30 +08:00)),
                ]
            );
            let refused = s.transition(&leader, case.id, &to(Stage::Decision)).await.unwrap_err().to_string();
            assert!(refused.contains("中断 90 秒"), "{refused}");

            let text = "执法记录仪电量耗尽，更换电池后继续录制";
            let explain =
                |from, to| NewInterruption { reason: "battery".into(), from, to, text: text.into() };
            let covering =
                explain(datetime!(2026-03-02 10:11:50 +08:00), datetime!(2026-03-02 10:13:40 +08:00));

            // Refusals write nothing.
            let entries = entry_count(&s).await;
            let e = s.explain_interruption(&sup, case.id, act.id, &covering).await.unwrap_err();
            assert!(matches!(e, ServiceError::Forbidden(_)), "a supervisor reads, records no act: {e:?}");
            let e = s.explain_interruption(&o3, case.id, act.id, &covering).await.unwrap_err();
            assert!(matches!(e, ServiceError::NotFound("case")), "another unit's case is not there: {e:?}");
            let backwards =
                explain(datetime!(2026-03-02 10:13:40 +08:00), datetime!(2026-03-02 10:11:50 +08:00));
            let e = s.explain_interruption(&o1, case.id, act.id, &backwards).await.unwrap_err();
            assert!(matches!(&e, ServiceError::Invalid(v) if v.field == "to"), "{e:?}");
            let empty = explain(datetime!(2026-03-02 10:12 +08:00), datetime!(2026-03-02 10:12 +08:00));
            let e = s.explain_interruption(&o1, case.id, act.id, &empty).await.unwrap_err();
            assert!(matches!(&e, ServiceError::Invalid(v) if v.field == "to"), "{e:?}");
            let after = explain(datetime!(2026-03-02 10:30 +08:00), datetime!(2026-03-02 10:40 +08:00));
            let e = s.explain_interruption(&o1, case.id, act.id, &after).await.unwrap_err();
            assert!(matches!(&e, ServiceError::Invalid(v) if v.field == "from"), "outside the act: {e:?}");
            let e =
                s.explain_interruption(&o1, case.id, liuhen_domain::ActId::from_bytes([9; 16]), &covering);
            assert!(matches!(e.await.unwrap_err(), ServiceError::NotFound("act")));
            let archived = s
                .list_cases(&o1, &CaseQuery { stage: Some(Stage::Archived), ..Default::default() })
                .await
                .unwrap()
                .0[0]
                .id;
            let old_act = s.list_acts(&o1, archived).await.unwrap()[0].clone();
            let entries_after_reads = entry_count(&s).await;
            let old = explain(old_act.starts_at, old_act.ends_at);
            let e = s.explain_interruption(&o1, archived, old_act.id, &old).await.unwrap_err();
            assert!(matches!(&e, ServiceError::Forbidden(m) if m.contains("archived")), "{e:?}");
            let e = s.explain_interruption(&leader, archived, old_act.id, &old).await.unwrap_err();
            assert!(matches!(&e, ServiceError::Forbidden(m) if m.contains("archived")), "{e:?}");
            assert_eq!(entry_count(&s).await, entries_after_reads, "refusals write nothing");
            assert_eq!(entries + 2, entries_after_reads, "only the two reads above were recorded");

            // The explanation: one entry, ids and digests only.
            let rec = s.explain_interruption(&o2, case.id, act.id, &covering).await.unwrap();
            assert_eq!(entry_count(&s).await, entries_after_reads + 1);
            assert_eq!((rec.case_id, rec.act_id, rec.recorded_by), (case.id, act.id, o2.user.id));
            assert_eq!(rec.reason, liuhen_domain::InterruptionReason::Battery);
            assert_eq!(rec.from, datetime!(2026-03-02 10:11:50 +08:00));
            assert_eq!(rec.text, text);
            let entry = last_entries(&s, 1).await.pop().unwrap();
            assert_eq!(entry.kind, "act.interruption_explained");
            assert_eq!(entry.actor, o2.user.id.subject());
            assert_eq!(entry.subjects, [case.id.subject(), act.id.subject(), rec.id.subject()]);
            let encoded = String::from_utf8(entry.encode().unwrap()).unwrap();
            assert!(!encoded.contains("电量") && !encoded.contains("更换电池"), "{encoded}");
            assert!(entry.commits_to(&serde_json::to_vec(&rec).unwrap()), "it commits to the record");

            let now = s.case_compliance(&leader, case.id).await.unwrap();
            let ac = now.acts.iter().find(|x| x.act_id == act.id).unwrap();
            assert_eq!(ac.gaps.len(), 1, "the gap is still there: {ac:?}");
            assert!(ac.gaps[0].excused, "{ac:?}");
            assert_eq!(ac.gaps[0].explained_by, [rec.id]);
            assert!(ac.findings.iter().all(|f| f.code != "av_gap"), "{ac:?}");
            let explained = ac.findings.iter().find(|f| f.code == "av_gap_explained").expect("explained");
            assert_eq!(explained.severity, "info");
            assert_eq!(now.blocking, before.blocking - 1, "{now:?}");
            assert_eq!(ac.explanations.len(), 1);
            let view = &ac.explanations[0];
            assert_eq!((view.id, view.reason_zh.as_str(), view.text.as_str()), (rec.id, "电量耗尽", text));
            assert_eq!(view.start, datetime!(2026-03-02 10:11:50 +08:00));
            let json = serde_json::to_value(ac).unwrap();
            assert_eq!(json["explanations"][0]["reason"], "battery");
            assert_eq!(json["gaps"][0]["explained_by"][0], rec.id.to_string());
            // The move that the gap blocked is blocked no more by it.
            let refused = s.transition(&leader, case.id, &to(Stage::Decision)).await.unwrap_err().to_string();
            assert!(!refused.contains("中断"), "{refused}");

            // One reaching past the act's end is taken as stated and shown clipped to the window.
            let mut moving = explain(datetime!(2026-03-02 10:29 +08:00), datetime!(2026-03-02 10:45 +08:00));
            moving.reason = "转换场所".into();
            let second = s.explain_interruption(&leader, case.id, act.id, &moving).await.unwrap();
            assert_eq!(second.to, datetime!(2026-03-02 10:45 +08:00));
            let listed = s.list_interruptions(&o1, case.id).await.unwrap();
            assert_eq!(listed.iter().map(|i| i.id).collect::<Vec<_>>(), [rec.id, second.id]);
            assert_eq!(listed[0], rec, "read back as recorded");
            assert_eq!(last_entries(&s, 1).await[0].kind, "case.read", "the list is a read");
            let ac = s.case_compliance(&leader, case.id).await.unwrap();
            let ac = ac.acts.iter().find(|x| x.act_id == act.id).unwrap();
            assert_eq!(ac.explanations[1].reason, liuhen_domain::InterruptionReason::ChangeOfPlace);
            assert_eq!(ac.explanations[1].end, datetime!(2026-03-02 10:30 +08:00));
        }
    }
}

/// Issue 12: registering a document by a scan the caller may not read
/// (labelled above their clearance) answers like a scan that does not exist,
/// names no label, and records the refusal.
mod scan_clearance {
    use super::*;
    use liuhen_service::evidence::ChunkOutcome;
    use std::collections::HashMap;

    async fn labelled_scan(
        s: &Service,
        who: &Principal,
        case: liuhen_domain::CaseId,
        label: &str,
    ) -> liuhen_domain::Evidence {
        let bytes = format!("%PDF-1.4\n% scan labelled {label}\n").into_bytes();
        let meta = HashMap::from([
            ("filename".to_owned(), "现场笔录.pdf".to_owned()),
            ("filetype".to_owned(), "application/pdf".to_owned()),
            ("case_id".to_owned(), case.to_string()),
            ("label".to_owned(), label.to_owned()),
        ]);
        let up = s.create_upload(who, bytes.len() as u64, meta).await.unwrap();
        let mut body = futures_util::stream::iter([Ok(bytes::Bytes::from(bytes))]);
        match s.upload_chunk(who, &up.id, 0, &mut body, None).await.unwrap() {
            ChunkOutcome::Complete { evidence, .. } => *evidence,
            other => panic!("not complete: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_scan_above_the_callers_clearance_is_not_found_and_the_refusal_recorded() {
        for (s, _clock, _dir) in services().await {
            demo::seed(&s).await.unwrap();
            let o1 = as_user(&s, "officer1").await;
            let input = liuhen_domain::NewUser {
                login: "officer5".into(),
                display_name: "内部级执法人员".into(),
                role: liuhen_domain::Role::Officer,
                unit_id: o1.user.unit_id,
                cert_no: Some("33010026098".into()),
                enforcement_category: Some("市场监管".into()),
                legal_qualification: false,
                clearance: Some(liuhen_domain::Confidentiality::Internal),
            };
            let admin = liuhen_service::admin::AdminActor::CommandLine;
            s.create_user(admin, &input, Some("officer5-password")).await.unwrap();
            let o5 = as_user_with(&s, "officer5", "officer5-password").await;
            let mut c = new_case("扫描件密级");
            c.officers = vec![o1.user.id, o5.user.id];
            let case = s.create_case(&o1, &c).await.unwrap();
            let secret = labelled_scan(&s, &o1, case.id, "商业秘密").await;
            let register = |evidence_id| liuhen_service::documents::RegisterDocument {
                name: "现场笔录".into(),
                evidence_id,
                number: None,
                signed_on: "2026-03-02".into(),
                note: None,
                label: None,
            };
            let before = entry_count(&s).await;
            let e = s.register_document(&o5, case.id, &register(secret.id)).await.unwrap_err();
            assert!(matches!(e, ServiceError::NotFound("evidence")), "{e:?}");
            assert!(!e.to_string().contains("商业秘密") && !e.to_string().contains("trade"), "{e}");
            let last = last_entries(&s, 1).await;
            assert_eq!(entry_count(&s).await, before + 1, "the refusal alone");
            assert_eq!(last[0].kind.as_str(), "access.refused");
            assert!(last[0].subjects.contains(&secret.id.subject()), "{:?}", last[0].subjects);
            assert!(s.list_documents(&o1, case.id).await.unwrap().is_empty(), "nothing registered");
            // Within the clearance it registers; officer1 registers the secret one.
            let internal = labelled_scan(&s, &o1, case.id, "内部").await;
            s.register_document(&o5, case.id, &register(internal.id)).await.unwrap();
            s.register_document(&o1, case.id, &register(secret.id)).await.unwrap();
        }
    }
}

mod review {
    use super::*;
    use liuhen_domain::{ChecklistAnswer, ChecklistItem, ProposedDecision, ReviewOpinion, ReviewOutcome};

    /// Opens a case for officer1 and officer2, moves it to 调查取证 and records
    /// the 询问 that 普通程序 expects before the decision.
    async fn investigated(s: &Service, mut input: NewCase) -> liuhen_domain::Case {
        let o1 = as_user(s, "officer1").await;
        let o2 = as_user(s, "officer2").await;
        let leader = as_user(s, "leader1").await;
        input.officers = vec![o1.user.id, o2.user.id];
        let case = s.create_case(&o1, &input).await.unwrap();
        issue_doc(s, case.id, "立案审批表").await;
        let to = TransitionRequest { to: Stage::Investigation, reason: None, override_reason: None };
        s.transition(&leader, case.id, &to).await.unwrap();
        let inquiry = liuhen_domain::NewAct {
            kind: liuhen_domain::ActKind::Inquiry,
            starts_at: time::macros::datetime!(2026-03-02 10:00 +08:00),
            ends_at: time::macros::datetime!(2026-03-02 10:40 +08:00),
            place: liuhen_domain::Place {
                address: "当事人经营场所".into(), latitude: None, longitude: None
            },
            venue: liuhen_domain::Venue::OnSite,
            venue_name: None,
            officers: vec![o1.user.id, o2.user.id],
            parties: vec![0],
            notes: None,
            elements: vec![],
        };
        s.add_act(&o1, case.id, &inquiry).await.unwrap();
        issue_doc(s, case.id, "询问笔录").await;
        case
    }

    /// A complete draft of the 行政处罚决定书 of a case (for issuing too early).
    async fn decision_draft(s: &Service, case: liuhen_domain::CaseId) -> liuhen_domain::DocumentId {
        let o1 = as_user(s, "officer1").await;
        let input = liuhen_service::documents::NewDocument {
            format: "行政处罚决定书".into(),
            fields: None,
            corrects: None,
            label: None,
        };
        s.draft_document(&o1, case, &input).await.unwrap().id
    }

    fn opinion(outcome: ReviewOutcome, all_pass: bool) -> ReviewOpinion {
        ReviewOpinion {
            outcome,
            checklist: ChecklistItem::ALL
                .iter()
                .enumerate()
                .map(|(i, item)| ChecklistAnswer { item: *item, passed: all_pass || i != 3, note: None })
                .collect(),
            opinion: "经审核，意见如下。".into(),
        }
    }

    #[tokio::test]
    async fn a_major_fine_cannot_be_issued_before_review_passes() {
        for (s, _clock, _dir) in services().await {
            demo::seed(&s).await.unwrap();
            let o1 = as_user(&s, "officer1").await;
            let leader = as_user(&s, "leader1").await;
            let reviewer = as_user(&s, "reviewer1").await;
            let case = investigated(&s, new_case("销售过期食品")).await;
            let to = |stage| TransitionRequest { to: stage, reason: None, override_reason: None };
            let fine = ProposedDecision {
                fine_fen: 5_000_000,
                measures: vec!["fine".into()],
                after_hearing: false,
                flagged_major: None,
                summary: "罚款人民币伍万元整".into(),
            };
            s.propose_decision(&o1, case.id, &fine).await.unwrap();
            s.transition(&leader, case.id, &to(Stage::Decision)).await.unwrap();
            let st = s.review_status(&leader, case.id).await.unwrap();
            assert!(st.major, "¥50,000 on a natural person is major by default");
            assert!(
                st.reasons.iter().any(|r| r.contains("50,000") || r.contains("罚款")),
                "{:?}",
                st.reasons
            );
            let refused = s.issue_decision(&leader, case.id).await.unwrap_err().to_string();
            assert!(refused.contains("法制审核"), "{refused}");
            assert!(
                s.transition(&leader, case.id, &to(Stage::Execution)).await.is_err(),
                "not before it is issued"
            );

            // Review: returned for correction, revised, resubmitted, passed.
            assert!(matches!(
                s.give_review_opinion(&reviewer, case.id, &opinion(ReviewOutcome::Approve, true)).await,
                Err(ServiceError::Conflict(_))
            ));
            let sub = s.submit_for_review(&o1, case.id).await.unwrap();
            assert_eq!(sub.due_date.as_ref().map(String::len), Some(10));
            assert!(matches!(s.submit_for_review(&o1, case.id).await, Err(ServiceError::Conflict(_))));
            assert!(matches!(
                s.give_review_opinion(&o1, case.id, &opinion(ReviewOutcome::Approve, true)).await,
                Err(ServiceError::Forbidden(_))
            ));
            let bad = s
                .give_review_opinion(&reviewer, case.id, &opinion(ReviewOutcome::Approve, false))
                .await
                .unwrap_err();
            assert!(matches!(&bad, ServiceError::Invalid(v) if v.field == "outcome"), "{bad:?}");
            s.give_review_opinion(&reviewer, case.id, &opinion(ReviewOutcome::Correct, false)).await.unwrap();
            assert!(s.issue_decision(&leader, case.id).await.is_err());
            let revised = ProposedDecision {
                summary: "罚款人民币伍万元整（已改正裁量依据）".into(),
                ..fine.clone()
            };
            assert_eq!(s.propose_decision(&o1, case.id, &revised).await.unwrap().version, 2);
            s.submit_for_review(&o1, case.id).await.unwrap();
            s.give_review_opinion(&reviewer, case.id, &opinion(ReviewOutcome::Approve, true)).await.unwrap();
            let st = s.review_status(&leader, case.id).await.unwrap();
            assert!(st.passed);
            assert_eq!(st.reviews.len(), 2, "the returned review is kept");
            // The 决定书 records a decision made: not before it.
            let early = s.issue_document(&leader, decision_draft(&s, case.id).await).await;
            assert!(
                matches!(early, Err(ServiceError::Conflict(ref m)) if m.contains("法制审核")),
                "{early:?}"
            );
            let issued = s.issue_decision(&leader, case.id).await.unwrap();
            assert!(issued.issued_at.is_some());
            issue_doc(&s, case.id, "行政处罚事先告知书").await;
            issue_doc(&s, case.id, "行政处罚决定书").await;
            let again = s.propose_decision(&o1, case.id, &fine).await;
            assert!(matches!(again, Err(ServiceError::Conflict(_))), "issued is final: {again:?}");
            assert_eq!(
                s.transition(&leader, case.id, &to(Stage::Execution)).await.unwrap().stage,
                Stage::Execution
            );
        }
    }

    /// 不予行政处罚 (行政处罚法 第三十三条): its 决定书 takes the place of the 行政处罚决定书,
    /// and there is no 事先告知 of a penalty that will not come.
    #[tokio::test]
    async fn a_decision_not_to_punish_leaves_the_decision_stage_with_its_own_document() {
        let (s, _clock, _dir) = services().await.into_iter().next().unwrap();
        demo::seed(&s).await.unwrap();
        let leader = as_user(&s, "leader1").await;
        let case = investigated(&s, new_case("存放少量过期调味酱")).await;
        let to = |stage| TransitionRequest { to: stage, reason: None, override_reason: None };
        s.transition(&leader, case.id, &to(Stage::Decision)).await.unwrap();
        let refused = s.transition(&leader, case.id, &to(Stage::Execution)).await.unwrap_err().to_string();
        assert!(refused.contains("《行政处罚决定书》或《不予行政处罚决定书》"), "{refused}");
        let doc = issue_doc(&s, case.id, "不予行政处罚决定书").await;
        assert!(doc.number.unwrap().starts_with("临市监不罚〔2026〕"), "numbered in the agency's sequence");
        assert_eq!(
            s.transition(&leader, case.id, &to(Stage::Execution)).await.unwrap().stage,
            Stage::Execution
        );
    }

    #[tokio::test]
    async fn the_same_fine_on_a_company_needs_no_review() {
        let (s, _clock, _dir) = services().await.into_iter().next().unwrap();
        demo::seed(&s).await.unwrap();
        let o1 = as_user(&s, "officer1").await;
        let leader = as_user(&s, "leader1").await;
        let mut input = new_case("虚假宣传");
        input.parties = vec![Party::Organisation {
            name: "临江某公司".into(),
            uscc: "91350100M000100Y43".into(),
            legal_representative: None,
            address: None,
        }];
        let case = investigated(&s, input).await;
        let to = |stage| TransitionRequest { to: stage, reason: None, override_reason: None };
        let fine = ProposedDecision {
            fine_fen: 5_000_000,
            measures: vec!["罚款".into()],
            after_hearing: false,
            flagged_major: None,
            summary: "罚款".into(),
        };
        s.propose_decision(&o1, case.id, &fine).await.unwrap();
        s.transition(&leader, case.id, &to(Stage::Decision)).await.unwrap();
        assert!(!s.review_status(&leader, case.id).await.unwrap().major);
        s.issue_decision(&leader, case.id).await.unwrap();
        // An unknown measure is named in the error.
        let bad = ProposedDecision { measures: vec!["no_such_measure".into()], ..fine };
        let e = s.propose_decision(&o1, case.id, &bad).await.unwrap_err();
        assert!(matches!(&e, ServiceError::Invalid(v) if v.field == "measures[0]"), "{e:?}");
    }
    /// Issue 12: a revision committed between the check of 法制审核 and the
    /// issue cannot be issued unreviewed: the check and the issue are one
    /// write, pinned to the version checked.
    #[tokio::test]
    async fn a_revision_racing_the_issue_is_not_issued_without_review() {
        for (s, _clock, _dir) in services().await {
            demo::seed(&s).await.unwrap();
            let o1 = as_user(&s, "officer1").await;
            let leader = as_user(&s, "leader1").await;
            let reviewer = as_user(&s, "reviewer1").await;
            let case = investigated(&s, new_case("审核后改决定")).await;
            let fine = ProposedDecision {
                fine_fen: 5_000_000,
                measures: vec!["fine".into()],
                after_hearing: false,
                flagged_major: None,
                summary: "罚款人民币伍万元整".into(),
            };
            s.propose_decision(&o1, case.id, &fine).await.unwrap();
            let to = TransitionRequest { to: Stage::Decision, reason: None, override_reason: None };
            s.transition(&leader, case.id, &to).await.unwrap();
            s.submit_for_review(&o1, case.id).await.unwrap();
            s.give_review_opinion(&reviewer, case.id, &opinion(ReviewOutcome::Approve, true)).await.unwrap();
            assert!(s.review_status(&leader, case.id).await.unwrap().passed);

            // The writer is held; the revision's write queues first, then the issue's.
            let (holder, release) = hold_writer(&s).await;
            let revised =
                ProposedDecision {
                    fine_fen: 20_000_000, summary: "罚款人民币贰拾万元整".into(), ..fine
                };
            let revising = tokio::spawn({
                let (s, o1) = (s.clone(), o1.clone());
                async move { s.propose_decision(&o1, case.id, &revised).await }
            });
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            let issuing = tokio::spawn({
                let (s, leader) = (s.clone(), leader.clone());
                async move { s.issue_decision(&leader, case.id).await }
            });
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            release.send(()).unwrap();
            holder.await.unwrap().unwrap();
            assert_eq!(revising.await.unwrap().unwrap().version, 2);
            let issued = issuing.await.unwrap();
            assert!(
                matches!(&issued, Err(ServiceError::Conflict(m)) if m.contains("法制审核")),
                "version 2 was never reviewed: {issued:?}"
            );
            let st = s.review_status(&leader, case.id).await.unwrap();
            assert_eq!(st.decision.as_ref().unwrap().issued_at, None);
            assert!(!st.passed);
        }
    }

    /// Issue 12: 送达执行 carries out a decision. A penalty case with none —
    /// proposed or not — does not get there, not even over a leader's
    /// override; 不予行政处罚 gets there by its own document (see above); a
    /// 行政强制 case, whose procedure asks for no penalty decision, moves on.
    #[tokio::test]
    async fn a_case_without_a_decision_cannot_move_to_execution() {
        for (s, _clock, _dir) in services().await {
            demo::seed(&s).await.unwrap();
            let o1 = as_user(&s, "officer1").await;
            let leader = as_user(&s, "leader1").await;
            let case = investigated(&s, new_case("未作决定")).await;
            let over = |to| TransitionRequest {
                to,
                reason: None,
                override_reason: Some("负责人书面同意继续".into()),
            };
            s.transition(&leader, case.id, &over(Stage::Decision)).await.unwrap();
            let refused = s.transition(&leader, case.id, &over(Stage::Execution)).await;
            assert!(
                matches!(&refused, Err(ServiceError::Conflict(m)) if m.contains("不予行政处罚决定书")),
                "{refused:?}"
            );
            assert_eq!(s.get_case(&leader, case.id).await.unwrap().stage, Stage::Decision);

            let mut input = new_case("查封后解除");
            input.kind = liuhen_domain::CaseKind::Coercion;
            let coercion = s.create_case(&o1, &input).await.unwrap();
            for to in [Stage::Investigation, Stage::Decision, Stage::Execution] {
                assert_eq!(s.transition(&leader, coercion.id, &over(to)).await.unwrap().stage, to);
            }
        }
    }

    #[tokio::test]
    async fn a_summary_case_starts_at_the_decision_and_walks_only_its_stages() {
        for (s, _clock, _dir) in services().await {
            demo::seed(&s).await.unwrap();
            let o1 = as_user(&s, "officer1").await;
            let leader = as_user(&s, "leader1").await;
            let to = |stage| TransitionRequest { to: stage, reason: None, override_reason: None };
            let mut input = new_case("当场处罚：占道经营");
            input.procedure = Some(liuhen_domain::Procedure::PenaltySummary);
            let case = s.create_case(&o1, &input).await.unwrap();
            // 行政处罚法 第51条、第52条: no 立案 and no 调查取证 file.
            assert_eq!(case.stage, Stage::Decision);
            assert_eq!(
                s.stages_of(case.procedure).unwrap(),
                [Stage::Decision, Stage::Execution, Stage::Archived]
            );
            assert_eq!(s.next_stage_of(&case).unwrap(), Some(Stage::Execution));
            let refused = s.transition(&leader, case.id, &to(Stage::Investigation)).await.unwrap_err();
            assert!(
                matches!(&refused, ServiceError::Conflict(m) if m.contains("送达执行 (execution)")),
                "{refused}"
            );
            // The decision is made on the spot and its 决定书 issued; then it is handed over.
            let fine = ProposedDecision {
                fine_fen: 5_000,
                measures: vec!["fine".into()],
                after_hearing: false,
                flagged_major: None,
                summary: "罚款人民币伍拾元整".into(),
            };
            s.propose_decision(&o1, case.id, &fine).await.unwrap();
            s.issue_decision(&leader, case.id).await.unwrap();
            issue_doc(&s, case.id, "行政处罚决定书").await;
            let moved = s.transition(&leader, case.id, &to(Stage::Execution)).await.unwrap();
            assert_eq!(moved.stage, Stage::Execution);
            assert!(s.transition(&leader, case.id, &to(Stage::Investigation)).await.is_err());
            let over = TransitionRequest {
                to: Stage::Archived,
                reason: None,
                override_reason: Some("测试：当场交付的送达记录另行补录".into()),
            };
            assert_eq!(s.transition(&leader, case.id, &over).await.unwrap().stage, Stage::Archived);
            let last = s.transition(&leader, case.id, &to(Stage::Archived)).await.unwrap_err();
            assert!(last.to_string().contains("nothing: it is archived"), "{last}");
            // The other procedures still start in 启动.
            assert_eq!(s.create_case(&o1, &new_case("普通程序")).await.unwrap().stage, Stage::Initiation);
        }
    }

    #[tokio::test]
    async fn a_review_in_a_year_the_calendar_does_not_cover_is_kept_and_says_so() {
        for (s, clock, _dir) in services().await {
            demo::seed(&s).await.unwrap();
            let o1 = as_user(&s, "officer1").await;
            let reviewer = as_user(&s, "reviewer1").await;
            let case = investigated(&s, new_case("销售过期食品")).await;
            let fine = ProposedDecision {
                fine_fen: 5_000_000,
                measures: vec!["fine".into()],
                after_hearing: false,
                flagged_major: None,
                summary: "罚款人民币伍万元整".into(),
            };
            s.propose_decision(&o1, case.id, &fine).await.unwrap();
            let leader = as_user(&s, "leader1").await;
            let to = TransitionRequest { to: Stage::Decision, reason: None, override_reason: None };
            s.transition(&leader, case.id, &to).await.unwrap();
            // Tue 5 Jan 2027: the rulebook has no 2027 节假日安排.
            clock.advance(time::Duration::days(39));
            let sub = s.submit_for_review(&o1, case.id).await.unwrap();
            assert_eq!(sub.due_date, None, "no weekends-only guess");
            let st = s.review_status(&o1, case.id).await.unwrap();
            assert_eq!(st.deadline, "calendar_not_covered");
            let zh = st.deadline_zh.unwrap();
            assert!(zh.contains("2027年") && zh.contains("节假日安排"), "{zh}");
            let en = st.deadline_en.unwrap();
            assert!(en.contains("2027") && en.contains("[[calendar]]"), "{en}");
            assert_eq!(st.reviews.len(), 1);
            assert!(st.reviews[0].opinion.is_none() && st.reviews[0].due_date.is_none());
            // The reviewer has it waiting, its due date unknown and why.
            let w = s.workbench(&reviewer).await.unwrap();
            let waiting = w.reviews.iter().find(|r| r.case_id == case.id).unwrap();
            assert_eq!(waiting.review.due_date, None);
            assert!(waiting.due_unknown_zh.as_deref().unwrap().contains("2027年"));
            // The review itself goes on.
            s.give_review_opinion(&reviewer, case.id, &opinion(ReviewOutcome::Approve, true)).await.unwrap();
            let st = s.review_status(&o1, case.id).await.unwrap();
            assert!(st.passed);
            assert_eq!((st.deadline.as_str(), st.deadline_zh), ("none", None));
        }
    }

    #[tokio::test]
    async fn a_review_due_date_counts_the_holidays() {
        for (s, clock, _dir) in services().await {
            demo::seed(&s).await.unwrap();
            let o1 = as_user(&s, "officer1").await;
            let case = investigated(&s, new_case("销售过期食品")).await;
            let fine = ProposedDecision {
                fine_fen: 5_000_000,
                measures: vec!["fine".into()],
                after_hearing: false,
                flagged_major: None,
                summary: "罚款人民币伍万元整".into(),
            };
            s.propose_decision(&o1, case.id, &fine).await.unwrap();
            // Fri 27 Nov 2026 + 10 working days: Fri 11 Dec.
            let sub = s.submit_for_review(&o1, case.id).await.unwrap();
            assert_eq!(sub.due_date.as_deref(), Some("2026-12-11"));
            assert_eq!(s.review_status(&o1, case.id).await.unwrap().deadline, "pending");
            // Thu 10 Dec: one working day left.
            clock.advance(time::Duration::days(13));
            assert_eq!(s.review_status(&o1, case.id).await.unwrap().deadline, "due_soon");
            clock.advance(time::Duration::days(2));
            assert_eq!(s.review_status(&o1, case.id).await.unwrap().deadline, "overdue");
        }
    }
}

/// Waits for events on a supervision stream until `done` matches one (at
/// most 3 s); returns every event seen, the matching one last.
async fn events_until(
    rx: &mut tokio::sync::broadcast::Receiver<Arc<liuhen_service::supervision::SupervisionEvent>>,
    done: impl Fn(&liuhen_service::supervision::SupervisionEvent) -> bool,
) -> Vec<Arc<liuhen_service::supervision::SupervisionEvent>> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
    loop {
        let e = tokio::time::timeout_at(deadline, rx.recv()).await.expect("the event in time").unwrap();
        let stop = done(&e);
        seen.push(e);
        if stop {
            return seen;
        }
    }
}

/// 读取本单位以外案件: an officer reading another unit's case through a grant
/// raises an alert naming the case; reads within the unit, and a
/// supervisor's reads across the agency, do not.
#[tokio::test]
async fn reads_outside_the_readers_unit_alert_supervisors() {
    for (s, _clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        let (sup, leader) = (as_user(&s, "supervisor1").await, as_user(&s, "leader1").await);
        let (o1, o3) = (as_user(&s, "officer1").await, as_user(&s, "officer3").await);
        assert_ne!(o1.user.unit_id, o3.user.unit_id);
        let mut rx = s.supervision_subscribe(&sup).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;

        let (cases, _) = s.list_cases(&leader, &CaseQuery::default()).await.unwrap();
        let mut theirs = None;
        for c in cases.iter().filter(|c| c.label == liuhen_domain::Confidentiality::Internal) {
            let full = s.get_case(&leader, c.id).await.unwrap();
            if full.unit_id == o1.user.unit_id && !full.officers.contains(&o3.user.id) {
                theirs = Some(full);
                break;
            }
        }
        let case = theirs.expect("an internal case of unit 1 officer3 is not assigned to");
        // Within the unit; a supervisor across units: no alert.
        s.get_case(&o1, case.id).await.unwrap();
        s.get_case(&sup, case.id).await.unwrap();
        // officer3 (unit 2) reads unit 1's case through a grant.
        assert!(matches!(s.get_case(&o3, case.id).await, Err(ServiceError::NotFound(_))));
        let ask = liuhen_domain::NewAccessRequest {
            case_id: case.id,
            purpose: "关联案件比对".into(),
            days: 1,
            external: None,
        };
        let r = s.request_access(&o3, &ask).await.unwrap();
        s.approve_access(&leader, r.id).await.unwrap();
        s.approve_access(&sup, r.id).await.unwrap();
        s.get_case(&o3, case.id).await.unwrap();

        let subject = case.id.subject();
        let seen = events_until(&mut rx, |e| {
            e.rule.as_deref() == Some("outside_unit") && e.actor == o3.user.id.subject()
        })
        .await;
        let alert = seen.last().unwrap();
        assert!(alert.subjects.contains(&subject) && alert.subjects.contains(&r.id.subject()));
        let message = alert.message_zh.as_deref().unwrap();
        assert!(message.contains("本单位以外") && message.contains(&subject), "{message}");
        let others: Vec<_> = seen
            .iter()
            .filter(|e| e.rule.as_deref() == Some("outside_unit") && e.actor != o3.user.id.subject())
            .map(|e| e.actor.clone())
            .collect();
        assert!(others.is_empty(), "no alert for reads within the unit or by the supervisor: {others:?}");
        // The read itself went by, and so did o1's and the supervisor's.
        for who in [&o1, &sup, &o3] {
            assert!(seen.iter().any(|e| e.kind == "case.read" && e.actor == who.user.id.subject()));
        }
    }
}

/// The last `n` ledger entries, oldest first.
async fn last_entries(s: &Service, n: u64) -> Vec<LedgerEntry> {
    let count = entry_count(s).await;
    let mut tx = s.store().read().await.unwrap();
    let got = tx.read_entries(count - n, n as u32).await.unwrap();
    tx.finish().await.unwrap();
    got.iter().map(|e| LedgerEntry::decode(&e.body).unwrap()).collect()
}

/// CJIS 5.4.1.1 security events: a password changed by its user and one set
/// by an administrator are different entry kinds naming who did it; a
/// change of role, unit or status is its own entry committing to before and
/// after, made only by an administrator of the agency and never for their
/// own account; each takes effect on the next request.
#[tokio::test]
async fn password_and_permission_changes_are_security_events() {
    use liuhen_service::admin::AdminActor;
    for (s, _clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        let admin = as_user(&s, "admin").await;
        let o2_session = s.login("officer2", &demo::demo_password("officer2")).await.unwrap();
        let o2 = s.authenticate(&o2_session.token).await.unwrap();
        let o2_other = s.login("officer2", &demo::demo_password("officer2")).await.unwrap();

        // The user's own change: the current password is asked; a wrong one is a failed login.
        let before = entry_count(&s).await;
        assert!(matches!(
            s.change_own_password(&o2, "not-my-password", "a-new-password-1").await,
            Err(ServiceError::Unauthenticated(_))
        ));
        assert_eq!(last_entries(&s, 1).await[0].kind, "credential.login_failed");
        assert_eq!(entry_count(&s).await, before + 1);
        assert!(matches!(
            s.change_own_password(&o2, &demo::demo_password("officer2"), "short").await,
            Err(ServiceError::Invalid(v)) if v.field == "password"
        ));
        s.change_own_password(&o2, &demo::demo_password("officer2"), "a-new-password-1").await.unwrap();
        let e = &last_entries(&s, 1).await[0];
        assert_eq!((e.kind.as_str(), e.actor.clone()), ("user.password_changed", o2.user.id.subject()));
        let other = s.authenticate(&o2_other.token).await;
        assert!(
            matches!(other, Err(ServiceError::Unauthenticated("credential revoked"))),
            "other sessions end"
        );
        assert!(s.authenticate(&o2_session.token).await.is_ok(), "the session that changed it goes on");
        assert!(s.login("officer2", &demo::demo_password("officer2")).await.is_err());
        s.login("officer2", "a-new-password-1").await.unwrap();

        // An administrator's reset: another kind, the administrator as actor, every session ended.
        let session = s.login("officer2", "a-new-password-1").await.unwrap();
        s.set_password(AdminActor::User(Box::new(admin.clone())), o2.user.id, "reset-by-admin-1")
            .await
            .unwrap();
        let e = &last_entries(&s, 1).await[0];
        assert_eq!((e.kind.as_str(), e.actor.clone()), ("user.password_set", admin.user.id.subject()));
        assert!(e.subjects.contains(&o2.user.id.subject()) && e.subjects.len() >= 2, "{:?}", e.subjects);
        assert!(s.authenticate(&session.token).await.is_err());
        assert!(
            matches!(
                s.set_password(AdminActor::User(Box::new(o2.clone())), admin.user.id, "x-long-password")
                    .await,
                Err(ServiceError::Forbidden(_))
            ),
            "only administrators reset passwords"
        );

        // Permission changes.
        let o2 = as_user_with(&s, "officer2", "reset-by-admin-1").await;
        let leader_unit = s.user_by_login("leader1").await.unwrap().unit_id;
        let change = liuhen_domain::UserChange {
            role: Some(liuhen_domain::Role::Leader),
            unit_id: Some(leader_unit),
            active: None,
            clearance: None,
        };
        assert!(matches!(
            s.change_user(AdminActor::User(Box::new(o2.clone())), o2.user.id, &change).await,
            Err(ServiceError::Forbidden(_))
        ));
        assert!(matches!(
            s.change_user(AdminActor::User(Box::new(admin.clone())), admin.user.id, &change).await,
            Err(ServiceError::Forbidden(_))
        ));
        let seen_before = s.list_cases(&o2, &CaseQuery::default()).await.unwrap().1;
        let after =
            s.change_user(AdminActor::User(Box::new(admin.clone())), o2.user.id, &change).await.unwrap();
        assert_eq!((after.role, after.unit_id), (liuhen_domain::Role::Leader, leader_unit));
        let e = &last_entries(&s, 1).await[0];
        assert_eq!((e.kind.as_str(), e.actor.clone()), ("user.changed", admin.user.id.subject()));
        assert!(e.subjects.contains(&o2.user.id.subject()) && e.subjects.contains(&leader_unit.subject()));
        let content = serde_json::json!({"before": o2.user, "after": after});
        assert!(
            e.commits_to(&serde_json::to_vec(&content).unwrap()),
            "the entry commits to before and after"
        );
        let o2_session = s.login("officer2", "reset-by-admin-1").await.unwrap();
        let o2 = s.authenticate(&o2_session.token).await.unwrap();
        assert!(
            s.list_cases(&o2, &CaseQuery::default()).await.unwrap().1 > seen_before,
            "a leader sees more"
        );
        // Nothing changed, or an officer without a 执法证号: refused, nothing written.
        let n = entry_count(&s).await;
        assert!(matches!(
            s.change_user(AdminActor::User(Box::new(admin.clone())), o2.user.id, &change).await,
            Err(ServiceError::Invalid(_))
        ));
        let reviewer = s.user_by_login("reviewer1").await.unwrap();
        let to_officer =
            liuhen_domain::UserChange { role: Some(liuhen_domain::Role::Officer), ..Default::default() };
        assert!(matches!(
            s.change_user(AdminActor::CommandLine, reviewer.id, &to_officer).await,
            Err(ServiceError::Invalid(v)) if v.field == "role"
        ));
        assert_eq!(entry_count(&s).await, n);
        // Deactivation stops the credentials at once.
        let off = liuhen_domain::UserChange { active: Some(false), ..Default::default() };
        s.change_user(AdminActor::CommandLine, o2.user.id, &off).await.unwrap();
        assert_eq!(last_entries(&s, 1).await[0].actor, "system:cli");
        assert!(matches!(
            s.authenticate(&o2_session.token).await,
            Err(ServiceError::Unauthenticated("user disabled"))
        ));
    }
}

async fn as_user_with(s: &Service, login: &str, password: &str) -> Principal {
    let out = s.login(login, password).await.unwrap();
    s.authenticate(&out.token).await.unwrap()
}

/// A scrub records a changed original before moving it to quarantine: when
/// the move fails the entry is there and the object is not lost; the next
/// scrub finishes the move under that entry, without a second entry.
#[tokio::test]
async fn scrub_records_before_it_quarantines_and_a_rerun_finishes_the_move() {
    use sha2::Digest as _;
    for (s, _clock, dirs) in services().await {
        let root = dirs.blobs.path();
        let blobs = liuhen_store::blobs::LocalBlobs::open(root).unwrap();
        // An original whose bytes no longer match its name.
        let claimed: String =
            sha2::Sha256::digest(b"what it was").iter().map(|b| format!("{b:02x}")).collect();
        let part = root.join("uploads/rotten.part");
        std::fs::write(&part, b"what it became").unwrap();
        blobs.store_file(&part, &claimed, 14).unwrap();
        std::fs::remove_file(&part).unwrap();
        // The move fails (the quarantine folder is unusable).
        let quarantine = root.join("quarantine");
        std::fs::remove_dir(&quarantine).unwrap();
        std::fs::write(&quarantine, b"not a folder").unwrap();
        let before = entry_count(&s).await;
        assert!(s.scrub_evidence().await.is_err());
        let recorded = last_entries(&s, entry_count(&s).await - before).await;
        let quarantines: Vec<_> =
            recorded.iter().filter(|e| e.kind == liuhen_domain::EntryKind::BlobQuarantined.code()).collect();
        assert_eq!(quarantines.len(), 1, "the entry comes first");
        assert!(blobs.open_object(&claimed).is_ok(), "the object stays until it is moved");
        // The next run finds the half-done work and finishes it.
        std::fs::remove_file(&quarantine).unwrap();
        std::fs::create_dir(&quarantine).unwrap();
        let report = s.scrub_evidence().await.unwrap();
        assert_eq!(report.quarantined.len(), 1);
        assert!(blobs.open_object(&claimed).is_err());
        let moved = quarantine.join(format!("{claimed}.{}", quarantines[0].time));
        assert_eq!(std::fs::read(moved).unwrap(), b"what it became");
        let all = last_entries(&s, entry_count(&s).await - before).await;
        let count = all.iter().filter(|e| e.kind == liuhen_domain::EntryKind::BlobQuarantined.code()).count();
        assert_eq!(count, 1, "no second entry for the same quarantine");
        // Another scrub finds nothing.
        assert!(s.scrub_evidence().await.unwrap().quarantined.is_empty());
    }
}

/// Separation of duties between administrators: an administrator cannot
/// get round "never your own account" through a second account — neither by
/// granting the administrator role to an account they control, nor by
/// setting another administrator's password (their own included), nor by
/// changing another administrator. Deactivating another administrator stays
/// possible; the command line keeps administrator accounts.
#[tokio::test]
async fn administrators_cannot_raise_themselves_through_a_second_account() {
    use liuhen_domain::{Confidentiality, Role, UserChange};
    use liuhen_service::admin::AdminActor;
    for (s, _clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        let admin = as_user(&s, "admin").await;
        let me = || AdminActor::User(Box::new(admin.clone()));
        let o3 = s.user_by_login("officer3").await.unwrap();
        let before = entry_count(&s).await;
        // Granting the role to an account the administrator controls.
        let to_admin = UserChange { role: Some(Role::Admin), ..Default::default() };
        assert!(
            matches!(s.change_user(me(), o3.id, &to_admin).await, Err(ServiceError::Forbidden(_))),
            "an administrator does not make another"
        );
        let input = liuhen_domain::NewUser {
            login: "second-admin".into(),
            display_name: "第二管理员".into(),
            role: Role::Admin,
            unit_id: admin.user.unit_id,
            cert_no: None,
            enforcement_category: None,
            legal_qualification: false,
            clearance: None,
        };
        assert!(matches!(
            s.create_user(me(), &input, Some("second-admin-password")).await,
            Err(ServiceError::Forbidden(_))
        ));
        // Taking over an administrator made by the operator, or their own account without the current password.
        let other =
            s.create_user(AdminActor::CommandLine, &input, Some("second-admin-password")).await.unwrap();
        assert!(matches!(
            s.set_password(me(), other.id, "taken-over-password").await,
            Err(ServiceError::Forbidden(_))
        ));
        assert!(matches!(
            s.set_password(me(), admin.user.id, "taken-over-password").await,
            Err(ServiceError::Forbidden(_))
        ));
        let raise = UserChange { clearance: Some(Confidentiality::TradeSecret), ..Default::default() };
        assert!(matches!(s.change_user(me(), other.id, &raise).await, Err(ServiceError::Forbidden(_))));
        let demote = UserChange { role: Some(Role::Leader), ..Default::default() };
        assert!(matches!(s.change_user(me(), other.id, &demote).await, Err(ServiceError::Forbidden(_))));
        assert_eq!(entry_count(&s).await, before + 1, "only the operator's creation is recorded");
        // And the second administrator cannot act on the first either.
        let second = as_user_with(&s, "second-admin", "second-admin-password").await;
        assert!(matches!(
            s.change_user(AdminActor::User(Box::new(second.clone())), admin.user.id, &raise).await,
            Err(ServiceError::Forbidden(_))
        ));
        assert!(matches!(
            s.set_password(AdminActor::User(Box::new(second)), admin.user.id, "taken-over-password").await,
            Err(ServiceError::Forbidden(_))
        ));
        // A compromised administrator can be stopped at once; the operator does the rest.
        let off = UserChange { active: Some(false), ..Default::default() };
        s.change_user(me(), other.id, &off).await.unwrap();
        let on = UserChange { active: Some(true), ..Default::default() };
        assert!(matches!(s.change_user(me(), other.id, &on).await, Err(ServiceError::Forbidden(_))));
        s.change_user(AdminActor::CommandLine, other.id, &on).await.unwrap();
        s.change_user(AdminActor::CommandLine, o3.id, &to_admin).await.unwrap();
        s.set_password(AdminActor::CommandLine, other.id, "reset-by-operator-1").await.unwrap();
        // Ordinary accounts are still the administrator's to keep.
        let o4 = s.user_by_login("officer4").await.unwrap();
        s.set_password(me(), o4.id, "reset-by-admin-1").await.unwrap();
    }
}

/// A service over a fresh SQLite store with `config`.
async fn service_with(config: ServiceConfig) -> (Service, Arc<ManualClock>, tempfile::TempDir) {
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-27 02:00 UTC)));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).await.unwrap();
    // The demo uploads its recordings into the data folder.
    let area = liuhen_store::uploads::UploadArea::new(
        liuhen_store::blobs::LocalBlobs::open(&dir.path().join("blobs")).unwrap(),
    );
    let s = Service::new(store, clock.clone(), config, test_signer())
        .with_evidence(area, liuhen_service::evidence::UploadLimits::default());
    (s, clock, dir)
}

async fn kinds_since(s: &Service, from: u64) -> Vec<String> {
    let n = entry_count(s).await;
    last_entries(s, n - from).await.into_iter().map(|e| e.kind).collect()
}

/// Twenty wrong passwords at once: each attempt is counted (and the lock
/// decided) in one write job before its password is checked, so no more
/// than the limit are ever checked, and only they are recorded.
#[tokio::test]
async fn concurrent_failed_logins_cannot_pass_the_lock_check_together() {
    for (s, _clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        let before = entry_count(&s).await;
        let tries = (0..20).map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.login("officer2", "wrong-password").await })
        });
        let mut checked = 0;
        let mut locked = 0;
        for t in tries {
            match t.await.unwrap() {
                Err(ServiceError::Unauthenticated(_)) => checked += 1,
                Err(ServiceError::Locked(_)) => locked += 1,
                other => panic!("{:?}", other.map(|_| ())),
            }
        }
        assert_eq!((checked, locked), (5, 15), "at most the limit are evaluated");
        let kinds = kinds_since(&s, before).await;
        assert_eq!(kinds.iter().filter(|k| *k == "credential.login_failed").count(), 5);
        assert_eq!(kinds.iter().filter(|k| *k == "credential.login_locked").count(), 1);
    }
}

/// Rotating login names from one address: the address is limited like a
/// login (an IPv6 /64 as one), its unknown names cost the ledger one entry
/// and its lock one more (with the count it summarises), other addresses
/// go on, and counters older than the window are pruned.
#[tokio::test]
async fn failed_logins_from_one_source_lock_it_and_unknown_names_do_not_grow_the_ledger() {
    use std::net::IpAddr;
    for (s, clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        let attacker: IpAddr = "2001:db8:1:2::10".parse().unwrap();
        let neighbour: IpAddr = "2001:db8:1:2:ffff::99".parse().unwrap();
        let before = entry_count(&s).await;
        for i in 0..30 {
            let e = s.login_from(&format!("guess-{i}"), "password-guess", Some(attacker)).await.unwrap_err();
            assert!(matches!(e, ServiceError::Unauthenticated(_)), "try {i}: {e:?}");
        }
        let e = s.login_from("guess-new", "password-guess", Some(neighbour)).await.unwrap_err();
        assert!(matches!(e, ServiceError::Locked(_)), "the /64 is locked: {e:?}");
        let kinds = kinds_since(&s, before).await;
        assert_eq!(kinds, ["credential.login_failed", "credential.login_locked"], "two entries for 31 names");
        let lock = &last_entries(&s, 1).await[0];
        assert!(lock.subjects[0].starts_with("source:") && lock.subjects.len() == 1, "{:?}", lock.subjects);
        assert!(lock.commits_to(&serde_json::to_vec(&serde_json::json!({
            "until_ms": liuhen_domain::unix_ms(s.now()) + 15 * 60_000, "failures": 30, "unknown_logins": 30
        })).unwrap()));
        // The people behind a locked address still sign in with their right passwords; a wrong
        // one of a real account answers "locked" like an unknown name's (naming no account) and
        // is recorded against that account.
        let e = s.login_from("officer2", "wrong-password", Some(attacker)).await.unwrap_err();
        assert!(matches!(e, ServiceError::Locked(_)), "{e:?}");
        let before_good = entry_count(&s).await;
        s.login_from("officer1", &demo::demo_password("officer1"), Some(attacker)).await.unwrap();
        assert_eq!(kinds_since(&s, before_good).await, ["credential.session_created"]);
        assert_eq!(
            kinds_since(&s, before).await[2..],
            ["credential.login_failed", "credential.session_created"],
            "the known account's failure is on the record"
        );
        // Elsewhere, logins go on; a good login does not count against its source.
        let other: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..40 {
            s.login_from("officer1", &demo::demo_password("officer1"), Some(other)).await.unwrap();
        }
        let mut tx = s.store().read().await.unwrap();
        assert!(tx.login_failure_counters().await.unwrap() >= 30);
        tx.finish().await.unwrap();
        // After the lock and the window, the address may try again and stale counters are gone.
        clock.advance(time::Duration::minutes(16));
        s.login_from("officer1", &demo::demo_password("officer1"), Some(attacker)).await.unwrap();
        let mut tx = s.store().read().await.unwrap();
        assert!(tx.login_failure_counters().await.unwrap() <= 1, "old counters are pruned");
        tx.finish().await.unwrap();
    }
}

/// Password hashing is capped: beyond the hashes running and the queue,
/// a login is answered at once with "busy" instead of waiting.
#[tokio::test]
async fn password_hashes_beyond_the_cap_are_refused_at_once() {
    let config = ServiceConfig { password_hashes: 1, password_hash_queue: 1, ..ServiceConfig::default() };
    let (s, _clock, _dir) = service_with(config).await;
    demo::seed(&s).await.unwrap();
    let tries: Vec<_> = (0..12)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move { s.login(&format!("nobody-{i}"), "wrong-password").await })
        })
        .collect();
    let mut busy = 0;
    for t in tries {
        match t.await.unwrap() {
            Err(ServiceError::Busy(_)) => busy += 1,
            Err(ServiceError::Unauthenticated(_)) => {}
            other => panic!("{:?}", other.map(|_| ())),
        }
    }
    assert!(busy >= 1, "no login was refused as busy");
    s.login("officer1", &demo::demo_password("officer1")).await.expect("the cap frees again");
}

/// `login:` subjects are an HMAC of the name under the deployment's secret:
/// not the SHA-256 of the name (which a dictionary reverses), the same for
/// the same secret, different for another.
#[tokio::test]
async fn login_subjects_are_keyed_by_the_deployment_secret() {
    use sha2::Digest as _;
    let mut subjects = Vec::new();
    for key in [[1u8; 32], [1u8; 32], [2u8; 32]] {
        let (s, _clock, _dir) = service_with(ServiceConfig::default()).await;
        let s = s.with_login_key(key);
        s.login("zhangwei", "wrong-password").await.unwrap_err();
        let e = &last_entries(&s, 1).await[0];
        assert_eq!(e.kind, "credential.login_failed");
        subjects.push(e.subjects[0].clone());
    }
    let plain = format!("login:{}", hex::encode(sha2::Sha256::digest(b"zhangwei")));
    assert_ne!(subjects[0], plain, "not reversible by hashing a dictionary");
    assert_eq!(subjects[0], subjects[1], "one secret, one key: every node counts alike");
    assert_ne!(subjects[0], subjects[2]);
}

/// Issue 12: a 调阅 grant is for reading. A leader of team 2 granted a
/// team-1 case reads it and its documents, but drafts, registers, edits,
/// issues (taking a 文号) and serves nothing there.
#[tokio::test]
async fn a_read_grant_does_not_let_a_leader_change_another_units_documents() {
    for (s, _clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        let o1 = as_user(&s, "officer1").await;
        let o3 = as_user(&s, "officer3").await;
        let leader = as_user(&s, "leader1").await;
        let sup = as_user(&s, "supervisor1").await;
        let input = liuhen_domain::NewUser {
            login: "leader2".into(),
            display_name: "二队负责人".into(),
            role: liuhen_domain::Role::Leader,
            unit_id: o3.user.unit_id,
            cert_no: Some("33010026099".into()),
            enforcement_category: Some("市场监管".into()),
            legal_qualification: false,
            clearance: None,
        };
        let admin = liuhen_service::admin::AdminActor::CommandLine;
        s.create_user(admin, &input, Some("leader2-password")).await.unwrap();
        let leader2 = as_user_with(&s, "leader2", "leader2-password").await;
        let mut input = new_case("一队案件");
        input.officers = vec![o1.user.id, as_user(&s, "officer2").await.user.id];
        let case = s.create_case(&o1, &input).await.unwrap();
        let issued = issue_doc(&s, case.id, "立案审批表").await;
        let draft = ready_doc(&s, case.id, "询问笔录").await;
        let new_doc = liuhen_service::documents::NewDocument {
            format: "询问笔录".into(),
            fields: None,
            corrects: None,
            label: None,
        };
        assert!(matches!(
            s.draft_document(&leader2, case.id, &new_doc).await,
            Err(ServiceError::NotFound(_))
        ));

        let ask = liuhen_domain::NewAccessRequest {
            case_id: case.id,
            purpose: "核查关联案件".into(),
            days: 3,
            external: None,
        };
        let r = s.request_access(&leader2, &ask).await.unwrap();
        s.approve_access(&leader, r.id).await.unwrap();
        s.approve_access(&sup, r.id).await.unwrap();
        // Reading through the grant works.
        s.get_case(&leader2, case.id).await.unwrap();
        s.get_document(&leader2, draft).await.unwrap();
        assert_eq!(s.list_documents(&leader2, case.id).await.unwrap().len(), 2);

        let before = entry_count(&s).await;
        let read_only = |r: Result<liuhen_domain::Document, ServiceError>| {
            matches!(&r, Err(ServiceError::Forbidden(m)) if m.contains("调阅")) || panic!("{r:?}")
        };
        read_only(s.draft_document(&leader2, case.id, &new_doc).await);
        let register = liuhen_service::documents::RegisterDocument {
            name: "现场笔录".into(),
            evidence_id: liuhen_domain::EvidenceId::from_bytes([3; 16]),
            number: None,
            signed_on: "2026-03-02".into(),
            note: None,
            label: None,
        };
        read_only(s.register_document(&leader2, case.id, &register).await);
        read_only(s.edit_document(&leader2, draft, &serde_json::json!({})).await);
        read_only(s.issue_document(&leader2, draft).await);
        let how = liuhen_service::documents::Serving { act_id: None, receipt_id: Some(issued.id) };
        read_only(s.serve_document(&leader2, issued.id, &how).await);
        assert_eq!(entry_count(&s).await, before, "nothing written");
        let docs = s.list_documents(&o1, case.id).await.unwrap();
        assert_eq!(docs.len(), 2);
        assert!(docs.iter().any(|d| d.id == draft && d.status == liuhen_domain::DocumentStatus::Draft));
        // The case's own leader still does.
        s.draft_document(&leader, case.id, &new_doc).await.unwrap();
        s.serve_document(&leader, issued.id, &how).await.unwrap();
    }
}

/// Issue 12: the PDF of an issued document is rendered and stored before
/// the write job, not while the writer is held — with the writer busy, the
/// PDF appears; the 文号 and the entry follow once the writer is free.
#[tokio::test]
async fn issuing_renders_and_stores_the_pdf_outside_the_write_job() {
    for (s, _clock, dirs) in services().await {
        demo::seed(&s).await.unwrap();
        let o1 = as_user(&s, "officer1").await;
        let leader = as_user(&s, "leader1").await;
        let mut input = new_case("渲染不占写锁");
        input.officers = vec![o1.user.id, as_user(&s, "officer2").await.user.id];
        let case = s.create_case(&o1, &input).await.unwrap();
        let draft = ready_doc(&s, case.id, "立案审批表").await;
        let before = stored_objects(&dirs).await;

        // Hold the writer.
        let (holder, release) = hold_writer(&s).await;
        let issuing = tokio::spawn({
            let (s, leader) = (s.clone(), leader.clone());
            async move { s.issue_document(&leader, draft).await }
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        let new = loop {
            let now = stored_objects(&dirs).await;
            if let Some(n) = now.iter().find(|n| !before.contains(n)) {
                break n.clone();
            }
            assert!(!issuing.is_finished(), "{:?}", issuing.await);
            assert!(
                std::time::Instant::now() < deadline,
                "no PDF was stored while the writer was held: rendering waits for the writer"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        assert!(!issuing.is_finished(), "the number and the entry wait for the writer");
        release.send(()).unwrap();
        holder.await.unwrap().unwrap();
        let doc = issuing.await.unwrap().unwrap();
        assert_eq!(doc.digests.unwrap().pdf_sha256, new);
        assert_eq!(stored_objects(&dirs).await.len(), before.len() + 1, "one PDF, no orphan");
    }
}

/// Issue 12: 文号 stay gapless when issuers on two nodes reserve the same
/// number while their PDFs render: the one that comes second starts over with
/// the next number, and every issued PDF is stored with its own number.
#[tokio::test]
async fn issuers_on_two_nodes_take_gapless_numbers() {
    for (s, clock, dirs) in services().await {
        demo::seed(&s).await.unwrap();
        let o1 = as_user(&s, "officer1").await;
        let case = s.create_case(&o1, &new_case("两个节点同时出具文书")).await.unwrap();
        // The demo issued some already: the sequence goes on from the next.
        let mut tx = s.store().read().await.unwrap();
        let next = u32::try_from(tx.peek_number(o1.user.agency_id, "doc:罚告", 2026).await.unwrap()).unwrap();
        tx.finish().await.unwrap();
        let s2 = second_node(&s, &dirs, clock.clone());
        let mut drafts = Vec::new();
        for _ in 0..6 {
            drafts.push(ready_doc(&s, case.id, "行政处罚事先告知书").await);
        }
        let leader = as_user(&s, "leader1").await;
        let leader_b = as_user(&s2, "leader1").await;
        let tasks: Vec<_> = drafts
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let (node, who, id) = if i % 2 == 0 {
                    (s.clone(), leader.clone(), *id)
                } else {
                    (s2.clone(), leader_b.clone(), *id)
                };
                tokio::spawn(async move { node.issue_document(&who, id).await })
            })
            .collect();
        let mut numbers = Vec::new();
        let objects = stored_objects(&dirs).await;
        for t in tasks {
            let doc = t.await.unwrap().unwrap();
            let d = doc.digests.clone().unwrap();
            assert!(stored_objects(&dirs).await.contains(&d.pdf_sha256) || objects.contains(&d.pdf_sha256));
            numbers.push(doc.number.unwrap());
        }
        let mut seqs: Vec<u32> = numbers
            .iter()
            .map(|n| n.rsplit_once('〕').unwrap().1.trim_end_matches('号').parse().unwrap())
            .collect();
        seqs.sort_unstable();
        assert_eq!(seqs, (next..next + 6).collect::<Vec<u32>>(), "{numbers:?}");
    }
}

/// The workbench and the case list's handling-limit state: a case opened
/// long ago is past its limit (red), one near it is yellow, a fresh one
/// runs; the filter keeps each state's cases; stage moves keep their
/// reasons for the timeline, an override with what it overrode.
mod workbench {
    use liuhen_service::workbench::DeadlineState;

    use super::*;

    async fn open(s: &Service, me: &Principal, cause: &str) -> liuhen_domain::Case {
        let input: liuhen_domain::NewCase = serde_json::from_value(serde_json::json!({
            "cause": cause, "kind": "administrative_penalty",
            "parties": [{"type": "organisation", "name": "临江市某商行", "uscc": "91330100MA2M7U4Y6G"}],
        }))
        .unwrap();
        s.create_case(me, &input).await.unwrap()
    }

    #[tokio::test]
    async fn limits_show_on_case_rows_and_moves_keep_their_reasons() {
        for (s, clock, _dir) in services().await {
            demo::seed(&s).await.unwrap();
            let officer = as_user(&s, "officer1").await;
            let old = open(&s, &officer, "九十五天前立案的案件").await;
            clock.advance(time::Duration::days(10));
            let near = open(&s, &officer, "八十五天前立案的案件").await;
            clock.advance(time::Duration::days(85));
            let fresh = open(&s, &officer, "新立案件").await;
            let q = liuhen_service::CaseQuery { limit: Some(200), ..Default::default() };
            let (rows, _) = s.case_rows(&officer, &q, None).await.unwrap();
            let state = |id| {
                rows.iter().find(|r: &&liuhen_service::workbench::CaseRow| r.case.id == id).unwrap().deadline
            };
            assert_eq!(state(old.id), DeadlineState::Past);
            assert_eq!(state(near.id), DeadlineState::Near);
            assert_eq!(state(fresh.id), DeadlineState::Running);
            let (rows, total) = s.case_rows(&officer, &q, Some(DeadlineState::Near)).await.unwrap();
            assert!(
                rows.iter().any(|r| r.case.id == near.id)
                    && rows.iter().all(|r| r.deadline == DeadlineState::Near)
            );
            assert_eq!(total, rows.len() as u64);
            assert!(rows.iter().find(|r| r.case.id == near.id).unwrap().deadline_zh.is_some());

            let leader = as_user(&s, "leader1").await;
            let before = entry_count(&s).await;
            let w = s.workbench(&leader).await.unwrap();
            assert!(w.cases.iter().any(|r| r.case.id == fresh.id));
            assert!(w.cases.iter().all(|r| r.case.stage != liuhen_domain::Stage::Archived));
            assert!(entry_count(&s).await > before, "the workbench's lists are recorded reads");

            // A move without findings keeps its reason; an override keeps what it overrode.
            let req = |to, reason: &str, over: Option<&str>| liuhen_service::TransitionRequest {
                to,
                reason: Some(reason.into()),
                override_reason: over.map(str::to_owned),
            };
            let refused = s
                .transition(&leader, fresh.id, &req(liuhen_domain::Stage::Investigation, "立案", None))
                .await;
            assert!(matches!(refused, Err(ServiceError::Conflict(_))), "立案审批表 is missing: {refused:?}");
            s.transition(
                &leader,
                fresh.id,
                &req(liuhen_domain::Stage::Investigation, "立案", Some("纸质审批表已签")),
            )
            .await
            .unwrap();
            let o = s.case_overview(&leader, fresh.id).await.unwrap();
            assert_eq!(o.moves.len(), 1);
            let m = &o.moves[0];
            assert_eq!(
                (m.from, m.to),
                (liuhen_domain::Stage::Initiation, liuhen_domain::Stage::Investigation)
            );
            assert_eq!(m.reason.as_deref(), Some("立案"));
            assert_eq!(m.override_reason.as_deref(), Some("纸质审批表已签"));
            assert!(m.overridden.iter().any(|l| l.contains("立案审批表")), "{:?}", m.overridden);
            assert!(o.can.direct && o.can.issue && o.can.record && !o.can.review);
            // The overview is one read of the case.
            let before = entry_count(&s).await;
            s.case_overview(&officer, fresh.id).await.unwrap();
            assert_eq!(kinds_since(&s, before).await, vec!["case.read"]);
        }
    }
}

/// 行政强制法 第25条 and 第28条: a 负责人 extends a seizure's 30-day limit
/// once, by at most 30 days, with reasons, before it runs out; 解除查封扣押
/// ends the limit. Each is a ledger entry; the compliance answer's limit and
/// the case list's deadline column follow them.
#[tokio::test]
async fn seizure_limit_extends_once_before_it_ends_and_a_release_ends_it() {
    use liuhen_domain::{NewLimitExtension, NewSeizureRelease, ReleaseReason};
    use liuhen_service::limits::LimitState;
    for (s, clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        let o1 = as_user(&s, "officer1").await;
        let o2 = as_user(&s, "officer2").await;
        let leader = as_user(&s, "leader1").await;
        let seized_case = |cause: &str| NewCase { kind: CaseKind::Coercion, ..new_case(cause) };
        let seizure = |day: time::OffsetDateTime| NewAct {
            kind: ActKind::Seizure,
            starts_at: day,
            ends_at: day + time::Duration::hours(1),
            place: Place { address: "某仓库".into(), latitude: None, longitude: None },
            venue: Venue::OnSite,
            venue_name: None,
            officers: vec![o1.user.id, o2.user.id],
            parties: vec![0],
            notes: None,
            elements: vec![],
        };
        let case = s.create_case(&o1, &seized_case("扣押涉嫌侵权商品")).await.unwrap();
        let ext =
            |days: u32| NewLimitExtension { days, reason: "涉案商品需送检，情况复杂".into() };

        // Before the seizure the limit has not started: nothing to extend.
        let limit = s.case_compliance(&leader, case.id).await.unwrap().limit.unwrap();
        assert_eq!(limit.state, LimitState::NotStarted);
        assert!(limit.extension_refused.as_deref().unwrap().contains("尚未"), "{limit:?}");
        let err = s.extend_limit(&leader, case.id, &ext(10)).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Conflict(m) if m.contains("尚未")), "{err:?}");

        s.add_act(&o1, case.id, &seizure(datetime!(2026-11-27 10:00 +08:00))).await.unwrap();
        let limit = s.case_compliance(&leader, case.id).await.unwrap().limit.unwrap();
        assert_eq!((limit.start.as_deref(), limit.due.as_deref()), (Some("2026-11-27"), Some("2026-12-27")));
        assert_eq!((limit.state, limit.max_extension_days), (LimitState::Running, 30));
        assert_eq!(limit.extension_refused, None);

        // Officers do not approve; the days are 1 to 30; a reason is required.
        let err = s.extend_limit(&o1, case.id, &ext(10)).await.unwrap_err();
        assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
        for bad in [ext(0), ext(31), NewLimitExtension { days: 5, reason: " ".into() }] {
            let err = s.extend_limit(&leader, case.id, &bad).await.unwrap_err();
            assert!(matches!(err, ServiceError::Invalid(_)), "{err:?}");
        }

        // Near the end: the limit warns, on the compliance answer and in the case list.
        clock.advance(time::Duration::days(25));
        let c = s.case_compliance(&leader, case.id).await.unwrap();
        assert_eq!(c.limit.as_ref().unwrap().state, LimitState::Near);
        assert_eq!(c.case_findings[0].code, "limit_near");
        let before = entry_count(&s).await;
        let approved = s.extend_limit(&leader, case.id, &ext(30)).await.unwrap();
        assert_eq!((approved.due_before.as_str(), approved.due_after.as_str()), ("2026-12-27", "2027-01-26"));
        assert_eq!(entry_count(&s).await, before + 1);
        let entry = last_entries(&s, 1).await.remove(0);
        assert_eq!(entry.kind, "case.limit_extended");
        assert_eq!(entry.subjects, vec![case.id.subject()]);
        let c = s.case_compliance(&leader, case.id).await.unwrap();
        let limit = c.limit.unwrap();
        assert_eq!((limit.due.as_deref(), limit.state), (Some("2027-01-26"), LimitState::Running));
        assert!(limit.rule_zh.contains("含延长30日"), "{}", limit.rule_zh);
        assert_eq!(limit.extension, Some(approved));
        // 第25条: the party is told in writing — the notice is owed until it is issued.
        assert_eq!(c.case_findings.len(), 1, "{:?}", c.case_findings);
        assert!(
            c.case_findings[0].message_zh.contains("《延长查封扣押期限决定书》"),
            "{:?}",
            c.case_findings
        );
        assert_eq!(c.case_findings[0].severity, "warning");
        // Its draft carries the approved extension.
        let draft = s
            .draft_document(
                &o1,
                case.id,
                &liuhen_service::documents::NewDocument {
                    format: "延长查封扣押期限决定书".into(),
                    fields: None,
                    corrects: None,
                    label: None,
                },
            )
            .await
            .unwrap();
        let f = &draft.fields;
        assert_eq!(
            (&f["extension_days"], &f["original_end"], &f["new_start"], &f["new_end"]),
            (
                &serde_json::json!("30"),
                &serde_json::json!("2026-12-27"),
                &serde_json::json!("2026-12-28"),
                &serde_json::json!("2027-01-26")
            ),
            "{f}"
        );
        assert_eq!(f["reason"], "涉案商品需送检，情况复杂");
        issue_doc(&s, case.id, "延长查封扣押期限决定书").await;
        let c = s.case_compliance(&leader, case.id).await.unwrap();
        assert!(c.case_findings.is_empty(), "{:?}", c.case_findings);
        // Once only: a second extension is refused, and writes nothing.
        let before = entry_count(&s).await;
        let err = s.extend_limit(&leader, case.id, &ext(1)).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Conflict(m) if m.contains("只能延长一次")), "{err:?}");
        assert_eq!(entry_count(&s).await, before);

        // A limit that ran out is not extended afterwards.
        let late = s.create_case(&o1, &seized_case("扣押过期食品")).await.unwrap();
        s.add_act(&o1, late.id, &seizure(datetime!(2026-11-27 15:00 +08:00))).await.unwrap();
        clock.advance(time::Duration::days(6)); // 2026-12-28
        let c = s.case_compliance(&leader, late.id).await.unwrap();
        assert_eq!(c.limit.as_ref().unwrap().state, LimitState::Past);
        assert_eq!(c.case_findings[0].code, "limit_exceeded");
        let err = s.extend_limit(&leader, late.id, &ext(30)).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Conflict(m) if m.contains("届满")), "{err:?}");
        let (rows, _) = s
            .case_rows(&leader, &CaseQuery::default(), Some(liuhen_service::workbench::DeadlineState::Past))
            .await
            .unwrap();
        let past: Vec<_> = rows.iter().map(|r| r.case.id).collect();
        assert!(past.contains(&late.id) && !past.contains(&case.id), "{past:?}");

        // 解除查封扣押 ends the limit; late, it keeps the lateness on record.
        let release =
            |reason: &str| NewSeizureRelease { reason: reason.into(), text: "退还扣押物品".into() };
        let err = s.release_seizure(&o1, late.id, &release("expired")).await.unwrap_err();
        assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
        let err = s.release_seizure(&leader, late.id, &release("tired")).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Invalid(v) if v.field == "reason"), "{err:?}");
        let released = s.release_seizure(&leader, late.id, &release("查封扣押期限已经届满")).await.unwrap();
        assert_eq!(released.reason, ReleaseReason::Expired);
        assert_eq!(last_entries(&s, 1).await[0].kind, "case.seizure_released");
        let c = s.case_compliance(&leader, late.id).await.unwrap();
        let limit = c.limit.unwrap();
        assert_eq!(limit.state, LimitState::Released);
        assert!(limit.extension_refused.unwrap().contains("解除"));
        assert!(c.case_findings[0].message_zh.contains("超期1日"), "{:?}", c.case_findings);
        let err = s.release_seizure(&leader, late.id, &release("expired")).await.unwrap_err();
        assert!(matches!(err, ServiceError::Conflict(_)), "{err:?}");
        let (rows, _) = s
            .case_rows(&leader, &CaseQuery::default(), Some(liuhen_service::workbench::DeadlineState::Past))
            .await
            .unwrap();
        assert!(!rows.iter().any(|r| r.case.id == late.id));

        // Without a seizure there is nothing to release.
        let none = s.create_case(&o1, &seized_case("责令停产停业")).await.unwrap();
        let err = s.release_seizure(&leader, none.id, &release("decided")).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Conflict(m) if m.contains("没有查封扣押")), "{err:?}");
        // A penalty case's limit (90 days, no extension nationally) cannot be extended.
        let penalty = s.create_case(&o1, &new_case("无照经营")).await.unwrap();
        let err = s.extend_limit(&leader, penalty.id, &ext(10)).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Conflict(m) if m.contains("未允许延长")), "{err:?}");
    }
}

/// 归档: an archivist packages an archived case of the demo; the package,
/// streamed as a tar file, verifies offline; only archivists package, once.
#[tokio::test]
async fn an_archived_case_packages_into_a_bag_that_verifies_offline() {
    use liuhen_archive::{KeyChoice, verify_package};
    for (s, _clock, dirs) in services().await {
        demo::seed(&s).await.unwrap();
        let archivist = as_user(&s, "archivist1").await;
        let leader = as_user(&s, "leader1").await;
        let (cases, _) = s.list_cases(&leader, &CaseQuery::default()).await.unwrap();
        let food = cases.iter().find(|c| c.cause == "销售超过保质期的食品").unwrap().id;
        let open = cases.iter().find(|c| c.cause == "经营者未明码标价").unwrap().id;

        let err = s.assemble_archive(&leader, food).await.unwrap_err();
        assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
        let err = s.assemble_archive(&archivist, open).await.unwrap_err();
        assert!(matches!(err, ServiceError::NotFound(_)), "an open case is not the archivist's: {err:?}");

        // A scan longer than the pieces a package sends originals in.
        let officer = as_user(&s, "officer1").await;
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let scan: Vec<u8> = (0..2_500_123)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 56) as u8
            })
            .collect();
        let meta = std::collections::HashMap::from([
            ("filename".to_owned(), "scan.tif".to_owned()),
            ("filetype".to_owned(), "image/tiff".to_owned()),
            ("case_id".to_owned(), food.to_string()),
        ]);
        let up = s.create_upload(&officer, scan.len() as u64, meta).await.unwrap();
        let mut body = futures_util::stream::iter([Ok(bytes::Bytes::from(scan.clone()))]);
        let done = s.upload_chunk(&officer, &up.id, 0, &mut body, None).await.unwrap();
        assert!(matches!(done, liuhen_service::evidence::ChunkOutcome::Complete { .. }));

        let a = s.assemble_archive(&archivist, food).await.unwrap();
        assert!(a.file_no.ends_with("-0001"), "{}", a.file_no);
        assert!(a.report.passed, "{:#?}", a.report.checks.iter().filter(|c| !c.passed).collect::<Vec<_>>());
        assert!(a.report.checks.iter().any(|c| c.property == "usability" && c.item.ends_with(".pdf")));
        let entry = last_entries(&s, 1).await.remove(0);
        assert_eq!(entry.kind, "archive.assembled");
        assert!(entry.subjects.contains(&food.subject()));
        assert!(entry.subjects.contains(&format!("manifest:sha256:{}", a.manifest_sha256)));
        let err = s.assemble_archive(&archivist, food).await.unwrap_err();
        assert!(matches!(err, ServiceError::Conflict(_)), "once: {err:?}");

        // Streamed as a tar file, and verified with the agency's key and with nothing else.
        let mut stream = s.archive_package(&archivist, a.id).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(&stream.file_name);
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.chunks.recv().await {
            bytes.extend_from_slice(&chunk.unwrap());
        }
        std::fs::write(&path, &bytes).unwrap();
        let keys = s.ledger_signer().verifier_keys();
        let report = verify_package(&path, &KeyChoice::Given(keys.clone())).unwrap();
        assert!(report.verified, "{report:#?}");
        assert!(report.details.iter().any(|d| d.contains(&a.file_no)), "{:?}", report.details);
        assert_eq!(last_entries(&s, 1).await[0].kind, "archive.downloaded");
        // The same payload on a second download: the archive entry fixes it.
        let mut again = s.archive_package(&archivist, a.id).await.unwrap();
        let mut second = Vec::new();
        while let Some(chunk) = again.chunks.recv().await {
            second.extend_from_slice(&chunk.unwrap());
        }
        let path2 = dir.path().join("again.tar");
        std::fs::write(&path2, &second).unwrap();
        assert!(verify_package(&path2, &KeyChoice::Given(keys)).unwrap().verified);
        // 四性检测 again, on receipt: passes, and is recorded.
        let report = s.check_archive(Some(&archivist), a.id).await.unwrap();
        assert!(report.passed, "{:#?}", report.checks.iter().filter(|c| !c.passed).collect::<Vec<_>>());
        assert!(report.checks.iter().any(|c| c.check == "ledger" && c.passed));
        assert_eq!(last_entries(&s, 1).await[0].kind, "archive.checked");
        let err = s.check_archive(Some(&leader), a.id).await.unwrap_err();
        assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
        // An original changed on disk: the scheduled check names it and records the failure.
        let mut tx = s.store().read().await.unwrap();
        let files = tx.archive_files(a.id).await.unwrap();
        tx.finish().await.unwrap();
        let pdf = files.iter().find(|f| f.path.ends_with(".pdf") && f.original.is_some()).unwrap();
        let local = liuhen_store::blobs::LocalBlobs::open(dirs.blobs.path()).unwrap();
        let (_, object) = local.open_object(pdf.original.as_deref().unwrap()).unwrap();
        let mut perms = std::fs::metadata(&object).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&object, perms).unwrap();
        let mut original = std::fs::read(&object).unwrap();
        let pdf_as_packaged = original.clone();
        let at = original.len() - 10;
        original[at] ^= 1;
        std::fs::write(&object, original).unwrap();
        let view = s.archive(&archivist, a.id).await.unwrap();
        let report = s.check_archive(None, view.id).await.unwrap();
        assert!(!report.passed);
        // Its digests, and (the byte is in its trailer) its structure: only that file is named.
        let failed: Vec<(&str, &str)> = report
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| (c.item.as_str(), c.property.as_str()))
            .collect();
        assert!(failed.contains(&(pdf.path.as_str(), "authenticity")), "{failed:?}");
        assert!(failed.iter().all(|(item, _)| *item == pdf.path), "{failed:?}");
        let entry = last_entries(&s, 1).await.remove(0);
        assert_eq!((entry.kind.as_str(), entry.actor.as_str()), ("archive.check_failed", "system:schedule"));
        // A package whose scan changed on disk stops with an error before the
        // scan is whole in it.
        let (_, object) = local.open_object(pdf.original.as_deref().unwrap()).unwrap();
        std::fs::write(&object, &pdf_as_packaged).unwrap();
        let big = files.iter().find(|f| f.size == scan.len() as u64).unwrap();
        let (_, object) = local.open_object(big.original.as_deref().unwrap()).unwrap();
        let mut perms = std::fs::metadata(&object).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&object, perms).unwrap();
        let mut changed = scan.clone();
        changed[1_700_000] ^= 1;
        std::fs::write(&object, &changed).unwrap();
        let mut stream = s.archive_package(&archivist, a.id).await.unwrap();
        let (mut sent, mut err) = (Vec::new(), None);
        while let Some(chunk) = stream.chunks.recv().await {
            match chunk {
                Ok(c) => sent.extend_from_slice(&c),
                Err(e) => err = Some(e.to_string()),
            }
        }
        let err = err.expect("the package stops with an error");
        assert!(err.contains(&big.path) && err.contains("changed"), "{err}");
        let tail = &changed[changed.len() - 64..];
        assert!(!sent.windows(64).any(|w| w == tail), "the changed scan was sent whole");
        assert!(sent.len() < bytes.len());
        // One changed byte of a document in the tar file is found.
        // The first document in the tar file (its header names it under the package folder).
        let docs = bytes.windows(16).position(|w| w == b"/data/documents/").unwrap();
        let at = docs + bytes[docs..].windows(5).position(|w| w == b"%PDF-").unwrap();
        bytes[at + 200] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let report = verify_package(&path, &KeyChoice::Given(s.ledger_signer().verifier_keys())).unwrap();
        assert!(!report.verified);
        assert!(report.failures.iter().any(|f| f.item.starts_with("data/documents/")), "{report:#?}");
    }
}

/// The 四性检测's checks that read files again: each recording's container
/// parsed anew and its duration against the record, each PDF's structure,
/// and the virus scan.
mod archive_checks {
    use super::*;
    use liuhen_service::archive_checks::Antivirus;

    /// Another node over the same store and blobs, scanning with `antivirus`.
    fn node(s: &Service, dirs: &Dirs, clock: Arc<ManualClock>, antivirus: Antivirus) -> Service {
        let area = liuhen_store::uploads::UploadArea::new(
            liuhen_store::blobs::LocalBlobs::open(dirs.blobs.path()).unwrap(),
        );
        let config = ServiceConfig { antivirus, ..ServiceConfig::default() };
        Service::new(s.store().clone(), clock, config, test_signer())
            .with_evidence(area, liuhen_service::evidence::UploadLimits::default())
    }

    /// Plays an operator who edits the database behind liuhen's back (SQLite).
    async fn raw(dirs: &Dirs, sql: &str, bind: Vec<u8>) {
        use sqlx::Connection;
        let url = liuhen_store::sqlite_url_for_dir(dirs.db.as_ref().unwrap().path());
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let done = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).bind(bind).execute(&mut c).await.unwrap();
        assert_eq!(done.rows_affected(), 1, "{sql}");
    }

    /// The demo's food case, archived, and its evidence.
    async fn food_case(s: &Service) -> (liuhen_domain::CaseId, Vec<liuhen_domain::Evidence>) {
        let leader = as_user(s, "leader1").await;
        let (cases, _) = s.list_cases(&leader, &CaseQuery::default()).await.unwrap();
        let food = cases.iter().find(|c| c.cause == "销售超过保质期的食品").unwrap().id;
        let scope = liuhen_store::CaseScope::Agency(leader.user.agency_id);
        let evidence = s.store().list_case_evidence(food, &scope, leader.user.id).await.unwrap();
        (food, evidence)
    }

    /// The package path of an original.
    async fn path_of(s: &Service, archive: liuhen_domain::ArchiveId, sha256: &str) -> String {
        let mut tx = s.store().read().await.unwrap();
        let files = tx.archive_files(archive).await.unwrap();
        tx.finish().await.unwrap();
        files.into_iter().find(|f| f.original.as_deref() == Some(sha256)).unwrap().path
    }

    fn failed(report: &liuhen_service::archive::FourProperties) -> Vec<(String, String, String)> {
        report
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| (c.item.clone(), c.property.clone(), c.detail.clone()))
            .collect()
    }

    /// A recording whose recorded duration is 5 s off what its container
    /// says fails 可用性, named, at packaging and at each re-check (the
    /// 卷内目录 carries the record); a recording whose container header is
    /// damaged after packaging fails it too. Every other recording parses
    /// again and agrees; every PDF's structure holds.
    #[tokio::test]
    async fn a_recording_must_parse_again_and_last_as_long_as_recorded() {
        let (s, _clock, dirs) = services().await.into_iter().next().unwrap();
        demo::seed(&s).await.unwrap();
        let archivist = as_user(&s, "archivist1").await;
        let (food, evidence) = food_case(&s).await;
        let videos: Vec<_> = evidence.iter().filter(|e| e.media_type.starts_with("video/")).collect();
        assert!(videos.len() >= 2, "the demo case has recordings: {}", videos.len());
        let (long, cut) = (videos[0], videos[1]);
        raw(
            &dirs,
            "UPDATE evidence SET duration_ms = duration_ms + 5000 WHERE sha256 = $1",
            hex::decode(&long.sha256).unwrap(),
        )
        .await;

        let a = s.assemble_archive(&archivist, food).await.unwrap();
        let long_path = path_of(&s, a.id, &long.sha256).await;
        assert!(long_path.contains(&long.file_name), "{long_path}");
        let bad = failed(&a.report);
        assert_eq!(bad.len(), 1, "{bad:#?}");
        let (item, property, detail) = &bad[0];
        assert_eq!((item, property.as_str()), (&long_path, "usability"));
        let recorded = long.duration_ms.unwrap() + 5000;
        assert!(detail.contains(&format!("the record {recorded} ms")), "{detail}");
        // The other recordings parsed again and agree; the PDFs' structures hold.
        let containers: Vec<_> =
            a.report.checks.iter().filter(|c| c.check == "container" && c.item != long_path).collect();
        assert!(containers.len() + 1 >= videos.len());
        assert!(containers.iter().all(|c| c.passed && c.detail.contains("parsed again")), "{containers:#?}");
        let pdfs: Vec<_> = a.report.checks.iter().filter(|c| c.check == "pdf").collect();
        assert!(!pdfs.is_empty());
        assert!(pdfs.iter().all(|c| c.passed && c.detail.contains("cross-reference")), "{pdfs:#?}");

        // The re-check reads the duration the package lists: the same failure.
        let report = s.check_archive(Some(&archivist), a.id).await.unwrap();
        let bad = failed(&report);
        assert_eq!(
            bad.iter().map(|f| (f.0.as_str(), f.1.as_str())).collect::<Vec<_>>(),
            [(long_path.as_str(), "usability")]
        );

        // A damaged container header: the file's digests and its container fail, nothing else.
        let cut_path = path_of(&s, a.id, &cut.sha256).await;
        let local = liuhen_store::blobs::LocalBlobs::open(dirs.blobs.path()).unwrap();
        let (_, object) = local.open_object(&cut.sha256).unwrap();
        let mut perms = std::fs::metadata(&object).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&object, perms).unwrap();
        let mut bytes = std::fs::read(&object).unwrap();
        bytes[4..8].copy_from_slice(b"junk"); // the first box's type: `ftyp` no more
        std::fs::write(&object, bytes).unwrap();
        let report = s.check_archive(None, a.id).await.unwrap();
        let bad = failed(&report);
        let named: Vec<_> = bad.iter().filter(|f| f.0 == cut_path).collect();
        assert_eq!(named.len(), 2, "{bad:#?}");
        assert!(named.iter().any(|f| f.1 == "authenticity"));
        assert!(named.iter().any(|f| f.1 == "usability" && f.2.contains("does not parse")), "{named:#?}");
        assert!(bad.iter().all(|f| f.0 == cut_path || f.0 == long_path), "{bad:#?}");
        assert_eq!(last_entries(&s, 1).await[0].kind, "archive.check_failed");
    }

    /// Whether `clamscan` runs here. In CI (`CI=true`) it must: there a
    /// missing scanner fails the test rather than skip it.
    fn clamscan_installed() -> bool {
        let ok = std::process::Command::new("clamscan")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "clamscan is not installed (apt-get install clamav)"
            );
            eprintln!(
                "SKIPPED: clamscan is not installed (apt-get install clamav): only its absence is checked"
            );
        }
        ok
    }

    /// ClamAV scans the payload at packaging and at each re-check: a file
    /// its signatures match fails 安全性, named with the signature; a scan
    /// that cannot run (its database missing, the program not where
    /// configured) fails the report; a scanner not installed is said, and
    /// passes.
    #[tokio::test]
    async fn clamscan_scans_a_package_where_it_is_installed() {
        let (s, clock, dirs) = services().await.into_iter().next().unwrap();
        demo::seed(&s).await.unwrap();
        let archivist = as_user(&s, "archivist1").await;
        let (food, evidence) = food_case(&s).await;
        let marked = evidence.iter().find(|e| e.media_type.starts_with("video/")).unwrap();
        let sigs = tempfile::tempdir().unwrap();
        let antivirus = |clamscan: &str, database: Option<std::path::PathBuf>| Antivirus {
            clamscan: Some(clamscan.into()),
            database,
            timeout: std::time::Duration::from_secs(120),
        };
        let absent = node(&s, &dirs, clock.clone(), antivirus("liuhen-no-such-clamscan", None));
        let scan_item = |r: &liuhen_service::archive::FourProperties| {
            r.checks.iter().find(|c| c.item == "package" && c.check == "antivirus").unwrap().clone()
        };

        let a = if clamscan_installed() {
            // A signature (SHA-256 and size, ClamAV's `.hsb`) of one recording.
            let db = sigs.path().join("liuhen-test.hsb");
            std::fs::write(&db, format!("{}:{}:Liuhen.Test.Marked\n", marked.sha256, marked.size)).unwrap();
            let scanning = node(&s, &dirs, clock.clone(), antivirus("clamscan", Some(db)));
            let a = scanning.assemble_archive(&archivist, food).await.unwrap();
            let path = path_of(&s, a.id, &marked.sha256).await;
            let bad = failed(&a.report);
            assert_eq!(bad.len(), 1, "{bad:#?}");
            assert_eq!((&bad[0].0, bad[0].1.as_str()), (&path, "security"));
            assert!(bad[0].2.contains("Liuhen.Test.Marked"), "{bad:#?}");
            let whole = scan_item(&a.report);
            assert!(
                whole.passed && whole.detail.contains("ClamAV") && whole.detail.contains("1 infected"),
                "{whole:?}"
            );
            // Again at the re-check.
            let report = scanning.check_archive(Some(&archivist), a.id).await.unwrap();
            let bad = failed(&report);
            assert_eq!(bad.len(), 1, "{bad:#?}");
            assert!(bad[0].0 == path && bad[0].2.contains("Liuhen.Test.Marked"), "{bad:#?}");
            // A database that is not there: the scan could not run, and the report fails.
            let broken =
                node(&s, &dirs, clock.clone(), antivirus("clamscan", Some(sigs.path().join("missing.hsb"))));
            let report = broken.check_archive(None, a.id).await.unwrap();
            let whole = scan_item(&report);
            assert!(
                !report.passed && !whole.passed && whole.detail.contains("scan could not run"),
                "{whole:?}"
            );
            a
        } else {
            absent.assemble_archive(&archivist, food).await.unwrap()
        };
        // Not installed: said, and passed.
        let report = absent.check_archive(None, a.id).await.unwrap();
        assert!(report.passed, "{:#?}", failed(&report));
        assert_eq!(scan_item(&report).detail, "clamscan not installed: not scanned");
        // Configured at a path where it is not: could not run.
        let nowhere = node(&s, &dirs, clock.clone(), antivirus("/nonexistent/clamscan", None));
        let report = nowhere.check_archive(None, a.id).await.unwrap();
        let whole = scan_item(&report);
        assert!(!report.passed && whole.detail.contains("scan could not run"), "{whole:?}");
        // No scanner configured (the library's default): said.
        let report = s.check_archive(None, a.id).await.unwrap();
        assert_eq!(scan_item(&report).detail, "no virus scanner configured: not scanned");
    }

    /// Downloads the package; the error the stream ended with, if any.
    async fn download(
        s: &Service,
        me: &Principal,
        id: liuhen_domain::ArchiveId,
    ) -> (Vec<u8>, Option<String>) {
        let mut stream = s.archive_package(me, id).await.unwrap();
        let (mut bytes, mut err) = (Vec::new(), None);
        while let Some(chunk) = stream.chunks.recv().await {
            match chunk {
                Ok(c) => bytes.extend_from_slice(&c),
                Err(e) => err = Some(e.to_string()),
            }
        }
        (bytes, err)
    }

    /// A full check records each original's stat identity; a download sends an
    /// original whose file still has it without hashing it again. One byte
    /// rewritten in place after the check changes the file's ctime: the download
    /// hashes it, and stops, naming it. What a recorded check vouches for is
    /// sent as it is (shown here by a record made to vouch for changed bytes):
    /// the recipient's `liuhen verify` is what checks the bytes, and finds them.
    #[tokio::test]
    async fn a_download_trusts_the_last_check_of_an_original_whose_file_has_not_changed() {
        use liuhen_archive::{KeyChoice, verify_package};
        use liuhen_store::{FileIdentity, OriginalCheck};
        for (s, clock, dirs) in services().await {
            demo::seed(&s).await.unwrap();
            let archivist = as_user(&s, "archivist1").await;
            let (food, evidence) = food_case(&s).await;
            let clip = evidence.iter().find(|e| e.media_type.starts_with("video/")).unwrap();
            let local = liuhen_store::blobs::LocalBlobs::open(dirs.blobs.path()).unwrap();
            let (_, object) = local.open_object(&clip.sha256).unwrap();
            let identity = |p: &std::path::Path| FileIdentity::of(&std::fs::metadata(p).unwrap()).unwrap();
            let check = |sha: String| {
                let store = s.store().clone();
                async move {
                    let mut tx = store.read().await.unwrap();
                    let c = tx.original_check(&sha).await.unwrap();
                    tx.finish().await.unwrap();
                    c
                }
            };
            // Writable, for the change below; then settled: a file changed within
            // a second of a check may change again without its ctime moving, and
            // such a check is not recorded.
            let mut perms = std::fs::metadata(&object).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&object, perms).unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

            // Packaging hashes every original and records each check.
            let a = s.assemble_archive(&archivist, food).await.unwrap();
            assert!(a.report.passed);
            let at_assembly = check(clip.sha256.clone()).await.expect("the check of the clip is recorded");
            assert_eq!(at_assembly.identity, identity(&object));
            assert_eq!(at_assembly.checked_at, s.now());
            let keys = s.ledger_signer().verifier_keys();
            let dir = tempfile::tempdir().unwrap();
            let tar = dir.path().join("case.tar");

            // A day later the download trusts it: sent, not hashed (a hash would record a new check).
            clock.advance(time::Duration::days(1));
            let (bytes, err) = download(&s, &archivist, a.id).await;
            assert_eq!(err, None);
            std::fs::write(&tar, &bytes).unwrap();
            assert!(verify_package(&tar, &KeyChoice::Given(keys.clone())).unwrap().verified);
            assert_eq!(check(clip.sha256.clone()).await, Some(at_assembly));

            // One byte rewritten in place: a new ctime, so the download hashes
            // the file, and stops before it is whole, naming it.
            let path = path_of(&s, a.id, &clip.sha256).await;
            {
                use std::io::{Seek as _, Write as _};
                let mut f = std::fs::OpenOptions::new().write(true).open(&object).unwrap();
                let at = clip.size / 2;
                let byte = std::fs::read(&object).unwrap()[at as usize];
                f.seek(std::io::SeekFrom::Start(at)).unwrap();
                f.write_all(&[byte ^ 1]).unwrap();
            }
            let changed = identity(&object);
            assert_ne!(changed, at_assembly.identity);
            assert_eq!((changed.dev, changed.ino, changed.size), {
                let i = at_assembly.identity;
                (i.dev, i.ino, i.size)
            });
            let (sent, err) = download(&s, &archivist, a.id).await;
            let err = err.expect("the package stops with an error");
            assert!(err.contains(&path) && err.contains("changed"), "{err}");
            assert!(sent.len() < bytes.len());
            assert_eq!(check(clip.sha256.clone()).await, None, "a file found changed loses its check");

            // A record that vouches for the changed file: the download sends it
            // unhashed, whole; the recipient's verification names it.
            let forged = OriginalCheck { identity: changed, checked_at: s.now() };
            let sha = clip.sha256.clone();
            s.store()
                .transact(move |tx| Box::pin(async move { tx.record_original_check(&sha, &forged).await }))
                .await
                .unwrap();
            let (sent, err) = download(&s, &archivist, a.id).await;
            assert_eq!(err, None);
            assert_eq!(sent.len(), bytes.len());
            std::fs::write(&tar, &sent).unwrap();
            let report = verify_package(&tar, &KeyChoice::Given(keys.clone())).unwrap();
            assert!(!report.verified);
            assert!(report.failures.iter().any(|f| f.item == path), "{report:#?}");
            // The scheduled check hashes in full, whatever is recorded: it fails, and forgets the record.
            let report = s.check_archive(None, a.id).await.unwrap();
            assert!(failed(&report).iter().any(|f| f.0 == path && f.1 == "authenticity"), "{report:#?}");
            assert_eq!(check(clip.sha256.clone()).await, None);
            let (_, err) = download(&s, &archivist, a.id).await;
            assert!(err.is_some_and(|e| e.contains(&path)));
        }
    }
}

/// The device register (执法记录仪, 采集站) and what uploads are checked against.
mod devices {
    use super::*;
    use liuhen_domain::{DeviceChange, DeviceFlagKind, DeviceStatus, NewDevice, NewStation};
    use liuhen_service::admin::AdminActor;
    use liuhen_service::evidence::ChunkOutcome;
    use std::collections::HashMap;

    fn admin(p: &Principal) -> AdminActor {
        AdminActor::User(Box::new(p.clone()))
    }

    async fn last_kind(s: &Service) -> String {
        let n = entry_count(s).await;
        let mut tx = s.store().read().await.unwrap();
        let e = tx.read_entries(n - 1, 1).await.unwrap().remove(0);
        tx.finish().await.unwrap();
        LedgerEntry::decode(&e.body).unwrap().kind
    }

    /// A station's upload of a short WAV with these metadata pairs added.
    async fn upload(s: &Service, who: &Principal, extra: &[(&str, &str)]) -> liuhen_domain::Evidence {
        let mut bytes = b"RIFF".to_vec();
        bytes.extend_from_slice(format!("{extra:?}").as_bytes());
        let mut meta = HashMap::from([
            ("filename".to_owned(), "DSJ.wav".to_owned()),
            ("filetype".to_owned(), "audio/wav".to_owned()),
        ]);
        for (k, v) in extra {
            meta.insert((*k).to_owned(), (*v).to_owned());
        }
        let up = s.create_upload(who, bytes.len() as u64, meta).await.unwrap();
        let mut body = futures_util::stream::iter([Ok(bytes::Bytes::from(bytes))]);
        match s.upload_chunk(who, &up.id, 0, &mut body, None).await.unwrap() {
            ChunkOutcome::Complete { evidence, .. } => *evidence,
            other => panic!("not complete: {other:?}"),
        }
    }

    fn kinds(e: &liuhen_domain::Evidence) -> Vec<DeviceFlagKind> {
        e.device_flags.iter().map(|f| f.kind).collect()
    }

    /// Administrators keep the register: a 产品序号 once per agency, one open
    /// 领用 at a time, a held device returned before it goes for repair;
    /// each change its own entry. Others may not.
    #[tokio::test]
    async fn administrators_register_issue_and_return_devices() {
        for (s, clock, _dir) in services().await {
            demo::seed(&s).await.unwrap();
            let adm = as_user(&s, "admin").await;
            let (o1, o2) = (as_user(&s, "officer1").await, as_user(&s, "officer2").await);
            let agency = adm.user.agency_id;
            // The demo's cameras are on the register, issued to their officers.
            let listed = s.list_devices(&adm).await.unwrap();
            assert!(listed.iter().any(|d| d.serial == "DSJ-LJ1-0101" && d.holder == Some(o1.user.id)));
            assert_eq!(s.list_stations(&adm).await.unwrap().len(), 1);

            let input =
                NewDevice { serial: "DSJ-T-0001".into(), model: "DSJ-V8".into(), unit_id: o1.user.unit_id };
            let d = s.register_device(admin(&adm), agency, &input).await.unwrap();
            assert_eq!((d.status, d.holder), (DeviceStatus::InService, None));
            assert_eq!(last_kind(&s).await, "device.registered");
            let again = s.register_device(admin(&adm), agency, &input).await.unwrap_err();
            assert!(matches!(again, ServiceError::Conflict(_)), "{again}");
            let by_officer = s.register_device(admin(&o1), agency, &input).await.unwrap_err();
            assert!(matches!(by_officer, ServiceError::Forbidden(_)), "{by_officer}");
            assert!(matches!(s.list_devices(&o1).await, Err(ServiceError::Forbidden(_))));

            let b = s.issue_device(admin(&adm), agency, "DSJ-T-0001", o1.user.id).await.unwrap();
            assert_eq!((b.officer_id, b.returned_at), (o1.user.id, None));
            assert_eq!(last_kind(&s).await, "device.issued");
            let second = s.issue_device(admin(&adm), agency, "DSJ-T-0001", o2.user.id).await.unwrap_err();
            assert!(matches!(second, ServiceError::Conflict(_)), "one open 领用 at a time: {second}");
            let repair = DeviceChange { status: Some(DeviceStatus::UnderRepair), ..Default::default() };
            let held = s.change_device(admin(&adm), agency, "DSJ-T-0001", &repair).await.unwrap_err();
            assert!(matches!(held, ServiceError::Conflict(_)), "{held}");

            clock.advance(time::Duration::hours(8));
            let r = s.return_device(admin(&adm), agency, "DSJ-T-0001").await.unwrap();
            assert!(r.returned_at.is_some());
            assert_eq!(last_kind(&s).await, "device.returned");
            assert!(matches!(
                s.return_device(admin(&adm), agency, "DSJ-T-0001").await,
                Err(ServiceError::Conflict(_))
            ));
            let changed = s.change_device(admin(&adm), agency, "DSJ-T-0001", &repair).await.unwrap();
            assert_eq!(changed.status, DeviceStatus::UnderRepair);
            assert_eq!(last_kind(&s).await, "device.changed");
            let not_in_service =
                s.issue_device(admin(&adm), agency, "DSJ-T-0001", o2.user.id).await.unwrap_err();
            assert!(matches!(not_in_service, ServiceError::Conflict(_)), "{not_in_service}");
            let back = DeviceChange { status: Some(DeviceStatus::InService), ..Default::default() };
            s.change_device(admin(&adm), agency, "DSJ-T-0001", &back).await.unwrap();
            s.issue_device(admin(&adm), agency, "DSJ-T-0001", o2.user.id).await.unwrap();
            let h = s.device_history(&adm, "DSJ-T-0001").await.unwrap();
            assert_eq!(h.device.holder, Some(o2.user.id));
            assert_eq!(h.bindings.len(), 2);
            assert!(h.bindings[0].returned_at.is_some() && h.bindings[1].returned_at.is_none());
            assert!(matches!(s.device_history(&adm, "DSJ-NONE").await, Err(ServiceError::NotFound(_))));

            let station = as_user(&s, "station1").await;
            let st = NewStation {
                station_id: "LJSJ-YD-ST02".into(),
                name: "二号采集站".into(),
                unit_id: station.user.unit_id,
                user_id: Some(station.user.id),
            };
            s.register_station(admin(&adm), agency, &st).await.unwrap();
            assert_eq!(last_kind(&s).await, "station.registered");
            assert!(matches!(
                s.register_station(admin(&adm), agency, &st).await,
                Err(ServiceError::Conflict(_))
            ));
            let not_station = NewStation { user_id: Some(o1.user.id), station_id: "X-3".into(), ..st };
            assert!(matches!(
                s.register_station(admin(&adm), agency, &not_station).await,
                Err(ServiceError::Invalid(_))
            ));
        }
    }

    /// An upload the register disagrees with is kept and flagged: an
    /// unregistered device, one another officer held when it recorded, a
    /// unit that is not the device's, a clock beyond the threshold. The flags
    /// show as warnings on the act the clip records; a drift is also an
    /// alert on the supervision stream, and every measurement is kept.
    #[tokio::test]
    async fn uploads_the_register_disagrees_with_are_kept_and_flagged() {
        for (s, clock, _dir) in services().await {
            demo::seed(&s).await.unwrap();
            let adm = as_user(&s, "admin").await;
            let (o1, o2) = (as_user(&s, "officer1").await, as_user(&s, "officer2").await);
            let (station, leader, sup) = (
                as_user(&s, "station1").await,
                as_user(&s, "leader1").await,
                as_user(&s, "supervisor1").await,
            );
            let agency = adm.user.agency_id;
            let mut rx = s.supervision_subscribe(&sup).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            // Issued to officer2 since 2026-11-27 10:00 (北京时间).
            for serial in ["DSJ-T-0001", "DSJ-T-0002"] {
                let input =
                    NewDevice { serial: serial.into(), model: "DSJ-V8".into(), unit_id: o1.user.unit_id };
                s.register_device(admin(&adm), agency, &input).await.unwrap();
            }
            s.issue_device(admin(&adm), agency, "DSJ-T-0001", o2.user.id).await.unwrap();
            s.issue_device(admin(&adm), agency, "DSJ-T-0002", o1.user.id).await.unwrap();
            clock.advance(time::Duration::hours(2));

            // A case with an act by officer1 from 11:00 to 11:30.
            let mut input = new_case("销售过期食品");
            input.officers = vec![o1.user.id];
            let case = s.create_case(&o1, &input).await.unwrap();
            let act = NewAct {
                kind: ActKind::OnSiteInspection,
                starts_at: datetime!(2026-11-27 11:00 +08:00),
                ends_at: datetime!(2026-11-27 11:30 +08:00),
                place: Place { address: "临江市滨江路1号".into(), latitude: None, longitude: None },
                venue: Venue::OnSite,
                venue_name: None,
                officers: vec![o1.user.id],
                parties: vec![0],
                notes: None,
                elements: vec![],
            };
            let act = s.add_act(&o1, case.id, &act).await.unwrap();
            let at = "2026-11-27T11:05:00+08:00";
            let base = [("officer", "33010026001"), ("recorded_start", at), ("station_id", "LJSJ-YD-ST01")];
            let with = |more: &[(&'static str, &'static str)]| {
                let mut v: Vec<(&str, &str)> = base.to_vec();
                v.extend_from_slice(more);
                v
            };

            let agreed = upload(&s, &station, &with(&[("device_serial", "DSJ-T-0002")])).await;
            assert!(agreed.device_flags.is_empty(), "{:?}", agreed.device_flags);
            let unknown = upload(&s, &station, &with(&[("device_serial", "DSJ-NOT-0009")])).await;
            assert_eq!(kinds(&unknown), [DeviceFlagKind::Unregistered]);
            let others = upload(&s, &station, &with(&[("device_serial", "DSJ-T-0001")])).await;
            assert_eq!(kinds(&others), [DeviceFlagKind::OtherOfficer]);
            assert!(others.device_flags[0].detail.contains("33010026002"), "{:?}", others.device_flags);
            // Recorded before it was issued: held by nobody then.
            let early = upload(
                &s,
                &station,
                &[
                    ("officer", "33010026001"),
                    ("recorded_start", "2026-11-27T09:00:00+08:00"),
                    ("device_serial", "DSJ-T-0002"),
                ],
            )
            .await;
            assert_eq!(kinds(&early), [DeviceFlagKind::NotIssued]);
            let unit = upload(
                &s,
                &station,
                &with(&[
                    ("device_serial", "DSJ-T-0002"),
                    ("unit_code", "330199"),
                    ("unit_name", "执法稽查一队"),
                ]),
            )
            .await;
            assert_eq!(kinds(&unit), [DeviceFlagKind::UnitMismatch]);
            assert_eq!(
                (unit.unit_code.as_deref(), unit.unit_name.as_deref()),
                (Some("330199"), Some("执法稽查一队"))
            );
            let before = entry_count(&s).await;
            let drift = upload(
                &s,
                &station,
                &with(&[("device_serial", "DSJ-T-0002"), ("clock_offset_ms", "-45000")]),
            )
            .await;
            assert_eq!(kinds(&drift), [DeviceFlagKind::ClockDrift]);
            // The evidence read shows its flags.
            assert_eq!(s.get_evidence(&leader, drift.id).await.unwrap().device_flags, drift.device_flags);

            // The measurement that came with the file is in the device's history, and its entry is a drift.
            let h = s.clock_history(&adm, "DSJ-T-0002").await.unwrap();
            assert_eq!(
                (h[0].offset_ms, h[0].over_threshold, h[0].evidence_id),
                (-45_000, true, Some(drift.id))
            );
            let mut tx = s.store().read().await.unwrap();
            let entries = tx.read_entries(before, 100).await.unwrap();
            tx.finish().await.unwrap();
            let kinds_written: Vec<String> =
                entries.iter().map(|e| LedgerEntry::decode(&e.body).unwrap().kind).collect();
            assert!(kinds_written.contains(&"device.clock_drift".to_owned()), "{kinds_written:?}");
            // A station reports at docking too: one history.
            let m = s.report_clock(&station, "DSJ-T-0002", 1_200, Some("LJSJ-YD-ST01")).await.unwrap();
            assert!(!m.over_threshold);
            assert_eq!(last_kind(&s).await, "device.clock_measured");
            let h = s.clock_history(&adm, "DSJ-T-0002").await.unwrap();
            assert_eq!(h.len(), 2);
            assert_eq!(h[0].offset_ms, 1_200, "newest first");
            assert!(matches!(
                s.report_clock(&o1, "DSJ-T-0002", 0, None).await,
                Err(ServiceError::Forbidden(_))
            ));
            // An unregistered device's measurements are kept as well.
            s.report_clock(&station, "DSJ-NOT-0009", 31_000, None).await.unwrap();
            assert_eq!(s.clock_history(&adm, "DSJ-NOT-0009").await.unwrap().len(), 1);
            assert_eq!(last_kind(&s).await, "device.clock_drift");

            // The drift is an alert on the supervision stream.
            let seen = events_until(&mut rx, |e| e.rule.as_deref() == Some("clock_drift")).await;
            assert!(seen.last().unwrap().message_zh.as_deref().unwrap().contains("校时"));

            // In the case's compliance: a warning on the act per flag, naming the clip.
            let c = s.case_compliance(&leader, case.id).await.unwrap();
            let ac = c.acts.iter().find(|a| a.act_id == act.id).unwrap();
            let mut codes: Vec<&str> =
                ac.findings.iter().filter(|f| f.evidence_id.is_some()).map(|f| f.code.as_str()).collect();
            codes.sort_unstable();
            assert_eq!(
                codes,
                ["clock_drift", "device_other_officer", "device_unit_mismatch", "device_unregistered"],
                "{:?}",
                ac.findings
            );
            let f = ac.findings.iter().find(|f| f.code == "device_unregistered").unwrap();
            assert_eq!((f.severity.as_str(), f.evidence_id), ("warning", Some(unknown.id)));
            assert!(
                f.message_zh.contains("DSJ.wav") && f.message_zh.contains("设备未登记"),
                "{}",
                f.message_zh
            );
        }
    }
}

/// 保管期限 and 销毁: a package gets its class and 档号 from the rulebook; a destruction is refused
/// before the retention runs out, under a hold (placed before the request or before the last
/// approval), when approved by its requester or approved once; the second approval by another
/// person destroys: the originals go, the tombstone stays and the ledger still verifies.
#[tokio::test]
async fn destruction_waits_for_retention_holds_and_two_other_approvers() {
    use liuhen_domain::{LiftHold, NewDestruction, NewHold, RecordRef};
    for (s, clock, dirs) in services().await {
        demo::seed(&s).await.unwrap();
        let archivist = as_user(&s, "archivist1").await;
        let leader = as_user(&s, "leader1").await;
        let supervisor = as_user(&s, "supervisor1").await;
        let officer = as_user(&s, "officer1").await;
        let (cases, _) = s.list_cases(&leader, &CaseQuery::default()).await.unwrap();
        let food = cases.iter().find(|c| c.cause == "销售超过保质期的食品").unwrap().id;
        let a = s.assemble_archive(&archivist, food).await.unwrap();
        // The class is the longest rule's, in the 档号; kept from 1 January next year.
        let policy = liuhen_policy::Policy::national().unwrap();
        let class = policy.retention().class(&a.retention_class).unwrap();
        assert!(a.file_no.contains(&format!("-2026-{}-0001", a.retention_class)), "{}", a.file_no);
        let until = a.retain_until.clone().expect("an ordinary case file is not permanent");
        let expected = class.period.until(time::macros::date!(2027 - 01 - 01)).unwrap().to_string();
        assert_eq!(until, expected);
        let item = RecordRef::Case { id: food };
        let request = NewDestruction {
            items: vec![item],
            reason: "保管期限届满, 经鉴定无继续保存价值".into(),
        };

        let err = s.request_destruction(&archivist, &request).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Conflict(m) if m.contains("尚未届满")), "{err:?}");
        let err = s.request_destruction(&officer, &request).await.unwrap_err();
        assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");

        // Years later: due, but a hold stops it until lifted.
        let years = (until[..4].parse::<i64>().unwrap() - 2026 + 1) * 366;
        clock.advance(time::Duration::days(years));
        assert!(s.due_for_destruction(&archivist).await.unwrap().iter().any(|i| i.target == item));
        let hold =
            s.place_hold(&archivist, &NewHold { target: item, reason: "行政诉讼未决".into() }).await.unwrap();
        let err = s.request_destruction(&archivist, &request).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Conflict(m) if m.contains("保全冻结")), "{err:?}");
        s.lift_hold(&archivist, hold.id, &LiftHold { reason: "判决生效".into() }).await.unwrap();
        let err = s.lift_hold(&archivist, hold.id, &LiftHold { reason: "again".into() }).await.unwrap_err();
        assert!(matches!(err, ServiceError::Conflict(_)), "{err:?}");

        let d = s.request_destruction(&archivist, &request).await.unwrap();
        assert_eq!(d.approvals_missing, 2);
        assert_eq!(last_entries(&s, 1).await[0].kind, "destruction.requested");
        let err = s.request_destruction(&archivist, &request).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Conflict(m) if m.contains("另一份")), "{err:?}");
        // Not by the requester; not by an officer; once per approver.
        let id = d.destruction.id;
        let err = s.approve_destruction(&archivist, id).await.unwrap_err();
        assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
        let err = s.approve_destruction(&officer, id).await.unwrap_err();
        assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
        let one = s.approve_destruction(&leader, id).await.unwrap();
        assert_eq!(one.approvals_missing, 1);
        assert_eq!(one.destruction.state, liuhen_domain::DestructionState::Requested);
        let err = s.approve_destruction(&leader, id).await.unwrap_err();
        assert!(matches!(err, ServiceError::Conflict(_)), "{err:?}");
        // One approval destroys nothing: the package still downloads.
        assert!(s.archive_package(&archivist, a.id).await.is_ok());

        // A hold placed before the last approval stops it, and that approval is not kept.
        let hold =
            s.place_hold(&archivist, &NewHold { target: item, reason: "检察院调卷".into() }).await.unwrap();
        let before = entry_count(&s).await;
        let err = s.approve_destruction(&supervisor, id).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Conflict(m) if m.contains("保全冻结")), "{err:?}");
        assert_eq!(entry_count(&s).await, before);
        assert_eq!(s.destruction(&supervisor, id).await.unwrap().approvals_missing, 1);
        s.lift_hold(&archivist, hold.id, &LiftHold { reason: "调卷结束".into() }).await.unwrap();

        let mut tx = s.store().read().await.unwrap();
        let files = tx.archive_files(a.id).await.unwrap();
        tx.finish().await.unwrap();
        let originals: Vec<String> = files.iter().filter_map(|f| f.original.clone()).collect();
        assert!(!originals.is_empty());
        let local = liuhen_store::blobs::LocalBlobs::open(dirs.blobs.path()).unwrap();
        assert!(originals.iter().all(|o| local.open_object(o).is_ok()));

        let done = s.approve_destruction(&supervisor, id).await.unwrap();
        assert_eq!(done.destruction.state, liuhen_domain::DestructionState::Done, "{done:?}");
        assert!(done.register[0].destroyed);
        // Content gone; digests and the tombstone stay.
        assert!(originals.iter().all(|o| local.open_object(o).is_err()), "the originals are removed");
        let tomb = last_entries(&s, 1).await.remove(0);
        assert_eq!(tomb.kind, "record.destroyed");
        assert!(tomb.subjects.contains(&food.subject()));
        assert!(tomb.subjects.contains(&format!("file:sha256:{}", a.manifest_sha256)), "{:?}", tomb.subjects);
        let view = s.archive(&archivist, a.id).await.unwrap();
        assert!(view.destroyed_at.is_some());
        let err = s.archive_package(&archivist, a.id).await.err().unwrap();
        assert!(matches!(err, ServiceError::Gone(_)), "{err:?}");
        assert!(!s.archive_ids().await.unwrap().contains(&a.id), "no scheduled check of what is gone");
        let err = s.request_destruction(&archivist, &request).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Conflict(m) if m.contains("已销毁")), "{err:?}");
        // Nothing left to finish, and the ledger verifies.
        assert_eq!(s.finish_destructions().await.unwrap(), 0);
        s.integrate_all().await.unwrap();
        let keys = s.ledger_signer().verifier_keys();
        let report = s.verify_ledger("test.liuhen/ledger", &keys).await.unwrap();
        assert!(report.ok(), "{report:?}");
        let pdf = s.destruction_register_pdf(&leader, id).await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}

/// 执法公示 over time, on the demo: the advertising case's decision, proposed but never confirmed,
/// is past its 7 working days — on the leader's 工作台 and, once swept, a finding and an alert on the
/// supervision stream (once); confirmed by the reviewer and published by the leader, its public text
/// masks the legal representative, the phone and the labelled 商业秘密, and the publication entry
/// names the text's digest; withdrawn late, a second finding; the public page keeps the redacted
/// reason; after five years it is offline. A 事前公开 item's change waits for publication, and
/// past 5 working days it is a finding too.
#[tokio::test]
async fn disclosures_are_published_on_time_or_found_late_withdrawn_and_taken_offline() {
    use liuhen_domain::{DisclosureState, NewWithdrawal, PriorItemDraft, PriorKind, WithdrawalGround};
    for (s, clock, _dirs) in services().await {
        demo::seed(&s).await.unwrap();
        let leader = as_user(&s, "leader1").await;
        let reviewer = as_user(&s, "reviewer1").await;
        let officer = as_user(&s, "officer1").await;
        let sup = as_user(&s, "supervisor1").await;
        let wb = s.workbench(&leader).await.unwrap();
        let late = wb
            .disclosures
            .iter()
            .find(|d| d.cause.contains("虚假宣传"))
            .expect("the advertising case's 公示 waits on the leader's 工作台");
        assert_eq!((late.deadline.as_str(), late.disclosure.state), ("overdue", DisclosureState::Redacted));
        let id = late.disclosure.id;
        assert_eq!(late.disclosure.overdue_entry, None, "not swept yet");

        let found = s.sweep_disclosures().await.unwrap();
        assert!(found >= 1, "{found}");
        assert_eq!(s.sweep_disclosures().await.unwrap(), 0, "each finding once");
        let swept = s.disclosure(&leader, id).await.unwrap();
        assert!(swept.disclosure.overdue_entry.is_some());
        // The stream follows the ledger every 100 ms.
        let feed_until = |want: &'static str, subject: String| {
            let (s, sup) = (s.clone(), sup.clone());
            async move {
                for _ in 0..100 {
                    let feed = s.recent_supervision(&sup, 4000).await.unwrap();
                    let n = feed
                        .iter()
                        .filter(|e| e.rule.as_deref() == Some(want) && e.subjects.contains(&subject))
                        .count();
                    if n > 0 {
                        return n;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                0
            }
        };
        assert_eq!(feed_until("disclosure_overdue", id.subject()).await, 1, "one alert for the late 公示");

        // The one who proposed does not confirm; the reviewer does; officers do not publish.
        assert!(matches!(s.confirm_disclosure(&officer, id).await, Err(ServiceError::Forbidden(_))));
        s.confirm_disclosure(&reviewer, id).await.unwrap();
        assert!(matches!(s.publish_disclosure(&officer, id).await, Err(ServiceError::Forbidden(_))));
        let published = s.publish_disclosure(&leader, id).await.unwrap().disclosure;
        assert_eq!(published.state, DisclosureState::Published);
        let public = s.public_disclosure(id).await.unwrap();
        let text = public.text.clone().unwrap();
        for gone in ["孙建华", "13905710012", "印刷单价0.85元/份", "人民路217号"] {
            assert!(!text.contains(gone), "{gone} in the published text:\n{text}");
        }
        assert!(text.contains("孙某") && text.contains("罚款人民币120000元"), "{text}");
        // The publication entry names the digest of exactly this text.
        let entry = published.published_entry.unwrap();
        let mut tx = s.store().read().await.unwrap();
        let body = String::from_utf8(tx.read_entries(entry, 1).await.unwrap()[0].body.clone()).unwrap();
        tx.finish().await.unwrap();
        let digest = liuhen_archive::Digests::of(text.as_bytes());
        assert!(
            body.contains("disclosure.published") && body.contains(&hex::encode(digest.sha256)),
            "{body}"
        );
        assert!(!body.contains("孙"), "no personal data in the ledger: {body}");

        // Withdrawn ten days after the decision was revoked: later than 3 working days, a finding.
        let today = liuhen_domain::when::in_beijing(s.now()).date();
        let withdrawal = NewWithdrawal {
            ground: WithdrawalGround::Revoked,
            reason: "经行政复议，孙建华提出的复议请求成立，原决定被撤销。".into(),
            decided_on: today - time::Duration::days(10),
        };
        let bad = NewWithdrawal { decided_on: today + time::Duration::days(1), ..withdrawal.clone() };
        assert!(matches!(s.withdraw_disclosure(&leader, id, &bad).await, Err(ServiceError::Invalid(_))));
        let w = s.withdraw_disclosure(&leader, id, &withdrawal).await.unwrap().disclosure;
        assert!(
            w.overdue_entry.is_some() && w.overdue_entry != swept.disclosure.overdue_entry,
            "a late withdrawal is a finding"
        );
        let public = s.public_disclosure(id).await.unwrap();
        assert_eq!(public.text, None, "the text goes");
        let reason = public.withdrawal.unwrap().reason;
        assert!(reason.contains("孙某") && !reason.contains("孙建华"), "{reason}");
        assert!(s.public_disclosures(&Default::default()).await.unwrap().items.iter().any(|d| d.id == id));

        // A 行政复议 revoked the food case's decision ten days ago: its publication, still online, is
        // late to withdraw — red on the leader's 工作台, a finding and an alert once swept; and the
        // 统计年报 counts the reconsideration and its outcome.
        let food = s
            .disclosures(&leader, None)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.cause.contains("保质期"))
            .unwrap()
            .disclosure;
        let filed = liuhen_domain::NewRemedy {
            kind: liuhen_domain::RemedyKind::Reconsideration,
            filed_on: today - time::Duration::days(30),
            outcome: liuhen_domain::RemedyOutcome::Pending,
            decided_on: None,
            note: Some("临江市人民政府 临政复〔2026〕8号".into()),
        };
        assert!(matches!(
            s.put_remedy(&officer, food.case_id, None, &filed).await,
            Err(ServiceError::Forbidden(_))
        ));
        let r = s.put_remedy(&leader, food.case_id, None, &filed).await.unwrap();
        assert_eq!(r.withdraw_by, None);
        let revoked = liuhen_domain::NewRemedy {
            outcome: liuhen_domain::RemedyOutcome::Revoked,
            decided_on: Some(today - time::Duration::days(10)),
            ..filed
        };
        let r = s.put_remedy(&leader, food.case_id, Some(r.id), &revoked).await.unwrap();
        assert!(r.withdraw_by.unwrap() < today, "{r:?}");
        let wb = s.workbench(&leader).await.unwrap();
        let shown = wb.disclosures.iter().find(|d| d.disclosure.id == food.id).expect("on the 工作台");
        assert_eq!(shown.deadline, "withdraw_overdue");
        assert!(s.sweep_disclosures().await.unwrap() >= 1);
        assert_eq!(
            feed_until("disclosure_overdue", food.id.subject()).await,
            1,
            "the late withdrawal alerts"
        );
        let stats = s.annual_stats(leader.user.agency_id, 2026).await.unwrap();
        let count = |item: &str| stats.rows.iter().find(|r| r.item == item).map(|r| r.count);
        assert_eq!(
            (count("行政复议：收到"), count("行政复议：撤销"), count("行政诉讼：收到")),
            (Some(1), Some(1), Some(0))
        );
        assert!(liuhen_service::disclosure::stats_csv(&stats).contains("复议诉讼,行政复议：撤销,1,"));

        // Offline after five years (an organisation's decision).
        clock.advance(time::Duration::days(5 * 366 + 2));
        assert!(matches!(s.public_disclosure(id).await, Err(ServiceError::Gone(_))));
        let q = liuhen_store::PublicQuery { limit: 200, ..Default::default() };
        assert!(s.public_disclosures(&q).await.unwrap().items.iter().all(|d| d.id != id));

        // 事前公开: a change waits for publication; the public sees the published version only.
        let leader = as_user(&s, "leader1").await;
        let draft = PriorItemDraft {
            kind: PriorKind::Guide,
            title: "投诉举报指南".into(),
            body: "拨打12315。".into(),
        };
        let item = s.put_prior_item(&leader, None, &draft).await.unwrap();
        let agency = leader.user.agency_id;
        assert!(
            s.public_prior(agency).await.unwrap().items.iter().all(|i| i.id != item.id),
            "not yet published"
        );
        s.publish_prior_item(&leader, item.id).await.unwrap();
        let changed = PriorItemDraft { body: "拨打12315，或登录政务服务网。".into(), ..draft };
        let v2 = s.put_prior_item(&leader, Some(item.id), &changed).await.unwrap();
        assert_eq!((v2.version, v2.published_version), (2, Some(1)));
        let shown = s.public_prior(agency).await.unwrap();
        assert_eq!(shown.items.iter().find(|i| i.id == item.id).unwrap().body, "拨打12315。");
        assert!(shown.officers.iter().any(|o| o.cert_no == "33010026001"), "{:?}", shown.officers);
        clock.advance(time::Duration::days(10));
        assert!(s.sweep_disclosures().await.unwrap() >= 1);
        assert_eq!(
            feed_until("disclosure_overdue", item.id.subject()).await,
            1,
            "the late 事前公开 alerts on the stream"
        );
        s.integrate().await.unwrap();
        let verified =
            s.verify_ledger("test.liuhen/ledger", &s.ledger_signer().verifier_keys()).await.unwrap();
        assert!(verified.ok(), "{verified:?}");
    }
}

/// 销毁 of an AV record not filed with a case: kept six months from the day of
/// upload, due the day after the last, and destroyed once requested and approved
/// by two others; its content goes, its digests stay, and the ledger verifies.
#[tokio::test]
async fn a_loose_clip_is_due_after_its_retention_and_destroyed_on_two_approvals() {
    use liuhen_domain::{NewDestruction, RecordRef};
    for (s, clock, dirs) in services().await {
        demo::seed(&s).await.unwrap();
        let archivist = as_user(&s, "archivist1").await;
        let leader = as_user(&s, "leader1").await;
        let supervisor = as_user(&s, "supervisor1").await;
        let officer = as_user(&s, "officer1").await;
        // A clip uploaded on 2026-11-27 (Beijing) and filed with no case.
        let mut bytes = b"RIFF\x2c\x04\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\xe8\x03\0\0\xe8\x03\0\0\x01\0\x08\0data\xe8\x03\0\0".to_vec();
        bytes.extend((0..1000u32).map(|i| (i * 7 % 251) as u8));
        let meta = std::collections::HashMap::from([
            ("filename".to_owned(), "巡查-2026-11-27.wav".to_owned()),
            ("filetype".to_owned(), "audio/wav".to_owned()),
        ]);
        let up = s.create_upload(&officer, bytes.len() as u64, meta).await.unwrap();
        let mut body = futures_util::stream::iter([Ok(bytes::Bytes::from(bytes))]);
        let clip = match s.upload_chunk(&officer, &up.id, 0, &mut body, None).await.unwrap() {
            liuhen_service::evidence::ChunkOutcome::Complete { evidence, .. } => *evidence,
            other => panic!("not complete: {other:?}"),
        };
        assert_eq!(clip.case_id, None);
        let item = RecordRef::Evidence { id: clip.id };
        let due = |s: &Service| {
            let (s, archivist) = (s.clone(), archivist.clone());
            async move { s.due_for_destruction(&archivist).await.unwrap().into_iter().find(|i| i.target == item) }
        };
        let request =
            NewDestruction { items: vec![item], reason: "保管期限届满, 未作为证据使用".into() };

        // Younger than its six months: not due, and not to be requested.
        assert!(due(&s).await.is_none());
        let err = s.request_destruction(&archivist, &request).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Conflict(m) if m.contains("尚未届满")), "{err:?}");
        // Its last day, 2027-05-26: still not due.
        clock.advance(time::Duration::days(180)); // 2027-05-26, 10:00 in Beijing
        assert!(due(&s).await.is_none());
        // The day after: due, with its class and last day.
        clock.advance(time::Duration::days(1));
        let line = due(&s).await.expect("due the day after its last day");
        assert_eq!((line.class.as_str(), line.retain_until.as_deref()), ("M6", Some("2027-05-26")));
        assert!(line.refusals.is_empty(), "{:?}", line.refusals);

        let d = s.request_destruction(&archivist, &request).await.unwrap();
        assert_eq!(d.approvals_missing, 2);
        let local = liuhen_store::blobs::LocalBlobs::open(dirs.blobs.path()).unwrap();
        assert!(local.open_object(&clip.sha256).is_ok());
        let one = s.approve_destruction(&leader, d.destruction.id).await.unwrap();
        assert_eq!(one.approvals_missing, 1);
        assert!(s.open_evidence(&officer, clip.id).await.is_ok(), "one approval destroys nothing");
        let done = s.approve_destruction(&supervisor, d.destruction.id).await.unwrap();
        assert_eq!(done.destruction.state, liuhen_domain::DestructionState::Done, "{done:?}");
        assert!(done.register[0].destroyed);

        // Its content is gone (410 on download); its record and digests stay, with the tombstone.
        assert!(local.open_object(&clip.sha256).is_err(), "the original is removed");
        let err = s.open_evidence(&officer, clip.id).await.err().unwrap();
        assert!(matches!(err, ServiceError::Gone(_)), "{err:?}");
        let tomb = last_entries(&s, 1).await.remove(0);
        assert_eq!(tomb.kind, "record.destroyed");
        assert!(tomb.subjects.contains(&clip.id.subject()), "{:?}", tomb.subjects);
        assert!(due(&s).await.is_none(), "nothing left to destroy");
        s.integrate_all().await.unwrap();
        let keys = s.ledger_signer().verifier_keys();
        let report = s.verify_ledger("test.liuhen/ledger", &keys).await.unwrap();
        assert!(report.ok(), "{report:?}");
    }
}
