//! Field values: the typed form of what a user filled in.
//!
//! The JSON shape of each type (accepted by [`crate::validate`], produced by [`FieldValue::to_json`]):
//! text, long text and enum values are strings; dates `"YYYY-MM-DD"`; times `"HH:MM"`; money a string of
//! Arabic numerals with at most two decimals (`"50000.00"`; a JSON number is also accepted on input);
//! a party `{"type": "natural_person", "name", "id_kind", "id_number", "phone"?, "address"?}` or
//! `{"type": "organisation", "name", "uscc", "legal_representative"?, "address"?, "phone"?}`; officers
//! `[{"name", "cert_no"}]`; an act `{"kind", "start", "end", "place", "id"?}` with start/end as
//! `"YYYY-MM-DD HH:MM"`; signature and seal slots `{"name"?, "date"?}` or nothing.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::money::format_yuan;

/// 日期 — a calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD` (a real calendar date, years 1900–2099).
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let year: u16 = digits(s.get(0..4)?)?.try_into().ok()?;
        let month: u8 = digits(s.get(5..7)?)?.try_into().ok()?;
        let day: u8 = digits(s.get(8..10)?)?.try_into().ok()?;
        if !(1900..=2099).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (1..=days).contains(&day).then_some(Self { year, month, day })
    }

    /// `2026年11月27日`.
    pub fn chinese(&self) -> String {
        format!("{}年{}月{}日", self.year, self.month, self.day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// 时间 — a time of day to the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    pub hour: u8,
    pub minute: u8,
}

impl Time {
    /// Parses `HH:MM` (24-hour clock).
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 5 || b.get(2) != Some(&b':') {
            return None;
        }
        let hour: u8 = digits(s.get(0..2)?)?.try_into().ok()?;
        let minute: u8 = digits(s.get(3..5)?)?.try_into().ok()?;
        (hour < 24 && minute < 60).then_some(Self { hour, minute })
    }

    /// `09时30分`.
    pub fn chinese(&self) -> String {
        format!("{:02}时{:02}分", self.hour, self.minute)
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY-MM-DD HH:MM`.
pub fn parse_date_time(s: &str) -> Option<(Date, Time)> {
    let (d, t) = s.split_once(' ')?;
    Some((Date::parse(d)?, Time::parse(t)?))
}

/// 证件类型 of a natural person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// 居民身份证 (GB 11643 number, check digit verified).
    ResidentIdCard,
    Passport,
    HkMacaoPermit,
    TaiwanPermit,
    ForeignPermanentResident,
}

impl IdKind {
    pub const ALL: [IdKind; 5] = [
        IdKind::ResidentIdCard,
        IdKind::Passport,
        IdKind::HkMacaoPermit,
        IdKind::TaiwanPermit,
        IdKind::ForeignPermanentResident,
    ];

    pub fn code(self) -> &'static str {
        match self {
            IdKind::ResidentIdCard => "resident_id_card",
            IdKind::Passport => "passport",
            IdKind::HkMacaoPermit => "hk_macao_permit",
            IdKind::TaiwanPermit => "taiwan_permit",
            IdKind::ForeignPermanentResident => "foreign_permanent_resident",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IdKind::ResidentIdCard => "居民身份证",
            IdKind::Passport => "护照",
            IdKind::HkMacaoPermit => "港澳居民来往内地通行证",
            IdKind::TaiwanPermit => "台湾居民来往大陆通行证",
            IdKind::ForeignPermanentResident => "外国人永久居留身份证",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s || k.label() == s)
    }
}

/// 当事人 — a natural person or an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Party {
    /// 自然人.
    NaturalPerson {
        name: String,
        id_kind: IdKind,
        id_number: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phone: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
    },
    /// 法人或者其他组织, identified by its 统一社会信用代码.
    Organisation {
        name: String,
        uscc: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        legal_representative: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phone: Option<String>,
    },
}

impl Party {
    pub fn name(&self) -> &str {
        match self {
            Party::NaturalPerson { name, .. } | Party::Organisation { name, .. } => name,
        }
    }

    /// 证件类型 label, or 统一社会信用代码 for organisations.
    pub fn id_label(&self) -> &'static str {
        match self {
            Party::NaturalPerson { id_kind, .. } => id_kind.label(),
            Party::Organisation { .. } => "统一社会信用代码",
        }
    }

    pub fn id_number(&self) -> &str {
        match self {
            Party::NaturalPerson { id_number, .. } => id_number,
            Party::Organisation { uscc, .. } => uscc,
        }
    }

    pub fn address(&self) -> Option<&str> {
        match self {
            Party::NaturalPerson { address, .. } | Party::Organisation { address, .. } => address.as_deref(),
        }
    }

    pub fn phone(&self) -> Option<&str> {
        match self {
            Party::NaturalPerson { phone, .. } | Party::Organisation { phone, .. } => phone.as_deref(),
        }
    }

    pub fn legal_representative(&self) -> Option<&str> {
        match self {
            Party::NaturalPerson { .. } => None,
            Party::Organisation { legal_representative, .. } => legal_representative.as_deref(),
        }
    }

    /// 自然人 or 法人或者其他组织.
    pub fn kind_label(&self) -> &'static str {
        match self {
            Party::NaturalPerson { .. } => "自然人",
            Party::Organisation { .. } => "法人或者其他组织",
        }
    }

    /// One line: name, identification and address, as written in decisions.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("{}：{}", self.id_label(), self.id_number())];
        if let Some(rep) = self.legal_representative() {
            parts.push(format!("法定代表人：{rep}"));
        }
        if let Some(addr) = self.address() {
            parts.push(format!(
                "{}：{addr}",
                if self.legal_representative().is_some() { "住所" } else { "住址" }
            ));
        }
        format!("{}（{}）", self.name(), parts.join("，"))
    }
}

/// 执法人员 — an officer with the number of their 执法证.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Officer {
    pub name: String,
    /// 执法证号.
    pub cert_no: String,
}

/// 执法行为 — a reference to a recorded enforcement act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActRef {
    /// The act's id in the case, if recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Kind label, e.g. 现场检查.
    pub kind: String,
    /// `YYYY-MM-DD HH:MM`.
    pub start: String,
    /// `YYYY-MM-DD HH:MM`.
    pub end: String,
    pub place: String,
}

/// What a signature or seal slot holds: who signed or whose seal, and the date; both may stay blank
/// for signing by hand on paper.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// A validated field value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// Text, long text.
    Text(String),
    Enum(String),
    Date(Date),
    Time(Time),
    /// Money in fen (分).
    Money(u64),
    Party(Party),
    Officers(Vec<Officer>),
    Act(ActRef),
    Slot(SlotValue),
}

impl FieldValue {
    /// The JSON form, the same shape [`crate::validate`] accepts.
    pub fn to_json(&self) -> Value {
        match self {
            FieldValue::Text(s) | FieldValue::Enum(s) => Value::String(s.clone()),
            FieldValue::Date(d) => Value::String(d.to_string()),
            FieldValue::Time(t) => Value::String(t.to_string()),
            FieldValue::Money(fen) => Value::String(format_yuan(*fen)),
            FieldValue::Party(p) => serde_json::to_value(p).unwrap_or(Value::Null),
            FieldValue::Officers(o) => serde_json::to_value(o).unwrap_or(Value::Null),
            FieldValue::Act(a) => serde_json::to_value(a).unwrap_or(Value::Null),
            FieldValue::Slot(s) => serde_json::to_value(s).unwrap_or_else(|_| Value::Object(Map::new())),
        }
    }
}

/// GB 11643 check character of the first 17 digits of a 公民身份号码.
pub(crate) fn resident_id_check(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    CHECK.get(usize::try_from(sum % 11).ok()?).copied()
}

/// GB 32100 check character of the first 17 characters of a 统一社会信用代码.
pub(crate) fn uscc_check(first17: &str) -> Option<char> {
    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    if first17.chars().count() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += ALPHABET.find(c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.chars().nth(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert_eq!(Date::parse("2026-11-27").map(|d| d.chinese()), Some("2026年11月27日".to_owned()));
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2026-02-29").is_none());
        assert!(Date::parse("1900-02-29").is_none());
        assert!(Date::parse("2000-02-29").is_some());
        assert!(Date::parse("2026-13-01").is_none());
        assert!(Date::parse("2026-04-31").is_none());
        assert!(Date::parse("2026/11/27").is_none());
        assert!(Date::parse("2026-1-27").is_none());
        assert!(Date::parse("２026-11-27").is_none());
        assert_eq!(Time::parse("09:30").map(|t| t.chinese()), Some("09时30分".to_owned()));
        assert!(Time::parse("24:00").is_none());
        assert!(Time::parse("23:60").is_none());
        assert!(Time::parse("9:30").is_none());
        assert!(parse_date_time("2026-11-20 09:30").is_some());
        assert!(parse_date_time("2026-11-20T09:30").is_none());
    }

    #[test]
    fn check_characters() {
        // GB 11643 example number.
        assert_eq!(resident_id_check("11010519491231002"), Some('X'));
        // A USCC whose check character is known (computed per GB 32100).
        assert_eq!(uscc_check("91350100M000100Y4"), Some('3'));
    }
}
