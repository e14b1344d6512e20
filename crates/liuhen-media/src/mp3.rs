//! MPEG audio (MP3, and layers I/II): skips ID3v2 tags, finds the first frame,
//! then takes the duration from a Xing/Info or VBRI header, or by walking
//! frame headers (4 bytes read per frame, at most [`MAX_WALK_FRAMES`]).
//! Past that cap the rest is extrapolated from the walked frames' bitrate
//! and the duration is flagged as estimated.

use crate::bytes::Cursor;
use crate::facts::{AudioFacts, DurationSource, MediaDuration, MediaFacts};
use crate::source::Reader;
use crate::{Container, mp4::rounded_ms};

/// Most frame headers read when there is no Xing/VBRI header (≈ 43 min at 44.1 kHz).
pub const MAX_WALK_FRAMES: u64 = 100_000;
/// How far past the ID3 tag to look for the first frame.
const SYNC_WINDOW: u64 = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    /// 1 = MPEG-1, 2 = MPEG-2, 25 = MPEG-2.5.
    version: u8,
    layer: u8,
    bitrate_kbps: u32,
    sample_rate: u32,
    channels: u16,
    frame_len: u32,
    samples: u32,
}

const BITRATES_V1: [[u32; 14]; 3] = [
    [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
];
const BITRATES_V2: [[u32; 14]; 2] = [
    [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];

impl FrameHeader {
    /// Decodes a 4-byte frame header; `None` for anything invalid or free-format.
    pub(crate) fn parse(b: [u8; 4]) -> Option<FrameHeader> {
        let h = u32::from_be_bytes(b);
        if h >> 21 != 0x7ff {
            return None;
        }
        let version = match (h >> 19) & 3 {
            0 => 25,
            2 => 2,
            3 => 1,
            _ => return None,
        };
        let layer = match (h >> 17) & 3 {
            1 => 3,
            2 => 2,
            3 => 1,
            _ => return None,
        };
        let br_index = usize::try_from((h >> 12) & 0xf).ok()?;
        let sr_index = (h >> 10) & 3;
        let padding = (h >> 9) & 1;
        let mode = (h >> 6) & 3;
        let row = match (version, layer) {
            (1, l) => BITRATES_V1.get(usize::from(l - 1))?,
            (_, 1) => BITRATES_V2.first()?,
            _ => BITRATES_V2.get(1)?,
        };
        let bitrate_kbps = *row.get(br_index.checked_sub(1)?)?;
        let base = match sr_index {
            0 => 44_100,
            1 => 48_000,
            2 => 32_000,
            _ => return None,
        };
        let sample_rate = match version {
            1 => base,
            2 => base / 2,
            _ => base / 4,
        };
        let bps = bitrate_kbps * 1000;
        let (frame_len, samples) = match (layer, version) {
            (1, _) => ((12 * bps / sample_rate + padding) * 4, 384),
            (2, _) => (144 * bps / sample_rate + padding, 1152),
            (_, 1) => (144 * bps / sample_rate + padding, 1152),
            _ => (72 * bps / sample_rate + padding, 576),
        };
        Some(FrameHeader {
            version,
            layer,
            bitrate_kbps,
            sample_rate,
            channels: if mode == 3 { 1 } else { 2 },
            frame_len,
            samples,
        })
    }

    fn side_info_len(&self) -> usize {
        match (self.version, self.channels) {
            (1, 1) => 17,
            (1, _) => 32,
            (_, 1) => 9,
            _ => 17,
        }
    }
}

pub(crate) fn probe(r: &mut Reader<'_>) -> Result<MediaFacts, String> {
    probe_with_cap(r, MAX_WALK_FRAMES)
}

pub(crate) fn probe_with_cap(r: &mut Reader<'_>, cap: u64) -> Result<MediaFacts, String> {
    let mut facts = MediaFacts::new(Container::Mp3);
    let start = skip_id3(r);
    let (first_at, first) = find_first_frame(r, start).ok_or("no MPEG audio frame found")?;
    let audio_end = audio_end(r);
    let frame = r.read_up_to(first_at, u64::from(first.frame_len).min(4096)).unwrap_or_default();
    let info = vbr_header(&frame, &first);
    let sr = u64::from(first.sample_rate);
    let mut bitrate = Some(u64::from(first.bitrate_kbps) * 1000);
    facts.duration = match info {
        Some(VbrHeader { variable, frames: Some(frames), bytes, source }) => {
            let samples = frames * u64::from(first.samples);
            if let Some(b) = bytes.filter(|_| variable && samples > 0) {
                bitrate = Some(b.saturating_mul(8).saturating_mul(sr) / samples);
            }
            Some(MediaDuration { milliseconds: rounded_ms(samples, sr), source, estimated: false })
        }
        _ => {
            let skip_first = info.is_some();
            walk(r, first_at, audio_end, cap, skip_first, &first, &mut facts.warnings)
        }
    };
    facts.audio = Some(AudioFacts {
        codec: format!("mp{}", first.layer),
        codec_tag: None,
        sample_rate: Some(first.sample_rate),
        channels: Some(first.channels),
        bits_per_sample: None,
        bitrate,
    });
    Ok(facts)
}

fn skip_id3(r: &mut Reader<'_>) -> u64 {
    let mut pos = 0u64;
    for _ in 0..8 {
        let Ok(h) = r.array::<10>(pos) else { break };
        if !h.starts_with(b"ID3") {
            break;
        }
        let size =
            h.get(6..10).unwrap_or_default().iter().fold(0u64, |acc, &b| (acc << 7) | u64::from(b & 0x7f));
        let footer = if h.get(5).is_some_and(|f| f & 0x10 != 0) { 10 } else { 0 };
        pos += 10 + size + footer;
    }
    pos
}

fn header_at(r: &mut Reader<'_>, pos: u64) -> Option<FrameHeader> {
    r.array::<4>(pos).ok().and_then(FrameHeader::parse)
}

/// First offset holding a frame header that is followed by another (or by the end).
fn find_first_frame(r: &mut Reader<'_>, start: u64) -> Option<(u64, FrameHeader)> {
    let window = r.read_up_to(start, SYNC_WINDOW).ok()?;
    for i in 0..window.len() {
        let Some(h) = window.get(i..i + 4).and_then(|s| <[u8; 4]>::try_from(s).ok()) else { break };
        let Some(hdr) = FrameHeader::parse(h) else { continue };
        let at = start + i as u64;
        let next = at + u64::from(hdr.frame_len);
        if next >= r.len() || header_at(r, next).is_some_and(|n| n.sample_rate == hdr.sample_rate) {
            return Some((at, hdr));
        }
    }
    None
}

/// End of the audio: the file length less a trailing ID3v1 tag.
fn audio_end(r: &mut Reader<'_>) -> u64 {
    let len = r.len();
    match len.checked_sub(128).map(|at| r.array::<3>(at)) {
        Some(Ok(tag)) if &tag == b"TAG" => len - 128,
        _ => len,
    }
}

struct VbrHeader {
    /// `Xing`/`VBRI` (variable bitrate) rather than LAME's `Info` (constant).
    variable: bool,
    frames: Option<u64>,
    bytes: Option<u64>,
    source: DurationSource,
}

fn vbr_header(frame: &[u8], h: &FrameHeader) -> Option<VbrHeader> {
    for at in [4 + h.side_info_len(), 6 + h.side_info_len()] {
        let Some(tag) = frame.get(at..at + 4) else { continue };
        if tag == b"Xing" || tag == b"Info" {
            let mut c = Cursor::new(frame.get(at + 4..)?);
            let flags = c.u32be()?;
            let frames = if flags & 1 != 0 { c.u32be().map(u64::from) } else { None };
            let bytes = if flags & 2 != 0 { c.u32be().map(u64::from) } else { None };
            return Some(VbrHeader {
                variable: tag == b"Xing",
                frames,
                bytes,
                source: DurationSource::XingHeader,
            });
        }
    }
    let mut c = Cursor::new(frame.get(36..)?);
    if c.take(4)? == b"VBRI" {
        c.skip(6)?;
        let bytes = c.u32be().map(u64::from);
        let frames = c.u32be().map(u64::from);
        return Some(VbrHeader { variable: true, frames, bytes, source: DurationSource::VbriHeader });
    }
    None
}

fn walk(
    r: &mut Reader<'_>,
    first_at: u64,
    audio_end: u64,
    cap: u64,
    skip_first: bool,
    first: &FrameHeader,
    warnings: &mut Vec<String>,
) -> Option<MediaDuration> {
    let sr = u64::from(first.sample_rate);
    let mut pos = first_at;
    let mut frames = 0u64;
    let mut samples = 0u64;
    let mut counted_from = first_at;
    let mut complete = false;
    while frames < cap {
        if audio_end.saturating_sub(pos) < 4 {
            complete = true;
            break;
        }
        let Some(h) = header_at(r, pos).filter(|h| h.sample_rate == first.sample_rate) else {
            // Trailing tags (APE, Lyrics3) or junk within the last few KiB end the audio normally.
            if audio_end.saturating_sub(pos) > 16 * 1024 {
                warnings.push(format!("MP3 frame walk stopped at offset {pos}: no frame header"));
            } else {
                complete = true;
            }
            break;
        };
        if skip_first && pos == first_at {
            counted_from = pos + u64::from(h.frame_len);
        } else {
            frames += 1;
            samples += u64::from(h.samples);
        }
        pos += u64::from(h.frame_len);
    }
    if complete || frames < cap {
        return Some(MediaDuration {
            milliseconds: rounded_ms(samples, sr),
            source: DurationSource::FrameWalk,
            estimated: !complete,
        });
    }
    let walked_bytes = pos.saturating_sub(counted_from);
    let total_bytes = audio_end.saturating_sub(counted_from);
    warnings.push(format!(
        "MP3 frame walk capped at {cap} frames; duration extrapolated from their average bitrate"
    ));
    if walked_bytes == 0 {
        return None;
    }
    let total_samples = u128::from(samples) * u128::from(total_bytes) / u128::from(walked_bytes);
    Some(MediaDuration {
        milliseconds: rounded_ms(u64::try_from(total_samples).unwrap_or(u64::MAX), sr),
        source: DurationSource::BitrateEstimate,
        estimated: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MPEG-1 layer III, 128 kbit/s, 44.1 kHz, stereo, no padding: 417-byte frames.
    fn cbr_stream(frames: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..frames {
            let mut f = vec![0u8; 417];
            f[..4].copy_from_slice(&[0xff, 0xfb, 0x90, 0x00]);
            out.extend_from_slice(&f);
        }
        out
    }

    #[test]
    fn header_decodes() {
        let h = FrameHeader::parse([0xff, 0xfb, 0x90, 0x00]).unwrap();
        assert_eq!(
            (h.version, h.layer, h.bitrate_kbps, h.sample_rate, h.frame_len),
            (1, 3, 128, 44_100, 417)
        );
        assert!(FrameHeader::parse([0xff, 0xf1, 0x50, 0x80]).is_none(), "ADTS AAC is not MPEG audio");
    }

    #[test]
    fn walk_counts_every_frame() {
        let data = cbr_stream(500);
        let mut r = Reader::new(&data);
        let f = probe_with_cap(&mut r, 10_000).unwrap();
        let d = f.duration.unwrap();
        assert_eq!((d.source, d.estimated), (DurationSource::FrameWalk, false));
        assert_eq!(d.milliseconds, rounded_ms(500 * 1152, 44_100));
    }

    #[test]
    fn capped_walk_estimates_from_bitrate() {
        let data = cbr_stream(500);
        let mut r = Reader::new(&data);
        let f = probe_with_cap(&mut r, 100).unwrap();
        let d = f.duration.unwrap();
        assert_eq!((d.source, d.estimated), (DurationSource::BitrateEstimate, true));
        assert!(d.milliseconds.abs_diff(rounded_ms(500 * 1152, 44_100)) <= 1);
        assert!(f.is_partial());
    }
}
