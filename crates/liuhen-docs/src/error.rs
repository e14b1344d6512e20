//! Errors raised while loading format layers.

use crate::number::NumberPatternError;

/// Why a format layer was rejected. Every variant names the layer source (`origin`) and, where there is
/// one, the format and the field (Chinese label and key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("{origin}：TOML 无法解析：{message}")]
    Toml { origin: String, message: String },
    #[error("{origin}：未知的层级「{kind}」（应为 base、department 或 local）")]
    UnknownLayerKind { origin: String, kind: String },
    #[error("{origin}：{kind}层不能在已载入的{after}层之后载入（顺序：基础格式 → 部门格式 → 地方细化）")]
    LayerOrder { origin: String, kind: String, after: String },
    #[error("{origin}：层「{layer}」中没有格式")]
    EmptyLayer { origin: String, layer: String },
    #[error("{origin}：格式代码「{code}」无效（应为小写 ASCII 字母、数字和下划线）")]
    BadCode { origin: String, code: String },
    #[error("{origin}：格式「{code}」已存在；要细化它，请声明 base = \"{code}\"")]
    Redefined { origin: String, code: String },
    #[error("{origin}：格式「{code}」在同一层中重复定义")]
    DuplicateFormat { origin: String, code: String },
    #[error("{origin}：基础格式「{format}」不能声明 base（只有部门格式和地方细化可以派生）")]
    BaseWithBase { origin: String, format: String },
    #[error("{origin}：格式「{format}」的基础格式「{base}」尚未载入")]
    UnknownBase { origin: String, format: String, base: String },
    #[error("{origin}：新格式「{format}」缺少{what}")]
    MissingAttribute { origin: String, format: String, what: &'static str },
    #[error("{origin}：格式「{format}」中字段键「{key}」重复")]
    DuplicateField { origin: String, format: String, key: String },
    #[error("{origin}：格式「{format}」中字段键「{key}」无效（应为小写 ASCII 字母、数字和下划线）")]
    BadFieldKey { origin: String, format: String, key: String },
    #[error("{origin}：格式「{format}」的字段「{label}」（{key}）类型「{ty}」未知")]
    UnknownFieldType { origin: String, format: String, label: String, key: String, ty: String },
    #[error("{origin}：格式「{format}」的字段「{label}」（{key}）：{reason}")]
    FieldAttribute { origin: String, format: String, label: String, key: String, reason: String },
    #[error(
        "{origin}：格式「{format}」的字段「{label}」（{key}）预填来源「{prefill}」未知或与类型「{ty}」不符"
    )]
    BadPrefill { origin: String, format: String, label: String, key: String, prefill: String, ty: String },
    #[error(
        "{origin}：{layer}格式「{format}」删去了基础格式「{base}」的必填字段「{label}」（{key}，{how}）；派生格式必须保留基础格式的全部必填字段"
    )]
    MandatoryFieldDropped {
        origin: String,
        layer: String,
        format: String,
        base: String,
        label: String,
        key: String,
        how: &'static str,
    },
    #[error(
        "{origin}：{layer}格式「{format}」改变了基础格式「{base}」的必填字段「{label}」（{key}）：{change}"
    )]
    MandatoryFieldChanged {
        origin: String,
        layer: String,
        format: String,
        base: String,
        label: String,
        key: String,
        change: String,
    },
    #[error("{origin}：格式「{format}」要删去的字段「{key}」在基础格式「{base}」中不存在")]
    RemoveUnknownField { origin: String, format: String, base: String, key: String },
    #[error("{origin}：{layer}格式「{format}」取消了基础格式「{base}」的文号")]
    NumberDropped { origin: String, layer: String, format: String, base: String },
    #[error("{origin}：格式「{format}」的文号格式无效：{error}")]
    NumberPattern { origin: String, format: String, error: NumberPatternError },
    #[error("{origin}：格式「{format}」带文号但没有文书类型（doc_type）")]
    MissingDocType { origin: String, format: String },
    #[error("{origin}：格式「{format}」的版式中未知的块类型「{block}」")]
    UnknownBlock { origin: String, format: String, block: String },
    #[error("{origin}：格式「{format}」的版式块「{block}」：{reason}")]
    BadBlock { origin: String, format: String, block: String, reason: String },
    #[error("{origin}：格式「{format}」的版式引用了不存在的字段「{{{placeholder}}}」")]
    UnknownPlaceholder { origin: String, format: String, placeholder: String },
    #[error("{origin}：格式「{format}」的版式占位符「{{{placeholder}}}」无效：{reason}")]
    BadPlaceholder { origin: String, format: String, placeholder: String, reason: String },
    #[error("{origin}：格式「{format}」的字段「{label}」（{key}）未出现在版式中")]
    FieldNotInLayout { origin: String, format: String, label: String, key: String },
    #[error("{origin}：格式「{format}」的版式中「{key}」不是签名或印章字段")]
    NotASlot { origin: String, format: String, key: String },
    #[error("{origin}：格式「{format}」{problem}")]
    NumberBlock { origin: String, format: String, problem: &'static str },
    #[error("{origin}：格式「{format}」的版式没有标题块")]
    NoTitle { origin: String, format: String },
}
