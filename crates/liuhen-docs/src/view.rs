//! The render model: a document's layout with every placeholder replaced by display text.
//!
//! Renderers (PDF, HTML preview) take a [`DocumentView`] and never see templates or raw values, so all
//! wording rules live here: dates as 2026年11月27日, times as 09时30分, money as 50000.00 and 大写,
//! empty optional fields struck through as ／.

use serde::Serialize;

use crate::money::{format_yuan, money_daxie};
use crate::schema::{Align, Block, FieldType};
use crate::template::{Piece, Template};
use crate::validate::ValidDocument;
use crate::value::{Date, FieldValue, parse_date_time};

/// Written where an optional field or part was left empty (划线 / 斜杠).
pub const STRUCK: &str = "／";

/// Shown in place of a 文号 that has not been allocated yet (drafts).
pub const NUMBER_PENDING: &str = "〔文号待分配〕";

/// One block of the render model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ViewBlock {
    Title {
        text: String,
        issuer: Option<String>,
    },
    Number {
        text: String,
        align: Align,
    },
    Recipient {
        text: String,
    },
    Heading {
        text: String,
    },
    /// Text may hold line breaks: each line is its own paragraph.
    Paragraph {
        text: String,
        indent: bool,
    },
    Rows {
        rows: Vec<Vec<ViewCell>>,
    },
    Signatures {
        boxes: Vec<ViewSlot>,
    },
    Closing {
        lines: Vec<String>,
        seal: Option<ViewSlot>,
    },
    Note {
        text: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewCell {
    pub label: String,
    pub value: String,
}

/// A signature or seal box: its label, and what is printed in it (blank lines to sign by hand).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewSlot {
    pub label: String,
    pub seal: bool,
    pub name: String,
    pub date: String,
}

/// A document ready to be laid out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentView {
    pub format: String,
    pub title: String,
    pub number: Option<String>,
    pub blocks: Vec<ViewBlock>,
}

impl DocumentView {
    /// Builds the view; `number` is the allocated 文号 (ignored by formats without one).
    pub fn new(doc: &ValidDocument, number: Option<&str>) -> Self {
        let format = doc.format();
        let number =
            format.numbered.then(|| number.map(str::to_owned).unwrap_or_else(|| NUMBER_PENDING.to_owned()));
        let mut blocks = Vec::new();
        for lb in &format.layout {
            if let Some(when) = &lb.when
                && doc.get(when).is_none()
            {
                continue;
            }
            let fill = |t: &Template| fill(doc, t);
            blocks.push(match &lb.block {
                Block::Title { text, issuer } => ViewBlock::Title {
                    text: text.clone().unwrap_or_else(|| format.name.clone()),
                    issuer: issuer.as_ref().map(fill),
                },
                Block::Number { align } => {
                    ViewBlock::Number { text: number.clone().unwrap_or_default(), align: *align }
                }
                Block::Recipient { text } => ViewBlock::Recipient { text: fill(text) },
                Block::Heading { text } => ViewBlock::Heading { text: fill(text) },
                Block::Paragraph { text, indent } => {
                    ViewBlock::Paragraph { text: fill(text), indent: *indent }
                }
                Block::Rows { rows } => ViewBlock::Rows {
                    rows: rows
                        .iter()
                        .map(|row| {
                            row.iter()
                                .map(|c| ViewCell { label: c.label.clone(), value: fill(&c.value) })
                                .collect()
                        })
                        .collect(),
                },
                Block::Signatures { slots } => {
                    ViewBlock::Signatures { boxes: slots.iter().filter_map(|s| slot_view(doc, s)).collect() }
                }
                Block::Closing { lines, seal } => ViewBlock::Closing {
                    lines: lines.iter().map(fill).collect(),
                    seal: seal.as_deref().and_then(|s| slot_view(doc, s)),
                },
                Block::Note { text } => ViewBlock::Note { text: fill(text) },
            });
        }
        let title = blocks
            .iter()
            .find_map(|b| match b {
                ViewBlock::Title { text, .. } => Some(text.clone()),
                _ => None,
            })
            .unwrap_or_else(|| format.name.clone());
        Self { format: format.code.clone(), title, number, blocks }
    }
}

fn slot_view(doc: &ValidDocument, key: &str) -> Option<ViewSlot> {
    let field = doc.format().field(key)?;
    let value = match doc.get(key) {
        Some(FieldValue::Slot(s)) => s.clone(),
        _ => Default::default(),
    };
    Some(ViewSlot {
        label: field.label.clone(),
        seal: field.ty == FieldType::Seal,
        name: value.name.unwrap_or_default(),
        date: value
            .date
            .as_deref()
            .and_then(Date::parse)
            .map(|d| d.chinese())
            .unwrap_or_else(|| "年    月    日".to_owned()),
    })
}

fn fill(doc: &ValidDocument, template: &Template) -> String {
    let mut out = String::new();
    for piece in template.pieces() {
        match piece {
            Piece::Literal(s) => out.push_str(s),
            Piece::Field { key, part } => {
                let text = doc.get(key).and_then(|v| display(v, part.as_deref()));
                out.push_str(text.as_deref().filter(|t| !t.is_empty()).unwrap_or(STRUCK));
            }
        }
    }
    out
}

fn date_time_chinese(s: &str) -> String {
    match parse_date_time(s) {
        Some((d, t)) => format!("{}{}", d.chinese(), t.chinese()),
        None => s.to_owned(),
    }
}

/// The display text of a value or of one of its parts; `None` when that part is empty.
pub fn display(value: &FieldValue, part: Option<&str>) -> Option<String> {
    let some = |s: &str| Some(s.to_owned());
    match (value, part) {
        (FieldValue::Text(s) | FieldValue::Enum(s), _) => some(s),
        (FieldValue::Date(d), Some("iso")) => Some(d.to_string()),
        (FieldValue::Date(d), _) => Some(d.chinese()),
        (FieldValue::Time(t), Some("iso")) => Some(t.to_string()),
        (FieldValue::Time(t), _) => Some(t.chinese()),
        (FieldValue::Money(fen), Some("daxie")) => Some(money_daxie(*fen)),
        (FieldValue::Money(fen), _) => Some(format_yuan(*fen)),
        (FieldValue::Party(p), part) => match part {
            None | Some("name") => some(p.name()),
            Some("kind") => some(p.kind_label()),
            Some("id_kind") => some(p.id_label()),
            Some("id_number") => some(p.id_number()),
            Some("address") => p.address().map(str::to_owned),
            Some("phone") => p.phone().map(str::to_owned),
            Some("legal_representative") => p.legal_representative().map(str::to_owned),
            Some("summary") => Some(p.summary()),
            Some(_) => None,
        },
        (FieldValue::Officers(list), part) => match part {
            Some("certs") => Some(
                list.iter()
                    .map(|o| format!("{}（执法证号：{}）", o.name, o.cert_no))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            Some("count") => Some(list.len().to_string()),
            _ => Some(list.iter().map(|o| o.name.as_str()).collect::<Vec<_>>().join("、")),
        },
        (FieldValue::Act(a), part) => match part {
            Some("kind") => some(&a.kind),
            Some("start") => Some(date_time_chinese(&a.start)),
            Some("end") => Some(date_time_chinese(&a.end)),
            Some("place") => some(&a.place),
            Some("id") => a.id.clone(),
            _ => Some(format!(
                "{}（{}至{}，{}）",
                a.kind,
                date_time_chinese(&a.start),
                date_time_chinese(&a.end),
                a.place
            )),
        },
        (FieldValue::Slot(s), Some("date")) => s.date.as_deref().and_then(Date::parse).map(|d| d.chinese()),
        (FieldValue::Slot(s), _) => s.name.clone(),
    }
}
