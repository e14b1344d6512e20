//! The layered rulebook: national → department (部门) → local (地方).
//!
//! Each layer is one TOML text. A layer may add rules and tighten what earlier
//! layers said; it may not loosen a rule an earlier layer marked `mandatory`
//! (nor a mandatory procedure expectation or handling limit), nor raise a
//! major-decision threshold or a disclosure deadline. Which stages each
//! procedure has is the national layer's alone (`[[procedure_stages]]`). Loading is atomic: a
//! rejected layer leaves the policy as it was.

pub(crate) mod raw;

use std::fmt::Display;

pub(crate) use raw::Lines;
use raw::RawLayer;
pub use raw::{ActItem, DocumentItem, LimitRule, Rule, StageRule};

use crate::calendar::Calendar;
use crate::deadlines::Deadlines;
use crate::disclosure::DisclosureRules;
use crate::error::{Location, Loosening};
use crate::major::MajorCatalogue;
use crate::procedure::{HandlingLimit, ProcedureStages, check_stage_rules, merged_limits, stage_lists};
use crate::retention::Retention;
use crate::selector::{ActSelector, VenueSelector};
use crate::{LayerKind, Origin, PolicyError};

/// The national rulebook shipped with the crate (DOMAIN.md §1, §4, §5, the procedures of
/// 行政处罚法 and 行政强制法 and the stages of each, and the 2025 and 2026 holidays).
pub const NATIONAL_TOML: &str = include_str!("national.toml");

/// One loaded layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub kind: LayerKind,
    pub name: String,
    /// The name the text was loaded under (a file name).
    pub source: String,
    pub rules: Vec<Rule>,
    /// `[[procedure]]` tables.
    pub procedures: Vec<StageRule>,
    /// `[[limit]]` tables.
    pub limits: Vec<LimitRule>,
    /// `[documents] formats`.
    pub formats: Vec<String>,
}

impl Layer {
    pub(crate) fn origin(&self, rule: impl Display, mandatory: bool) -> Origin {
        Origin { layer: self.kind, layer_name: self.name.clone(), rule: rule.to_string(), mandatory }
    }
}

/// The effective rulebook: every layer loaded so far, and what they add up to.
#[derive(Debug, Clone)]
pub struct Policy {
    layers: Vec<Layer>,
    catalogue: MajorCatalogue,
    calendar: Calendar,
    deadlines: Deadlines,
    limits: Vec<HandlingLimit>,
    stage_lists: Vec<ProcedureStages>,
    retention: Retention,
    disclosure: DisclosureRules,
}

impl Policy {
    /// The shipped national rulebook, [`NATIONAL_TOML`].
    pub fn national() -> Result<Policy, PolicyError> {
        Policy::from_national("national.toml", NATIONAL_TOML)
    }

    /// A policy whose national layer is `text` (kind `national`, with a complete `*/*` rule,
    /// both fine thresholds and every deadline).
    pub fn from_national(source: &str, text: &str) -> Result<Policy, PolicyError> {
        let mut policy = Policy {
            layers: Vec::new(),
            catalogue: MajorCatalogue::empty(),
            calendar: Calendar::default(),
            deadlines: Deadlines::empty(),
            limits: Vec::new(),
            stage_lists: Vec::new(),
            retention: Retention::default(),
            disclosure: DisclosureRules::default(),
        };
        policy.add_layer(source, text)?;
        Ok(policy)
    }

    /// Loads a department or local layer on top of the layers so far.
    pub fn add_layer(&mut self, source: &str, text: &str) -> Result<(), PolicyError> {
        let (raw, lines) = raw::parse(source, text)?;
        let at = |path: &str, line: Option<usize>| Location {
            source: source.to_owned(),
            path: path.to_owned(),
            line,
        };
        let kind = raw.layer.kind;
        let previous = self.layers.last().map(|l| l.kind);
        let order_ok = match previous {
            None => kind == LayerKind::National,
            Some(prev) => kind != LayerKind::National && kind >= prev,
        };
        if !order_ok {
            let line = lines.line("layer.kind");
            return Err(PolicyError::LayerOrder { at: at("layer.kind", line), kind, previous });
        }
        for (i, rule) in raw.rule.iter().enumerate() {
            check_rule(source, i, rule, &lines)?;
            self.check_loosening(source, kind, i, rule, &lines)?;
        }
        let stages = stage_lists(&self.stage_lists, source, &raw, &lines)?;
        check_stage_rules(&self.layers, &stages, source, kind, &raw, &lines)?;
        let layer = Layer {
            kind,
            name: raw.layer.name.clone(),
            source: source.to_owned(),
            rules: raw.rule.clone(),
            procedures: raw.procedure.clone(),
            limits: raw.limit.clone(),
            formats: raw.documents.as_ref().map(|d| d.formats.clone()).unwrap_or_default(),
        };
        if kind == LayerKind::National {
            check_base(source, &raw, &lines)?;
        }
        let catalogue = self.catalogue.merged(&layer, raw.major.as_ref(), source, &lines)?;
        let deadlines = self.deadlines.merged(&layer, raw.deadlines.as_ref(), source, &lines)?;
        let calendar = self.calendar.merged(source, &raw.calendar, &lines)?;
        let limits = merged_limits(&self.limits, &self.layers, &stages, &layer, source, &lines)?;
        let retention = self.retention.merged(
            &layer.name,
            source,
            &raw.retention_class,
            &raw.retention,
            raw.archive.as_ref(),
            &lines,
        )?;
        let disclosure = self.disclosure.merged(&layer, raw.disclosure.as_ref(), source, &lines)?;
        self.layers.push(layer);
        self.retention = retention;
        self.disclosure = disclosure;
        self.stage_lists = stages;
        self.limits = limits;
        self.catalogue = catalogue;
        self.deadlines = deadlines;
        self.calendar = calendar;
        Ok(())
    }

    /// Every layer, national first.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// 重大执法决定法制审核目录清单 — the effective major-decision catalogue.
    pub fn catalogue(&self) -> &MajorCatalogue {
        &self.catalogue
    }

    /// The working-day calendar.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Legal-review and disclosure deadlines, in working days.
    pub fn deadlines(&self) -> &Deadlines {
        &self.deadlines
    }

    /// The stages of every procedure ([`Policy::procedure_stages`]), as the national layer lists them.
    pub fn stage_lists(&self) -> &[ProcedureStages] {
        &self.stage_lists
    }

    /// 保管期限: the retention classes and rules of every layer, and the 档号 pattern.
    pub fn retention(&self) -> &Retention {
        &self.retention
    }

    /// 执法公示: what is published, by whom, and the periods around it.
    pub fn disclosure(&self) -> &DisclosureRules {
        &self.disclosure
    }

    /// The effective handling limits (办案期限), one per procedure that has one.
    pub fn limits(&self) -> &[HandlingLimit] {
        &self.limits
    }

    fn check_loosening(
        &self,
        source: &str,
        kind: LayerKind,
        i: usize,
        rule: &Rule,
        lines: &Lines,
    ) -> Result<(), PolicyError> {
        let at = |path: &str| Location {
            source: source.to_owned(),
            path: path.to_owned(),
            line: lines.line(path),
        };
        let earlier = self.layers.iter().flat_map(|l| l.rules.iter().map(move |r| (l.kind, r)));
        for (earlier_layer, m) in
            earlier.filter(|(_, m)| m.mandatory && m.selector().overlaps(rule.selector()))
        {
            let clash = looser("av", rule.av, m.av, |new, old| new < old)
                .or_else(|| looser("min_officers", rule.min_officers, m.min_officers, |new, old| new < old))
                .or_else(|| {
                    looser("max_gap_seconds", rule.max_gap_seconds, m.max_gap_seconds, |new, old| new > old)
                })
                .or_else(|| {
                    looser(
                        "explanation_covers_gap",
                        rule.explanation_covers_gap,
                        m.explanation_covers_gap,
                        |n, o| *n && !*o,
                    )
                });
            if let Some((field, value, earlier_value)) = clash {
                return Err(PolicyError::Loosens(Box::new(Loosening {
                    at: at(&format!("rule[{i}].{field}")),
                    layer: kind,
                    rule: rule.selector().to_string(),
                    field: field.to_owned(),
                    value,
                    earlier_layer,
                    earlier_rule: m.selector().to_string(),
                    earlier_value,
                })));
            }
        }
        Ok(())
    }
}

/// `Some((field, new, old))` when both are set and `new` is looser than `old`.
pub(crate) fn looser<T: Display>(
    field: &'static str,
    new: Option<T>,
    old: Option<T>,
    is_looser: impl Fn(&T, &T) -> bool,
) -> Option<(&'static str, String, String)> {
    match (new, old) {
        (Some(n), Some(o)) if is_looser(&n, &o) => Some((field, n.to_string(), o.to_string())),
        _ => None,
    }
}

/// Values no layer may set, whatever the earlier layers said.
fn check_rule(source: &str, i: usize, rule: &Rule, lines: &Lines) -> Result<(), PolicyError> {
    let bad = |field: &str, msg: &str| {
        let path = format!("rule[{i}].{field}");
        PolicyError::invalid(source, &path, lines.line(&path), msg)
    };
    if rule.min_officers == Some(0) {
        return Err(bad("min_officers", "must be at least 1"));
    }
    if rule.documents.iter().any(|d| d.trim().is_empty()) {
        return Err(bad("documents", "a document name cannot be empty"));
    }
    if rule.elements.iter().any(|e| e.trim().is_empty()) {
        return Err(bad("elements", "an element cannot be empty"));
    }
    Ok(())
}

/// The national layer must give every field a value through its `*/*` rules, so that every
/// effective value has an origin.
fn check_base(source: &str, raw: &RawLayer, lines: &Lines) -> Result<(), PolicyError> {
    let base: Vec<&Rule> =
        raw.rule.iter().filter(|r| r.act == ActSelector::Any && r.venue == VenueSelector::Any).collect();
    let missing = [
        ("av", base.iter().any(|r| r.av.is_some())),
        ("min_officers", base.iter().any(|r| r.min_officers.is_some())),
        ("max_gap_seconds", base.iter().any(|r| r.max_gap_seconds.is_some())),
        ("explanation_covers_gap", base.iter().any(|r| r.explanation_covers_gap.is_some())),
    ];
    if let Some((field, _)) = missing.iter().find(|(_, set)| !set) {
        return Err(PolicyError::invalid(
            source,
            "rule",
            lines.line("rule"),
            format!("the national layer needs a rule with act = \"*\", venue = \"*\" that sets {field}"),
        ));
    }
    Ok(())
}
