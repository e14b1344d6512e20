//! 执法规范用语 — the library of standard wording that officers insert into long-text fields.
//!
//! A wording layer is TOML: a `[layer]` header like format layers and `[[phrase]]` entries with `id`,
//! `category` (表明身份, 告知权利, 告知陈述申辩, 询问开场, 结束语, …), `text` and `fits` — the
//! `format_code.field_key` pairs it may go into (`*` for any format). Later layers add phrases or
//! replace a phrase by id. Phrases may use `{机关名称}`, `{执法人员}`, `{执法证号}`, `{当事人}` and
//! `{案由}`, filled from the case when inserted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::prefill::CaseFacts;
use crate::schema::{FieldType, Format, LayerKind, LayerRef};
use crate::set::FormatSet;

/// The built-in wording layer.
pub const BASE_WORDING: (&str, &str) = ("wording/base.toml", include_str!("../wording/base.toml"));

const PLACEHOLDERS: [&str; 5] = ["机关名称", "执法人员", "执法证号", "当事人", "案由"];

/// Why a wording layer was rejected or a phrase could not be inserted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WordingError {
    #[error("{origin}：TOML 无法解析：{message}")]
    Toml { origin: String, message: String },
    #[error("{origin}：未知的层级「{kind}」（应为 base、department 或 local）")]
    UnknownLayerKind { origin: String, kind: String },
    #[error("{origin}：{kind}层不能在已载入的{after}层之后载入")]
    LayerOrder { origin: String, kind: String, after: String },
    #[error("{origin}：用语「{id}」：{reason}")]
    BadPhrase { origin: String, id: String, reason: String },
    #[error("{origin}：用语「{id}」在同一层中重复")]
    DuplicatePhrase { origin: String, id: String },
    #[error("{origin}：用语「{id}」的适用位置「{fit}」无效：{reason}")]
    BadFit { origin: String, id: String, fit: String, reason: String },
    #[error("没有编号为「{0}」的规范用语")]
    UnknownPhrase(String),
    #[error("文书「{format}」没有字段「{key}」")]
    UnknownField { format: String, key: String },
    #[error("「{label}」（{key}）不是长文本字段，不能插入规范用语")]
    NotLongText { label: String, key: String },
    #[error("规范用语「{id}」（{category}）不适用于「{format}」的「{label}」（{key}）")]
    NotForField { id: String, category: String, format: String, label: String, key: String },
    #[error("插入后「{label}」（{key}）超过 {max} 字")]
    TooLong { label: String, key: String, max: usize },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    layer: RawLayer,
    #[serde(default)]
    phrase: Vec<RawPhrase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayer {
    kind: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhrase {
    id: String,
    category: String,
    text: String,
    fits: Vec<String>,
}

/// One standard phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phrase {
    pub id: String,
    pub category: String,
    pub text: String,
    /// `(format code or "*", field key)` pairs.
    pub fits: Vec<(String, String)>,
    pub layer: LayerRef,
}

impl Phrase {
    /// Whether this phrase may go into `key` of `format` (or of a format derived from a listed one).
    pub fn fits(&self, format: &Format, key: &str) -> bool {
        self.fits.iter().any(|(code, k)| k == key && (code == "*" || format.derives_from(code)))
    }
}

/// The phrases in force after every loaded wording layer.
#[derive(Debug, Clone, Default)]
pub struct WordingLibrary {
    phrases: BTreeMap<String, Phrase>,
    last_kind: Option<LayerKind>,
}

impl WordingLibrary {
    /// The built-in phrases, checked against `formats`.
    pub fn base(formats: &FormatSet) -> Result<Self, WordingError> {
        let mut lib = Self::default();
        lib.load_layer(BASE_WORDING.0, BASE_WORDING.1, formats)?;
        Ok(lib)
    }

    /// Loads a layer; `fits` are checked against `formats`. On error nothing of the layer is kept.
    pub fn load_layer(&mut self, source: &str, text: &str, formats: &FormatSet) -> Result<(), WordingError> {
        let origin = source.to_owned();
        let raw: RawFile = toml::from_str(text)
            .map_err(|e| WordingError::Toml { origin: origin.clone(), message: e.to_string() })?;
        let kind = LayerKind::parse(&raw.layer.kind).ok_or_else(|| WordingError::UnknownLayerKind {
            origin: origin.clone(),
            kind: raw.layer.kind.clone(),
        })?;
        if let Some(last) = self.last_kind
            && last > kind
        {
            return Err(WordingError::LayerOrder {
                origin,
                kind: kind.label().to_owned(),
                after: last.label().to_owned(),
            });
        }
        let layer = LayerRef { kind, name: raw.layer.name, source: origin.clone() };
        let mut working = self.phrases.clone();
        let mut seen = Vec::new();
        for rp in raw.phrase {
            let bad = |reason: &str| WordingError::BadPhrase {
                origin: origin.clone(),
                id: rp.id.clone(),
                reason: reason.to_owned(),
            };
            if rp.id.trim().is_empty() || !rp.id.is_ascii() {
                return Err(bad("编号（id）须为非空 ASCII"));
            }
            if seen.contains(&rp.id) {
                return Err(WordingError::DuplicatePhrase { origin, id: rp.id });
            }
            seen.push(rp.id.clone());
            if rp.category.trim().is_empty() {
                return Err(bad("类别（category）为空"));
            }
            if rp.text.trim().is_empty() {
                return Err(bad("内容（text）为空"));
            }
            if let Some(p) = unknown_placeholder(&rp.text) {
                return Err(bad(&format!(
                    "含未知占位符「{{{p}}}」（可用：{}）",
                    PLACEHOLDERS.map(|p| format!("{{{p}}}")).join("、")
                )));
            }
            if rp.fits.is_empty() {
                return Err(bad("没有适用位置（fits）"));
            }
            let mut fits = Vec::new();
            for fit in &rp.fits {
                let bad_fit = |reason: &str| WordingError::BadFit {
                    origin: origin.clone(),
                    id: rp.id.clone(),
                    fit: fit.clone(),
                    reason: reason.to_owned(),
                };
                let (code, key) = fit.split_once('.').ok_or_else(|| bad_fit("应为「格式代码.字段键」"))?;
                if code != "*" {
                    let format = formats.get(code).ok_or_else(|| bad_fit("没有这个格式"))?;
                    let field = format.field(key).ok_or_else(|| bad_fit("格式中没有这个字段"))?;
                    if field.ty != FieldType::LongText {
                        return Err(bad_fit("不是长文本字段"));
                    }
                }
                fits.push((code.to_owned(), key.to_owned()));
            }
            working.insert(
                rp.id.clone(),
                Phrase { id: rp.id, category: rp.category, text: rp.text, fits, layer: layer.clone() },
            );
        }
        self.phrases = working;
        self.last_kind = Some(kind);
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Phrase> {
        self.phrases.get(id)
    }

    pub fn phrases(&self) -> impl Iterator<Item = &Phrase> {
        self.phrases.values()
    }

    /// The phrases that fit a field, for a picker.
    pub fn for_field<'a>(&'a self, format: &'a Format, key: &'a str) -> impl Iterator<Item = &'a Phrase> {
        self.phrases.values().filter(move |p| p.fits(format, key))
    }

    /// Appends phrase `id` (placeholders filled from `facts`) to `current`, the text of long-text field
    /// `key`, on a new line. Refuses phrases not meant for that field.
    pub fn insert(
        &self,
        format: &Format,
        key: &str,
        current: &str,
        id: &str,
        facts: &CaseFacts,
    ) -> Result<String, WordingError> {
        let phrase = self.get(id).ok_or_else(|| WordingError::UnknownPhrase(id.to_owned()))?;
        let field = format
            .field(key)
            .ok_or_else(|| WordingError::UnknownField { format: format.name.clone(), key: key.to_owned() })?;
        if field.ty != FieldType::LongText {
            return Err(WordingError::NotLongText { label: field.label.clone(), key: field.key.clone() });
        }
        if !phrase.fits(format, key) {
            return Err(WordingError::NotForField {
                id: phrase.id.clone(),
                category: phrase.category.clone(),
                format: format.name.clone(),
                label: field.label.clone(),
                key: field.key.clone(),
            });
        }
        let text = fill(&phrase.text, facts);
        let current = current.trim_end_matches(['\n', '\r']);
        let out = if current.trim().is_empty() { text } else { format!("{current}\n{text}") };
        if out.chars().count() > field.max_len {
            return Err(WordingError::TooLong {
                label: field.label.clone(),
                key: field.key.clone(),
                max: field.max_len,
            });
        }
        Ok(out)
    }
}

fn unknown_placeholder(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = rest.get(start + 1..)?;
        let Some(end) = after.find('}') else { return Some(after.to_owned()) };
        let name = after.get(..end)?;
        if !PLACEHOLDERS.contains(&name) {
            return Some(name.to_owned());
        }
        rest = after.get(end + 1..)?;
    }
    None
}

fn fill(text: &str, facts: &CaseFacts) -> String {
    let officers = facts.officers.iter().map(|o| o.name.as_str()).collect::<Vec<_>>().join("、");
    let certs = facts.officers.iter().map(|o| o.cert_no.as_str()).collect::<Vec<_>>().join("、");
    let blank = |s: &str| if s.trim().is_empty() { "____".to_owned() } else { s.to_owned() };
    text.replace("{机关名称}", &blank(&facts.agency_name))
        .replace("{执法人员}", &blank(&officers))
        .replace("{执法证号}", &blank(&certs))
        .replace("{当事人}", &blank(facts.parties.first().map(|p| p.name()).unwrap_or("")))
        .replace("{案由}", &blank(&facts.case_title))
}
