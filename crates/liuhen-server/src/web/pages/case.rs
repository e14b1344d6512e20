//! The case page: the timeline by stage with every act, document, review
//! and stage move on it; each act's AV coverage bar and findings; what the
//! stage exit still lacks; and the forms of what the reader may do.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use liuhen_domain::{
    Act, ActKind, CaseId, Document, DocumentStatus, Evidence, InterruptionReason, Party, ReleaseReason,
    Stage, User, Venue,
};
use liuhen_service::compliance::{ActCompliance, FindingView};
use liuhen_service::overview::CaseOverview;
use liuhen_store::{StageMove, StoredReview};
use time::OffsetDateTime;

use crate::AppState;
use crate::web::frame::{Frame, OrPage, PageResult, Viewer, beijing, finish, render};

/// One coloured piece of a coverage bar, in percent of the act's window.
#[derive(Debug, Clone)]
pub struct Seg {
    pub x: String,
    pub w: String,
    pub class: &'static str,
    pub title: String,
}

/// An act as the timeline shows it.
#[derive(Debug, Clone)]
pub struct ActView {
    pub act: Act,
    pub officers: String,
    pub compliance: Option<ActCompliance>,
    pub bar: Vec<Seg>,
    pub bar_label: String,
    /// Evidence linked to the act: id and file name.
    pub clips: Vec<(String, String)>,
    pub blocking: usize,
    /// Where a new 中止说明 form starts (the first unexplained gap), as `datetime-local` values.
    pub gap_from: String,
    pub gap_to: String,
}

/// One thing on the timeline.
#[derive(Debug, Clone)]
pub struct Item {
    pub time: OffsetDateTime,
    pub act: Option<ActView>,
    pub doc: Option<Document>,
    pub review: Option<(StoredReview, String)>,
    pub mv: Option<(StageMove, String)>,
}

/// The timeline of one stage.
#[derive(Debug, Clone)]
pub struct Section {
    pub stage: Stage,
    /// `done`, `now` or `later`.
    pub state: &'static str,
    pub items: Vec<Item>,
}

#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage {
    c: Frame,
    o: CaseOverview,
    sections: Vec<Section>,
    officers: String,
    parties: Vec<(usize, String)>,
    blocking_exit: Vec<FindingView>,
    blocking_acts: Vec<String>,
    next_stage: Option<Stage>,
    /// Whether the case's procedure opens with 立案 (简易程序 does not).
    filed: bool,
    act_kinds: &'static [ActKind],
    reasons: &'static [InterruptionReason],
    release_reasons: &'static [ReleaseReason],
    /// The case's package, for an archivist.
    archive: Option<liuhen_service::archive::ArchiveView>,
    /// Its retention and live holds, for an archivist.
    retention: Option<liuhen_service::retention::RetentionView>,
    venues: &'static [Venue],
    officer_choices: Vec<(User, bool)>,
    formats: Vec<(String, String)>,
    now_local: String,
    /// Document names the case's findings still ask for (《…》), then every format's.
    doc_names: Vec<String>,
    /// 行政复议 and 行政诉讼 against the decision (shown from 送达执行 on, or once there is one).
    remedies: Vec<liuhen_domain::Remedy>,
    /// Whether the reader records them.
    records_remedies: bool,
    remedy_kinds: &'static [liuhen_domain::RemedyKind],
    remedy_outcomes: &'static [liuhen_domain::RemedyOutcome],
    today: String,
}

pub async fn page(State(s): State<AppState>, v: Viewer, Path(id): Path<String>) -> Response {
    finish(build(&s, v, &id).await)
}

async fn build(s: &AppState, v: Viewer, id: &str) -> PageResult {
    let Ok(id) = id.parse::<CaseId>() else {
        return Err(crate::web::frame::not_found(v.frame));
    };
    let o = s.service.case_overview(&v.me, id).await.or_page(&v.frame)?;
    let officer_choices = if o.can.direct || o.can.record {
        let users = s.service.list_users(&v.me).await.or_page(&v.frame)?;
        users
            .into_iter()
            .filter(liuhen_service::scope::may_enforce)
            .map(|u| {
                let on = o.case.officers.contains(&u.id);
                (u, on)
            })
            .collect()
    } else {
        Vec::new()
    };
    let formats = if o.can.record {
        s.service.document_formats().or_page(&v.frame)?.into_iter().map(|f| (f.code, f.name)).collect()
    } else {
        Vec::new()
    };
    let mut doc_names: Vec<String> = Vec::new();
    let findings = o
        .compliance
        .acts
        .iter()
        .flat_map(|a| a.findings.iter())
        .chain(o.compliance.stage_exit.iter())
        .map(|f| f.message_zh.as_str());
    for m in findings {
        for part in m.split('《').skip(1) {
            if let Some((name, _)) = part.split_once('》')
                && !doc_names.iter().any(|n| n == name)
            {
                doc_names.push(name.to_owned());
            }
        }
    }
    for (_, name) in &formats {
        if !doc_names.contains(name) {
            doc_names.push(name.clone());
        }
    }
    let archive =
        if o.can.archive { s.service.case_archive(&v.me, o.case.id).await.or_page(&v.frame)? } else { None };
    let retention = if archive.is_some() {
        s.service.case_retention_view(&v.me, o.case.id).await.or_page(&v.frame)?
    } else {
        None
    };
    let remedies = s.service.remedies(&v.me, o.case.id).await.or_page(&v.frame)?;
    let records_remedies =
        liuhen_service::scope::may_record_remedies(&v.me.user) && o.case.stage >= Stage::Execution;
    let sections = timeline(&o);
    let officers = o.case.officers.iter().map(|u| o.name_of(u)).collect::<Vec<_>>().join("、");
    let parties = o.case.parties.iter().enumerate().map(|(i, p)| (i, party_line(p))).collect();
    let blocking_exit = o.compliance.stage_exit.iter().filter(|f| f.severity == "block").cloned().collect();
    let blocking_acts =
        if o.case.stage >= Stage::Investigation { o.compliance.blocking_lines() } else { Vec::new() };
    let page = CasePage {
        archive,
        retention,
        next_stage: o.next_stage,
        filed: o.stages.contains(&Stage::Initiation),
        now_local: crate::web::frame::local_input(s.service.now()),
        c: v.frame,
        sections,
        officers,
        parties,
        blocking_exit,
        blocking_acts,
        act_kinds: ActKind::ALL,
        reasons: InterruptionReason::ALL,
        release_reasons: ReleaseReason::ALL,
        venues: Venue::ALL,
        officer_choices,
        formats,
        doc_names,
        remedies,
        records_remedies,
        remedy_kinds: liuhen_domain::RemedyKind::ALL,
        remedy_outcomes: liuhen_domain::RemedyOutcome::ALL,
        today: liuhen_domain::when::in_beijing(s.service.now()).date().to_string(),
        o,
    };
    Ok(render(&page))
}

fn party_line(p: &Party) -> String {
    match p {
        Party::NaturalPerson { name, .. } => format!("{name}（自然人）"),
        Party::Organisation { name, uscc, .. } => format!("{name}（{uscc}）"),
    }
}

/// The stage each moment belongs to: the last stage entered at or before it,
/// or the stage the case started in (its procedure's first).
fn stage_at(o: &CaseOverview, t: OffsetDateTime) -> Stage {
    let mut stage = o.moves.first().map_or(o.case.stage, |m| m.from);
    for m in &o.moves {
        if m.at <= t {
            stage = m.to;
        }
    }
    stage
}

fn timeline(o: &CaseOverview) -> Vec<Section> {
    let mut items: Vec<(Stage, Item)> = Vec::new();
    let blank = |time| Item { time, act: None, doc: None, review: None, mv: None };
    for act in &o.acts {
        let compliance = o.compliance.acts.iter().find(|a| a.act_id == act.id).cloned();
        let (bar, bar_label) = coverage_bar(compliance.as_ref());
        // The explanation form starts from the first gap nobody explained yet.
        let open_gap = compliance.as_ref().and_then(|c| c.gaps.iter().find(|g| !g.excused));
        let gap_from = open_gap.map(|g| crate::web::frame::local_input(g.start)).unwrap_or_default();
        let gap_to = open_gap.map(|g| crate::web::frame::local_input(g.end)).unwrap_or_default();
        let clips = o
            .links
            .iter()
            .filter(|(_, a, _)| *a == act.id)
            .filter_map(|(e, _, _)| o.evidence.iter().find(|x| x.id == *e))
            .map(|e: &Evidence| (e.id.to_string(), e.file_name.clone()))
            .collect();
        let blocking =
            compliance.as_ref().map_or(0, |c| c.findings.iter().filter(|f| f.severity == "block").count());
        let view = ActView {
            officers: act.officers.iter().map(|u| o.name_of(u)).collect::<Vec<_>>().join("、"),
            act: act.clone(),
            compliance,
            bar,
            bar_label,
            clips,
            blocking,
            gap_from,
            gap_to,
        };
        items.push((stage_at(o, act.starts_at), Item { act: Some(view), ..blank(act.starts_at) }));
    }
    for d in &o.documents {
        let t = d.issued_at.unwrap_or(d.created_at);
        items.push((stage_at(o, t), Item { doc: Some(d.clone()), ..blank(t) }));
    }
    for r in &o.review.reviews {
        let who = r.reviewer.map(|u| o.name_of(&u)).unwrap_or_default();
        items.push((
            stage_at(o, r.submitted_at),
            Item { review: Some((r.clone(), who)), ..blank(r.submitted_at) },
        ));
    }
    for m in &o.moves {
        // A move closes the stage it leaves.
        items.push((m.from, Item { mv: Some((m.clone(), o.name_of(&m.by))), ..blank(m.at) }));
    }
    items.sort_by_key(|(_, i)| (i.time, i.mv.is_some()));
    o.stages
        .iter()
        .map(|&stage| Section {
            stage,
            state: if stage < o.case.stage {
                "done"
            } else if stage == o.case.stage {
                "now"
            } else {
                "later"
            },
            items: items.iter().filter(|(s, _)| *s == stage).map(|(_, i)| i.clone()).collect(),
        })
        .collect()
}

fn pct(part: i64, whole: i64) -> f64 {
    if whole <= 0 { 0.0 } else { (part as f64 / whole as f64 * 100.0).clamp(0.0, 100.0) }
}

fn ms(t: OffsetDateTime) -> i64 {
    liuhen_domain::unix_ms(t)
}

/// The coverage bar of an act, drawn from the compliance answer: covered
/// time green, gaps the rule does not excuse red, gaps a 中止说明 excuses
/// amber; each piece's title gives its times (北京时间).
fn coverage_bar(c: Option<&ActCompliance>) -> (Vec<Seg>, String) {
    let Some(c) = c else { return (Vec::new(), String::new()) };
    let (from, to) = (ms(c.window_start), ms(c.window_end));
    let whole = to - from;
    let mut segs = Vec::new();
    let piece = |s: i64, e: i64, class: &'static str, what: &str| {
        let (s, e) = (s.clamp(from, to), e.clamp(from, to));
        Seg {
            x: format!("{:.3}", pct(s - from, whole)),
            w: format!("{:.3}", pct(e - s, whole)),
            class,
            title: format!(
                "{what} {}–{}",
                beijing(ms_time(s), true),
                beijing(ms_time(e), true).split(' ').nth(1).unwrap_or_default()
            ),
        }
    };
    for iv in &c.covered {
        segs.push(piece(ms(iv.start), ms(iv.end), "covered", "有音像记录"));
    }
    for g in &c.gaps {
        let (class, what) = if g.excused {
            ("gap explained", "中断（已说明）")
        } else {
            ("gap", "中断（未说明）")
        };
        segs.push(piece(ms(g.start), ms(g.end), class, what));
    }
    let share = c.covered_share.map(|s| format!("{:.0}%", s * 100.0)).unwrap_or_else(|| "—".into());
    let label = format!(
        "音像记录覆盖 {share}，{} 处未说明的中断，{} 处已说明",
        c.gaps.iter().filter(|g| !g.excused).count(),
        c.gaps.iter().filter(|g| g.excused).count()
    );
    (segs, label)
}

fn ms_time(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl CasePage {
    /// The badge colour of the handling limit's state.
    fn limit_badge(&self) -> &'static str {
        use liuhen_service::limits::LimitState;
        match self.o.compliance.limit.as_ref().map(|l| l.state) {
            Some(LimitState::Past) => "block",
            Some(LimitState::Near | LimitState::Unknown) => "warning",
            Some(LimitState::Running) => "ok",
            _ => "info",
        }
    }

    /// The rule's audio-video requirement, for people.
    fn av_label(&self, code: &str) -> &'static str {
        match code {
            "full" => self.c.t("全程音像记录", "full audio-video recording"),
            "by_circumstance" => self.c.t("视情况音像记录", "recording as circumstances require"),
            "text_allowed" => self.c.t("可文字记录", "a written record suffices"),
            _ => "",
        }
    }

    /// Whether a document is still a draft.
    fn is_draft(&self, d: &Document) -> bool {
        d.status == DocumentStatus::Draft
    }
}
