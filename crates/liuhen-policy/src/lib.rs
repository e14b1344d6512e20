//! The recording rulebook of liuhen (留痕): what every administrative enforcement act must leave
//! behind (国办发〔2018〕118号, 执法全过程记录), which decisions are major (重大执法决定法制审核),
//! what each stage of a procedure expects before a case may leave it, and how many days the
//! deadlines and handling limits give.
//!
//! Pure: no I/O and no clock. Rulebooks come in as TOML text, dates and instants as arguments.
//!
//! - [`Policy`] — the layered rulebook: the shipped national layer ([`NATIONAL_TOML`]), then
//!   department (部门) and local (地方) layers loaded with [`Policy::add_layer`]. A later layer may
//!   tighten and add; loosening a `mandatory` rule (an AV rule, a procedure's expected act or
//!   document, a handling limit) is a [`PolicyError::Loosens`] naming both rules.
//! - [`EffectiveRule`] — what [`Policy::rule`] gives for an [`ActKind`] at a [`Venue`]: the
//!   [`AvRequirement`], documents, 记录要素, officers, tolerated gap; every field [`Sourced`] with
//!   its [`Origin`]. [`Policy::show`] renders it for `policy show --act 查封扣押`.
//! - [`coverage()`] — exact interval arithmetic over clips ([`Interval`], Unix milliseconds) and
//!   中止说明 ([`Explanation`]), giving a [`Coverage`] with its long [`Gap`]s.
//! - [`assess`] — [`Finding`]s ([`Severity`] block / warning / info) for an act's [`ActFacts`].
//! - [`MajorCatalogue`] and [`Policy::is_major`] — [`MajorVerdict`] for a [`Decision`]; money in
//!   [`Fen`].
//! - [`Calendar`] — working days with the 2025 and 2026 public holidays and 调休 workdays;
//!   counting into a year without its 节假日安排 is [`CalendarError::YearNotCovered`], never a
//!   weekends-only guess; [`Policy::review_deadline`], [`Policy::disclosure_deadline`].
//! - [`Policy::procedure`] — the [`EffectiveProcedure`] of a [`Procedure`] (行政处罚普通程序,
//!   行政处罚简易程序, 行政强制, 行政检查): for each of its stages ([`ProcedureStages`], set by the
//!   national layer: 启动 to 归档, or 审核决定 to 归档 for 简易程序; [`Policy::stages_of`],
//!   [`Policy::first_stage`], [`Policy::next_stage`]), the
//!   [`ExpectedActs`] (one act, or any one of several) and [`ExpectedDocument`]s (by 文书 format
//!   name), each with its [`Need`] (`required`, or `when_applicable`: a reminder, or due once one of
//!   its `if_acts` is recorded) and [`Sourced`]. [`EffectiveProcedure::assess_exit`] gives the
//!   [`Finding`]s of leaving a stage ([`StageFacts`]: acts recorded, documents issued).
//!   [`Policy::show_procedure`] renders it for `policy show --procedure 行政处罚普通程序`.
//! - [`HandlingLimit`] — 办案期限: days counted as [`DayCount`] natural or working days from 立案
//!   or an act ([`LimitStart`]) until a stage is left, with the longest extension and who
//!   approves it; [`EffectiveProcedure::handling_deadline`], and
//!   [`EffectiveProcedure::assess_limit`] for overdue or near limits ([`LimitFacts`]).
//!
//! ```
//! use liuhen_policy::{ActFacts, Interval, Policy, Severity, assess, ActKind, Venue};
//!
//! let mut policy = Policy::national()?;
//! policy.add_layer("x-city.toml", r#"
//!     [layer]
//!     kind = "local"
//!     name = "X市"
//!
//!     [[rule]]
//!     act = "现场检查"
//!     av = "full"
//! "#)?;
//! let rule = policy.rule(ActKind::Seizure, Venue::OnSite);
//! const MIN: i64 = 60_000;
//! let window = Interval::new(0, 30 * MIN); // 10:00–10:30
//! let clips = [Interval::new(0, 12 * MIN), Interval::new(13 * MIN + 30_000, 30 * MIN)];
//! let facts = ActFacts {
//!     coverage: Some(rule.coverage(window, &clips, &[])),
//!     documents: rule.documents.iter().map(|d| d.value.clone()).collect(),
//!     elements: rule.elements.iter().map(|e| e.value.clone()).collect(),
//!     officers_with_valid_credential: 2,
//! };
//! let findings = assess(&rule, &facts);
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].severity, Severity::Block); // a 90 s gap in a 查封扣押
//! assert_eq!(policy.rule(ActKind::OnSiteInspection, Venue::OnSite).av.origin.layer_name, "X市");
//! # Ok::<(), liuhen_policy::PolicyError>(())
//! ```
//!
//! Leaving a stage of a procedure, and its handling limit:
//!
//! ```
//! use liuhen_policy::{ActKind, FindingCode, Policy, Procedure, Severity, Stage, StageFacts};
//! use time::macros::date;
//!
//! let policy = Policy::national()?;
//! let ordinary = policy.procedure(Procedure::PenaltyOrdinary);
//! let facts = StageFacts {
//!     leaving: Stage::Investigation,
//!     acts: vec![ActKind::Inquiry],
//!     documents: vec![],
//! };
//! let findings = ordinary.assess_exit(&facts);
//! assert_eq!((findings[0].severity, findings[0].code), (Severity::Block, FindingCode::DocumentMissing));
//! assert_eq!(findings[0].origin.rule, "行政处罚普通程序/调查取证"); // no 询问笔录
//! // 行政处罚法 第60条: decided within 90 natural days of 立案.
//! let due = ordinary.handling_deadline(date!(2026 - 03 - 02), policy.calendar(), 0)?;
//! assert_eq!(due, date!(2026 - 05 - 31));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

mod calendar;
mod codes;
mod coverage;
mod deadlines;
mod disclosure;
mod effective;
mod error;
mod findings;
mod major;
mod procedure;
mod retention;
mod rulebook;
mod selector;

pub use calendar::{Calendar, DayKind};
pub use codes::{AvRequirement, DayCount, LayerKind, Measure, Need, PartyType, Severity};
pub use coverage::{Coverage, Explanation, Gap, Interval, coverage, merge};
pub use deadlines::Deadlines;
pub use disclosure::{DisclosureAction, DisclosureRules};
pub use effective::EffectiveRule;
pub use error::{CalendarError, LimitError, Location, Loosening, PolicyError};
pub use findings::{ActFacts, Finding, FindingCode, assess};
pub use liuhen_domain::{ActKind, CaseKind, Procedure, RecordClass, RecordSource, Role, Stage, Venue};
pub use major::{Decision, Fen, MajorCatalogue, MajorReason, MajorVerdict};
pub use procedure::{
    EffectiveProcedure, EffectiveStage, ExpectedActs, ExpectedDocument, HandlingLimit, LimitFacts,
    LimitStart, ProcedureStages, StageFacts,
};
pub use retention::{
    DEFAULT_FILE_NO, FileNoPattern, Period, RecordFacts, Retention, RetentionClass, RetentionDecision,
    RetentionRule,
};
pub use rulebook::{ActItem, DocumentItem, Layer, LimitRule, NATIONAL_TOML, Policy, Rule, StageRule};
pub use selector::{ActSelector, Origin, Selector, Sourced, VenueSelector};

impl Policy {
    /// Checks a decision against the effective major-decision catalogue.
    pub fn is_major(&self, decision: &Decision) -> MajorVerdict {
        self.catalogue().is_major(decision)
    }
}
