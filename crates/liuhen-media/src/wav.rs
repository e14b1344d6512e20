//! WAVE (RIFF and RF64): walks chunk headers up to `data`, reading `fmt `
//! and `ds64` only.

use crate::bytes::Cursor;
use crate::facts::{AudioFacts, DurationSource, MediaDuration, MediaFacts};
use crate::source::Reader;
use crate::{Container, mp4::rounded_ms};

const MAX_CHUNKS: u32 = 4096;

#[derive(Debug, Clone, Copy)]
struct Format {
    tag: u16,
    channels: u16,
    sample_rate: u32,
    byte_rate: u32,
    block_align: u16,
    bits: u16,
}

pub(crate) fn probe(r: &mut Reader<'_>) -> Result<MediaFacts, String> {
    let mut facts = MediaFacts::new(Container::Wav);
    let head: [u8; 12] = r.array(0).map_err(|e| format!("WAV header unreadable: {e}"))?;
    let rf64 = head.starts_with(b"RF64");
    let mut ds64_data: Option<u64> = None;
    let mut format: Option<Format> = None;
    let mut data: Option<(u64, u64)> = None;
    let mut pos = 12u64;
    for _ in 0..MAX_CHUNKS {
        if r.len().saturating_sub(pos) < 8 {
            break;
        }
        let h: [u8; 8] = match r.array(pos) {
            Ok(h) => h,
            Err(e) => {
                facts.warnings.push(format!("WAV chunk header unreadable: {e}"));
                break;
            }
        };
        let (id, size) = h.split_at(4);
        let size = u64::from(u32::from_le_bytes(size.try_into().unwrap_or_default()));
        let body = pos + 8;
        match id {
            b"fmt " => match r.read_up_to(body, size.min(64)) {
                Ok(b) => format = parse_fmt(&b),
                Err(e) => facts.warnings.push(format!("WAV fmt chunk unreadable: {e}")),
            },
            b"ds64" => {
                if let Ok(b) = r.read_up_to(body, 16) {
                    let mut c = Cursor::new(&b);
                    ds64_data = c.u64le().and_then(|_| c.u64le());
                }
            }
            b"data" => {
                let declared = if rf64 && size == u64::from(u32::MAX) { ds64_data } else { Some(size) };
                let available = r.len().saturating_sub(body);
                let size = match declared {
                    Some(d) if d <= available => d,
                    Some(d) if !(d == 0 || d == u64::from(u32::MAX)) => {
                        facts.warnings.push(format!(
                            "WAV data chunk declares {d} bytes but only {available} are present (truncated?)"
                        ));
                        available
                    }
                    _ => {
                        facts
                            .warnings
                            .push("WAV data size not recorded; using the rest of the file".to_owned());
                        available
                    }
                };
                data = Some((body, size));
                break;
            }
            _ => {}
        }
        pos = body.saturating_add(size).saturating_add(size & 1);
    }
    let Some(fmt) = format else {
        return Err("WAV file has no readable fmt chunk".to_owned());
    };
    let byte_rate = if fmt.byte_rate > 0 {
        u64::from(fmt.byte_rate)
    } else {
        u64::from(fmt.block_align) * u64::from(fmt.sample_rate)
    };
    match data {
        Some((_, size)) if byte_rate > 0 => {
            facts.duration = Some(MediaDuration {
                milliseconds: rounded_ms(size, byte_rate),
                source: DurationSource::WavDataSize,
                estimated: false,
            });
        }
        Some(_) => facts.warnings.push("WAV byte rate is zero; no duration".to_owned()),
        None => facts.warnings.push("WAV data chunk not found".to_owned()),
    }
    facts.audio = Some(AudioFacts {
        codec: codec_name(fmt.tag, fmt.bits),
        codec_tag: Some(format!("0x{:04x}", fmt.tag)),
        sample_rate: Some(fmt.sample_rate),
        channels: Some(fmt.channels),
        bits_per_sample: Some(fmt.bits).filter(|&b| b > 0),
        bitrate: Some(byte_rate * 8).filter(|&b| b > 0),
    });
    Ok(facts)
}

fn parse_fmt(b: &[u8]) -> Option<Format> {
    let mut c = Cursor::new(b);
    let mut f = Format {
        tag: c.u16le()?,
        channels: c.u16le()?,
        sample_rate: c.u32le()?,
        byte_rate: c.u32le()?,
        block_align: c.u16le()?,
        bits: c.u16le()?,
    };
    if f.tag == 0xfffe {
        // WAVE_FORMAT_EXTENSIBLE: cbSize, valid bits, channel mask, then the sub-format GUID.
        c.skip(8)?;
        f.tag = c.u16le()?;
    }
    Some(f)
}

fn codec_name(tag: u16, bits: u16) -> String {
    let name = match (tag, bits) {
        (1, 0..=8) => "pcm_u8",
        (1, 9..=16) => "pcm_s16le",
        (1, 17..=24) => "pcm_s24le",
        (1, 25..=32) => "pcm_s32le",
        (1, _) => "pcm_s64le",
        (3, 64) => "pcm_f64le",
        (3, _) => "pcm_f32le",
        (6, _) => "pcm_alaw",
        (7, _) => "pcm_mulaw",
        (2, _) => "adpcm_ms",
        (0x11, _) => "adpcm_ima_wav",
        (0x50, _) => "mp2",
        (0x55, _) => "mp3",
        (0xff | 0x1610, _) => "aac",
        _ => return format!("wav_format_0x{tag:04x}"),
    };
    name.to_owned()
}
