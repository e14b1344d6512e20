//! 保管期限 — how long records are kept, as rulebook data, and the 档号 a case file gets.
//!
//! A layer declares retention classes (`[[retention_class]]`: `Y` 永久, `D30` 30年, `D10` 10年 in
//! the national layer, after DA/T 22-2015 归档文件整理规则 §6.1.3; local classes such as `D5` or
//! `M6` beside them) and rules (`[[retention]]`) that give a class to a record class (执法案卷, or
//! 音像记录 not filed with a case) under conditions on the case or the record's source. Every
//! rule of every layer that applies counts, and the longest class wins: a later layer can lengthen
//! what a record is kept for, never shorten it. An AV record filed with a case follows the case.
//!
//! The 档号 pattern (`[archive] file_no`) names the agency, the year, the class and a sequence
//! number; numbers are gapless per agency, year and class.

use std::fmt;

use liuhen_domain::{CaseKind, Procedure, RecordClass, RecordSource};
use serde::Deserialize;
use time::{Date, Month};

use crate::error::PolicyError;
use crate::rulebook::Lines;

/// How long a class keeps a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Period {
    /// Kept for the given number of months (years are twelve).
    Months(u32),
    /// 永久.
    Permanent,
}

impl Period {
    /// The last day a record is kept when counting starts on `from`; `None` when permanent.
    /// A day that does not exist in the end month (29 February, 31 April) becomes its last day.
    pub fn until(self, from: Date) -> Option<Date> {
        let Period::Months(m) = self else { return None };
        let total = from.year() as i64 * 12 + (from.month() as i64 - 1) + m as i64;
        let year = i32::try_from(total.div_euclid(12)).ok()?;
        let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
        let day = from.day().min(month.length(year));
        let end = Date::from_calendar_date(year, month, day).ok()?;
        end.previous_day()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Permanent => f.write_str("永久"),
            Period::Months(m) if m % 12 == 0 => write!(f, "{}年", m / 12),
            Period::Months(m) => write!(f, "{m}个月"),
        }
    }
}

/// One retention class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionClass {
    /// The code that goes into the 档号: `Y`, `D30`, `D10`, …
    pub code: String,
    /// `永久`, `30年`, …
    pub name: String,
    pub period: Period,
    /// The layer that declared it.
    pub layer: String,
}

/// One `[[retention_class]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawClass {
    pub code: String,
    pub name: String,
    pub years: Option<u32>,
    pub months: Option<u32>,
    #[serde(default)]
    pub permanent: bool,
}

/// One `[[retention]]` table: the class of a record class under conditions (all must hold).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    pub record: RecordClass,
    /// A class code of this layer or an earlier one.
    pub class: String,
    /// The case's procedure.
    pub procedure: Option<Procedure>,
    /// The case's kind.
    pub kind: Option<CaseKind>,
    /// Whether a decision of the case went through 重大执法决定法制审核.
    pub major: Option<bool>,
    /// Whether the case was referred to the judicial organs (移送司法机关).
    pub referred: Option<bool>,
    /// How an AV record came in (音像记录 only).
    pub source: Option<RecordSource>,
    /// The rule's basis, cited.
    pub basis: Option<String>,
}

/// `[archive]` — the 档号 pattern.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawArchive {
    pub file_no: Option<String>,
}

/// What a retention rule is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordFacts {
    pub record: RecordClass,
    pub procedure: Option<Procedure>,
    pub kind: Option<CaseKind>,
    pub major: bool,
    pub referred: bool,
    pub source: Option<RecordSource>,
}

impl RecordFacts {
    /// A case file's facts.
    pub fn case_file(procedure: Option<Procedure>, kind: CaseKind, major: bool, referred: bool) -> Self {
        RecordFacts {
            record: RecordClass::CaseFile,
            procedure,
            kind: Some(kind),
            major,
            referred,
            source: None,
        }
    }

    /// An AV record not filed with a case.
    pub fn loose_av(source: RecordSource) -> Self {
        RecordFacts {
            record: RecordClass::AvRecord,
            procedure: None,
            kind: None,
            major: false,
            referred: false,
            source: Some(source),
        }
    }
}

impl RetentionRule {
    fn applies(&self, f: &RecordFacts) -> bool {
        self.record == f.record
            && self.procedure.is_none_or(|p| f.procedure == Some(p))
            && self.kind.is_none_or(|k| f.kind == Some(k))
            && self.major.is_none_or(|m| f.major == m)
            && self.referred.is_none_or(|r| f.referred == r)
            && self.source.is_none_or(|s| f.source == Some(s))
    }
}

/// The class a record gets, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionDecision {
    pub class: RetentionClass,
    /// Every rule that applied, `layer: class — basis`, longest first.
    pub reasons: Vec<String>,
}

/// A 档号 pattern: `{agency}`, `{year}`, `{class}` and `{seq}` or `{seq:N}` (N digits, zero-padded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileNoPattern {
    text: String,
    digits: usize,
}

/// The default 档号 pattern: 全宗 (the agency's short name) - 年度 - 保管期限代码 - 件号.
pub const DEFAULT_FILE_NO: &str = "{agency}-{year}-{class}-{seq:4}";

enum Part<'a> {
    Text(&'a str),
    Agency,
    Year,
    Class,
    Seq,
}

fn parts(text: &str) -> Result<(Vec<Part<'_>>, usize), String> {
    let mut out = Vec::new();
    let mut digits = 1;
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Part::Text(&rest[..open]));
        }
        let close = rest[open..].find('}').ok_or("a `{` without its `}`")? + open;
        let name = &rest[open + 1..close];
        out.push(match name {
            "agency" => Part::Agency,
            "year" => Part::Year,
            "class" => Part::Class,
            "seq" => Part::Seq,
            _ => match name.strip_prefix("seq:").and_then(|n| n.parse::<usize>().ok()) {
                Some(n) if (1..=8).contains(&n) => {
                    digits = n;
                    Part::Seq
                }
                _ => {
                    return Err(format!(
                        "unknown placeholder `{{{name}}}` (agency, year, class, seq, seq:N)"
                    ));
                }
            },
        });
        rest = &rest[close + 1..];
    }
    if rest.contains('}') {
        return Err("a `}` without its `{`".into());
    }
    if !rest.is_empty() {
        out.push(Part::Text(rest));
    }
    Ok((out, digits))
}

impl FileNoPattern {
    /// Parses a pattern; it must name the year, the class and the sequence number once each (numbers
    /// are counted per agency, year and class, so a 档号 without them could repeat).
    pub fn parse(text: &str) -> Result<FileNoPattern, String> {
        let (parts, digits) = parts(text)?;
        for (want, name) in [(0, "year"), (1, "class"), (2, "seq")] {
            let n = parts
                .iter()
                .filter(|p| matches!((want, p), (0, Part::Year) | (1, Part::Class) | (2, Part::Seq)))
                .count();
            if n != 1 {
                return Err(format!("the 档号 pattern must contain {{{name}}} exactly once"));
            }
        }
        if text.chars().any(|c| c.is_control() || c == '/' || c == '\\') {
            return Err("the 档号 pattern may not contain control characters or path separators".into());
        }
        Ok(FileNoPattern { text: text.to_owned(), digits })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The 档号 of the `seq`th file of `class` in `year` of the agency `agency`.
    pub fn render(&self, agency: &str, year: i32, class: &str, seq: u64) -> String {
        let (parts, _) = parts(&self.text).unwrap_or_default();
        let mut s = String::new();
        for p in parts {
            match p {
                Part::Text(t) => s.push_str(t),
                Part::Agency => s.push_str(agency),
                Part::Year => s.push_str(&year.to_string()),
                Part::Class => s.push_str(class),
                Part::Seq => s.push_str(&format!("{seq:0width$}", width = self.digits)),
            }
        }
        s
    }

    /// Whether `file_no` is what [`FileNoPattern::render`] gives for this agency, year and class
    /// with some sequence number of at least the pattern's digits (the 四性检测 档号 format check).
    pub fn matches(&self, file_no: &str, agency: &str, year: i32, class: &str) -> bool {
        let Ok((parts, digits)) = parts(&self.text) else { return false };
        let mut rest = file_no;
        for (i, p) in parts.iter().enumerate() {
            let fixed = match p {
                Part::Text(t) => Some((*t).to_owned()),
                Part::Agency => Some(agency.to_owned()),
                Part::Year => Some(year.to_string()),
                Part::Class => Some(class.to_owned()),
                Part::Seq => None,
            };
            match fixed {
                Some(f) => match rest.strip_prefix(f.as_str()) {
                    Some(r) => rest = r,
                    None => return false,
                },
                None => {
                    let n = rest.bytes().take_while(u8::is_ascii_digit).count();
                    let last = i + 1 == parts.len();
                    if n < digits || (last && n != rest.len()) || rest[..n].bytes().all(|b| b == b'0') {
                        return false;
                    }
                    rest = &rest[n..];
                }
            }
        }
        rest.is_empty()
    }
}

/// The effective retention schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    classes: Vec<RetentionClass>,
    rules: Vec<(String, RetentionRule)>,
    file_no: FileNoPattern,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            classes: Vec::new(),
            rules: Vec::new(),
            file_no: FileNoPattern::parse(DEFAULT_FILE_NO)
                .unwrap_or(FileNoPattern { text: DEFAULT_FILE_NO.to_owned(), digits: 4 }),
        }
    }
}

impl Retention {
    /// Every class, in the order declared.
    pub fn classes(&self) -> &[RetentionClass] {
        &self.classes
    }

    /// Every rule with the name of its layer.
    pub fn rules(&self) -> &[(String, RetentionRule)] {
        &self.rules
    }

    pub fn class(&self, code: &str) -> Option<&RetentionClass> {
        self.classes.iter().find(|c| c.code == code)
    }

    pub fn file_no(&self) -> &FileNoPattern {
        &self.file_no
    }

    /// The longest class of every rule that applies; `None` when no rule does.
    pub fn decide(&self, facts: &RecordFacts) -> Option<RetentionDecision> {
        let mut hits: Vec<(&RetentionClass, String)> = self
            .rules
            .iter()
            .filter(|(_, r)| r.applies(facts))
            .filter_map(|(layer, r)| {
                let class = self.class(&r.class)?;
                let basis = r.basis.as_deref().map(|b| format!(" — {b}")).unwrap_or_default();
                Some((class, format!("{layer}: {} {}{basis}", class.code, class.name)))
            })
            .collect();
        hits.sort_by_key(|h| std::cmp::Reverse(h.0.period));
        let class = hits.first()?.0.clone();
        Some(RetentionDecision { class, reasons: hits.into_iter().map(|(_, why)| why).collect() })
    }

    /// This schedule with a layer's classes, rules and pattern added.
    pub(crate) fn merged(
        &self,
        layer: &str,
        source: &str,
        classes: &[RawClass],
        rules: &[RetentionRule],
        archive: Option<&RawArchive>,
        lines: &Lines,
    ) -> Result<Retention, PolicyError> {
        let mut next = self.clone();
        for (i, c) in classes.iter().enumerate() {
            let path = format!("retention_class[{i}]");
            let bad = |msg: String| PolicyError::invalid(source, &path, lines.line(&path), msg);
            let code_ok = !c.code.is_empty()
                && c.code.len() <= 8
                && c.code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !code_ok {
                return Err(bad(format!("class code `{}`: 1 to 8 capital letters or digits", c.code)));
            }
            if next.class(&c.code).is_some() {
                return Err(bad(format!("class `{}` is declared already", c.code)));
            }
            let period = match (c.permanent, c.years, c.months) {
                (true, None, None) => Period::Permanent,
                (false, Some(y), None) if y > 0 => Period::Months(y.saturating_mul(12)),
                (false, None, Some(m)) if m > 0 => Period::Months(m),
                _ => {
                    return Err(
                        bad("a class is `permanent = true`, or has `years` or `months` (> 0)".into()),
                    );
                }
            };
            next.classes.push(RetentionClass {
                code: c.code.clone(),
                name: c.name.clone(),
                period,
                layer: layer.to_owned(),
            });
        }
        for (i, r) in rules.iter().enumerate() {
            let path = format!("retention[{i}]");
            let bad = |msg: String| PolicyError::invalid(source, &path, lines.line(&path), msg);
            if next.class(&r.class).is_none() {
                return Err(bad(format!("unknown retention class `{}`", r.class)));
            }
            let case_only =
                r.procedure.is_some() || r.kind.is_some() || r.major.is_some() || r.referred.is_some();
            if r.record == RecordClass::AvRecord && case_only {
                return Err(bad(
                    "a rule for 音像记录 speaks of its source only; filed with a case, it follows the case"
                        .into(),
                ));
            }
            if r.record == RecordClass::CaseFile && r.source.is_some() {
                return Err(bad("`source` is for 音像记录 rules".into()));
            }
            next.rules.push((layer.to_owned(), r.clone()));
        }
        if let Some(p) = archive.and_then(|a| a.file_no.as_deref()) {
            next.file_no = FileNoPattern::parse(p).map_err(|msg| {
                PolicyError::invalid(source, "archive.file_no", lines.line("archive.file_no"), msg)
            })?;
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn periods_end_the_day_before_the_same_date() {
        assert_eq!(Period::Months(24).until(date!(2027 - 01 - 01)), Some(date!(2028 - 12 - 31)));
        assert_eq!(Period::Months(6).until(date!(2026 - 08 - 31)), Some(date!(2027 - 02 - 27)));
        assert_eq!(Period::Months(12).until(date!(2028 - 02 - 29)), Some(date!(2029 - 02 - 27)));
        assert_eq!(Period::Permanent.until(date!(2026 - 01 - 01)), None);
        assert!(Period::Permanent > Period::Months(1200));
        assert_eq!(Period::Months(360).to_string(), "30年");
        assert_eq!(Period::Months(6).to_string(), "6个月");
    }

    #[test]
    fn file_numbers_render_and_match() {
        let p = FileNoPattern::parse(DEFAULT_FILE_NO).unwrap();
        let s = p.render("临市监", 2026, "D10", 7);
        assert_eq!(s, "临市监-2026-D10-0007");
        assert!(p.matches(&s, "临市监", 2026, "D10"));
        assert!(p.matches("临市监-2026-D10-12345", "临市监", 2026, "D10"));
        assert!(!p.matches(&s, "临市监", 2026, "Y"));
        assert!(!p.matches(&s, "临市监", 2025, "D10"));
        assert!(!p.matches("临市监-2026-D10-007", "临市监", 2026, "D10"));
        assert!(!p.matches("临市监-2026-D10-0000", "临市监", 2026, "D10"));
        assert!(!p.matches("临市监-2026-D10-0007x", "临市监", 2026, "D10"));
        for bad in [
            "{year}-{seq}",
            "{agency}-{year}-{class}",
            "{year}{class}{seq}{seq}",
            "{year}-{class}-{seq:0}",
            "{x}{year}{class}{seq}",
            "{year}/{class}{seq}",
            "{year{class}{seq}",
        ] {
            assert!(FileNoPattern::parse(bad).is_err(), "{bad}");
        }
        let q = FileNoPattern::parse("J001·{year}-{class}-{seq:3}").unwrap();
        assert_eq!(q.render("x", 2026, "Y", 12), "J001·2026-Y-012");
    }

    #[test]
    fn the_longest_applicable_class_wins() {
        let mut policy = crate::Policy::national().unwrap();
        let r = policy.retention();
        let class = |f: RecordFacts| r.decide(&f).unwrap().class.code;
        assert_eq!(
            class(RecordFacts::case_file(Some(Procedure::PenaltySummary), CaseKind::Penalty, false, false)),
            "D2"
        );
        assert_eq!(
            class(RecordFacts::case_file(Some(Procedure::PenaltyOrdinary), CaseKind::Penalty, false, false)),
            "D5"
        );
        assert_eq!(
            class(RecordFacts::case_file(Some(Procedure::PenaltyOrdinary), CaseKind::Penalty, true, false)),
            "D10"
        );
        assert_eq!(
            class(RecordFacts::case_file(Some(Procedure::PenaltySummary), CaseKind::Penalty, true, true)),
            "Y"
        );
        assert_eq!(class(RecordFacts::loose_av(RecordSource::Station)), "M6");
        let d = r
            .decide(&RecordFacts::case_file(Some(Procedure::PenaltyOrdinary), CaseKind::Penalty, true, false))
            .unwrap();
        assert_eq!(d.reasons.len(), 3, "{:?}", d.reasons);
        assert!(d.reasons[0].contains("D10"));

        // A local layer adds a class and lengthens; it cannot shorten, and bad data is an error.
        let local = r#"
[layer]
kind = "local"
name = "临川市"
[archive]
file_no = "J042-{year}-{class}-{seq:3}"
[[retention_class]]
code = "D15"
name = "15年"
years = 15
[[retention]]
record = "case_file"
kind = "administrative_penalty"
class = "D15"
[[retention]]
record = "av_record"
source = "upload"
class = "D2"
"#;
        policy.add_layer("local.toml", local).unwrap();
        let r = policy.retention();
        assert_eq!(
            r.decide(&RecordFacts::case_file(
                Some(Procedure::PenaltySummary),
                CaseKind::Penalty,
                false,
                false
            ))
            .unwrap()
            .class
            .code,
            "D15"
        );
        assert_eq!(
            r.decide(&RecordFacts::case_file(
                Some(Procedure::PenaltyOrdinary),
                CaseKind::Penalty,
                false,
                true
            ))
            .unwrap()
            .class
            .code,
            "Y"
        );
        assert_eq!(r.decide(&RecordFacts::loose_av(RecordSource::Upload)).unwrap().class.code, "D2");
        assert_eq!(r.decide(&RecordFacts::loose_av(RecordSource::Station)).unwrap().class.code, "M6");
        assert_eq!(r.file_no().render("x", 2026, "D15", 3), "J042-2026-D15-003");

        for (bad, what) in [
            ("[[retention]]\nrecord = \"case_file\"\nclass = \"D99\"", "unknown retention class"),
            ("[[retention_class]]\ncode = \"Y\"\nname = \"x\"\npermanent = true", "declared already"),
            ("[[retention_class]]\ncode = \"d7\"\nname = \"x\"\nyears = 7", "capital letters"),
            ("[[retention_class]]\ncode = \"D7\"\nname = \"x\"\nyears = 7\nmonths = 2", "permanent = true"),
            ("[[retention]]\nrecord = \"av_record\"\nmajor = true\nclass = \"Y\"", "follows the case"),
            ("[archive]\nfile_no = \"{agency}-{seq}\"", "{year}"),
        ] {
            let text = format!("[layer]\nkind = \"local\"\nname = \"x\"\n{bad}\n");
            let mut p = crate::Policy::national().unwrap();
            let err = p.add_layer("bad.toml", &text).unwrap_err().to_string();
            assert!(err.contains(what), "{bad}: {err}");
        }
    }
}
