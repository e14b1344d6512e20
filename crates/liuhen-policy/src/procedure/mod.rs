//! 执法程序 as data: for each [`Procedure`] and [`Stage`], the acts and documents the stage
//! expects before a case may leave it, and the procedure's handling limit (办案期限).
//!
//! Layers fold like rules do. Within one layer every `[[procedure]]` table of the stage applies
//! and the strictest [`Need`] wins; a later layer's need replaces an earlier one, so a department
//! may drop a non-mandatory national item with `not_expected` or make a `when_applicable` one
//! `required`. Loading has already refused a need below a mandatory one. The `if_acts` of a
//! document only accumulate. An act item is known by the set of acts that satisfy it, a document
//! by its format name.

mod exit;
mod limit;
mod stages;

use std::fmt;

use liuhen_domain::{ActKind, Procedure, Stage};

pub use exit::StageFacts;
pub(crate) use limit::merged_limits;
pub use limit::{HandlingLimit, LimitFacts, LimitStart};
pub use stages::ProcedureStages;
pub(crate) use stages::{check_has_stage, stage_lists};

use crate::effective::pad;
use crate::error::{Location, Loosening};
use crate::rulebook::raw::{Lines, RawLayer};
use crate::rulebook::{Layer, StageRule};
use crate::{LayerKind, Need, Origin, Policy, PolicyError, Sourced};

/// Acts a stage expects: any one of `one_of` satisfies it (one act for most items).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedActs {
    /// In [`ActKind::ALL`] order.
    pub one_of: Vec<ActKind>,
    pub need: Need,
    /// The legal basis of the table that set the need.
    pub basis: Option<String>,
}

/// A document a stage expects, by 文书 format name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedDocument {
    pub name: String,
    pub need: Need,
    /// For [`Need::WhenApplicable`]: the document is due once one of these acts is recorded.
    pub if_acts: Vec<ActKind>,
    /// Documents that serve in its place; what every layer naming the document allows.
    pub instead: Vec<String>,
    /// The legal basis of the table that set the need.
    pub basis: Option<String>,
}

impl ExpectedDocument {
    /// The document and those that serve in its place.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.instead.iter().map(String::as_str))
    }
}

/// What one stage expects before a case may leave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveStage {
    pub stage: Stage,
    pub acts: Vec<Sourced<ExpectedActs>>,
    pub documents: Vec<Sourced<ExpectedDocument>>,
}

/// A procedure after every layer: each of its stages, in order, and the handling limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveProcedure {
    pub procedure: Procedure,
    /// The procedure's stages ([`Policy::stages_of`]), in order: 启动 to 归档 for most, 审核决定 to
    /// 归档 for 行政处罚简易程序.
    pub stages: Vec<EffectiveStage>,
    /// Which layer and table set the list of stages, and its basis.
    pub stage_list: ProcedureStages,
    /// `None` when no layer sets one (行政检查 nationally).
    pub limit: Option<HandlingLimit>,
}

impl EffectiveProcedure {
    /// What `stage` expects; `None` when the procedure has no such stage.
    pub fn stage(&self, stage: Stage) -> Option<&EffectiveStage> {
        self.stages.iter().find(|s| s.stage == stage)
    }

    /// The stage a new case of the procedure starts in.
    pub fn first_stage(&self) -> Stage {
        self.stage_list.first()
    }

    /// The stage a case standing in `current` moves to next ([`ProcedureStages::next_after`]).
    pub fn next_stage(&self, current: Stage) -> Option<Stage> {
        self.stage_list.next_after(current)
    }
}

impl Policy {
    /// Every document name the rulebook knows: declared formats and the
    /// documents its rules and procedures name.
    pub fn document_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let names = self.layers().iter().flat_map(|l| {
            l.formats
                .iter()
                .chain(l.rules.iter().flat_map(|r| r.documents.iter()))
                .chain(l.procedures.iter().flat_map(|t| t.documents.iter().map(|d| &d.name)))
        });
        for n in names {
            if !out.contains(n) {
                out.push(n.clone());
            }
        }
        out
    }

    /// Every 记录要素 the rulebook's rules ask of some act.
    pub fn element_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in self.layers().iter().flat_map(|l| l.rules.iter().flat_map(|r| r.elements.iter())) {
            if !out.contains(e) {
                out.push(e.clone());
            }
        }
        out
    }

    /// The effective procedure: what each stage expects, each item with the layer and table that
    /// set it, and the handling limit.
    pub fn procedure(&self, procedure: Procedure) -> EffectiveProcedure {
        let stage_list = self.procedure_stages(procedure);
        let stages =
            stage_list.stages.iter().map(|stage| effective_stage(self.layers(), procedure, *stage)).collect();
        EffectiveProcedure { procedure, stages, stage_list, limit: self.limit(procedure).cloned() }
    }

    /// The stages of `procedure`, in order, with the table that set them. The national layer lists
    /// every procedure's; later layers cannot change them.
    pub fn procedure_stages(&self, procedure: Procedure) -> ProcedureStages {
        self.stage_lists().iter().find(|l| l.procedure == procedure).cloned().unwrap_or_else(|| {
            // Unreachable once the national layer is loaded; all five rather than none.
            ProcedureStages {
                procedure,
                stages: Stage::ALL.to_vec(),
                basis: None,
                origin: Origin {
                    layer: LayerKind::National,
                    layer_name: "built-in".into(),
                    rule: format!("{}/stages", procedure.label_zh()),
                    mandatory: true,
                },
            }
        })
    }

    /// The stages a case of `procedure` passes through, in order; every [`Stage`] for a case
    /// without a procedure (行政许可, 其他).
    pub fn stages_of(&self, procedure: Option<Procedure>) -> Vec<Stage> {
        match procedure {
            Some(p) => self.procedure_stages(p).stages,
            None => Stage::ALL.to_vec(),
        }
    }

    /// The stage a new case of `procedure` starts in (启动, or 审核决定 for 简易程序).
    pub fn first_stage(&self, procedure: Option<Procedure>) -> Stage {
        self.stages_of(procedure).first().copied().unwrap_or(Stage::Initiation)
    }

    /// The stage a case of `procedure` standing in `current` moves to next; `None` from 归档.
    pub fn next_stage(&self, procedure: Option<Procedure>, current: Stage) -> Option<Stage> {
        self.stages_of(procedure).into_iter().find(|s| *s > current)
    }

    /// What `policy show --procedure 行政处罚普通程序` prints: every stage with its acts and
    /// documents, the limit, and where each came from.
    pub fn show_procedure(&self, procedure: Procedure) -> String {
        self.procedure(procedure).to_string()
    }
}

/// One expectation while folding the layers.
struct Slot<K> {
    key: K,
    need: Need,
    if_acts: Vec<ActKind>,
    origin: Origin,
    basis: Option<String>,
}

/// Adds the acts of `more` missing from `list`; whether any was added.
fn union(list: &mut Vec<ActKind>, more: &[ActKind]) -> bool {
    let before = list.len();
    for k in more {
        if !list.contains(k) {
            list.push(*k);
        }
    }
    list.len() > before
}

/// Folds every layer's statements about one stage; `items` gives a table's (key, need, if_acts).
fn fold<K: PartialEq>(
    layers: &[Layer],
    procedure: Procedure,
    stage: Stage,
    items: impl Fn(&StageRule) -> Vec<(K, Need, Vec<ActKind>)>,
) -> Vec<Slot<K>> {
    let mut running: Vec<Slot<K>> = Vec::new();
    for layer in layers {
        // What this layer says: the strictest need of its tables, ties to a mandatory table.
        let mut said: Vec<Slot<K>> = Vec::new();
        for table in layer.procedures.iter().filter(|t| t.procedure == procedure && t.stage == stage) {
            for (key, need, if_acts) in items(table) {
                let origin = layer.origin(table.name(), table.mandatory);
                let new = Slot { key, need, if_acts, origin, basis: table.basis.clone() };
                match said.iter_mut().find(|s| s.key == new.key) {
                    None => said.push(new),
                    Some(s) => {
                        union(&mut s.if_acts, &new.if_acts);
                        let mandatory_tie = new.need == s.need && new.origin.mandatory && !s.origin.mandatory;
                        if new.need > s.need || mandatory_tie {
                            (s.need, s.origin, s.basis) = (new.need, new.origin, new.basis);
                        }
                    }
                }
            }
        }
        // A later layer's need replaces the earlier one.
        for new in said {
            match running.iter().position(|r| r.key == new.key) {
                None if new.need == Need::NotExpected => {}
                None => running.push(new),
                Some(i) if new.need == Need::NotExpected => {
                    running.remove(i);
                }
                Some(i) => {
                    let Some(r) = running.get_mut(i) else { continue };
                    let grew = union(&mut r.if_acts, &new.if_acts);
                    if new.need != r.need
                        || (grew && new.need == Need::WhenApplicable)
                        || (new.origin.mandatory && !r.origin.mandatory)
                    {
                        (r.need, r.origin, r.basis) = (new.need, new.origin, new.basis);
                    }
                }
            }
        }
    }
    running
}

fn effective_stage(layers: &[Layer], procedure: Procedure, stage: Stage) -> EffectiveStage {
    let acts =
        fold(layers, procedure, stage, |t| t.acts.iter().map(|a| (a.kinds(), a.need, Vec::new())).collect())
            .into_iter()
            .map(|s| Sourced {
                value: ExpectedActs { one_of: s.key, need: s.need, basis: s.basis },
                origin: s.origin,
            })
            .collect();
    let documents = fold(layers, procedure, stage, |t| {
        t.documents.iter().map(|d| (d.name.clone(), d.need, d.if_acts.clone())).collect()
    })
    .into_iter()
    .map(|s| Sourced {
        value: ExpectedDocument {
            instead: instead(layers, procedure, stage, &s.key),
            name: s.key,
            need: s.need,
            if_acts: s.if_acts,
            basis: s.basis,
        },
        origin: s.origin,
    })
    .collect();
    EffectiveStage { stage, acts, documents }
}

/// The documents that may serve instead of `name`: those every statement about it allows, so a
/// later layer can narrow the list but never widen it.
fn instead(layers: &[Layer], procedure: Procedure, stage: Stage, name: &str) -> Vec<String> {
    let mut out: Option<Vec<String>> = None;
    let items = layers
        .iter()
        .flat_map(|l| l.procedures.iter())
        .filter(|t| t.procedure == procedure && t.stage == stage)
        .flat_map(|t| t.documents.iter())
        .filter(|d| d.name == name);
    for d in items {
        out = Some(match out {
            None => d.instead.clone(),
            Some(prev) => prev.into_iter().filter(|x| d.instead.contains(x)).collect(),
        });
    }
    out.unwrap_or_default()
}

/// `询问` or `直接送达|留置送达`.
fn acts_key(kinds: &[ActKind]) -> String {
    kinds.iter().map(|k| k.label_zh()).collect::<Vec<_>>().join("|")
}

/// Checks a layer's `[documents]` and `[[procedure]]` tables before it is added: every stage one
/// its procedure has, every item well formed, every document a declared format, no need below an
/// earlier mandatory one.
pub(crate) fn check_stage_rules(
    earlier: &[Layer],
    stage_lists: &[ProcedureStages],
    source: &str,
    kind: LayerKind,
    raw: &RawLayer,
    lines: &Lines,
) -> Result<(), PolicyError> {
    let invalid = |path: String, msg: String| {
        let line = lines.line(&path);
        PolicyError::invalid(source, path, line, msg)
    };
    let declared = raw.documents.as_ref().map(|d| d.formats.as_slice()).unwrap_or_default();
    if let Some(j) = declared.iter().position(|f| f.trim().is_empty()) {
        return Err(invalid(format!("documents.formats[{j}]"), "a format name cannot be empty".into()));
    }
    let mut known: Vec<&str> = Vec::new();
    let names = earlier
        .iter()
        .flat_map(|l| l.formats.iter().chain(l.rules.iter().flat_map(|r| r.documents.iter())))
        .chain(declared)
        .chain(raw.rule.iter().flat_map(|r| r.documents.iter()));
    for name in names {
        if !known.contains(&name.as_str()) {
            known.push(name);
        }
    }
    for (i, table) in raw.procedure.iter().enumerate() {
        let path = format!("procedure[{i}].stage");
        check_has_stage(stage_lists, table.procedure, table.stage, source, path, lines)?;
        for (j, item) in table.acts.iter().enumerate() {
            let path = format!("procedure[{i}].acts[{j}]");
            match (item.act, item.one_of.is_empty()) {
                (Some(_), false) => {
                    return Err(invalid(path, "give either act or one_of, not both".into()));
                }
                (None, true) => return Err(invalid(path, "give act or a non-empty one_of".into())),
                _ => {}
            }
        }
        for (j, item) in table.documents.iter().enumerate() {
            let path = format!("procedure[{i}].documents[{j}]");
            if !known.contains(&item.name.as_str()) {
                return Err(invalid(
                    format!("{path}.name"),
                    format!(
                        "unknown document format {:?}; declare it under [documents] formats, or use one of {}",
                        item.name,
                        known.join(", ")
                    ),
                ));
            }
            for (k, other) in item.instead.iter().enumerate() {
                if other == &item.name || !known.contains(&other.as_str()) {
                    return Err(invalid(
                        format!("{path}.instead[{k}]"),
                        format!(
                            "{other:?} cannot serve instead of {:?}: name another declared format ({})",
                            item.name,
                            known.join(", ")
                        ),
                    ));
                }
            }
            if !item.if_acts.is_empty() && item.need != Need::WhenApplicable {
                return Err(invalid(
                    format!("{path}.if_acts"),
                    "if_acts goes with need = \"when_applicable\" only".into(),
                ));
            }
        }
        check_loosening(earlier, source, kind, i, table, lines)?;
    }
    Ok(())
}

/// A need below the need of the same item in an earlier mandatory table is a loosening.
fn check_loosening(
    earlier: &[Layer],
    source: &str,
    kind: LayerKind,
    i: usize,
    table: &StageRule,
    lines: &Lines,
) -> Result<(), PolicyError> {
    let statements = |t: &StageRule| -> Vec<(String, Need, String)> {
        let acts = t.acts.iter().enumerate().map(|(j, a)| {
            (format!("acts[{}]", acts_key(&a.kinds())), a.need, format!("procedure[{i}].acts[{j}].need"))
        });
        let documents = t.documents.iter().enumerate().map(|(j, d)| {
            (format!("documents[{}]", d.name), d.need, format!("procedure[{i}].documents[{j}].need"))
        });
        acts.chain(documents).collect()
    };
    let mandatory = earlier.iter().flat_map(|l| {
        l.procedures
            .iter()
            .filter(|t| t.mandatory && t.procedure == table.procedure && t.stage == table.stage)
            .map(move |t| (l.kind, t))
    });
    let earlier_statements: Vec<(LayerKind, String, (String, Need, String))> =
        mandatory.flat_map(|(k, t)| statements(t).into_iter().map(move |s| (k, t.name(), s))).collect();
    for (field, need, path) in statements(table) {
        let clash = earlier_statements.iter().find(|(_, _, (f, n, _))| *f == field && *n > need);
        if let Some((earlier_layer, earlier_rule, (_, earlier_need, _))) = clash {
            return Err(PolicyError::Loosens(Box::new(Loosening {
                at: Location { source: source.to_owned(), line: lines.line(&path), path },
                layer: kind,
                rule: table.name(),
                field: format!("{field}.need"),
                value: need.to_string(),
                earlier_layer: *earlier_layer,
                earlier_rule: earlier_rule.clone(),
                earlier_value: earlier_need.to_string(),
            })));
        }
    }
    Ok(())
}

impl fmt::Display for EffectiveProcedure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} ({})", self.procedure.label_zh(), self.procedure.code())?;
        let list = &self.stage_list;
        let names = list.stages.iter().map(|s| s.label_zh()).collect::<Vec<_>>().join(" → ");
        writeln!(f, "  stages     {}← {}", pad(&names, 53), list.origin)?;
        if let Some(b) = &list.basis {
            writeln!(f, "  {:<11}{b}", "basis")?;
        }
        let row = |f: &mut fmt::Formatter<'_>, key: &str, need: Need, value: &str, o: &Origin| {
            writeln!(f, "    {key:<11}{}{}← {o}", pad(need.code(), 17), pad(value, 36))
        };
        for stage in &self.stages {
            writeln!(f, "  {} ({})", stage.stage.label_zh(), stage.stage.code())?;
            if stage.acts.is_empty() && stage.documents.is_empty() {
                writeln!(f, "    (nothing expected)")?;
            }
            for (i, a) in stage.acts.iter().enumerate() {
                let value = match a.value.one_of.as_slice() {
                    [one] => one.label_zh().to_owned(),
                    many => format!("one of {}", acts_key(many)),
                };
                row(f, if i == 0 { "acts" } else { "" }, a.value.need, &value, &a.origin)?;
            }
            for (i, d) in stage.documents.iter().enumerate() {
                let mut value = d.value.name.clone();
                for other in &d.value.instead {
                    value.push_str(&format!(" or {other}"));
                }
                if !d.value.if_acts.is_empty() && d.value.need == Need::WhenApplicable {
                    value.push_str(&format!(" (if {})", acts_key(&d.value.if_acts)));
                }
                row(f, if i == 0 { "documents" } else { "" }, d.value.need, &value, &d.origin)?;
            }
            let mut bases: Vec<&str> = Vec::new();
            let all = stage.acts.iter().filter_map(|a| a.value.basis.as_deref());
            for b in all.chain(stage.documents.iter().filter_map(|d| d.value.basis.as_deref())) {
                if !bases.contains(&b) {
                    bases.push(b);
                }
            }
            for b in bases {
                writeln!(f, "    {:<11}{b}", "basis")?;
            }
        }
        match &self.limit {
            Some(limit) => write!(f, "{limit}"),
            None => writeln!(f, "  办案期限 (limit)\n    (none set: a department or local layer's matter)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_keeps_order_and_reports_growth() {
        let mut list = vec![ActKind::Hearing];
        assert!(!union(&mut list, &[ActKind::Hearing]));
        assert!(union(&mut list, &[ActKind::Inquiry, ActKind::Hearing]));
        assert_eq!(list, vec![ActKind::Hearing, ActKind::Inquiry]);
    }

    #[test]
    fn each_procedure_lists_its_own_stages() {
        let policy = Policy::national().unwrap();
        for procedure in [Procedure::PenaltyOrdinary, Procedure::Coercion, Procedure::Inspection] {
            let p = policy.procedure(procedure);
            let stages: Vec<Stage> = p.stages.iter().map(|s| s.stage).collect();
            assert_eq!(stages, Stage::ALL, "{procedure}");
            assert_eq!(p.first_stage(), Stage::Initiation);
            assert_eq!(p.next_stage(Stage::Initiation), Some(Stage::Investigation));
        }
        assert!(policy.procedure(Procedure::Inspection).limit.is_none());
        // 行政处罚法 第51条、第52条: decided and handed over on the spot, no 立案 and no 调查取证.
        let summary = policy.procedure(Procedure::PenaltySummary);
        let stages: Vec<Stage> = summary.stages.iter().map(|s| s.stage).collect();
        assert_eq!(stages, [Stage::Decision, Stage::Execution, Stage::Archived]);
        assert_eq!(policy.stages_of(Some(Procedure::PenaltySummary)), stages);
        assert_eq!(policy.first_stage(Some(Procedure::PenaltySummary)), Stage::Decision);
        assert_eq!(summary.next_stage(Stage::Decision), Some(Stage::Execution));
        assert_eq!(summary.next_stage(Stage::Execution), Some(Stage::Archived));
        assert_eq!(summary.next_stage(Stage::Archived), None);
        // A case opened in 启动 before the rulebook listed the stages moves on to 审核决定.
        assert_eq!(summary.next_stage(Stage::Initiation), Some(Stage::Decision));
        assert!(summary.stage(Stage::Investigation).is_none());
        assert_eq!(summary.stage_list.origin.rule, "行政处罚简易程序/stages");
        // Cases without a procedure (行政许可, 其他) pass through every stage.
        assert_eq!(policy.stages_of(None), Stage::ALL);
        assert_eq!(policy.next_stage(None, Stage::Execution), Some(Stage::Archived));
        let shown = summary.to_string();
        assert!(shown.contains("stages     审核决定 → 送达执行 → 归档"), "{shown}");
        assert!(!shown.contains("调查取证 (investigation)"), "{shown}");
    }
}
