//! Loading format layers: base formats, then department formats, then local refinements.
//!
//! A layer file is TOML: a `[layer]` header (`kind` = base | department | local, `name`) and one or
//! more `[[format]]` tables. A format with `base = "code"` derives from an already loaded format: it
//! inherits the fields (overriding same-key fields, adding new ones, dropping only non-mandatory ones
//! through `remove_fields`), inherits the layout unless it gives its own, and may insert blocks into
//! the inherited layout with `[[format.layout_insert]]` (`before`/`after` a block `id`). Every mandatory
//! field of the base must survive with the same type, still mandatory, and still shown in the layout.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::error::FormatError;
use crate::number::NumberPattern;
use crate::schema::{
    Align, Block, Cell, FieldDef, FieldType, Format, LayerKind, LayerRef, LayoutBlock, PrefillKey,
};
use crate::template::{PlaceholderProblem, Template, check_part};

/// Load errors are boxed: they are rare and their variants carry several names each.
type LoadResult<T> = Result<T, Box<FormatError>>;

fn fail<T>(error: FormatError) -> LoadResult<T> {
    Err(Box::new(error))
}

/// The 文号 pattern used when a numbered format gives none.
pub const DEFAULT_NUMBER_PATTERN: &str = "{机关简称}{类型}〔{年}〕{序号}号";

/// The twenty base formats (source name, TOML text), embedded at build time, in the order a case
/// meets them.
pub const BASE_FORMATS: [(&str, &str); 20] = [
    ("formats/case_filing_approval.toml", include_str!("../formats/case_filing_approval.toml")),
    ("formats/onsite_inspection_record.toml", include_str!("../formats/onsite_inspection_record.toml")),
    ("formats/inquiry_record.toml", include_str!("../formats/inquiry_record.toml")),
    ("formats/sampling_voucher.toml", include_str!("../formats/sampling_voucher.toml")),
    (
        "formats/evidence_preservation_notice.toml",
        include_str!("../formats/evidence_preservation_notice.toml"),
    ),
    ("formats/seizure_decision.toml", include_str!("../formats/seizure_decision.toml")),
    ("formats/coercion_onsite_record.toml", include_str!("../formats/coercion_onsite_record.toml")),
    ("formats/seizure_list.toml", include_str!("../formats/seizure_list.toml")),
    ("formats/seizure_extension_decision.toml", include_str!("../formats/seizure_extension_decision.toml")),
    ("formats/seizure_release_decision.toml", include_str!("../formats/seizure_release_decision.toml")),
    ("formats/penalty_prior_notice.toml", include_str!("../formats/penalty_prior_notice.toml")),
    ("formats/hearing_notice.toml", include_str!("../formats/hearing_notice.toml")),
    ("formats/hearing_record.toml", include_str!("../formats/hearing_record.toml")),
    ("formats/penalty_decision.toml", include_str!("../formats/penalty_decision.toml")),
    ("formats/no_penalty_decision.toml", include_str!("../formats/no_penalty_decision.toml")),
    ("formats/enforcement_demand_notice.toml", include_str!("../formats/enforcement_demand_notice.toml")),
    ("formats/demolition_decision.toml", include_str!("../formats/demolition_decision.toml")),
    ("formats/service_receipt.toml", include_str!("../formats/service_receipt.toml")),
    ("formats/service_notice.toml", include_str!("../formats/service_notice.toml")),
    ("formats/case_closing_approval.toml", include_str!("../formats/case_closing_approval.toml")),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    layer: RawLayer,
    #[serde(default)]
    format: Vec<RawFormat>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayer {
    kind: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFormat {
    code: String,
    name: Option<String>,
    base: Option<String>,
    numbered: Option<bool>,
    doc_type: Option<String>,
    number_pattern: Option<String>,
    #[serde(default)]
    remove_fields: Vec<String>,
    #[serde(default)]
    fields: Vec<RawField>,
    #[serde(default)]
    layout: Vec<RawBlock>,
    #[serde(default)]
    layout_insert: Vec<RawBlock>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    key: String,
    label: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    mandatory: bool,
    #[serde(default)]
    options: Vec<String>,
    #[serde(default)]
    daxie: bool,
    prefill: Option<String>,
    max_len: Option<usize>,
    min_items: Option<usize>,
    act_kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBlock {
    block: String,
    id: Option<String>,
    when: Option<String>,
    text: Option<String>,
    issuer: Option<String>,
    align: Option<String>,
    indent: Option<bool>,
    rows: Option<Vec<Vec<String>>>,
    slots: Option<Vec<String>>,
    lines: Option<Vec<String>>,
    seal: Option<String>,
    before: Option<String>,
    after: Option<String>,
}

/// The formats in force after every loaded layer, keyed by code.
#[derive(Debug, Clone, Default)]
pub struct FormatSet {
    formats: BTreeMap<String, Format>,
    layers: Vec<LayerRef>,
}

impl FormatSet {
    /// A set with no formats; load a base layer first.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The built-in base formats (司法部 基础格式).
    pub fn with_base() -> LoadResult<Self> {
        let mut set = Self::empty();
        for (source, text) in BASE_FORMATS {
            set.load_layer(source, text)?;
        }
        Ok(set)
    }

    /// Loads one layer from TOML text. On error nothing of the layer is kept.
    pub fn load_layer(&mut self, source: &str, text: &str) -> LoadResult<()> {
        let origin = source.to_owned();
        let raw: RawFile = toml::from_str(text)
            .map_err(|e| FormatError::Toml { origin: origin.clone(), message: e.to_string() })?;
        let kind = LayerKind::parse(&raw.layer.kind).ok_or_else(|| FormatError::UnknownLayerKind {
            origin: origin.clone(),
            kind: raw.layer.kind.clone(),
        })?;
        if let Some(last) = self.layers.last()
            && last.kind > kind
        {
            return fail(FormatError::LayerOrder {
                origin,
                kind: kind.label().to_owned(),
                after: last.kind.label().to_owned(),
            });
        }
        if raw.format.is_empty() {
            return fail(FormatError::EmptyLayer { origin, layer: raw.layer.name });
        }
        let layer = LayerRef { kind, name: raw.layer.name, source: origin.clone() };
        let mut working = self.formats.clone();
        let mut seen = BTreeSet::new();
        for rf in raw.format {
            if !is_key(&rf.code) {
                return fail(FormatError::BadCode { origin, code: rf.code });
            }
            if !seen.insert(rf.code.clone()) {
                return fail(FormatError::DuplicateFormat { origin, code: rf.code });
            }
            let format = match rf.base.clone() {
                Some(_) if kind == LayerKind::Base => {
                    return fail(FormatError::BaseWithBase { origin, format: rf.code });
                }
                Some(base_code) => {
                    let base = working.get(&base_code).ok_or_else(|| FormatError::UnknownBase {
                        origin: origin.clone(),
                        format: rf.code.clone(),
                        base: base_code.clone(),
                    })?;
                    derive(&layer, base, rf)?
                }
                None => {
                    if working.contains_key(&rf.code) {
                        return fail(FormatError::Redefined { origin, code: rf.code });
                    }
                    new_format(&layer, rf)?
                }
            };
            check_format(&format)?;
            working.insert(format.code.clone(), format);
        }
        self.formats = working;
        self.layers.push(layer);
        Ok(())
    }

    pub fn get(&self, code: &str) -> Option<&Format> {
        self.formats.get(code)
    }

    /// All effective formats, by code.
    pub fn formats(&self) -> impl Iterator<Item = &Format> {
        self.formats.values()
    }

    /// The loaded layers, in load order.
    pub fn layers(&self) -> &[LayerRef] {
        &self.layers
    }
}

fn is_key(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && s.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn new_format(layer: &LayerRef, rf: RawFormat) -> LoadResult<Format> {
    let origin = &layer.source;
    let missing =
        |what| FormatError::MissingAttribute { origin: origin.clone(), format: rf.code.clone(), what };
    let name = rf.name.clone().ok_or_else(|| missing("名称（name）"))?;
    if rf.fields.is_empty() {
        return fail(missing("字段（fields）"));
    }
    if rf.layout.is_empty() {
        return fail(missing("版式（layout）"));
    }
    if let Some(key) = rf.remove_fields.first() {
        return fail(FormatError::RemoveUnknownField {
            origin: origin.clone(),
            format: rf.code.clone(),
            base: rf.code.clone(),
            key: key.clone(),
        });
    }
    let fields = convert_fields(layer, &rf.code, &rf.fields)?;
    let mut layout = convert_layout(origin, &rf.code, &rf.layout)?;
    apply_inserts(origin, &rf.code, &mut layout, &rf.layout_insert)?;
    let numbered = rf.numbered.unwrap_or(false);
    let (doc_type, number_pattern) =
        numbering(origin, &rf.code, numbered, rf.doc_type, rf.number_pattern, None)?;
    Ok(Format {
        code: rf.code.clone(),
        name,
        base: None,
        numbered,
        doc_type,
        number_pattern,
        fields,
        layout,
        layer: layer.clone(),
        layout_layer: layer.clone(),
        lineage: vec![(rf.code, layer.clone())],
    })
}

fn derive(layer: &LayerRef, base: &Format, rf: RawFormat) -> LoadResult<Format> {
    let origin = &layer.source;
    let dropped = |f: &FieldDef, how| FormatError::MandatoryFieldDropped {
        origin: origin.clone(),
        layer: layer.kind.label().to_owned(),
        format: rf.code.clone(),
        base: base.code.clone(),
        label: f.label.clone(),
        key: f.key.clone(),
        how,
    };
    let mut fields = base.fields.clone();
    for key in &rf.remove_fields {
        let Some(pos) = fields.iter().position(|f| &f.key == key) else {
            return fail(FormatError::RemoveUnknownField {
                origin: origin.clone(),
                format: rf.code.clone(),
                base: base.code.clone(),
                key: key.clone(),
            });
        };
        if let Some(f) = fields.get(pos)
            && f.mandatory
        {
            return fail(dropped(f, "remove_fields 删除了它"));
        }
        fields.remove(pos);
    }
    for new in convert_fields(layer, &rf.code, &rf.fields)? {
        match fields.iter_mut().find(|f| f.key == new.key) {
            Some(old) => {
                if old.mandatory {
                    let change = if old.ty != new.ty {
                        Some(format!("类型由「{}」改为「{}」", old.ty, new.ty))
                    } else if !new.mandatory {
                        Some("改为非必填".to_owned())
                    } else {
                        None
                    };
                    if let Some(change) = change {
                        return fail(FormatError::MandatoryFieldChanged {
                            origin: origin.clone(),
                            layer: layer.kind.label().to_owned(),
                            format: rf.code.clone(),
                            base: base.code.clone(),
                            label: old.label.clone(),
                            key: old.key.clone(),
                            change,
                        });
                    }
                }
                *old = new;
            }
            None => fields.push(new),
        }
    }
    let (mut layout, layout_layer) = if rf.layout.is_empty() {
        (base.layout.clone(), base.layout_layer.clone())
    } else {
        (convert_layout(origin, &rf.code, &rf.layout)?, layer.clone())
    };
    let inserted = !rf.layout_insert.is_empty();
    apply_inserts(origin, &rf.code, &mut layout, &rf.layout_insert)?;
    let layout_layer = if inserted { layer.clone() } else { layout_layer };

    // A mandatory base field that the new layout no longer shows is dropped in effect.
    let shown = shown_fields(&layout);
    for f in base.fields.iter().filter(|f| f.mandatory) {
        if !shown.contains(f.key.as_str()) {
            return fail(dropped(f, "版式中不再出现"));
        }
    }

    let numbered = rf.numbered.unwrap_or(base.numbered);
    if base.numbered && !numbered {
        return fail(FormatError::NumberDropped {
            origin: origin.clone(),
            layer: layer.kind.label().to_owned(),
            format: rf.code.clone(),
            base: base.code.clone(),
        });
    }
    let (doc_type, number_pattern) = numbering(
        origin,
        &rf.code,
        numbered,
        rf.doc_type.or_else(|| base.doc_type.clone()),
        rf.number_pattern,
        base.number_pattern.clone(),
    )?;
    let mut lineage = base.lineage.clone();
    lineage.push((rf.code.clone(), layer.clone()));
    Ok(Format {
        code: rf.code,
        name: rf.name.unwrap_or_else(|| base.name.clone()),
        base: Some(base.code.clone()),
        numbered,
        doc_type,
        number_pattern,
        fields,
        layout,
        layer: layer.clone(),
        layout_layer,
        lineage,
    })
}

type Numbering = (Option<String>, Option<NumberPattern>);

fn numbering(
    origin: &str,
    code: &str,
    numbered: bool,
    doc_type: Option<String>,
    pattern: Option<String>,
    inherited: Option<NumberPattern>,
) -> LoadResult<Numbering> {
    if !numbered {
        return Ok((doc_type, None));
    }
    let doc_type = match doc_type {
        Some(t) if !t.trim().is_empty() => t,
        _ => return fail(FormatError::MissingDocType { origin: origin.to_owned(), format: code.to_owned() }),
    };
    let pattern = match (pattern, inherited) {
        (Some(p), _) => NumberPattern::parse(&p),
        (None, Some(p)) => Ok(p),
        (None, None) => NumberPattern::parse(DEFAULT_NUMBER_PATTERN),
    }
    .map_err(|error| FormatError::NumberPattern {
        origin: origin.to_owned(),
        format: code.to_owned(),
        error,
    })?;
    Ok((Some(doc_type), Some(pattern)))
}

fn convert_fields(layer: &LayerRef, code: &str, raw: &[RawField]) -> LoadResult<Vec<FieldDef>> {
    let origin = &layer.source;
    let mut out: Vec<FieldDef> = Vec::new();
    for rf in raw {
        let attr = |reason: &str| FormatError::FieldAttribute {
            origin: origin.clone(),
            format: code.to_owned(),
            label: rf.label.clone(),
            key: rf.key.clone(),
            reason: reason.to_owned(),
        };
        if !is_key(&rf.key) {
            return fail(FormatError::BadFieldKey {
                origin: origin.clone(),
                format: code.to_owned(),
                key: rf.key.clone(),
            });
        }
        if out.iter().any(|f| f.key == rf.key) {
            return fail(FormatError::DuplicateField {
                origin: origin.clone(),
                format: code.to_owned(),
                key: rf.key.clone(),
            });
        }
        if rf.label.trim().is_empty() {
            return fail(attr("标签（label）为空"));
        }
        let ty = FieldType::parse(&rf.ty).ok_or_else(|| FormatError::UnknownFieldType {
            origin: origin.clone(),
            format: code.to_owned(),
            label: rf.label.clone(),
            key: rf.key.clone(),
            ty: rf.ty.clone(),
        })?;
        if ty == FieldType::Enum {
            if rf.options.is_empty() {
                return fail(attr("选项字段须列出 options"));
            }
            let distinct: BTreeSet<_> = rf.options.iter().collect();
            if distinct.len() != rf.options.len() || rf.options.iter().any(|o| o.trim().is_empty()) {
                return fail(attr("options 中有重复或空的选项"));
            }
        } else if !rf.options.is_empty() {
            return fail(attr("只有选项（enum）字段可以有 options"));
        }
        if rf.daxie && ty != FieldType::Money {
            return fail(attr("只有金额（money）字段可以要求大写（daxie）"));
        }
        if rf.max_len.is_some() && !matches!(ty, FieldType::Text | FieldType::LongText) {
            return fail(attr("只有文本字段可以设 max_len"));
        }
        if rf.max_len == Some(0) {
            return fail(attr("max_len 须大于 0"));
        }
        if rf.min_items.is_some() && ty != FieldType::Officers {
            return fail(attr("只有执法人员（officers）字段可以设 min_items"));
        }
        if rf.act_kind.is_some() && ty != FieldType::Act {
            return fail(attr("只有执法行为（act）字段可以设 act_kind"));
        }
        let prefill = match &rf.prefill {
            None => None,
            Some(p) => match PrefillKey::parse(p) {
                Some(k) if k.fits(ty) => Some(k),
                _ => {
                    return fail(FormatError::BadPrefill {
                        origin: origin.clone(),
                        format: code.to_owned(),
                        label: rf.label.clone(),
                        key: rf.key.clone(),
                        prefill: p.clone(),
                        ty: ty.label().to_owned(),
                    });
                }
            },
        };
        out.push(FieldDef {
            key: rf.key.clone(),
            label: rf.label.clone(),
            ty,
            mandatory: rf.mandatory,
            options: rf.options.clone(),
            daxie: rf.daxie,
            prefill,
            max_len: rf.max_len.unwrap_or(ty.default_max_len()),
            min_items: rf.min_items.unwrap_or(usize::from(ty == FieldType::Officers)),
            act_kind: rf.act_kind.clone(),
            layer: layer.clone(),
        });
    }
    Ok(out)
}

fn convert_layout(origin: &str, code: &str, raw: &[RawBlock]) -> LoadResult<Vec<LayoutBlock>> {
    raw.iter()
        .map(|rb| {
            if rb.before.is_some() || rb.after.is_some() {
                return fail(bad_block(origin, code, &rb.block, "before/after 只能用于 layout_insert"));
            }
            convert_block(origin, code, rb)
        })
        .collect()
}

fn bad_block(origin: &str, code: &str, block: &str, reason: &str) -> FormatError {
    FormatError::BadBlock {
        origin: origin.to_owned(),
        format: code.to_owned(),
        block: block.to_owned(),
        reason: reason.to_owned(),
    }
}

fn convert_block(origin: &str, code: &str, rb: &RawBlock) -> LoadResult<LayoutBlock> {
    let bad = |reason: &str| bad_block(origin, code, &rb.block, reason);
    let template = |text: &str| {
        Template::parse(text).map_err(|p| {
            Box::new(FormatError::BadPlaceholder {
                origin: origin.to_owned(),
                format: code.to_owned(),
                placeholder: text.to_owned(),
                reason: match p {
                    PlaceholderProblem::Unclosed => "「{」没有配对的「}」".to_owned(),
                    PlaceholderProblem::StrayClose => "多余的「}」".to_owned(),
                    PlaceholderProblem::Empty => "占位符为空".to_owned(),
                },
            })
        })
    };
    let set: Vec<&str> = [
        ("text", rb.text.is_some()),
        ("issuer", rb.issuer.is_some()),
        ("align", rb.align.is_some()),
        ("indent", rb.indent.is_some()),
        ("rows", rb.rows.is_some()),
        ("slots", rb.slots.is_some()),
        ("lines", rb.lines.is_some()),
        ("seal", rb.seal.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, present)| present.then_some(name))
    .collect();
    let allowed: &[&str] = match rb.block.as_str() {
        "title" => &["text", "issuer"],
        "number" => &["align"],
        "recipient" | "heading" | "note" => &["text"],
        "paragraph" => &["text", "indent"],
        "rows" => &["rows"],
        "signatures" => &["slots"],
        "closing" => &["lines", "seal"],
        other => {
            return fail(FormatError::UnknownBlock {
                origin: origin.to_owned(),
                format: code.to_owned(),
                block: other.to_owned(),
            });
        }
    };
    if let Some(extra) = set.iter().find(|a| !allowed.contains(a)) {
        return fail(bad(&format!("不支持属性 {extra}")));
    }
    let need_text = || rb.text.as_deref().ok_or_else(|| Box::new(bad("缺少 text")));
    let block = match rb.block.as_str() {
        "title" => {
            Block::Title { text: rb.text.clone(), issuer: rb.issuer.as_deref().map(template).transpose()? }
        }
        "number" => Block::Number {
            align: match rb.align.as_deref() {
                None | Some("right") => Align::Right,
                Some("center") => Align::Center,
                Some("left") => Align::Left,
                Some(_) => return fail(bad("align 应为 left、center 或 right")),
            },
        },
        "recipient" => Block::Recipient { text: template(need_text()?)? },
        "heading" => Block::Heading { text: template(need_text()?)? },
        "note" => Block::Note { text: template(need_text()?)? },
        "paragraph" => Block::Paragraph { text: template(need_text()?)?, indent: rb.indent.unwrap_or(true) },
        "rows" => {
            let rows = rb.rows.as_ref().filter(|r| !r.is_empty()).ok_or_else(|| bad("缺少 rows"))?;
            let mut out = Vec::new();
            for row in rows {
                if !matches!(row.len(), 2 | 4) {
                    return fail(bad("每行须为「标签, 值」或「标签, 值, 标签, 值」"));
                }
                let mut cells = Vec::new();
                for pair in row.chunks(2) {
                    if let [label, value] = pair {
                        cells.push(Cell { label: label.clone(), value: template(value)? });
                    }
                }
                out.push(cells);
            }
            Block::Rows { rows: out }
        }
        "signatures" => {
            let slots = rb.slots.clone().filter(|s| !s.is_empty()).ok_or_else(|| bad("缺少 slots"))?;
            Block::Signatures { slots }
        }
        _ => {
            let lines = rb.lines.as_ref().filter(|l| !l.is_empty()).ok_or_else(|| bad("缺少 lines"))?;
            Block::Closing {
                lines: lines.iter().map(|l| template(l)).collect::<Result<_, _>>()?,
                seal: rb.seal.clone(),
            }
        }
    };
    Ok(LayoutBlock { id: rb.id.clone(), when: rb.when.clone(), block })
}

fn apply_inserts(
    origin: &str,
    code: &str,
    layout: &mut Vec<LayoutBlock>,
    inserts: &[RawBlock],
) -> LoadResult<()> {
    for rb in inserts {
        let bad = |reason: &str| bad_block(origin, code, &rb.block, reason);
        let (anchor, after) = match (&rb.before, &rb.after) {
            (Some(a), None) => (a, false),
            (None, Some(a)) => (a, true),
            _ => return fail(bad("layout_insert 须恰好给出 before 或 after 之一")),
        };
        let pos = layout
            .iter()
            .position(|b| b.id.as_deref() == Some(anchor.as_str()))
            .ok_or_else(|| bad(&format!("找不到 id 为「{anchor}」的版式块")))?;
        let block = convert_block(origin, code, rb)?;
        layout.insert(if after { pos + 1 } else { pos }, block);
    }
    Ok(())
}

fn shown_fields(layout: &[LayoutBlock]) -> BTreeSet<&str> {
    let mut shown = BTreeSet::new();
    for lb in layout {
        for t in lb.block.templates() {
            shown.extend(t.fields().map(|(k, _)| k));
        }
        shown.extend(lb.block.slots());
    }
    shown
}

fn check_format(f: &Format) -> LoadResult<()> {
    let origin = &f.layer.source;
    let code = &f.code;
    if !f.layout.iter().any(|b| matches!(b.block, Block::Title { .. })) {
        return fail(FormatError::NoTitle { origin: origin.clone(), format: code.clone() });
    }
    let has_number = f.layout.iter().any(|b| matches!(b.block, Block::Number { .. }));
    let number_problem = match (f.numbered, has_number) {
        (true, false) => Some("带文号，但版式中没有文号块（number）"),
        (false, true) => Some("不带文号，但版式中有文号块（number）"),
        _ => None,
    };
    if let Some(problem) = number_problem {
        return fail(FormatError::NumberBlock { origin: origin.clone(), format: code.clone(), problem });
    }
    let unknown = |placeholder: String| FormatError::UnknownPlaceholder {
        origin: origin.clone(),
        format: code.clone(),
        placeholder,
    };
    let mut ids = BTreeSet::new();
    for lb in &f.layout {
        if let Some(id) = &lb.id
            && !ids.insert(id.as_str())
        {
            return fail(bad_block(origin, code, lb.block.kind_name(), &format!("id「{id}」重复")));
        }
        if let Some(when) = &lb.when
            && f.field(when).is_none()
        {
            return fail(unknown(when.clone()));
        }
        for t in lb.block.templates() {
            for (key, part) in t.fields() {
                let placeholder = || match part {
                    Some(p) => format!("{key}.{p}"),
                    None => key.to_owned(),
                };
                let field = f.field(key).ok_or_else(|| unknown(placeholder()))?;
                check_part(field, part).map_err(|reason| FormatError::BadPlaceholder {
                    origin: origin.clone(),
                    format: code.clone(),
                    placeholder: placeholder(),
                    reason,
                })?;
            }
        }
        for slot in lb.block.slots() {
            let field = f.field(slot).ok_or_else(|| unknown(slot.to_owned()))?;
            if !field.ty.is_slot() {
                return fail(FormatError::NotASlot {
                    origin: origin.clone(),
                    format: code.clone(),
                    key: slot.to_owned(),
                });
            }
        }
    }
    let shown = shown_fields(&f.layout);
    if let Some(field) = f.fields.iter().find(|fd| !shown.contains(fd.key.as_str())) {
        return fail(FormatError::FieldNotInLayout {
            origin: origin.clone(),
            format: code.clone(),
            label: field.label.clone(),
            key: field.key.clone(),
        });
    }
    Ok(())
}
