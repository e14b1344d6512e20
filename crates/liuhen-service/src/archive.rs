//! 归档: a case's file assembled into a package (电子案卷归档包) a court can
//! check offline — a BagIt bag (see `liuhen-archive` and the repository's
//! `docs/archive-package.md`) with every issued or registered document,
//! every evidence original, every ledger entry about the case with its proof
//! against one signed checkpoint, the verifier keys and the 四性检测 report.
//!
//! Assembling reads and re-hashes every original (the 真实性 check), writes
//! the package's text files, and then, in one write, takes the next 档号 of
//! the agency and year (gapless) and appends the `archive.assembled` entry
//! naming the case, the 档号 and the digests of both payload manifests. What
//! the package holds is kept (the text files themselves; the originals by
//! their digests), so each download makes the same bytes again: the payload
//! streams into a tar file with the tag files that prove the archive entry
//! against the newest checkpoint, and nothing is staged on disk.

use std::io::{Read, Write};

use bytes::Bytes;
use liuhen_archive::layout::{self, LedgerIndex};
use liuhen_archive::{Bag, Digests};
use liuhen_domain::{
    ArchiveId, Case, CaseId, Document, DocumentStatus, EntryKind, Evidence, LedgerEntry, Stage,
};
use liuhen_store::{ArchiveFile, AuditRole, FileIdentity, OriginalCheck, StoredArchive};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::archive_checks;
use crate::documents::REGISTERED;
use crate::error::{Result, ServiceError};
use crate::scope::case_scope;
use crate::secrets::random_bytes;
use crate::{Principal, Service, actor, record};

/// One check of the 四性检测 (DA/T 70).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PropertyCheck {
    /// `authenticity` 真实性, `integrity` 完整性, `usability` 可用性, `security` 安全性.
    pub property: String,
    /// The file or record checked (`package` for the whole).
    pub item: String,
    pub check: String,
    pub passed: bool,
    pub detail: String,
}

/// The 四性检测 report made at packaging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FourProperties {
    /// RFC 3339.
    pub made_at: String,
    pub passed: bool,
    pub checks: Vec<PropertyCheck>,
}

/// A package as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArchiveView {
    pub id: ArchiveId,
    pub case_id: CaseId,
    pub case_number: String,
    /// 档号.
    pub file_no: String,
    /// Ledger index of the `archive.assembled` entry.
    pub entry_index: u64,
    /// Tree size of the checkpoint the payload's proofs are made against.
    pub checkpoint_size: u64,
    /// SHA-256 of `manifest-sha256.txt`, SM3 of `manifest-sm3.txt`.
    pub manifest_sha256: String,
    pub manifest_sm3: String,
    pub files: usize,
    pub payload_bytes: u64,
    pub report: FourProperties,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// 保管期限代码 (`Y`, `D30`, `D10`, …) the 档号 was numbered in.
    pub retention_class: String,
    /// The last day the file is kept, `YYYY-MM-DD`; `None`: 永久.
    pub retain_until: Option<String>,
    /// When it was destroyed (销毁): its content is gone, its digests stay.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub destroyed_at: Option<OffsetDateTime>,
}

/// A package on its way: the tar file's bytes, as they are made.
pub struct PackageStream {
    pub archive: StoredArchive,
    /// Suggested file name: `档号.tar`.
    pub file_name: String,
    pub chunks: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
}

/// Only archivists assemble and hand out packages.
pub(crate) fn may_archive(me: &Principal) -> Result<()> {
    if crate::scope::may_archive(&me.user) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden("case-file packages are for archivists (档案管理人员)".into()))
    }
}

/// A package of the agency (any agency when `None`) that is not destroyed: `NotFound` or, for a
/// package destroyed after its retention ran out, `Gone`.
async fn live_archive<M>(
    tx: &mut liuhen_store::Tx<M>,
    id: ArchiveId,
    agency: Option<liuhen_domain::UnitId>,
) -> Result<StoredArchive> {
    let a = tx.archive(id).await?.filter(|a| agency.is_none_or(|g| a.agency_id == g));
    let a = a.ok_or(ServiceError::NotFound("archive"))?;
    match a.destroyed_at {
        Some(at) => Err(ServiceError::Gone(format!(
            "档号 {} was destroyed on {} (销毁); its digests stay in the ledger",
            a.file_no,
            liuhen_domain::when::in_beijing(at).date()
        ))),
        None => Ok(a),
    }
}

/// A file name fit for a path segment: no separators, no control characters.
fn segment(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c }).collect();
    cleaned.trim().trim_start_matches('.').chars().take(120).collect()
}

struct Checks(Vec<PropertyCheck>);

impl Checks {
    fn add(&mut self, property: &str, item: &str, check: &str, passed: bool, detail: impl Into<String>) {
        self.0.push(PropertyCheck {
            property: property.into(),
            item: item.into(),
            check: check.into(),
            passed,
            detail: detail.into(),
        });
    }
}

/// What executable content starts with: ELF, PE/DOS, Mach-O, a script's `#!`.
fn executable(head: &[u8]) -> bool {
    head.starts_with(b"\x7fELF")
        || head.starts_with(b"MZ")
        || head.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || head.starts_with(&[0xfe, 0xed, 0xfa, 0xcf])
        || head.starts_with(b"#!")
}

fn view(a: &StoredArchive, files: &[ArchiveFile], case_number: String) -> Result<ArchiveView> {
    let report: FourProperties = serde_json::from_str(&a.report)
        .map_err(|e| ServiceError::Internal(format!("archive report of {}: {e}", a.id)))?;
    Ok(ArchiveView {
        id: a.id,
        case_id: a.case_id,
        case_number,
        file_no: a.file_no.clone(),
        entry_index: a.entry_seq,
        checkpoint_size: a.checkpoint_size,
        manifest_sha256: a.manifest_sha256.clone(),
        manifest_sm3: a.manifest_sm3.clone(),
        files: files.len(),
        payload_bytes: files.iter().map(|f| f.size).sum(),
        report,
        created_at: a.created_at,
        retention_class: a.retention_class.clone(),
        retain_until: a.retain_until.clone(),
        destroyed_at: a.destroyed_at,
    })
}

impl Service {
    /// Assembles the package of an archived case (archivists). Once per case.
    pub async fn assemble_archive(&self, me: &Principal, case_id: CaseId) -> Result<ArchiveView> {
        may_archive(me)?;
        let case = self
            .store
            .get_case_in_scope(case_id, &case_scope(&me.user))
            .await?
            .ok_or(ServiceError::NotFound("case"))?;
        if case.stage != Stage::Archived {
            return Err(ServiceError::Conflict("a case is packaged once it is 归档".into()));
        }
        {
            let mut tx = self.store.read().await?;
            let existing = tx.case_archive(case_id).await?;
            tx.finish().await?;
            if let Some(a) = existing {
                return Err(ServiceError::Conflict(format!(
                    "the case is packaged already: 档号 {}",
                    a.file_no
                )));
            }
        }
        // Everything so far under one signed checkpoint, and found by the audit index.
        self.integrate_all().await?;
        self.catch_up_audit_index().await?;
        let now = self.now();
        let (payload, report) = self.payload(&case, now).await?;
        let mut bag = Bag::new();
        for f in &payload.files {
            let d = Digests { size: f.size, sha256: hex32(&f.sha256)?, sm3: hex32(&f.sm3)? };
            bag.add(&f.path, d).map_err(ServiceError::Internal)?;
        }
        let manifest_sha256 = hex::encode(Digests::of(bag.manifest_sha256().as_bytes()).sha256);
        let manifest_sm3 = hex::encode(Digests::of(bag.manifest_sm3().as_bytes()).sm3);
        let year = liuhen_domain::when::in_beijing(now).year();
        // 保管期限: the longest class of every rule that applies, counted from 1 January of next year.
        let retention = {
            let mut tx = self.store.read().await?;
            let r = self.case_retention(&mut tx, &case).await;
            tx.finish().await?;
            r?
        };
        let retain_until = time::Date::from_calendar_date(year + 1, time::Month::January, 1)
            .ok()
            .and_then(|from| retention.class.period.until(from))
            .map(|d| d.to_string());
        let pattern = self.policy()?.retention().file_no().clone();
        let class = retention.class.code.clone();
        let basis = serde_json::to_string(&retention.reasons)
            .map_err(|e| ServiceError::Internal(format!("retention basis: {e}")))?;
        let me2 = me.clone();
        let (files, checkpoint_size, checked) = (payload.files, payload.checkpoint_size, payload.checked);
        let report_text =
            serde_json::to_string(&report).map_err(|e| ServiceError::Internal(format!("report: {e}")))?;
        let stored = self
            .store
            .transact(move |tx| {
                Box::pin(async move {
                    if tx.case_archive(case.id).await?.is_some() {
                        return Err(ServiceError::Conflict("the case is packaged already".into()));
                    }
                    let agency = tx.get_unit(case.agency_id).await?;
                    // Gapless per agency, year and retention class.
                    let seq = tx.next_number(case.agency_id, &format!("archive:{class}"), year).await?;
                    let prefix = agency.short_name.clone().unwrap_or_else(|| agency.name.clone());
                    let file_no = pattern.render(&prefix, year, &class, u64::try_from(seq).unwrap_or(0));
                    let id = ArchiveId::from_bytes(random_bytes()?);
                    let bag_info = vec![
                        ("Source-Organization".to_owned(), agency.name.clone()),
                        ("External-Identifier".to_owned(), file_no.clone()),
                        ("Internal-Sender-Identifier".to_owned(), case.number.clone()),
                        ("Internal-Sender-Description".to_owned(), case.cause.clone()),
                        ("Bagging-Date".to_owned(), liuhen_domain::when::in_beijing(now).date().to_string()),
                        ("Bag-Software-Agent".to_owned(), format!("liuhen {}", env!("CARGO_PKG_VERSION"))),
                    ];
                    let subjects = vec![
                        case.id.subject(),
                        id.subject(),
                        format!("{}{file_no}", layout::FILE_NO_SUBJECT),
                        format!("{}{manifest_sha256}", layout::MANIFEST_SHA256_SUBJECT),
                        format!("{}{manifest_sm3}", layout::MANIFEST_SM3_SUBJECT),
                    ];
                    let seq = record::<()>(
                        tx,
                        now,
                        EntryKind::ArchiveAssembled,
                        actor(&me2.user),
                        Some(case.agency_id),
                        subjects,
                        None,
                    )
                    .await?;
                    let archive = StoredArchive {
                        id,
                        case_id: case.id,
                        agency_id: case.agency_id,
                        file_no,
                        checkpoint_size,
                        manifest_sha256,
                        manifest_sm3,
                        entry_seq: seq,
                        bag_info: serde_json::to_string(&bag_info)
                            .map_err(|e| ServiceError::Internal(e.to_string()))?,
                        report: report_text,
                        created_by: me2.user.id,
                        created_at: now,
                        retention_class: class,
                        retain_until,
                        retention_basis: basis,
                        destroyed_at: None,
                    };
                    tx.insert_archive(&archive, &files).await?;
                    for (sha256, check) in &checked {
                        tx.record_original_check(sha256, check).await?;
                    }
                    Ok((archive, files, case.number))
                })
            })
            .await?;
        let (archive, files, number) = stored;
        view(&archive, &files, number)
    }

    /// A package's record and 四性检测 report (archivists of its agency).
    pub async fn archive(&self, me: &Principal, id: ArchiveId) -> Result<ArchiveView> {
        may_archive(me)?;
        let mut tx = self.store.read().await?;
        let a = tx.archive(id).await?.filter(|a| a.agency_id == me.user.agency_id);
        let Some(a) = a else {
            tx.finish().await?;
            return Err(ServiceError::NotFound("archive"));
        };
        let files = tx.archive_files(id).await?;
        let case = tx.get_case_in_scope(a.case_id, &case_scope(&me.user)).await?;
        tx.finish().await?;
        let case = case.ok_or(ServiceError::NotFound("archive"))?;
        view(&a, &files, case.number)
    }

    /// The package of a case, if it has one (archivists).
    pub async fn case_archive(&self, me: &Principal, case_id: CaseId) -> Result<Option<ArchiveView>> {
        may_archive(me)?;
        let mut tx = self.store.read().await?;
        let a = tx.case_archive(case_id).await?.filter(|a| a.agency_id == me.user.agency_id);
        tx.finish().await?;
        match a {
            Some(a) => Ok(Some(self.archive(me, a.id).await?)),
            None => Ok(None),
        }
    }

    /// The package as a tar file, made as it is sent (archivists). The
    /// download is recorded. The archive entry is proven against the newest
    /// checkpoint, so a package downloaded later proves it against a later
    /// one; the payload is the same bytes every time.
    pub async fn archive_package(&self, me: &Principal, id: ArchiveId) -> Result<PackageStream> {
        may_archive(me)?;
        let area = self.evidence_area()?;
        let mut tx = self.store.read().await?;
        let archive = match live_archive(&mut tx, id, Some(me.user.agency_id)).await {
            Ok(a) => a,
            Err(e) => {
                tx.finish().await?;
                return Err(e);
            }
        };
        let files = tx.archive_files(id).await?;
        let known = tx.archive_original_checks(id).await?;
        tx.finish().await?;
        self.integrate_all().await?;
        let mut tx = self.store.read().await?;
        let cp = tx.latest_checkpoint().await?;
        let entry = tx.read_entries(archive.entry_seq, 1).await?;
        tx.finish().await?;
        let cp = cp.filter(|c| c.size > archive.entry_seq).ok_or_else(|| {
            ServiceError::Conflict("the archive entry is not yet in a signed checkpoint".into())
        })?;
        let entry = entry
            .into_iter()
            .find(|e| e.seq == archive.entry_seq)
            .ok_or_else(|| ServiceError::Internal("the archive entry is missing".into()))?;
        let proof = self.inclusion_proof(archive.entry_seq, cp.size).await?;
        let archive_proof = liuhen_tlog::TlogProof {
            extra: Some(entry.body),
            index: archive.entry_seq,
            proof,
            checkpoint: cp.note.clone(),
        }
        .to_text();
        let consistency = self.consistency_proof(archive.checkpoint_size, cp.size).await?;
        let mut consistency_text = format!("{} {}\n", archive.checkpoint_size, cp.size);
        for h in consistency {
            consistency_text.push_str(&h.to_base64());
            consistency_text.push('\n');
        }
        let mut bag = Bag::new();
        for f in &files {
            let d = Digests { size: f.size, sha256: hex32(&f.sha256)?, sm3: hex32(&f.sm3)? };
            bag.add(&f.path, d).map_err(ServiceError::Internal)?;
        }
        let info: Vec<(String, String)> = serde_json::from_str(&archive.bag_info)
            .map_err(|e| ServiceError::Internal(format!("bag-info of {}: {e}", archive.id)))?;
        let info: Vec<(&str, String)> = info.iter().map(|(l, v)| (l.as_str(), v.clone())).collect();
        let tags = bag.tag_files(
            &info,
            &[
                (layout::ARCHIVE_ENTRY, archive_proof.into_bytes()),
                (layout::CONSISTENCY, consistency_text.into_bytes()),
            ],
        );
        let now = self.now();
        self.record_alone(
            now,
            EntryKind::ArchiveDownloaded,
            actor(&me.user),
            Some(archive.agency_id),
            vec![archive.id.subject(), archive.case_id.subject()],
        )
        .await?;
        let top = segment(&archive.file_no);
        let (tx_chunks, rx_chunks) = tokio::sync::mpsc::channel(8);
        let originals = area.originals().clone();
        let handle = tokio::runtime::Handle::current();
        let file_name = format!("{top}.tar");
        let last = LastChecks {
            known: known.into_iter().map(|(sha, c)| (sha, c.identity)).collect(),
            store: self.store.clone(),
            now,
        };
        tokio::task::spawn_blocking(move || {
            let sink = ChannelWriter { tx: tx_chunks.clone(), buf: Vec::with_capacity(CHUNK) };
            let result = write_tar(sink, &top, &tags, &files, &originals, &last, &handle);
            if let Err(e) = result {
                let _ = tx_chunks.blocking_send(Err(e));
            }
        });
        Ok(PackageStream { file_name, archive, chunks: rx_chunks })
    }

    /// 四性检测 again, on a package already made (on receipt, and on a
    /// schedule: `liuhen archive check`): every original re-hashed against the
    /// digests the package recorded, every text file against its own, each
    /// packaged ledger entry against the log as it stands, and the
    /// `archive.assembled` entry against the manifests the files make. Recorded
    /// as `archive.checked` or `archive.check_failed` (which the supervision
    /// stream shows). `me` is an archivist of the package's agency, or `None`
    /// for the system's own schedule.
    pub async fn check_archive(&self, me: Option<&Principal>, id: ArchiveId) -> Result<FourProperties> {
        if let Some(me) = me {
            may_archive(me)?;
        }
        let mut tx = self.store.read().await?;
        let archive = match live_archive(&mut tx, id, me.map(|m| m.user.agency_id)).await {
            Ok(a) => a,
            Err(e) => {
                tx.finish().await?;
                return Err(e);
            }
        };
        let files = tx.archive_files(id).await?;
        let entry = tx.read_entries(archive.entry_seq, 1).await?;
        tx.finish().await?;
        let area = self.evidence_area()?;
        let originals = area.originals();
        let mut checks = Checks(Vec::new());
        let mut bag = Bag::new();
        let began = self.now();
        // Originals found to hash to their names (their checks recorded), and found not to.
        let (mut checked, mut changed): (Checked, Vec<String>) = (Vec::new(), Vec::new());
        for f in &files {
            let recorded = Digests { size: f.size, sha256: hex32(&f.sha256)?, sm3: hex32(&f.sm3)? };
            bag.add(&f.path, recorded).map_err(ServiceError::Internal)?;
            let now_digests = match (&f.content, &f.original) {
                (Some(text), _) => Some(Digests::of(text.as_bytes())),
                (None, Some(sha)) => match rehash(originals, sha, f.size).await {
                    Ok((d, _, _, identity)) => {
                        if hex::encode(d.sha256) != *sha {
                            changed.push(sha.clone());
                        } else if let Some(identity) = identity {
                            checked.push((sha.clone(), OriginalCheck { identity, checked_at: began }));
                        }
                        Some(d)
                    }
                    Err(_) => None,
                },
                (None, None) => None,
            };
            let same = now_digests.is_some_and(|d| d == recorded);
            let detail = match now_digests {
                None => "the original cannot be read".to_owned(),
                Some(_) if same => "SHA-256 and SM3 as packaged".to_owned(),
                Some(d) => format!("now SHA-256 {}", hex::encode(d.sha256)),
            };
            checks.add("authenticity", &f.path, "digests", same, detail);
        }
        checks.0.extend(archive_checks::recheck_usability(originals, &files).await);
        checks.0.extend(archive_checks::scan(&self.config.antivirus, originals, &files).await);
        // Each packaged ledger entry is still the log's entry at its index (one read for all).
        let mut tx = self.store.read().await?;
        for f in &files {
            let (Some(text), Some(index)) = (&f.content, entry_index(&f.path)) else { continue };
            let packaged = liuhen_tlog::TlogProof::parse(text.as_bytes()).ok().and_then(|p| p.extra);
            let logged =
                tx.read_entries(index, 1).await?.into_iter().find(|e| e.seq == index).map(|e| e.body);
            let same = packaged.is_some() && packaged == logged;
            checks.add("integrity", &f.path, "ledger", same, "the entry is the log's entry at its index");
        }
        tx.finish().await?;
        let fixed = entry
            .into_iter()
            .find(|e| e.seq == archive.entry_seq)
            .and_then(|e| LedgerEntry::decode(&e.body).ok())
            .is_some_and(|e| {
                let sha = hex::encode(Digests::of(bag.manifest_sha256().as_bytes()).sha256);
                let sm3 = hex::encode(Digests::of(bag.manifest_sm3().as_bytes()).sm3);
                e.kind == EntryKind::ArchiveAssembled.code()
                    && e.subjects.contains(&format!("{}{sha}", layout::MANIFEST_SHA256_SUBJECT))
                    && e.subjects.contains(&format!("{}{sm3}", layout::MANIFEST_SM3_SUBJECT))
                    && sha == archive.manifest_sha256
            });
        checks.add(
            "integrity",
            "package",
            "archive entry",
            fixed,
            format!("ledger entry {} fixes both manifests", archive.entry_seq),
        );
        // 档号 format: the rulebook's pattern, this agency, the year packaged, the class kept.
        let agency = {
            let mut tx = self.store.read().await?;
            let u = tx.get_unit(archive.agency_id).await?;
            tx.finish().await?;
            u
        };
        let prefix = agency.short_name.clone().unwrap_or_else(|| agency.name.clone());
        let year = liuhen_domain::when::in_beijing(archive.created_at).year();
        let pattern = self.policy()?.retention().file_no().clone();
        let known = self.policy()?.retention().class(&archive.retention_class).is_some();
        checks.add(
            "authenticity",
            "package",
            "档号 format",
            known && pattern.matches(&archive.file_no, &prefix, year, &archive.retention_class),
            format!("{} against {} (class {})", archive.file_no, pattern.as_str(), archive.retention_class),
        );
        let now = self.now();
        let passed = checks.0.iter().all(|c| c.passed);
        let report = FourProperties {
            made_at: now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            passed,
            checks: checks.0,
        };
        let failed: Vec<String> =
            report.checks.iter().filter(|c| !c.passed).map(|c| c.item.clone()).collect();
        let kind = if passed { EntryKind::ArchiveChecked } else { EntryKind::ArchiveCheckFailed };
        let who = match me {
            Some(me) => actor(&me.user),
            None => liuhen_domain::Actor::System("schedule"),
        };
        let subjects = vec![archive.id.subject(), archive.case_id.subject()];
        let agency = Some(archive.agency_id);
        let content = serde_json::json!({ "archive": archive.id, "file_no": archive.file_no, "passed": passed, "failed": failed });
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    for (sha256, check) in &checked {
                        tx.record_original_check(sha256, check).await?;
                    }
                    for sha256 in &changed {
                        tx.forget_original_check(sha256).await?;
                    }
                    record(tx, now, kind, who, agency, subjects, Some(&content)).await
                })
            })
            .await?;
        Ok(report)
    }

    /// Every package's id (for the scheduled check).
    pub async fn archive_ids(&self) -> Result<Vec<ArchiveId>> {
        let mut tx = self.store.read().await?;
        let ids = tx.archive_ids().await?;
        tx.finish().await?;
        Ok(ids)
    }

    /// The 四性检测 report as a PDF page (a table of every check).
    async fn report_pdf(&self, case: &Case, report: &FourProperties, now: OffsetDateTime) -> Result<Vec<u8>> {
        let property = |p: &str| match p {
            "authenticity" => "真实性",
            "integrity" => "完整性",
            "usability" => "可用性",
            "security" => "安全性",
            _ => "其他",
        };
        let when = liuhen_domain::when::in_beijing(now)
            .format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"))
            .unwrap_or_default();
        let passed = report.checks.iter().filter(|c| c.passed).count();
        let col = |h: &str, w: f64| liuhen_pdf::ReportColumn { header: h.to_owned(), width: w };
        let table = liuhen_pdf::TableReport {
            title: "电子案卷四性检测报告".to_owned(),
            header: case.number.clone(),
            footer: format!("归档封包时生成于 {when}（北京时间）"),
            meta: vec![
                ("案件编号".to_owned(), case.number.clone()),
                ("案由".to_owned(), case.cause.clone()),
                ("检测时间（北京时间）".to_owned(), when.clone()),
                (
                    "依据".to_owned(),
                    "DA/T 70 文书类电子档案检测一般要求：真实性、完整性、可用性、安全性".to_owned(),
                ),
                (
                    "结论".to_owned(),
                    format!(
                        "{}（{passed} / {} 项通过）",
                        if report.passed { "通过" } else { "未通过" },
                        report.checks.len()
                    ),
                ),
            ],
            columns: vec![
                col("序号", 0.5),
                col("检测项", 0.8),
                col("对象", 3.0),
                col("检测内容", 2.6),
                col("结果", 0.6),
            ],
            rows: report
                .checks
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    vec![
                        (i + 1).to_string(),
                        property(&c.property).to_owned(),
                        c.item.clone(),
                        c.detail.clone(),
                        if c.passed { "通过" } else { "未通过" }.to_owned(),
                    ]
                })
                .collect(),
            empty: "（无检测项）".to_owned(),
            notes: vec![format!(
                "同一报告的机器可读版本为 {}；归档包可用 liuhen verify 离线核验。",
                layout::CHECKS
            )],
        };
        let renderer = self.renderer().await?;
        let pdf = tokio::task::spawn_blocking(move || renderer.render_report(&table))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(|e| ServiceError::Internal(format!("rendering the check report: {e}")))?;
        Ok(pdf.bytes)
    }

    /// What goes under `data/`: every file with its digests, and the 四性检测 report.
    async fn payload(&self, case: &Case, now: OffsetDateTime) -> Result<(Payload, FourProperties)> {
        let area = self.evidence_area()?;
        let originals = area.originals();
        let (formats, _) = self.formats()?;
        let mut tx = self.store.read().await?;
        let cp = tx
            .latest_checkpoint()
            .await?
            .ok_or_else(|| ServiceError::Conflict("no signed checkpoint yet".into()))?;
        let moves = tx.stage_moves(case.id).await?;
        let acts = tx.list_acts(case.id).await?;
        let mut documents: Vec<Document> = tx
            .list_case_documents(case.id)
            .await?
            .into_iter()
            .filter(|d| d.status != DocumentStatus::Draft && d.digests.is_some())
            .collect();
        documents.sort_by_key(|d| (d.issued_at, d.created_at));
        tx.finish().await?;
        let evidence: Vec<Evidence> = self
            .store
            .list_case_evidence(case.id, &liuhen_store::CaseScope::Agency(case.agency_id), case.created_by)
            .await?;
        // The entries about the case and about every record filed with it (an evidence file
        // ingested before it was linked, its viewings, a document's reads).
        let mut records: Vec<String> = documents.iter().map(|d| d.id.subject()).collect();
        records.extend(evidence.iter().map(|e| e.id.subject()));
        let mut tx = self.store.read().await?;
        let mut found: std::collections::BTreeMap<u64, Vec<u8>> = std::collections::BTreeMap::new();
        for subject in std::iter::once(case.id.subject()).chain(records.iter().cloned()) {
            for e in tx.audit_entries(&subject, AuditRole::Subject, u32::MAX).await? {
                if e.seq < cp.size {
                    found.insert(e.seq, e.body);
                }
            }
        }
        tx.finish().await?;
        let entries: Vec<(u64, Vec<u8>)> = found.into_iter().collect();
        // A registered document is its scan: it is filed once, as the document.
        let scans: Vec<String> = documents
            .iter()
            .filter(|d| d.format == REGISTERED)
            .filter_map(|d| d.fields.get("evidence_id").and_then(|v| v.as_str()).map(str::to_owned))
            .collect();
        let evidence: Vec<Evidence> =
            evidence.into_iter().filter(|e| !scans.contains(&e.id.to_string())).collect();

        let mut checks = Checks(Vec::new());
        let mut files: Vec<ArchiveFile> = Vec::new();
        let mut catalogue: Vec<serde_json::Value> = Vec::new();
        let mut text = |path: String, content: String| {
            let d = Digests::of(content.as_bytes());
            files.push(ArchiveFile {
                path,
                size: d.size,
                sha256: hex::encode(d.sha256),
                sm3: hex::encode(d.sm3),
                original: None,
                content: Some(content),
            });
        };
        let mut copies: Vec<ArchiveFile> = Vec::new();
        let mut checked: Checked = Vec::new();
        let mut n = 0usize;
        for d in &documents {
            n += 1;
            let Some(digests) = &d.digests else { continue };
            let base = format!("{}{n:03}-{}", layout::DOCUMENTS, segment(&d.format_name));
            let path = format!("{base}.pdf");
            let (seen, head, _, identity) = rehash(originals, &digests.pdf_sha256, digests.pdf_size).await?;
            let same =
                hex::encode(seen.sha256) == digests.pdf_sha256 && hex::encode(seen.sm3) == digests.pdf_sm3;
            if let Some(identity) = identity.filter(|_| same) {
                checked.push((digests.pdf_sha256.clone(), OriginalCheck { identity, checked_at: now }));
            }
            checks.add(
                "authenticity",
                &path,
                "digests",
                same,
                "SHA-256 and SM3 of the stored PDF against those fixed at issue",
            );
            checks.0.push(archive_checks::pdf(originals, &path, &digests.pdf_sha256, seen.size).await);
            checks.add("security", &path, "executable", !executable(&head), "no executable content");
            copies.push(ArchiveFile {
                path: path.clone(),
                size: seen.size,
                sha256: hex::encode(seen.sha256),
                sm3: hex::encode(seen.sm3),
                original: Some(digests.pdf_sha256.clone()),
                content: None,
            });
            if d.format != REGISTERED {
                let format = formats.get(&d.format).ok_or_else(|| {
                    ServiceError::Internal(format!("document {} has no format {}", d.id, d.format))
                })?;
                let valid = liuhen_docs::validate(format, &d.fields)
                    .map_err(|_| ServiceError::Internal(format!("document {} no longer validates", d.id)))?;
                let canonical = valid.canonical();
                let same = canonical.digests.sha256 == digests.data_sha256;
                let json_path = format!("{base}.json");
                checks.add(
                    "authenticity",
                    &json_path,
                    "digests",
                    same,
                    "SHA-256 of the canonical field data against the one fixed at issue",
                );
                text(json_path, String::from_utf8_lossy(&canonical.bytes).into_owned());
            }
            catalogue.push(serde_json::json!({
                "seq": n, "kind": "document", "title": d.format_name, "number": d.number,
                "date": d.issued_at.map(|t| liuhen_domain::when::in_beijing(t).date().to_string()),
                "bytes": seen.size, "file": path,
            }));
        }
        for e in &evidence {
            n += 1;
            let path = format!("{}{n:03}-{}", layout::EVIDENCE, segment(&e.file_name));
            let (seen, head, _, identity) = rehash(originals, &e.sha256, e.size).await?;
            let same = hex::encode(seen.sha256) == e.sha256 && hex::encode(seen.sm3) == e.sm3;
            if let Some(identity) = identity.filter(|_| same) {
                checked.push((e.sha256.clone(), OriginalCheck { identity, checked_at: now }));
            }
            checks.add(
                "authenticity",
                &path,
                "digests",
                same,
                "SHA-256 and SM3 of the original against those fixed at ingest",
            );
            if archive_checks::is_av(&e.media_type) {
                // As ingest recorded it: the container it found (none when it found none) and the duration.
                let recognised = e.media.get("status").and_then(|s| s.as_str()) == Some("recognised");
                let container = e.media.get("container").and_then(|c| c.as_str());
                let recorded = archive_checks::Recorded {
                    media_type: &e.media_type,
                    duration_ms: e.duration_ms,
                    container: Some(container.filter(|_| recognised).unwrap_or("unparsed")),
                };
                checks.0.push(archive_checks::media(originals, &path, &e.sha256, seen.size, recorded).await);
            } else if archive_checks::is_pdf(&path, Some(&e.media_type)) {
                checks.0.push(archive_checks::pdf(originals, &path, &e.sha256, seen.size).await);
            }
            checks.add("security", &path, "executable", !executable(&head), "no executable content");
            copies.push(ArchiveFile {
                path: path.clone(),
                size: seen.size,
                sha256: hex::encode(seen.sha256),
                sm3: hex::encode(seen.sm3),
                original: Some(e.sha256.clone()),
                content: None,
            });
            catalogue.push(serde_json::json!({
                "seq": n, "kind": "evidence", "title": e.file_name, "media_type": e.media_type,
                "recorded_start": e.recorded_start_corrected.map(|t| liuhen_domain::when::in_beijing(t).to_string()),
                "duration_ms": e.duration_ms, "bytes": seen.size, "file": path,
            }));
        }
        // 完整性: the catalogue's sequence has no gaps and every item is present.
        let seqs: Vec<u64> = catalogue.iter().filter_map(|c| c.get("seq").and_then(|s| s.as_u64())).collect();
        let gapless = seqs.iter().enumerate().all(|(i, s)| *s == i as u64 + 1);
        checks.add(
            "integrity",
            layout::CATALOGUE,
            "sequence",
            gapless,
            format!("items 1 to {} without gaps", seqs.len()),
        );
        // 完整性: every ledger entry about the case, below the checkpoint, proven.
        let mut indexes = Vec::with_capacity(entries.len());
        for (seq, body) in &entries {
            let proof = self.inclusion_proof(*seq, cp.size).await?;
            let decoded = LedgerEntry::decode(body).is_ok();
            checks.add(
                "authenticity",
                &layout::entry_path(*seq),
                "entry",
                decoded,
                "a canonical ledger entry",
            );
            let t = liuhen_tlog::TlogProof {
                extra: Some(body.clone()),
                index: *seq,
                proof,
                checkpoint: cp.note.clone(),
            }
            .to_text();
            text(layout::entry_path(*seq), t);
            indexes.push(*seq);
        }
        checks.add(
            "integrity",
            layout::INDEX,
            "entries",
            !indexes.is_empty(),
            format!("{} ledger entries about the case, each with its proof", indexes.len()),
        );
        let keys: String = self.ledger_signer().verifier_keys().iter().map(|k| format!("{k}\n")).collect();
        text(layout::KEYS.into(), keys);
        text(layout::CHECKPOINT.into(), cp.note.clone());
        let index = LedgerIndex { case: case.id.subject(), records, size: cp.size, entries: indexes };
        text(layout::INDEX.into(), json(&index)?);
        let case_json = serde_json::json!({
            "id": case.id, "number": case.number, "cause": case.cause, "kind": case.kind,
            "procedure": case.procedure, "label": case.label, "parties": case.parties,
            "officers": case.officers, "opened_at": case.created_at, "summary": case.summary,
            "acts": acts, "stage_moves": moves,
        });
        text(layout::CASE.into(), json(&case_json)?);
        text(layout::CATALOGUE.into(), json(&serde_json::json!({ "items": catalogue }))?);

        files.extend(copies);
        let mut paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        paths.sort_unstable();
        let unique = paths.windows(2).all(|w| w.first() != w.get(1));
        checks.add("authenticity", "package", "duplicates", unique, "no path twice");
        checks.0.extend(archive_checks::scan(&self.config.antivirus, originals, &files).await);
        let passed = checks.0.iter().all(|c| c.passed);
        let report = FourProperties {
            made_at: now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            passed,
            checks: checks.0,
        };
        // The report is itself a payload file (JSON, and a PDF page to print): the checks above cover the others.
        let pdf = self.report_pdf(case, &report, now).await?;
        let digests = Digests::of(&pdf);
        let (stored, _) = area.store_bytes(pdf).await?;
        files.push(ArchiveFile {
            path: layout::CHECKS_PDF.into(),
            size: digests.size,
            sha256: hex::encode(digests.sha256),
            sm3: hex::encode(digests.sm3),
            original: Some(stored),
            content: None,
        });
        let report_text = json(&report)?;
        let d = Digests::of(report_text.as_bytes());
        files.push(ArchiveFile {
            path: layout::CHECKS.into(),
            size: d.size,
            sha256: hex::encode(d.sha256),
            sm3: hex::encode(d.sm3),
            original: None,
            content: Some(report_text),
        });
        Ok((Payload { files, checkpoint_size: cp.size, checked }, report))
    }
}

struct Payload {
    files: Vec<ArchiveFile>,
    checkpoint_size: u64,
    /// The originals read whole and found to be what their names say.
    checked: Checked,
}

/// The ledger index a packaged entry's path names.
fn entry_index(path: &str) -> Option<u64> {
    path.strip_prefix(layout::ENTRIES)?.strip_suffix(".tlog-proof")?.parse().ok()
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v).map_err(|e| ServiceError::Internal(format!("encoding: {e}")))
}

fn hex32(h: &str) -> Result<[u8; 32]> {
    let v = hex::decode(h).map_err(|e| ServiceError::Internal(format!("digest {h}: {e}")))?;
    v.try_into().map_err(|_| ServiceError::Internal(format!("digest {h}: not 32 bytes")))
}

/// Reads an original whole: its digests, its first and last kilobyte, and —
/// for a file in the local folder that had settled before it was read and
/// did not change while it was — its stat identity, to record with a check
/// that found it to be what its name says.
async fn rehash(
    originals: &liuhen_store::originals::Originals,
    sha256: &str,
    size: u64,
) -> Result<(Digests, Vec<u8>, Vec<u8>, Option<FileIdentity>)> {
    use futures_util::StreamExt as _;
    let began = std::time::SystemTime::now();
    let before = originals
        .identity(sha256)
        .await
        .map_err(|e| ServiceError::Internal(format!("original {sha256}: {e}")))?;
    let mut stream = originals
        .read(sha256, 0, size)
        .await
        .map_err(|e| ServiceError::Internal(format!("original {sha256}: {e}")))?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    let hasher = tokio::task::spawn_blocking(move || {
        let mut reader = ChannelReader { rx, current: Bytes::new() };
        liuhen_archive::digest_reader(&mut reader, Some(size))
    });
    let mut head = Vec::new();
    let mut tail: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ServiceError::Internal(format!("reading original {sha256}: {e}")))?;
        if head.len() < 1024 {
            head.extend(chunk.iter().take(1024 - head.len()));
        }
        tail.extend_from_slice(&chunk);
        if tail.len() > 1024 {
            tail.drain(..tail.len() - 1024);
        }
        tx.send(chunk).await.map_err(|_| ServiceError::Internal("hashing stopped".into()))?;
    }
    drop(tx);
    let digests = hasher
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .map_err(|e| ServiceError::Internal(format!("hashing original {sha256}: {e}")))?;
    let after = originals.identity(sha256).await.ok().flatten();
    let identity = before.filter(|b| after == Some(*b) && b.settled(began));
    Ok((digests, head, tail, identity))
}

/// The checks to record: originals read whole and found to be what their names say.
type Checked = Vec<(String, OriginalCheck)>;

/// A blocking reader over chunks sent from async code.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(c) => self.current = c,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        let chunk = self.current.split_to(n);
        buf.get_mut(..n).unwrap_or_default().copy_from_slice(&chunk);
        Ok(n)
    }
}

const CHUNK: usize = 256 * 1024;

/// The size of the pieces an original is read and sent in.
const PIECE: usize = 2 * 1024 * 1024;

/// Pieces read ahead of the SHA-256 check.
const HASH_AHEAD: usize = 4;

/// Buffers kept for the pieces of an original, each used again once its
/// piece is sent (the response's channel bounds what is in flight).
const POOL: usize = 8;

/// A blocking writer that sends what it is given, in chunks, to the response.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<std::io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    /// Sends what is buffered, then `piece` as it is (no copy).
    fn send(&mut self, piece: Bytes) -> std::io::Result<()> {
        self.flush()?;
        self.tx
            .blocking_send(Ok(piece))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the receiver went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the receiver went away"))
    }
}

/// The last full check of each original a package copies, as a download
/// finds it: an original in the local folder whose file still has the stat
/// identity recorded then is sent without hashing it again (see
/// [`liuhen_store::FileIdentity`]); any other is hashed as it is sent, and
/// its check recorded when it proves to be what its name says.
struct LastChecks {
    /// By original name, the identity its file had when last found to hash to it.
    known: std::collections::HashMap<String, FileIdentity>,
    store: liuhen_store::Store,
    /// When the download began, by the service's clock.
    now: OffsetDateTime,
}

impl LastChecks {
    /// Records (or, `None`, forgets) the check of an original, as the download
    /// goes on: a failure to write it is logged, and costs the next download a hash.
    fn note(&self, handle: &tokio::runtime::Handle, sha256: &str, identity: Option<FileIdentity>) {
        let (sha256, checked_at) = (sha256.to_owned(), self.now);
        let written = handle.block_on(self.store.transact(move |tx| {
            Box::pin(async move {
                match identity {
                    Some(identity) => {
                        tx.record_original_check(&sha256, &OriginalCheck { identity, checked_at }).await
                    }
                    None => tx.forget_original_check(&sha256).await,
                }
            })
        }));
        if let Err(e) = written {
            tracing::warn!(error = %e, "recording the check of an original");
        }
    }
}

/// Writes the tar file: tag files first, then the payload (originals read
/// as they are written; each either checked against its recorded SHA-256
/// as it goes, or found unchanged since its last full check, and either
/// way a file found otherwise stops the package with an error before its
/// last piece, so the package never holds a whole file other than the one
/// recorded).
fn write_tar(
    sink: ChannelWriter,
    top: &str,
    tags: &[(String, Vec<u8>)],
    files: &[ArchiveFile],
    originals: &liuhen_store::originals::Originals,
    last: &LastChecks,
    handle: &tokio::runtime::Handle,
) -> std::io::Result<()> {
    let mut tar = tar::Builder::new(sink);
    tar.mode(tar::HeaderMode::Deterministic);
    let header = |size: u64| {
        let mut h = tar::Header::new_gnu();
        h.set_size(size);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        h
    };
    for (path, bytes) in tags {
        tar.append_data(&mut header(bytes.len() as u64), format!("{top}/{path}"), bytes.as_slice())?;
    }
    let pool = Pool::new();
    for f in files {
        let path = format!("{top}/{}", f.path);
        match (&f.content, &f.original) {
            (Some(text), _) => tar.append_data(&mut header(f.size), path, text.as_bytes())?,
            (None, Some(sha)) => {
                let began = std::time::SystemTime::now();
                let source = handle
                    .block_on(originals.source(sha, 0, f.size))
                    .map_err(|e| std::io::Error::other(format!("original {sha}: {e}")))?;
                // The header (and a long-name entry before it where the path
                // needs one): given no data, the builder writes nothing else.
                tar.append_data(&mut header(f.size), path, std::io::empty())?;
                let mut pieces = Pieces { source, pool: &pool, handle };
                let identity = pieces.identity()?;
                let sent = match identity.filter(|i| last.known.get(sha) == Some(i)) {
                    Some(identity) => send_unchanged(tar.get_mut(), &mut pieces, f, identity),
                    None => send_checked(tar.get_mut(), &mut pieces, f).and_then(|()| {
                        // A local file that had settled before it was hashed, and held still while it was.
                        let held = identity.filter(|i| i.settled(began));
                        if held.is_some() && pieces.identity()? == held {
                            last.note(handle, sha, held);
                        }
                        Ok(())
                    }),
                };
                if let Err(e) = sent {
                    if e.kind() == std::io::ErrorKind::InvalidData {
                        // Found changed: its check no longer holds.
                        last.note(handle, sha, None);
                    }
                    return Err(e);
                }
                let pad = usize::try_from((512 - f.size % 512) % 512).unwrap_or_default();
                tar.get_mut().write_all(&vec![0; pad])?;
            }
            (None, None) => return Err(std::io::Error::other(format!("{}: no content", f.path))),
        }
    }
    let mut sink = tar.into_inner()?;
    sink.flush()
}

/// Sends an original's bytes as they are read, while another thread checks
/// their SHA-256; the last piece goes only once the whole file proved to be
/// the recorded one (its size and SHA-256).
fn send_checked(sink: &mut ChannelWriter, pieces: &mut Pieces<'_>, f: &ArchiveFile) -> std::io::Result<()> {
    std::thread::scope(|scope| {
        let (to_hash, hashing) = std::sync::mpsc::sync_channel::<Bytes>(HASH_AHEAD);
        let hasher = scope.spawn(move || {
            let mut sha = sha2_new();
            let mut size = 0u64;
            for piece in hashing {
                sha2::Digest::update(&mut sha, &piece);
                size += piece.len() as u64;
            }
            (hex::encode(sha2::Digest::finalize(sha)), size)
        });
        let mut held: Option<Bytes> = None;
        let mut read = || -> std::io::Result<()> {
            while let Some(piece) = pieces.next()? {
                to_hash
                    .send(piece.clone())
                    .map_err(|_| std::io::Error::other("the SHA-256 check stopped"))?;
                if let Some(before) = held.replace(piece) {
                    sink.send(before)?;
                }
            }
            Ok(())
        };
        let read = read();
        drop(to_hash);
        let (got, size) = hasher.join().map_err(|_| std::io::Error::other("the SHA-256 check failed"))?;
        read?;
        if size != f.size || got != f.sha256 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: the original changed ({size} bytes, SHA-256 {got})", f.path),
            ));
        }
        match held {
            Some(last) => sink.send(last),
            None => Ok(()),
        }
    })
}

/// Sends an original found unchanged since its last full check, as it is
/// read, without hashing it; the last piece goes only once the file proved
/// to be still unchanged after the rest was read (its size and stat identity).
fn send_unchanged(
    sink: &mut ChannelWriter,
    pieces: &mut Pieces<'_>,
    f: &ArchiveFile,
    identity: FileIdentity,
) -> std::io::Result<()> {
    let (mut held, mut size) = (None::<Bytes>, 0u64);
    while let Some(piece) = pieces.next()? {
        size += piece.len() as u64;
        if let Some(before) = held.replace(piece) {
            sink.send(before)?;
        }
    }
    if size != f.size || pieces.identity()? != Some(identity) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: the original changed while it was sent ({size} bytes read)", f.path),
        ));
    }
    match held {
        Some(last) => sink.send(last),
        None => Ok(()),
    }
}

fn sha2_new() -> sha2::Sha256 {
    <sha2::Sha256 as sha2::Digest>::new()
}

/// Buffers of [`PIECE`] bytes, each back in the pool once the piece read into
/// it is sent. Never waited for: a response that holds on to its pieces (one
/// collected whole) gets new buffers, and the pool keeps at most [`POOL`].
struct Pool {
    home: std::sync::mpsc::SyncSender<Vec<u8>>,
    free: std::sync::mpsc::Receiver<Vec<u8>>,
}

impl Pool {
    fn new() -> Pool {
        let (home, free) = std::sync::mpsc::sync_channel(POOL);
        Pool { home, free }
    }

    /// A free buffer, or a new one while they are all in flight.
    fn take(&self) -> Vec<u8> {
        self.free.try_recv().unwrap_or_default()
    }
}

/// A piece read into a pool's buffer: its bytes go to the response without a
/// copy, and the buffer back to the pool when the response is done with them.
struct Piece {
    buf: Vec<u8>,
    len: usize,
    home: std::sync::mpsc::SyncSender<Vec<u8>>,
}

impl AsRef<[u8]> for Piece {
    fn as_ref(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

impl Drop for Piece {
    fn drop(&mut self) {
        // The pool may be full, or gone (the package finished): then the buffer is freed.
        let _ = self.home.try_send(std::mem::take(&mut self.buf));
    }
}

/// An original's bytes in pieces, read on a blocking thread.
struct Pieces<'a> {
    source: liuhen_store::originals::Source,
    pool: &'a Pool,
    handle: &'a tokio::runtime::Handle,
}

impl Pieces<'_> {
    fn next(&mut self) -> std::io::Result<Option<Bytes>> {
        use liuhen_store::originals::Source;
        match &mut self.source {
            Source::File(file) => {
                let want = usize::try_from(file.limit()).unwrap_or(PIECE).min(PIECE);
                if want == 0 {
                    return Ok(None);
                }
                let mut buf = self.pool.take();
                if buf.len() < PIECE {
                    buf.resize(PIECE, 0);
                }
                let mut len = 0;
                while let Some(rest) = buf.get_mut(len..want).filter(|r| !r.is_empty()) {
                    match file.read(rest) {
                        Ok(0) => break,
                        Ok(n) => len += n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                let piece = Piece { buf, len, home: self.pool.home.clone() };
                Ok((len > 0).then(|| Bytes::from_owner(piece)))
            }
            Source::Stream(stream) => {
                use futures_util::StreamExt as _;
                self.handle.block_on(stream.next()).transpose()
            }
        }
    }

    /// The stat identity of the local file read (`None` for a stream).
    fn identity(&self) -> std::io::Result<Option<FileIdentity>> {
        use liuhen_store::originals::Source;
        match &self.source {
            Source::File(file) => Ok(FileIdentity::of(&file.get_ref().metadata()?)),
            Source::Stream(_) => Ok(None),
        }
    }
}
