//! The effective rule for one (act kind, venue): every layer folded, each field with its origin.
//!
//! Within one layer, every matching rule applies and the strictest value wins (ties go to the
//! more specific selector). A later layer's value replaces an earlier one; loading has already
//! refused any later value that loosens a mandatory rule. Documents and elements accumulate.

use std::fmt;

use liuhen_domain::{ActKind, Venue};

use crate::rulebook::{Layer, Rule};
use crate::selector::{ActSelector, VenueSelector};
use crate::{AvRequirement, Origin, Policy, Sourced};

/// What the rulebook asks of one act kind at one venue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveRule {
    pub act: ActKind,
    pub venue: Venue,
    pub av: Sourced<AvRequirement>,
    /// Officers with a valid 执法证.
    pub min_officers: Sourced<u32>,
    /// The longest tolerated gap in the AV record, in seconds.
    pub max_gap_seconds: Sourced<u32>,
    /// Whether a 中止说明 may cover a longer gap.
    pub explanation_covers_gap: Sourced<bool>,
    /// 文书 required, by format name.
    pub documents: Vec<Sourced<String>>,
    /// 记录要素 the record must show.
    pub elements: Vec<Sourced<String>>,
}

fn specificity(rule: &Rule) -> u8 {
    u8::from(rule.act != ActSelector::Any) + u8::from(rule.venue != VenueSelector::Any)
}

/// One field folded within a layer: strictest wins, ties to the more specific rule.
struct Pick<T> {
    best: Option<(T, u8, Origin)>,
}

impl<T: Copy> Pick<T> {
    fn new() -> Self {
        Pick { best: None }
    }

    fn offer(&mut self, value: Option<T>, rule: &Rule, layer: &Layer, stricter: impl Fn(T, T) -> bool) {
        let Some(v) = value else { return };
        let spec = specificity(rule);
        let take = match &self.best {
            None => true,
            Some((cur, cur_spec, _)) => stricter(v, *cur) || (!stricter(*cur, v) && spec >= *cur_spec),
        };
        if take {
            self.best = Some((v, spec, layer.origin(rule.selector(), rule.mandatory)));
        }
    }

    fn apply(self, slot: &mut Option<Sourced<T>>) {
        if let Some((value, _, origin)) = self.best {
            *slot = Some(Sourced { value, origin });
        }
    }
}

fn add_names(list: &mut Vec<Sourced<String>>, names: &[String], rule: &Rule, layer: &Layer) {
    for name in names {
        if !list.iter().any(|s| s.value == *name) {
            list.push(Sourced { value: name.clone(), origin: layer.origin(rule.selector(), rule.mandatory) });
        }
    }
}

impl Policy {
    /// The effective rule for `act` at `venue`.
    pub fn rule(&self, act: ActKind, venue: Venue) -> EffectiveRule {
        let (mut av, mut officers, mut gap, mut explain) = (None, None, None, None);
        let (mut documents, mut elements) = (Vec::new(), Vec::new());
        for layer in self.layers() {
            let (mut p_av, mut p_off, mut p_gap, mut p_exp) =
                (Pick::new(), Pick::new(), Pick::new(), Pick::new());
            for rule in layer.rules.iter().filter(|r| r.selector().matches(act, venue)) {
                p_av.offer(rule.av, rule, layer, |a, b| a > b);
                p_off.offer(rule.min_officers, rule, layer, |a, b| a > b);
                p_gap.offer(rule.max_gap_seconds, rule, layer, |a, b| a < b);
                p_exp.offer(rule.explanation_covers_gap, rule, layer, |a, b| !a && b);
                add_names(&mut documents, &rule.documents, rule, layer);
                add_names(&mut elements, &rule.elements, rule, layer);
            }
            p_av.apply(&mut av);
            p_off.apply(&mut officers);
            p_gap.apply(&mut gap);
            p_exp.apply(&mut explain);
        }
        // The national layer is checked to set every field through `*/*`; these fallbacks are
        // never reached by a loaded policy but keep the function total.
        let fallback = || Origin {
            layer: crate::LayerKind::National,
            layer_name: "built-in".into(),
            rule: "*/*".into(),
            mandatory: false,
        };
        EffectiveRule {
            act,
            venue,
            av: av.unwrap_or_else(|| Sourced { value: AvRequirement::TextAllowed, origin: fallback() }),
            min_officers: officers.unwrap_or_else(|| Sourced { value: 2, origin: fallback() }),
            max_gap_seconds: gap.unwrap_or_else(|| Sourced { value: 10, origin: fallback() }),
            explanation_covers_gap: explain.unwrap_or_else(|| Sourced { value: true, origin: fallback() }),
            documents,
            elements,
        }
    }

    /// What `policy show --act 查封扣押` prints: the effective rule at every venue, each field
    /// with the layer and rule it came from.
    pub fn show(&self, act: ActKind) -> String {
        Venue::ALL.iter().map(|v| self.rule(act, *v).to_string()).collect::<Vec<_>>().join("\n")
    }
}

impl fmt::Display for EffectiveRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} ({}) @ {} ({})",
            self.act.label_zh(),
            self.act.code(),
            self.venue.label_zh(),
            self.venue.code()
        )?;
        let av = format!("{} ({})", self.av.value.code(), self.av.value.label_zh());
        let row = |f: &mut fmt::Formatter<'_>, k: &str, v: &str, o: &Origin| {
            writeln!(f, "  {k:<24}{}← {o}", pad(v, 32))
        };
        row(f, "av", &av, &self.av.origin)?;
        row(f, "min_officers", &self.min_officers.value.to_string(), &self.min_officers.origin)?;
        row(f, "max_gap_seconds", &self.max_gap_seconds.value.to_string(), &self.max_gap_seconds.origin)?;
        let exp = &self.explanation_covers_gap;
        row(f, "explanation_covers_gap", &exp.value.to_string(), &exp.origin)?;
        for (title, list) in [("documents", &self.documents), ("elements", &self.elements)] {
            if list.is_empty() {
                writeln!(f, "  {title:<24}(none)")?;
            }
            for (i, item) in list.iter().enumerate() {
                let key = if i == 0 { title } else { "" };
                row(f, key, &item.value, &item.origin)?;
            }
        }
        Ok(())
    }
}

/// `s` padded with spaces to `width` terminal columns (CJK characters take two).
pub(crate) fn pad(s: &str, width: usize) -> String {
    let used: usize = s.chars().map(|c| if c >= '\u{2E80}' { 2 } else { 1 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(used).max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_defaults() {
        let p = Policy::national().unwrap();
        let r = p.rule(ActKind::Seizure, Venue::OnSite);
        assert_eq!(r.av.value, AvRequirement::Full);
        assert_eq!(r.av.origin.rule, "查封扣押/*");
        assert!(r.documents.iter().any(|d| d.value == "查封扣押决定书"));
        assert_eq!(r.min_officers.value, 2);
        assert_eq!(r.min_officers.origin.rule, "*/on_site");
        assert_eq!(p.rule(ActKind::Inquiry, Venue::CaseHandlingVenue).av.value, AvRequirement::Full);
        assert_eq!(p.rule(ActKind::Inquiry, Venue::OnSite).av.value, AvRequirement::ByCircumstance);
        assert_eq!(p.rule(ActKind::ServiceByNotice, Venue::OnSite).av.value, AvRequirement::ByCircumstance);
        assert_eq!(p.rule(ActKind::ServiceByPost, Venue::Remote).av.value, AvRequirement::TextAllowed);
        assert_eq!(p.rule(ActKind::Execution, Venue::OnSite).av.value, AvRequirement::TextAllowed);
        let max_gap = p.rule(ActKind::Execution, Venue::OnSite).max_gap_seconds;
        assert_eq!((max_gap.value, max_gap.origin.rule.as_str()), (10, "*/*"));
    }

    #[test]
    fn show_prints_every_venue_with_origins() {
        let text = Policy::national().unwrap().show(ActKind::Seizure);
        assert_eq!(text.matches("查封扣押 (seizure) @").count(), 3);
        assert!(text.contains("full (全程音像记录)"));
        assert!(text.contains("← national 国家 (国家规则) rule 查封扣押/* [mandatory]"), "{text}");
    }
}
