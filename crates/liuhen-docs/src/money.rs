//! Amounts of money: Arabic numerals in, fen (分) inside, 大写 (Chinese financial capitals) out.
//!
//! The 大写 rules follow 中国人民银行《支付结算办法》 (附一《正确填写票据和结算凭证的基本规定》):
//! a run of zeros inside the number is written as one 零; an amount ending at 元 or 角 gets 整;
//! an amount with 分 gets no 整; 角 of zero between 元 and 分 is written 零.

/// Why an amount was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("金额为空")]
    Empty,
    #[error("金额须用阿拉伯数字填写（如 50000 或 1234.56），不能含「{0}」")]
    NotArabic(char),
    #[error("金额最多保留两位小数（角、分）")]
    TooManyDecimals,
    #[error("金额格式不正确")]
    Malformed,
    #[error("金额过大")]
    TooLarge,
}

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];

/// Parses an amount written in Arabic numerals with at most two decimals into fen.
///
/// `"50000"`, `"50000.5"` and `"50000.00"` are accepted; signs, separators, spaces, full-width digits
/// and Chinese numerals are not.
pub fn parse_money(text: &str) -> Result<u64, MoneyError> {
    if text.is_empty() {
        return Err(MoneyError::Empty);
    }
    if let Some(c) = text.chars().find(|c| !(c.is_ascii_digit() || *c == '.')) {
        return Err(MoneyError::NotArabic(c));
    }
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    if whole.is_empty() || frac.contains('.') || (text.contains('.') && frac.is_empty()) {
        return Err(MoneyError::Malformed);
    }
    if frac.len() > 2 {
        return Err(MoneyError::TooManyDecimals);
    }
    let yuan: u64 = whole.parse().map_err(|_| MoneyError::TooLarge)?;
    let mut fen_part: u64 = 0;
    for (i, c) in frac.chars().enumerate() {
        let d = u64::from(c.to_digit(10).ok_or(MoneyError::Malformed)?);
        fen_part += if i == 0 { d * 10 } else { d };
    }
    yuan.checked_mul(100).and_then(|f| f.checked_add(fen_part)).ok_or(MoneyError::TooLarge)
}

/// Writes fen as yuan with two decimals, e.g. `5000000` → `"50000.00"`.
pub fn format_yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// The amount in 大写, e.g. 50000.00 → 伍万元整, 1234.56 → 壹仟贰佰叁拾肆元伍角陆分.
pub fn money_daxie(fen: u64) -> String {
    let yuan = fen / 100;
    let jiao = usize::try_from(fen / 10 % 10).unwrap_or(0);
    let fen_digit = usize::try_from(fen % 10).unwrap_or(0);
    let digit = |d: usize| DIGITS.get(d).copied().unwrap_or('零');
    if fen == 0 {
        return "零元整".to_owned();
    }
    let mut out = String::new();
    if yuan > 0 {
        out.push_str(&integer_daxie(yuan));
        out.push('元');
    }
    match (jiao, fen_digit) {
        (0, 0) => out.push('整'),
        (j, 0) => {
            out.push(digit(j));
            out.push_str("角整");
        }
        (0, f) => {
            if yuan > 0 {
                out.push('零');
            }
            out.push(digit(f));
            out.push('分');
        }
        (j, f) => {
            out.push(digit(j));
            out.push('角');
            out.push(digit(f));
            out.push('分');
        }
    }
    out
}

/// A positive integer in 大写 with 拾佰仟万亿 units (no 元).
fn integer_daxie(n: u64) -> String {
    const YI: u64 = 100_000_000;
    const WAN: u64 = 10_000;
    if n >= YI {
        join_with_unit(n / YI, n % YI, '亿', YI / 10)
    } else if n >= WAN {
        join_with_unit(n / WAN, n % WAN, '万', WAN / 10)
    } else {
        section_daxie(n)
    }
}

/// `high` 亿/万 then `low`; a `low` with leading zeros in its section is preceded by one 零.
fn join_with_unit(high: u64, low: u64, unit: char, full_low: u64) -> String {
    let mut out = integer_daxie(high);
    out.push(unit);
    if low > 0 {
        if low < full_low {
            out.push('零');
        }
        out.push_str(&integer_daxie(low));
    }
    out
}

/// 1..=9999 with 仟佰拾; inner zero runs become one 零, trailing zeros vanish.
fn section_daxie(n: u64) -> String {
    const UNITS: [&str; 4] = ["仟", "佰", "拾", ""];
    let digits = [n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10];
    let mut out = String::new();
    let mut pending_zero = false;
    for (d, unit) in digits.iter().zip(UNITS) {
        if *d == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        if pending_zero {
            out.push('零');
            pending_zero = false;
        }
        out.push(DIGITS.get(usize::try_from(*d).unwrap_or(0)).copied().unwrap_or('零'));
        out.push_str(unit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dx(yuan: &str) -> String {
        money_daxie(parse_money(yuan).unwrap())
    }

    #[test]
    fn examples_from_the_brief() {
        assert_eq!(dx("50000.00"), "伍万元整");
        assert_eq!(dx("1234.56"), "壹仟贰佰叁拾肆元伍角陆分");
        assert_eq!(dx("100005"), "壹拾万零伍元整");
        assert_eq!(dx("0"), "零元整");
        assert_eq!(money_daxie(0), "零元整");
    }

    #[test]
    fn small_amounts_and_fractions() {
        assert_eq!(dx("0.05"), "伍分");
        assert_eq!(dx("0.5"), "伍角整");
        assert_eq!(dx("0.56"), "伍角陆分");
        assert_eq!(dx("1"), "壹元整");
        assert_eq!(dx("10"), "壹拾元整");
        assert_eq!(dx("15"), "壹拾伍元整");
        assert_eq!(dx("1000.05"), "壹仟元零伍分");
        assert_eq!(dx("1234.50"), "壹仟贰佰叁拾肆元伍角整");
        assert_eq!(dx("1680.32"), "壹仟陆佰捌拾元叁角贰分");
        assert_eq!(dx("3.02"), "叁元零贰分");
    }

    #[test]
    fn zeros_inside_a_section() {
        assert_eq!(dx("101"), "壹佰零壹元整");
        assert_eq!(dx("110"), "壹佰壹拾元整");
        assert_eq!(dx("1001"), "壹仟零壹元整");
        assert_eq!(dx("1010"), "壹仟零壹拾元整");
        assert_eq!(dx("1100"), "壹仟壹佰元整");
        assert_eq!(dx("9999"), "玖仟玖佰玖拾玖元整");
    }

    #[test]
    fn wan_boundaries() {
        assert_eq!(dx("10000"), "壹万元整");
        assert_eq!(dx("10001"), "壹万零壹元整");
        assert_eq!(dx("10010"), "壹万零壹拾元整");
        assert_eq!(dx("11000"), "壹万壹仟元整");
        assert_eq!(dx("100000"), "壹拾万元整");
        assert_eq!(dx("107000.53"), "壹拾万柒仟元伍角叁分");
        assert_eq!(dx("1000000"), "壹佰万元整");
        assert_eq!(dx("10000000"), "壹仟万元整");
        assert_eq!(dx("10010000"), "壹仟零壹万元整");
        assert_eq!(dx("99999999"), "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元整");
    }

    #[test]
    fn yi_boundaries() {
        assert_eq!(dx("100000000"), "壹亿元整");
        assert_eq!(dx("100000001"), "壹亿零壹元整");
        assert_eq!(dx("100010000"), "壹亿零壹万元整");
        assert_eq!(dx("100120000"), "壹亿零壹拾贰万元整");
        assert_eq!(dx("110000000"), "壹亿壹仟万元整");
        assert_eq!(dx("2000000101"), "贰拾亿零壹佰零壹元整");
        assert_eq!(dx("123456789"), "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元整");
        assert_eq!(dx("1000000000000"), "壹万亿元整");
        assert_eq!(dx("1000100000000"), "壹万零壹亿元整");
    }

    #[test]
    fn largest_amount_does_not_panic() {
        let s = money_daxie(u64::MAX);
        assert!(s.ends_with("分"), "{s}");
    }

    #[test]
    fn parsing() {
        assert_eq!(parse_money("50000"), Ok(5_000_000));
        assert_eq!(parse_money("50000.5"), Ok(5_000_050));
        assert_eq!(parse_money("0.01"), Ok(1));
        assert_eq!(parse_money(""), Err(MoneyError::Empty));
        assert_eq!(parse_money("1.234"), Err(MoneyError::TooManyDecimals));
        assert_eq!(parse_money("五万"), Err(MoneyError::NotArabic('五')));
        assert_eq!(parse_money("50,000"), Err(MoneyError::NotArabic(',')));
        assert_eq!(parse_money("-5"), Err(MoneyError::NotArabic('-')));
        assert_eq!(parse_money("５"), Err(MoneyError::NotArabic('５')));
        assert_eq!(parse_money("1."), Err(MoneyError::Malformed));
        assert_eq!(parse_money(".5"), Err(MoneyError::Malformed));
        assert_eq!(parse_money("1.2.3"), Err(MoneyError::Malformed));
        assert_eq!(parse_money("99999999999999999999"), Err(MoneyError::TooLarge));
        assert_eq!(format_yuan(5_000_000), "50000.00");
        assert_eq!(format_yuan(5), "0.05");
    }
}
