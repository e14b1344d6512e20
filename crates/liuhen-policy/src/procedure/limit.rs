//! 办案期限 — the handling limit of a procedure: how many days, counted how, from what, until
//! the case has left which stage, and how far an approved extension may reach.
//!
//! A later layer may shorten the days, switch natural days to working days, lower the extension
//! or leave it; over a `mandatory` limit it may not lengthen the days, count working days where
//! natural days were counted, raise the extension, or change who approves it. What the days count
//! from and the stage they run until are set by the first layer that gives the procedure a limit.

use std::fmt;

use liuhen_domain::{ActKind, Procedure, Role, Stage};
use serde::{Deserialize, Deserializer};
use time::{Date, Duration};

use super::EffectiveProcedure;
use crate::error::{LimitError, Location, Loosening};
use crate::rulebook::raw::Lines;
use crate::rulebook::{Layer, LimitRule, looser};
use crate::{
    Calendar, CalendarError, DayCount, Finding, FindingCode, LayerKind, Origin, PolicyError, Severity,
    Sourced,
};

/// What a handling limit counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitStart {
    /// 立案 — the day the case was opened (`"opened"` or `"立案"`).
    Opened,
    /// The day of the first act of this kind (查封扣押: the day of the seizure).
    Act(ActKind),
}

impl LimitStart {
    pub fn code(self) -> &'static str {
        match self {
            LimitStart::Opened => "opened",
            LimitStart::Act(k) => k.code(),
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LimitStart::Opened => "立案",
            LimitStart::Act(k) => k.label_zh(),
        }
    }
}

impl fmt::Display for LimitStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_zh())
    }
}

impl<'de> Deserialize<'de> for LimitStart {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == "opened" || s == "立案" {
            return Ok(LimitStart::Opened);
        }
        ActKind::from_code(&s).map(LimitStart::Act).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown limit start {s:?}; expected \"opened\" (立案) or an act kind (\"seizure\", \"查封扣押\", …)"
            ))
        })
    }
}

/// The effective handling limit of a procedure, every value with the layer that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlingLimit {
    pub procedure: Procedure,
    /// Days allowed; 0 is the same day.
    pub days: Sourced<u32>,
    pub counting: Sourced<DayCount>,
    pub from: Sourced<LimitStart>,
    /// The stage the case must have left when the days run out.
    pub until: Sourced<Stage>,
    /// The longest extension, counted like `days`; `None` (or 0): no extension.
    pub extension_days: Option<Sourced<u32>>,
    /// Who approves an extension.
    pub extension_approval: Option<Sourced<Role>>,
    /// The document that tells the party of an approved extension.
    pub extension_document: Option<Sourced<String>>,
    /// The document of a 解除查封扣押.
    pub release_document: Option<Sourced<String>>,
    /// The legal basis, as each layer cited it.
    pub basis: Vec<Sourced<String>>,
}

/// What is known of a case for its handling limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitFacts {
    /// The day the limit counts from ([`HandlingLimit::from`]: 立案, or the seizure).
    pub start: Date,
    /// Extension approved, in days (0 when none).
    pub extension_days: u32,
    /// The day the case left [`HandlingLimit::until`], if it has.
    pub completed: Option<Date>,
    pub today: Date,
    /// Warn when this many days (counted like the limit) or fewer are left.
    pub warn_within_days: u32,
}

impl HandlingLimit {
    /// The longest extension allowed, 0 when none is.
    pub fn max_extension_days(&self) -> u32 {
        self.extension_days.as_ref().map_or(0, |e| e.value)
    }

    /// The last day of the limit for a case whose limit starts on `start`, with
    /// `extension_days` approved. Natural days: `start` + days; working days: the
    /// [`Calendar`]'s working days after `start`.
    pub fn deadline(
        &self,
        start: Date,
        calendar: &Calendar,
        extension_days: u32,
    ) -> Result<Date, LimitError> {
        let allowed = self.max_extension_days();
        if extension_days > allowed {
            return Err(LimitError::Extension {
                procedure: self.procedure,
                asked: extension_days,
                allowed,
                rule: self.extension_days.as_ref().map(|e| e.origin.clone()),
            });
        }
        let total = self.days.value.saturating_add(extension_days);
        match self.counting.value {
            DayCount::Natural => start
                .checked_add(Duration::days(i64::from(total)))
                .ok_or(LimitError::Calendar(CalendarError::OutOfRange)),
            DayCount::Working => Ok(calendar.add_working_days(start, total)?),
        }
    }

    /// A warning when the case left [`HandlingLimit::until`] late, is still in it after the
    /// deadline ([`FindingCode::LimitExceeded`]), or has `warn_within_days` or fewer left
    /// ([`FindingCode::LimitNear`]). Overdue is a warning, not a block: blocking would only keep
    /// a late case from being finished.
    pub fn assess(&self, calendar: &Calendar, facts: &LimitFacts) -> Result<Option<Finding>, LimitError> {
        let due = self.deadline(facts.start, calendar, facts.extension_days)?;
        let (p, p_code) = (self.procedure.label_zh(), self.procedure.code());
        let (until, until_code) = (self.until.value.label_zh(), self.until.value.code());
        let limit_zh = self.describe_zh(facts.extension_days);
        let limit_en = self.describe_en(facts.extension_days);
        let finding = |code, message_zh, message_en| Finding {
            severity: Severity::Warning,
            code,
            message_zh,
            message_en,
            origin: self.days.origin.clone(),
        };
        if let Some(done) = facts.completed {
            if done <= due {
                return Ok(None);
            }
            let late = (done - due).whole_days();
            return Ok(Some(finding(
                FindingCode::LimitExceeded,
                format!("{p}：「{until}」应于{due}前完成（{limit_zh}），实际于{done}完成，超期{late}日"),
                format!(
                    "{p_code}: {until_code} was due by {due} ({limit_en}) and was left on {done}, {late} days late"
                ),
            )));
        }
        if facts.today > due {
            let late = (facts.today - due).whole_days();
            return Ok(Some(finding(
                FindingCode::LimitExceeded,
                format!("{p}：办案期限已于{due}届满（{limit_zh}），「{until}」尚未完成，已超期{late}日"),
                format!(
                    "{p_code}: the limit ended on {due} ({limit_en}); {until_code} is not done, {late} days late"
                ),
            )));
        }
        let left = match self.counting.value {
            DayCount::Natural => (due - facts.today).whole_days(),
            DayCount::Working => calendar.working_days_between(facts.today, due)?,
        };
        if left > i64::from(facts.warn_within_days) {
            return Ok(None);
        }
        let unit = self.counting.value.label_zh();
        Ok(Some(finding(
            FindingCode::LimitNear,
            format!("{p}：办案期限将于{due}届满（{limit_zh}），剩余{left}个{unit}"),
            format!(
                "{p_code}: the limit ends on {due} ({limit_en}), {left} {} days left",
                self.counting.value
            ),
        )))
    }

    /// `自立案起90日（自然日）` with the extension, if any.
    fn describe_zh(&self, extension_days: u32) -> String {
        let ext = if extension_days > 0 { format!("，含延长{extension_days}日") } else { String::new() };
        format!(
            "自{}起{}日（{}）{ext}",
            self.from.value.label_zh(),
            self.days.value,
            self.counting.value.label_zh()
        )
    }

    /// `90 natural days from opened` with the extension, if any.
    fn describe_en(&self, extension_days: u32) -> String {
        let ext = if extension_days > 0 { format!(" + {extension_days} extended") } else { String::new() };
        format!("{} {} days from {}{ext}", self.days.value, self.counting.value, self.from.value.code())
    }
}

impl EffectiveProcedure {
    /// The last day of the handling limit ([`HandlingLimit::deadline`]); [`LimitError::NotSet`]
    /// when the rulebook gives the procedure none.
    pub fn handling_deadline(
        &self,
        start: Date,
        calendar: &Calendar,
        extension_days: u32,
    ) -> Result<Date, LimitError> {
        self.limit.as_ref().ok_or(LimitError::NotSet(self.procedure))?.deadline(
            start,
            calendar,
            extension_days,
        )
    }

    /// [`HandlingLimit::assess`]; `Ok(None)` when the procedure has no limit.
    pub fn assess_limit(
        &self,
        calendar: &Calendar,
        facts: &LimitFacts,
    ) -> Result<Option<Finding>, LimitError> {
        match &self.limit {
            Some(limit) => limit.assess(calendar, facts),
            None => Ok(None),
        }
    }
}

impl crate::Policy {
    /// The effective handling limit of `procedure`, if a layer sets one.
    pub fn limit(&self, procedure: Procedure) -> Option<&HandlingLimit> {
        self.limits().iter().find(|l| l.procedure == procedure)
    }
}

fn sourced<T>(value: T, origin: &Origin) -> Sourced<T> {
    Sourced { value, origin: origin.clone() }
}

/// The limits with `layer`'s `[[limit]]` tables applied.
pub(crate) fn merged_limits(
    current: &[HandlingLimit],
    earlier: &[Layer],
    stage_lists: &[super::ProcedureStages],
    layer: &Layer,
    source: &str,
    lines: &Lines,
) -> Result<Vec<HandlingLimit>, PolicyError> {
    let mut next = current.to_vec();
    for (i, rule) in layer.limits.iter().enumerate() {
        let invalid = |field: &str, msg: String| {
            let path = if field.is_empty() { format!("limit[{i}]") } else { format!("limit[{i}].{field}") };
            let line = lines.line(&path);
            PolicyError::invalid(source, path, line, msg)
        };
        let p = rule.procedure;
        if layer.limits.iter().take(i).any(|r| r.procedure == p) {
            return Err(invalid("procedure", format!("a second [[limit]] for {p} in the same layer")));
        }
        if rule.extension_approval.is_some() && rule.extension_days == Some(0) {
            return Err(invalid("extension_approval", "an approval without extension days".into()));
        }
        check_loosening(earlier, source, layer.kind, i, rule, lines)?;
        if let Some(until) = rule.until {
            super::check_has_stage(stage_lists, p, until, source, format!("limit[{i}].until"), lines)?;
        }
        let origin = layer.origin(format!("{}/limit", p.label_zh()), rule.mandatory);
        let basis = rule.basis.iter().map(|b| sourced(b.clone(), &origin));
        let Some(cur) = next.iter_mut().find(|l| l.procedure == p) else {
            let (Some(days), Some(counting)) = (rule.days, rule.counting) else {
                return Err(invalid("", format!("the first [[limit]] for {p} sets days and counting")));
            };
            next.push(HandlingLimit {
                procedure: p,
                days: sourced(days, &origin),
                counting: sourced(counting, &origin),
                from: sourced(rule.from.unwrap_or(LimitStart::Opened), &origin),
                until: sourced(rule.until.unwrap_or(Stage::Decision), &origin),
                extension_days: rule.extension_days.map(|d| sourced(d, &origin)),
                extension_approval: rule.extension_approval.map(|r| sourced(r, &origin)),
                extension_document: rule.extension_document.as_ref().map(|d| sourced(d.clone(), &origin)),
                release_document: rule.release_document.as_ref().map(|d| sourced(d.clone(), &origin)),
                basis: basis.collect(),
            });
            continue;
        };
        if let Some(from) = rule.from.filter(|f| *f != cur.from.value) {
            return Err(invalid(
                "from",
                format!(
                    "{from}: the limit of {p} counts from {} ({}); a later layer cannot change that",
                    cur.from.value, cur.from.origin
                ),
            ));
        }
        if let Some(until) = rule.until.filter(|u| *u != cur.until.value) {
            return Err(invalid(
                "until",
                format!(
                    "{until}: the limit of {p} runs until {} is left ({}); a later layer cannot change that",
                    cur.until.value, cur.until.origin
                ),
            ));
        }
        if let Some(days) = rule.days {
            cur.days = sourced(days, &origin);
        }
        if let Some(counting) = rule.counting {
            cur.counting = sourced(counting, &origin);
        }
        if let Some(ext) = rule.extension_days {
            cur.extension_days = Some(sourced(ext, &origin));
        }
        if let Some(role) = rule.extension_approval {
            cur.extension_approval = Some(sourced(role, &origin));
        }
        if let Some(d) = &rule.extension_document {
            cur.extension_document = Some(sourced(d.clone(), &origin));
        }
        if let Some(d) = &rule.release_document {
            cur.release_document = Some(sourced(d.clone(), &origin));
        }
        cur.basis.extend(basis);
    }
    Ok(next)
}

/// A limit that lengthens an earlier mandatory one of the same procedure.
fn check_loosening(
    earlier: &[Layer],
    source: &str,
    kind: LayerKind,
    i: usize,
    rule: &LimitRule,
    lines: &Lines,
) -> Result<(), PolicyError> {
    let name = format!("{}/limit", rule.procedure.label_zh());
    let mandatory = earlier.iter().flat_map(|l| {
        l.limits.iter().filter(|m| m.mandatory && m.procedure == rule.procedure).map(move |m| (l.kind, m))
    });
    for (earlier_layer, m) in mandatory {
        let clash = looser("days", rule.days, m.days, |n, o| n > o)
            .or_else(|| looser("counting", rule.counting, m.counting, |n, o| n > o))
            .or_else(|| looser("extension_days", rule.extension_days, m.extension_days, |n, o| n > o))
            .or_else(|| {
                looser("extension_approval", rule.extension_approval, m.extension_approval, |n, o| n != o)
            });
        if let Some((field, value, earlier_value)) = clash {
            let path = format!("limit[{i}].{field}");
            return Err(PolicyError::Loosens(Box::new(Loosening {
                at: Location { source: source.to_owned(), line: lines.line(&path), path },
                layer: kind,
                rule: name.clone(),
                field: field.to_owned(),
                value,
                earlier_layer,
                earlier_rule: name,
                earlier_value,
            })));
        }
    }
    Ok(())
}

impl fmt::Display for HandlingLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let row = |f: &mut fmt::Formatter<'_>, key: &str, value: &str, o: &Origin| {
            writeln!(f, "    {key:<11}{}← {o}", crate::effective::pad(value, 53))
        };
        writeln!(f, "  办案期限 (limit)")?;
        let days =
            format!("{} {} ({})", self.days.value, self.counting.value, self.counting.value.label_zh());
        row(f, "days", &days, &self.days.origin)?;
        if self.counting.origin != self.days.origin {
            row(f, "counting", self.counting.value.code(), &self.counting.origin)?;
        }
        let from = format!("{} ({})", self.from.value.label_zh(), self.from.value.code());
        row(f, "from", &from, &self.from.origin)?;
        let until = format!("{} ({}) left", self.until.value.label_zh(), self.until.value.code());
        row(f, "until", &until, &self.until.origin)?;
        match &self.extension_days {
            Some(ext) if ext.value > 0 => row(f, "extension", &format!("≤ {} days", ext.value), &ext.origin)?,
            Some(ext) => row(f, "extension", "none", &ext.origin)?,
            None => writeln!(f, "    {:<11}none", "extension")?,
        }
        if let Some(role) = &self.extension_approval {
            row(f, "approval", &format!("{} ({})", role.value.label_zh(), role.value.code()), &role.origin)?;
        }
        if let Some(d) = &self.extension_document {
            row(f, "notice", &format!("《{}》", d.value), &d.origin)?;
        }
        if let Some(d) = &self.release_document {
            row(f, "release", &format!("《{}》", d.value), &d.origin)?;
        }
        for b in &self.basis {
            row(f, "basis", &b.value, &b.origin)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct From {
        from: LimitStart,
    }

    #[test]
    fn limit_start_reads_opened_or_an_act() {
        let read = |s: &str| toml::from_str::<From>(&format!("from = {s:?}")).map(|f| f.from);
        assert_eq!(read("opened").unwrap(), LimitStart::Opened);
        assert_eq!(read("立案").unwrap(), LimitStart::Opened);
        assert_eq!(read("seizure").unwrap(), LimitStart::Act(ActKind::Seizure));
        assert_eq!(read("查封扣押").unwrap(), LimitStart::Act(ActKind::Seizure));
        assert!(read("昨天").unwrap_err().to_string().contains("unknown limit start \"昨天\""));
    }

    #[test]
    fn describes_days_start_and_extension() {
        let p = crate::Policy::national().unwrap();
        let limit = p.limit(Procedure::Coercion).unwrap();
        assert_eq!(limit.describe_zh(30), "自查封扣押起30日（自然日），含延长30日");
        assert_eq!(limit.describe_en(0), "30 natural days from seizure");
        let shown = limit.to_string();
        assert!(shown.contains("extension  ≤ 30 days"), "{shown}");
    }
}
