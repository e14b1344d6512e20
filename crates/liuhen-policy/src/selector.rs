//! Which acts a rule applies to, and where an effective value came from.

use std::fmt;

use liuhen_domain::{ActKind, Venue};
use serde::{Deserialize, Deserializer};

use crate::LayerKind;

/// The acts a rule names: one [`ActKind`] or every kind (`"*"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActSelector {
    Any,
    Kind(ActKind),
}

/// The venues a rule names: one [`Venue`] or every venue (`"*"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VenueSelector {
    #[default]
    Any,
    At(Venue),
}

/// The (act, venue) pattern of one rule, written `强制拆除/on_site` or `*/case_handling_venue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Selector {
    pub act: ActSelector,
    pub venue: VenueSelector,
}

impl ActSelector {
    pub fn matches(self, act: ActKind) -> bool {
        match self {
            ActSelector::Any => true,
            ActSelector::Kind(k) => k == act,
        }
    }

    fn overlaps(self, other: ActSelector) -> bool {
        match (self, other) {
            (ActSelector::Kind(a), ActSelector::Kind(b)) => a == b,
            _ => true,
        }
    }
}

impl VenueSelector {
    pub fn matches(self, venue: Venue) -> bool {
        match self {
            VenueSelector::Any => true,
            VenueSelector::At(v) => v == venue,
        }
    }

    fn overlaps(self, other: VenueSelector) -> bool {
        match (self, other) {
            (VenueSelector::At(a), VenueSelector::At(b)) => a == b,
            _ => true,
        }
    }
}

impl Selector {
    /// Whether the rule applies to `act` performed at `venue`.
    pub fn matches(self, act: ActKind, venue: Venue) -> bool {
        self.act.matches(act) && self.venue.matches(venue)
    }

    /// Whether some (act, venue) is matched by both selectors.
    pub fn overlaps(self, other: Selector) -> bool {
        self.act.overlaps(other.act) && self.venue.overlaps(other.venue)
    }
}

impl fmt::Display for ActSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActSelector::Any => f.write_str("*"),
            ActSelector::Kind(k) => f.write_str(k.label_zh()),
        }
    }
}

impl fmt::Display for VenueSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VenueSelector::Any => f.write_str("*"),
            VenueSelector::At(v) => f.write_str(v.code()),
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.act, self.venue)
    }
}

impl<'de> Deserialize<'de> for ActSelector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == "*" {
            return Ok(ActSelector::Any);
        }
        ActKind::from_code(&s).map(ActSelector::Kind).ok_or_else(|| {
            let choices: Vec<String> =
                ActKind::ALL.iter().map(|k| format!("{} ({})", k.code(), k.label_zh())).collect();
            serde::de::Error::custom(format!(
                "unknown act kind {s:?}; expected \"*\" or one of {}",
                choices.join(", ")
            ))
        })
    }
}

impl<'de> Deserialize<'de> for VenueSelector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == "*" {
            return Ok(VenueSelector::Any);
        }
        Venue::from_code(&s).map(VenueSelector::At).ok_or_else(|| {
            let choices: Vec<String> =
                Venue::ALL.iter().map(|v| format!("{} ({})", v.code(), v.label_zh())).collect();
            serde::de::Error::custom(format!(
                "unknown venue {s:?}; expected \"*\" or one of {}",
                choices.join(", ")
            ))
        })
    }
}

/// Where an effective value came from: the layer and the rule that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub layer: LayerKind,
    /// The layer's `name` (`国家规则`, `市场监管总局`, `X市`).
    pub layer_name: String,
    /// The rule inside the layer: a selector (`查封扣押/*`) or a section (`major`, `deadlines`).
    pub rule: String,
    /// Whether later layers may not loosen it.
    pub mandatory: bool,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({}) rule {}", self.layer, self.layer.label_zh(), self.layer_name, self.rule)?;
        if self.mandatory {
            f.write_str(" [mandatory]")?;
        }
        Ok(())
    }
}

/// A value together with the rule that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_and_match() {
        let any = Selector { act: ActSelector::Any, venue: VenueSelector::Any };
        let demolition_site = Selector {
            act: ActSelector::Kind(ActKind::ForcedDemolition),
            venue: VenueSelector::At(Venue::OnSite),
        };
        let seizure = Selector { act: ActSelector::Kind(ActKind::Seizure), venue: VenueSelector::Any };
        assert!(any.overlaps(demolition_site));
        assert!(!seizure.overlaps(demolition_site));
        assert!(demolition_site.matches(ActKind::ForcedDemolition, Venue::OnSite));
        assert!(!demolition_site.matches(ActKind::ForcedDemolition, Venue::Remote));
        assert_eq!(demolition_site.to_string(), "强制拆除/on_site");
        assert_eq!(seizure.to_string(), "查封扣押/*");
    }
}
