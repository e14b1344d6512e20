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

fn expected(table: &[(&str, &str)], login: &str, i: usize) -> char {
    let row = table.iter().find(|(l, _)| *l == login).unwrap().1.replace(' ', "");
    row.chars().nth(i).unwrap()
}

#[tokio::test]
async fn every_role_unit_and_label() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).await.unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-25 02:00 UTC)));
    let origin = "test.liuhen/ledger";
    let key = liuhen_tlog::SignerKey::ed25519_from_seed(origin, &[7; 32]).unwrap();
    let s =
        Service::new(store, clock, ServiceConfig::default(), LedgerSigner::new(origin, vec![key]).unwrap());
    demo::seed(&s).await.unwrap();
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
