//! Errors of loading a rulebook layer and of calendar arithmetic.

use std::fmt;

use liuhen_domain::Procedure;

use crate::{LayerKind, Origin};

/// Where in a layer's TOML text a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The name the caller gave the text (usually its file name).
    pub source: String,
    /// The TOML key path, e.g. `rule[3].av` or `major.fine_threshold_fen.natural_person`.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if !self.path.is_empty() {
            write!(f, ", key {}", self.path)?;
        }
        Ok(())
    }
}

/// A layer that cannot be loaded. The policy it was offered to is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not TOML, an unknown key, an unknown act kind or venue, a value of the wrong type or range.
    #[error("{at}: {message}")]
    Invalid { at: Location, message: String },
    /// A later layer tries to loosen a mandatory rule of an earlier one.
    #[error("{0}")]
    Loosens(Box<Loosening>),
    /// Layers come national first (exactly once), then departments, then local governments.
    #[error("{at}: a {kind} layer cannot {}", after(*previous))]
    LayerOrder { at: Location, kind: LayerKind, previous: Option<LayerKind> },
}

/// A value of a later layer that loosens a mandatory value of an earlier layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{layer} rule {rule} {field}={value} loosens {earlier_layer} rule {earlier_rule} \
     {field}={earlier_value} ({at})"
)]
pub struct Loosening {
    pub at: Location,
    pub layer: LayerKind,
    /// The loosening rule: a selector (`强制拆除/on_site`) or a section (`major`).
    pub rule: String,
    pub field: String,
    pub value: String,
    pub earlier_layer: LayerKind,
    pub earlier_rule: String,
    pub earlier_value: String,
}

impl PolicyError {
    pub(crate) fn invalid(
        source: &str,
        path: impl Into<String>,
        line: Option<usize>,
        message: impl fmt::Display,
    ) -> Self {
        PolicyError::Invalid {
            at: Location { source: source.to_owned(), path: path.into(), line },
            message: message.to_string(),
        }
    }

    /// Where the problem sits.
    pub fn location(&self) -> &Location {
        match self {
            PolicyError::Invalid { at, .. } | PolicyError::LayerOrder { at, .. } => at,
            PolicyError::Loosens(l) => &l.at,
        }
    }
}

fn after(previous: Option<LayerKind>) -> String {
    match previous {
        None => "come first: the first layer is the national one".to_owned(),
        Some(p) => format!("follow a {p} layer (order: national, department…, local…)"),
    }
}

/// The 1-based line of byte offset `at` in `text`.
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    let end = at.min(text.len());
    text.bytes().take(end).filter(|b| *b == b'\n').count() + 1
}

/// A date computation that the calendar data cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The rulebook has no holiday data for the year: counting would silently ignore holidays.
    #[error(
        "the rulebook has no holiday arrangement (节假日安排) for {0}; add a [[calendar]] entry for {0} from the State Council's notice"
    )]
    YearNotCovered(i32),
    /// The date is beyond what `time::Date` can represent.
    #[error("date out of range")]
    OutOfRange,
}

impl CalendarError {
    /// The same, in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            CalendarError::YearNotCovered(year) => format!(
                "规则库未载入{year}年的节假日安排（国务院办公厅关于{year}年部分节假日安排的通知），无法计算工作日；请在规则库中补充该年的[[calendar]]"
            ),
            CalendarError::OutOfRange => "日期超出可计算的范围".to_owned(),
        }
    }
}

/// A handling limit that cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// No layer gives the procedure a handling limit (行政检查 nationally).
    #[error("the rulebook sets no handling limit for {} ({})", .0.label_zh(), .0.code())]
    NotSet(Procedure),
    /// A longer extension than the rulebook allows.
    #[error(
        "{} ({}): an extension of {asked} days is longer than the {allowed} the rulebook allows{}",
        .procedure.label_zh(), .procedure.code(), set_by(.rule.as_ref())
    )]
    Extension { procedure: Procedure, asked: u32, allowed: u32, rule: Option<Origin> },
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

fn set_by(rule: Option<&Origin>) -> String {
    rule.map_or_else(|| " (no layer allows an extension)".to_owned(), |o| format!(" ({o})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_one() {
        let text = "a\nb\nc";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2);
        assert_eq!(line_of(text, 4), 3);
        assert_eq!(line_of(text, 99), 3);
    }
}
