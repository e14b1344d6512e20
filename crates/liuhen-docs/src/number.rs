//! 文号 patterns: how a document number is written, e.g. `{机关简称}罚〔{年}〕{序号}号`.
//!
//! Allocation (unique and gapless per agency, document type and year) happens in the database; this
//! module only parses patterns at load time and renders an allocated sequence number.

use std::fmt;

use serde::{Serialize, Serializer};

/// Why a 文号 pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberPatternError {
    #[error("文号格式「{pattern}」含未知占位符「{{{name}}}」（可用：机关简称、类型、年、序号、序号:N）")]
    UnknownPlaceholder { pattern: String, name: String },
    #[error("文号格式「{pattern}」的「{{」没有配对的「}}」")]
    Unclosed { pattern: String },
    #[error("文号格式「{pattern}」含多余的「}}」")]
    StrayClose { pattern: String },
    #[error("文号格式「{pattern}」须恰好含一个「{{序号}}」")]
    SequenceCount { pattern: String },
    #[error("文号格式「{pattern}」须含「{{年}}」（文号按年度连续编号）")]
    MissingYear { pattern: String },
    #[error("文号格式「{pattern}」中序号位数「{width}」无效（应为 1–9）")]
    BadWidth { pattern: String, width: String },
    #[error("文号格式为空")]
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// 机关简称 — the agency's short name, e.g. 临市监.
    ShortName,
    /// 类型 — the document type code of the format, e.g. 罚.
    DocType,
    /// 年 — the four-digit year.
    Year,
    /// 序号 — the sequence number, optionally zero-padded.
    Seq {
        width: Option<u8>,
    },
}

/// A parsed 文号 pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberPattern {
    source: String,
    segments: Vec<Segment>,
}

/// What a 文号 is rendered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberParts<'a> {
    /// 机关简称, e.g. 临市监.
    pub short_name: &'a str,
    /// 文书类型 code, e.g. 罚.
    pub doc_type: &'a str,
    pub year: u16,
    /// The allocated sequence number (1-based, gapless).
    pub seq: u64,
}

impl NumberPattern {
    /// Parses and checks a pattern: known placeholders only, exactly one `{序号}`, at least one `{年}`.
    pub fn parse(pattern: &str) -> Result<Self, NumberPatternError> {
        if pattern.trim().is_empty() {
            return Err(NumberPatternError::Empty);
        }
        let owned = || pattern.to_owned();
        let raw = crate::template::split_placeholders(pattern).map_err(|p| match p {
            crate::template::PlaceholderProblem::StrayClose => {
                NumberPatternError::StrayClose { pattern: owned() }
            }
            _ => NumberPatternError::Unclosed { pattern: owned() },
        })?;
        let mut segments = Vec::with_capacity(raw.len());
        for r in raw {
            segments.push(match r {
                crate::template::Raw::Literal(l) => Segment::Literal(l),
                crate::template::Raw::Placeholder(name) => parse_placeholder(pattern, &name)?,
            });
        }
        let seqs = segments.iter().filter(|s| matches!(s, Segment::Seq { .. })).count();
        if seqs != 1 {
            return Err(NumberPatternError::SequenceCount { pattern: owned() });
        }
        if !segments.contains(&Segment::Year) {
            return Err(NumberPatternError::MissingYear { pattern: owned() });
        }
        Ok(Self { source: owned(), segments })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Writes the 文号 for an allocated sequence number.
    pub fn render(&self, parts: &NumberParts<'_>) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::ShortName => out.push_str(parts.short_name),
                Segment::DocType => out.push_str(parts.doc_type),
                Segment::Year => out.push_str(&parts.year.to_string()),
                Segment::Seq { width: None } => out.push_str(&parts.seq.to_string()),
                Segment::Seq { width: Some(w) } => {
                    out.push_str(&format!("{:0width$}", parts.seq, width = usize::from(*w)))
                }
            }
        }
        out
    }
}

fn parse_placeholder(pattern: &str, name: &str) -> Result<Segment, NumberPatternError> {
    match name {
        "机关简称" => Ok(Segment::ShortName),
        "类型" => Ok(Segment::DocType),
        "年" => Ok(Segment::Year),
        "序号" => Ok(Segment::Seq { width: None }),
        _ => match name.strip_prefix("序号:") {
            Some(width) => match width.parse::<u8>() {
                Ok(w @ 1..=9) => Ok(Segment::Seq { width: Some(w) }),
                _ => {
                    Err(NumberPatternError::BadWidth { pattern: pattern.to_owned(), width: width.to_owned() })
                }
            },
            None => Err(NumberPatternError::UnknownPlaceholder {
                pattern: pattern.to_owned(),
                name: name.to_owned(),
            }),
        },
    }
}

impl fmt::Display for NumberPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Serialize for NumberPattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(seq: u64) -> NumberParts<'static> {
        NumberParts { short_name: "临市监", doc_type: "罚", year: 2026, seq }
    }

    #[test]
    fn renders_the_usual_pattern() {
        let p = NumberPattern::parse("{机关简称}罚〔{年}〕{序号}号").unwrap();
        assert_eq!(p.render(&parts(12)), "临市监罚〔2026〕12号");
        let p = NumberPattern::parse("{机关简称}{类型}〔{年}〕{序号:3}号").unwrap();
        assert_eq!(p.render(&parts(7)), "临市监罚〔2026〕007号");
        assert_eq!(p.render(&parts(12345)), "临市监罚〔2026〕12345号");
    }

    #[test]
    fn rejects_bad_patterns() {
        assert!(matches!(
            NumberPattern::parse("{机关}罚〔{年}〕{序号}号"),
            Err(NumberPatternError::UnknownPlaceholder { name, .. }) if name == "机关"
        ));
        assert!(matches!(NumberPattern::parse("罚〔{年}〕{序号"), Err(NumberPatternError::Unclosed { .. })));
        assert!(matches!(
            NumberPattern::parse("罚}〔{年}〕{序号}"),
            Err(NumberPatternError::StrayClose { .. })
        ));
        assert!(matches!(
            NumberPattern::parse("罚〔{年}〕号"),
            Err(NumberPatternError::SequenceCount { .. })
        ));
        assert!(matches!(
            NumberPattern::parse("{序号}{年}{序号}"),
            Err(NumberPatternError::SequenceCount { .. })
        ));
        assert!(matches!(NumberPattern::parse("罚{序号}号"), Err(NumberPatternError::MissingYear { .. })));
        assert!(matches!(NumberPattern::parse("{年}{序号:0}"), Err(NumberPatternError::BadWidth { .. })));
        assert!(matches!(NumberPattern::parse("{年}{序号:x}"), Err(NumberPatternError::BadWidth { .. })));
        assert!(matches!(NumberPattern::parse("  "), Err(NumberPatternError::Empty)));
        let msg = NumberPattern::parse("{机关}罚〔{年}〕{序号}号").unwrap_err().to_string();
        assert!(msg.contains("{机关}"), "{msg}");
    }
}
