//! MP4, MOV and M4A (ISO base media file format and QuickTime).
//!
//! The top level is walked header by header (an `mdat` of any size costs one
//! 16-byte read); `moov` is parsed wherever it sits, and each `moof` of a
//! fragmented file is summed.

mod boxes;
mod fragments;
mod moov;
mod sample_entry;
mod udta;

use boxes::{Children, read_body};
use fragments::{Deltas, Fragments};
use moov::{Movie, Track};
use sample_entry::SampleEntry;

use crate::MediaError;
use crate::bytes::fourcc;
use crate::codec::{audio_name, video_name};
use crate::facts::{
    AudioFacts, CreationTime, DurationSource, FrameRate, Location, LocationSource, MediaDuration, MediaFacts,
    TimeSource, VideoFacts,
};
use crate::source::Reader;
use crate::time::{MP4_EPOCH_TO_UNIX, format_utc};
use crate::{Container, iso6709};

/// `value / scale` seconds in milliseconds, rounded to nearest (0 for a zero scale).
pub(crate) fn rounded_ms(value: u64, scale: u64) -> u64 {
    if scale == 0 {
        return 0;
    }
    let v = (u128::from(value) * 1000 + u128::from(scale) / 2) / u128::from(scale);
    u64::try_from(v).unwrap_or(u64::MAX)
}

pub(crate) fn probe(r: &mut Reader<'_>) -> Result<MediaFacts, String> {
    let mut warnings = Vec::new();
    let mut brand: Option<[u8; 4]> = None;
    let mut saw_ftyp = false;
    let mut movie: Option<Movie> = None;
    let mut frags = Fragments::default();
    let mut it = Children::top_level(r.len());
    loop {
        let h = match it.next(r) {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) => {
                warnings.push(format!("top-level boxes: {e}"));
                break;
            }
        };
        if h.clamped {
            warnings.push(format!(
                "box '{}' at offset {} runs past the end of its container (truncated file?)",
                h.name(),
                h.start
            ));
        }
        match &h.kind {
            b"ftyp" if !saw_ftyp => {
                saw_ftyp = true;
                brand = read_body(r, &h, 4).ok().and_then(|b| b.try_into().ok());
            }
            b"moov" if movie.is_none() => {
                let quicktime = brand == Some(*b"qt  ") || !saw_ftyp;
                movie = Some(moov::parse(r, &h, quicktime, &mut warnings));
            }
            b"moof" => {
                if let Err(e) = frags.read_moof(r, &h) {
                    r.note(format!("fragment at offset {}: {e}", h.start));
                    if matches!(e, MediaError::BudgetExhausted { .. }) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    let Some(movie) = movie else {
        return Err(match warnings.first() {
            Some(w) => format!("no moov box found ({w})"),
            None => "no moov box found".to_owned(),
        });
    };
    if frags.short_runs > 0 {
        warnings.push(format!("{} fragment runs are cut short", frags.short_runs));
    }
    Ok(assemble(movie, &frags, brand, saw_ftyp, warnings))
}

fn trex_default(m: &Movie, id: u32) -> u32 {
    m.trex.iter().find(|(t, _)| *t == id).map(|&(_, d)| d).unwrap_or(0)
}

/// `(duration, samples, deltas)` of a track in its timescale: `moov` samples plus fragments.
fn track_totals(m: &Movie, frags: &Fragments, t: &Track) -> (u64, u64, Deltas) {
    let (fd, fs, mut deltas) = frags.track_totals(t.id, trex_default(m, t.id)).unwrap_or_default();
    deltas.merge(&t.deltas);
    let moov_samples = t.stts.map(|(n, _)| n).unwrap_or(0);
    (t.media_duration.saturating_add(fd), moov_samples.saturating_add(fs), deltas)
}

fn duration(m: &Movie, frags: &Fragments) -> Option<MediaDuration> {
    let longest = |f: &dyn Fn(&Track) -> u64| {
        m.tracks.iter().filter(|t| t.timescale > 0).map(|t| rounded_ms(f(t), u64::from(t.timescale))).max()
    };
    let found = |milliseconds, source| Some(MediaDuration { milliseconds, source, estimated: false });
    if frags.tracks.values().any(|t| t.samples > 0)
        && let Some(ms) = longest(&|t| track_totals(m, frags, t).0).filter(|&ms| ms > 0)
    {
        return found(ms, DurationSource::FragmentSamples);
    }
    if let Some(d) = m.mehd.filter(|_| m.timescale > 0) {
        return found(rounded_ms(d, u64::from(m.timescale)), DurationSource::MovieExtendsHeader);
    }
    if let Some(d) = m.duration.filter(|&d| d > 0) {
        return found(rounded_ms(d, u64::from(m.timescale)), DurationSource::MovieHeader);
    }
    longest(&|t| t.media_duration).filter(|&ms| ms > 0).and_then(|ms| found(ms, DurationSource::MediaHeaders))
}

fn assemble(
    m: Movie,
    frags: &Fragments,
    brand: Option<[u8; 4]>,
    saw_ftyp: bool,
    warnings: Vec<String>,
) -> MediaFacts {
    let video = m.tracks.iter().find_map(|t| match t.entry {
        Some(SampleEntry::Video { fourcc: code, width, height, object_type }) => {
            let (dur, samples, deltas) = track_totals(&m, frags, t);
            let timescale = u64::from(t.timescale);
            Some(VideoFacts {
                codec: video_name(code, object_type),
                codec_tag: Some(fourcc(code)),
                width: Some(u32::from(width)).filter(|&w| w > 0).or(t.tkhd_width),
                height: Some(u32::from(height)).filter(|&h| h > 0).or(t.tkhd_height),
                frame_rate: deltas.dominant().and_then(|d| FrameRate::new(timescale, u64::from(d))),
                average_frame_rate: FrameRate::new(samples.saturating_mul(timescale), dur),
            })
        }
        _ => None,
    });
    let audio = m.tracks.iter().find_map(|t| match &t.entry {
        Some(SampleEntry::Audio(a)) => {
            let codec = audio_name(a.fourcc, a.object_type, a.bits, a.lpcm_flags);
            let pcm = codec.starts_with("pcm_");
            Some(AudioFacts {
                codec,
                codec_tag: Some(fourcc(a.fourcc)),
                sample_rate: Some(a.sample_rate)
                    .filter(|&s| s > 0)
                    .or(a.asc_rate)
                    .or(Some(t.timescale).filter(|&s| s > 0)),
                channels: a.asc_channels.or(Some(a.channels).filter(|&c| c > 0)),
                bits_per_sample: Some(a.bits).filter(|&b| pcm && b > 0),
                bitrate: None,
            })
        }
        _ => None,
    });
    let container = match brand.as_ref() {
        Some(b"qt  ") => Container::Mov,
        Some(b"M4A " | b"M4B " | b"M4P ") => Container::M4a,
        _ if !saw_ftyp => Container::Mov,
        _ if video.is_none() && audio.is_some() => Container::M4a,
        _ => Container::Mp4,
    };
    let mut facts = MediaFacts::new(container);
    facts.warnings = warnings;
    facts.brand = brand.map(fourcc);
    facts.duration = duration(&m, frags);
    if facts.duration.is_none() {
        facts.warnings.push("no duration recorded".to_owned());
    }
    facts.creation_time = m.creation.map(|secs| {
        let unix = i64::try_from(secs).unwrap_or(i64::MAX).saturating_sub(MP4_EPOCH_TO_UNIX);
        CreationTime {
            source: TimeSource::Mp4MovieHeader,
            raw: secs.to_string(),
            unix_seconds: Some(unix),
            utc: Some(format_utc(unix)),
            local: None,
            raw_offset: None,
            offset_minutes: None,
        }
    });
    if let Some(udta::FoundLocation::Loci(latitude, longitude, altitude)) = m.location {
        facts.location = Some(Location {
            latitude,
            longitude,
            altitude_m: Some(altitude),
            source: LocationSource::Loci,
            raw: None,
            gps_time_utc: None,
        });
    } else if let Some(udta::FoundLocation::Iso6709(raw)) = m.location {
        match iso6709::parse(&raw) {
            Some((latitude, longitude, altitude_m)) => {
                facts.location = Some(Location {
                    latitude,
                    longitude,
                    altitude_m,
                    source: LocationSource::Iso6709,
                    raw: Some(raw),
                    gps_time_utc: None,
                });
            }
            None => facts.warnings.push(format!("location {raw:?} is not ISO 6709")),
        }
    }
    facts.video = video;
    facts.audio = audio;
    facts
}
