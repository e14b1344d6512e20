//! The case procedure: opening cases, recording acts, assigning officers,
//! moving stages, reading.

use liuhen_domain::{
    Act, ActId, Case, CaseId, EntryKind, NewAct, NewCase, Stage, UserId, ValidationError, case_number,
    validate_officer_list,
};
use liuhen_store::{CaseFilter, CaseSummary, Tx, Write};
use serde::{Deserialize, Serialize};

use crate::error::{Result, ServiceError};
use crate::scope::{case_scope, may_direct, may_enforce, may_open_cases, may_record_acts};
use crate::secrets::random_bytes;
use crate::{Principal, Service, actor, record};

/// A case within `user`'s own scope and one of its acts, read where a
/// change to the act is written; either missing is not found.
pub(crate) async fn case_and_act(
    tx: &mut Tx<Write>,
    user: &liuhen_domain::User,
    case_id: CaseId,
    act_id: ActId,
) -> Result<(Case, Act)> {
    let case =
        tx.get_case_in_scope(case_id, &case_scope(user)).await?.ok_or(ServiceError::NotFound("case"))?;
    let act = tx
        .list_acts(case_id)
        .await?
        .into_iter()
        .find(|a| a.id == act_id)
        .ok_or(ServiceError::NotFound("act"))?;
    Ok((case, act))
}

/// What a case list asks for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Substring of 案由, 案件编号 or a party's name.
    pub q: Option<String>,
    pub stage: Option<Stage>,
    pub kind: Option<liuhen_domain::CaseKind>,
    /// 承办单位: cases of exactly this unit.
    pub unit: Option<liuhen_domain::UnitId>,
    /// Cases of this label only.
    pub label: Option<liuhen_domain::Confidentiality>,
    /// Only cases not yet archived.
    #[serde(default)]
    pub open_only: bool,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// 记录要素 attested after an act was recorded.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestElements {
    /// 记录要素 names from the rulebook (出示执法证, 场景, 见证人, …).
    pub elements: Vec<String>,
    /// Where the record shows them (e.g. the clip and minute), kept in the ledger entry.
    #[serde(default)]
    pub note: Option<String>,
}

/// A request to move a case to its next stage.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// The stage the case moves to; must be the one after its current stage.
    pub to: Stage,
    /// Why, in a sentence or two (kept with the ledger entry's content).
    #[serde(default)]
    pub reason: Option<String>,
    /// A leader's written reason to move on despite blocking findings; the
    /// override and the findings go into the ledger entry.
    #[serde(default)]
    pub override_reason: Option<String>,
}

#[derive(Serialize)]
struct StageChange<'a> {
    case: CaseId,
    from: Stage,
    to: Stage,
    reason: Option<&'a str>,
    /// Blocking findings a leader overrode, with the written reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    overridden: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    override_reason: Option<&'a str>,
}

#[derive(Serialize)]
struct OfficerChange<'a> {
    case: CaseId,
    officers: &'a [UserId],
}

impl Service {
    /// Opens a case (立案) in the caller's unit or, for a leader, a unit
    /// below theirs. The 案件编号 is taken from a gapless per-agency, per-year
    /// sequence in the same transaction.
    pub async fn create_case(&self, me: &Principal, input: &NewCase) -> Result<Case> {
        if !may_open_cases(me.user.role) {
            return Err(ServiceError::Forbidden("only officers and leaders open cases".into()));
        }
        let draft = input.validate()?;
        // A case starts in its procedure's first stage: 启动, or 审核决定 for 简易程序.
        let stage = self.policy()?.first_stage(draft.procedure);
        let now = self.now();
        let year = liuhen_domain::when::in_beijing(now).year();
        let me = me.clone();
        let input = input.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let unit_id = input.unit_id.unwrap_or(me.user.unit_id);
                    if unit_id != me.user.unit_id {
                        let allowed = me.user.role == liuhen_domain::Role::Leader
                            && tx.unit_is_within(unit_id, me.user.unit_id).await?;
                        if !allowed {
                            return Err(ValidationError::new(
                                "unit_id",
                                "you may open cases only in your own unit or below",
                            )
                            .into());
                        }
                    }
                    let officers =
                        if input.officers.is_empty() { vec![me.user.id] } else { input.officers.clone() };
                    check_officers(tx, "officers", &officers, me.user.agency_id).await?;
                    let agency = tx.get_unit(me.user.agency_id).await?;
                    let short = agency.short_name.clone().unwrap_or_else(|| agency.name.clone());
                    let seq = tx.next_number(agency.id, "case", year).await?;
                    let number = case_number(&short, year, seq);
                    let id = CaseId::from_bytes(random_bytes()?);
                    tx.insert_case(
                        id, agency.id, unit_id, &number, year, seq, &draft, stage, &officers, me.user.id, now,
                    )
                    .await?;
                    let case =
                        tx.get_case_in_scope(id, &liuhen_store::CaseScope::Agency(agency.id)).await?.ok_or(
                            ServiceError::Internal("case vanished inside its own transaction".into()),
                        )?;
                    record(
                        tx,
                        now,
                        EntryKind::CaseCreated,
                        actor(&me.user),
                        Some(agency.id),
                        vec![id.subject()],
                        Some(&case),
                    )
                    .await?;
                    Ok(case)
                })
            })
            .await
    }

    /// Lists the cases the caller may see. Counts and search results never
    /// reach past the caller's scope. A list shows causes and parties' names,
    /// so it is a read: one `case.listed` entry naming every case returned
    /// (the search text is not kept: it may be a person's name).
    pub async fn list_cases(&self, me: &Principal, q: &CaseQuery) -> Result<(Vec<CaseSummary>, u64)> {
        let limit = q.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ValidationError::new("limit", "must be between 1 and 200").into());
        }
        let query = q.q.as_deref().map(|s| liuhen_domain::optional_text("q", s, 100)).transpose()?.flatten();
        let filter = CaseFilter {
            query,
            stage: q.stage,
            kind: q.kind,
            unit: q.unit,
            label: q.label,
            open_only: q.open_only,
            limit,
            offset: q.offset.unwrap_or(0),
        };
        let mut tx = self.store.read().await?;
        let out = tx.list_cases(&self.read_scope(me), &filter).await?;
        tx.finish().await?;
        let subjects = out.0.iter().map(|c| c.id.subject()).collect();
        let now = self.now();
        self.record_read_as(EntryKind::CasesListed, now, actor(&me.user), Some(me.user.agency_id), subjects)
            .await?;
        Ok(out)
    }

    /// Reads one case. The read is itself a ledger entry, written before the
    /// case is returned.
    pub async fn get_case(&self, me: &Principal, id: CaseId) -> Result<Case> {
        let now = self.now();
        let (case, grant) = self.case_for_read(me, id).await?;
        let subjects = crate::access::read_subjects(id.subject(), grant);
        self.record_read(now, actor(&me.user), Some(case.agency_id), subjects).await?;
        Ok(case)
    }

    /// The acts of a case the caller may see. Recorded as a read of the case.
    pub async fn list_acts(&self, me: &Principal, id: CaseId) -> Result<Vec<Act>> {
        let now = self.now();
        let (case, grant) = self.case_for_read(me, id).await?;
        let mut tx = self.store.read().await?;
        let acts = tx.list_acts(id).await?;
        tx.finish().await?;
        let subjects = crate::access::read_subjects(id.subject(), grant);
        self.record_read(now, actor(&me.user), Some(case.agency_id), subjects).await?;
        Ok(acts)
    }

    /// Records an enforcement act on a case.
    pub async fn add_act(&self, me: &Principal, case_id: CaseId, input: &NewAct) -> Result<Act> {
        self.check_elements("elements", &input.elements)?;
        let now = self.now();
        let me = me.clone();
        let input = input.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let case = tx
                        .get_case_in_scope(case_id, &case_scope(&me.user))
                        .await?
                        .ok_or(ServiceError::NotFound("case"))?;
                    check_may_record_acts(&me.user, &case)?;
                    let draft = input.validate(case.parties.len())?;
                    check_officers(tx, "officers", &draft.officers, case.agency_id).await?;
                    let id = ActId::from_bytes(random_bytes()?);
                    tx.insert_act(id, case_id, &draft, me.user.id, now).await?;
                    let act =
                        tx.list_acts(case_id).await?.into_iter().find(|a| a.id == id).ok_or(
                            ServiceError::Internal("act vanished inside its own transaction".into()),
                        )?;
                    record(
                        tx,
                        now,
                        EntryKind::ActRecorded,
                        actor(&me.user),
                        Some(case.agency_id),
                        vec![case_id.subject(), id.subject()],
                        Some(&act),
                    )
                    .await?;
                    Ok(act)
                })
            })
            .await
    }

    /// Attests 记录要素 an act's record shows (the officers who recorded the
    /// act, the case's officers, or a leader): added to what was attested,
    /// never removed, each attestation a ledger entry with its note.
    pub async fn attest_elements(
        &self,
        me: &Principal,
        case_id: CaseId,
        act_id: ActId,
        req: &AttestElements,
    ) -> Result<Act> {
        let elements = liuhen_domain::validate_elements("elements", &req.elements)?;
        if elements.is_empty() {
            return Err(ValidationError::new("elements", "name at least one 记录要素").into());
        }
        self.check_elements("elements", &elements)?;
        let note = liuhen_domain::optional_text("note", req.note.as_deref().unwrap_or(""), 2000)?;
        let now = self.now();
        let me = me.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let (case, act) = case_and_act(tx, &me.user, case_id, act_id).await?;
                    if case.stage == Stage::Archived {
                        return Err(ServiceError::Forbidden("the case is archived".into()));
                    }
                    if !may_record_acts(&me.user, &case) && !act.officers.contains(&me.user.id) {
                        return Err(ServiceError::Forbidden(
                            "only the act's officers, the case's officers or a leader attest its 记录要素"
                                .into(),
                        ));
                    }
                    let added = tx.add_act_elements(act_id, &elements, me.user.id, now).await?;
                    if added.is_empty() {
                        return Ok(act);
                    }
                    tx.touch_case(case_id, now).await?;
                    #[derive(serde::Serialize)]
                    struct Attested<'a> {
                        case: CaseId,
                        act: ActId,
                        elements: &'a [String],
                        note: Option<&'a str>,
                    }
                    record(
                        tx,
                        now,
                        EntryKind::ElementsAttested,
                        actor(&me.user),
                        Some(case.agency_id),
                        vec![case_id.subject(), act_id.subject()],
                        Some(&Attested {
                            case: case_id,
                            act: act_id,
                            elements: &added,
                            note: note.as_deref(),
                        }),
                    )
                    .await?;
                    let act = tx
                        .list_acts(case_id)
                        .await?
                        .into_iter()
                        .find(|a| a.id == act_id)
                        .ok_or(ServiceError::NotFound("act"))?;
                    Ok(act)
                })
            })
            .await
    }

    /// Every attested 记录要素 must be one the rulebook asks of some act, so a
    /// misspelt one is refused rather than silently never counted.
    fn check_elements(&self, field: &str, elements: &[String]) -> Result<()> {
        if elements.is_empty() {
            return Ok(());
        }
        let known = self.policy()?.element_names();
        for (i, e) in elements.iter().enumerate() {
            if !known.iter().any(|k| k == e.trim()) {
                return Err(ValidationError::new(
                    format!("{field}[{i}]"),
                    format!("「{e}」 is not a 记录要素 of the rulebook; known: {}", known.join("、")),
                )
                .into());
            }
        }
        Ok(())
    }

    /// Replaces the officers assigned to a case (leaders).
    pub async fn assign_officers(
        &self,
        me: &Principal,
        case_id: CaseId,
        officers: &[UserId],
    ) -> Result<Case> {
        validate_officer_list("officers", officers)?;
        if officers.is_empty() {
            return Err(ValidationError::new("officers", "a case needs at least one officer").into());
        }
        let now = self.now();
        let scope = case_scope(&me.user);
        let me = me.clone();
        let officers = officers.to_vec();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let case =
                        tx.get_case_in_scope(case_id, &scope).await?.ok_or(ServiceError::NotFound("case"))?;
                    if !may_direct(&me.user) {
                        return Err(ServiceError::Forbidden(
                            "only a leader (负责人) assigns officers".into(),
                        ));
                    }
                    check_officers(tx, "officers", &officers, case.agency_id).await?;
                    tx.replace_officers(case_id, &officers, now).await?;
                    record(
                        tx,
                        now,
                        EntryKind::OfficersAssigned,
                        actor(&me.user),
                        Some(case.agency_id),
                        vec![case_id.subject()],
                        Some(&OfficerChange { case: case_id, officers: &officers }),
                    )
                    .await?;
                    let case =
                        tx.get_case_in_scope(case_id, &scope).await?.ok_or(ServiceError::NotFound("case"))?;
                    Ok(case)
                })
            })
            .await
    }

    /// The stages a case of `procedure` passes through, in order, as the
    /// rulebook lists them (every stage for a case without a procedure).
    pub fn stages_of(&self, procedure: Option<liuhen_domain::Procedure>) -> Result<Vec<Stage>> {
        Ok(self.policy()?.stages_of(procedure))
    }

    /// The stage `case` may move to next, if any.
    pub fn next_stage_of(&self, case: &Case) -> Result<Option<Stage>> {
        Ok(self.policy()?.next_stage(case.procedure, case.stage))
    }

    /// Moves a case to the next stage of its procedure (leaders): stages the
    /// procedure has are never skipped and never go back (简易程序 goes
    /// 审核决定 → 送达执行 → 归档).
    pub async fn transition(&self, me: &Principal, case_id: CaseId, req: &TransitionRequest) -> Result<Case> {
        let reason = req
            .reason
            .as_deref()
            .map(|r| liuhen_domain::optional_text("reason", r, 2000))
            .transpose()?
            .flatten();
        let override_reason = req
            .override_reason
            .as_deref()
            .map(|r| liuhen_domain::optional_text("override_reason", r, 2000))
            .transpose()?
            .flatten();
        if !may_direct(&me.user) {
            return Err(ServiceError::Forbidden("only a leader (负责人) moves a case between stages".into()));
        }
        let policy = self.policy()?;
        let decision_names = self.decision_format_names()?;
        let now = self.now();
        let scope = case_scope(&me.user);
        let me = me.clone();
        let req = req.clone();
        // Everything the move depends on is measured inside the write that
        // makes it, so nothing can change between the check and the move.
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let case =
                        tx.get_case_in_scope(case_id, &scope).await?.ok_or(ServiceError::NotFound("case"))?;
                    let next = policy.next_stage(case.procedure, case.stage);
                    if next != Some(req.to) {
                        let of = case.procedure.map(|p| format!(" of {}", p.label_zh())).unwrap_or_default();
                        return Err(ServiceError::Conflict(format!(
                            "the case{of} stands in {}; it can move only to {}",
                            case.stage.label_zh(),
                            next.map_or_else(
                                || "nothing: it is archived".to_owned(),
                                |s| format!("{} ({})", s.label_zh(), s.code())
                            )
                        )));
                    }
                    // The procedure's expectations of the stage being left hold for
                    // every forward move; the acts' findings from 审核决定 on, as acts
                    // are recorded while the case is investigated. A leader may
                    // override them in writing.
                    let compliance =
                        crate::compliance::compliance_of(tx, &policy, &case, now, &|_| true).await?;
                    let mut blocking = compliance.stage_exit_lines();
                    if req.to >= Stage::Decision {
                        blocking.extend(compliance.blocking_lines());
                    }
                    if !blocking.is_empty() && override_reason.is_none() {
                        return Err(ServiceError::Conflict(format!(
                            "{} blocking finding(s): {}. Fix them, or give override_reason",
                            blocking.len(),
                            blocking.join("; ")
                        )));
                    }
                    // What 送达执行 carries out is a decision made; no override reaches past that.
                    if req.to == Stage::Execution {
                        let decision = tx.decision(case_id).await?;
                        let issued: Vec<String> = tx
                            .list_case_documents(case_id)
                            .await?
                            .into_iter()
                            .filter(|d| d.status != liuhen_domain::DocumentStatus::Draft)
                            .map(|d| d.format_name)
                            .collect();
                        decision_carried(&policy, &decision_names, &case, decision.as_ref(), &issued)?;
                    }
                    let overridden = blocking;
                    tx.set_stage(&liuhen_store::StageMove {
                        case_id,
                        from: case.stage,
                        to: req.to,
                        by: me.user.id,
                        at: now,
                        reason: reason.clone(),
                        override_reason: if overridden.is_empty() { None } else { override_reason.clone() },
                        overridden: overridden.clone(),
                    })
                    .await?;
                    // A move over blocking findings is its own kind of entry, so
                    // supervisors see overrides without reading contents.
                    let kind = if overridden.is_empty() {
                        EntryKind::StageChanged
                    } else {
                        EntryKind::FindingsOverridden
                    };
                    record(
                        tx,
                        now,
                        kind,
                        actor(&me.user),
                        Some(case.agency_id),
                        vec![case_id.subject()],
                        Some(&StageChange {
                            case: case_id,
                            from: case.stage,
                            to: req.to,
                            reason: reason.as_deref(),
                            override_reason: if overridden.is_empty() {
                                None
                            } else {
                                override_reason.as_deref()
                            },
                            overridden,
                        }),
                    )
                    .await?;
                    let case = tx
                        .get_case_in_scope(case_id, &liuhen_store::CaseScope::Agency(case.agency_id))
                        .await?
                        .ok_or(ServiceError::NotFound("case"))?;
                    Ok(case)
                })
            })
            .await
    }
}

/// Whether a case carries a decision into 送达执行: a proposed decision must
/// be issued (which waits for 法制审核 when it is major). With none proposed,
/// a procedure whose 审核决定 requires a 行政处罚决定书 (`decision_names`)
/// accepts only the documents it names in its place (不予行政处罚决定书),
/// issued; a procedure that requires none (行政强制, 行政检查) carries on.
fn decision_carried(
    policy: &liuhen_policy::Policy,
    decision_names: &[String],
    case: &Case,
    decision: Option<&liuhen_store::StoredDecision>,
    issued: &[String],
) -> Result<()> {
    match decision {
        Some(d) if d.issued_at.is_some() => return Ok(()),
        Some(_) => {
            return Err(ServiceError::Conflict(
                "issue the decision before the case moves to 送达执行".into(),
            ));
        }
        None => {}
    }
    // A case opened before procedures were stored follows its kind's default, as new cases do.
    let Some(procedure) = case.procedure.or_else(|| liuhen_domain::Procedure::default_for(case.kind)) else {
        return Ok(());
    };
    let effective = policy.procedure(procedure);
    let expected =
        effective.stage(Stage::Decision).into_iter().flat_map(|s| s.documents.iter()).find(|d| {
            d.value.need == liuhen_policy::Need::Required && decision_names.contains(&d.value.name)
        });
    let Some(expected) = expected else { return Ok(()) };
    if expected.value.instead.iter().any(|name| issued.contains(name)) {
        return Ok(());
    }
    let instead = expected.value.instead.iter().map(|n| format!("《{n}》")).collect::<Vec<_>>().join("、");
    Err(ServiceError::Conflict(if instead.is_empty() {
        format!(
            "{} moves to 送达执行 with a decision made: propose it, pass 法制审核 where it is major, and issue it",
            procedure.label_zh()
        )
    } else {
        format!(
            "{} moves to 送达执行 with a decision made: propose it, pass 法制审核 where it is major, and issue \
             it; or, where the case ends without one, issue {instead}",
            procedure.label_zh()
        )
    }))
}

/// Whether `user`, who can read `case`, may record acts on it (and what
/// belongs to its acts, such as 中止说明): [`may_record_acts`], refused with
/// the reason — an archived case, or someone not on it.
pub(crate) fn check_may_record_acts(user: &liuhen_domain::User, case: &Case) -> Result<()> {
    if may_record_acts(user, case) {
        return Ok(());
    }
    Err(ServiceError::Forbidden(if case.stage == Stage::Archived {
        "the case is archived".into()
    } else {
        "only the assigned officers or a leader record acts on this case".into()
    }))
}

/// Every listed officer must exist in the agency and hold a 执法证.
async fn check_officers(
    tx: &mut Tx<Write>,
    field: &str,
    officers: &[UserId],
    agency: liuhen_domain::UnitId,
) -> Result<()> {
    for (i, id) in officers.iter().enumerate() {
        let user = match tx.get_user(*id).await {
            Ok(u) => u,
            Err(liuhen_store::StoreError::NotFound(_)) => {
                return Err(ValidationError::new(format!("{field}[{i}]"), "no such user").into());
            }
            Err(e) => return Err(e.into()),
        };
        if user.agency_id != agency {
            return Err(ValidationError::new(format!("{field}[{i}]"), "no such user").into());
        }
        if !may_enforce(&user) {
            return Err(ValidationError::new(
                format!("{field}[{i}]"),
                "must be an active officer or leader holding a 执法证",
            )
            .into());
        }
    }
    Ok(())
}
