//! Use cases over a real store: SQLite always, PostgreSQL too when
//! `LIUHEN_TEST_DATABASE_URL` is set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use liuhen_domain::{
    ActKind, CaseKind, LedgerEntry, NewAct, NewCase, Party, PersonIdKind, Place, Stage, Venue,
};
use liuhen_service::{
    CaseQuery, ManualClock, Principal, Service, ServiceConfig, ServiceError, TransitionRequest, demo,
};
use liuhen_store::Store;
use time::macros::datetime;

async fn services() -> Vec<(Service, Arc<ManualClock>, Option<tempfile::TempDir>)> {
    let mut out = Vec::new();
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-27 02:00 UTC)));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).await.unwrap();
    out.push((
        Service::new(store, clock.clone(), ServiceConfig::default()),
        clock,
        Some(dir),
    ));
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
        out.push((
            Service::new(store, clock.clone(), ServiceConfig::default()),
            clock,
            None,
        ));
    }
    out
}

async fn as_user(s: &Service, login: &str) -> Principal {
    let out = s.login(login, &demo::demo_password(login)).await.unwrap();
    s.authenticate(&out.token).await.unwrap()
}

async fn entry_count(s: &Service) -> u64 {
    let mut tx = s.store().read().await.unwrap();
    tx.entry_count().await.unwrap()
}

fn new_case(cause: &str) -> NewCase {
    NewCase {
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
    for (s, _clock, _dir) in services().await {
        let logins = demo::seed(&s).await.unwrap();
        assert_eq!(logins.len(), 10);
        let roles: std::collections::BTreeSet<_> = logins.iter().map(|l| l.role.as_str()).collect();
        for r in [
            "officer",
            "leader",
            "reviewer",
            "archivist",
            "supervisor",
            "station",
            "admin",
        ] {
            assert!(roles.contains(r), "no demo user with role {r}");
        }
        let sup = as_user(&s, "supervisor1").await;
        let (cases, total) = s.list_cases(&sup, &CaseQuery::default()).await.unwrap();
        assert_eq!(total, 8);
        for st in Stage::ALL {
            assert!(cases.iter().any(|c| c.stage == *st), "no demo case in {st}");
        }
        let entries = entry_count(&s).await;
        assert_eq!(demo::seed(&s).await.unwrap(), logins);
        assert_eq!(
            s.list_cases(&sup, &CaseQuery::default()).await.unwrap().1,
            8,
            "seeding twice duplicates nothing"
        );
        // The second run only logs in and out and reads (each a ledger entry); it changes nothing else.
        let mut tx = s.store().read().await.unwrap();
        let later = tx.read_entries(entries, 1000).await.unwrap();
        for e in later {
            let kind = LedgerEntry::decode(&e.body).unwrap().kind;
            assert!(
                [
                    "credential.session_created",
                    "credential.session_ended",
                    "case.read"
                ]
                .contains(&kind.as_str()),
                "unexpected {kind} on re-seed"
            );
        }
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
        assert_eq!(
            count(as_user(&s, "officer1").await).await,
            4,
            "team 1 has four cases"
        );
        assert_eq!(count(as_user(&s, "officer3").await).await, 4);
        assert_eq!(count(as_user(&s, "leader1").await).await, 8);
        assert_eq!(count(as_user(&s, "supervisor1").await).await, 8);
        assert_eq!(
            count(as_user(&s, "reviewer1").await).await,
            4,
            "decision, execution and archived cases"
        );
        assert_eq!(count(as_user(&s, "archivist1").await).await, 1);
        assert_eq!(count(as_user(&s, "station1").await).await, 0);
        assert_eq!(count(as_user(&s, "admin").await).await, 0);

        // officer3 (team 2) cannot read a team-1 case: not found, not forbidden.
        let o1 = as_user(&s, "officer1").await;
        let o3 = as_user(&s, "officer3").await;
        let (mine, _) = s.list_cases(&o1, &CaseQuery::default()).await.unwrap();
        let foreign = mine[0].id;
        assert!(matches!(
            s.get_case(&o3, foreign).await,
            Err(ServiceError::NotFound(_))
        ));
        let search = CaseQuery {
            q: Some(mine[0].cause.clone()),
            ..Default::default()
        };
        assert_eq!(s.list_cases(&o3, &search).await.unwrap().1, 0);

        // Supervisors read but never change.
        let sup = as_user(&s, "supervisor1").await;
        assert!(s.get_case(&sup, foreign).await.is_ok());
        assert!(matches!(
            s.create_case(&sup, &new_case("x")).await,
            Err(ServiceError::Forbidden(_))
        ));
        let req = TransitionRequest {
            to: Stage::Investigation,
            reason: None,
        };
        assert!(s.transition(&sup, foreign, &req).await.is_err());
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
            place: Place {
                address: "某地".into(),
                latitude: None,
                longitude: None,
            },
            venue: Venue::OnSite,
            venue_name: None,
            officers: vec![o1.user.id],
            parties: vec![],
            notes: None,
        };
        let err = s.add_act(&o1, case.id, &bad).await.unwrap_err();
        assert!(
            matches!(&err, ServiceError::Invalid(v) if v.field == "ends_at"),
            "{err:?}"
        );
        assert_eq!(entry_count(&s).await, before + 2);

        let good = NewAct {
            ends_at: datetime!(2026-11-27 11:00 +08:00),
            parties: vec![0],
            ..bad
        };
        let act = s.add_act(&o1, case.id, &good).await.unwrap();
        assert_eq!(act.parties, vec![0]);
        assert_eq!(entry_count(&s).await, before + 3);

        // Only leaders move stages, one step at a time.
        let req = TransitionRequest {
            to: Stage::Investigation,
            reason: Some("立案审批通过".into()),
        };
        assert!(matches!(
            s.transition(&o1, case.id, &req).await,
            Err(ServiceError::Forbidden(_))
        ));
        let leader = as_user(&s, "leader1").await;
        let skip = TransitionRequest {
            to: Stage::Decision,
            reason: None,
        };
        assert!(matches!(
            s.transition(&leader, case.id, &skip).await,
            Err(ServiceError::Conflict(_))
        ));
        let before_move = entry_count(&s).await;
        clock.advance(time::Duration::minutes(5));
        let moved = s.transition(&leader, case.id, &req).await.unwrap();
        assert_eq!(moved.stage, Stage::Investigation);
        assert_eq!(entry_count(&s).await, before_move + 1);

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

#[tokio::test]
async fn sessions_expire_and_tokens_revoke() {
    for (s, clock, _dir) in services().await {
        demo::seed(&s).await.unwrap();
        assert!(matches!(
            s.login("officer1", "wrong-password").await,
            Err(ServiceError::Unauthenticated(_))
        ));
        assert!(matches!(
            s.login("nobody", "whatever-password").await,
            Err(ServiceError::Unauthenticated(_))
        ));
        let out = s
            .login("officer1", &demo::demo_password("officer1"))
            .await
            .unwrap();
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
    }
}
