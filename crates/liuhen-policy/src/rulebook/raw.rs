//! The TOML shape of one rulebook layer, and its parsing with key paths and lines.

use std::collections::BTreeMap;

use liuhen_domain::{ActKind, Procedure, Role, Stage};
use serde::{Deserialize, Deserializer};
use time::Date;
use toml::de::{DeTable, DeValue};

use crate::error::line_of;
use crate::selector::{ActSelector, Selector, VenueSelector};
use crate::{AvRequirement, DayCount, LayerKind, LimitStart, Measure, Need, PolicyError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLayer {
    pub layer: RawHeader,
    #[serde(default)]
    pub rule: Vec<Rule>,
    pub major: Option<RawMajor>,
    pub deadlines: Option<RawDeadlines>,
    #[serde(default)]
    pub calendar: Vec<RawYear>,
    pub documents: Option<RawDocuments>,
    #[serde(default)]
    pub procedure_stages: Vec<RawStages>,
    #[serde(default)]
    pub procedure: Vec<StageRule>,
    #[serde(default)]
    pub limit: Vec<LimitRule>,
    #[serde(default)]
    pub retention_class: Vec<crate::retention::RawClass>,
    #[serde(default)]
    pub retention: Vec<crate::retention::RetentionRule>,
    pub archive: Option<crate::retention::RawArchive>,
    pub disclosure: Option<crate::disclosure::RawDisclosure>,
}

/// One `[[procedure_stages]]` table: the stages a procedure has, in order (national layer only).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStages {
    pub procedure: Procedure,
    pub stages: Vec<Stage>,
    pub basis: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHeader {
    pub kind: LayerKind,
    pub name: String,
}

/// One `[[rule]]` of a layer: the fields it sets for every act its selector matches.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// An [`liuhen_domain::ActKind`] code or Chinese label, or `"*"`.
    pub act: ActSelector,
    /// A [`liuhen_domain::Venue`] code or Chinese label, or `"*"` (the default).
    #[serde(default)]
    pub venue: VenueSelector,
    /// Later layers may tighten but never loosen the fields this rule sets.
    #[serde(default)]
    pub mandatory: bool,
    pub av: Option<AvRequirement>,
    /// 文书 — document formats that must be present, by name.
    #[serde(default)]
    pub documents: Vec<String>,
    /// 记录要素 — checklist items the record must show.
    #[serde(default)]
    pub elements: Vec<String>,
    /// Officers holding a valid 执法证.
    pub min_officers: Option<u32>,
    /// The longest gap in the AV record tolerated, in seconds.
    pub max_gap_seconds: Option<u32>,
    /// Whether a 中止说明 may cover a longer gap.
    pub explanation_covers_gap: Option<bool>,
}

impl Rule {
    pub fn selector(&self) -> Selector {
        Selector { act: self.act, venue: self.venue }
    }
}

/// `[documents]` — the 执法文书 formats a layer declares, so that `[[procedure]]` tables can
/// name them (a name used in a `[[rule]]`'s `documents` counts as declared too).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDocuments {
    #[serde(default)]
    pub formats: Vec<String>,
}

/// One `[[procedure]]` table: what a layer expects of one stage of one procedure before a case
/// may leave that stage.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageRule {
    /// A [`Procedure`] code or Chinese label.
    pub procedure: Procedure,
    /// A [`Stage`] code or Chinese label.
    pub stage: Stage,
    /// Later layers may not lower the need of what this table expects.
    #[serde(default)]
    pub mandatory: bool,
    /// The legal basis, cited.
    pub basis: Option<String>,
    #[serde(default)]
    pub acts: Vec<ActItem>,
    #[serde(default)]
    pub documents: Vec<DocumentItem>,
}

impl StageRule {
    /// `行政处罚普通程序/调查取证` — how origins and errors name the table.
    pub fn name(&self) -> String {
        format!("{}/{}", self.procedure.label_zh(), self.stage.label_zh())
    }
}

/// An act a stage expects: `{ act = "询问", need = "required" }`, or any one of several:
/// `{ one_of = ["直接送达", "留置送达"], need = "required" }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActItem {
    pub act: Option<ActKind>,
    #[serde(default)]
    pub one_of: Vec<ActKind>,
    pub need: Need,
}

impl ActItem {
    /// The acts that satisfy the item, in [`ActKind::ALL`] order, without repeats: the item's
    /// identity across layers.
    pub fn kinds(&self) -> Vec<ActKind> {
        ActKind::ALL.iter().copied().filter(|k| self.act == Some(*k) || self.one_of.contains(k)).collect()
    }
}

/// A document a stage expects, by format name: `{ name = "询问笔录", need = "required" }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentItem {
    pub name: String,
    pub need: Need,
    /// Only with `need = "when_applicable"`: the document is due once one of these acts is
    /// recorded in the case (听证通知书 once there is a 听证).
    #[serde(default)]
    pub if_acts: Vec<ActKind>,
    /// Documents that serve in its place (不予行政处罚决定书 for 行政处罚决定书 when the
    /// decision is not to punish). Layers may narrow this list, never widen it.
    #[serde(default)]
    pub instead: Vec<String>,
}

/// One `[[limit]]` table: the handling limit (办案期限) of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitRule {
    pub procedure: Procedure,
    /// Later layers may shorten but not lengthen what this table sets.
    #[serde(default)]
    pub mandatory: bool,
    /// Days allowed; 0 is the same day.
    pub days: Option<u32>,
    pub counting: Option<DayCount>,
    /// What the days count from: `"opened"` (立案, the default) or an act kind (`"查封扣押"`).
    /// Set by the first layer that gives the procedure a limit.
    pub from: Option<LimitStart>,
    /// The stage the case must have left when the days run out (default 审核决定). Set by the
    /// first layer that gives the procedure a limit.
    pub until: Option<Stage>,
    /// The longest extension, in days counted the same way; 0 allows none.
    pub extension_days: Option<u32>,
    /// Who approves an extension (`"负责人"`).
    pub extension_approval: Option<Role>,
    /// The document that tells the party of an extension (`"延长查封扣押期限决定书"`): due,
    /// as a warning, once an extension is approved.
    pub extension_document: Option<String>,
    /// The document of a 解除查封扣押 (`"解除查封扣押决定书"`): due, as a warning, once the
    /// seizure is released.
    pub release_document: Option<String>,
    /// The legal basis, cited.
    pub basis: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMajor {
    #[serde(default)]
    pub fine_threshold_fen: RawThresholds,
    #[serde(default)]
    pub always_major: Vec<Measure>,
    pub after_hearing: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawThresholds {
    pub natural_person: Option<u64>,
    pub organisation: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDeadlines {
    pub legal_review: Option<u32>,
    pub disclosure_penalty_licensing: Option<u32>,
    pub disclosure_other: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawYear {
    pub year: i32,
    #[serde(default)]
    pub holidays: Vec<DateSpan>,
    #[serde(default)]
    pub workdays: Vec<DateSpan>,
}

/// `"2026-10-01"` or the inclusive range `"2026-10-01..2026-10-07"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateSpan {
    pub first: Date,
    pub last: Date,
}

impl<'de> Deserialize<'de> for DateSpan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bad = || {
            serde::de::Error::custom(format!("bad date {s:?}; expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"))
        };
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let (a, b) = s.split_once("..").unwrap_or((&s, &s));
        let first = Date::parse(a.trim(), format).map_err(|_| bad())?;
        let last = Date::parse(b.trim(), format).map_err(|_| bad())?;
        if last < first {
            return Err(serde::de::Error::custom(format!("date range {s:?} ends before it starts")));
        }
        Ok(DateSpan { first, last })
    }
}

/// The line of every key path in a layer (`rule[3].av`, `major.fine_threshold_fen`), for
/// errors found after deserialisation.
#[derive(Debug, Default)]
pub(crate) struct Lines {
    by_path: BTreeMap<String, usize>,
}

impl Lines {
    /// The line of `path`, or of the nearest enclosing key that has one.
    pub fn line(&self, path: &str) -> Option<usize> {
        let mut p = path;
        loop {
            if let Some(l) = self.by_path.get(p) {
                return Some(*l);
            }
            p = p.get(..p.rfind(['.', '['])?)?;
        }
    }

    fn walk(&mut self, newlines: &[usize], path: String, value: &toml::Spanned<DeValue<'_>>) {
        self.by_path.insert(path.clone(), line_at(newlines, value.span().start));
        match value.get_ref() {
            DeValue::Table(t) => self.walk_table(newlines, &path, t),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.walk(newlines, format!("{path}[{i}]"), item);
                }
            }
            _ => {}
        }
    }

    fn walk_table(&mut self, newlines: &[usize], prefix: &str, table: &DeTable<'_>) {
        for (key, value) in table.iter() {
            // A key's own line, not its value's: `av = "full"` is reported where `av` is.
            let line = line_at(newlines, key.span().start);
            let key: &str = key.get_ref();
            let path = if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") };
            self.walk(newlines, path.clone(), value);
            if !matches!(value.get_ref(), DeValue::Table(_) | DeValue::Array(_)) {
                self.by_path.insert(path, line);
            }
        }
    }
}

/// The 1-based line of byte offset `at`, given the offsets of every `\n` (as [`line_of`] counts,
/// without rescanning the text for every key).
fn line_at(newlines: &[usize], at: usize) -> usize {
    newlines.partition_point(|nl| *nl < at) + 1
}

/// Parses a layer; errors name the key path and the line.
pub(crate) fn parse(source: &str, text: &str) -> Result<(RawLayer, Lines), PolicyError> {
    let toml_err = |path: String, e: &toml::de::Error| {
        let line = e.span().map(|s| line_of(text, s.start));
        PolicyError::invalid(source, path, line, e.message().trim())
    };
    let table = DeTable::parse(text).map_err(|e| toml_err(String::new(), &e))?;
    let mut lines = Lines::default();
    let newlines: Vec<usize> =
        text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect();
    lines.walk_table(&newlines, "", table.get_ref());
    let de = toml::Deserializer::from(table);
    let raw: RawLayer = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        toml_err(if path == "." { String::new() } else { path }, e.inner())
    })?;
    Ok((raw, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_at_agrees_with_line_of() {
        let text = "a\nbb\n\nc";
        let newlines: Vec<usize> =
            text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect();
        for at in 0..=text.len() + 2 {
            assert_eq!(line_at(&newlines, at), line_of(text, at), "offset {at}");
        }
    }

    #[test]
    fn unknown_key_names_path_and_line() {
        let text = "[layer]\nkind = \"local\"\nname = \"X\"\n\n[[rule]]\nact = \"seizure\"\n\n[[rule]]\nact = \"*\"\navv = \"full\"\n";
        let err = parse("x.toml", text).unwrap_err();
        let at = err.location();
        assert_eq!(at.line, Some(10), "{err}");
        assert!(at.path.starts_with("rule[1]"), "{err}");
        assert!(err.to_string().contains("avv"), "{err}");
    }

    #[test]
    fn unknown_act_kind_is_named() {
        let text = "[layer]\nkind = \"local\"\nname = \"X\"\n[[rule]]\nact = \"拆迁\"\n";
        let err = parse("x.toml", text).unwrap_err();
        assert_eq!(err.location().path, "rule[0].act");
        assert_eq!(err.location().line, Some(5));
        assert!(err.to_string().contains("unknown act kind \"拆迁\""), "{err}");
    }

    #[test]
    fn bad_value_and_ranges() {
        let text = "[layer]\nkind = \"local\"\nname = \"X\"\n[[rule]]\nact = \"*\"\nmin_officers = -1\n";
        let err = parse("x.toml", text).unwrap_err();
        assert_eq!(err.location().path, "rule[0].min_officers", "{err}");
        let text = "[layer]\nkind = \"local\"\nname = \"X\"\n[[calendar]]\nyear = 2026\nholidays = [\"2026-02-30\"]\n";
        let err = parse("x.toml", text).unwrap_err();
        assert!(err.location().path.starts_with("calendar[0].holidays"), "{err}");
        let text = "[layer]\nkind = \"local\"\nname = \"X\"\n[[calendar]]\nyear = 2026\nholidays = [\"2026-10-01..2026-10-07\"]\n";
        let (raw, lines) = parse("x.toml", text).unwrap();
        assert_eq!(lines.line("calendar[0]"), Some(4));
        assert_eq!(lines.line("calendar[0].holidays[0]"), Some(6));
        assert_eq!(lines.line("calendar[0].year"), Some(5));
        assert_eq!(lines.line("calendar[0].workdays"), Some(4));
        assert_eq!(lines.line("layer.kind"), Some(2));
        assert_eq!(raw.calendar.len(), 1);
    }
}
