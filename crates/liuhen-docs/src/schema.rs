//! The effective (resolved) shape of a format: typed fields, layout blocks and where each came from.

use std::fmt;

use serde::Serialize;

use crate::number::{NumberParts, NumberPattern};
use crate::template::Template;

/// 格式层级 — who set a format: the Ministry of Justice's base formats, a State Council department's
/// derived formats, or a local government's refinements. Layers load in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// 基础格式 (司法部).
    Base,
    /// 部门格式 (国务院部门).
    Department,
    /// 地方细化 (地方人民政府).
    Local,
}

impl LayerKind {
    pub fn label(self) -> &'static str {
        match self {
            LayerKind::Base => "基础格式",
            LayerKind::Department => "部门格式",
            LayerKind::Local => "地方细化",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "base" => Some(LayerKind::Base),
            "department" => Some(LayerKind::Department),
            "local" => Some(LayerKind::Local),
            _ => None,
        }
    }
}

impl fmt::Display for LayerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One loaded layer: its kind, its name (e.g. 国家市场监督管理总局) and the source it was read from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct LayerRef {
    pub kind: LayerKind,
    pub name: String,
    pub source: String,
}

impl fmt::Display for LayerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}「{}」（{}）", self.kind, self.name, self.source)
    }
}

/// 字段类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// 文本 — one line.
    Text,
    /// 长文本 — several lines; standard wording can be inserted.
    LongText,
    /// 日期 — YYYY-MM-DD.
    Date,
    /// 时间 — HH:MM.
    Time,
    /// 金额 — Arabic numerals, at most two decimals; 大写 where the field asks.
    Money,
    /// 选项 — one of a fixed list.
    Enum,
    /// 当事人 — a natural person or an organisation.
    Party,
    /// 执法人员 — names and 执法证号.
    Officers,
    /// 执法行为 — a reference to a recorded enforcement act.
    Act,
    /// 签名 — a signature box.
    Signature,
    /// 印章 — a seal box (机关印章 with date).
    Seal,
}

impl FieldType {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "text" => FieldType::Text,
            "long_text" => FieldType::LongText,
            "date" => FieldType::Date,
            "time" => FieldType::Time,
            "money" => FieldType::Money,
            "enum" => FieldType::Enum,
            "party" => FieldType::Party,
            "officers" => FieldType::Officers,
            "act" => FieldType::Act,
            "signature" => FieldType::Signature,
            "seal" => FieldType::Seal,
            _ => return None,
        })
    }

    /// The Chinese name used in messages.
    pub fn label(self) -> &'static str {
        match self {
            FieldType::Text => "文本",
            FieldType::LongText => "长文本",
            FieldType::Date => "日期",
            FieldType::Time => "时间",
            FieldType::Money => "金额",
            FieldType::Enum => "选项",
            FieldType::Party => "当事人",
            FieldType::Officers => "执法人员",
            FieldType::Act => "执法行为",
            FieldType::Signature => "签名",
            FieldType::Seal => "印章",
        }
    }

    /// Signature and seal boxes are slots: filled by hand or by an electronic seal later.
    pub fn is_slot(self) -> bool {
        matches!(self, FieldType::Signature | FieldType::Seal)
    }

    pub(crate) fn default_max_len(self) -> usize {
        match self {
            FieldType::LongText => 50_000,
            _ => 200,
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where a prefilled value comes from in the case (see [`crate::CaseFacts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PrefillKey {
    AgencyName,
    AgencyShortName,
    CaseNumber,
    CaseTitle,
    Party,
    PartyName,
    PartyIdNumber,
    PartyAddress,
    PartyPhone,
    PartyLegalRepresentative,
    Officers,
    OfficerNames,
    Act,
    ActKind,
    ActPlace,
    ActStart,
    ActEnd,
    ActDate,
    ActStartTime,
    ActEndTime,
    Amount,
    ExtensionDays,
    ExtensionOriginalEnd,
    ExtensionNewStart,
    ExtensionNewEnd,
    ExtensionReason,
}

impl PrefillKey {
    const ALL: [(&'static str, PrefillKey); 26] = [
        ("agency.name", PrefillKey::AgencyName),
        ("agency.short_name", PrefillKey::AgencyShortName),
        ("case.number", PrefillKey::CaseNumber),
        ("case.title", PrefillKey::CaseTitle),
        ("party", PrefillKey::Party),
        ("party.name", PrefillKey::PartyName),
        ("party.id_number", PrefillKey::PartyIdNumber),
        ("party.address", PrefillKey::PartyAddress),
        ("party.phone", PrefillKey::PartyPhone),
        ("party.legal_representative", PrefillKey::PartyLegalRepresentative),
        ("officers", PrefillKey::Officers),
        ("officers.names", PrefillKey::OfficerNames),
        ("act", PrefillKey::Act),
        ("act.kind", PrefillKey::ActKind),
        ("act.place", PrefillKey::ActPlace),
        ("act.start", PrefillKey::ActStart),
        ("act.end", PrefillKey::ActEnd),
        ("act.date", PrefillKey::ActDate),
        ("act.start_time", PrefillKey::ActStartTime),
        ("act.end_time", PrefillKey::ActEndTime),
        ("amount", PrefillKey::Amount),
        ("extension.days", PrefillKey::ExtensionDays),
        ("extension.original_end", PrefillKey::ExtensionOriginalEnd),
        ("extension.new_start", PrefillKey::ExtensionNewStart),
        ("extension.new_end", PrefillKey::ExtensionNewEnd),
        ("extension.reason", PrefillKey::ExtensionReason),
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(name, _)| *name == s).map(|(_, k)| *k)
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL.iter().find(|(_, k)| *k == self).map(|(name, _)| *name).unwrap_or("")
    }

    /// All accepted prefill keys, for messages.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|(n, _)| *n).collect()
    }

    /// Whether a value from this source fits a field of type `ty`.
    pub fn fits(self, ty: FieldType) -> bool {
        use PrefillKey as P;
        match self {
            P::Party => ty == FieldType::Party,
            P::Officers => ty == FieldType::Officers,
            P::Act => ty == FieldType::Act,
            P::Amount => ty == FieldType::Money,
            P::ActDate | P::ExtensionOriginalEnd | P::ExtensionNewStart | P::ExtensionNewEnd => {
                ty == FieldType::Date
            }
            // An enum of day counts ("1" … "30") or a text.
            P::ExtensionDays => matches!(ty, FieldType::Enum | FieldType::Text),
            P::ActStartTime | P::ActEndTime => ty == FieldType::Time,
            _ => matches!(ty, FieldType::Text | FieldType::LongText),
        }
    }
}

/// One field of a format.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FieldDef {
    /// ASCII key, e.g. `fine_amount`.
    pub key: String,
    /// Chinese label, e.g. 罚款金额.
    pub label: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    pub mandatory: bool,
    /// Options of an enum field, in display order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// A money field that must also show the amount in 大写.
    pub daxie: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefill: Option<PrefillKey>,
    /// Maximum length in characters (text fields).
    pub max_len: usize,
    /// Minimum number of officers (officer lists).
    pub min_items: usize,
    /// For act references: prefill from the first act of this kind (e.g. 询问).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub act_kind: Option<String>,
    /// The layer that last set this field.
    pub layer: LayerRef,
}

/// Horizontal alignment of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    Left,
    Center,
    Right,
}

/// One labelled cell of a field row (笔录-style forms).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub label: String,
    pub value: Template,
}

/// A layout block, in reading order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "block", rename_all = "snake_case")]
pub enum Block {
    /// The title, centred and large; the format's name unless `text` is given. `issuer` (e.g.
    /// `{agency_name}`) is printed on its own line above it.
    Title { text: Option<String>, issuer: Option<Template> },
    /// The 文号 line.
    Number { align: Align },
    /// 主送 — the recipient line, e.g. `{party.name}：`.
    Recipient { text: Template },
    /// A short bold heading inside the body.
    Heading { text: Template },
    /// A body paragraph with fixed wording and `{field}` placeholders; first line indented.
    Paragraph { text: Template, indent: bool },
    /// Field rows: each row holds one or two labelled cells.
    Rows { rows: Vec<Vec<Cell>> },
    /// Signature and seal boxes, side by side (field keys of slot fields).
    Signatures { slots: Vec<String> },
    /// 落款 — right-aligned agency name and date, with the seal slot over them.
    Closing { lines: Vec<Template>, seal: Option<String> },
    /// Small print at the end (e.g. 本文书一式两份…).
    Note { text: Template },
}

impl Block {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Block::Title { .. } => "title",
            Block::Number { .. } => "number",
            Block::Recipient { .. } => "recipient",
            Block::Heading { .. } => "heading",
            Block::Paragraph { .. } => "paragraph",
            Block::Rows { .. } => "rows",
            Block::Signatures { .. } => "signatures",
            Block::Closing { .. } => "closing",
            Block::Note { .. } => "note",
        }
    }

    /// Every template in this block.
    pub(crate) fn templates(&self) -> Vec<&Template> {
        match self {
            Block::Title { issuer, .. } => issuer.iter().collect(),
            Block::Number { .. } | Block::Signatures { .. } => Vec::new(),
            Block::Recipient { text } | Block::Heading { text } | Block::Note { text } => vec![text],
            Block::Paragraph { text, .. } => vec![text],
            Block::Rows { rows } => rows.iter().flatten().map(|c| &c.value).collect(),
            Block::Closing { lines, .. } => lines.iter().collect(),
        }
    }

    /// Slot fields this block shows.
    pub(crate) fn slots(&self) -> Vec<&str> {
        match self {
            Block::Signatures { slots } => slots.iter().map(String::as_str).collect(),
            Block::Closing { seal: Some(s), .. } => vec![s.as_str()],
            _ => Vec::new(),
        }
    }
}

/// A block with its optional id (anchor for derived formats' insertions) and condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutBlock {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Show this block only when this field has a value (e.g. the fine paragraph).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    #[serde(flatten)]
    pub block: Block,
}

/// An effective format: what a base format became after every loaded layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Format {
    /// ASCII code, e.g. `penalty_decision`.
    pub code: String,
    /// 文书名称, e.g. 行政处罚决定书.
    pub name: String,
    /// The code of the format this one was derived from, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// Whether the document carries a 文号.
    pub numbered: bool,
    /// 文书类型 code used in the 文号, e.g. 罚.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_pattern: Option<NumberPattern>,
    pub fields: Vec<FieldDef>,
    pub layout: Vec<LayoutBlock>,
    /// The layer that set this effective format.
    pub layer: LayerRef,
    /// The layer whose layout is in force.
    pub layout_layer: LayerRef,
    /// Codes and layers from the base format down to this one.
    pub lineage: Vec<(String, LayerRef)>,
}

impl Format {
    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Whether this format is `code` or derives from it.
    pub fn derives_from(&self, code: &str) -> bool {
        self.code == code || self.lineage.iter().any(|(c, _)| c == code)
    }

    /// Writes the 文号 for an allocated sequence number; `None` for formats without 文号.
    pub fn render_number(&self, short_name: &str, year: u16, seq: u64) -> Option<String> {
        let pattern = self.number_pattern.as_ref()?;
        let doc_type = self.doc_type.as_deref().unwrap_or("");
        Some(pattern.render(&NumberParts { short_name, doc_type, year, seq }))
    }
}
