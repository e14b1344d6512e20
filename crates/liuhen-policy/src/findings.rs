//! Findings: what is missing from an act's records, measured against its effective rule. The
//! same [`Finding`] reports what a procedure stage misses when it is left
//! ([`crate::EffectiveProcedure::assess_exit`]) and handling limits running out
//! ([`crate::EffectiveProcedure::assess_limit`]).

use crate::codes::coded_enum;
use crate::coverage::{Coverage, Gap};
use crate::{AvRequirement, EffectiveRule, Origin, Severity};

coded_enum! {
    /// What a finding is about.
    pub enum FindingCode {
        /// 缺少音像记录 — no AV record at all.
        AvMissing = ("av_missing", "缺少音像记录"),
        /// 音像记录中断 — a gap longer than tolerated, not excused.
        AvGap = ("av_gap", "音像记录中断"),
        /// 中断已说明 — a long gap excused by a 中止说明.
        AvGapExplained = ("av_gap_explained", "中断已说明"),
        /// 缺少文书 — a required document is missing.
        DocumentMissing = ("document_missing", "缺少文书"),
        /// 缺少记录要素 — a recording element is missing.
        ElementMissing = ("element_missing", "缺少记录要素"),
        /// 执法人员不足 — too few officers with a valid 执法证.
        TooFewOfficers = ("too_few_officers", "执法人员不足"),
        /// 缺少执法行为 — a stage is left without an act its procedure expects.
        ActMissing = ("act_missing", "缺少执法行为"),
        /// 超过办案期限 — the handling limit of the procedure has run out.
        LimitExceeded = ("limit_exceeded", "超过办案期限"),
        /// 办案期限将至 — the handling limit runs out within the days asked about.
        LimitNear = ("limit_near", "办案期限将至"),
    }
}

/// What is known of one act's records.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActFacts {
    /// The AV coverage of the act's window; `None` when there is no AV record.
    pub coverage: Option<Coverage>,
    /// Names of the documents present (文书 format names).
    pub documents: Vec<String>,
    /// 记录要素 present.
    pub elements: Vec<String>,
    /// Officers on the act holding a valid 执法证.
    pub officers_with_valid_credential: u32,
}

/// One thing wrong (or worth noting) with an act's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub code: FindingCode,
    pub message_zh: String,
    pub message_en: String,
    /// The layer and rule that set the requirement.
    pub origin: Origin,
}

fn secs(ms: i64) -> String {
    if ms % 1000 == 0 { (ms / 1000).to_string() } else { format!("{:.3}", ms as f64 / 1000.0) }
}

/// `h:mm:ss` from the start of the window.
fn offset(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Checks an act's facts against its effective rule. Blocking findings come first.
pub fn assess(rule: &EffectiveRule, facts: &ActFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    let (act, act_code, venue) = (rule.act.label_zh(), rule.act.code(), rule.venue.code());
    let av = rule.av.value;
    let av_severity = match av {
        AvRequirement::Full => Severity::Block,
        AvRequirement::ByCircumstance => Severity::Warning,
        AvRequirement::TextAllowed => Severity::Info,
    };
    let recorded = facts.coverage.as_ref().filter(|c| c.has_recording());
    match recorded {
        None if av != AvRequirement::TextAllowed => out.push(Finding {
            severity: av_severity,
            code: FindingCode::AvMissing,
            message_zh: format!("{act}（{}）要求{}，但没有音像记录", rule.venue.label_zh(), av.label_zh()),
            message_en: format!("{act_code} at {venue} requires AV recording ({av}), but there is none"),
            origin: rule.av.origin.clone(),
        }),
        None => {}
        Some(c) => {
            for gap in &c.long_gaps {
                out.push(gap_finding(rule, c, gap, av_severity));
            }
        }
    }
    for doc in rule.documents.iter().filter(|d| !facts.documents.contains(&d.value)) {
        out.push(Finding {
            severity: Severity::Block,
            code: FindingCode::DocumentMissing,
            message_zh: format!("{act}缺少文书《{}》", doc.value),
            message_en: format!("{act_code}: document {} is missing", doc.value),
            origin: doc.origin.clone(),
        });
    }
    for el in rule.elements.iter().filter(|e| !facts.elements.contains(&e.value)) {
        out.push(Finding {
            severity: Severity::Warning,
            code: FindingCode::ElementMissing,
            message_zh: format!("{act}记录未体现记录要素「{}」", el.value),
            message_en: format!("{act_code}: the record does not show the element {}", el.value),
            origin: el.origin.clone(),
        });
    }
    let (have, need) = (facts.officers_with_valid_credential, rule.min_officers.value);
    if have < need {
        out.push(Finding {
            severity: Severity::Block,
            code: FindingCode::TooFewOfficers,
            message_zh: format!("{act}需要至少 {need} 名持有效执法证的执法人员，实际 {have} 名"),
            message_en: format!(
                "{act_code} needs at least {need} officers with a valid 执法证; there are {have}"
            ),
            origin: rule.min_officers.origin.clone(),
        });
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

fn gap_finding(rule: &EffectiveRule, c: &Coverage, gap: &Gap, severity: Severity) -> Finding {
    let from = offset(gap.interval.start_ms.saturating_sub(c.window.start_ms));
    let to = offset(gap.interval.end_ms.saturating_sub(c.window.start_ms));
    let (len, max) = (secs(gap.duration_ms()), rule.max_gap_seconds.value);
    let act = rule.act.code();
    if gap.excused {
        return Finding {
            severity: Severity::Info,
            code: FindingCode::AvGapExplained,
            message_zh: format!("音像记录在 {from}–{to} 中断 {len} 秒，已有中止说明"),
            message_en: format!(
                "{act}: {len} s gap at {from}–{to} is covered by an interruption explanation"
            ),
            origin: rule.explanation_covers_gap.origin.clone(),
        };
    }
    let (zh_note, en_note) = if gap.explained_by.is_empty() {
        ("", "")
    } else {
        ("；本规则不接受以中止说明补足", "; this rule does not accept an explanation for it")
    };
    Finding {
        severity,
        code: FindingCode::AvGap,
        message_zh: format!("音像记录在 {from}–{to} 中断 {len} 秒，超过允许的 {max} 秒{zh_note}"),
        message_en: format!("{act}: {len} s gap at {from}–{to}, longer than the {max} s tolerated{en_note}"),
        origin: if gap.explained_by.is_empty() {
            rule.max_gap_seconds.origin.clone()
        } else {
            rule.explanation_covers_gap.origin.clone()
        },
    }
}

#[cfg(test)]
mod tests {
    use liuhen_domain::{ActKind, Venue};

    use super::*;
    use crate::Policy;

    #[test]
    fn messages_format_offsets_and_seconds() {
        assert_eq!(offset(13 * 60_000 + 30_000), "0:13:30");
        assert_eq!(secs(90_000), "90");
        assert_eq!(secs(1_500), "1.500");
    }

    #[test]
    fn text_allowed_without_av_is_silent() {
        let p = Policy::national().unwrap();
        let rule = p.rule(ActKind::ServiceByPost, Venue::Remote);
        let facts = ActFacts {
            documents: vec!["邮寄送达凭证".into()],
            elements: rule.elements.iter().map(|e| e.value.clone()).collect(),
            officers_with_valid_credential: 2,
            ..ActFacts::default()
        };
        assert_eq!(assess(&rule, &facts), vec![]);
    }
}
