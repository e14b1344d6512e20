//! 重大执法决定法制审核 — the legal review of a proposed decision.

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::error::{optional_text, required_text};

crate::labelled_enum! {
    /// 审核意见 — the outcome of a legal review.
    pub enum ReviewOutcome {
        Approve = ("approve", "同意"),
        FurtherInvestigation = ("further_investigation", "建议补充调查"),
        Correct = ("correct", "建议改正"),
        Refer = ("refer", "建议移送"),
        Reject = ("reject", "不同意"),
    }
}

crate::labelled_enum! {
    /// 审核要点 — what a reviewer answers for every major decision (DOMAIN §4).
    pub enum ChecklistItem {
        SubjectLawful = ("subject_lawful", "执法主体合法、执法人员具备资格"),
        ProcedureLawful = ("procedure_lawful", "程序合法"),
        FactsClear = ("facts_clear", "事实清楚、证据合法充分"),
        LawApplied = ("law_applied", "适用法律正确、裁量基准运用适当"),
        WithinPowers = ("within_powers", "未超越法定职权"),
        DocumentsComplete = ("documents_complete", "执法文书完备规范"),
        NoCrimeToRefer = ("no_crime_to_refer", "无涉嫌犯罪需移送"),
    }
}

/// A proposed decision (拟作出的处理决定).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposedDecision {
    /// 罚款 in fen (分): ¥50,000 is 5000000. 0 when there is no fine.
    #[serde(default)]
    pub fine_fen: u64,
    /// Measures by code: `warning`, `fine`, `confiscation`, `large_confiscation`, `suspend_licence`,
    /// `lower_qualification`, `revoke_licence`, `restrict_activities`, `order_closure`, … (or the Chinese term).
    #[serde(default)]
    pub measures: Vec<String>,
    /// Made after a 听证.
    #[serde(default)]
    pub after_hearing: bool,
    /// Flagged as major by hand, with the reason (重大公共利益, 社会风险, …).
    #[serde(default)]
    pub flagged_major: Option<String>,
    /// 处理决定内容 in brief.
    pub summary: String,
}

impl ProposedDecision {
    /// Checks the text fields; measure codes are checked against the rulebook by the service.
    pub fn validated(&self) -> Result<ProposedDecision, ValidationError> {
        if self.fine_fen > 100_000_000_000_000 {
            return Err(ValidationError::new("fine_fen", "is beyond any fine"));
        }
        if self.measures.len() > 20 {
            return Err(ValidationError::new("measures", "at most 20 measures"));
        }
        Ok(ProposedDecision {
            fine_fen: self.fine_fen,
            measures: self.measures.iter().map(|m| m.trim().to_owned()).collect(),
            after_hearing: self.after_hearing,
            flagged_major: optional_text("flagged_major", self.flagged_major.as_deref().unwrap_or(""), 500)?,
            summary: required_text("summary", &self.summary, 4000)?,
        })
    }
}

/// One answer of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistAnswer {
    pub item: ChecklistItem,
    pub passed: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// A reviewer's written opinion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewOpinion {
    pub outcome: ReviewOutcome,
    /// Every checklist item, answered once.
    pub checklist: Vec<ChecklistAnswer>,
    /// 审核意见书 text.
    pub opinion: String,
}

impl ReviewOpinion {
    /// Every item answered exactly once; 同意 only when every item passed.
    pub fn validated(&self) -> Result<ReviewOpinion, ValidationError> {
        for item in ChecklistItem::ALL {
            let n = self.checklist.iter().filter(|a| a.item == *item).count();
            if n != 1 {
                return Err(ValidationError::new(
                    "checklist",
                    format!("answer {} ({}) exactly once", item.code(), item.label_zh()),
                ));
            }
        }
        if self.outcome == ReviewOutcome::Approve && self.checklist.iter().any(|a| !a.passed) {
            return Err(ValidationError::new("outcome", "同意 needs every checklist item passed"));
        }
        let checklist = self
            .checklist
            .iter()
            .enumerate()
            .map(|(i, a)| {
                Ok(ChecklistAnswer {
                    item: a.item,
                    passed: a.passed,
                    note: optional_text(
                        &format!("checklist[{i}].note"),
                        a.note.as_deref().unwrap_or(""),
                        1000,
                    )?,
                })
            })
            .collect::<Result<Vec<_>, ValidationError>>()?;
        Ok(ReviewOpinion {
            outcome: self.outcome,
            checklist,
            opinion: required_text("opinion", &self.opinion, 8000)?,
        })
    }
}
