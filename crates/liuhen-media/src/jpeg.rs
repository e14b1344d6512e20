//! JPEG: walks marker segments up to the first scan, reading only segment
//! headers, the frame header and the EXIF APP1 segment.

use crate::facts::{CameraFacts, CreationTime, ImageFacts, MediaFacts, TimeSource};
use crate::source::Reader;
use crate::time::{format_utc, local_to_unix, parse_exif_datetime, parse_offset};
use crate::{Container, exif};

const MAX_SEGMENTS: u32 = 4096;

pub(crate) fn probe(r: &mut Reader<'_>) -> Result<MediaFacts, String> {
    let mut facts = MediaFacts::new(Container::Jpeg);
    let mut image = ImageFacts { width: None, height: None, orientation: None };
    let mut exif_seen = false;
    let mut pos = 2u64;
    let mut ended = false;
    for _ in 0..MAX_SEGMENTS {
        let head: [u8; 4] = match r.array(pos) {
            Ok(h) => h,
            Err(e) => {
                facts.warnings.push(format!("JPEG segments end early at offset {pos}: {e}"));
                ended = true;
                break;
            }
        };
        let [ff, marker, hi, lo] = head;
        if ff != 0xff {
            facts.warnings.push(format!("JPEG marker expected at offset {pos}"));
            ended = true;
            break;
        }
        match marker {
            0xff => {
                pos += 1;
                continue;
            }
            0x01 | 0xd0..=0xd7 => {
                pos += 2;
                continue;
            }
            0xd9 | 0xda => {
                ended = true;
                break;
            }
            _ => {}
        }
        let len = u64::from(u16::from_be_bytes([hi, lo]));
        if len < 2 {
            facts.warnings.push(format!("JPEG segment at offset {pos} has length {len}"));
            ended = true;
            break;
        }
        let body = pos + 4;
        let body_len = len - 2;
        match marker {
            0xe1 if !exif_seen => match r.read_up_to(body, body_len) {
                Ok(b) if b.starts_with(b"Exif\0\0") => {
                    exif_seen = true;
                    apply_exif(&mut facts, &mut image, b.get(6..).unwrap_or_default());
                }
                Ok(_) => {}
                Err(e) => facts.warnings.push(format!("JPEG APP1 segment unreadable: {e}")),
            },
            0xc0..=0xc3 | 0xc5..=0xc7 | 0xc9..=0xcb | 0xcd..=0xcf if image.width.is_none() => {
                match r.array::<5>(body) {
                    Ok([_, h1, h0, w1, w0]) => {
                        image.height = Some(u32::from(u16::from_be_bytes([h1, h0])));
                        image.width = Some(u32::from(u16::from_be_bytes([w1, w0])));
                    }
                    Err(e) => facts.warnings.push(format!("JPEG frame header unreadable: {e}")),
                }
            }
            _ => {}
        }
        pos = body + body_len;
    }
    if !ended {
        facts.warnings.push(format!("stopped after {MAX_SEGMENTS} JPEG segments"));
    }
    if image.width.is_none() && !exif_seen {
        return Err("JPEG has neither a frame header nor EXIF data".to_owned());
    }
    if image.width.is_none() {
        facts.warnings.push("JPEG frame header (SOF) not found".to_owned());
    }
    facts.image = Some(image);
    Ok(facts)
}

fn apply_exif(facts: &mut MediaFacts, image: &mut ImageFacts, tiff: &[u8]) {
    let Some(ex) = exif::parse(tiff) else {
        facts.warnings.push("EXIF APP1 segment does not hold a TIFF structure".to_owned());
        return;
    };
    facts.warnings.extend(ex.warnings);
    image.orientation = ex.orientation;
    if ex.make.is_some() || ex.model.is_some() {
        facts.camera = Some(CameraFacts { make: ex.make, model: ex.model });
    }
    let chosen = match (ex.date_time_original, ex.date_time) {
        (Some(raw), _) => Some((TimeSource::ExifDateTimeOriginal, raw, ex.offset_time_original)),
        (None, Some(raw)) => Some((TimeSource::ExifDateTime, raw, ex.offset_time)),
        (None, None) => None,
    };
    if let Some((source, raw, raw_offset)) = chosen {
        let local = parse_exif_datetime(&raw);
        let offset_minutes = raw_offset.as_deref().and_then(parse_offset);
        let unix_seconds = match (&local, offset_minutes) {
            (Some(l), Some(o)) => Some(local_to_unix(l, o)),
            _ => None,
        };
        facts.creation_time = Some(CreationTime {
            source,
            raw,
            unix_seconds,
            utc: unix_seconds.map(format_utc),
            local,
            raw_offset,
            offset_minutes,
        });
    }
    facts.location = ex.gps;
}
