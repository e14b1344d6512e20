//! `liuhen-media`: the facts an evidence system needs from a media file.
//!
//! liuhen records Chinese administrative law enforcement, including
//! body-camera audio and video. When a recording is filed as evidence, this
//! crate reads what the file itself says: container, duration, the device's
//! creation time, codecs, picture size, frame rate, audio format, and
//! where the device says it was (EXIF GPS, MP4 `©xyz`). It is pure: it reads
//! only through the caller's [`ByteSource`], has no clock, never panics on
//! input, and reads only headers — `moov` wherever it sits, each `moof` of a
//! fragmented MP4, chunk and segment headers — so a multi-gigabyte video
//! costs kilobytes of reads and flat memory. Single reads are capped at
//! [`MAX_SINGLE_READ`] and each probe at [`READ_BUDGET_BYTES`].
//!
//! | format | module | facts |
//! |---|---|---|
//! | MP4 / MOV / M4A | `mp4` | duration (`mvhd`, fragment sums, `mehd`), `mvhd` creation time, video/audio codec, size, frame rate, ISO 6709 location |
//! | JPEG | `jpeg`, `exif` | size, EXIF DateTimeOriginal + offset, GPS, make/model, orientation |
//! | WAV | `wav` | PCM format, sample rate, channels, bits, duration from data size |
//! | MP3 | `mp3` | duration from Xing/Info/VBRI or a bounded frame walk, sample rate, channels, bitrate |
//!
//! Main items: [`probe`] returns a [`Probe`]: [`Probe::Recognised`] with
//! [`MediaFacts`] (possibly partial, see [`MediaFacts::warnings`]) or
//! [`Probe::Unparsed`] with a reason and a format guess — a file that cannot
//! be parsed is still kept and flagged by the caller, so `probe` never fails.
//! [`ByteSource`] is implemented for `[u8]`, `Vec<u8>` and references;
//! [`SeekSource`] adapts any `Read + Seek` such as an open file.
//!
//! # Example
//!
//! ```
//! use liuhen_media::{Container, DurationSource, Probe, probe};
//!
//! // One second of 8 kHz mono 16-bit PCM, as a WAV file in memory.
//! let data_len: u32 = 16_000;
//! let mut wav = Vec::new();
//! wav.extend_from_slice(b"RIFF");
//! wav.extend_from_slice(&(36 + data_len).to_le_bytes());
//! wav.extend_from_slice(b"WAVEfmt ");
//! wav.extend_from_slice(&16u32.to_le_bytes());
//! wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
//! wav.extend_from_slice(&1u16.to_le_bytes()); // mono
//! wav.extend_from_slice(&8_000u32.to_le_bytes()); // sample rate
//! wav.extend_from_slice(&16_000u32.to_le_bytes()); // byte rate
//! wav.extend_from_slice(&2u16.to_le_bytes()); // block align
//! wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
//! wav.extend_from_slice(b"data");
//! wav.extend_from_slice(&data_len.to_le_bytes());
//! wav.resize(wav.len() + data_len as usize, 0);
//!
//! match probe(wav.as_slice(), Some("audio/wav")) {
//!     Probe::Recognised(facts) => {
//!         assert_eq!(facts.container, Container::Wav);
//!         let duration = facts.duration.unwrap();
//!         assert_eq!((duration.milliseconds, duration.source), (1000, DurationSource::WavDataSize));
//!         assert_eq!(facts.audio.unwrap().codec, "pcm_s16le");
//!         assert_eq!(facts.declared_type_matches, Some(true));
//!     }
//!     Probe::Unparsed { reason, .. } => panic!("not parsed: {reason}"),
//! }
//!
//! // Bytes that are no known format are reported, not rejected.
//! let junk = probe(&b"not media"[..], Some("video/mp4"));
//! assert!(matches!(junk, Probe::Unparsed { format_guess: Some(Container::Mp4), .. }));
//! ```

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]
#![warn(missing_docs)]

mod bytes;
mod codec;
mod detect;
mod error;
mod exif;
mod facts;
mod iso6709;
mod jpeg;
mod mp3;
mod mp4;
mod source;
mod time;
mod wav;

pub use error::MediaError;
pub use facts::{
    AudioFacts, CameraFacts, Container, CreationTime, DurationSource, FrameRate, ImageFacts, LocalDateTime,
    Location, LocationSource, MediaDuration, MediaFacts, Probe, TimeSource, VideoFacts,
};
pub use mp3::MAX_WALK_FRAMES;
pub use source::{ByteSource, MAX_SINGLE_READ, READ_BUDGET_BYTES, READ_BUDGET_CALLS, SeekSource};

use detect::Family;
use source::Reader;

/// Lets a possibly unsized source be used as `&dyn ByteSource`.
struct Sized_<'a, S: ?Sized>(&'a S);

impl<S: ByteSource + ?Sized> ByteSource for Sized_<'_, S> {
    fn len(&self) -> u64 {
        self.0.len()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, MediaError> {
        self.0.read_at(offset, buf)
    }
}

/// Reads the facts of one media file.
///
/// `declared_media_type` is the MIME type the uploader claimed (e.g.
/// `video/mp4`); it only fills [`MediaFacts::declared_type_matches`], helps
/// the guess in [`Probe::Unparsed`], and lets an MP3 without a recognisable
/// first frame be searched for one. Never panics and never returns an error:
/// unreadable input becomes [`Probe::Unparsed`], damaged input partial facts.
pub fn probe<S: ByteSource + ?Sized>(src: &S, declared_media_type: Option<&str>) -> Probe {
    let wrapped = Sized_(src);
    probe_dyn(&wrapped, declared_media_type)
}

fn probe_dyn(src: &dyn ByteSource, declared_media_type: Option<&str>) -> Probe {
    let declared = declared_media_type.and_then(Container::from_media_type);
    let mut r = Reader::new(src);
    let head = match r.read_up_to(0, 16) {
        Ok(h) => h,
        Err(e) => {
            return Probe::Unparsed {
                reason: format!("cannot read the first bytes: {e}"),
                format_guess: declared,
            };
        }
    };
    if head.is_empty() {
        return Probe::Unparsed { reason: "empty file".to_owned(), format_guess: declared };
    }
    let family = detect::sniff(&head).or_else(|| declared.map(Family::of).filter(|f| *f == Family::Mp3));
    let Some(family) = family else {
        return Probe::Unparsed { reason: "unrecognised file signature".to_owned(), format_guess: declared };
    };
    let result = match family {
        Family::IsoBmff => mp4::probe(&mut r),
        Family::Jpeg => jpeg::probe(&mut r),
        Family::Wav => wav::probe(&mut r),
        Family::Mp3 => mp3::probe(&mut r),
    };
    match result {
        Ok(mut facts) => {
            facts.warnings.extend(r.take_notes());
            facts.declared_type_matches = declared.map(|d| d.same_family(facts.container));
            Probe::Recognised(facts)
        }
        Err(reason) => {
            let guess = declared.filter(|d| Family::of(*d) == family).unwrap_or(family.guess());
            Probe::Unparsed { reason, format_guess: Some(guess) }
        }
    }
}
