//! 公示前的隐名处理 — what a decision's published text must not show, found and masked.
//!
//! 国办发〔2018〕118号 asks decisions to be published with personal information protected: natural
//! persons' names (masked as 张某), 身份证号 (GB 11643), phone numbers, addresses below the district,
//! bank accounts, vehicle plates and e-mail addresses; organisations' names and 统一社会信用代码 stay,
//! and trade secrets go when a reviewer labels them. [`find`] lists every span it would mask, each with
//! its kind and replacement, so a reviewer confirms them before [`apply`] makes the new text; the
//! original is never changed.
//!
//! Names cannot be told from other words by their shape alone: the names a case already knows (its
//! natural-person parties) are given in [`Known`], and names after the labels decisions use
//! (当事人, 姓名, 法定代表人, 负责人, 委托代理人, 联系人, 见证人, …) are found by their place.

use std::ops::Range;

use crate::{ResidentId, Uscc};

crate::labelled_enum! {
    /// What a masked span was.
    pub enum IdentifierKind {
        PersonName = ("person_name", "自然人姓名"),
        ResidentId = ("resident_id", "身份证号"),
        Phone = ("phone", "电话号码"),
        Address = ("address", "详细地址"),
        BankAccount = ("bank_account", "银行账号"),
        Plate = ("plate", "车牌号"),
        Email = ("email", "电子邮箱"),
        TradeSecret = ("trade_secret", "商业秘密"),
    }
}

/// What the case already knows about the text's people and secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    /// Natural persons' names (the case's parties): masked wherever they appear.
    pub persons: Vec<String>,
    /// Phrases a reviewer labelled 商业秘密: masked wherever they appear.
    pub secrets: Vec<String>,
}

/// One span to mask, by byte range of the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: IdentifierKind,
    pub range: Range<usize>,
    pub original: String,
    pub replacement: String,
}

/// Labels after which a natural person's name stands in a decision.
const NAME_LABELS: &[&str] = &[
    "当事人",
    "姓名",
    "法定代表人",
    "负责人",
    "委托代理人",
    "代理人",
    "联系人",
    "见证人",
    "被检查人",
    "被询问人",
    "经营者",
    "户主",
    "投资人",
    "申请人",
    "监护人",
    "证人",
];

/// Labels after which an address stands.
const ADDRESS_LABELS: &[&str] = &[
    "家庭住址",
    "住址",
    "住所地",
    "住所",
    "地址",
    "现住",
    "居住地",
    "户籍地",
    "经营场所",
    "经营地址",
    "送达地址",
];

/// Labels after which a bank account stands.
const ACCOUNT_LABELS: &[&str] = &["银行账号", "银行账户", "账号", "账户", "卡号"];

/// Words that make a labelled "name" an organisation's.
const ORGANISATION_WORDS: &[&str] = &[
    "公司",
    "店",
    "厂",
    "中心",
    "合作社",
    "部",
    "行",
    "馆",
    "所",
    "院",
    "站",
    "社",
    "场",
    "局",
    "会",
    "室",
    "吧",
    "坊",
    "超市",
    "集团",
    "医院",
    "学校",
    "诊所",
    "药房",
];

/// Characters that follow a name in running text (的证言, 等人, 在场, 于…, 系…, 称…).
const AFTER_NAME: &str = "的等在于为系及和与称证到来现同向对将已未所作签";

/// Compound surnames: masked to the whole surname (欧阳某).
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "轩辕", "令狐", "钟离", "端木", "独孤", "南宫", "西门",
];

/// Abbreviations of the provinces on vehicle plates.
const PLATE_PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// `张三` → `张某`, `欧阳明` → `欧阳某`.
pub fn mask_name(name: &str) -> String {
    let surname = COMPOUND_SURNAMES
        .iter()
        .find(|s| name.starts_with(**s) && name.chars().count() > 2)
        .map_or_else(|| name.chars().take(1).collect::<String>(), |s| (*s).to_owned());
    format!("{surname}某")
}

fn stars(n: usize) -> String {
    "*".repeat(n)
}

/// Every span of `text` to mask, sorted, without overlaps (the longer of two overlapping spans wins).
pub fn find(text: &str, known: &Known) -> Vec<Finding> {
    let mut all = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    labelled_names(text, &chars, &mut all);
    let mut names: Vec<String> = known.persons.iter().filter(|n| n.chars().count() >= 2).cloned().collect();
    names.extend(all.iter().filter(|f| f.kind == IdentifierKind::PersonName).map(|f| f.original.clone()));
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names.dedup();
    for name in &names {
        for (at, _) in text.match_indices(name.as_str()) {
            all.push(finding(text, IdentifierKind::PersonName, at..at + name.len(), mask_name(name)));
        }
    }
    for secret in known.secrets.iter().filter(|s| !s.trim().is_empty()) {
        for (at, _) in text.match_indices(secret.as_str()) {
            all.push(finding(text, IdentifierKind::TradeSecret, at..at + secret.len(), "[商业秘密]".into()));
        }
    }
    digit_runs(text, &chars, &mut all);
    emails(text, &chars, &mut all);
    plates(text, &chars, &mut all);
    addresses(text, &chars, &mut all);
    landlines(text, &chars, &mut all);
    resolve(all)
}

/// The text with every finding replaced.
pub fn apply(text: &str, findings: &[Finding]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in findings {
        if f.range.start < at || f.range.end > text.len() {
            continue;
        }
        out.push_str(text.get(at..f.range.start).unwrap_or_default());
        out.push_str(&f.replacement);
        at = f.range.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// [`find`] then [`apply`].
pub fn redact(text: &str, known: &Known) -> (String, Vec<Finding>) {
    let findings = find(text, known);
    (apply(text, &findings), findings)
}

fn finding(text: &str, kind: IdentifierKind, range: Range<usize>, replacement: String) -> Finding {
    Finding { kind, original: text.get(range.clone()).unwrap_or_default().to_owned(), range, replacement }
}

fn resolve(mut all: Vec<Finding>) -> Vec<Finding> {
    all.sort_by(|a, b| a.range.start.cmp(&b.range.start).then(b.range.len().cmp(&a.range.len())));
    let mut out: Vec<Finding> = Vec::new();
    for f in all {
        match out.last_mut() {
            Some(last) if f.range.start < last.range.end => {
                if f.range.len() > last.range.len() {
                    *last = f;
                }
            }
            _ => out.push(f),
        }
    }
    out
}

/// The byte offset just after a label at `at` and its colon, if one follows.
fn after_label(text: &str, at: usize, label: &str) -> Option<usize> {
    let rest = text.get(at + label.len()..)?;
    let colon = rest.chars().next().filter(|c| matches!(c, '：' | ':'))?;
    Some(at + label.len() + colon.len_utf8())
}

fn labelled_names(text: &str, _chars: &[(usize, char)], out: &mut Vec<Finding>) {
    for label in NAME_LABELS {
        for (at, _) in text.match_indices(label) {
            let Some(start) = after_label(text, at, label) else { continue };
            let rest = text.get(start..).unwrap_or_default();
            let rest = rest.trim_start_matches([' ', '\u{3000}']);
            let start = text.len() - rest.len();
            let run: Vec<char> = rest.chars().take_while(|c| is_han(*c) || *c == '·').collect();
            // A name runs into the words after it (`张三的证言`): cut at the first particle after two
            // characters; a run longer than four without one is no person's name.
            let cut = (2..run.len().min(5)).find(|k| run.get(*k).is_some_and(|c| AFTER_NAME.contains(*c)));
            let name: String = match cut {
                Some(k) => run.iter().take(k).collect(),
                None => run.iter().collect(),
            };
            let n = name.chars().count();
            if !(2..=4).contains(&n) || name.ends_with('某') || name.contains("某某") {
                continue;
            }
            if ORGANISATION_WORDS.iter().any(|w| name.contains(w)) {
                continue;
            }
            out.push(finding(text, IdentifierKind::PersonName, start..start + name.len(), mask_name(&name)));
        }
    }
}

/// Maximal runs of ASCII digits (with `X` closing an 18-character one), and what they are.
fn digit_runs(text: &str, chars: &[(usize, char)], out: &mut Vec<Finding>) {
    let bytes = text.as_bytes();
    let at = |k: usize| bytes.get(k).copied().unwrap_or(0);
    let mut i = 0;
    while i < bytes.len() {
        if !at(i).is_ascii_digit() || (i > 0 && at(i - 1).is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let mut j = i;
        // Bank card numbers are often written in groups of four.
        while j < bytes.len()
            && (at(j).is_ascii_digit()
                || (at(j) == b' ' && j + 1 < bytes.len() && at(j + 1).is_ascii_digit() && j > i))
        {
            j += 1;
        }
        if j < bytes.len() && matches!(at(j), b'X' | b'x') && j - i == 17 {
            j += 1;
        }
        if j < bytes.len() && at(j).is_ascii_alphabetic() {
            // Part of a code with letters (统一社会信用代码, a plate): not a number of its own.
            i = j;
            continue;
        }
        let run = text.get(i..j).unwrap_or_default();
        let digits: String = run.chars().filter(|c| !c.is_whitespace()).collect();
        let n = digits.len();
        let labelled_account = ACCOUNT_LABELS.iter().any(|l| {
            let before = text.get(..i).unwrap_or_default();
            before.trim_end_matches(['：', ':', ' ']).ends_with(l)
        });
        let _ = chars;
        if n == 18 && !run.contains(' ') {
            let is_id = digits.parse::<ResidentId>().is_ok();
            let is_uscc = digits.parse::<Uscc>().is_ok();
            if is_id || (!is_uscc && plausible_birth(&digits)) {
                out.push(finding(
                    text,
                    IdentifierKind::ResidentId,
                    i..j,
                    format!("{}{}", digits.get(..6).unwrap_or_default(), stars(12)),
                ));
            } else if luhn(&digits) && !is_uscc {
                out.push(finding(text, IdentifierKind::BankAccount, i..j, account_mask(&digits)));
            }
        } else if n == 11
            && digits.starts_with('1')
            && matches!(digits.as_bytes().get(1), Some(b'3'..=b'9'))
            && !run.contains(' ')
        {
            out.push(finding(
                text,
                IdentifierKind::Phone,
                i..j,
                format!("{}****{}", digits.get(..3).unwrap_or_default(), digits.get(7..).unwrap_or_default()),
            ));
        } else if (labelled_account && (10..=25).contains(&n)) || ((16..=19).contains(&n) && luhn(&digits)) {
            out.push(finding(text, IdentifierKind::BankAccount, i..j, account_mask(&digits)));
        }
        i = j.max(i + 1);
    }
}

fn account_mask(digits: &str) -> String {
    let keep = digits.len().saturating_sub(4);
    format!("{}{}", stars(keep), digits.get(keep..).unwrap_or_default())
}

fn plausible_birth(id: &str) -> bool {
    let year: u32 = id.get(6..10).and_then(|s| s.parse().ok()).unwrap_or(0);
    let month: u32 = id.get(10..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let day: u32 = id.get(12..14).and_then(|s| s.parse().ok()).unwrap_or(0);
    (1900..=2030).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (k, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if k % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// `0571-87654321`, `0571 8765 4321`, `(0571)87654321`.
fn landlines(text: &str, _chars: &[(usize, char)], out: &mut Vec<Finding>) {
    let b = text.as_bytes();
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    let mut i = 0;
    while i < b.len() {
        let open = at(i) == b'(' || at(i) == b'0';
        if !open || (i > 0 && at(i - 1).is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut j = i;
        let paren = at(j) == b'(';
        if paren {
            j += 1;
        }
        let area_start = j;
        while j < b.len() && at(j).is_ascii_digit() {
            j += 1;
        }
        let area = j - area_start;
        if !(3..=4).contains(&area) || b.get(area_start) != Some(&b'0') {
            i += 1;
            continue;
        }
        if paren {
            if b.get(j) != Some(&b')') {
                i += 1;
                continue;
            }
            j += 1;
        } else if matches!(b.get(j), Some(b'-' | b' ')) {
            j += 1;
        } else {
            i += 1;
            continue;
        }
        let local_start = j;
        while j < b.len() && (at(j).is_ascii_digit() || (at(j) == b'-' && j > local_start)) {
            j += 1;
        }
        let local = text.get(local_start..j).unwrap_or_default().chars().filter(char::is_ascii_digit).count();
        if (7..=8).contains(&local) && !b.get(j).is_some_and(u8::is_ascii_digit) {
            out.push(finding(
                text,
                IdentifierKind::Phone,
                i..j,
                format!("{}****", text.get(i..local_start).unwrap_or_default()),
            ));
            i = j;
        } else {
            i += 1;
        }
    }
}

fn emails(text: &str, _chars: &[(usize, char)], out: &mut Vec<Finding>) {
    let ok_local = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-');
    let ok_domain = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-');
    let b = text.as_bytes();
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    for (sign, _) in text.match_indices('@') {
        let mut s = sign;
        while s > 0 && ok_local(at(s - 1)) {
            s -= 1;
        }
        let mut e = sign + 1;
        while e < b.len() && ok_domain(at(e)) {
            e += 1;
        }
        while e > sign + 1 && at(e - 1) == b'.' {
            e -= 1;
        }
        let domain = text.get(sign + 1..e).unwrap_or_default();
        let tld_ok = domain
            .rsplit_once('.')
            .is_some_and(|(_, t)| t.len() >= 2 && t.bytes().all(|c| c.is_ascii_alphabetic()));
        if s < sign && tld_ok {
            out.push(finding(text, IdentifierKind::Email, s..e, "***@***".into()));
        }
    }
}

fn plates(text: &str, chars: &[(usize, char)], out: &mut Vec<Finding>) {
    let plate_char = |c: char| c.is_ascii_digit() || (c.is_ascii_uppercase() && c != 'I' && c != 'O');
    for (k, &(at, c)) in chars.iter().enumerate() {
        if !PLATE_PROVINCES.contains(c) {
            continue;
        }
        let Some(&(_, letter)) = chars.get(k + 1) else { continue };
        if !letter.is_ascii_uppercase() {
            continue;
        }
        let mut m = k + 2;
        if chars.get(m).is_some_and(|(_, c)| matches!(c, '·' | '•' | ' ')) {
            m += 1;
        }
        let tail_start = m;
        while chars.get(m).is_some_and(|(_, c)| plate_char(*c)) {
            m += 1;
        }
        let tail = m - tail_start;
        let next_is_code = chars.get(m).is_some_and(|(_, c)| c.is_ascii_alphanumeric());
        if (5..=6).contains(&tail) && !next_is_code {
            let end = chars.get(m).map_or(text.len(), |(b, _)| *b);
            out.push(finding(text, IdentifierKind::Plate, at..end, format!("{c}{letter}{}", stars(tail))));
        }
    }
}

/// Administrative suffixes up to the district: what is kept of an address.
fn district_end(addr: &str) -> usize {
    let mut keep = 0;
    for (i, c) in addr.char_indices() {
        if matches!(
            c,
            '路' | '街'
                | '道'
                | '巷'
                | '弄'
                | '村'
                | '镇'
                | '乡'
                | '号'
                | '栋'
                | '幢'
                | '楼'
                | '室'
                | '组'
                | '小'
                | '苑'
                | '园'
                | '大'
        ) {
            break;
        }
        if matches!(c, '省' | '市' | '区' | '县' | '旗' | '州' | '盟') {
            keep = i + c.len_utf8();
        }
        if i > 30 {
            break;
        }
    }
    keep
}

fn addresses(text: &str, chars: &[(usize, char)], out: &mut Vec<Finding>) {
    let ends = |c: char| matches!(c, '，' | '。' | '；' | ';' | ',' | '\n' | '）' | ')' | '、' | '：');
    for label in ADDRESS_LABELS {
        for (at, _) in text.match_indices(label) {
            let Some(start) = after_label(text, at, label) else { continue };
            let rest = text.get(start..).unwrap_or_default();
            let len = rest.find(ends).unwrap_or(rest.len());
            let addr = rest.get(..len).unwrap_or_default();
            if addr.chars().count() < 4 {
                continue;
            }
            let keep = district_end(addr);
            if keep < addr.len() {
                out.push(finding(text, IdentifierKind::Address, start + keep..start + len, "****".into()));
            }
        }
    }
    let ch = |k: usize| chars.get(k).map_or(' ', |c| c.1);
    // Street addresses without a label: `…路88号`, `…街12号3幢2单元501室`.
    for (k, &(at, c)) in chars.iter().enumerate() {
        if c != '号' || k == 0 {
            continue;
        }
        // Digits before 号, then a road word before them.
        let mut m = k;
        while m > 0 && ch(m - 1).is_ascii_digit() {
            m -= 1;
        }
        if m == k || m == 0 {
            continue;
        }
        let road = ch(m - 1);
        if !matches!(road, '路' | '街' | '道' | '巷' | '弄' | '村') {
            continue;
        }
        // The road's name: Han characters back to a district suffix or a non-Han character.
        let mut s = m - 1;
        while s > 0
            && is_han(ch(s - 1))
            && !matches!(ch(s - 1), '省' | '市' | '区' | '县' | '旗' | '在' | '于' | '至' | '：')
        {
            s -= 1;
            if m - s > 10 {
                break;
            }
        }
        // The rest: building, unit, room.
        let mut e = k + 1;
        while chars.get(e).is_some_and(|(_, c)| {
            c.is_ascii_digit() || matches!(c, '幢' | '栋' | '单' | '元' | '室' | '楼' | '层' | '-')
        }) {
            e += 1;
        }
        let start = chars.get(s).map_or(0, |c| c.0);
        let end = chars.get(e).map_or(text.len(), |(b, _)| *b);
        let _ = at;
        out.push(finding(text, IdentifierKind::Address, start..end, "****".into()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_what_a_decision_must_not_show_and_keeps_organisations() {
        let text = "当事人：张三，身份证号：110105194912310025，住址：浙江省临川市江滨区江滨路88号3幢501室，\
                    电话：13812345678、0571-87654321，邮箱zhangsan@example.com，车辆浙A·12345，\
                    银行账号：6222 0212 3456 7890 128。法定代表人：欧阳明明。\
                    临川市鲜丰超市有限公司（统一社会信用代码91330100MA2H4K7X1M）。";
        let known = Known { persons: vec!["张三".into()], secrets: vec![] };
        let (out, found) = redact(text, &known);
        for gone in [
            "张三",
            "110105194912310025",
            "江滨路88号",
            "13812345678",
            "87654321",
            "zhangsan@",
            "12345，",
            "6222 0212",
            "欧阳明明",
        ] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        for kept in [
            "张某",
            "欧阳某",
            "浙江省临川市江滨区",
            "临川市鲜丰超市有限公司",
            "91330100MA2H4K7X1M",
            "138****5678",
        ] {
            assert!(out.contains(kept), "{kept} missing from {out}");
        }
        assert!(found.iter().any(|f| f.kind == IdentifierKind::BankAccount), "{found:?}");
    }
}
