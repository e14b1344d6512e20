//! Which stages each procedure has: `[[procedure_stages]]`, set by the national layer alone.
//!
//! 行政处罚简易程序 is decided and handed over on the spot (行政处罚法 第51条、第52条): it has no
//! 立案 and no 调查取证 file, so its cases start in 审核决定. The stages a procedure passes
//! through are fixed by statute, not by a department's practice: a department or local layer may
//! not change them (it may still say what a stage expects, in `[[procedure]]` tables).

use liuhen_domain::{Procedure, Stage};

use crate::rulebook::raw::{Lines, RawLayer};
use crate::{LayerKind, Origin, PolicyError};

/// The stages of one procedure, in order, with the table that set them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureStages {
    pub procedure: Procedure,
    /// In [`Stage`] order, ending with 归档.
    pub stages: Vec<Stage>,
    /// The legal basis, cited.
    pub basis: Option<String>,
    pub origin: Origin,
}

impl ProcedureStages {
    /// The stage a new case of the procedure starts in.
    pub fn first(&self) -> Stage {
        self.stages.first().copied().unwrap_or(Stage::Initiation)
    }

    /// The stage a case standing in `current` moves to next: the first of the procedure's stages
    /// after it (so a case standing in a stage the procedure does not list, opened before the
    /// rulebook listed its stages, still moves on to the procedure's next one). `None` from the last.
    pub fn next_after(&self, current: Stage) -> Option<Stage> {
        self.stages.iter().copied().find(|s| *s > current)
    }
}

/// The `[[procedure_stages]]` of a layer, checked: the national layer lists every procedure once,
/// each list non-empty, in order, without repeats, ending with 归档; a later layer lists none.
pub(crate) fn stage_lists(
    current: &[ProcedureStages],
    source: &str,
    raw: &RawLayer,
    lines: &Lines,
) -> Result<Vec<ProcedureStages>, PolicyError> {
    let kind = raw.layer.kind;
    let invalid = |path: String, msg: String| {
        let line = lines.line(&path);
        PolicyError::invalid(source, path, line, msg)
    };
    if kind != LayerKind::National {
        if !raw.procedure_stages.is_empty() {
            return Err(invalid(
                "procedure_stages".into(),
                format!(
                    "a {kind} layer cannot change which stages a procedure has: they follow from \
                     行政处罚法 and 行政强制法 and are set by the national layer only; say what a stage \
                     expects in [[procedure]] tables instead"
                ),
            ));
        }
        return Ok(current.to_vec());
    }
    let mut out: Vec<ProcedureStages> = Vec::new();
    for (i, t) in raw.procedure_stages.iter().enumerate() {
        let p = t.procedure;
        if out.iter().any(|o| o.procedure == p) {
            return Err(invalid(
                format!("procedure_stages[{i}].procedure"),
                format!("a second [[procedure_stages]] for {} ({})", p.label_zh(), p.code()),
            ));
        }
        let path = format!("procedure_stages[{i}].stages");
        if t.stages.windows(2).any(|w| matches!(w, [a, b] if a >= b)) {
            return Err(invalid(
                path,
                format!(
                    "list the stages of {} once each, in order ({})",
                    p.label_zh(),
                    Stage::ALL.iter().map(|s| s.code()).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if t.stages.last() != Some(&Stage::Archived) {
            return Err(invalid(
                path,
                format!("the stages of {} must end with archived (归档)", p.label_zh()),
            ));
        }
        out.push(ProcedureStages {
            procedure: p,
            stages: t.stages.clone(),
            basis: t.basis.clone(),
            origin: Origin {
                layer: kind,
                layer_name: raw.layer.name.clone(),
                rule: format!("{}/stages", p.label_zh()),
                mandatory: true,
            },
        });
    }
    if let Some(missing) = Procedure::ALL.iter().find(|p| !out.iter().any(|o| o.procedure == **p)) {
        return Err(invalid(
            "procedure_stages".into(),
            format!(
                "the national layer must list the stages of every procedure; {} ({}) has no [[procedure_stages]]",
                missing.label_zh(),
                missing.code()
            ),
        ));
    }
    out.sort_by_key(|o| Procedure::ALL.iter().position(|p| *p == o.procedure));
    Ok(out)
}

/// Refuses a `[[procedure]]` table or a `[[limit]]`'s `until` naming a stage its procedure does
/// not have.
pub(crate) fn check_has_stage(
    lists: &[ProcedureStages],
    procedure: Procedure,
    stage: Stage,
    source: &str,
    path: String,
    lines: &Lines,
) -> Result<(), PolicyError> {
    let Some(list) = lists.iter().find(|l| l.procedure == procedure) else { return Ok(()) };
    if list.stages.contains(&stage) {
        return Ok(());
    }
    let line = lines.line(&path);
    Err(PolicyError::invalid(
        source,
        path,
        line,
        format!(
            "{} has no {} ({}) stage; its stages are {} ({})",
            procedure.label_zh(),
            stage.label_zh(),
            stage.code(),
            list.stages.iter().map(|s| s.label_zh()).collect::<Vec<_>>().join(" → "),
            list.origin
        ),
    ))
}
