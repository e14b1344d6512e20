//! 重大执法决定法制审核目录清单 — the catalogue that says which decisions are major and so
//! need a passed legal review first (行政处罚法 第58条).

use std::fmt;

use crate::error::{Location, Loosening};
use crate::rulebook::Layer;
use crate::rulebook::raw::{Lines, RawMajor};
use crate::{LayerKind, Measure, Origin, PartyType, PolicyError, Sourced};

/// An amount of money in fen (分): ¥1 = 100 fen. Integers only, never floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fen(pub u64);

impl Fen {
    /// Whole yuan (元).
    pub const fn from_yuan(yuan: u64) -> Fen {
        Fen(yuan.saturating_mul(100))
    }
}

impl fmt::Display for Fen {
    /// `¥50,000.00`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let yuan = (self.0 / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in yuan.chars().enumerate() {
            if i > 0 && (yuan.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "¥{grouped}.{:02}", self.0 % 100)
    }
}

/// The facts of a decision that the catalogue looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub party: PartyType,
    /// 罚款 — the fine; `Fen(0)` when there is none.
    pub fine: Fen,
    pub measures: Vec<Measure>,
    /// Made after a 听证.
    pub after_hearing: bool,
    /// Flagged as major by hand (重大公共利益, 社会风险, complex), with the reason.
    pub flagged_major: Option<String>,
}

/// Why a decision is major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MajorReason {
    /// The fine reaches the threshold for the party type.
    Fine { fine: Fen, threshold: Fen, party: PartyType, origin: Origin },
    /// The decision imposes a measure the catalogue lists as always major.
    Measure { measure: Measure, origin: Origin },
    /// The decision was made after a hearing.
    AfterHearing { origin: Origin },
    /// Somebody flagged it.
    FlaggedByHand { note: String },
}

impl fmt::Display for MajorReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MajorReason::Fine { fine, threshold, party, origin } => write!(
                f,
                "罚款 {fine} ≥ {}门槛 {threshold} / fine reaches the {party} threshold ({origin})",
                party.label_zh()
            ),
            MajorReason::Measure { measure, origin } => {
                write!(f, "{} 属重大执法决定 / {measure} is always major ({origin})", measure.label_zh())
            }
            MajorReason::AfterHearing { origin } => {
                write!(f, "经过听证程序 / decided after a hearing ({origin})")
            }
            MajorReason::FlaggedByHand { note } => write!(f, "人工标记 / flagged by hand: {note}"),
        }
    }
}

/// Whether a decision is major, and every reason why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MajorVerdict {
    pub major: bool,
    pub reasons: Vec<MajorReason>,
}

/// The effective catalogue after all layers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MajorCatalogue {
    pub fine_threshold_natural_person: Option<Sourced<Fen>>,
    pub fine_threshold_organisation: Option<Sourced<Fen>>,
    pub always_major: Vec<Sourced<Measure>>,
    pub after_hearing: Option<Sourced<bool>>,
}

impl MajorCatalogue {
    pub(crate) fn empty() -> Self {
        MajorCatalogue {
            fine_threshold_natural_person: None,
            fine_threshold_organisation: None,
            always_major: Vec::new(),
            after_hearing: None,
        }
    }

    /// The fine threshold for a party type.
    pub fn fine_threshold(&self, party: PartyType) -> Option<&Sourced<Fen>> {
        match party {
            PartyType::NaturalPerson => self.fine_threshold_natural_person.as_ref(),
            PartyType::Organisation => self.fine_threshold_organisation.as_ref(),
        }
    }

    /// Checks a decision against the catalogue.
    pub fn is_major(&self, decision: &Decision) -> MajorVerdict {
        let mut reasons = Vec::new();
        if let Some(t) = self.fine_threshold(decision.party)
            && decision.fine.0 > 0
            && decision.fine >= t.value
        {
            reasons.push(MajorReason::Fine {
                fine: decision.fine,
                threshold: t.value,
                party: decision.party,
                origin: t.origin.clone(),
            });
        }
        for m in &decision.measures {
            if let Some(listed) = self.always_major.iter().find(|s| s.value == *m) {
                reasons.push(MajorReason::Measure { measure: *m, origin: listed.origin.clone() });
            }
        }
        if decision.after_hearing
            && let Some(h) = self.after_hearing.as_ref().filter(|h| h.value)
        {
            reasons.push(MajorReason::AfterHearing { origin: h.origin.clone() });
        }
        if let Some(note) = &decision.flagged_major {
            reasons.push(MajorReason::FlaggedByHand { note: note.clone() });
        }
        MajorVerdict { major: !reasons.is_empty(), reasons }
    }

    /// This catalogue with `layer`'s `[major]` section applied: thresholds only go down,
    /// measures are only added, `after_hearing` cannot be switched off.
    pub(crate) fn merged(
        &self,
        layer: &Layer,
        raw: Option<&RawMajor>,
        source: &str,
        lines: &Lines,
    ) -> Result<Self, PolicyError> {
        let mut next = self.clone();
        let origin = |mandatory| layer.origin("major", mandatory);
        let loosens = |field: &str, value: String, earlier: &Origin, earlier_value: String| {
            PolicyError::Loosens(Box::new(Loosening {
                at: {
                    let path = format!("major.{field}");
                    Location { source: source.to_owned(), line: lines.line(&path), path }
                },
                layer: layer.kind,
                rule: "major".to_owned(),
                field: field.to_owned(),
                value,
                earlier_layer: earlier.layer,
                earlier_rule: earlier.rule.clone(),
                earlier_value,
            }))
        };
        if let Some(raw) = raw {
            let slots = [
                (
                    "natural_person",
                    raw.fine_threshold_fen.natural_person,
                    &mut next.fine_threshold_natural_person,
                ),
                ("organisation", raw.fine_threshold_fen.organisation, &mut next.fine_threshold_organisation),
            ];
            for (name, value, slot) in slots {
                let Some(value) = value else { continue };
                if let Some(cur) = slot.as_ref()
                    && value > cur.value.0
                {
                    let field = format!("fine_threshold_fen.{name}");
                    return Err(loosens(&field, value.to_string(), &cur.origin, cur.value.0.to_string()));
                }
                *slot = Some(Sourced { value: Fen(value), origin: origin(true) });
            }
            for m in &raw.always_major {
                if !next.always_major.iter().any(|s| s.value == *m) {
                    next.always_major.push(Sourced { value: *m, origin: origin(true) });
                }
            }
            if let Some(value) = raw.after_hearing {
                match &next.after_hearing {
                    Some(cur) if cur.value && !value => {
                        return Err(loosens("after_hearing", "false".into(), &cur.origin, "true".into()));
                    }
                    _ => next.after_hearing = Some(Sourced { value, origin: origin(true) }),
                }
            }
        }
        if layer.kind == LayerKind::National {
            let missing = [
                ("fine_threshold_fen.natural_person", next.fine_threshold_natural_person.is_none()),
                ("fine_threshold_fen.organisation", next.fine_threshold_organisation.is_none()),
                ("after_hearing", next.after_hearing.is_none()),
            ];
            if let Some((field, _)) = missing.iter().find(|(_, m)| *m) {
                let path = format!("major.{field}");
                let line = lines.line(&path);
                return Err(PolicyError::invalid(source, path, line, "the national layer must set it"));
            }
        }
        Ok(next)
    }
}

impl fmt::Display for MajorCatalogue {
    /// The catalogue with the origin of every entry, for `policy show --major`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "重大执法决定法制审核目录清单 (major-decision catalogue)")?;
        for party in PartyType::ALL {
            match self.fine_threshold(*party) {
                Some(t) => writeln!(f, "  罚款 ≥ {} ({}) ← {}", t.value, party.label_zh(), t.origin)?,
                None => writeln!(f, "  罚款 ({}): no threshold", party.label_zh())?,
            }
        }
        for m in &self.always_major {
            writeln!(f, "  {} ({}) ← {}", m.value.label_zh(), m.value, m.origin)?;
        }
        if let Some(h) = &self.after_hearing {
            writeln!(f, "  经过听证 (after a hearing) = {} ← {}", h.value, h.origin)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fen_display() {
        assert_eq!(Fen::from_yuan(50_000).to_string(), "¥50,000.00");
        assert_eq!(Fen(123_456_789).to_string(), "¥1,234,567.89");
        assert_eq!(Fen(5).to_string(), "¥0.05");
        assert_eq!(Fen::from_yuan(100).to_string(), "¥100.00");
    }

    #[test]
    fn catalogue_display_names_origins() {
        let text = crate::Policy::national().unwrap().catalogue().to_string();
        assert!(text.contains("罚款 ≥ ¥10,000.00 (自然人) ← national 国家 (国家规则) rule major"), "{text}");
        assert!(text.contains("吊销许可证 (revoke_licence)"), "{text}");
    }
}
