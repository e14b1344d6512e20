//! 保管期限, legal holds and destruction (销毁).
//!
//! How long a record is kept is the rulebook's (`liuhen_policy::Retention`): a case file gets the
//! longest class of every rule that applies to it when it is packaged, counted from 1 January of
//! the next year; an AV record not filed with a case is counted from its upload; one filed with a
//! case follows the case.
//!
//! Destroying goes through a request listing the records (the 销毁清册) and two approvals by two
//! people other than the requester (档案管理员, 负责人 or 监督人员 of the agency). Nothing is
//! destroyed before its retention ran out, while a hold on it is live, while a 调阅 grant on its
//! case runs, or twice. The second approval checks all of that again and, in the same write,
//! marks the records destroyed and appends one `record.destroyed` entry per record (the
//! tombstone: identifiers and digests, never content); then the files go from the store. A crash
//! between the two leaves the request `approved`, and [`Service::finish_destructions`] (run at
//! start) removes the files.

use liuhen_domain::{
    CaseId, DESTRUCTION_APPROVALS, Destruction, DestructionApproval, DestructionId, DestructionState,
    EntryKind, Evidence, Hold, HoldId, LiftHold, NewDestruction, NewHold, RecordRef, RecordSource, Role,
    Stage, retention_reason,
};
use liuhen_policy::{RecordFacts, RetentionDecision};
use liuhen_store::{CaseScope, Tx};
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::archive::may_archive;
use crate::error::{Result, ServiceError};
use crate::secrets::random_bytes;
use crate::{Principal, Service, actor, record};

/// One line of a 销毁清册, or a record that may be listed on one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegisterItem {
    pub target: RecordRef,
    /// 档号 of a case file; the file name of an AV record.
    pub title: String,
    /// 案件编号 and 案由 of a case file.
    pub case_number: Option<String>,
    pub cause: Option<String>,
    /// 保管期限代码 and its name.
    pub class: String,
    pub class_name: String,
    /// The last day kept, `YYYY-MM-DD`; `None`: 永久.
    pub retain_until: Option<String>,
    /// Files and bytes destroyed with it.
    pub files: usize,
    pub bytes: u64,
    /// What identifies its content after it is gone: a package's manifest digests, an AV record's
    /// file digests (`sha256:…`, `sm3:…`).
    pub digests: Vec<String>,
    /// Why it cannot be destroyed now (empty: it can).
    pub refusals: Vec<String>,
    pub destroyed: bool,
}

/// A destruction request as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DestructionView {
    #[serde(flatten)]
    pub destruction: Destruction,
    /// The 销毁清册: one line per record, as it stands now.
    pub register: Vec<RegisterItem>,
    /// Approvals still needed.
    pub approvals_missing: usize,
}

/// A case file's retention as the case page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RetentionView {
    pub class: String,
    pub class_name: String,
    pub retain_until: Option<String>,
    pub basis: Vec<String>,
    /// Live holds on the case.
    pub holds: Vec<Hold>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub destroyed_at: Option<OffsetDateTime>,
}

/// Who approves a destruction (with the requester, an archivist, never one of the two).
fn may_approve(me: &Principal) -> bool {
    me.user.active && matches!(me.user.role, Role::Archivist | Role::Leader | Role::Supervisor)
}

fn beijing_date(t: OffsetDateTime) -> Date {
    liuhen_domain::when::in_beijing(t).date()
}

impl Service {
    /// [`ServiceError::Gone`] when the case's file was destroyed.
    pub(crate) async fn refuse_destroyed(&self, case: CaseId) -> Result<()> {
        let mut tx = self.store.read().await?;
        let a = tx.case_archive(case).await?;
        tx.finish().await?;
        match a.and_then(|a| a.destroyed_at.map(|at| (a.file_no, at))) {
            Some((file_no, at)) => Err(ServiceError::Gone(format!(
                "the case file {file_no} was destroyed on {} (销毁); its digests stay in the ledger",
                beijing_date(at)
            ))),
            None => Ok(()),
        }
    }

    /// The retention class of a case file: the longest of every rule that applies to it.
    pub(crate) async fn case_retention<M>(
        &self,
        tx: &mut Tx<M>,
        case: &liuhen_domain::Case,
    ) -> Result<RetentionDecision> {
        let reviews = tx.reviews(case.id).await?;
        let referred = reviews
            .iter()
            .any(|r| r.opinion.as_ref().is_some_and(|o| o.outcome == liuhen_domain::ReviewOutcome::Refer));
        let facts = RecordFacts::case_file(case.procedure, case.kind, !reviews.is_empty(), referred);
        self.policy()?.retention().decide(&facts).ok_or_else(|| {
            ServiceError::Conflict(
                "the rulebook gives this case file no retention class ([[retention]])".into(),
            )
        })
    }

    /// The class and last day of an AV record not filed with a case.
    fn loose_retention(&self, e: &Evidence) -> Result<(RetentionDecision, Option<Date>)> {
        let source = if e.station_id.is_some() { RecordSource::Station } else { RecordSource::Upload };
        let d = self.policy()?.retention().decide(&RecordFacts::loose_av(source)).ok_or_else(|| {
            ServiceError::Conflict("the rulebook gives AV records no retention class ([[retention]])".into())
        })?;
        let until = d.class.period.until(beijing_date(e.created_at));
        Ok((d, until))
    }

    /// A case file's retention, holds and destruction (archivists; the case page).
    pub async fn case_retention_view(
        &self,
        me: &Principal,
        case_id: CaseId,
    ) -> Result<Option<RetentionView>> {
        may_archive(me)?;
        let mut tx = self.store.read().await?;
        let archive = tx.case_archive(case_id).await?.filter(|a| a.agency_id == me.user.agency_id);
        let Some(a) = archive else {
            tx.finish().await?;
            return Ok(None);
        };
        let holds = tx.holds(me.user.agency_id, Some(&RecordRef::Case { id: case_id })).await?;
        tx.finish().await?;
        let name = self.policy()?.retention().class(&a.retention_class).map(|c| c.name.clone());
        Ok(Some(RetentionView {
            class_name: name.unwrap_or_else(|| a.retention_class.clone()),
            class: a.retention_class,
            retain_until: a.retain_until,
            basis: serde_json::from_str(&a.retention_basis).unwrap_or_default(),
            holds: holds.into_iter().filter(Hold::live).collect(),
            destroyed_at: a.destroyed_at,
        }))
    }

    /// Places a legal hold on a case file or an AV record (archivists).
    pub async fn place_hold(&self, me: &Principal, input: &NewHold) -> Result<Hold> {
        may_archive(me)?;
        let reason = retention_reason("reason", &input.reason)?;
        let now = self.now();
        let me = me.clone();
        let target = input.target;
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    target_of_agency(tx, me.user.agency_id, &target).await?;
                    let hold = Hold {
                        id: HoldId::from_bytes(random_bytes()?),
                        target,
                        reason,
                        placed_by: me.user.id,
                        placed_at: now,
                        lifted_by: None,
                        lift_reason: None,
                        lifted_at: None,
                    };
                    tx.insert_hold(me.user.agency_id, &hold).await?;
                    let subjects = vec![hold.id.subject(), target.subject()];
                    record(
                        tx,
                        now,
                        EntryKind::HoldPlaced,
                        actor(&me.user),
                        Some(me.user.agency_id),
                        subjects,
                        Some(&hold),
                    )
                    .await?;
                    Ok(hold)
                })
            })
            .await
    }

    /// Lifts a live hold, with the reason (archivists).
    pub async fn lift_hold(&self, me: &Principal, id: HoldId, input: &LiftHold) -> Result<Hold> {
        may_archive(me)?;
        let reason = retention_reason("reason", &input.reason)?;
        let now = self.now();
        let me = me.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let agency = me.user.agency_id;
                    let hold = tx.hold(agency, id).await?.ok_or(ServiceError::NotFound("hold"))?;
                    if !tx.lift_hold(id, me.user.id, &reason, now).await? {
                        return Err(ServiceError::Conflict("the hold was lifted already".into()));
                    }
                    let subjects = vec![id.subject(), hold.target.subject()];
                    let lifted = tx.hold(agency, id).await?.ok_or(ServiceError::NotFound("hold"))?;
                    record(
                        tx,
                        now,
                        EntryKind::HoldLifted,
                        actor(&me.user),
                        Some(agency),
                        subjects,
                        Some(&lifted),
                    )
                    .await?;
                    Ok(lifted)
                })
            })
            .await
    }

    /// The agency's holds, newest first, or those on one record (archivists).
    pub async fn holds(&self, me: &Principal, target: Option<RecordRef>) -> Result<Vec<Hold>> {
        may_archive(me)?;
        let mut tx = self.store.read().await?;
        let holds = tx.holds(me.user.agency_id, target.as_ref()).await?;
        tx.finish().await?;
        Ok(holds)
    }

    /// Records whose retention ran out and that are not destroyed yet: what a 销毁清册 may list
    /// (archivists). Each line says why it cannot be destroyed now, if it cannot.
    pub async fn due_for_destruction(&self, me: &Principal) -> Result<Vec<RegisterItem>> {
        may_archive(me)?;
        let now = self.now();
        let today = beijing_date(now);
        let mut tx = self.store.read().await?;
        let mut out = Vec::new();
        for case_id in tx.packages_due(me.user.agency_id, &today.to_string()).await? {
            out.push(
                self.register_item(&mut tx, me.user.agency_id, &RecordRef::Case { id: case_id }, now, None)
                    .await?,
            );
        }
        // Only clips older than the shortest class any loose clip gets can be due: the store skips the rest.
        let shortest = [RecordSource::Station, RecordSource::Upload]
            .into_iter()
            .filter_map(|s| self.policy().ok()?.retention().decide(&RecordFacts::loose_av(s)))
            .filter_map(|d| d.class.period.until(today))
            .min();
        let before = match shortest {
            // A clip uploaded on day D is due once `until(D)` has passed, about D < today − (until(today) −
            // today); months differ in length, so a few days' margin, and each clip is decided exactly below.
            Some(last) => now - (last - today) + time::Duration::days(4),
            None => OffsetDateTime::UNIX_EPOCH,
        };
        for id in tx.loose_evidence_ids(me.user.agency_id, before).await? {
            let item = self
                .register_item(&mut tx, me.user.agency_id, &RecordRef::Evidence { id }, now, None)
                .await?;
            if item.retain_until.as_deref().is_some_and(|u| u < today.to_string().as_str()) {
                out.push(item);
            }
        }
        tx.finish().await?;
        Ok(out)
    }

    /// Requests the destruction of records (archivists): each must be due and free.
    pub async fn request_destruction(
        &self,
        me: &Principal,
        input: &NewDestruction,
    ) -> Result<DestructionView> {
        may_archive(me)?;
        let input = input.validate()?;
        let now = self.now();
        let me2 = me.clone();
        let service = self.clone();
        let id = self
            .store
            .transact(move |tx| {
                let (me, service, input) = (me2.clone(), service.clone(), input.clone());
                Box::pin(async move {
                    let agency = me.user.agency_id;
                    let mut refused = Vec::new();
                    for item in &input.items {
                        let line = service.register_item(tx, agency, item, now, None).await?;
                        refused.extend(line.refusals.iter().map(|r| format!("{}: {r}", line.title)));
                    }
                    if !refused.is_empty() {
                        return Err(ServiceError::Conflict(format!("不能销毁: {}", refused.join("; "))));
                    }
                    let d = Destruction {
                        id: DestructionId::from_bytes(random_bytes()?),
                        items: input.items.clone(),
                        reason: input.reason.clone(),
                        state: DestructionState::Requested,
                        requested_by: me.user.id,
                        requested_at: now,
                        approvals: Vec::new(),
                        withdraw_reason: None,
                        done_at: None,
                    };
                    tx.insert_destruction(agency, &d).await?;
                    let mut subjects = vec![d.id.subject()];
                    subjects.extend(d.items.iter().map(RecordRef::subject));
                    record(
                        tx,
                        now,
                        EntryKind::DestructionRequested,
                        actor(&me.user),
                        Some(agency),
                        subjects,
                        Some(&d),
                    )
                    .await?;
                    Ok(d.id)
                })
            })
            .await?;
        self.destruction(me, id).await
    }

    /// Approves a destruction (档案管理员, 负责人, 监督人员; not the requester; once each). The
    /// second approval destroys: it checks every record again, marks them destroyed and leaves a
    /// tombstone entry for each, and then removes their files.
    pub async fn approve_destruction(&self, me: &Principal, id: DestructionId) -> Result<DestructionView> {
        if !may_approve(me) {
            return Err(ServiceError::Forbidden(
                "destructions are approved by 档案管理员, 负责人 or 监督人员".into(),
            ));
        }
        let now = self.now();
        let me2 = me.clone();
        let service = self.clone();
        let complete = self
            .store
            .transact(move |tx| {
                let (me, service) = (me2.clone(), service.clone());
                Box::pin(async move {
                    let agency = me.user.agency_id;
                    let d = tx.destruction(agency, id).await?.ok_or(ServiceError::NotFound("destruction"))?;
                    if d.state != DestructionState::Requested {
                        return Err(ServiceError::Conflict(format!("the request is {}", d.state.label_zh())));
                    }
                    if d.requested_by == me.user.id {
                        return Err(ServiceError::Forbidden(
                            "the requester cannot approve their own request".into(),
                        ));
                    }
                    if d.approvals.iter().any(|a| a.approver == me.user.id) {
                        return Err(ServiceError::Conflict("you approved this request already".into()));
                    }
                    tx.approve_destruction(id, me.user.id, d.approvals.len(), now).await?;
                    record(
                        tx,
                        now,
                        EntryKind::DestructionApproved,
                        actor(&me.user),
                        Some(agency),
                        vec![id.subject()],
                        Some(&DestructionApproval { approver: me.user.id, approved_at: now }),
                    )
                    .await?;
                    if d.approvals.len() + 1 < DESTRUCTION_APPROVALS {
                        return Ok(false);
                    }
                    // The last approval: everything again, as it stands now.
                    let mut refused = Vec::new();
                    let mut lines = Vec::new();
                    for item in &d.items {
                        let line = service.register_item(tx, agency, item, now, Some(id)).await?;
                        refused.extend(line.refusals.iter().map(|r| format!("{}: {r}", line.title)));
                        lines.push(line);
                    }
                    if !refused.is_empty() {
                        return Err(ServiceError::Conflict(format!("不能销毁: {}", refused.join("; "))));
                    }
                    for line in &lines {
                        match line.target {
                            RecordRef::Case { id: case } => tx.destroy_case_file(case, now).await?,
                            RecordRef::Evidence { id: ev } => tx.destroy_evidence(ev, now).await?,
                        }
                        let mut subjects = vec![id.subject(), line.target.subject()];
                        subjects.extend(line.digests.iter().map(|d| format!("file:{d}")));
                        let tombstone = serde_json::json!({
                            "destruction": id,
                            "title": line.title,
                            "class": line.class,
                            "retain_until": line.retain_until,
                            "files": line.files,
                            "bytes": line.bytes,
                        });
                        record(
                            tx,
                            now,
                            EntryKind::RecordDestroyed,
                            actor(&me.user),
                            Some(agency),
                            subjects,
                            Some(&tombstone),
                        )
                        .await?;
                    }
                    if !tx
                        .set_destruction_state(
                            id,
                            DestructionState::Requested,
                            DestructionState::Approved,
                            None,
                            None,
                        )
                        .await?
                    {
                        return Err(ServiceError::Conflict("the request changed meanwhile".into()));
                    }
                    Ok(true)
                })
            })
            .await?;
        if complete {
            self.remove_destroyed_files(me.user.agency_id, id).await?;
        }
        self.destruction(me, id).await
    }

    /// Withdraws a request (its requester) or refuses it (an approver), with the reason.
    pub async fn withdraw_destruction(
        &self,
        me: &Principal,
        id: DestructionId,
        reason: &str,
    ) -> Result<DestructionView> {
        let reason = retention_reason("reason", reason)?;
        let now = self.now();
        let me2 = me.clone();
        self.store
            .transact(move |tx| {
                let me = me2.clone();
                let reason = reason.clone();
                Box::pin(async move {
                    let agency = me.user.agency_id;
                    let d = tx.destruction(agency, id).await?.ok_or(ServiceError::NotFound("destruction"))?;
                    if d.requested_by != me.user.id && !may_approve(&me) {
                        return Err(ServiceError::Forbidden(
                            "only the requester or an approver withdraws it".into(),
                        ));
                    }
                    if !tx
                        .set_destruction_state(
                            id,
                            DestructionState::Requested,
                            DestructionState::Withdrawn,
                            Some(&reason),
                            None,
                        )
                        .await?
                    {
                        return Err(ServiceError::Conflict(format!("the request is {}", d.state.label_zh())));
                    }
                    let content = serde_json::json!({ "destruction": id, "reason": reason });
                    record(
                        tx,
                        now,
                        EntryKind::DestructionWithdrawn,
                        actor(&me.user),
                        Some(agency),
                        vec![id.subject()],
                        Some(&content),
                    )
                    .await?;
                    Ok(())
                })
            })
            .await?;
        self.destruction(me, id).await
    }

    /// One destruction with its 销毁清册 (archivists and approvers of the agency).
    pub async fn destruction(&self, me: &Principal, id: DestructionId) -> Result<DestructionView> {
        if !may_approve(me) {
            return Err(ServiceError::Forbidden(
                "destructions are for 档案管理员, 负责人 and 监督人员".into(),
            ));
        }
        let now = self.now();
        let mut tx = self.store.read().await?;
        let d = tx.destruction(me.user.agency_id, id).await?;
        let Some(d) = d else {
            tx.finish().await?;
            return Err(ServiceError::NotFound("destruction"));
        };
        let mut register = Vec::new();
        for item in &d.items {
            register.push(self.register_item(&mut tx, me.user.agency_id, item, now, Some(id)).await?);
        }
        tx.finish().await?;
        let open = matches!(d.state, DestructionState::Requested);
        let approvals_missing =
            if open { DESTRUCTION_APPROVALS.saturating_sub(d.approvals.len()) } else { 0 };
        Ok(DestructionView { destruction: d, register, approvals_missing })
    }

    /// The agency's destructions, newest first.
    pub async fn destructions(&self, me: &Principal) -> Result<Vec<DestructionView>> {
        if !may_approve(me) {
            return Err(ServiceError::Forbidden(
                "destructions are for 档案管理员, 负责人 and 监督人员".into(),
            ));
        }
        let mut tx = self.store.read().await?;
        let ids = tx.destruction_ids(me.user.agency_id).await?;
        tx.finish().await?;
        let mut out = Vec::new();
        for id in ids {
            out.push(self.destruction(me, id).await?);
        }
        Ok(out)
    }

    /// The 销毁清册 as a PDF page.
    pub async fn destruction_register_pdf(&self, me: &Principal, id: DestructionId) -> Result<Vec<u8>> {
        let view = self.destruction(me, id).await?;
        let mut tx = self.store.read().await?;
        let agency = tx.get_unit(me.user.agency_id).await?;
        let mut names = Vec::new();
        for u in std::iter::once(view.destruction.requested_by)
            .chain(view.destruction.approvals.iter().map(|a| a.approver))
        {
            names.push(tx.get_user(u).await?.display_name);
        }
        tx.finish().await?;
        let day = |t: OffsetDateTime| beijing_date(t).to_string();
        let d = &view.destruction;
        let col = |h: &str, w: f64| liuhen_pdf::ReportColumn { header: h.to_owned(), width: w };
        let approvals = d
            .approvals
            .iter()
            .zip(names.iter().skip(1))
            .map(|(a, n)| format!("{n}（{}）", day(a.approved_at)))
            .collect::<Vec<_>>()
            .join("、");
        let table = liuhen_pdf::TableReport {
            title: "档案销毁清册".to_owned(),
            header: agency.name.clone(),
            footer: format!("销毁申请 {}", d.id),
            meta: vec![
                ("全宗单位".to_owned(), agency.name.clone()),
                ("申请人".to_owned(), format!("{}（{}）", names.first().map_or("", String::as_str), day(d.requested_at))),
                ("销毁理由".to_owned(), d.reason.clone()),
                ("审批".to_owned(), if approvals.is_empty() { "（待审批）".to_owned() } else { approvals }),
                ("状态".to_owned(), d.state.label_zh().to_owned()),
                ("销毁时间".to_owned(), d.done_at.map(day).unwrap_or_else(|| "—".to_owned())),
            ],
            columns: vec![
                col("序号", 0.5),
                col("档号 / 文件", 2.0),
                col("案件编号", 1.6),
                col("保管期限", 0.7),
                col("保管至", 0.9),
                col("文件数", 0.6),
                col("摘要值", 3.0),
            ],
            rows: view
                .register
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    vec![
                        (i + 1).to_string(),
                        r.title.clone(),
                        r.case_number.clone().unwrap_or_default(),
                        r.class_name.clone(),
                        r.retain_until.clone().unwrap_or_else(|| "永久".to_owned()),
                        r.files.to_string(),
                        r.digests.join(" "),
                    ]
                })
                .collect(),
            empty: "（无）".to_owned(),
            notes: vec![
                "销毁后内容不可恢复；档号、摘要值与墓碑记录（record.destroyed）保留在账本中，可用 liuhen ledger verify 核验。".to_owned(),
            ],
        };
        let renderer = self.renderer().await?;
        let pdf = tokio::task::spawn_blocking(move || renderer.render_report(&table))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(|e| ServiceError::Internal(format!("rendering the 销毁清册: {e}")))?;
        Ok(pdf.bytes)
    }

    /// Removes the files of approved destructions whose removal was not confirmed (run at start).
    pub async fn finish_destructions(&self) -> Result<usize> {
        let mut tx = self.store.read().await?;
        let pending = tx.approved_destructions().await?;
        tx.finish().await?;
        for (agency, id) in &pending {
            self.remove_destroyed_files(*agency, *id).await?;
        }
        Ok(pending.len())
    }

    /// Removes the files of an approved destruction that nothing else still needs, then marks it done.
    async fn remove_destroyed_files(&self, agency: liuhen_domain::UnitId, id: DestructionId) -> Result<()> {
        let area = self.evidence_area()?;
        let mut tx = self.store.read().await?;
        let d = tx.destruction(agency, id).await?.ok_or(ServiceError::NotFound("destruction"))?;
        let mut shas = Vec::new();
        for item in &d.items {
            match item {
                RecordRef::Case { id: case } => {
                    if let Some(a) = tx.case_archive(*case).await? {
                        shas.extend(tx.archive_files(a.id).await?.into_iter().filter_map(|f| f.original));
                    }
                }
                RecordRef::Evidence { id: ev } => {
                    if let Some(e) = tx.get_evidence(*ev).await? {
                        shas.push(e.sha256);
                    }
                }
            }
        }
        shas.sort();
        shas.dedup();
        let mut gone = Vec::new();
        for sha in shas {
            if !tx.original_still_needed(&sha).await? {
                gone.push(sha);
            }
        }
        tx.finish().await?;
        for sha in &gone {
            area.originals()
                .destroy(sha)
                .await
                .map_err(|e| ServiceError::Internal(format!("destroying {sha}: {e}")))?;
        }
        let now = self.now();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    tx.set_destruction_state(
                        id,
                        DestructionState::Approved,
                        DestructionState::Done,
                        None,
                        Some(now),
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    /// One line of a 销毁清册 with why the record cannot be destroyed now. `within`: the
    /// destruction it is listed on (its own listing is not a clash).
    async fn register_item<M>(
        &self,
        tx: &mut Tx<M>,
        agency: liuhen_domain::UnitId,
        target: &RecordRef,
        now: OffsetDateTime,
        within: Option<DestructionId>,
    ) -> Result<RegisterItem> {
        let today = beijing_date(now).to_string();
        let mut refusals = Vec::new();
        let item = match target {
            RecordRef::Case { id } => {
                let case = tx
                    .get_case_in_scope(*id, &CaseScope::Agency(agency))
                    .await?
                    .ok_or(ServiceError::NotFound("case"))?;
                let archive = tx.case_archive(*id).await?;
                let Some(a) = archive else {
                    refusals.push("未封包归档: 没有保管期限".to_owned());
                    return Ok(RegisterItem {
                        target: *target,
                        title: case.number.clone(),
                        case_number: Some(case.number),
                        cause: Some(case.cause),
                        class: String::new(),
                        class_name: String::new(),
                        retain_until: None,
                        files: 0,
                        bytes: 0,
                        digests: Vec::new(),
                        refusals,
                        destroyed: false,
                    });
                };
                if case.stage != Stage::Archived {
                    refusals.push("案件不在归档阶段".to_owned());
                }
                if tx.live_grant_on_case(*id, now).await? {
                    refusals.push("有正在进行的调阅授权".to_owned());
                }
                let files = tx.archive_files(a.id).await?;
                let class_name = self.policy()?.retention().class(&a.retention_class).map(|c| c.name.clone());
                RegisterItem {
                    target: *target,
                    title: a.file_no.clone(),
                    case_number: Some(case.number),
                    cause: Some(case.cause),
                    class_name: class_name.unwrap_or_else(|| a.retention_class.clone()),
                    class: a.retention_class,
                    retain_until: a.retain_until,
                    files: files.len(),
                    bytes: files.iter().map(|f| f.size).sum(),
                    digests: vec![format!("sha256:{}", a.manifest_sha256), format!("sm3:{}", a.manifest_sm3)],
                    refusals: Vec::new(),
                    destroyed: a.destroyed_at.is_some(),
                }
            }
            RecordRef::Evidence { id } => {
                let e = tx
                    .get_evidence(*id)
                    .await?
                    .filter(|e| e.agency_id == agency)
                    .ok_or(ServiceError::NotFound("evidence"))?;
                if let Some(case) = e.case_id {
                    refusals.push(format!("已归入案件 {case}: 随案卷保管, 与案卷一同销毁"));
                }
                let (d, until) = self.loose_retention(&e)?;
                RegisterItem {
                    target: *target,
                    title: e.file_name.clone(),
                    case_number: None,
                    cause: None,
                    class: d.class.code.clone(),
                    class_name: d.class.name.clone(),
                    retain_until: until.map(|u| u.to_string()),
                    files: 1,
                    bytes: e.size,
                    digests: vec![format!("sha256:{}", e.sha256), format!("sm3:{}", e.sm3)],
                    refusals: Vec::new(),
                    destroyed: e.destroyed_at.is_some(),
                }
            }
        };
        if item.destroyed {
            refusals.push("已销毁".to_owned());
        }
        match &item.retain_until {
            None => refusals.push(format!("保管期限为{}", item.class_name)),
            Some(u) if u.as_str() >= today.as_str() => refusals.push(format!("保管期限至 {u}, 尚未届满")),
            Some(_) => {}
        }
        let live = tx.holds(agency, Some(target)).await?.into_iter().filter(Hold::live).count();
        if live > 0 {
            refusals.push(format!("有 {live} 项未解除的保全冻结"));
        }
        let others: Vec<DestructionId> =
            tx.open_destructions_of(target).await?.into_iter().filter(|d| Some(*d) != within).collect();
        if !others.is_empty() {
            refusals.push("已列入另一份销毁申请".to_owned());
        }
        Ok(RegisterItem { refusals: [refusals, item.refusals].concat(), ..item })
    }
}

/// Checks that a hold's target is a record of the agency.
async fn target_of_agency<M>(
    tx: &mut Tx<M>,
    agency: liuhen_domain::UnitId,
    target: &RecordRef,
) -> Result<()> {
    match target {
        RecordRef::Case { id } => {
            tx.get_case_in_scope(*id, &CaseScope::Agency(agency))
                .await?
                .ok_or(ServiceError::NotFound("case"))?;
        }
        RecordRef::Evidence { id } => {
            tx.get_evidence(*id)
                .await?
                .filter(|e| e.agency_id == agency)
                .ok_or(ServiceError::NotFound("evidence"))?;
        }
    }
    Ok(())
}
