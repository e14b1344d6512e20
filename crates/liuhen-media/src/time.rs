//! Calendar arithmetic (proleptic Gregorian, UTC) without a clock.

use crate::facts::LocalDateTime;

/// Seconds from 1904-01-01T00:00:00Z (the QuickTime/MP4 epoch) to the Unix epoch.
pub(crate) const MP4_EPOCH_TO_UNIX: i64 = 2_082_844_800;

/// Days since 1970-01-01 for a civil date.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date for days since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time.
pub(crate) fn format_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses an EXIF date-time, `YYYY:MM:DD HH:MM:SS` (also accepts `-` and `T`).
pub(crate) fn parse_exif_datetime(raw: &str) -> Option<LocalDateTime> {
    let s = raw.trim();
    let date = s.get(0..10)?;
    let sep = s.get(10..11)?;
    let time = s.get(11..19)?;
    if sep != " " && sep != "T" {
        return None;
    }
    let mut d = date.split([':', '-']);
    let mut t = time.split(':');
    let year = digits(d.next()?)?;
    let month = digits(d.next()?)?;
    let day = digits(d.next()?)?;
    let hour = digits(t.next()?)?;
    let minute = digits(t.next()?)?;
    let second = digits(t.next()?)?;
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61;
    if !valid {
        return None;
    }
    Some(LocalDateTime {
        year: i32::try_from(year).ok()?,
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses an EXIF offset such as `+08:00` into minutes east of UTC.
pub(crate) fn parse_offset(raw: &str) -> Option<i32> {
    let s = raw.trim();
    let sign = match s.get(0..1)? {
        "+" => 1,
        "-" => -1,
        _ => return None,
    };
    let (h, m) = s.get(1..)?.split_once(':')?;
    let (h, m) = (digits(h)?, digits(m)?);
    if h > 14 || m > 59 {
        return None;
    }
    Some(sign * i32::try_from(h * 60 + m).ok()?)
}

/// Unix seconds for a local date-time at a UTC offset.
pub(crate) fn local_to_unix(t: &LocalDateTime, offset_minutes: i32) -> i64 {
    let days = days_from_civil(i64::from(t.year), u32::from(t.month), u32::from(t.day));
    days * 86_400 + i64::from(t.hour) * 3600 + i64::from(t.minute) * 60 + i64::from(t.second)
        - i64::from(offset_minutes) * 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        for days in [-800_000, -1, 0, 1, 11_016, 20_514, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(format_utc(1_772_443_800), "2026-03-02T09:30:00Z");
        assert_eq!(format_utc(-MP4_EPOCH_TO_UNIX), "1904-01-01T00:00:00Z");
    }

    #[test]
    fn exif_strings() {
        let t = parse_exif_datetime("2026:03:02 17:30:00").unwrap();
        assert_eq!((t.year, t.month, t.day, t.hour), (2026, 3, 2, 17));
        assert_eq!(local_to_unix(&t, parse_offset("+08:00").unwrap()), 1_772_443_800);
        assert!(parse_exif_datetime("    :  :     :  :  ").is_none());
        assert!(parse_exif_datetime("2026:02:30 00:00:00").is_none());
        assert_eq!(parse_offset("-05:30"), Some(-330));
        assert_eq!(parse_offset("   :  "), None);
    }
}
