//! EXIF (TIFF) metadata: IFD0, the Exif IFD and the GPS IFD.
//!
//! Input is the TIFF structure inside a JPEG APP1 `Exif\0\0` segment (at most
//! 64 KiB), so everything here works on an in-memory slice.

use crate::bytes::text;
use crate::facts::{Location, LocationSource};
use crate::time::days_from_civil;

/// The EXIF tags this crate reports.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Exif {
    pub make: Option<String>,
    pub model: Option<String>,
    pub orientation: Option<u16>,
    pub date_time: Option<String>,
    pub offset_time: Option<String>,
    pub date_time_original: Option<String>,
    pub offset_time_original: Option<String>,
    pub gps: Option<Location>,
    pub warnings: Vec<String>,
}

const MAX_ENTRIES: usize = 1024;

#[derive(Clone, Copy)]
enum Endian {
    Little,
    Big,
}

#[derive(Clone, Copy)]
struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    /// Offset of the value within the TIFF data.
    value: usize,
}

struct Tiff<'a> {
    data: &'a [u8],
    endian: Endian,
}

impl Tiff<'_> {
    fn u16(&self, off: usize) -> Option<u16> {
        let b: [u8; 2] = self.data.get(off..off.checked_add(2)?)?.try_into().ok()?;
        Some(match self.endian {
            Endian::Little => u16::from_le_bytes(b),
            Endian::Big => u16::from_be_bytes(b),
        })
    }

    fn u32(&self, off: usize) -> Option<u32> {
        let b: [u8; 4] = self.data.get(off..off.checked_add(4)?)?.try_into().ok()?;
        Some(match self.endian {
            Endian::Little => u32::from_le_bytes(b),
            Endian::Big => u32::from_be_bytes(b),
        })
    }

    /// Entries of the IFD at `off`; as many as fit in the data.
    fn entries(&self, off: usize) -> Option<Vec<Entry>> {
        let n = usize::from(self.u16(off)?).min(MAX_ENTRIES);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let at = off + 2 + i * 12;
            let (Some(tag), Some(kind), Some(count)) = (self.u16(at), self.u16(at + 2), self.u32(at + 4))
            else {
                break;
            };
            let size = type_size(kind).and_then(|s| s.checked_mul(usize::try_from(count).ok()?));
            let value = match size {
                Some(s) if s <= 4 => at + 8,
                _ => self.u32(at + 8).and_then(|v| usize::try_from(v).ok()).unwrap_or(usize::MAX),
            };
            out.push(Entry { tag, kind, count, value });
        }
        Some(out)
    }

    fn bytes(&self, e: &Entry) -> Option<&[u8]> {
        let len = type_size(e.kind)?.checked_mul(usize::try_from(e.count).ok()?)?;
        self.data.get(e.value..e.value.checked_add(len)?)
    }

    fn ascii(&self, e: &Entry) -> Option<String> {
        if e.kind != 2 && e.kind != 7 && e.kind != 1 {
            return None;
        }
        Some(text(self.bytes(e)?)).filter(|s| !s.is_empty())
    }

    fn uint(&self, e: &Entry) -> Option<u32> {
        match e.kind {
            1 | 7 => self.bytes(e)?.first().map(|&b| u32::from(b)),
            3 => self.u16(e.value).map(u32::from),
            4 => self.u32(e.value),
            _ => None,
        }
    }

    fn rational(&self, e: &Entry, index: usize) -> Option<f64> {
        if e.kind != 5 || index >= usize::try_from(e.count).ok()? {
            return None;
        }
        let at = e.value.checked_add(index * 8)?;
        let (n, d) = (self.u32(at)?, self.u32(at + 4)?);
        (d != 0).then(|| f64::from(n) / f64::from(d))
    }

    fn dms(&self, e: &Entry) -> Option<f64> {
        let d = self.rational(e, 0)?;
        let m = self.rational(e, 1).unwrap_or(0.0);
        let s = self.rational(e, 2).unwrap_or(0.0);
        Some(d + m / 60.0 + s / 3600.0)
    }
}

fn type_size(kind: u16) -> Option<usize> {
    match kind {
        1 | 2 | 6 | 7 => Some(1),
        3 | 8 => Some(2),
        4 | 9 | 11 => Some(4),
        5 | 10 | 12 => Some(8),
        _ => None,
    }
}

/// Parses a TIFF/EXIF block. Returns `None` if the header is not TIFF.
pub(crate) fn parse(data: &[u8]) -> Option<Exif> {
    let endian = match data.get(..2)? {
        b"II" => Endian::Little,
        b"MM" => Endian::Big,
        _ => return None,
    };
    let t = Tiff { data, endian };
    if t.u16(2)? != 42 {
        return None;
    }
    let mut ex = Exif::default();
    let ifd0 = usize::try_from(t.u32(4)?).ok()?;
    let Some(entries) = t.entries(ifd0) else {
        ex.warnings.push(format!("EXIF IFD0 offset {ifd0} is outside the EXIF data"));
        return Some(ex);
    };
    let (mut exif_ifd, mut gps_ifd) = (None, None);
    for e in &entries {
        match e.tag {
            0x010f => ex.make = t.ascii(e),
            0x0110 => ex.model = t.ascii(e),
            0x0112 => ex.orientation = t.uint(e).and_then(|v| u16::try_from(v).ok()),
            0x0132 => ex.date_time = t.ascii(e),
            0x8769 => exif_ifd = t.uint(e),
            0x8825 => gps_ifd = t.uint(e),
            _ => {}
        }
    }
    if let Some(off) = exif_ifd {
        match usize::try_from(off).ok().and_then(|o| t.entries(o)) {
            Some(entries) => {
                for e in &entries {
                    match e.tag {
                        0x9003 => ex.date_time_original = t.ascii(e),
                        0x9010 => ex.offset_time = t.ascii(e),
                        0x9011 => ex.offset_time_original = t.ascii(e),
                        _ => {}
                    }
                }
            }
            None => ex.warnings.push(format!("EXIF sub-IFD offset {off} is outside the EXIF data")),
        }
    }
    if let Some(off) = gps_ifd {
        match usize::try_from(off).ok().and_then(|o| t.entries(o)) {
            Some(entries) => ex.gps = gps(&t, &entries),
            None => ex.warnings.push(format!("EXIF GPS IFD offset {off} is outside the EXIF data")),
        }
    }
    Some(ex)
}

fn gps(t: &Tiff<'_>, entries: &[Entry]) -> Option<Location> {
    let find = |tag: u16| entries.iter().find(|e| e.tag == tag);
    let lat_ref = find(1).and_then(|e| t.ascii(e));
    let lon_ref = find(3).and_then(|e| t.ascii(e));
    let mut lat = t.dms(find(2)?)?;
    let mut lon = t.dms(find(4)?)?;
    if lat_ref.as_deref().is_some_and(|r| r.eq_ignore_ascii_case("S")) {
        lat = -lat;
    }
    if lon_ref.as_deref().is_some_and(|r| r.eq_ignore_ascii_case("W")) {
        lon = -lon;
    }
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return None;
    }
    let below = find(5).and_then(|e| t.uint(e)) == Some(1);
    let altitude_m = find(6).and_then(|e| t.rational(e, 0)).map(|a| if below { -a } else { a });
    Some(Location {
        latitude: lat,
        longitude: lon,
        altitude_m,
        source: LocationSource::ExifGps,
        raw: None,
        gps_time_utc: gps_time(t, find(29), find(7)),
    })
}

fn gps_time(t: &Tiff<'_>, date: Option<&Entry>, time: Option<&Entry>) -> Option<String> {
    let date = t.ascii(date?)?;
    let mut parts = date.split(':').map(|p| p.parse::<u32>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let time = time?;
    let secs = t.rational(time, 0)? * 3600.0 + t.rational(time, 1)? * 60.0 + t.rational(time, 2)?;
    if !(0.0..86_401.0).contains(&secs) {
        return None;
    }
    let unix = days_from_civil(i64::from(y), m, d) * 86_400 + secs as i64;
    Some(crate::time::format_utc(unix))
}
