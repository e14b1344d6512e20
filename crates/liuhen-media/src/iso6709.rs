//! ISO 6709 point strings such as `+39.9042+116.4074+043.500/`.

/// Parses latitude, longitude (decimal degrees) and optional altitude (metres).
///
/// Accepts degrees (`±DD.D`, `±DDD.D`), degrees-minutes (`±DDMM.M`,
/// `±DDDMM.M`) and degrees-minutes-seconds (`±DDMMSS.S`, `±DDDMMSS.S`),
/// an optional trailing `CRS…` designator and `/`.
pub(crate) fn parse(raw: &str) -> Option<(f64, f64, Option<f64>)> {
    let s = raw.trim();
    let s = s.split("CRS").next()?.trim_end_matches('/');
    let mut parts: Vec<&str> = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match c {
            '+' | '-' => {
                if let Some(st) = start {
                    parts.push(s.get(st..i)?);
                }
                start = Some(i);
                if parts.len() >= 3 {
                    return None;
                }
            }
            '0'..='9' | '.' if start.is_some() => {}
            _ => return None,
        }
    }
    parts.push(s.get(start?..)?);
    let mut it = parts.into_iter();
    let lat = angle(it.next()?, 2)?;
    let lon = angle(it.next()?, 3)?;
    let alt = match it.next() {
        Some(a) => Some(a.parse::<f64>().ok().filter(|v| v.is_finite())?),
        None => None,
    };
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return None;
    }
    Some((lat, lon, alt))
}

fn angle(part: &str, deg_digits: usize) -> Option<f64> {
    let (sign, body) = match part.split_at_checked(1)? {
        ("+", b) => (1.0, b),
        ("-", b) => (-1.0, b),
        _ => return None,
    };
    let int_len = body.find('.').unwrap_or(body.len());
    let int = body.get(..int_len)?;
    let frac = body.get(int_len..)?;
    let num = |s: &str| -> Option<f64> { if s.is_empty() { Some(0.0) } else { s.parse().ok() } };
    let value = if int_len == deg_digits {
        num(body)?
    } else if int_len == deg_digits + 2 {
        num(int.get(..deg_digits)?)? + num(&format!("{}{frac}", int.get(deg_digits..)?))? / 60.0
    } else if int_len == deg_digits + 4 {
        let d = num(int.get(..deg_digits)?)?;
        let m = num(int.get(deg_digits..deg_digits + 2)?)?;
        let sec = num(&format!("{}{frac}", int.get(deg_digits + 2..)?))?;
        d + m / 60.0 + sec / 3600.0
    } else {
        return None;
    };
    Some(sign * value)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn forms() {
        assert_eq!(parse("+39.9042+116.4074/"), Some((39.9042, 116.4074, None)));
        assert_eq!(parse("-33.8688+151.2093+058.100/"), Some((-33.8688, 151.2093, Some(58.1))));
        let (lat, lon, _) = parse("+3954.252+11624.444/").unwrap();
        assert!((lat - 39.9042).abs() < 1e-6 && (lon - 116.4074).abs() < 1e-6);
        let (lat, lon, _) = parse("+395415.12-1162426.64CRSWGS_84/").unwrap();
        assert!((lat - 39.904_2).abs() < 1e-4 && (lon + 116.4074).abs() < 1e-4);
        assert_eq!(parse(""), None);
        assert_eq!(parse("+99.0+000.0/"), None);
        assert_eq!(parse("hello"), None);
    }
}
