//! Fixed legal wording with `{field}` and `{field.part}` placeholders.

use serde::{Serialize, Serializer};

use crate::schema::{FieldDef, FieldType};

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Literal(String),
    Field { key: String, part: Option<String> },
}

/// Text with placeholders, parsed once at load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

/// A piece of `{placeholder}` text, before its placeholders mean anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Raw {
    Literal(String),
    Placeholder(String),
}

/// Splits text into literals and `{placeholder}` names (shared by layout
/// templates and 文号 patterns). Empty literals are left out.
pub(crate) fn split_placeholders(text: &str) -> Result<Vec<Raw>, PlaceholderProblem> {
    let mut out = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                let mut name = String::new();
                let mut closed = false;
                for n in chars.by_ref() {
                    if n == '}' {
                        closed = true;
                        break;
                    }
                    name.push(n);
                }
                if !closed {
                    return Err(PlaceholderProblem::Unclosed);
                }
                if !literal.is_empty() {
                    out.push(Raw::Literal(std::mem::take(&mut literal)));
                }
                out.push(Raw::Placeholder(name));
            }
            '}' => return Err(PlaceholderProblem::StrayClose),
            other => literal.push(other),
        }
    }
    if !literal.is_empty() {
        out.push(Raw::Literal(literal));
    }
    Ok(out)
}

/// Why a placeholder was rejected (the loader adds the format and the layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PlaceholderProblem {
    Unclosed,
    StrayClose,
    Empty,
}

impl Template {
    pub(crate) fn parse(text: &str) -> Result<Self, PlaceholderProblem> {
        let mut pieces = Vec::new();
        for raw in split_placeholders(text)? {
            pieces.push(match raw {
                Raw::Literal(l) => Piece::Literal(l),
                Raw::Placeholder(name) => {
                    let name = name.trim();
                    if name.is_empty() {
                        return Err(PlaceholderProblem::Empty);
                    }
                    let (key, part) = match name.split_once('.') {
                        Some((k, p)) => (k.to_owned(), Some(p.to_owned())),
                        None => (name.to_owned(), None),
                    };
                    Piece::Field { key, part }
                }
            });
        }
        Ok(Self { source: text.to_owned(), pieces })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// `(key, part)` of every placeholder.
    pub fn fields(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Field { key, part } => Some((key.as_str(), part.as_deref())),
            Piece::Literal(_) => None,
        })
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

/// The parts a placeholder may name for a field of this type (`None` = the whole value).
pub fn parts_of(ty: FieldType) -> &'static [&'static str] {
    match ty {
        FieldType::Text | FieldType::LongText | FieldType::Enum => &[],
        FieldType::Date | FieldType::Time => &["iso"],
        FieldType::Money => &["daxie"],
        FieldType::Party => {
            &["name", "kind", "id_kind", "id_number", "address", "phone", "legal_representative", "summary"]
        }
        FieldType::Officers => &["names", "certs", "count"],
        FieldType::Act => &["kind", "start", "end", "place", "id"],
        FieldType::Signature | FieldType::Seal => &["name", "date"],
    }
}

/// Checks a part against a field; `Err` holds the reason in Chinese.
pub(crate) fn check_part(field: &FieldDef, part: Option<&str>) -> Result<(), String> {
    let Some(part) = part else { return Ok(()) };
    let allowed = parts_of(field.ty);
    if !allowed.contains(&part) {
        return Err(if allowed.is_empty() {
            format!("{}字段没有子项", field.ty)
        } else {
            format!("{}字段的子项只能是 {}", field.ty, allowed.join("、"))
        });
    }
    if part == "daxie" && !field.daxie {
        return Err("该金额字段未要求大写（daxie = true）".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_placeholders() {
        let t = Template::parse("罚款人民币{fine}元（大写：{fine.daxie}）。").unwrap();
        let fields: Vec<_> = t.fields().collect();
        assert_eq!(fields, vec![("fine", None), ("fine", Some("daxie"))]);
        assert_eq!(t.as_str(), "罚款人民币{fine}元（大写：{fine.daxie}）。");
        assert_eq!(Template::parse("a {b"), Err(PlaceholderProblem::Unclosed));
        assert_eq!(Template::parse("a } b"), Err(PlaceholderProblem::StrayClose));
        assert_eq!(Template::parse("a {} b"), Err(PlaceholderProblem::Empty));
    }
}
