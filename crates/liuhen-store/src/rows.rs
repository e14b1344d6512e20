//! Decoding stored values into domain types.

use std::str::FromStr;

use sqlx::any::AnyRow;
use sqlx::{Any, Decode, Row, Type};
use time::{OffsetDateTime, UtcOffset};

use crate::error::{Result, StoreError};

pub(crate) fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T>
where
    T: Decode<'r, Any> + Type<Any>,
{
    row.try_get(name).map_err(|e| StoreError::Corrupt(format!("column {name}: {e}")))
}

pub(crate) fn parsed<T: FromStr>(row: &AnyRow, name: &str) -> Result<T> {
    let s: String = col(row, name)?;
    s.parse().map_err(|_| StoreError::Corrupt(format!("column {name}: unexpected value {s:?}")))
}

pub(crate) fn parsed_opt<T: FromStr>(row: &AnyRow, name: &str) -> Result<Option<T>> {
    let s: Option<String> = col(row, name)?;
    s.map(|s| s.parse().map_err(|_| StoreError::Corrupt(format!("column {name}: unexpected value {s:?}"))))
        .transpose()
}

/// Parses a labelled enum stored by its code.
pub(crate) fn code<T>(row: &AnyRow, name: &str, from_code: fn(&str) -> Option<T>) -> Result<T> {
    let s: String = col(row, name)?;
    from_code(&s).ok_or_else(|| StoreError::Corrupt(format!("column {name}: unknown code {s:?}")))
}

pub(crate) fn flag(row: &AnyRow, name: &str) -> Result<bool> {
    let v: i64 = col(row, name)?;
    Ok(v != 0)
}

pub(crate) fn time_ms(row: &AnyRow, name: &str) -> Result<OffsetDateTime> {
    let ms: i64 = col(row, name)?;
    from_ms(ms, 0)
}

pub(crate) fn from_ms(ms: i64, offset_s: i64) -> Result<OffsetDateTime> {
    let offset = i32::try_from(offset_s)
        .ok()
        .and_then(|s| UtcOffset::from_whole_seconds(s).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("bad UTC offset {offset_s}")))?;
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.checked_to_offset(offset))
        .ok_or_else(|| StoreError::Corrupt(format!("time {ms} out of range")))
}

pub(crate) use liuhen_domain::unix_ms as to_ms;
