//! 办案期限 as it stands for one case: how long the rulebook gives its
//! procedure, from which day, until which stage, what a 负责人 extended
//! (行政强制法 第25条: once, with reasons, before the limit runs out) and
//! whether the seizure was released (第28条), which ends the limit.
//!
//! [`case_limit`] is the one place that measures it: the compliance answer,
//! the case list's deadline column and the checks before an extension all
//! read it, so the page that offers an extension and the write that approves
//! it cannot disagree.

use liuhen_domain::{
    Act, ActKind, Case, CaseId, EntryKind, LimitExtension, NewLimitExtension, NewSeizureRelease, Procedure,
    Role, SeizureRelease, Stage,
};
use liuhen_policy::{LimitFacts, LimitStart, Policy};
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::compliance::{FindingView, LIMIT_WARN_DAYS};
use crate::error::{Result, ServiceError};
use crate::scope::{case_scope, may_direct};
use crate::{Principal, Service, actor, record};

/// Where a case's handling limit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LimitState {
    /// What the days count from has not happened (no seizure recorded yet).
    NotStarted,
    /// Running, more than the warning days left.
    Running,
    /// Running, with the warning days or fewer left.
    Near,
    /// The last day has passed and the stage is not done.
    Past,
    /// The case left the stage the limit runs until.
    Ended,
    /// 解除查封扣押: the seizure, and the limit with it, ended.
    Released,
    /// The limit cannot be computed (a day outside the rulebook's calendar).
    Unknown,
}

impl LimitState {
    /// The state in words, Chinese then English.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            LimitState::NotStarted => ("尚未起算", "not started"),
            LimitState::Running => ("期限内", "running"),
            LimitState::Near => ("即将届满", "ending soon"),
            LimitState::Past => ("已超期", "past"),
            LimitState::Ended => ("已完成", "done"),
            LimitState::Released => ("已解除查封扣押", "seizure released"),
            LimitState::Unknown => ("无法计算", "cannot be computed"),
        }
    }
}

/// A case's handling limit (办案期限) with its extension and release.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseLimit {
    pub procedure: Procedure,
    /// The rule in words: `自查封扣押起30日（自然日）`.
    pub rule_zh: String,
    /// The legal basis as the rulebook cites it.
    pub basis: Vec<String>,
    /// The stage the case must have left when the days run out.
    pub until: Stage,
    /// The day the days count from (北京时间, `YYYY-MM-DD`), once it happened.
    pub start: Option<String>,
    /// The last day, with any extension.
    pub due: Option<String>,
    pub state: LimitState,
    /// The longest extension the rulebook allows (0: none).
    pub max_extension_days: u32,
    /// Who approves an extension (负责人).
    pub extension_approval: Option<Role>,
    pub extension: Option<LimitExtension>,
    pub release: Option<SeizureRelease>,
    /// Why no extension can be approved now; `None` when one can.
    pub extension_refused: Option<String>,
    /// Why the seizure cannot be released now; `None` when it can.
    pub release_refused: Option<String>,
    /// The limit as a finding when it is near or past, or cannot be computed.
    pub finding: Option<FindingView>,
}

fn ymd(d: Date) -> String {
    d.to_string()
}

/// The limit of `case` at `now`, or `None` when its procedure has none.
pub(crate) fn case_limit(
    policy: &Policy,
    case: &Case,
    acts: &[Act],
    extension: Option<LimitExtension>,
    release: Option<SeizureRelease>,
    now: OffsetDateTime,
) -> Option<CaseLimit> {
    let procedure = case.procedure?;
    let effective = policy.procedure(procedure);
    let limit = effective.limit.as_ref()?;
    let start = match limit.from.value {
        LimitStart::Opened => Some(case.created_at),
        LimitStart::Act(kind) => acts.iter().filter(|a| a.kind == kind).map(|a| a.starts_at).min(),
    }
    .map(|t| liuhen_domain::when::in_beijing(t).date());
    let today = liuhen_domain::when::in_beijing(now).date();
    let extension_days = extension.as_ref().map_or(0, |e| e.days);
    let calendar = policy.calendar();
    let due = start.map(|s| limit.deadline(s, calendar, extension_days));
    let ended = case.stage > limit.until.value;
    let mut finding = None;
    let state = match (&release, start, &due) {
        (Some(_), _, _) => LimitState::Released,
        _ if ended => LimitState::Ended,
        (None, None, _) => LimitState::NotStarted,
        (None, Some(_), Some(Err(e))) => {
            finding = Some(unknown_finding(procedure, e));
            LimitState::Unknown
        }
        (None, Some(s), _) => {
            let facts = LimitFacts {
                start: s,
                extension_days,
                completed: None,
                today,
                warn_within_days: LIMIT_WARN_DAYS,
            };
            match limit.assess(calendar, &facts) {
                Ok(None) => LimitState::Running,
                Ok(Some(f)) => {
                    let state = match f.code {
                        liuhen_policy::FindingCode::LimitExceeded => LimitState::Past,
                        _ => LimitState::Near,
                    };
                    finding = Some(FindingView::from(f));
                    state
                }
                Err(e) => {
                    finding = Some(unknown_finding(procedure, &e));
                    LimitState::Unknown
                }
            }
        }
    };
    // A release after the last day still leaves the lateness on record.
    if let (Some(r), Some(s)) = (&release, start)
        && !ended
    {
        let facts = LimitFacts {
            start: s,
            extension_days,
            completed: Some(liuhen_domain::when::in_beijing(r.released_at).date()),
            today,
            warn_within_days: LIMIT_WARN_DAYS,
        };
        if let Ok(Some(f)) = limit.assess(calendar, &facts) {
            finding = Some(FindingView::from(f));
        }
    }
    let max = limit.max_extension_days();
    let original_due = start.map(|s| limit.deadline(s, calendar, 0));
    let extension_refused = match () {
        _ if max == 0 => Some(format!("规则未允许延长{}的办案期限", procedure.label_zh())),
        _ if case.stage == Stage::Archived => Some("案件已归档".to_owned()),
        _ if release.is_some() => Some("已解除查封扣押，期限已结束".to_owned()),
        _ if ended => Some(format!("案件已离开「{}」，期限已结束", limit.until.value.label_zh())),
        _ if extension.is_some() => {
            let e = extension.as_ref().map_or(0, |e| e.days);
            Some(format!("办案期限已延长{e}日，只能延长一次"))
        }
        _ => match original_due {
            None => Some(format!("期限尚未开始（尚未{}）", limit.from.value.label_zh())),
            Some(Err(e)) => Some(format!("无法计算办案期限：{}", limit_error_zh(&e))),
            Some(Ok(d)) if today > d => Some(format!("办案期限已于{d}届满，届满后不能延长")),
            Some(Ok(_)) => None,
        },
    };
    let release_refused = release_refusal(case, acts, release.is_some());
    let ext_zh = if extension_days > 0 { format!("，含延长{extension_days}日") } else { String::new() };
    Some(CaseLimit {
        procedure,
        rule_zh: format!(
            "自{}起{}日（{}）{ext_zh}",
            limit.from.value.label_zh(),
            limit.days.value,
            limit.counting.value.label_zh()
        ),
        basis: limit.basis.iter().map(|b| b.value.clone()).collect(),
        until: limit.until.value,
        start: start.map(ymd),
        due: due.and_then(|d| d.ok()).map(ymd),
        state,
        max_extension_days: max,
        extension_approval: limit.extension_approval.as_ref().map(|r| r.value),
        extension,
        release,
        extension_refused,
        release_refused,
        finding,
    })
}

/// The documents an approved extension or a release calls for and the case
/// has not issued (行政强制法 第25条: 延长的决定应当及时书面告知当事人;
/// 第28条: 作出解除决定), as warnings: the measure stands, the paper is owed.
pub(crate) fn notice_findings(policy: &Policy, limit: &CaseLimit, issued: &[String]) -> Vec<FindingView> {
    let Some(rule) = policy.limit(limit.procedure) else { return Vec::new() };
    let p = limit.procedure.label_zh();
    let owed = [
        (
            limit.extension.is_some(),
            &rule.extension_document,
            "已批准延长办案期限",
            "an extension was approved",
        ),
        (limit.release.is_some(), &rule.release_document, "已解除查封扣押", "the seizure was released"),
    ];
    owed.into_iter()
        .filter_map(|(happened, doc, zh, en)| {
            let doc = doc.as_ref().filter(|d| happened && !issued.contains(&d.value))?;
            Some(FindingView {
                severity: "warning".into(),
                code: "document_missing".into(),
                message_zh: format!("{p}：{zh}，尚未制作送达《{}》", doc.value),
                message_en: format!("{}: {en}, and no {} is issued", limit.procedure.code(), doc.value),
                rule: doc.origin.rule.clone(),
                layer: format!("{} {}", doc.origin.layer.code(), doc.origin.layer_name),
                evidence_id: None,
            })
        })
        .collect()
}

/// Why the seizure of `case` cannot be released now, if it cannot: the one
/// rule the limit view and `release_seizure` both apply.
fn release_refusal(case: &Case, acts: &[Act], released: bool) -> Option<String> {
    if !acts.iter().any(|a| a.kind == ActKind::Seizure) {
        Some("本案没有查封扣押".to_owned())
    } else if case.stage == Stage::Archived {
        Some("案件已归档".to_owned())
    } else if released {
        Some("已解除查封扣押".to_owned())
    } else {
        None
    }
}

fn unknown_finding(procedure: Procedure, e: &liuhen_policy::LimitError) -> FindingView {
    FindingView {
        severity: "info".into(),
        code: "limit_unknown".into(),
        message_zh: format!("无法计算办案期限：{}", limit_error_zh(e)),
        message_en: format!("the handling limit cannot be computed: {e}"),
        rule: format!("{}/limit", procedure.label_zh()),
        layer: String::new(),
        evidence_id: None,
    }
}

/// A limit error in Chinese: the calendar's own words where it is the calendar's.
fn limit_error_zh(e: &liuhen_policy::LimitError) -> String {
    match e {
        liuhen_policy::LimitError::Calendar(c) => c.message_zh(),
        other => other.to_string(),
    }
}

/// The limit of `case` from what `tx` reads.
pub(crate) async fn limit_of<M>(
    tx: &mut liuhen_store::Tx<M>,
    policy: &Policy,
    case: &Case,
    acts: &[Act],
    now: OffsetDateTime,
) -> Result<Option<CaseLimit>> {
    let Some(limit) = case.procedure.and_then(|p| policy.limit(p)) else { return Ok(None) };
    // Read only what can exist: an extension where the rulebook allows one, a
    // release where a seizure was recorded (the case list asks this per row).
    let extension = match limit.max_extension_days() {
        0 => None,
        _ => tx.limit_extension(case.id).await?,
    };
    let release = match acts.iter().any(|a| a.kind == ActKind::Seizure) {
        false => None,
        true => tx.seizure_release(case.id).await?,
    };
    Ok(case_limit(policy, case, acts, extension, release, now))
}

impl Service {
    /// Approves an extension of the case's handling limit (行政强制法 第25条).
    /// Who may: the role the rulebook names (负责人), over the case. Once per
    /// case, before the limit runs out, for at most the days the rulebook
    /// allows; not after a release, once the case has left the stage the
    /// limit runs until, or on an archived case. The entry
    /// (`case.limit_extended`) names the case and commits to the record.
    pub async fn extend_limit(
        &self,
        me: &Principal,
        case_id: CaseId,
        input: &NewLimitExtension,
    ) -> Result<LimitExtension> {
        let input = input.validate()?;
        if !may_direct(&me.user) {
            return Err(ServiceError::Forbidden(
                "only a leader (负责人) approves an extension of a handling limit".into(),
            ));
        }
        let policy = self.policy()?;
        let now = self.now();
        let me = me.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let case = tx
                        .get_case_in_scope(case_id, &case_scope(&me.user))
                        .await?
                        .ok_or(ServiceError::NotFound("case"))?;
                    let acts = tx.list_acts(case_id).await?;
                    let limit = limit_of(tx, &policy, &case, &acts, now).await?.ok_or_else(|| {
                        ServiceError::Conflict(format!(
                            "{} has no handling limit in the rulebook to extend",
                            case.procedure.map_or("this case", |p| p.label_zh())
                        ))
                    })?;
                    if let Some(role) = limit.extension_approval
                        && role != me.user.role
                    {
                        return Err(ServiceError::Forbidden(format!(
                            "the rulebook has an extension approved by {} ({})",
                            role.label_zh(),
                            role.code()
                        )));
                    }
                    if let Some(why) = &limit.extension_refused {
                        return Err(ServiceError::Conflict(format!("cannot extend: {why}")));
                    }
                    if input.days > limit.max_extension_days {
                        return Err(liuhen_domain::ValidationError::new(
                            "days",
                            format!(
                                "at most {} days for {} (the rulebook's extension_days)",
                                limit.max_extension_days,
                                limit.procedure.label_zh()
                            ),
                        )
                        .into());
                    }
                    let (Some(before), Some(start)) = (limit.due.clone(), limit.start.clone()) else {
                        return Err(ServiceError::Conflict(
                            "cannot extend: the limit has no last day".into(),
                        ));
                    };
                    let start = Date::parse(&start, &time::format_description::well_known::Iso8601::DATE)
                        .map_err(|e| ServiceError::Internal(format!("limit start {start}: {e}")))?;
                    let effective = policy.procedure(limit.procedure);
                    let after = effective
                        .handling_deadline(start, policy.calendar(), input.days)
                        .map_err(|e| ServiceError::Conflict(format!("cannot extend: {e}")))?;
                    let extension = LimitExtension {
                        case_id,
                        days: input.days,
                        reason: input.reason.clone(),
                        due_before: before,
                        due_after: ymd(after),
                        approved_by: me.user.id,
                        approved_at: now,
                    };
                    tx.insert_limit_extension(&extension).await?;
                    tx.touch_case(case_id, now).await?;
                    let stored = tx.limit_extension(case_id).await?.ok_or(ServiceError::Internal(
                        "extension vanished inside its own transaction".into(),
                    ))?;
                    record(
                        tx,
                        now,
                        EntryKind::LimitExtended,
                        actor(&me.user),
                        Some(case.agency_id),
                        vec![case_id.subject()],
                        Some(&stored),
                    )
                    .await?;
                    Ok(stored)
                })
            })
            .await
    }

    /// Releases the case's seizure (解除查封扣押, 行政强制法 第28条), which
    /// ends its handling limit. Who may: a leader (负责人) over the case;
    /// only where a seizure was recorded, once, never on an archived case.
    /// The entry (`case.seizure_released`) commits to the record.
    pub async fn release_seizure(
        &self,
        me: &Principal,
        case_id: CaseId,
        input: &NewSeizureRelease,
    ) -> Result<SeizureRelease> {
        let (reason, text) = input.validate()?;
        if !may_direct(&me.user) {
            return Err(ServiceError::Forbidden("only a leader (负责人) releases a seizure".into()));
        }
        let policy = self.policy()?;
        let now = self.now();
        let me = me.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let case = tx
                        .get_case_in_scope(case_id, &case_scope(&me.user))
                        .await?
                        .ok_or(ServiceError::NotFound("case"))?;
                    let acts = tx.list_acts(case_id).await?;
                    // A seizure under a procedure without a limit is released all the same.
                    let refused = match limit_of(tx, &policy, &case, &acts, now).await? {
                        Some(l) => l.release_refused,
                        None => {
                            let released = tx.seizure_release(case_id).await?.is_some();
                            release_refusal(&case, &acts, released)
                        }
                    };
                    if let Some(why) = refused {
                        return Err(ServiceError::Conflict(format!("cannot release: {why}")));
                    }
                    let release = SeizureRelease {
                        case_id,
                        reason,
                        text: text.clone(),
                        released_by: me.user.id,
                        released_at: now,
                    };
                    tx.insert_seizure_release(&release).await?;
                    tx.touch_case(case_id, now).await?;
                    let stored = tx.seizure_release(case_id).await?.ok_or(ServiceError::Internal(
                        "release vanished inside its own transaction".into(),
                    ))?;
                    record(
                        tx,
                        now,
                        EntryKind::SeizureReleased,
                        actor(&me.user),
                        Some(case.agency_id),
                        vec![case_id.subject()],
                        Some(&stored),
                    )
                    .await?;
                    Ok(stored)
                })
            })
            .await
    }
}
