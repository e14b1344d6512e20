//! The facts a probe reports. Every field documents its unit.

use serde::{Deserialize, Serialize};

/// Outcome of [`probe`](crate::probe).
///
/// A file that cannot be parsed is still evidence: the caller keeps it and
/// flags it, so this is a report rather than a `Result`.
// One `Probe` is made per file, so the size difference between variants is irrelevant.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Probe {
    /// The format was recognised; facts may be partial (see [`MediaFacts::warnings`]).
    Recognised(MediaFacts),
    /// Nothing useful could be read.
    Unparsed {
        /// Human-readable reason.
        reason: String,
        /// The format the bytes (or, failing that, the declared media type) suggest.
        format_guess: Option<Container>,
    },
}

impl Probe {
    /// The facts, when recognised.
    pub fn facts(&self) -> Option<&MediaFacts> {
        match self {
            Probe::Recognised(f) => Some(f),
            Probe::Unparsed { .. } => None,
        }
    }
}

/// Container formats the crate understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// ISO base media file (MPEG-4 Part 14) with video.
    Mp4,
    /// Apple QuickTime movie (`ftyp` brand `qt  `, or no `ftyp`).
    Mov,
    /// Audio-only MPEG-4 (`M4A `/`M4B ` brand, or no video track).
    M4a,
    /// JPEG/JFIF/EXIF still image.
    Jpeg,
    /// RIFF/RF64 WAVE audio.
    Wav,
    /// MPEG-1/2/2.5 audio layer I–III elementary stream (usually MP3).
    Mp3,
}

impl Container {
    /// The usual media type (MIME) for this container.
    pub fn media_type(self) -> &'static str {
        match self {
            Container::Mp4 => "video/mp4",
            Container::Mov => "video/quicktime",
            Container::M4a => "audio/mp4",
            Container::Jpeg => "image/jpeg",
            Container::Wav => "audio/wav",
            Container::Mp3 => "audio/mpeg",
        }
    }

    /// Maps a declared media type (parameters and case ignored) to a container.
    pub fn from_media_type(media_type: &str) -> Option<Container> {
        let essence = media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        Some(match essence.as_str() {
            "video/mp4" | "application/mp4" => Container::Mp4,
            "video/quicktime" => Container::Mov,
            "audio/mp4" | "audio/m4a" | "audio/x-m4a" => Container::M4a,
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Container::Jpeg,
            "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => Container::Wav,
            "audio/mpeg" | "audio/mp3" | "audio/mpeg3" | "audio/x-mpeg-3" => Container::Mp3,
            _ => return None,
        })
    }

    /// Whether two containers share a file structure (MP4, MOV and M4A all do).
    pub fn same_family(self, other: Container) -> bool {
        let iso = |c| matches!(c, Container::Mp4 | Container::Mov | Container::M4a);
        self == other || (iso(self) && iso(other))
    }
}

/// Everything the crate could read from one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaFacts {
    /// The container format found in the bytes.
    pub container: Container,
    /// MP4 family: the `ftyp` major brand, e.g. `isom`, `qt  `, `M4A `.
    pub brand: Option<String>,
    /// Playing time.
    pub duration: Option<MediaDuration>,
    /// When the device says the recording was made.
    pub creation_time: Option<CreationTime>,
    /// The first video track.
    pub video: Option<VideoFacts>,
    /// The first audio track (or the audio stream of WAV/MP3).
    pub audio: Option<AudioFacts>,
    /// Still-image facts (JPEG).
    pub image: Option<ImageFacts>,
    /// Camera identity (EXIF make/model).
    pub camera: Option<CameraFacts>,
    /// Where the device says it was.
    pub location: Option<Location>,
    /// Whether the caller's declared media type names the same container
    /// family; `None` if no type was declared or it is not one this crate knows.
    pub declared_type_matches: Option<bool>,
    /// Problems met while parsing; non-empty means the facts may be partial.
    pub warnings: Vec<String>,
}

impl MediaFacts {
    pub(crate) fn new(container: Container) -> Self {
        MediaFacts {
            container,
            brand: None,
            duration: None,
            creation_time: None,
            video: None,
            audio: None,
            image: None,
            camera: None,
            location: None,
            declared_type_matches: None,
            warnings: Vec::new(),
        }
    }

    /// Whether parsing met problems, so some facts may be missing.
    pub fn is_partial(&self) -> bool {
        !self.warnings.is_empty()
    }
}

/// A playing time and how it was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaDuration {
    /// Duration in milliseconds, rounded to nearest.
    pub milliseconds: u64,
    /// Where the number came from.
    pub source: DurationSource,
    /// True when the value is an estimate rather than a count of samples.
    pub estimated: bool,
}

/// How a duration was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationSource {
    /// MP4 `mvhd` duration / timescale.
    MovieHeader,
    /// Longest MP4 track from `mdhd` (used when `mvhd` has none).
    MediaHeaders,
    /// Fragmented MP4: sum of `trun` sample durations per track (defaults from `tfhd`/`trex`).
    FragmentSamples,
    /// Fragmented MP4: `mvex/mehd` fragment duration.
    MovieExtendsHeader,
    /// WAV: `data` chunk size / byte rate.
    WavDataSize,
    /// MP3: frame count from a Xing/Info header.
    XingHeader,
    /// MP3: frame count from a VBRI header.
    VbriHeader,
    /// MP3: every frame header walked.
    FrameWalk,
    /// MP3: extrapolated from the bitrate of the frames walked (always `estimated`).
    BitrateEstimate,
}

/// Device-recorded creation time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreationTime {
    /// Which field it came from.
    pub source: TimeSource,
    /// The value as stored: MP4 seconds since 1904-01-01 in decimal, or the EXIF string.
    pub raw: String,
    /// The instant in Unix seconds (UTC), when the file determines one.
    /// MP4 times are defined as UTC (some devices write local time anyway).
    /// EXIF times only have one when an offset tag is present.
    pub unix_seconds: Option<i64>,
    /// `unix_seconds` as `YYYY-MM-DDTHH:MM:SSZ`.
    pub utc: Option<String>,
    /// EXIF: the parsed local (wall-clock) date-time.
    pub local: Option<LocalDateTime>,
    /// EXIF: the raw offset string, e.g. `+08:00`.
    pub raw_offset: Option<String>,
    /// EXIF: the parsed offset in minutes east of UTC.
    pub offset_minutes: Option<i32>,
}

/// Which field a [`CreationTime`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeSource {
    /// MP4/MOV `mvhd` creation_time.
    Mp4MovieHeader,
    /// EXIF DateTimeOriginal (0x9003) with OffsetTimeOriginal (0x9011).
    ExifDateTimeOriginal,
    /// EXIF DateTime (0x0132) with OffsetTime (0x9010), used when DateTimeOriginal is absent.
    ExifDateTime,
}

/// A wall-clock date-time without a time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalDateTime {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31.
    pub day: u8,
    /// Hour 0–23.
    pub hour: u8,
    /// Minute 0–59.
    pub minute: u8,
    /// Second 0–60.
    pub second: u8,
}

/// A rational frame rate in frames per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameRate {
    /// Frames (numerator).
    pub numerator: u64,
    /// Seconds (denominator), never zero.
    pub denominator: u64,
}

impl FrameRate {
    pub(crate) fn new(numerator: u64, denominator: u64) -> Option<FrameRate> {
        if numerator == 0 || denominator == 0 {
            return None;
        }
        let (mut a, mut b) = (numerator, denominator);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        Some(FrameRate { numerator: numerator / a, denominator: denominator / a })
    }

    /// Frames per second as a float.
    pub fn as_f64(self) -> f64 {
        self.numerator as f64 / self.denominator as f64
    }
}

/// The first video track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoFacts {
    /// Codec name: `h264`, `h265`, `mpeg4`, `mjpeg`, `av1`, `vp9`, `prores`, … (or the FourCC when unknown).
    pub codec: String,
    /// The sample entry FourCC, e.g. `avc1`, `hvc1`.
    pub codec_tag: Option<String>,
    /// Coded width in pixels (sample entry; `tkhd` when the entry has none).
    pub width: Option<u32>,
    /// Coded height in pixels.
    pub height: Option<u32>,
    /// Nominal frame rate: timescale / the most common sample duration
    /// (FFmpeg's `r_frame_rate`).
    pub frame_rate: Option<FrameRate>,
    /// Average frame rate: samples / track duration (FFmpeg's `avg_frame_rate`).
    pub average_frame_rate: Option<FrameRate>,
}

/// The first audio track or stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioFacts {
    /// Codec name: `aac`, `mp3`, `mp2`, `opus`, `flac`, `pcm_s16le`, `pcm_alaw`, …
    pub codec: String,
    /// MP4 sample entry FourCC (`mp4a`, `sowt`…) or WAV format tag (`0x0001`).
    pub codec_tag: Option<String>,
    /// Samples per second per channel, in Hz.
    pub sample_rate: Option<u32>,
    /// Channel count (for AAC, from the AudioSpecificConfig when it states one).
    pub channels: Option<u16>,
    /// Bits per sample (PCM) when stored.
    pub bits_per_sample: Option<u16>,
    /// Bitrate in bits per second, when stored or derivable (WAV, MP3).
    pub bitrate: Option<u64>,
}

/// Still-image facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageFacts {
    /// Width in pixels from the JPEG frame header.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
    /// EXIF Orientation (0x0112): 1 = upright, 3 = 180°, 6 = 90° CW to view, 8 = 90° CCW; 2/4/5/7 mirrored.
    pub orientation: Option<u16>,
}

/// Camera identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraFacts {
    /// EXIF Make (0x010F).
    pub make: Option<String>,
    /// EXIF Model (0x0110).
    pub model: Option<String>,
}

/// A recorded position (WGS 84 as written by the device).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Latitude in decimal degrees, north positive.
    pub latitude: f64,
    /// Longitude in decimal degrees, east positive.
    pub longitude: f64,
    /// Altitude in metres, above sea level positive.
    pub altitude_m: Option<f64>,
    /// Where it came from.
    pub source: LocationSource,
    /// The ISO 6709 string as stored (MP4 `©xyz` and friends).
    pub raw: Option<String>,
    /// EXIF GPSDateStamp + GPSTimeStamp as `YYYY-MM-DDTHH:MM:SSZ` (UTC by definition).
    pub gps_time_utc: Option<String>,
}

/// Where a [`Location`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    /// EXIF GPS IFD.
    ExifGps,
    /// MP4/MOV user data (`udta/©xyz`, `ilst` or `mdta` ISO 6709 key).
    Iso6709,
    /// 3GPP location box `udta/loci` (16.16 fixed-point degrees and metres).
    Loci,
}
