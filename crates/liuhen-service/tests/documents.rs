//! Enforcement documents end to end: a draft prefilled from the case, edited,
//! issued by a leader (文号, PDF rendered once and stored, digests in the
//! ledger), never edited again, corrected by a new version, served, and
//! downloaded with a watermark. PDFs are checked with poppler's `pdftotext`
//! and `qpdf --check` (Debian poppler-utils, qpdf).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::process::Command;
use std::sync::Arc;

use liuhen_domain::{CaseKind, DocumentStatus, NewCase, Party, PersonIdKind};
use liuhen_service::documents::{NewDocument, Serving};
use liuhen_service::{
    ManualClock, Principal, Service, ServiceConfig, ServiceError, demo, ledger::LedgerSigner,
};
use liuhen_store::Store;
use serde_json::json;
use time::macros::datetime;

async fn as_user(s: &Service, login: &str) -> Principal {
    let out = s.login(login, &demo::demo_password(login)).await.unwrap();
    s.authenticate(&out.token).await.unwrap()
}

fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.pdf");
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
    String::from_utf8(out.stdout).unwrap()
}

/// Takes a case to 审核决定 (with the leader's override: this file is about
/// documents), proposes a ¥50,000 fine, passes 法制审核 and makes the decision.
async fn decide_after_review(s: &Service, case: liuhen_domain::CaseId) {
    use liuhen_domain::{
        ChecklistAnswer, ChecklistItem, ProposedDecision, ReviewOpinion, ReviewOutcome, Stage,
    };
    let o1 = as_user(s, "officer1").await;
    let leader = as_user(s, "leader1").await;
    let reviewer = as_user(s, "reviewer1").await;
    for to in [Stage::Investigation, Stage::Decision] {
        let req = liuhen_service::TransitionRequest {
            to,
            reason: None,
            override_reason: Some("本测试只涉及文书".into()),
        };
        s.transition(&leader, case, &req).await.unwrap();
    }
    let fine = ProposedDecision {
        fine_fen: 5_000_000,
        measures: vec!["fine".into()],
        after_hearing: false,
        flagged_major: None,
        summary: "罚款人民币伍万元整".into(),
    };
    s.propose_decision(&o1, case, &fine).await.unwrap();
    s.submit_for_review(&o1, case).await.unwrap();
    let opinion = ReviewOpinion {
        outcome: ReviewOutcome::Approve,
        checklist: ChecklistItem::ALL
            .iter()
            .map(|item| ChecklistAnswer { item: *item, passed: true, note: None })
            .collect(),
        opinion: "经审核，同意。".into(),
    };
    s.give_review_opinion(&reviewer, case, &opinion).await.unwrap();
    s.issue_decision(&leader, case).await.unwrap();
}

#[tokio::test]
async fn draft_issue_correct_serve_and_download() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).await.unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-27 02:00 UTC)));
    let origin = "test.liuhen/ledger";
    let key = liuhen_tlog::SignerKey::ed25519_from_seed(origin, &[7; 32]).unwrap();
    let area =
        liuhen_store::uploads::UploadArea::new(liuhen_store::blobs::LocalBlobs::open(blobs.path()).unwrap());
    let s =
        Service::new(store, clock, ServiceConfig::default(), LedgerSigner::new(origin, vec![key]).unwrap())
            .with_evidence(area.clone(), liuhen_service::evidence::UploadLimits::default());
    demo::seed(&s).await.unwrap();
    let o1 = as_user(&s, "officer1").await;
    let o2 = as_user(&s, "officer2").await;
    let leader = as_user(&s, "leader1").await;
    let case = s
        .create_case(
            &o1,
            &NewCase {
                cause: "销售超过保质期的调味酱".into(),
                kind: CaseKind::Penalty,
                procedure: None,
                unit_id: None,
                label: None,
                summary: None,
                parties: vec![Party::NaturalPerson {
                    name: "王建国".into(),
                    id_kind: PersonIdKind::ResidentIdCard,
                    id_number: "11010519491231002X".into(),
                    phone: None,
                    address: Some("临江市江滨区崇和路188号".into()),
                }],
                officers: vec![o1.user.id, o2.user.id],
            },
        )
        .await
        .unwrap();

    // A draft, prefilled from the case: the party is already there.
    let draft = s
        .draft_document(
            &o1,
            case.id,
            &NewDocument {
                format: "行政处罚决定书".into(), fields: None, corrects: None, label: None
            },
        )
        .await
        .unwrap();
    assert_eq!((draft.format.as_str(), draft.status), ("penalty_decision", DocumentStatus::Draft));
    assert_eq!(draft.fields["party"]["name"], "王建国", "{}", draft.fields);
    // The 决定书 records a decision made: ¥50,000 on a natural person is major, so not before
    // 法制审核 passed and the 负责人 decided.
    let early = s.issue_document(&leader, draft.id).await;
    assert!(matches!(&early, Err(ServiceError::Conflict(m)) if m.contains("法制审核")), "{early:?}");
    decide_after_review(&s, case.id).await;
    // Incomplete: issuing names the missing fields.
    let e = s.issue_document(&leader, draft.id).await.unwrap_err();
    assert!(
        matches!(&e, ServiceError::Invalid(v) if v.problem.contains("违法事实") || v.problem.contains("facts")),
        "{e:?}"
    );
    let mut fields = draft.fields.clone();
    for (k, v) in [
        ("facts", json!("经查，当事人于2026年10月在其经营场所销售超过保质期的调味酱12瓶，货值金额360元。")),
        ("evidence", json!("1.现场检查笔录；\n2.询问笔录；\n3.进货票据。")),
        ("law_violated", json!("《中华人民共和国食品安全法》第三十四条第十项")),
        ("statement_review", json!("当事人在法定期限内未提出陈述、申辩意见。")),
        ("discretion", json!("当事人系初次违法，予以从轻处罚。")),
        ("legal_basis", json!("《中华人民共和国食品安全法》第一百二十四条第一款第五项")),
        ("penalty", json!("1.没收超过保质期的调味酱12瓶；\n2.罚款人民币50000元。")),
        ("fine_amount", json!("50000.00")),
        ("payment", json!("当事人应当自收到本决定书之日起十五日内缴纳罚款。")),
        ("review_agency", json!("临江市人民政府")),
        ("court", json!("临江市人民法院")),
        ("decision_date", json!("2026-11-27")),
    ] {
        fields[k] = v;
    }
    s.edit_document(&o1, draft.id, &fields).await.unwrap();
    assert!(
        matches!(s.issue_document(&o1, draft.id).await, Err(ServiceError::Forbidden(_))),
        "officers do not issue"
    );

    // The demo issued decisions of its own: numbers go on from the agency's next one.
    let mut tx = s.store().read().await.unwrap();
    let next = tx.peek_number(leader.user.agency_id, "doc:罚", 2026).await.unwrap();
    tx.finish().await.unwrap();
    let issued = s.issue_document(&leader, draft.id).await.unwrap();
    assert_eq!(issued.status, DocumentStatus::Issued);
    let number = issued.number.clone().expect("a 文号");
    assert!(number.ends_with(&format!("罚〔2026〕{next}号")), "{number}");
    let d = issued.digests.clone().unwrap();
    // The original is stored under its digest, write-once.
    assert_eq!(area.originals().size(&d.pdf_sha256).await.unwrap(), d.pdf_size);
    // Issued is final.
    assert!(matches!(s.edit_document(&o1, draft.id, &fields).await, Err(ServiceError::Conflict(_))));
    assert!(matches!(s.issue_document(&leader, draft.id).await, Err(ServiceError::Conflict(_))));

    // The ledger entry carries the digests of the PDF and of the canonical data.
    let mut tx = s.store().read().await.unwrap();
    let n = tx.entry_count().await.unwrap();
    let entries = tx.read_entries(0, n as u32).await.unwrap();
    tx.finish().await.unwrap();
    let issued_entry = entries
        .iter()
        .map(|e| String::from_utf8(e.body.clone()).unwrap())
        .find(|b| b.contains("document.issued") && b.contains(&draft.id.subject()))
        .unwrap();
    assert!(issued_entry.contains(&format!("pdf:sha256:{}", d.pdf_sha256)), "{issued_entry}");
    assert!(issued_entry.contains(&format!("data:sm3:{}", d.data_sm3)));
    assert!(!issued_entry.contains("王建国"), "no personal data in the ledger");

    // The download: watermarked, and the text is all there.
    let (_, pdf) = s.document_pdf(&o1, draft.id).await.unwrap();
    let text = pdf_text(&pdf);
    // pdftotext puts spaces between Latin digits and CJK; compare without them.
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for want in ["行政处罚决定书", number.as_str(), "王建国", "50000", "伍万元整", "officer1"] {
        assert!(flat.contains(want), "{want:?} not in the PDF text:\n{text}");
    }

    // A correction is a new version pointing at the one it corrects.
    let fix = s
        .draft_document(
            &o1,
            case.id,
            &NewDocument {
                format: "penalty_decision".into(),
                fields: Some(fields.clone()),
                corrects: Some(issued.id),
                label: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(fix.corrects, Some(issued.id));
    let fixed = s.issue_document(&leader, fix.id).await.unwrap();
    assert!(
        fixed.number.unwrap().ends_with(&format!("〔2026〕{}号", next + 1)),
        "numbers continue without gaps"
    );

    // Served, then no more changes; out of scope, nothing is visible.
    let served = s
        .serve_document(&o1, issued.id, &Serving { act_id: None, receipt_id: Some(fixed.id) })
        .await
        .unwrap();
    assert_eq!(served.status, DocumentStatus::Served);
    assert!(matches!(
        s.serve_document(&o1, issued.id, &Serving { act_id: None, receipt_id: Some(fixed.id) }).await,
        Err(ServiceError::Conflict(_))
    ));
    let o3 = as_user(&s, "officer3").await;
    assert!(matches!(s.get_document(&o3, issued.id).await, Err(ServiceError::NotFound(_))));
    assert_eq!(s.list_documents(&o1, case.id).await.unwrap().len(), 2);

    // A document's own audit trail, for court: drafted, edited, issued, served.
    let sup = as_user(&s, "supervisor1").await;
    let about = liuhen_service::audit::AuditSubject::Record(format!("document:{}", issued.id));
    let rows = s.audit_report(&sup, &about).await.unwrap();
    let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    for k in ["document.drafted", "document.edited", "document.issued", "document.served"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
}
