//! Location metadata in MP4/MOV: QuickTime `udta/©xyz`, iTunes-style
//! `meta/ilst/©xyz`, Apple `mdta` keys
//! (`com.apple.quicktime.location.ISO6709`) and the 3GPP `udta/loci` box
//! (which is what FFmpeg writes for MP4).

use super::boxes::{BoxHeader, Children, mem_children, read_body};
use crate::MediaError;
use crate::bytes::{Cursor, text};
use crate::source::Reader;

const XYZ: [u8; 4] = [0xa9, b'x', b'y', b'z'];
const APPLE_KEY: &str = "com.apple.quicktime.location.ISO6709";
const CAP: u64 = 64 * 1024;

/// A location as stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FoundLocation {
    /// An ISO 6709 string.
    Iso6709(String),
    /// 3GPP `loci`: latitude, longitude (degrees), altitude (metres).
    Loci(f64, f64, f64),
}

/// Searches a `udta` box for a location; an ISO 6709 string wins over `loci`.
pub(crate) fn from_udta(r: &mut Reader<'_>, udta: &BoxHeader) -> Result<Option<FoundLocation>, MediaError> {
    let mut loci = None;
    let mut it = Children::of(udta);
    while let Some(h) = it.next(r)? {
        let found = match &h.kind {
            k if *k == XYZ => {
                let b = read_body(r, &h, 1024)?;
                qt_string(&b).or_else(|| data_string(&b))
            }
            b"meta" => from_meta(r, &h)?,
            b"loci" if loci.is_none() => {
                loci = parse_loci(&read_body(r, &h, 1024)?);
                None
            }
            _ => None,
        };
        if let Some(s) = found {
            return Ok(Some(FoundLocation::Iso6709(s)));
        }
    }
    Ok(loci)
}

/// 3GPP TS 26.244 `loci`: full box, language, name, role, then 16.16 fixed-point
/// longitude, latitude and altitude.
fn parse_loci(b: &[u8]) -> Option<FoundLocation> {
    let name_at = 6;
    let name_len = b.get(name_at..)?.iter().position(|&c| c == 0)?;
    let mut c = Cursor::new(b.get(name_at + name_len + 2..)?);
    let mut fixed = || c.u32be().map(|v| f64::from(v as i32) / 65_536.0);
    let (lon, lat, alt) = (fixed()?, fixed()?, fixed()?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
        .then_some(FoundLocation::Loci(lat, lon, alt))
}

/// Searches a `meta` box (ISO full box or QuickTime plain box) for a location.
pub(crate) fn from_meta(r: &mut Reader<'_>, meta: &BoxHeader) -> Result<Option<String>, MediaError> {
    // ISO `meta` is a full box (4 bytes of version/flags); QuickTime's is not.
    let mut first = meta.body;
    if meta.body_len() >= 4 && r.array::<4>(meta.body)? == [0; 4] {
        first += 4;
    }
    let mut keys: Vec<String> = Vec::new();
    let mut ilst = None;
    let mut it = Children::within(first, meta.end);
    while let Some(h) = it.next(r)? {
        match &h.kind {
            b"keys" => keys = parse_keys(&read_body(r, &h, CAP)?),
            b"ilst" => ilst = Some(h),
            _ => {}
        }
    }
    let Some(ilst) = ilst else { return Ok(None) };
    let mut it = Children::of(&ilst);
    while let Some(item) = it.next(r)? {
        let index = usize::try_from(u32::from_be_bytes(item.kind)).unwrap_or(usize::MAX);
        let wanted = item.kind == XYZ
            || index.checked_sub(1).and_then(|i| keys.get(i)).is_some_and(|k| k == APPLE_KEY);
        if wanted {
            let b = read_body(r, &item, 1024)?;
            if let Some(s) =
                mem_children(&b).into_iter().find(|(k, _)| k == b"data").and_then(|(_, d)| data_value(d))
            {
                return Ok(Some(s));
            }
        }
    }
    Ok(None)
}

/// QuickTime user-data text: 16-bit length, 16-bit language, then the text.
fn qt_string(b: &[u8]) -> Option<String> {
    let mut c = Cursor::new(b);
    let len = usize::from(c.u16be()?);
    c.skip(2)?;
    let s = text(c.take(len.min(c.remaining()))?);
    (!s.is_empty() && s.starts_with(['+', '-'])).then_some(s)
}

/// A `©xyz` that holds a `data` box instead of QuickTime text.
fn data_string(b: &[u8]) -> Option<String> {
    mem_children(b).into_iter().find(|(k, _)| k == b"data").and_then(|(_, d)| data_value(d))
}

/// Value of an iTunes/mdta `data` box body: 4 bytes type, 4 bytes locale, value.
fn data_value(d: &[u8]) -> Option<String> {
    Some(text(d.get(8..)?)).filter(|s| !s.is_empty())
}

fn parse_keys(b: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut c = Cursor::new(b);
    let Some(count) = c.skip(4).and_then(|_| c.u32be()) else { return out };
    for _ in 0..count.min(1024) {
        let Some(size) = c.u32be().and_then(|s| usize::try_from(s).ok()) else { break };
        let Some(entry) = size.checked_sub(4).and_then(|n| c.take(n)) else { break };
        out.push(text(entry.get(4..).unwrap_or_default()));
    }
    out
}
