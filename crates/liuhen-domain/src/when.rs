//! The instants and lengths liuhen accepts, and 北京时间.
//!
//! Every time a caller or a device states — when an act began and ended, when
//! a clip started, how long it runs — is checked here before anything computes
//! with it, so that no later addition, subtraction or change of offset can
//! leave the range `time` represents (it panics when it does). An enforcement
//! record dated before 1990 or after 2099 is a typing or clock error, never an
//! enforcement act: it is refused naming the field, and nothing is kept.

use time::macros::{datetime, offset};
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::ValidationError;

/// 北京时间 (UTC+8): the offset documents, days and deadlines are reckoned in.
pub const BEIJING: UtcOffset = offset!(+8);

/// The earliest instant of an enforcement record liuhen takes in.
pub const EARLIEST: OffsetDateTime = datetime!(1990-01-01 00:00 UTC);

/// The first instant after the latest one liuhen takes in.
pub const LATEST: OffsetDateTime = datetime!(2100-01-01 00:00 UTC);

/// The longest recording one evidence file may say it holds: a week, as for
/// an act. A file claiming more is kept, but its length is not believed.
pub const MAX_RECORDING_MS: u64 = 7 * 24 * 3600 * 1000;

/// `t` when it lies in [`EARLIEST`, `LATEST`), else an error naming `field`.
pub fn bounded(field: &str, t: OffsetDateTime) -> Result<OffsetDateTime, ValidationError> {
    if t < EARLIEST || t >= LATEST {
        return Err(ValidationError::new(
            field,
            "must lie between 1990-01-01 and 2099-12-31 (a date outside is a typing or device-clock error)",
        ));
    }
    Ok(t)
}

// `day`: a calendar day as `YYYY-MM-DD` in JSON (`#[serde(with = "liuhen_domain::when::day")]`).
time::serde::format_description!(
    pub day,
    Date,
    "[year]-[month]-[day]"
);

/// `t` in 北京时间; `t` unchanged in the (unreachable for bounded input)
/// case where the shift would leave the representable range.
pub fn in_beijing(t: OffsetDateTime) -> OffsetDateTime {
    t.checked_to_offset(BEIJING).unwrap_or(t)
}

/// `t` in UTC, never panicking (see [`in_beijing`]).
pub fn in_utc(t: OffsetDateTime) -> OffsetDateTime {
    t.checked_to_offset(UtcOffset::UTC).unwrap_or(t)
}

/// A recording's length from what a file says, when it is believable: at
/// most [`MAX_RECORDING_MS`].
pub fn recording_length(ms: Option<u64>) -> Option<Duration> {
    ms.filter(|ms| *ms <= MAX_RECORDING_MS).and_then(|ms| i64::try_from(ms).ok()).map(Duration::milliseconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_refuse_what_time_arithmetic_cannot_carry() {
        assert!(bounded("t", datetime!(2026-03-02 09:30 +8)).is_ok());
        for t in [
            datetime!(9999-12-31 23:59:59.999 UTC),
            datetime!(9999-12-31 23:00 -5),
            datetime!(0001-01-01 00:00 UTC),
            datetime!(1969-12-31 23:59 UTC),
            datetime!(2100-01-01 07:59 +8).to_offset(UtcOffset::UTC) + Duration::hours(1),
        ] {
            assert_eq!(bounded("recorded_start", t).unwrap_err().field, "recorded_start");
        }
        assert_eq!(in_beijing(datetime!(9999-12-31 20:00 UTC)), datetime!(9999-12-31 20:00 UTC));
        assert_eq!(in_beijing(datetime!(2026-01-01 00:00 UTC)).hour(), 8);
        assert_eq!(recording_length(Some(u64::MAX)), None);
        assert_eq!(recording_length(Some(5000)), Some(Duration::seconds(5)));
    }
}
