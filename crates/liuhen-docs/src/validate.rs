//! Validation: user-supplied JSON values against a format → a [`ValidDocument`] or every problem found.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::money::{MoneyError, parse_money};
use crate::schema::{FieldDef, FieldType, Format};
use crate::value::{
    ActRef, Date, FieldValue, IdKind, Officer, Party, SlotValue, Time, parse_date_time, resident_id_check,
    uscc_check,
};

/// What is wrong with one field (or one part of it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("必须填写")]
    Missing,
    #[error("不是本文书的字段")]
    Unknown,
    #[error("应为{0}")]
    WrongType(&'static str),
    #[error("日期「{0}」无效，应为 YYYY-MM-DD 格式的有效日期")]
    BadDate(String),
    #[error("时间「{0}」无效，应为 24 小时制 HH:MM")]
    BadTime(String),
    #[error("「{0}」无效，应为 YYYY-MM-DD HH:MM")]
    BadDateTime(String),
    #[error("{0}")]
    Money(MoneyError),
    #[error("「{value}」不是可选项（可选：{options}）")]
    NotAnOption { value: String, options: String },
    #[error("超过 {max} 字（现为 {actual} 字）")]
    TooLong { max: usize, actual: usize },
    #[error("至少需要 {min} 人（现为 {actual} 人）")]
    TooFew { min: usize, actual: usize },
    #[error("不能换行")]
    Newline,
    #[error("含不可见的控制字符")]
    ControlChar,
    #[error("{0}")]
    Invalid(String),
    #[error("结束时间早于开始时间")]
    EndBeforeStart,
}

/// A problem with a field, naming it by Chinese label and key path (e.g. `party.name`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("「{label}」（{key}）：{problem}")]
pub struct FieldError {
    pub key: String,
    pub label: String,
    pub problem: Problem,
}

/// Values that passed validation against a format; the only input to rendering and digests.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidDocument {
    format: Format,
    values: BTreeMap<String, FieldValue>,
}

impl ValidDocument {
    pub fn format(&self) -> &Format {
        &self.format
    }

    /// The value of a field, if filled.
    pub fn get(&self, key: &str) -> Option<&FieldValue> {
        self.values.get(key)
    }

    /// All filled values by key.
    pub fn values(&self) -> &BTreeMap<String, FieldValue> {
        &self.values
    }

    /// The filled values as a JSON object (the shape [`validate`] accepts).
    pub fn to_json(&self) -> Value {
        Value::Object(self.values.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
    }
}

/// Checks `values` (a JSON object of field key → value) against `format`.
///
/// Empty strings and `null` count as not filled. Every problem is reported, each naming its field.
pub fn validate(format: &Format, values: &Value) -> Result<ValidDocument, Vec<FieldError>> {
    let mut errors = Vec::new();
    let empty = Map::new();
    let map = match values {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => {
            return Err(vec![FieldError {
                key: String::new(),
                label: format.name.clone(),
                problem: Problem::WrongType("以字段键为键的 JSON 对象"),
            }]);
        }
    };
    for key in map.keys() {
        if format.field(key).is_none() {
            errors.push(FieldError { key: key.clone(), label: key.clone(), problem: Problem::Unknown });
        }
    }
    let mut out = BTreeMap::new();
    for field in &format.fields {
        let raw = map.get(&field.key).filter(|v| !is_blank(v));
        let Some(raw) = raw else {
            if field.mandatory && !field.ty.is_slot() {
                errors.push(FieldError {
                    key: field.key.clone(),
                    label: field.label.clone(),
                    problem: Problem::Missing,
                });
            }
            continue;
        };
        let mut ctx = Ctx { errors: &mut errors, key: field.key.clone(), label: field.label.clone() };
        if let Some(v) = convert(field, raw, &mut ctx) {
            out.insert(field.key.clone(), v);
        }
    }
    if errors.is_empty() { Ok(ValidDocument { format: format.clone(), values: out }) } else { Err(errors) }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Where errors go and which field (path) they concern.
struct Ctx<'a> {
    errors: &'a mut Vec<FieldError>,
    key: String,
    label: String,
}

impl Ctx<'_> {
    fn fail<T>(&mut self, problem: Problem) -> Option<T> {
        self.errors.push(FieldError { key: self.key.clone(), label: self.label.clone(), problem });
        None
    }

    /// A context for a part of this field.
    fn part(&mut self, key: &str, label: &str) -> Ctx<'_> {
        Ctx {
            errors: self.errors,
            key: format!("{}.{key}", self.key),
            label: format!("{}·{label}", self.label),
        }
    }

    fn item(&mut self, index: usize) -> Ctx<'_> {
        Ctx {
            errors: self.errors,
            key: format!("{}[{index}]", self.key),
            label: format!("{}（第{}人）", self.label, index + 1),
        }
    }
}

fn convert(field: &FieldDef, raw: &Value, ctx: &mut Ctx<'_>) -> Option<FieldValue> {
    match field.ty {
        FieldType::Text => text(raw, field.max_len, false, ctx).map(FieldValue::Text),
        FieldType::LongText => text(raw, field.max_len, true, ctx).map(FieldValue::Text),
        FieldType::Enum => {
            let s = text(raw, field.max_len, false, ctx)?;
            if field.options.contains(&s) {
                Some(FieldValue::Enum(s))
            } else {
                ctx.fail(Problem::NotAnOption { value: s, options: field.options.join("、") })
            }
        }
        FieldType::Date => {
            let s = string(raw, "日期字符串", ctx)?;
            match Date::parse(&s) {
                Some(d) => Some(FieldValue::Date(d)),
                None => ctx.fail(Problem::BadDate(s)),
            }
        }
        FieldType::Time => {
            let s = string(raw, "时间字符串", ctx)?;
            match Time::parse(&s) {
                Some(t) => Some(FieldValue::Time(t)),
                None => ctx.fail(Problem::BadTime(s)),
            }
        }
        FieldType::Money => {
            let s = match raw {
                Value::String(s) => s.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                _ => return ctx.fail(Problem::WrongType("阿拉伯数字金额")),
            };
            match parse_money(&s) {
                Ok(fen) => Some(FieldValue::Money(fen)),
                Err(e) => ctx.fail(Problem::Money(e)),
            }
        }
        FieldType::Party => party(raw, ctx).map(FieldValue::Party),
        FieldType::Officers => officers(raw, field.min_items, ctx).map(FieldValue::Officers),
        FieldType::Act => act(raw, ctx).map(FieldValue::Act),
        FieldType::Signature | FieldType::Seal => slot(raw, ctx).map(FieldValue::Slot),
    }
}

fn string(raw: &Value, what: &'static str, ctx: &mut Ctx<'_>) -> Option<String> {
    match raw {
        Value::String(s) => Some(s.trim().to_owned()),
        _ => ctx.fail(Problem::WrongType(what)),
    }
}

fn text(raw: &Value, max: usize, multiline: bool, ctx: &mut Ctx<'_>) -> Option<String> {
    let s = string(raw, "文字", ctx)?;
    // Normalise line ends; keep the text otherwise as typed.
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    if !multiline && s.contains('\n') {
        return ctx.fail(Problem::Newline);
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return ctx.fail(Problem::ControlChar);
    }
    let n = s.chars().count();
    if n > max {
        return ctx.fail(Problem::TooLong { max, actual: n });
    }
    Some(s)
}

/// Reads a JSON object part by part, reporting each problem under its own key.
struct Obj<'v> {
    map: &'v Map<String, Value>,
}

impl<'v> Obj<'v> {
    fn new(raw: &'v Value, what: &'static str, ctx: &mut Ctx<'_>) -> Option<Self> {
        match raw {
            Value::Object(map) => Some(Self { map }),
            _ => ctx.fail(Problem::WrongType(what)),
        }
    }

    fn required(&self, key: &str, label: &str, max: usize, ctx: &mut Ctx<'_>) -> Option<String> {
        let mut part = ctx.part(key, label);
        match self.map.get(key).filter(|v| !is_blank(v)) {
            None => part.fail(Problem::Missing),
            Some(v) => text(v, max, false, &mut part),
        }
    }

    /// `Ok(None)` when absent; `Err(())` when present but invalid (already reported).
    fn optional(&self, key: &str, label: &str, max: usize, ctx: &mut Ctx<'_>) -> Result<Option<String>, ()> {
        match self.map.get(key).filter(|v| !is_blank(v)) {
            None => Ok(None),
            Some(v) => text(v, max, false, &mut ctx.part(key, label)).map(Some).ok_or(()),
        }
    }

    fn reject_unknown(&self, known: &[&str], ctx: &mut Ctx<'_>) -> bool {
        let mut ok = true;
        for k in self.map.keys().filter(|k| !known.contains(&k.as_str())) {
            ctx.part(k, k).fail::<()>(Problem::Unknown);
            ok = false;
        }
        ok
    }
}

fn phone_ok(phone: &Option<String>, ctx: &mut Ctx<'_>) -> bool {
    match phone {
        Some(p) if !p.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ')) => {
            ctx.part("phone", "联系电话").fail::<()>(Problem::Invalid("只能含数字、+、- 和空格".to_owned()));
            false
        }
        _ => true,
    }
}

fn party(raw: &Value, ctx: &mut Ctx<'_>) -> Option<Party> {
    let obj = Obj::new(raw, "当事人对象（type 为 natural_person 或 organisation）", ctx)?;
    let kind = obj.map.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "natural_person" => {
            let ok = obj.reject_unknown(&["type", "name", "id_kind", "id_number", "phone", "address"], ctx);
            let name = obj.required("name", "姓名", 64, ctx);
            let id_kind = match obj.map.get("id_kind").and_then(Value::as_str) {
                Some(k) => match IdKind::parse(k) {
                    Some(k) => Some(k),
                    None => ctx.part("id_kind", "证件类型").fail(Problem::NotAnOption {
                        value: k.to_owned(),
                        options: IdKind::ALL.iter().map(|k| k.code()).collect::<Vec<_>>().join("、"),
                    }),
                },
                None => ctx.part("id_kind", "证件类型").fail(Problem::Missing),
            };
            let id_number = obj.required("id_number", "证件号码", 32, ctx).map(|s| s.to_ascii_uppercase());
            let id_number = match (id_kind, id_number) {
                (Some(IdKind::ResidentIdCard), Some(n)) => check_resident_id(&n, ctx).then_some(n),
                (_, Some(n)) if !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => ctx
                    .part("id_number", "证件号码")
                    .fail(Problem::Invalid("只能含字母、数字和 -".to_owned())),
                (_, n) => n,
            };
            let phone = obj.optional("phone", "联系电话", 32, ctx);
            let address = obj.optional("address", "住址", 200, ctx);
            let phone_valid = phone.as_ref().is_ok_and(|p| phone_ok(p, ctx));
            match (ok && phone_valid, name, id_kind, id_number, phone, address) {
                (true, Some(name), Some(id_kind), Some(id_number), Ok(phone), Ok(address)) => {
                    Some(Party::NaturalPerson { name, id_kind, id_number, phone, address })
                }
                _ => None,
            }
        }
        "organisation" => {
            let known = ["type", "name", "uscc", "legal_representative", "address", "phone"];
            let ok = obj.reject_unknown(&known, ctx);
            let name = obj.required("name", "名称", 100, ctx);
            let uscc = obj.required("uscc", "统一社会信用代码", 18, ctx).map(|s| s.to_ascii_uppercase());
            let uscc = match uscc {
                Some(u) => check_uscc(&u, ctx).then_some(u),
                None => None,
            };
            let rep = obj.optional("legal_representative", "法定代表人", 64, ctx);
            let address = obj.optional("address", "住所", 200, ctx);
            let phone = obj.optional("phone", "联系电话", 32, ctx);
            let phone_valid = phone.as_ref().is_ok_and(|p| phone_ok(p, ctx));
            match (ok && phone_valid, name, uscc, rep, address, phone) {
                (true, Some(name), Some(uscc), Ok(legal_representative), Ok(address), Ok(phone)) => {
                    Some(Party::Organisation { name, uscc, legal_representative, address, phone })
                }
                _ => None,
            }
        }
        other => ctx.part("type", "当事人类型").fail(Problem::NotAnOption {
            value: other.to_owned(),
            options: "natural_person（自然人）、organisation（法人或者其他组织）".to_owned(),
        }),
    }
}

fn check_resident_id(n: &str, ctx: &mut Ctx<'_>) -> bool {
    let ok = n.len() == 18 && n.get(..17).is_some_and(|first| resident_id_check(first) == n.chars().last());
    if !ok {
        ctx.part("id_number", "公民身份号码")
            .fail::<()>(Problem::Invalid("不是有效的 18 位公民身份号码（GB 11643 校验位不符）".to_owned()));
    }
    ok
}

fn check_uscc(u: &str, ctx: &mut Ctx<'_>) -> bool {
    let ok = u.chars().count() == 18
        && u.is_ascii()
        && u.get(..17).is_some_and(|first| uscc_check(first) == u.chars().last());
    if !ok {
        ctx.part("uscc", "统一社会信用代码").fail::<()>(Problem::Invalid(
            "不是有效的 18 位统一社会信用代码（GB 32100 校验码不符）".to_owned(),
        ));
    }
    ok
}

fn officers(raw: &Value, min: usize, ctx: &mut Ctx<'_>) -> Option<Vec<Officer>> {
    let Value::Array(items) = raw else {
        return ctx.fail(Problem::WrongType("执法人员列表（[{name, cert_no}]）"));
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let mut ictx = ctx.item(i);
        let Some(obj) = Obj::new(item, "执法人员对象（{name, cert_no}）", &mut ictx) else {
            ok = false;
            continue;
        };
        ok &= obj.reject_unknown(&["name", "cert_no"], &mut ictx);
        let name = obj.required("name", "姓名", 32, &mut ictx);
        let cert = obj.required("cert_no", "执法证号", 32, &mut ictx);
        match (name, cert) {
            (Some(name), Some(cert_no)) => {
                if out.iter().any(|o: &Officer| o.cert_no == cert_no) {
                    ictx.part("cert_no", "执法证号")
                        .fail::<()>(Problem::Invalid(format!("执法证号「{cert_no}」重复")));
                    ok = false;
                }
                out.push(Officer { name, cert_no });
            }
            _ => ok = false,
        }
    }
    if items.len() < min {
        return ctx.fail(Problem::TooFew { min, actual: items.len() });
    }
    ok.then_some(out)
}

fn act(raw: &Value, ctx: &mut Ctx<'_>) -> Option<ActRef> {
    let obj = Obj::new(raw, "执法行为对象（{kind, start, end, place}）", ctx)?;
    let ok = obj.reject_unknown(&["id", "kind", "start", "end", "place"], ctx);
    let id = obj.optional("id", "编号", 64, ctx);
    let kind = obj.required("kind", "种类", 32, ctx);
    let place = obj.required("place", "地点", 200, ctx);
    let mut when = |key: &str, label: &str| {
        let s = obj.required(key, label, 16, ctx)?;
        match parse_date_time(&s) {
            Some(dt) => Some((s, dt)),
            None => ctx.part(key, label).fail(Problem::BadDateTime(s)),
        }
    };
    let start = when("start", "开始时间");
    let end = when("end", "结束时间");
    if let (Some((_, s)), Some((_, e))) = (&start, &end)
        && e < s
    {
        return ctx.part("end", "结束时间").fail(Problem::EndBeforeStart);
    }
    match (ok, id, kind, start, end, place) {
        (true, Ok(id), Some(kind), Some((start, _)), Some((end, _)), Some(place)) => {
            Some(ActRef { id, kind, start, end, place })
        }
        _ => None,
    }
}

fn slot(raw: &Value, ctx: &mut Ctx<'_>) -> Option<SlotValue> {
    let obj = Obj::new(raw, "签名或印章对象（{name, date}）", ctx)?;
    let ok = obj.reject_unknown(&["name", "date"], ctx);
    let name = obj.optional("name", "姓名或名称", 100, ctx);
    let date = match obj.optional("date", "日期", 10, ctx) {
        Ok(Some(d)) if Date::parse(&d).is_none() => ctx.part("date", "日期").fail(Problem::BadDate(d)),
        Ok(d) => Some(d),
        Err(()) => None,
    };
    match (ok, name, date) {
        (true, Ok(name), Some(date)) => Some(SlotValue { name, date }),
        _ => None,
    }
}
