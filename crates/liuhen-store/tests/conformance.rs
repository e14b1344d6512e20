//! One behaviour suite for every backend: SQLite always, PostgreSQL when
//! `LIUHEN_TEST_DATABASE_URL` names a server where the test user may create
//! databases (each test gets a fresh one).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use liuhen_domain::{
    ActDraft, ActId, ActKind, Actor, CaseDraft, CaseId, CaseKind, Confidentiality, CredentialId, EntryKind,
    LedgerEntry, OrgUnit, Party, PersonIdKind, Place, Role, Stage, UnitId, UnitKind, Uscc, User, UserId,
    Venue,
};
use liuhen_store::{Backend, CaseFilter, CaseScope, Credential, CredentialKind, Store, StoreError};
use time::OffsetDateTime;
use time::macros::datetime;

/// A fresh, empty database on each backend under test.
async fn backends() -> Vec<(Store, Option<tempfile::TempDir>)> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    out.push((Store::open_dir(dir.path()).await.unwrap(), Some(dir)));
    if let Ok(url) = std::env::var("LIUHEN_TEST_DATABASE_URL") {
        out.push((Store::open(&fresh_pg_database(&url).await).await.unwrap(), None));
    }
    out
}

async fn fresh_pg_database(url: &str) -> String {
    use sqlx::Connection;
    let name = format!("liuhen_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(url).await.expect("connect to LIUHEN_TEST_DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
    format!("{base}/{name}")
}

const NOW: OffsetDateTime = datetime!(2026-03-02 09:00 UTC);

fn id_bytes(n: u8) -> [u8; 16] {
    [n; 16]
}

struct World {
    agency: OrgUnit,
    team1: OrgUnit,
    team1a: OrgUnit,
    team2: OrgUnit,
    officer1: User,
    officer2: User,
}

fn unit(id: u8, agency: Option<&OrgUnit>, parent: Option<&OrgUnit>, name: &str) -> OrgUnit {
    let id = UnitId::from_bytes(id_bytes(id));
    OrgUnit {
        id,
        agency_id: agency.map(|a| a.id).unwrap_or(id),
        parent_id: parent.map(|p| p.id),
        kind: if agency.is_none() { UnitKind::Agency } else { UnitKind::Department },
        name: name.into(),
        short_name: agency.is_none().then(|| "临市监".into()),
        uscc: agency.is_none().then(|| "113301000024998766".parse::<Uscc>().unwrap()),
        code: None,
    }
}

fn user(id: u8, login: &str, role: Role, unit: &OrgUnit, cert: &str) -> User {
    User {
        id: UserId::from_bytes(id_bytes(id)),
        login: login.into(),
        display_name: format!("用户{id}"),
        role,
        unit_id: unit.id,
        agency_id: unit.agency_id,
        cert_no: Some(cert.into()),
        enforcement_category: Some("市场监管".into()),
        legal_qualification: false,
        active: true,
        clearance: None,
    }
}

async fn world(store: &Store) -> World {
    let agency = unit(1, None, None, "临江市市场监督管理局");
    let team1 = unit(2, Some(&agency), Some(&agency), "执法稽查一队");
    let team1a = unit(3, Some(&agency), Some(&team1), "一队食品组");
    let team2 = unit(4, Some(&agency), Some(&agency), "执法稽查二队");
    let officer1 = user(10, "officer1", Role::Officer, &team1, "33010001");
    let officer2 = user(11, "officer2", Role::Officer, &team2, "33010002");
    let mut tx = store.write().await.unwrap();
    for u in [&agency, &team1, &team1a, &team2] {
        tx.insert_unit(u, NOW).await.unwrap();
    }
    tx.insert_user(&officer1, Some("$argon2id$fake"), NOW).await.unwrap();
    tx.insert_user(&officer2, None, NOW).await.unwrap();
    tx.commit().await.unwrap();
    World { agency, team1, team1a, team2, officer1, officer2 }
}

fn draft(cause: &str, party: &str) -> CaseDraft {
    CaseDraft {
        cause: cause.into(),
        kind: CaseKind::Penalty,
        procedure: Some(liuhen_domain::Procedure::PenaltyOrdinary),
        label: Confidentiality::Internal,
        summary: Some("简要案情".into()),
        parties: vec![
            Party::NaturalPerson {
                name: party.into(),
                id_kind: PersonIdKind::ResidentIdCard,
                id_number: "11010519491231002X".into(),
                phone: Some("13800000000".into()),
                address: None,
            },
            Party::Organisation {
                name: "临江某某食品有限公司".into(),
                uscc: "91350100M000100Y43".into(),
                legal_representative: Some("李四".into()),
                address: Some("临江市滨江路1号".into()),
            },
        ],
    }
}

async fn open_case(
    store: &Store,
    w: &World,
    unit: &OrgUnit,
    cause: &str,
    party: &str,
    officer: &User,
) -> CaseId {
    let mut tx = store.write().await.unwrap();
    let seq = tx.next_number(w.agency.id, "case", 2026).await.unwrap();
    let id = CaseId(uuid::Uuid::new_v4());
    let number = liuhen_domain::case_number("临市监", 2026, seq);
    tx.insert_case(
        id,
        w.agency.id,
        unit.id,
        &number,
        2026,
        seq,
        &draft(cause, party),
        Stage::Initiation,
        &[officer.id],
        officer.id,
        NOW,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn units_form_a_tree() {
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        let mut tx = store.read().await.unwrap();
        assert!(tx.unit_is_within(w.team1a.id, w.team1.id).await.unwrap());
        assert!(tx.unit_is_within(w.team1a.id, w.agency.id).await.unwrap());
        assert!(tx.unit_is_within(w.team1.id, w.team1.id).await.unwrap());
        assert!(!tx.unit_is_within(w.team2.id, w.team1.id).await.unwrap());
        assert!(!tx.unit_is_within(w.team1.id, w.team1a.id).await.unwrap());
        let units = tx.list_units(w.agency.id).await.unwrap();
        assert_eq!(units.len(), 4);
        assert_eq!(units[0], w.agency);
        assert_eq!(tx.get_unit(w.team1a.id).await.unwrap(), w.team1a);
        let found = tx.find_agency_by_uscc("113301000024998766").await.unwrap();
        assert_eq!(found.as_ref().map(|a| a.id), Some(w.agency.id));
        tx.finish().await.unwrap();

        let mut dup = w.agency.clone();
        dup.id = UnitId::from_bytes(id_bytes(99));
        dup.agency_id = dup.id;
        let mut tx = store.write().await.unwrap();
        assert!(matches!(tx.insert_unit(&dup, NOW).await, Err(StoreError::AlreadyExists(_))));
    }
}

#[tokio::test]
async fn users_and_credentials() {
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        let mut tx = store.write().await.unwrap();
        let found = tx.find_user_by_login("officer1").await.unwrap().unwrap();
        assert_eq!(found.user, w.officer1);
        assert_eq!(found.password_hash.as_deref(), Some("$argon2id$fake"));
        assert!(tx.find_user_by_login("nobody").await.unwrap().is_none());

        let mut again = w.officer2.clone();
        again.id = UserId::from_bytes(id_bytes(50));
        assert!(matches!(tx.insert_user(&again, None, NOW).await, Err(StoreError::AlreadyExists(_))));
        tx.commit().await.unwrap_or(());

        let mut tx = store.write().await.unwrap();
        let mut orphan = user(51, "orphan", Role::Officer, &w.team1, "X1");
        orphan.unit_id = UnitId::from_bytes(id_bytes(77));
        assert!(matches!(tx.insert_user(&orphan, None, NOW).await, Err(StoreError::BrokenReference(_))));
        drop(tx);

        let cred = Credential {
            id: CredentialId::from_bytes(id_bytes(60)),
            user_id: w.officer1.id,
            kind: CredentialKind::Token,
            name: Some("station-1".into()),
            scope: liuhen_domain::TokenScope::Upload,
            created_at: NOW,
            expires_at: None,
            revoked_at: None,
        };
        let mut tx = store.write().await.unwrap();
        tx.insert_credential(&cred, &[9; 32]).await.unwrap();
        tx.set_password_hash(w.officer2.id, "$argon2id$other").await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.write().await.unwrap();
        let (c, u) = tx.find_credential(&[9; 32]).await.unwrap().unwrap();
        assert_eq!((c.clone(), u), (cred.clone(), w.officer1.clone()));
        assert!(tx.find_credential(&[8; 32]).await.unwrap().is_none());
        tx.revoke_credential(cred.id, NOW).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.read().await.unwrap();
        let (c, _) = tx.find_credential(&[9; 32]).await.unwrap().unwrap();
        assert_eq!(c.revoked_at, Some(NOW));
        assert_eq!(tx.list_credentials(w.officer1.id).await.unwrap().len(), 1);
        let o2 = tx.find_user_by_login("officer2").await.unwrap().unwrap();
        assert_eq!(o2.password_hash.as_deref(), Some("$argon2id$other"));
    }
}

#[tokio::test]
async fn cases_are_seen_only_within_scope() {
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        let c1 = open_case(&store, &w, &w.team1, "销售过期食品", "张三", &w.officer1).await;
        let c1a = open_case(&store, &w, &w.team1a, "无证经营", "王五", &w.officer1).await;
        let c2 = open_case(&store, &w, &w.team2, "虚假宣传 100%_有效", "赵六", &w.officer2).await;

        let mut tx = store.read().await.unwrap();
        let all = CaseFilter { limit: 50, ..Default::default() };
        let ids = |v: &Vec<liuhen_store::CaseSummary>| v.iter().map(|s| s.id).collect::<Vec<_>>();

        let (list, total) = tx.list_cases(&CaseScope::Agency(w.agency.id), &all).await.unwrap();
        assert_eq!(total, 3);
        assert_eq!(list.len(), 3);

        let (list, total) = tx.list_cases(&CaseScope::UnitSubtree(w.team1.id), &all).await.unwrap();
        assert_eq!(total, 2);
        assert!(ids(&list).contains(&c1) && ids(&list).contains(&c1a));

        let officer_scope = CaseScope::UnitOrAssigned { unit: w.team2.id, user: w.officer2.id };
        let (list, _) = tx.list_cases(&officer_scope, &all).await.unwrap();
        assert_eq!(ids(&list), vec![c2]);
        assert!(tx.get_case_in_scope(c1, &officer_scope).await.unwrap().is_none());
        assert!(tx.get_case_in_scope(c2, &officer_scope).await.unwrap().is_some());

        // An officer of team 2 assigned to a team-1 case sees it.
        let assigned = CaseScope::UnitOrAssigned { unit: w.team2.id, user: w.officer1.id };
        let (list, _) = tx.list_cases(&assigned, &all).await.unwrap();
        assert_eq!(list.len(), 3);

        let (list, total) = tx.list_cases(&CaseScope::Nothing, &all).await.unwrap();
        assert_eq!((list.len(), total), (0, 0));

        let stages = CaseScope::AgencyStages(w.agency.id, vec![Stage::Decision, Stage::Archived]);
        assert_eq!(tx.list_cases(&stages, &all).await.unwrap().1, 0);

        // Search: substring of 案由, of a party name, of the number; LIKE
        // wildcards in the query match only themselves.
        let agency = CaseScope::Agency(w.agency.id);
        let search = |q: &str| CaseFilter { query: Some(q.into()), limit: 50, ..Default::default() };
        assert_eq!(ids(&tx.list_cases(&agency, &search("过期")).await.unwrap().0), vec![c1]);
        assert_eq!(ids(&tx.list_cases(&agency, &search("王五")).await.unwrap().0), vec![c1a]);
        assert_eq!(tx.list_cases(&agency, &search("临市监立〔2026〕")).await.unwrap().1, 3);
        assert_eq!(ids(&tx.list_cases(&agency, &search("100%_")).await.unwrap().0), vec![c2]);
        assert_eq!(tx.list_cases(&agency, &search("%")).await.unwrap().1, 1);
        assert_eq!(tx.list_cases(&agency, &search("_")).await.unwrap().1, 1);
        // Search never widens the scope.
        assert_eq!(tx.list_cases(&officer_scope, &search("张三")).await.unwrap().1, 0);

        let page = CaseFilter { limit: 2, offset: 2, ..Default::default() };
        let (list, total) = tx.list_cases(&agency, &page).await.unwrap();
        assert_eq!((list.len(), total), (1, 3));

        let case = tx.get_case_in_scope(c1, &agency).await.unwrap().unwrap();
        assert_eq!(case.number, "临市监立〔2026〕1号");
        assert_eq!(case.stage, Stage::Initiation);
        assert_eq!(case.parties, draft("销售过期食品", "张三").parties);
        assert_eq!(case.officers, vec![w.officer1.id]);
        assert_eq!(case.created_at, NOW);
    }
}

#[tokio::test]
async fn stages_officers_and_acts() {
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        let c = open_case(&store, &w, &w.team1, "销售过期食品", "张三", &w.officer1).await;
        let later = NOW + time::Duration::hours(1);
        let mut tx = store.write().await.unwrap();
        let step = liuhen_store::StageMove {
            case_id: c,
            from: Stage::Initiation,
            to: Stage::Investigation,
            by: w.officer1.id,
            at: later,
            reason: Some("证据初步查明".into()),
            override_reason: None,
            overridden: Vec::new(),
        };
        tx.set_stage(&step).await.unwrap();
        assert!(matches!(tx.set_stage(&step).await, Err(StoreError::NotFound(_))));
        assert_eq!(tx.stage_moves(c).await.unwrap(), vec![step]);
        tx.replace_officers(c, &[w.officer2.id, w.officer1.id], later).await.unwrap();
        let act = ActDraft {
            kind: ActKind::OnSiteInspection,
            starts_at: datetime!(2026-03-02 09:30 +08:00),
            ends_at: datetime!(2026-03-02 10:45 +08:00),
            place: Place {
                address: "临江市滨江路1号".into(),
                latitude: Some(30.25),
                longitude: Some(120.17),
            },
            venue: Venue::OnSite,
            venue_name: None,
            officers: vec![w.officer1.id, w.officer2.id],
            parties: vec![1],
            notes: Some("检查仓库".into()),
            elements: vec!["出示执法证".into()],
        };
        let act_id = ActId::from_bytes(id_bytes(70));
        tx.insert_act(act_id, c, &act, w.officer1.id, later).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.read().await.unwrap();
        let case = tx.get_case_in_scope(c, &CaseScope::Agency(w.agency.id)).await.unwrap().unwrap();
        assert_eq!(case.stage, Stage::Investigation);
        assert_eq!(case.officers, vec![w.officer2.id, w.officer1.id]);
        assert_eq!(case.updated_at, later);
        let acts = tx.list_acts(c).await.unwrap();
        assert_eq!(acts.len(), 1);
        let a = &acts[0];
        assert_eq!(a.starts_at, act.starts_at);
        assert_eq!(a.starts_at.offset().whole_hours(), 8, "the act keeps its local offset");
        assert_eq!((a.officers.clone(), a.parties.clone()), (act.officers.clone(), vec![1]));
        assert_eq!(a.place, act.place);
        assert_eq!(a.elements, vec!["出示执法证".to_owned()]);
        tx.finish().await.unwrap();

        // 记录要素 attested later are added once; those already there stay as they were.
        let mut tx = store.write().await.unwrap();
        let both = ["出示执法证".to_owned(), "场景".to_owned()];
        assert_eq!(tx.add_act_elements(act_id, &both, w.officer2.id, later).await.unwrap(), vec!["场景"]);
        assert!(tx.add_act_elements(act_id, &both, w.officer2.id, later).await.unwrap().is_empty());
        tx.commit().await.unwrap();
        let mut tx = store.read().await.unwrap();
        let a = tx.list_acts(c).await.unwrap().remove(0);
        assert_eq!(a.elements, both.to_vec());
        tx.finish().await.unwrap();
    }
}

#[tokio::test]
async fn a_dropped_transaction_leaves_nothing() {
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        {
            let mut tx = store.write().await.unwrap();
            let seq = tx.next_number(w.agency.id, "case", 2026).await.unwrap();
            assert_eq!(seq, 1);
            tx.insert_case(
                CaseId(uuid::Uuid::new_v4()),
                w.agency.id,
                w.team1.id,
                "x",
                2026,
                seq,
                &draft("销售过期食品", "张三"),
                Stage::Initiation,
                &[w.officer1.id],
                w.officer1.id,
                NOW,
            )
            .await
            .unwrap();
            let e = LedgerEntry::new(
                EntryKind::CaseCreated,
                0,
                Actor::System("test"),
                None,
                vec![],
                None,
                [0; 16],
            );
            tx.append_entry(&e, NOW).await.unwrap();
            // dropped without commit
        }
        let mut tx = store.write().await.unwrap();
        assert_eq!(
            tx.list_cases(&CaseScope::Agency(w.agency.id), &CaseFilter { limit: 9, ..Default::default() })
                .await
                .unwrap()
                .1,
            0
        );
        assert_eq!(tx.entry_count().await.unwrap(), 0);
        assert_eq!(tx.next_number(w.agency.id, "case", 2026).await.unwrap(), 1, "the number was given back");
    }
}

#[tokio::test]
async fn ledger_entries_are_numbered_and_append_only() {
    for (store, _dir) in backends().await {
        let mut tx = store.write().await.unwrap();
        for i in 0..5u64 {
            let e = LedgerEntry::new(
                EntryKind::CaseRead,
                i as i64,
                Actor::System("test"),
                None,
                vec![],
                None,
                [i as u8; 16],
            );
            assert_eq!(tx.append_entry(&e, NOW).await.unwrap(), i);
        }
        tx.commit().await.unwrap();
        let mut tx = store.write().await.unwrap();
        assert_eq!(tx.entry_count().await.unwrap(), 5);
        let got = tx.read_entries(2, 10).await.unwrap();
        assert_eq!(got.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 3, 4]);
        let decoded = LedgerEntry::decode(&got[0].body).unwrap();
        assert_eq!(decoded.time, 2);
        drop(tx);

        for sql in ["UPDATE ledger_entries SET created_ms = 0", "DELETE FROM ledger_entries WHERE seq = 1"] {
            let err = raw_exec(&store, sql).await;
            assert!(err.contains("append-only"), "{sql}: {err}");
        }
    }
}

/// Runs a statement as an operator with database access would, bypassing liuhen.
async fn raw_exec(store: &Store, sql: &'static str) -> String {
    let mut tx = store.write().await.unwrap();
    match tx.raw_execute_for_tests(sql).await {
        Ok(()) => "succeeded".into(),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn numbers_are_gapless_under_concurrency() {
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let store = store.clone();
            let agency = w.agency.id;
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                for i in 0..25 {
                    let mut tx = store.write().await.unwrap();
                    let n = tx.next_number(agency, "case", 2026).await.unwrap();
                    if i % 5 == 4 {
                        drop(tx); // rolled back: the number must be reused
                    } else {
                        tx.commit().await.unwrap();
                        mine.push(n);
                    }
                }
                mine
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all.sort_unstable();
        assert_eq!(all, (1..=160).collect::<Vec<i64>>(), "backend {:?}", store.backend());
    }
}

/// 文号 allocation (issue 6): 8 concurrent writers × 200 documents take
/// 1..=1600 of one agency's 罚 numbers for a year, no gap, no duplicate;
/// another document type and another year count on their own.
#[tokio::test]
async fn document_numbers_are_gapless_under_concurrency() {
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        let mut tasks = Vec::new();
        for writer in 0..8 {
            let store = store.clone();
            let agency = w.agency.id;
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                for i in 0..200 {
                    let mut tx = store.write().await.unwrap();
                    let n = tx.next_number(agency, "doc:罚", 2026).await.unwrap();
                    if (writer + i) % 7 == 0 {
                        // Another type in the same transaction: its own sequence.
                        tx.next_number(agency, "doc:告", 2026).await.unwrap();
                    }
                    tx.commit().await.unwrap();
                    mine.push(n);
                }
                mine
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all.sort_unstable();
        assert_eq!(all, (1..=1600).collect::<Vec<i64>>(), "backend {:?}", store.backend());
        let mut tx = store.write().await.unwrap();
        assert_eq!(tx.next_number(w.agency.id, "doc:罚", 2027).await.unwrap(), 1, "a new year starts at 1");
        tx.commit().await.unwrap();
    }
}

/// Issue 12: issuing a decision names the version its checks were made on;
/// a revision in between makes it a conflict, not an issue of the revision.
#[tokio::test]
async fn issuing_a_decision_names_the_version_checked() {
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        let case = open_case(&store, &w, &w.team1, "销售过期食品", "张三", &w.officer1).await;
        let d = liuhen_domain::ProposedDecision {
            fine_fen: 5_000_000,
            measures: vec!["fine".into()],
            after_hearing: false,
            flagged_major: None,
            summary: "罚款".into(),
        };
        let mut tx = store.write().await.unwrap();
        assert_eq!(tx.propose_decision(case, &d, NOW).await.unwrap(), 1);
        assert_eq!(tx.propose_decision(case, &d, NOW).await.unwrap(), 2);
        let stale = tx.issue_decision(case, 1, w.officer1.id, NOW).await;
        assert!(matches!(stale, Err(StoreError::Conflict(m)) if m.contains("revised")), "{stale:?}");
        assert_eq!(tx.decision(case).await.unwrap().unwrap().issued_at, None);
        tx.issue_decision(case, 2, w.officer1.id, NOW).await.unwrap();
        assert!(tx.issue_decision(case, 2, w.officer1.id, NOW).await.is_err(), "issued once");
        tx.commit().await.unwrap();
    }
}

/// The 文号 an issuer reserves is the one the counter gives next, and
/// reserving takes nothing.
#[tokio::test]
async fn peeking_a_number_takes_nothing() {
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        let mut tx = store.read().await.unwrap();
        assert_eq!(tx.peek_number(w.agency.id, "doc:罚", 2026).await.unwrap(), 1);
        tx.finish().await.unwrap();
        let mut tx = store.write().await.unwrap();
        assert_eq!(tx.peek_number(w.agency.id, "doc:罚", 2026).await.unwrap(), 1);
        assert_eq!(tx.next_number(w.agency.id, "doc:罚", 2026).await.unwrap(), 1);
        assert_eq!(tx.peek_number(w.agency.id, "doc:罚", 2026).await.unwrap(), 2);
        assert_eq!(tx.peek_number(w.agency.id, "doc:罚", 2026).await.unwrap(), 2);
        assert_eq!(tx.next_number(w.agency.id, "doc:罚", 2026).await.unwrap(), 2);
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn backend_is_picked_from_the_url() {
    assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
    assert_eq!(Backend::from_url("postgresql://u@h/db").unwrap(), Backend::Postgres);
    assert!(matches!(Store::open("mysql://u@h/db").await, Err(StoreError::UnsupportedUrl(_))));
}

#[tokio::test]
async fn group_commit_isolates_failing_jobs_and_answers_after_commit() {
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        let mut tasks = Vec::new();
        for i in 0..300u32 {
            let store = store.clone();
            let agency = w.agency.id;
            tasks.push(tokio::spawn(async move {
                store
                    .transact(move |tx| {
                        Box::pin(async move {
                            let n = tx.next_number(agency, "job", 2026).await?;
                            let e = LedgerEntry::new(
                                EntryKind::CaseRead,
                                i64::from(i),
                                Actor::System("test"),
                                None,
                                vec![],
                                None,
                                [0; 16],
                            );
                            tx.append_entry(&e, NOW).await?;
                            if i % 7 == 3 {
                                // Wrote a number and an entry, then failed: both must vanish.
                                return Err(StoreError::Conflict("refused on purpose"));
                            }
                            Ok(n)
                        })
                    })
                    .await
            }));
        }
        let mut numbers = Vec::new();
        let mut refused = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(n) => numbers.push(n),
                Err(StoreError::Conflict(_)) => refused += 1,
                Err(e) => panic!("unexpected {e}"),
            }
        }
        numbers.sort_unstable();
        let ok = numbers.len() as i64;
        assert_eq!(refused, 43);
        assert_eq!(numbers, (1..=ok).collect::<Vec<_>>(), "gapless despite rolled-back jobs");
        let mut tx = store.read().await.unwrap();
        assert_eq!(tx.entry_count().await.unwrap(), ok as u64);
        let entries = tx.read_entries(0, 1000).await.unwrap();
        assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), (0..ok as u64).collect::<Vec<_>>());
    }
}

/// One write job as the service makes them: a gapless number and its entry;
/// `panic_after` makes it panic once both are written.
async fn numbered_job(store: &Store, agency: UnitId, panic_after: bool) -> Result<i64, StoreError> {
    store
        .transact(move |tx| {
            Box::pin(async move {
                let n = tx.next_number(agency, "job", 2026).await?;
                let e = LedgerEntry::new(
                    EntryKind::CaseRead,
                    n,
                    Actor::System("test"),
                    None,
                    vec![],
                    None,
                    [0; 16],
                );
                tx.append_entry(&e, NOW).await?;
                if panic_after {
                    // As `time` does on an overflowing date.
                    let far = OffsetDateTime::now_utc().replace_year(9999).unwrap();
                    let _ = far + time::Duration::days(365);
                }
                Ok(n)
            })
        })
        .await
}

async fn entries(store: &Store) -> u64 {
    let mut tx = store.read().await.unwrap();
    let n = tx.entry_count().await.unwrap();
    tx.finish().await.unwrap();
    n
}

#[tokio::test]
async fn a_panicking_write_job_fails_alone_and_the_writer_goes_on() {
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        let before = entries(&store).await;
        let panicked = numbered_job(&store, w.agency.id, true).await;
        assert!(matches!(panicked, Err(StoreError::JobPanicked)), "{panicked:?}");
        // The writer is still running, and nothing of the panicked job was kept.
        assert_eq!(store.writer_stopped(), None);
        assert_eq!(numbered_job(&store, w.agency.id, false).await.unwrap(), 1);
        // Panics among other jobs of the same batch fail only themselves.
        let jobs: Vec<_> = (0..20)
            .map(|i| {
                let store = store.clone();
                let agency = w.agency.id;
                tokio::spawn(async move { numbered_job(&store, agency, i % 4 == 1).await })
            })
            .collect();
        let mut numbers = Vec::new();
        for j in jobs {
            match j.await.unwrap() {
                Ok(n) => numbers.push(n),
                Err(StoreError::JobPanicked) => {}
                Err(e) => panic!("unexpected {e}"),
            }
        }
        numbers.sort_unstable();
        assert_eq!(numbers, (2..=16).collect::<Vec<_>>());
        assert_eq!(entries(&store).await, before + 16);
    }
}

#[tokio::test]
async fn an_io_error_at_commit_stops_the_writer() {
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        let before = entries(&store).await;
        store.inject_commit_fault_for_tests(liuhen_store::CommitFault::IoError);
        let failed = numbered_job(&store, w.agency.id, false).await;
        assert!(matches!(failed, Err(StoreError::WriterStopped(_))), "{failed:?}");
        let why = store.writer_stopped().expect("the writer says it stopped");
        assert!(why.contains("I/O error"), "{why}");
        // Later writes are refused, and say why, rather than retried into an unknown state.
        for _ in 0..2 {
            let later = numbered_job(&store, w.agency.id, false).await;
            assert!(matches!(later, Err(StoreError::WriterStopped(_))), "{later:?}");
        }
        let appended = store.append_entries(vec![b"{}".to_vec()], NOW).await;
        assert!(matches!(appended, Err(StoreError::WriterStopped(_))), "{appended:?}");
        assert!(matches!(store.write().await, Err(StoreError::WriterStopped(_))));
        // Reads go on.
        assert_eq!(entries(&store).await, before);
    }
}

#[tokio::test]
async fn a_commit_whose_answer_is_lost_is_read_back() {
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        let before = entries(&store).await;
        store.inject_commit_fault_for_tests(liuhen_store::CommitFault::AnswerLostAfterCommit);
        let answer = numbered_job(&store, w.agency.id, false).await;
        if store.backend() == Backend::Sqlite {
            // Nothing to ask on SQLite: the writer stops rather than guess.
            assert!(matches!(answer, Err(StoreError::WriterStopped(_))), "{answer:?}");
            assert!(store.writer_stopped().is_some());
            continue;
        }
        // It did commit: the caller is told so.
        assert_eq!(answer.unwrap(), 1);
        assert_eq!(entries(&store).await, before + 1);
        assert_eq!(store.writer_stopped(), None);
        // The server ends the writer's connection before COMMIT: the batch is
        // rolled back, the database says so, and the caller is told.
        store.inject_commit_fault_for_tests(liuhen_store::CommitFault::ConnectionLostBeforeCommit);
        let lost = numbered_job(&store, w.agency.id, false).await;
        assert!(matches!(lost, Err(StoreError::CommitFailed(_))), "{lost:?}");
        assert_eq!(entries(&store).await, before + 1);
        // The writer goes on, on a new connection, without a gap.
        assert_eq!(store.writer_stopped(), None);
        assert_eq!(numbered_job(&store, w.agency.id, false).await.unwrap(), 2);
        assert_eq!(entries(&store).await, before + 2);
    }
}

/// The device register: a 产品序号 once per agency, one open 领用 per
/// device, the binding in force at a time, 校时 history by serial (numbered
/// per device, newest first), stations; unit codes kept.
#[tokio::test]
async fn devices_bindings_clock_history_and_stations() {
    use liuhen_domain::{
        ClockMeasurement, Device, DeviceBinding, DeviceId, DeviceStatus, Station, StationId,
    };
    for (store, _dir) in backends().await {
        let w = world(&store).await;
        let mut coded = unit(5, Some(&w.agency), Some(&w.agency), "执法稽查三队");
        coded.code = Some("330103".into());
        let device = Device {
            id: DeviceId::from_bytes(id_bytes(70)),
            agency_id: w.agency.id,
            unit_id: w.team1.id,
            serial: "DSJ-0001".into(),
            model: "DSJ-V8".into(),
            status: DeviceStatus::InService,
            holder: None,
            held_since: None,
            registered_at: NOW,
        };
        let mut tx = store.write().await.unwrap();
        tx.insert_unit(&coded, NOW).await.unwrap();
        tx.insert_device(&device).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.write().await.unwrap();
        let twin = Device { id: DeviceId::from_bytes(id_bytes(71)), ..device.clone() };
        assert!(matches!(tx.insert_device(&twin).await, Err(StoreError::AlreadyExists(_))));
        drop(tx);

        let issued = DeviceBinding {
            device_id: device.id,
            officer_id: w.officer1.id,
            issued_at: NOW,
            issued_by: None,
            returned_at: None,
            returned_by: None,
        };
        let mut tx = store.write().await.unwrap();
        tx.insert_binding(&issued).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.write().await.unwrap();
        let second = DeviceBinding {
            officer_id: w.officer2.id,
            issued_at: NOW + time::Duration::hours(1),
            ..issued.clone()
        };
        assert!(matches!(tx.insert_binding(&second).await, Err(StoreError::AlreadyExists(_))));
        drop(tx);
        let back = NOW + time::Duration::hours(8);
        let mut tx = store.write().await.unwrap();
        assert!(tx.close_binding(device.id, back, Some(w.officer2.id)).await.unwrap());
        assert!(!tx.close_binding(device.id, back, None).await.unwrap());
        let again = DeviceBinding { issued_at: back + time::Duration::hours(1), ..second.clone() };
        tx.insert_binding(&again).await.unwrap();
        tx.update_device(&Device { model: "DSJ-V9".into(), ..device.clone() }).await.unwrap();
        for (n, off) in [1_200i64, -45_000].into_iter().enumerate() {
            let m = ClockMeasurement {
                serial: "DSJ-0001".into(),
                offset_ms: off,
                measured_at: NOW + time::Duration::minutes(n as i64),
                station_id: Some("ST01".into()),
                evidence_id: None,
                reported_by: w.officer1.id,
                over_threshold: off.abs() > 30_000,
            };
            tx.insert_clock(w.agency.id, &m).await.unwrap();
        }
        let station = Station {
            id: StationId::from_bytes(id_bytes(72)),
            agency_id: w.agency.id,
            unit_id: w.team1.id,
            station_id: "ST01".into(),
            name: "一队采集站".into(),
            user_id: None,
            registered_at: NOW,
        };
        tx.insert_station(&station).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.read().await.unwrap();
        let d = tx.device_by_serial(w.agency.id, "DSJ-0001").await.unwrap().unwrap();
        assert_eq!((d.model.as_str(), d.holder), ("DSJ-V9", Some(w.officer2.id)));
        assert!(tx.device_by_serial(w.team1.id, "DSJ-0001").await.unwrap().is_none(), "per agency");
        assert_eq!(tx.list_devices(w.agency.id).await.unwrap().len(), 1);
        let bindings = tx.device_bindings(device.id).await.unwrap();
        assert_eq!(bindings.len(), 2);
        assert_eq!((bindings[0].returned_at, bindings[0].returned_by), (Some(back), Some(w.officer2.id)));
        let at = |h| NOW + time::Duration::hours(h);
        assert_eq!(tx.device_binding_at(device.id, at(2)).await.unwrap().unwrap().officer_id, w.officer1.id);
        assert!(tx.device_binding_at(device.id, back).await.unwrap().is_none(), "returned by then");
        assert_eq!(tx.device_binding_at(device.id, at(20)).await.unwrap().unwrap().officer_id, w.officer2.id);
        assert!(tx.device_binding_at(device.id, NOW - time::Duration::seconds(1)).await.unwrap().is_none());
        let h = tx.clock_history(w.agency.id, "DSJ-0001", 10).await.unwrap();
        assert_eq!(
            h.iter().map(|m| (m.offset_ms, m.over_threshold)).collect::<Vec<_>>(),
            [(-45_000, true), (1_200, false)]
        );
        assert_eq!(tx.list_stations(w.agency.id).await.unwrap(), [station]);
        let u = tx.get_unit(coded.id).await.unwrap();
        assert_eq!(u.code.as_deref(), Some("330103"));
        tx.finish().await.unwrap();
    }
}
