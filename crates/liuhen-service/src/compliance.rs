//! Compliance of a case with the recording rulebook: for every act, the
//! effective rule (and the layer behind it), the AV coverage of its window
//! by the clips linked to it, and the findings.
//!
//! Checked: each linked clip against the device register (flags kept with
//! the evidence when it came in: unregistered device, held by another
//! officer, another unit's, clock drift — warnings naming the clip), AV presence and gaps (from linked clips, clock-corrected; a long
//! gap the act's 中止说明 cover is excused where its rule accepts them), the
//! number of officers holding a 执法证, 记录要素 (those the act's own fields
//! show, and those its officers attested), the documents each act's rule and
//! the case's procedure expect (issued 执法文书 of the case), the acts the
//! procedure expects before the case leaves its stage, and the handling
//! limit. A document counts once issued in liuhen or registered by the scan
//! of its signed paper (`register_document`), so every document the
//! rulebook names can be met.

use std::sync::Arc;

use liuhen_domain::{Act, ActId, CaseId, Interruption, InterruptionId, InterruptionReason, UserId};
use liuhen_policy::{ActFacts, Explanation, Finding, Interval, Policy, StageFacts};
use serde::Serialize;
use time::OffsetDateTime;

use crate::error::{Result, ServiceError};
use crate::scope::may_enforce;
use crate::{Principal, Service, actor};

/// One finding, as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    /// `block`, `warning` or `info`.
    pub severity: String,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
    /// The rule behind it (`查封扣押/*`) and its layer (`national 国家规则`).
    pub rule: String,
    pub layer: String,
    /// The clip a finding is about (a device register or 校时 finding), when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_id: Option<liuhen_domain::EvidenceId>,
}

/// Rule named by the findings the device register raises on a clip.
pub const DEVICE_RULE: &str = "执法记录仪登记与校时";

impl FindingView {
    /// A clip's disagreement with the device register, as a warning on the act it records.
    pub fn of_device_flag(clip: &liuhen_store::LinkedClip, flag: &liuhen_domain::DeviceFlag) -> Self {
        FindingView {
            severity: "warning".into(),
            code: flag.kind.code().to_owned(),
            message_zh: format!("证据 {}：{}（{}）", clip.file_name, flag.kind.label_zh(), flag.detail),
            message_en: format!("clip {}: {} ({})", clip.file_name, flag.kind.code(), flag.detail),
            rule: format!("{DEVICE_RULE}/{}", flag.kind.code()),
            layer: "register 设备登记".into(),
            evidence_id: Some(clip.evidence_id),
        }
    }
}

/// A gap in an act's recording longer than its rule tolerates.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GapView {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub end: OffsetDateTime,
    pub seconds: i64,
    /// Covered by a 中止说明 the rule accepts.
    pub excused: bool,
    /// The 中止说明 (ids, see `explanations`) that together cover the whole
    /// gap — whether or not the rule lets them excuse it; empty when they
    /// cover it only in part or not at all.
    pub explained_by: Vec<InterruptionId>,
}

/// A stretch of an act's window, for drawing its coverage bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IntervalView {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub end: OffsetDateTime,
}

/// A 中止说明 of the act, as the coverage weighed it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExplanationView {
    pub id: InterruptionId,
    /// The reason's code (`battery`, …).
    pub reason: InterruptionReason,
    /// The reason's Chinese term (电量耗尽, …).
    pub reason_zh: String,
    /// The stretch explained, clipped to the act's window like `covered`
    /// (the record itself, `GET /cases/{id}/interruptions`, keeps the times
    /// as stated).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub end: OffsetDateTime,
    pub text: String,
}

/// One act against its rule.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActCompliance {
    pub act_id: ActId,
    pub kind: liuhen_domain::ActKind,
    pub venue: liuhen_domain::Venue,
    /// `full`, `by_circumstance` or `text_allowed`, and where that comes from.
    pub av_requirement: String,
    pub av_rule: String,
    /// Clips linked to the act.
    pub clips: usize,
    /// Share of the act's window covered by its clips, 0 to 1 (none without clips).
    pub covered_share: Option<f64>,
    pub gaps: Vec<GapView>,
    pub findings: Vec<FindingView>,
    /// The window coverage is measured on: the act's start and end, to the millisecond.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub window_start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub window_end: OffsetDateTime,
    /// The parts of the window some clip covers (clock-corrected), merged,
    /// sorted and clipped to the window; empty without clips.
    pub covered: Vec<IntervalView>,
    /// The act's 中止说明 (all of them, explaining a gap or not), in time order.
    pub explanations: Vec<ExplanationView>,
}

/// A case against the rulebook.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseCompliance {
    pub case_id: CaseId,
    pub acts: Vec<ActCompliance>,
    /// 执法程序 the case follows, if its kind has one.
    pub procedure: Option<liuhen_domain::Procedure>,
    /// The stage the case is in.
    pub stage: liuhen_domain::Stage,
    /// What the procedure expects before the case leaves its current stage
    /// and is missing (acts now; documents once liuhen records them).
    pub stage_exit: Vec<FindingView>,
    /// Findings about the case as a whole (the handling limit).
    pub case_findings: Vec<FindingView>,
    /// The handling limit (办案期限) with its extension and release, when
    /// the procedure has one.
    pub limit: Option<crate::limits::CaseLimit>,
    /// How many findings block a stage transition.
    pub blocking: usize,
    pub warnings: usize,
}

impl CaseCompliance {
    /// The blocking findings of the acts, one line each, for messages.
    pub fn blocking_lines(&self) -> Vec<String> {
        self.acts
            .iter()
            .flat_map(|a| {
                a.findings.iter().filter(|f| f.severity == "block").map(move |f| {
                    format!("{} {}: {} ({} {})", a.kind.label_zh(), a.act_id, f.message_zh, f.rule, f.layer)
                })
            })
            .collect()
    }

    /// The blocking findings about leaving the current stage, one line each.
    pub fn stage_exit_lines(&self) -> Vec<String> {
        self.stage_exit
            .iter()
            .filter(|f| f.severity == "block")
            .map(|f| format!("{} ({} {})", f.message_zh, f.rule, f.layer))
            .collect()
    }
}

impl From<Finding> for FindingView {
    fn from(f: Finding) -> Self {
        FindingView {
            severity: f.severity.code().to_owned(),
            code: f.code.code().to_owned(),
            message_zh: f.message_zh,
            message_en: f.message_en,
            rule: f.origin.rule.clone(),
            layer: format!("{} {}", f.origin.layer.code(), f.origin.layer_name),
            evidence_id: None,
        }
    }
}

fn ms_time(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl Service {
    /// Uses this rulebook (national plus configured layers) instead of the national one alone.
    #[must_use]
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = Some(Arc::new(policy));
        self
    }

    pub(crate) fn policy(&self) -> Result<Arc<Policy>> {
        if let Some(p) = &self.policy {
            return Ok(p.clone());
        }
        // The built-in national rulebook, parsed once per process rather than per call.
        static NATIONAL: std::sync::OnceLock<std::result::Result<Arc<Policy>, String>> =
            std::sync::OnceLock::new();
        NATIONAL
            .get_or_init(|| Policy::national().map(Arc::new).map_err(|e| e.to_string()))
            .clone()
            .map_err(|e| ServiceError::Internal(format!("the national rulebook does not load: {e}")))
    }

    /// The compliance of a case the caller may read, as far as their
    /// clearance goes: clips and documents labelled above it (unless read
    /// through a 调阅 grant) are left out of what they are shown, as from
    /// every other list. It is a read of the case, recorded as one.
    pub async fn case_compliance(&self, me: &Principal, case_id: CaseId) -> Result<CaseCompliance> {
        let now = self.now();
        let (case, grant) = self.case_for_read(me, case_id).await?;
        let policy = self.policy()?;
        let mut tx = self.store.read().await?;
        let grant = match grant {
            Some(g) => Some(g),
            None => tx.active_grant(me.user.id, case.id, now).await?,
        };
        let visible = |label: liuhen_domain::Confidentiality| grant.is_some() || me.user.cleared_for(label);
        let out = compliance_of(&mut tx, &policy, &case, now, &visible).await?;
        tx.finish().await?;
        let subjects = crate::access::read_subjects(case.id.subject(), grant);
        self.record_read(now, actor(&me.user), Some(case.agency_id), subjects).await?;
        Ok(out)
    }
}

/// The compliance of `case` from what `tx` reads: a snapshot for a reader,
/// or the write that acts on the result (a stage move), so nothing changes
/// between the measure and the move. Clips and documents count only when
/// `visible` admits their label (a reader's clearance; all of them for the
/// rules that move a case).
pub(crate) async fn compliance_of<M>(
    tx: &mut liuhen_store::Tx<M>,
    policy: &Policy,
    case: &liuhen_domain::Case,
    now: OffsetDateTime,
    visible: &(dyn Fn(liuhen_domain::Confidentiality) -> bool + Sync),
) -> Result<CaseCompliance> {
    let acts = tx.list_acts(case.id).await?;
    let interruptions = tx.list_interruptions(case.id).await?;
    let mut clips = tx.case_clips(case.id).await?;
    clips.retain(|c| visible(c.label));
    let mut officers: Vec<UserId> = acts.iter().flat_map(|a| a.officers.iter().copied()).collect();
    officers.sort_unstable();
    officers.dedup();
    let users = tx.get_users(&officers).await?;
    let mut documents = tx.list_case_documents(case.id).await?;
    documents.retain(|d| visible(d.label));
    // Names of the issued (or served) documents, made here or registered by their scans.
    let issued: Vec<String> = documents
        .iter()
        .filter(|d| d.status != liuhen_domain::DocumentStatus::Draft)
        .map(|d| d.format_name.clone())
        .collect();
    let (stage_exit, mut case_findings) = procedure_findings(policy, case, &acts, &issued);
    let limit = crate::limits::limit_of(tx, policy, case, &acts, now).await?;
    if let Some(l) = &limit {
        case_findings.extend(l.finding.clone());
        case_findings.extend(crate::limits::notice_findings(policy, l, &issued));
    }
    let mut out = CaseCompliance {
        case_id: case.id,
        acts: Vec::with_capacity(acts.len()),
        procedure: case.procedure,
        stage: case.stage,
        stage_exit,
        case_findings,
        limit,
        blocking: 0,
        warnings: 0,
    };
    for act in &acts {
        let a = assess_act(policy, act, &clips, &interruptions, &users, &issued);
        out.blocking += a.findings.iter().filter(|f| f.severity == "block").count();
        out.warnings += a.findings.iter().filter(|f| f.severity == "warning").count();
        out.acts.push(a);
    }
    for f in out.stage_exit.iter().chain(&out.case_findings) {
        match f.severity.as_str() {
            "block" => out.blocking += 1,
            "warning" => out.warnings += 1,
            _ => {}
        }
    }
    Ok(out)
}

/// 记录要素 an act's own fields show: its time window, address, officers
/// and kind are part of every act liuhen records.
pub(crate) fn shown_by_fields(element: &str) -> bool {
    SHOWN_BY_FIELDS.contains(&element)
}

const SHOWN_BY_FIELDS: [&str; 4] = ["时间", "地点", "执法人员", "执法行为"];

/// The 记录要素 an act's record shows: those its fields show, 参与人员 when
/// it names parties beside its officers, and those its officers attested.
fn act_elements(act: &Act) -> Vec<String> {
    let mut out: Vec<String> = SHOWN_BY_FIELDS.map(String::from).to_vec();
    if !act.parties.is_empty() {
        out.push("参与人员".into());
    }
    out.extend(act.elements.iter().cloned());
    out
}

/// Days before a handling limit ends from which it is reported.
pub(crate) const LIMIT_WARN_DAYS: u32 = 10;

/// What the case's procedure expects before it leaves its current stage, and
/// its handling limit (行政处罚法 第六十条, 行政强制法 第二十五条, … as the
/// rulebook says).
fn procedure_findings(
    policy: &Policy,
    case: &liuhen_domain::Case,
    acts: &[Act],
    issued: &[String],
) -> (Vec<FindingView>, Vec<FindingView>) {
    let Some(procedure) = case.procedure else { return (Vec::new(), Vec::new()) };
    let effective = policy.procedure(procedure);
    let facts = StageFacts {
        leaving: case.stage,
        acts: acts.iter().map(|a| a.kind).collect(),
        documents: issued.to_vec(),
    };
    let exit = effective.assess_exit(&facts).into_iter().map(FindingView::from).collect();
    (exit, Vec::new())
}

fn assess_act(
    policy: &Policy,
    act: &Act,
    clips: &[liuhen_store::LinkedClip],
    interruptions: &[Interruption],
    users: &[liuhen_domain::User],
    issued: &[String],
) -> ActCompliance {
    let rule = policy.rule(act.kind, act.venue);
    let window = Interval::new(liuhen_domain::unix_ms(act.starts_at), liuhen_domain::unix_ms(act.ends_at));
    let mine: Vec<&liuhen_store::LinkedClip> = clips.iter().filter(|c| c.act_id == act.id).collect();
    let intervals: Vec<Interval> = mine
        .iter()
        .filter_map(|c| {
            let start = liuhen_domain::unix_ms(c.start?);
            let dur = i64::try_from(c.duration_ms?).ok()?;
            Some(Interval::new(start, start.saturating_add(dur)))
        })
        .collect();
    let explained: Vec<&Interruption> = interruptions.iter().filter(|i| i.act_id == act.id).collect();
    let explanations: Vec<Explanation> = explained
        .iter()
        .map(|i| Explanation {
            interval: Interval::new(liuhen_domain::unix_ms(i.from), liuhen_domain::unix_ms(i.to)),
            reason: i.reason.code().to_owned(),
        })
        .collect();
    let coverage = (!intervals.is_empty()).then(|| rule.coverage(window, &intervals, &explanations));
    let valid = act.officers.iter().filter(|id| users.iter().any(|u| u.id == **id && may_enforce(u))).count();
    let facts = ActFacts {
        coverage: coverage.clone(),
        documents: issued.to_vec(),
        elements: act_elements(act),
        officers_with_valid_credential: u32::try_from(valid).unwrap_or(u32::MAX),
    };
    let mut findings: Vec<FindingView> =
        liuhen_policy::assess(&rule, &facts).into_iter().map(FindingView::from).collect();
    // Each clip's disagreements with the device register (unregistered, another officer's, 校时 drift).
    findings.extend(
        mine.iter().flat_map(|c| c.device_flags.iter().map(move |f| FindingView::of_device_flag(c, f))),
    );
    let gaps = coverage
        .as_ref()
        .map(|c| {
            c.long_gaps
                .iter()
                .map(|g| GapView {
                    start: ms_time(g.interval.start_ms),
                    end: ms_time(g.interval.end_ms),
                    seconds: g.seconds(),
                    excused: g.excused,
                    // Indexes into `explanations`, made from `explained` in order.
                    explained_by: g
                        .explained_by
                        .iter()
                        .filter_map(|i| explained.get(*i).map(|x| x.id))
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    ActCompliance {
        act_id: act.id,
        kind: act.kind,
        venue: act.venue,
        av_requirement: rule.av.value.code().to_owned(),
        av_rule: format!(
            "{} ({} {})",
            rule.av.origin.rule,
            rule.av.origin.layer.code(),
            rule.av.origin.layer_name
        ),
        clips: mine.len(),
        covered_share: coverage.as_ref().map(|c| c.share()),
        gaps,
        findings,
        window_start: ms_time(window.start_ms),
        window_end: ms_time(window.end_ms),
        covered: coverage
            .as_ref()
            .map(|c| {
                c.covered
                    .iter()
                    .map(|i| IntervalView { start: ms_time(i.start_ms), end: ms_time(i.end_ms) })
                    .collect()
            })
            .unwrap_or_default(),
        explanations: explained
            .iter()
            .zip(&explanations)
            .map(|(i, e)| ExplanationView {
                id: i.id,
                reason: i.reason,
                reason_zh: i.reason.label_zh().to_owned(),
                // An explanation overlaps its act (checked when recorded; acts do not
                // change), so clipping leaves a stretch; max/min, unlike clamp, cannot panic.
                start: ms_time(e.interval.start_ms.max(window.start_ms).min(window.end_ms)),
                end: ms_time(e.interval.end_ms.min(window.end_ms).max(window.start_ms)),
                text: i.text.clone(),
            })
            .collect(),
    }
}
