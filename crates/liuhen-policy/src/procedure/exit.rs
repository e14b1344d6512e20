//! Leaving a stage: the acts and documents the stage expects, against what the case holds.

use std::cmp::Reverse;

use liuhen_domain::{ActKind, Stage};

use super::{EffectiveProcedure, ExpectedActs, ExpectedDocument};
use crate::{Finding, FindingCode, Need, Severity, Sourced};

/// What a case holds when it is to leave a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageFacts {
    /// The stage being left.
    pub leaving: Stage,
    /// The kinds of the acts recorded in the case so far, in any stage.
    pub acts: Vec<ActKind>,
    /// The format names of the documents issued in the case so far.
    pub documents: Vec<String>,
}

fn labels(kinds: &[ActKind]) -> String {
    kinds.iter().map(|k| k.label_zh()).collect::<Vec<_>>().join("、")
}

fn codes(kinds: &[ActKind]) -> String {
    kinds.iter().map(|k| k.code()).collect::<Vec<_>>().join(" | ")
}

impl EffectiveProcedure {
    /// Checks whether a case may leave `facts.leaving`: a missing required act or document
    /// blocks, and so does a `when_applicable` document once one of its `if_acts` is recorded;
    /// a missing `when_applicable` act, or document without `if_acts`, is noted for the record.
    /// Blocking findings come first; each names the layer and table behind it.
    pub fn assess_exit(&self, facts: &StageFacts) -> Vec<Finding> {
        let Some(stage) = self.stage(facts.leaving) else { return Vec::new() };
        let mut out: Vec<Finding> = stage
            .acts
            .iter()
            .filter(|a| !a.value.one_of.iter().any(|k| facts.acts.contains(k)))
            .filter_map(|a| self.act_finding(facts.leaving, a))
            .collect();
        out.extend(
            stage
                .documents
                .iter()
                .filter(|d| !d.value.names().any(|n| facts.documents.iter().any(|have| have == n)))
                .filter_map(|d| self.document_finding(facts, d)),
        );
        out.sort_by_key(|f| Reverse(f.severity));
        out
    }

    fn act_finding(&self, leaving: Stage, a: &Sourced<ExpectedActs>) -> Option<Finding> {
        let (p, p_code, s, s_code) =
            (self.procedure.label_zh(), self.procedure.code(), leaving.label_zh(), leaving.code());
        let kinds = &a.value.one_of;
        let (zh_what, en_what) = match kinds.as_slice() {
            [one] => (format!("执法行为「{}」", one.label_zh()), format!("the act {}", one.code())),
            many => {
                (format!("以下执法行为之一：{}", labels(many)), format!("one of the acts {}", codes(many)))
            }
        };
        let (severity, message_zh, message_en) = match a.value.need {
            Need::Required => (
                Severity::Block,
                format!("{p}：离开「{s}」前应当记录{zh_what}，尚未记录"),
                format!("{p_code}: leaving {s_code} needs {en_what}, and none is recorded"),
            ),
            Need::WhenApplicable => (
                Severity::Info,
                format!("{p}：未记录{zh_what}；如适用，应当在离开「{s}」前完成"),
                format!(
                    "{p_code}: {en_what} is not recorded; where it applies, it belongs before leaving {s_code}"
                ),
            ),
            Need::NotExpected => return None,
        };
        Some(Finding {
            severity,
            code: FindingCode::ActMissing,
            message_zh,
            message_en,
            origin: a.origin.clone(),
        })
    }

    fn document_finding(&self, facts: &StageFacts, d: &Sourced<ExpectedDocument>) -> Option<Finding> {
        let (p, p_code) = (self.procedure.label_zh(), self.procedure.code());
        let (s, s_code) = (facts.leaving.label_zh(), facts.leaving.code());
        let name = d.value.names().collect::<Vec<_>>().join("》或《");
        let triggered: Vec<ActKind> =
            d.value.if_acts.iter().copied().filter(|k| facts.acts.contains(k)).collect();
        let (severity, message_zh, message_en) = match d.value.need {
            Need::Required => (
                Severity::Block,
                format!("{p}：离开「{s}」前缺少文书《{name}》"),
                format!("{p_code}: leaving {s_code} without the document {name}"),
            ),
            Need::WhenApplicable if !triggered.is_empty() => (
                Severity::Block,
                format!("{p}：已记录{}，离开「{s}」前缺少文书《{name}》", labels(&triggered)),
                format!(
                    "{p_code}: {} is recorded, so leaving {s_code} needs the document {name}",
                    codes(&triggered)
                ),
            ),
            Need::WhenApplicable if d.value.if_acts.is_empty() => (
                Severity::Info,
                format!("{p}：未见文书《{name}》；如适用，应当在离开「{s}」前制作"),
                format!("{p_code}: no document {name}; where it applies, it belongs before leaving {s_code}"),
            ),
            Need::WhenApplicable | Need::NotExpected => return None,
        };
        Some(Finding {
            severity,
            code: FindingCode::DocumentMissing,
            message_zh,
            message_en,
            origin: d.origin.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Policy, Procedure};

    #[test]
    fn dropped_and_untriggered_items_say_nothing() {
        let mut p = Policy::national().unwrap();
        let body = "[layer]\nkind = \"local\"\nname = \"X市\"\n[[procedure]]\nprocedure = \"penalty_ordinary\"\nstage = \"execution\"\ndocuments = [{ name = \"结案审批表\", need = \"not_expected\" }]\n";
        p.add_layer("x.toml", body).unwrap();
        let facts =
            StageFacts { leaving: Stage::Execution, acts: vec![ActKind::ServiceByPost], documents: vec![] };
        let findings = p.procedure(Procedure::PenaltyOrdinary).assess_exit(&facts);
        // Only the reminder of 执行; 送达回证 is not due after service by post.
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!((findings[0].severity, findings[0].code), (Severity::Info, FindingCode::ActMissing));
        assert!(findings[0].message_zh.contains("「执行」"));
        let archived = StageFacts { leaving: Stage::Archived, acts: vec![], documents: vec![] };
        assert!(p.procedure(Procedure::PenaltyOrdinary).assess_exit(&archived).is_empty());
    }
}
