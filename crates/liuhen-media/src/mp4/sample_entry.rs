//! The first sample entry of an `stsd` box: codec FourCC, picture size, and
//! audio format (including `esds` object type and AudioSpecificConfig).

use super::boxes::mem_children;
use crate::bytes::Cursor;

/// What the first sample description says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SampleEntry {
    Video { fourcc: [u8; 4], width: u16, height: u16, object_type: Option<u8> },
    Audio(AudioEntry),
    Other { fourcc: [u8; 4] },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AudioEntry {
    pub fourcc: [u8; 4],
    pub channels: u16,
    pub sample_rate: u32,
    pub bits: u16,
    pub object_type: Option<u8>,
    pub lpcm_flags: Option<u32>,
    pub asc_rate: Option<u32>,
    pub asc_channels: Option<u16>,
}

const VISUAL: &[&[u8; 4]] =
    &[b"avc1", b"avc3", b"hvc1", b"hev1", b"mp4v", b"av01", b"vp08", b"vp09", b"jpeg", b"s263", b"encv"];
const AUDIO: &[&[u8; 4]] = &[b"mp4a", b"Opus", b"fLaC", b"ac-3", b"ec-3", b"sowt", b"twos", b"lpcm", b"enca"];

/// Parses the `stsd` body (full box header included).
pub(crate) fn parse_stsd(body: &[u8], handler: Option<[u8; 4]>, quicktime: bool) -> Option<SampleEntry> {
    let mut c = Cursor::new(body);
    c.skip(4)?;
    if c.u32be()? == 0 {
        return None;
    }
    let size = usize::try_from(c.u32be()?).ok()?;
    let fourcc = c.array::<4>()?;
    let entry = body.get(16..).map(|e| e.get(..size.saturating_sub(8)).unwrap_or(e))?;
    let video = handler == Some(*b"vide") || VISUAL.contains(&&fourcc);
    let audio = handler == Some(*b"soun") || AUDIO.contains(&&fourcc);
    if video {
        visual(fourcc, entry)
    } else if audio {
        sound(fourcc, entry, quicktime).map(SampleEntry::Audio)
    } else {
        Some(SampleEntry::Other { fourcc })
    }
}

fn original_format(children: &[([u8; 4], &[u8])]) -> Option<[u8; 4]> {
    let sinf = children.iter().find(|(k, _)| k == b"sinf")?.1;
    let frma = mem_children(sinf).into_iter().find(|(k, _)| k == b"frma")?.1;
    Cursor::new(frma).array::<4>()
}

fn visual(mut fourcc: [u8; 4], entry: &[u8]) -> Option<SampleEntry> {
    let mut c = Cursor::new(entry);
    c.skip(24)?;
    let width = c.u16be()?;
    let height = c.u16be()?;
    let children = mem_children(entry.get(78..).unwrap_or_default());
    if fourcc == *b"encv" {
        fourcc = original_format(&children).unwrap_or(fourcc);
    }
    let object_type = children.iter().find(|(k, _)| k == b"esds").and_then(|(_, b)| esds(b).0);
    Some(SampleEntry::Video { fourcc, width, height, object_type })
}

fn sound(mut fourcc: [u8; 4], entry: &[u8], quicktime: bool) -> Option<AudioEntry> {
    let mut c = Cursor::new(entry);
    c.skip(8)?;
    let version = if quicktime { c.u16be()? } else { c.skip(2).map(|_| 0)? };
    c.skip(6)?;
    let mut channels = c.u16be()?;
    let mut bits = c.u16be()?;
    c.skip(4)?;
    let mut sample_rate = c.u32be()? >> 16;
    let mut lpcm_flags = None;
    let children_at = match version {
        1 => 44,
        2 => {
            c.skip(4)?;
            let rate = f64::from_bits(c.u64be()?);
            if rate.is_finite() && rate >= 0.0 && rate < f64::from(u32::MAX) {
                sample_rate = rate as u32;
            }
            channels = u16::try_from(c.u32be()?).unwrap_or(channels);
            c.skip(4)?;
            bits = u16::try_from(c.u32be()?).unwrap_or(bits);
            lpcm_flags = c.u32be();
            64
        }
        _ => 28,
    };
    let children = mem_children(entry.get(children_at..).unwrap_or_default());
    if fourcc == *b"enca" {
        fourcc = original_format(&children).unwrap_or(fourcc);
    }
    let esds_body = children.iter().find(|(k, _)| k == b"esds").map(|(_, b)| *b).or_else(|| {
        let wave = children.iter().find(|(k, _)| k == b"wave")?.1;
        mem_children(wave).into_iter().find(|(k, _)| k == b"esds").map(|(_, b)| b)
    });
    let (object_type, asc) = esds_body.map(esds).unwrap_or_default();
    let (asc_rate, asc_channels) = asc.and_then(audio_specific_config).unwrap_or_default();
    Some(AudioEntry { fourcc, channels, sample_rate, bits, object_type, lpcm_flags, asc_rate, asc_channels })
}

fn descriptor<'a>(c: &mut Cursor<'a>) -> Option<(u8, Cursor<'a>)> {
    let tag = c.u8()?;
    let mut len = 0usize;
    for _ in 0..4 {
        let b = c.u8()?;
        len = (len << 7) | usize::from(b & 0x7f);
        if b & 0x80 == 0 {
            break;
        }
    }
    let body = c.take(len.min(c.remaining()))?;
    Some((tag, Cursor::new(body)))
}

/// Object type indication and decoder-specific info from an `esds` body.
fn esds(body: &[u8]) -> (Option<u8>, Option<&[u8]>) {
    fn inner(body: &[u8]) -> Option<(Option<u8>, Option<&[u8]>)> {
        let mut c = Cursor::new(body.get(4..)?);
        let (tag, mut es) = descriptor(&mut c)?;
        if tag != 3 {
            return None;
        }
        es.skip(2)?;
        let flags = es.u8()?;
        if flags & 0x80 != 0 {
            es.skip(2)?;
        }
        if flags & 0x40 != 0 {
            let n = es.u8()?;
            es.skip(usize::from(n))?;
        }
        if flags & 0x20 != 0 {
            es.skip(2)?;
        }
        let (tag, mut dc) = descriptor(&mut es)?;
        if tag != 4 {
            return None;
        }
        let oti = dc.u8()?;
        if dc.skip(12).is_none() {
            return Some((Some(oti), None));
        }
        let asc = match descriptor(&mut dc) {
            Some((5, d)) => Some(d.rest()),
            _ => None,
        };
        Some((Some(oti), asc))
    }
    inner(body).unwrap_or_default()
}

const AAC_RATES: [u32; 13] =
    [96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000, 7_350];

/// Sample rate and channel count from an AAC AudioSpecificConfig.
fn audio_specific_config(asc: &[u8]) -> Option<(Option<u32>, Option<u16>)> {
    let mut bits = BitReader { data: asc, pos: 0 };
    if bits.read(5)? == 31 {
        bits.read(6)?;
    }
    let index = bits.read(4)?;
    let rate =
        if index == 15 { Some(bits.read(24)?) } else { AAC_RATES.get(usize::try_from(index).ok()?).copied() };
    let config = bits.read(4)?;
    let channels = match config {
        1..=6 => Some(config as u16),
        7 => Some(8),
        _ => None,
    };
    Some((rate, channels))
}

struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl BitReader<'_> {
    fn read(&mut self, n: u32) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = *self.data.get(self.pos / 8)?;
            let bit = (byte >> (7 - self.pos % 8)) & 1;
            v = (v << 1) | u32::from(bit);
            self.pos += 1;
        }
        Some(v)
    }
}
