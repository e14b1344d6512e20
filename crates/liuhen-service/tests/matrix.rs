//! The authorisation matrix: every role × own unit / other unit × every
//! label (国家秘密 is refused at intake), for reading a case, finding it in a
//! list or a search, reading its compliance, and recording an act on it.
//! Each expected answer is written down below and checked; a refusal looks
//! exactly like a case that does not exist.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;

use liuhen_domain::{ActKind, CaseKind, Confidentiality, NewAct, NewCase, Party, PersonIdKind, Place, Venue};
use liuhen_service::{
    CaseQuery, ManualClock, Principal, Service, ServiceConfig, ServiceError, demo, ledger::LedgerSigner,
};
use liuhen_store::Store;
use time::macros::datetime;

/// `R` the case is read (and listed, searched, its compliance shown);
/// `-` not found (and absent from lists and searches).
/// Columns: team 1 then team 2, each 公开 内部 个人隐私 商业秘密.
const READ: &[(&str, &str)] = &[
    ("officer1", "RRRR ----"),
    ("officer3", "---- RRRR"),
    ("leader1", "RRRR RRRR"),
    ("supervisor1", "RR-- RR--"),
    ("reviewer1", "---- ----"), // cases in 审核决定 and later only; these are in 启动
    ("archivist1", "---- ----"), // archived cases only
    ("station1", "---- ----"),
    ("admin", "---- ----"),
];

/// Recording an act: `A` allowed, `F` forbidden (the case is visible), `-` not found.
const ACT: &[(&str, &str)] = &[
    ("officer1", "AAAA ----"),
    ("officer3", "---- AAAA"),
    ("leader1", "AAAA AAAA"),
    ("supervisor1", "FF-- FF--"),
    ("reviewer1", "---- ----"),
    ("archivist1", "---- ----"),
    ("station1", "---- ----"),
    ("admin", "---- ----"),
];

const LABELS: [Confidentiality; 4] = [
    Confidentiality::Public,
    Confidentiality::Internal,
    Confidentiality::PersonalPrivacy,
    Confidentiality::TradeSecret,
];

async fn as_user(s: &Service, login: &str) -> Principal {
    let out = s.login(login, &demo::demo_password(login)).await.unwrap();
    s.authenticate(&out.token).await.unwrap()
}

/// A service over a fresh SQLite store and evidence folder, with the demo
/// agency seeded (its users are the matrix's rows); the folders live as long
/// as the returned guards.
async fn seeded() -> (Service, (tempfile::TempDir, tempfile::TempDir)) {
    let (s, _clock, dirs) = seeded_with_clock().await;
    (s, dirs)
}

/// [`seeded`], with the clock it runs on.
async fn seeded_with_clock() -> (Service, Arc<ManualClock>, (tempfile::TempDir, tempfile::TempDir)) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).await.unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-25 02:00 UTC)));
    let origin = "test.liuhen/ledger";
    let key = liuhen_tlog::SignerKey::ed25519_from_seed(origin, &[7; 32]).unwrap();
    // The demo uploads its recordings.
    let blobs = tempfile::tempdir().unwrap();
    let area =
        liuhen_store::uploads::UploadArea::new(liuhen_store::blobs::LocalBlobs::open(blobs.path()).unwrap());
    let s = Service::new(
        store,
        clock.clone(),
        ServiceConfig::default(),
        LedgerSigner::new(origin, vec![key]).unwrap(),
    )
    .with_evidence(area, liuhen_service::evidence::UploadLimits::default());
    demo::seed(&s).await.unwrap();
    (s, clock, (dir, blobs))
}

fn expected(table: &[(&str, &str)], login: &str, i: usize) -> char {
    let row = table.iter().find(|(l, _)| *l == login).unwrap().1.replace(' ', "");
    row.chars().nth(i).unwrap()
}

#[tokio::test]
async fn every_role_unit_and_label() {
    let (s, _dirs) = seeded().await;
    let o1 = as_user(&s, "officer1").await;
    let o3 = as_user(&s, "officer3").await;

    // Eight cases: team 1 (officer1) and team 2 (officer3), each label once.
    let mut cases = Vec::new();
    for opener in [&o1, &o3] {
        for (j, label) in LABELS.iter().enumerate() {
            let input = NewCase {
                cause: format!("矩阵案件{}-{j}", opener.user.login),
                kind: CaseKind::Penalty,
                procedure: None,
                unit_id: None,
                label: Some(*label),
                summary: None,
                parties: vec![Party::NaturalPerson {
                    name: "矩阵当事人".into(),
                    id_kind: PersonIdKind::ResidentIdCard,
                    id_number: "11010519491231002X".into(),
                    phone: None,
                    address: None,
                }],
                officers: vec![],
            };
            cases.push(s.create_case(opener, &input).await.unwrap());
        }
    }
    // 国家秘密 never comes in.
    let secret = NewCase {
        cause: "x".into(),
        kind: CaseKind::Penalty,
        procedure: None,
        unit_id: None,
        label: Some(Confidentiality::StateSecret),
        summary: None,
        parties: vec![],
        officers: vec![],
    };
    assert!(s.create_case(&o1, &secret).await.is_err(), "国家秘密 is refused at intake");

    let mut failures = Vec::new();
    for (login, _) in READ {
        let me = as_user(&s, login).await;
        let (listed, _) =
            s.list_cases(&me, &CaseQuery { limit: Some(200), ..Default::default() }).await.unwrap();
        for (i, case) in cases.iter().enumerate() {
            let where_ = format!(
                "{login} × {} case {}",
                if i < 4 { "team 1" } else { "team 2" },
                LABELS[i % 4].code()
            );
            let read = match s.get_case(&me, case.id).await {
                Ok(_) => 'R',
                Err(ServiceError::NotFound(_)) => '-',
                Err(e) => panic!("{where_}: read gave {e:?}"),
            };
            let in_list = listed.iter().any(|c| c.id == case.id);
            let search = CaseQuery { q: Some(case.cause.clone()), ..Default::default() };
            let (found, count) = s.list_cases(&me, &search).await.unwrap();
            let compliance = s.case_compliance(&me, case.id).await.is_ok();
            let want = expected(READ, login, i);
            if read != want
                || in_list != (want == 'R')
                || (count == 1) != (want == 'R')
                || found.len() as u64 != count
                || compliance != (want == 'R')
            {
                failures.push(format!(
                    "{where_}: read {read} listed {in_list} searched {count} compliance {compliance}, expected {want}"
                ));
            }
            let act = NewAct {
                kind: ActKind::OnSiteInspection,
                starts_at: datetime!(2026-11-25 10:00 +08:00),
                ends_at: datetime!(2026-11-25 10:30 +08:00),
                place: Place { address: "某地".into(), latitude: None, longitude: None },
                venue: Venue::OnSite,
                venue_name: None,
                officers: vec![],
                parties: vec![0],
                notes: None,
                elements: vec![],
            };
            let acted = match s.add_act(&me, case.id, &act).await {
                Ok(_) => 'A',
                Err(ServiceError::Forbidden(_)) => 'F',
                Err(ServiceError::NotFound(_)) => '-',
                // Allowed to act, refused on content (e.g. the officers listed): still 'A'.
                Err(ServiceError::Invalid(_)) => 'A',
                Err(e) => panic!("{where_}: add_act gave {e:?}"),
            };
            let want = expected(ACT, login, i);
            if acted != want {
                failures.push(format!("{where_}: add_act {acted}, expected {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

/// Documents and evidence by their own label: `R` read (and, for documents,
/// listed with the case), `-` not found (and left out of the list).
/// Columns: a 内部 case of team 1, then one of team 2; on each, records
/// labelled 公开 内部 个人隐私 商业秘密. officer2 (team 1) has had their
/// clearance lowered to 内部 by an administrator.
const DOC_READ: &[(&str, &str)] = &[
    ("officer1", "RRRR ----"),
    ("officer2", "RR-- ----"),
    ("officer3", "---- RRRR"),
    ("leader1", "RRRR RRRR"),
    ("supervisor1", "RR-- RR--"),
    ("reviewer1", "---- ----"),
    ("archivist1", "---- ----"),
    ("station1", "---- ----"),
    ("admin", "---- ----"),
];

/// Evidence on team 1's 内部 case (uploaded by the leader), labelled 公开
/// 内部 个人隐私 商业秘密: `R` read, `-` not found.
const EVIDENCE_READ: &[(&str, &str)] = &[
    ("officer1", "RRRR"),
    ("officer2", "RR--"),
    ("officer3", "----"),
    ("leader1", "RRRR"),
    ("supervisor1", "RR--"),
    ("reviewer1", "----"),
    ("archivist1", "----"),
    ("station1", "----"),
    ("admin", "----"),
];

fn internal_case(cause: &str) -> NewCase {
    NewCase {
        cause: cause.into(),
        kind: CaseKind::Penalty,
        procedure: None,
        unit_id: None,
        label: Some(Confidentiality::Internal),
        summary: None,
        parties: vec![Party::NaturalPerson {
            name: "矩阵当事人".into(),
            id_kind: PersonIdKind::ResidentIdCard,
            id_number: "11010519491231002X".into(),
            phone: None,
            address: None,
        }],
        officers: vec![],
    }
}

#[tokio::test]
async fn documents_and_evidence_by_label_and_clearance() {
    use liuhen_service::admin::AdminActor;
    use liuhen_service::documents::NewDocument;
    use liuhen_service::evidence::ChunkOutcome;

    let (s, _dirs) = seeded().await;
    let (o1, o3, leader) =
        (as_user(&s, "officer1").await, as_user(&s, "officer3").await, as_user(&s, "leader1").await);
    // An administrator lowers officer2's clearance; 国家秘密 is no clearance.
    let o2 = s.user_by_login("officer2").await.unwrap();
    let admin = as_user(&s, "admin").await;
    let lower =
        liuhen_domain::UserChange { clearance: Some(Confidentiality::Internal), ..Default::default() };
    s.change_user(AdminActor::User(Box::new(admin.clone())), o2.id, &lower).await.unwrap();
    let secret =
        liuhen_domain::UserChange { clearance: Some(Confidentiality::StateSecret), ..Default::default() };
    assert!(matches!(
        s.change_user(AdminActor::User(Box::new(admin)), o2.id, &secret).await,
        Err(ServiceError::Invalid(v)) if v.field == "clearance"
    ));

    let team1 = s.create_case(&o1, &internal_case("矩阵文书一队")).await.unwrap();
    let team2 = s.create_case(&o3, &internal_case("矩阵文书二队")).await.unwrap();
    let draft = |label: Option<Confidentiality>| NewDocument {
        format: "penalty_decision".into(),
        fields: None,
        corrects: None,
        label,
    };
    let mut docs = Vec::new();
    for case in [&team1, &team2] {
        for label in LABELS {
            let d = s.draft_document(&leader, case.id, &draft(Some(label))).await.unwrap();
            assert_eq!(d.label, label);
            docs.push((case.id, d.id));
        }
    }
    // By default a document takes its case's label; 国家秘密 is refused at intake.
    assert_eq!(
        s.draft_document(&leader, team1.id, &draft(None)).await.unwrap().label,
        Confidentiality::Internal
    );
    assert!(matches!(
        s.draft_document(&leader, team1.id, &draft(Some(Confidentiality::StateSecret))).await,
        Err(ServiceError::Invalid(v)) if v.field == "label"
    ));
    let defaulted: Vec<_> =
        s.list_documents(&leader, team1.id).await.unwrap().into_iter().map(|d| d.id).collect();

    // Evidence on team 1's case, one per label, uploaded by the leader.
    let mut evidence = Vec::new();
    for (i, label) in LABELS.iter().enumerate() {
        let bytes = format!("矩阵证据{i}").into_bytes();
        let meta = std::collections::HashMap::from([
            ("filename".to_owned(), format!("matrix-{i}.txt")),
            ("filetype".to_owned(), "text/plain".to_owned()),
            ("case_id".to_owned(), team1.id.to_string()),
            ("label".to_owned(), label.code().to_owned()),
        ]);
        let up = s.create_upload(&leader, bytes.len() as u64, meta).await.unwrap();
        let mut body = futures_util::stream::iter([Ok(bytes::Bytes::from(bytes))]);
        match s.upload_chunk(&leader, &up.id, 0, &mut body, None).await.unwrap() {
            ChunkOutcome::Complete { evidence: e, .. } => evidence.push(e.id),
            other => panic!("not complete: {other:?}"),
        }
    }

    let mut failures = Vec::new();
    let mut refused_expected = Vec::new();
    for (login, _) in DOC_READ {
        let me = as_user(&s, login).await;
        let mut lists = Vec::new();
        for case in [team1.id, team2.id] {
            lists.push(match s.list_documents(&me, case).await {
                Ok(v) => v.into_iter().map(|d| d.id).collect::<Vec<_>>(),
                Err(ServiceError::NotFound(_)) => Vec::new(),
                Err(e) => panic!("{login}: list_documents gave {e:?}"),
            });
        }
        let case_readable =
            [s.get_case(&me, team1.id).await.is_ok(), s.get_case(&me, team2.id).await.is_ok()];
        for (i, (case, doc)) in docs.iter().enumerate() {
            let where_ = format!("{login} × team {} document {}", i / 4 + 1, LABELS[i % 4].code());
            let read = match s.get_document(&me, *doc).await {
                Ok(_) => 'R',
                Err(ServiceError::NotFound(_)) => '-',
                Err(e) => panic!("{where_}: read gave {e:?}"),
            };
            let listed = lists[i / 4].contains(doc);
            let want = expected(DOC_READ, login, i);
            if read != want || listed != (want == 'R') {
                failures.push(format!("{where_}: read {read} listed {listed}, expected {want}"));
            }
            if want == '-' && case_readable[i / 4] {
                refused_expected.push((me.user.id.subject(), format!("document:{doc}"), case.subject()));
            }
        }
        for (i, e) in evidence.iter().enumerate() {
            let where_ = format!("{login} × evidence {}", LABELS[i].code());
            let read = match s.get_evidence(&me, *e).await {
                Ok(_) => 'R',
                Err(ServiceError::NotFound(_)) => '-',
                Err(err) => panic!("{where_}: read gave {err:?}"),
            };
            let played = s.open_evidence(&me, *e).await.is_ok();
            let want = expected(EVIDENCE_READ, login, i);
            if read != want || played != (want == 'R') {
                failures.push(format!("{where_}: read {read} played {played}, expected {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
    assert!(defaulted.len() == 5, "the leader lists team 1's five documents");

    // Every document refused within a readable case is an access.refused entry naming it and its case.
    let mut tx = s.store().read().await.unwrap();
    let n = tx.entry_count().await.unwrap();
    let all = tx.read_entries(0, n as u32).await.unwrap();
    tx.finish().await.unwrap();
    let refusals: Vec<liuhen_domain::LedgerEntry> = all
        .iter()
        .map(|e| liuhen_domain::LedgerEntry::decode(&e.body).unwrap())
        .filter(|e| e.kind == "access.refused")
        .collect();
    for (actor, doc, case) in &refused_expected {
        assert!(
            refusals
                .iter()
                .any(|r| r.actor == *actor && r.subjects.contains(doc) && r.subjects.contains(case)),
            "no refusal recorded for {actor} reading {doc}"
        );
    }
    assert!(
        refused_expected.len() >= 6,
        "officer2 and the supervisor are refused: {}",
        refused_expected.len()
    );

    // With an approved 调阅, officer2 reads team 1's restricted documents and evidence; the reads name the grant.
    let o2 = as_user(&s, "officer2").await;
    let ask = liuhen_domain::NewAccessRequest {
        case_id: team1.id,
        purpose: "核对文书".into(),
        days: 1,
        external: None,
    };
    let r = s.request_access(&o2, &ask).await.unwrap();
    s.approve_access(&leader, r.id).await.unwrap();
    s.approve_access(&as_user(&s, "supervisor1").await, r.id).await.unwrap();
    let (_, secret_doc) = docs[3];
    s.get_document(&o2, secret_doc).await.unwrap();
    let mut tx = s.store().read().await.unwrap();
    let n = tx.entry_count().await.unwrap();
    let last = liuhen_domain::LedgerEntry::decode(&tx.read_entries(n - 1, 1).await.unwrap()[0].body).unwrap();
    tx.finish().await.unwrap();
    assert_eq!(last.kind, "document.read");
    assert!(last.subjects.contains(&r.id.subject()), "the read names the grant: {:?}", last.subjects);
    assert_eq!(s.list_documents(&o2, team1.id).await.unwrap().len(), 5);
    s.get_evidence(&o2, evidence[3]).await.unwrap();
}

/// 延长办案期限 and 解除查封扣押 on a 查封扣押 case of team 1 and one of team 2:
/// `A` allowed, `F` forbidden, `-` not found. Only a 负责人 over the case
/// decides either (行政强制法 第25条, 第28条).
const LIMIT_DECIDE: &[(&str, &str)] = &[
    ("officer1", "FF"),
    ("officer3", "FF"),
    ("leader1", "AA"),
    ("supervisor1", "FF"),
    ("reviewer1", "FF"),
    ("archivist1", "FF"),
    ("station1", "FF"),
    ("admin", "FF"),
];

#[tokio::test]
async fn only_a_leader_extends_a_seizure_or_releases_it() {
    let (s, _dirs) = seeded().await;
    let mut cases = Vec::new();
    for login in ["officer1", "officer3"] {
        let me = as_user(&s, login).await;
        let input = NewCase {
            cause: format!("矩阵查封扣押{login}"),
            kind: CaseKind::Coercion,
            procedure: None,
            unit_id: None,
            label: Some(Confidentiality::Internal),
            summary: None,
            parties: vec![],
            officers: vec![],
        };
        let case = s.create_case(&me, &input).await.unwrap();
        let seizure = NewAct {
            kind: ActKind::Seizure,
            starts_at: datetime!(2026-11-25 10:00 +08:00),
            ends_at: datetime!(2026-11-25 10:30 +08:00),
            place: Place { address: "某仓库".into(), latitude: None, longitude: None },
            venue: Venue::OnSite,
            venue_name: None,
            officers: vec![me.user.id],
            parties: vec![],
            notes: None,
            elements: vec![],
        };
        s.add_act(&me, case.id, &seizure).await.unwrap();
        cases.push(case);
    }
    let mut failures = Vec::new();
    let answer = |r: Result<(), ServiceError>| match r {
        Ok(()) => 'A',
        Err(ServiceError::Forbidden(_)) => 'F',
        Err(ServiceError::NotFound(_)) => '-',
        Err(e) => panic!("unexpected {e:?}"),
    };
    // Refusals first: an allowed decision would end what the others are tried on.
    let mut logins: Vec<&str> = LIMIT_DECIDE.iter().map(|(l, _)| *l).collect();
    logins.sort_by_key(|l| *l == "leader1");
    for login in logins {
        let me = as_user(&s, login).await;
        for (i, case) in cases.iter().enumerate() {
            let ext = liuhen_domain::NewLimitExtension { days: 30, reason: "情况复杂".into() };
            let extended = answer(s.extend_limit(&me, case.id, &ext).await.map(|_| ()));
            let rel = liuhen_domain::NewSeizureRelease { reason: "decided".into(), text: "已处理".into() };
            let released = answer(s.release_seizure(&me, case.id, &rel).await.map(|_| ()));
            let want = expected(LIMIT_DECIDE, login, i);
            if extended != want || released != want {
                failures.push(format!(
                    "{login} × team {}: extend {extended} release {released}, expected {want}",
                    i + 1
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

/// 归档 packages of an archived case: `A` allowed, `F` forbidden, `-` not
/// found; for assembling, reading the package's record, downloading it and
/// checking it again (四性检测).
/// Archivists only (of the case's agency).
const ARCHIVE: &[(&str, &str)] = &[
    ("officer1", "FFFF"),
    ("officer3", "FFFF"),
    ("leader1", "FFFF"),
    ("supervisor1", "FFFF"),
    ("reviewer1", "FFFF"),
    ("archivist1", "AAAA"),
    ("station1", "FFFF"),
    ("admin", "FFFF"),
];

#[tokio::test]
async fn only_archivists_package_cases() {
    let (s, _dirs) = seeded().await;
    let archivist = as_user(&s, "archivist1").await;
    let (cases, _) = s.list_cases(&archivist, &CaseQuery::default()).await.unwrap();
    let mut archived = cases.iter().map(|c| c.id);
    let (first, second) = (archived.next().unwrap(), archived.next().unwrap());
    let made = s.assemble_archive(&archivist, first).await.unwrap();
    let answer = |r: Result<(), ServiceError>| match r {
        Ok(()) => 'A',
        Err(ServiceError::Forbidden(_)) => 'F',
        Err(ServiceError::NotFound(_)) => '-',
        Err(e) => panic!("unexpected {e:?}"),
    };
    let mut failures = Vec::new();
    let mut logins: Vec<&str> = ARCHIVE.iter().map(|(l, _)| *l).collect();
    logins.sort_by_key(|l| *l == "archivist1");
    for login in logins {
        let me = as_user(&s, login).await;
        let got: String = [
            answer(s.assemble_archive(&me, second).await.map(|_| ())),
            answer(s.archive(&me, made.id).await.map(|_| ())),
            answer(s.archive_package(&me, made.id).await.map(|_| ())),
            answer(s.check_archive(Some(&me), made.id).await.map(|_| ())),
        ]
        .into_iter()
        .collect();
        let want = ARCHIVE.iter().find(|(l, _)| *l == login).unwrap().1;
        if got != want {
            failures.push(format!("{login}: assemble/read/download/check {got}, expected {want}"));
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

/// The device and station registers, by role: `K` kept (registered, changed,
/// issued, returned), `R` read only, `F` forbidden; and who reports a
/// device's clock (校时): `C` may, `F` forbidden.
const DEVICES: &[(&str, char, char)] = &[
    ("officer1", 'F', 'F'),
    ("officer3", 'F', 'F'),
    ("leader1", 'R', 'F'),
    ("supervisor1", 'R', 'F'),
    ("reviewer1", 'F', 'F'),
    ("archivist1", 'F', 'F'),
    ("station1", 'F', 'C'),
    ("admin", 'K', 'F'),
];

#[tokio::test]
async fn the_device_register_by_role() {
    use liuhen_domain::{DeviceChange, DeviceStatus, NewDevice, NewStation};
    use liuhen_service::admin::AdminActor;
    let (s, _dirs) = seeded().await;
    let o1 = as_user(&s, "officer1").await;
    for (n, (login, keep, clock_report)) in DEVICES.iter().enumerate() {
        let me = as_user(&s, login).await;
        let agency = me.user.agency_id;
        let who = || AdminActor::User(Box::new(me.clone()));
        let serial = format!("DSJ-M-{n:04}");
        let input = NewDevice { serial: serial.clone(), model: "DSJ-V8".into(), unit_id: o1.user.unit_id };
        let registered = s.register_device(who(), agency, &input).await;
        let issued = s.issue_device(who(), agency, "DSJ-LJ1-0101", o1.user.id).await;
        let returned = s.return_device(who(), agency, "DSJ-LJ2-0201").await;
        let change = DeviceChange { model: Some(format!("DSJ-V9-{n}")), ..Default::default() };
        let changed = s.change_device(who(), agency, "DSJ-LJ1-0102", &change).await;
        let station = NewStation {
            station_id: format!("ST-M-{n}"),
            name: "采集站".into(),
            unit_id: o1.user.unit_id,
            user_id: None,
        };
        let stationed = s.register_station(who(), agency, &station).await;
        let read = s.list_devices(&me).await;
        let history = s.device_history(&me, "DSJ-LJ1-0101").await;
        let stations = s.list_stations(&me).await;
        let clocks = s.clock_history(&me, "DSJ-LJ1-0101").await;
        let reported = s.report_clock(&me, "DSJ-LJ1-0101", 900, None).await;
        let forbidden = |r: &Result<_, ServiceError>| matches!(r, Err(ServiceError::Forbidden(_)));
        match keep {
            'K' => {
                registered.unwrap();
                // The demo's camera is issued already: one open 领用 at a time.
                assert!(matches!(issued, Err(ServiceError::Conflict(_))), "{login}: {issued:?}");
                returned.unwrap();
                assert_eq!(changed.unwrap().status, DeviceStatus::InService);
                stationed.unwrap();
            }
            _ => {
                for (what, r) in [
                    ("register", registered.map(|_| ())),
                    ("issue", issued.map(|_| ())),
                    ("return", returned.map(|_| ())),
                    ("change", changed.map(|_| ())),
                    ("station", stationed.map(|_| ())),
                ] {
                    assert!(forbidden(&r), "{login} {what}: {r:?}");
                }
            }
        }
        let reads = [read.map(|_| ()), history.map(|_| ()), stations.map(|_| ()), clocks.map(|_| ())];
        for r in reads {
            match keep {
                'K' | 'R' => r.unwrap(),
                _ => assert!(forbidden(&r), "{login} read: {r:?}"),
            }
        }
        match clock_report {
            'C' => assert_eq!(reported.unwrap().offset_ms, 900),
            _ => assert!(matches!(reported, Err(ServiceError::Forbidden(_))), "{login} 校时: {reported:?}"),
        }
    }
}

/// 保管与销毁 by role: placing a hold (`H`), reading the holds (`L`), requesting a destruction
/// (`Q`), reading the destructions (`R`), approving one (`P`, `A` allowed). Holds and requests are
/// archivists'; a 负责人 and a 监督人员 approve (the requesting archivist never approves their own).
/// `A` allowed, `F` forbidden.
const RETENTION: &[(&str, &str)] = &[
    ("officer1", "FFFFF"),
    ("officer3", "FFFFF"),
    ("reviewer1", "FFFFF"),
    ("station1", "FFFFF"),
    ("admin", "FFFFF"),
    ("archivist1", "AAAAF"),
    ("leader1", "FFFAA"),
    ("supervisor1", "FFFAA"),
];

#[tokio::test]
async fn holds_and_destructions_by_role() {
    use liuhen_domain::{NewDestruction, NewHold, RecordRef};
    let (s, clock, _dirs) = seeded_with_clock().await;
    let archivist = as_user(&s, "archivist1").await;
    let (cases, _) = s.list_cases(&archivist, &CaseQuery::default()).await.unwrap();
    let mut archived = cases.iter().map(|c| c.id);
    let (first, second) = (archived.next().unwrap(), archived.next().unwrap());
    let made = s.assemble_archive(&archivist, first).await.unwrap();
    let until: i32 = made.retain_until.as_deref().unwrap()[..4].parse().unwrap();
    clock.advance(time::Duration::days(i64::from(until - 2026 + 1) * 366));
    let answer = |r: Result<(), ServiceError>| match r {
        Ok(()) => 'A',
        Err(ServiceError::Forbidden(_)) => 'F',
        Err(e) => panic!("unexpected {e:?}"),
    };
    let hold = NewHold { target: RecordRef::Case { id: second }, reason: "行政诉讼未决".into() };
    let request =
        NewDestruction { items: vec![RecordRef::Case { id: first }], reason: "保管期限届满".into() };
    let mut pending = None;
    let mut failures = Vec::new();
    // The archivist requests first; the two approvers come last (the second approval destroys).
    let mut logins: Vec<&str> = RETENTION.iter().map(|(l, _)| *l).collect();
    logins.sort_by_key(|l| match *l {
        "archivist1" => 0,
        "leader1" => 2,
        "supervisor1" => 3,
        _ => 1,
    });
    for login in logins {
        let me = as_user(&s, login).await;
        let requested = s.request_destruction(&me, &request).await;
        let q = match requested {
            Ok(d) => {
                pending = Some(d.destruction.id);
                'A'
            }
            Err(e) => answer(Err(e)),
        };
        let id = pending.expect("the archivist requests first");
        let got: String = [
            answer(s.place_hold(&me, &hold).await.map(|_| ())),
            answer(s.holds(&me, None).await.map(|_| ())),
            q,
            answer(s.destructions(&me).await.map(|_| ())),
            answer(s.approve_destruction(&me, id).await.map(|_| ())),
        ]
        .into_iter()
        .collect();
        let want = RETENTION.iter().find(|(l, _)| *l == login).unwrap().1;
        if got != want {
            failures.push(format!("{login}: hold/holds/request/read/approve {got}, expected {want}"));
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
    let done = s.destruction(&archivist, pending.unwrap()).await.unwrap();
    assert_eq!(done.destruction.state, liuhen_domain::DestructionState::Done);
}

/// 执法公示 by role, as the national rulebook names them: list; propose the redacted text of the
/// helmets case's 查封扣押决定书 (officer3's team); confirm and publish the advertising case's
/// proposed text (proposed by officer1); withdraw the food case's publication; add a 事前公开 item;
/// record a 行政复议 against the food case's decision.
/// `A` allowed by role (done, or refused only by the disclosure's state), `F` forbidden, `N` out of
/// the login's reach (not found).
const DISCLOSURE: &[(&str, &str)] = &[
    ("officer1", "ANFFFFF"),
    ("officer3", "AAFFFFF"),
    ("reviewer1", "AAAFFFA"),
    ("leader1", "AAFAAAA"),
    ("archivist1", "AFFFFFF"),
    ("supervisor1", "AFFFFFF"),
    ("station1", "FFFFFFF"),
    ("admin", "FFFFFFF"),
];

#[tokio::test]
async fn disclosures_by_role() {
    use liuhen_domain::{NewRedaction, NewWithdrawal, PriorItemDraft, PriorKind, WithdrawalGround};
    let (s, _clock, _dirs) = seeded_with_clock().await;
    let leader = as_user(&s, "leader1").await;
    let all = s.disclosures(&leader, None).await.unwrap();
    let find = |format: &str, cause: &str| {
        all.iter()
            .find(|d| d.disclosure.format_name == format && d.cause.contains(cause))
            .unwrap_or_else(|| panic!("the demo's {format} of 「{cause}」"))
            .disclosure
            .id
    };
    let helmets = find("查封扣押决定书", "头盔");
    let ads = find("行政处罚决定书", "虚假宣传");
    let food = find("行政处罚决定书", "保质期");
    let food_case = all.iter().find(|d| d.disclosure.id == food).unwrap().disclosure.case_id;
    let remedy = liuhen_domain::NewRemedy {
        kind: liuhen_domain::RemedyKind::Litigation,
        filed_on: time::macros::date!(2026 - 11 - 02),
        outcome: liuhen_domain::RemedyOutcome::Pending,
        decided_on: None,
        note: None,
    };
    let answer = |r: Result<(), ServiceError>| match r {
        Ok(()) | Err(ServiceError::Conflict(_)) => 'A',
        Err(ServiceError::Forbidden(_)) => 'F',
        Err(ServiceError::NotFound(_)) => 'N',
        Err(e) => panic!("unexpected {e:?}"),
    };
    let withdrawal = NewWithdrawal {
        ground: WithdrawalGround::Revoked,
        reason: "行政复议决定撤销原处罚决定".into(),
        decided_on: time::macros::date!(2026 - 11 - 24),
    };
    let prior =
        PriorItemDraft {
            kind: PriorKind::Guide, title: "举报投诉指南".into(), body: "拨打12315。".into()
        };
    let mut failures = Vec::new();
    // The reviewer confirms before the leader publishes (in any order each answer is by role).
    let mut logins: Vec<&str> = DISCLOSURE.iter().map(|(l, _)| *l).collect();
    logins.sort_by_key(|l| u8::from(*l == "leader1"));
    for login in logins {
        let me = as_user(&s, login).await;
        let got: String = [
            answer(s.disclosures(&me, None).await.map(|_| ())),
            answer(s.redact_disclosure(&me, helmets, &NewRedaction::default()).await.map(|_| ())),
            answer(s.confirm_disclosure(&me, ads).await.map(|_| ())),
            answer(s.publish_disclosure(&me, ads).await.map(|_| ())),
            answer(s.withdraw_disclosure(&me, food, &withdrawal).await.map(|_| ())),
            answer(s.put_prior_item(&me, None, &prior).await.map(|_| ())),
            answer(s.put_remedy(&me, food_case, None, &remedy).await.map(|_| ())),
        ]
        .into_iter()
        .collect();
        let want = DISCLOSURE.iter().find(|(l, _)| *l == login).unwrap().1;
        if got != want {
            failures.push(format!(
                "{login}: list/redact/confirm/publish/withdraw/prior/remedy {got}, expected {want}"
            ));
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
    // What the allowed ones did, in order: confirmed, published, withdrawn.
    let after = s.disclosures(&leader, None).await.unwrap();
    let state = |id| after.iter().find(|d| d.disclosure.id == id).unwrap().disclosure.state;
    assert_eq!(state(ads), liuhen_domain::DisclosureState::Published);
    assert_eq!(state(food), liuhen_domain::DisclosureState::Withdrawn);
}
