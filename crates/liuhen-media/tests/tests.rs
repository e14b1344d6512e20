//! Integration tests for `liuhen-media`.
//!
//! Real files are generated with FFmpeg (Debian: `apt-get update && apt-get
//! install -y ffmpeg`) into Cargo's per-target temporary directory, and every
//! parsed fact is cross-checked against `ffprobe`. A missing FFmpeg fails the
//! tests loudly; nothing is skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::cell::Cell;
use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use liuhen_media::{
    ByteSource, Container, DurationSource, LocationSource, MAX_SINGLE_READ, MAX_WALK_FRAMES, MediaError,
    MediaFacts, Probe, SeekSource, TimeSource, probe,
};
use serde_json::Value;

// ---------------------------------------------------------------------------
// Bounded memory: the crate allocates data buffers only to hand them to
// `read_at`, sized exactly as the read, so the largest buffer a source is
// asked to fill bounds the largest allocation made for file data. (A global
// allocator hook would need `unsafe`, which the workspace forbids.)
// ---------------------------------------------------------------------------

/// Largest single read any probe may ask for.
const READ_LIMIT: u64 = MAX_SINGLE_READ as u64;

/// Probes and returns the largest single read requested meanwhile.
fn probe_tracked<S: ByteSource + ?Sized>(src: &S, mime: Option<&str>) -> (Probe, u64) {
    let counting = Counting::new(src);
    let p = probe(&counting, mime);
    (p, counting.largest.get())
}

fn probe_bounded(bytes: &[u8], mime: Option<&str>, what: &str) -> Probe {
    let (p, largest) = probe_tracked(bytes, mime);
    assert!(largest <= READ_LIMIT, "{what}: asked for {largest} bytes at once");
    p
}

// ---------------------------------------------------------------------------
// Byte sources for the tests.
// ---------------------------------------------------------------------------

/// Counts the bytes and calls that pass through to the inner source.
struct Counting<S> {
    inner: S,
    bytes: Cell<u64>,
    calls: Cell<u64>,
    largest: Cell<u64>,
}

impl<S: ByteSource> Counting<S> {
    fn new(inner: S) -> Self {
        Counting { inner, bytes: Cell::new(0), calls: Cell::new(0), largest: Cell::new(0) }
    }
}

impl<S: ByteSource> ByteSource for Counting<S> {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, MediaError> {
        self.largest.set(self.largest.get().max(buf.len() as u64));
        let n = self.inner.read_at(offset, buf)?;
        self.bytes.set(self.bytes.get() + n as u64);
        self.calls.set(self.calls.get() + 1);
        Ok(n)
    }
}

/// A file read with positioned reads (no seeking state).
struct FileSource {
    file: fs::File,
    len: u64,
}

impl ByteSource for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, MediaError> {
        use std::os::unix::fs::FileExt;
        Ok(self.file.read_at(buf, offset)?)
    }
}

/// A large virtual file: zeros except for the pieces given.
struct Sparse {
    len: u64,
    pieces: Vec<(u64, Vec<u8>)>,
}

impl ByteSource for Sparse {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, MediaError> {
        if offset >= self.len {
            return Ok(0);
        }
        let n = buf.len().min((self.len - offset) as usize);
        let buf = &mut buf[..n];
        buf.fill(0);
        let end = offset + n as u64;
        for (at, data) in &self.pieces {
            let piece_end = at + data.len() as u64;
            if piece_end <= offset || *at >= end {
                continue;
            }
            let from = offset.max(*at);
            let to = end.min(piece_end);
            buf[(from - offset) as usize..(to - offset) as usize]
                .copy_from_slice(&data[(from - at) as usize..(to - at) as usize]);
        }
        Ok(n)
    }
}

/// A virtual file that repeats one pattern.
struct Repeating {
    len: u64,
    pattern: Vec<u8>,
}

impl ByteSource for Repeating {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, MediaError> {
        let n = buf.len().min(self.len.saturating_sub(offset) as usize);
        let p = self.pattern.len() as u64;
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = self.pattern[((offset + i as u64) % p) as usize];
        }
        Ok(n)
    }
}

// ---------------------------------------------------------------------------
// Fixtures generated with FFmpeg.
// ---------------------------------------------------------------------------

const INSTALL_HINT: &str = "these tests need FFmpeg's `ffmpeg` and `ffprobe`; install them with `apt-get update && apt-get install -y ffmpeg`";

/// Creation time written into the video fixtures.
const CREATION: &str = "2026-03-02T09:30:00Z";
const CREATION_UNIX: i64 = 1_772_443_800;
/// ISO 6709 location written into the video fixtures.
const ISO_LOCATION: &str = "+39.9042+116.4074+043.500/";

struct Fixture {
    name: &'static str,
    mime: &'static str,
    path: PathBuf,
    /// Made by FFmpeg as is, so `ffprobe` is the reference.
    from_ffmpeg: bool,
}

fn run(tool: &str, args: &[&str]) -> Vec<u8> {
    let out = match Command::new(tool).args(args).output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run `{tool}` ({e}): {INSTALL_HINT}"),
    };
    assert!(
        out.status.success(),
        "`{tool} {}` failed: {}\n{INSTALL_HINT}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn ffmpeg(out: &Path, args: &[&str]) {
    let mut all = vec!["-hide_banner", "-loglevel", "error", "-y"];
    all.extend_from_slice(args);
    all.push(out.to_str().unwrap());
    run("ffmpeg", &all);
}

fn ffprobe(path: &Path) -> Value {
    let out = run(
        "ffprobe",
        &["-v", "quiet", "-print_format", "json", "-show_format", "-show_streams", path.to_str().unwrap()],
    );
    serde_json::from_slice(&out).unwrap()
}

fn fixtures() -> &'static [Fixture] {
    static FIXTURES: OnceLock<Vec<Fixture>> = OnceLock::new();
    FIXTURES.get_or_init(make_fixtures)
}

fn fixture(name: &str) -> &'static Fixture {
    fixtures().iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no fixture {name}"))
}

fn read(f: &Fixture) -> Vec<u8> {
    fs::read(&f.path).unwrap()
}

fn cat<'a>(parts: &[&[&'a str]]) -> Vec<&'a str> {
    parts.concat()
}

fn make_fixtures() -> Vec<Fixture> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("liuhen-media-fixtures");
    fs::create_dir_all(&dir).unwrap();
    let video5 = ["-f", "lavfi", "-i", "testsrc=duration=5:size=640x360:rate=25"];
    let audio5 = ["-f", "lavfi", "-i", "sine=frequency=440:duration=5"];
    let h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac"];
    let meta =
        ["-metadata", &format!("creation_time={CREATION}"), "-metadata", &format!("location={ISO_LOCATION}")]
            .map(str::to_owned);
    let meta: Vec<&str> = meta.iter().map(String::as_str).collect();

    let specs: Vec<(&'static str, &'static str, Vec<&str>)> = vec![
        ("plain.mp4", "video/mp4", cat(&[&video5, &audio5, &h264, &meta])),
        ("faststart.mp4", "video/mp4", cat(&[&video5, &audio5, &h264, &meta, &["-movflags", "+faststart"]])),
        (
            "fragmented.mp4",
            "video/mp4",
            cat(&[&video5, &audio5, &h264, &meta, &["-movflags", "frag_keyframe+empty_moov"]]),
        ),
        (
            "frag_in_moov.mp4",
            "video/mp4",
            cat(&[&video5, &audio5, &h264, &meta, &["-movflags", "frag_keyframe"]]),
        ),
        (
            "frag_dash.mp4",
            "video/mp4",
            cat(&[
                &video5,
                &audio5,
                &h264,
                &[
                    "-movflags",
                    "frag_keyframe+empty_moov+default_base_moof+separate_moof",
                    "-frag_duration",
                    "500000",
                ],
            ]),
        ),
        ("clip.mov", "video/quicktime", cat(&[&video5, &audio5, &h264, &meta, &["-f", "mov"]])),
        (
            "mpeg4_pcm.mov",
            "video/quicktime",
            cat(&[
                &["-f", "lavfi", "-i", "testsrc=duration=3:size=352x288:rate=15"],
                &["-f", "lavfi", "-i", "sine=duration=3:sample_rate=48000"],
                &["-ac", "2", "-c:v", "mpeg4", "-c:a", "pcm_s16le", "-f", "mov"],
            ]),
        ),
        (
            "hevc.mp4",
            "video/mp4",
            cat(&[
                &["-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=30"],
                &[
                    "-c:v",
                    "libx265",
                    "-preset",
                    "ultrafast",
                    "-tag:v",
                    "hvc1",
                    "-x265-params",
                    "log-level=error",
                ],
            ]),
        ),
        (
            "ntsc.mp4",
            "video/mp4",
            cat(&[
                &["-f", "lavfi", "-i", "testsrc=duration=3:size=320x240:rate=30000/1001"],
                &["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
            ]),
        ),
        ("audio.m4a", "audio/mp4", cat(&[&audio5, &["-c:a", "aac"]])),
        (
            "audio.wav",
            "audio/wav",
            cat(&[
                &["-f", "lavfi", "-i", "sine=duration=5:sample_rate=48000"],
                &["-ac", "2", "-c:a", "pcm_s16le"],
            ]),
        ),
        ("cbr.mp3", "audio/mpeg", cat(&[&audio5, &["-c:a", "libmp3lame", "-b:a", "128k"]])),
        ("vbr.mp3", "audio/mpeg", cat(&[&audio5, &["-c:a", "libmp3lame", "-q:a", "4"]])),
        ("noxing.mp3", "audio/mpeg", cat(&[&audio5, &["-c:a", "libmp3lame", "-write_xing", "0"]])),
        (
            "plain.jpg",
            "image/jpeg",
            vec!["-f", "lavfi", "-i", "testsrc=size=320x240", "-frames:v", "1", "-update", "1"],
        ),
    ];
    // Every test process makes the fixtures; each is written under a name of
    // the process's own and renamed into place, so another process reading
    // it never sees a half-written file.
    let own = |name: &str| dir.join(format!("{}-{name}", std::process::id()));
    let mut out = Vec::new();
    for (name, mime, args) in specs {
        let path = dir.join(name);
        ffmpeg(&own(name), &args);
        fs::rename(own(name), &path).unwrap();
        out.push(Fixture { name, mime, path, from_ffmpeg: true });
    }
    let jpeg = fs::read(dir.join("plain.jpg")).unwrap();
    for (name, big_endian) in [("exif_le.jpg", false), ("exif_be.jpg", true)] {
        let path = dir.join(name);
        fs::write(own(name), with_exif(&jpeg, &exif_tiff(big_endian))).unwrap();
        fs::rename(own(name), &path).unwrap();
        out.push(Fixture { name, mime: "image/jpeg", path, from_ffmpeg: false });
    }
    out
}

// ---------------------------------------------------------------------------
// EXIF builder for the JPEG fixtures.
// ---------------------------------------------------------------------------

enum Val {
    Ascii(&'static str),
    Byte(Vec<u8>),
    Short(u16),
    Long(u32),
    Rational(Vec<(u32, u32)>),
    /// Offset of IFD number n (1 = Exif IFD, 2 = GPS IFD).
    Ifd(usize),
}

const DATE_TIME_ORIGINAL: &str = "2026:03:02 17:30:00";
const OFFSET_TIME_ORIGINAL: &str = "+08:00";

fn exif_ifds(big_endian: bool) -> Vec<Vec<(u16, Val)>> {
    vec![
        vec![
            (0x010f, Val::Ascii("LiuhenCam")),
            (0x0110, Val::Ascii("BWC-9000 执法记录仪")),
            (0x0112, Val::Short(6)),
            (0x0132, Val::Ascii("2026:03:02 17:31:00")),
            (0x8769, Val::Ifd(1)),
            (0x8825, Val::Ifd(2)),
        ],
        vec![(0x9003, Val::Ascii(DATE_TIME_ORIGINAL)), (0x9011, Val::Ascii(OFFSET_TIME_ORIGINAL))],
        vec![
            (0x0000, Val::Byte(vec![2, 3, 0, 0])),
            (0x0001, Val::Ascii(if big_endian { "S" } else { "N" })),
            (0x0002, Val::Rational(vec![(39, 1), (54, 1), (1512, 100)])),
            (0x0003, Val::Ascii(if big_endian { "W" } else { "E" })),
            (0x0004, Val::Rational(vec![(116, 1), (24, 1), (2664, 100)])),
            (0x0005, Val::Byte(vec![u8::from(big_endian)])),
            (0x0006, Val::Rational(vec![(4350, 100)])),
            (0x0007, Val::Rational(vec![(9, 1), (30, 1), (0, 1)])),
            (0x0010, Val::Long(0)),
            (0x001d, Val::Ascii("2026:03:02")),
        ],
    ]
}

/// A TIFF structure holding IFD0, an Exif IFD and a GPS IFD.
fn exif_tiff(big_endian: bool) -> Vec<u8> {
    let ifds = exif_ifds(big_endian);
    let u16b = |v: u16| if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
    let u32b = |v: u32| if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
    let mut ifd_at = Vec::new();
    let mut at = 8u32;
    for ifd in &ifds {
        ifd_at.push(at);
        at += 2 + 12 * ifd.len() as u32 + 4;
    }
    let mut data_at = at;
    let mut head = Vec::new();
    head.extend_from_slice(if big_endian { b"MM" } else { b"II" });
    head.extend_from_slice(&u16b(42));
    head.extend_from_slice(&u32b(8));
    let mut data = Vec::new();
    for ifd in &ifds {
        head.extend_from_slice(&u16b(ifd.len() as u16));
        for (tag, val) in ifd {
            let (kind, count, bytes): (u16, u32, Vec<u8>) = match val {
                Val::Ascii(s) => {
                    let mut b = s.as_bytes().to_vec();
                    b.push(0);
                    (2, b.len() as u32, b)
                }
                Val::Byte(b) => (1, b.len() as u32, b.clone()),
                Val::Short(v) => (3, 1, u16b(*v).to_vec()),
                Val::Long(v) => (4, 1, u32b(*v).to_vec()),
                Val::Ifd(n) => (4, 1, u32b(ifd_at[*n]).to_vec()),
                Val::Rational(r) => {
                    (5, r.len() as u32, r.iter().flat_map(|&(n, d)| [u32b(n), u32b(d)]).flatten().collect())
                }
            };
            head.extend_from_slice(&u16b(*tag));
            head.extend_from_slice(&u16b(kind));
            head.extend_from_slice(&u32b(count));
            if bytes.len() <= 4 {
                let mut inline = bytes.clone();
                inline.resize(4, 0);
                head.extend_from_slice(&inline);
            } else {
                head.extend_from_slice(&u32b(data_at));
                data.extend_from_slice(&bytes);
                if bytes.len() % 2 == 1 {
                    data.push(0);
                }
                data_at = at + data.len() as u32;
            }
        }
        head.extend_from_slice(&u32b(0));
    }
    assert_eq!(head.len() as u32, at);
    head.extend_from_slice(&data);
    head
}

/// Inserts an APP1 `Exif` segment right after the JPEG's SOI marker.
fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xff, 0xd8]);
    let mut out = vec![0xff, 0xd8, 0xff, 0xe1];
    out.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

fn facts_of(f: &Fixture) -> MediaFacts {
    match probe_bounded(&read(f), Some(f.mime), f.name) {
        Probe::Recognised(facts) => facts,
        Probe::Unparsed { reason, .. } => panic!("{}: not parsed: {reason}", f.name),
    }
}

fn ffprobe_codec(ours: &str) -> &str {
    match ours {
        "h265" => "hevc",
        other => other,
    }
}

fn ratio(s: &str) -> Option<f64> {
    let (n, d) = s.split_once('/')?;
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    (d != 0.0 && n != 0.0).then(|| n / d)
}

/// Latitude, longitude, altitude from FFmpeg's `location` tag.
fn parse_iso6709_simple(s: &str) -> Vec<f64> {
    let s = s.trim_end_matches('/');
    let mut parts = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if (c == '+' || c == '-') && !cur.is_empty() {
            parts.push(cur.parse().unwrap());
            cur.clear();
        }
        cur.push(c);
    }
    parts.push(cur.parse().unwrap());
    parts
}

/// Compares every fact with `ffprobe`'s view of the same file.
fn cross_check(f: &Fixture) {
    let facts = facts_of(f);
    assert!(facts.warnings.is_empty(), "{}: unexpected warnings {:?}", f.name, facts.warnings);
    assert_eq!(facts.declared_type_matches, Some(true), "{}", f.name);
    let j = ffprobe(&f.path);
    let streams = j["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video");
    let audio = streams.iter().find(|s| s["codec_type"] == "audio");

    if f.mime == "image/jpeg" {
        let v = video.unwrap();
        let image = facts.image.unwrap();
        assert_eq!(image.width, v["width"].as_u64().map(|w| w as u32), "{}", f.name);
        assert_eq!(image.height, v["height"].as_u64().map(|h| h as u32), "{}", f.name);
        return;
    }

    // Duration: within 50 ms, or one frame if that is longer.
    let theirs: f64 = j["format"]["duration"].as_str().unwrap().parse().unwrap();
    let ours = facts.duration.unwrap_or_else(|| panic!("{}: no duration", f.name));
    let fps = video.and_then(|v| ratio(v["r_frame_rate"].as_str()?));
    let tolerance = fps.map_or(50.0, |r| (1000.0 / r).max(50.0));
    let diff = (ours.milliseconds as f64 - theirs * 1000.0).abs();
    assert!(diff <= tolerance, "{}: duration {} ms vs ffprobe {theirs} s", f.name, ours.milliseconds);

    match (video, &facts.video) {
        (Some(v), Some(ours)) => {
            assert_eq!(ffprobe_codec(&ours.codec), v["codec_name"].as_str().unwrap(), "{}", f.name);
            assert_eq!(ours.codec_tag.as_deref(), v["codec_tag_string"].as_str(), "{}", f.name);
            assert_eq!(ours.width.map(u64::from), v["width"].as_u64(), "{}", f.name);
            assert_eq!(ours.height.map(u64::from), v["height"].as_u64(), "{}", f.name);
            for (rate, key) in
                [(ours.frame_rate, "r_frame_rate"), (ours.average_frame_rate, "avg_frame_rate")]
            {
                let rate = rate.unwrap_or_else(|| panic!("{}: no {key}", f.name)).as_f64();
                let theirs = ratio(v[key].as_str().unwrap()).unwrap();
                assert!(
                    (theirs - rate).abs() / theirs < 0.001,
                    "{}: {key} {rate} vs ffprobe {theirs}",
                    f.name
                );
            }
        }
        (None, None) => {}
        (v, ours) => panic!("{}: video mismatch: ffprobe {v:?}, ours {ours:?}", f.name),
    }
    match (audio, &facts.audio) {
        (Some(a), Some(ours)) => {
            assert_eq!(ours.codec, a["codec_name"].as_str().unwrap(), "{}", f.name);
            let rate: u32 = a["sample_rate"].as_str().unwrap().parse().unwrap();
            assert_eq!(ours.sample_rate, Some(rate), "{}", f.name);
            assert_eq!(ours.channels.map(u64::from), a["channels"].as_u64(), "{}", f.name);
            if ours.codec.starts_with("pcm_") {
                assert_eq!(ours.bits_per_sample.map(u64::from), a["bits_per_sample"].as_u64(), "{}", f.name);
            }
        }
        (None, None) => {}
        (a, ours) => panic!("{}: audio mismatch: ffprobe {a:?}, ours {ours:?}", f.name),
    }
    match (j["format"]["tags"]["creation_time"].as_str(), &facts.creation_time) {
        (Some(t), Some(ours)) => {
            assert_eq!(ours.source, TimeSource::Mp4MovieHeader);
            assert_eq!(ours.utc.as_deref().map(|u| &u[..19]), Some(&t[..19]), "{}", f.name);
        }
        (None, None) => {}
        (t, ours) => panic!("{}: creation time mismatch: ffprobe {t:?}, ours {ours:?}", f.name),
    }
    match (j["format"]["tags"]["location"].as_str(), &facts.location) {
        (Some(t), Some(ours)) => {
            let p = parse_iso6709_simple(t);
            assert!((ours.latitude - p[0]).abs() < 1e-4, "{}: {ours:?} vs {t}", f.name);
            assert!((ours.longitude - p[1]).abs() < 1e-4, "{}: {ours:?} vs {t}", f.name);
            assert!((ours.altitude_m.unwrap() - p[2]).abs() < 1e-3, "{}: {ours:?} vs {t}", f.name);
        }
        (None, None) => {}
        (t, ours) => panic!("{}: location mismatch: ffprobe {t:?}, ours {ours:?}", f.name),
    }
}

// ---------------------------------------------------------------------------
// Facts read from FFmpeg-made files, cross-checked with ffprobe.
// ---------------------------------------------------------------------------

#[test]
fn every_ffmpeg_fixture_matches_ffprobe() {
    for f in fixtures().iter().filter(|f| f.from_ffmpeg) {
        cross_check(f);
    }
}

#[test]
fn mp4_facts_in_detail() {
    for name in ["plain.mp4", "faststart.mp4", "fragmented.mp4"] {
        let facts = facts_of(fixture(name));
        assert_eq!(facts.container, Container::Mp4, "{name}");
        assert_eq!(facts.brand.as_deref(), Some("isom"), "{name}");
        let d = facts.duration.unwrap();
        let expected_source = if name == "fragmented.mp4" {
            DurationSource::FragmentSamples
        } else {
            DurationSource::MovieHeader
        };
        assert_eq!(d.source, expected_source, "{name}");
        assert!(!d.estimated);
        assert!(d.milliseconds.abs_diff(5000) <= 50, "{name}: {}", d.milliseconds);
        let t = facts.creation_time.unwrap();
        assert_eq!(t.unix_seconds, Some(CREATION_UNIX), "{name}");
        assert_eq!(t.utc.as_deref(), Some(CREATION), "{name}");
        assert_eq!(t.raw, (CREATION_UNIX + 2_082_844_800).to_string());
        let v = facts.video.unwrap();
        assert_eq!((v.codec.as_str(), v.width, v.height), ("h264", Some(640), Some(360)), "{name}");
        assert_eq!(v.frame_rate.map(|r| (r.numerator, r.denominator)), Some((25, 1)), "{name}");
        let a = facts.audio.unwrap();
        assert_eq!((a.codec.as_str(), a.sample_rate, a.channels), ("aac", Some(44_100), Some(1)), "{name}");
        let loc = facts.location.unwrap();
        assert_eq!(loc.source, LocationSource::Loci, "{name}: FFmpeg writes 3GPP loci in MP4");
        assert!((loc.latitude - 39.9042).abs() < 1e-4 && (loc.longitude - 116.4074).abs() < 1e-4);
    }
}

#[test]
fn mov_and_m4a_facts() {
    let mov = facts_of(fixture("clip.mov"));
    assert_eq!((mov.container, mov.brand.as_deref()), (Container::Mov, Some("qt  ")));
    let loc = mov.location.unwrap();
    assert_eq!((loc.source, loc.raw.as_deref()), (LocationSource::Iso6709, Some(ISO_LOCATION)));
    assert_eq!(loc.altitude_m, Some(43.5));
    assert_eq!(mov.creation_time.unwrap().unix_seconds, Some(CREATION_UNIX));

    let pcm = facts_of(fixture("mpeg4_pcm.mov"));
    let v = pcm.video.unwrap();
    assert_eq!((v.codec.as_str(), v.codec_tag.as_deref()), ("mpeg4", Some("mp4v")));
    assert_eq!(v.frame_rate.map(|r| (r.numerator, r.denominator)), Some((15, 1)));
    let a = pcm.audio.unwrap();
    assert_eq!(
        (a.codec.as_str(), a.sample_rate, a.channels, a.bits_per_sample),
        ("pcm_s16le", Some(48_000), Some(2), Some(16))
    );
    assert!(pcm.creation_time.is_none(), "no creation time was written");

    let m4a = facts_of(fixture("audio.m4a"));
    assert_eq!(m4a.container, Container::M4a);
    assert!(m4a.video.is_none());

    let hevc = facts_of(fixture("hevc.mp4"));
    let v = hevc.video.unwrap();
    assert_eq!((v.codec.as_str(), v.codec_tag.as_deref(), v.width), ("h265", Some("hvc1"), Some(320)));
    let ntsc = facts_of(fixture("ntsc.mp4"));
    assert_eq!(ntsc.video.unwrap().frame_rate.map(|r| (r.numerator, r.denominator)), Some((30_000, 1001)));
}

#[test]
fn wav_and_mp3_facts() {
    let wav = facts_of(fixture("audio.wav"));
    let d = wav.duration.unwrap();
    assert_eq!((d.milliseconds, d.source, d.estimated), (5000, DurationSource::WavDataSize, false));
    let a = wav.audio.unwrap();
    assert_eq!(
        (a.codec.as_str(), a.codec_tag.as_deref(), a.sample_rate, a.channels, a.bits_per_sample, a.bitrate),
        ("pcm_s16le", Some("0x0001"), Some(48_000), Some(2), Some(16), Some(1_536_000))
    );
    for (name, source) in [
        ("cbr.mp3", DurationSource::XingHeader),
        ("vbr.mp3", DurationSource::XingHeader),
        ("noxing.mp3", DurationSource::FrameWalk),
    ] {
        let facts = facts_of(fixture(name));
        assert_eq!(facts.container, Container::Mp3);
        let d = facts.duration.unwrap();
        assert_eq!((d.source, d.estimated), (source, false), "{name}");
        let a = facts.audio.unwrap();
        assert_eq!((a.codec.as_str(), a.sample_rate, a.channels), ("mp3", Some(44_100), Some(1)), "{name}");
    }
    assert_eq!(facts_of(fixture("cbr.mp3")).audio.unwrap().bitrate, Some(128_000));
}

#[test]
fn jpeg_exif_reads_back_exactly_what_was_written() {
    for (name, big_endian) in [("exif_le.jpg", false), ("exif_be.jpg", true)] {
        let f = fixture(name);
        cross_check(f);
        let facts = facts_of(f);
        assert_eq!(facts.container, Container::Jpeg);
        let cam = facts.camera.unwrap();
        assert_eq!(cam.make.as_deref(), Some("LiuhenCam"));
        assert_eq!(cam.model.as_deref(), Some("BWC-9000 执法记录仪"));
        let image = facts.image.unwrap();
        assert_eq!((image.width, image.height, image.orientation), (Some(320), Some(240), Some(6)));
        let t = facts.creation_time.unwrap();
        assert_eq!(t.source, TimeSource::ExifDateTimeOriginal);
        assert_eq!(t.raw, DATE_TIME_ORIGINAL);
        assert_eq!(t.raw_offset.as_deref(), Some(OFFSET_TIME_ORIGINAL));
        assert_eq!(t.offset_minutes, Some(480));
        let l = t.local.unwrap();
        assert_eq!((l.year, l.month, l.day, l.hour, l.minute, l.second), (2026, 3, 2, 17, 30, 0));
        assert_eq!(t.unix_seconds, Some(CREATION_UNIX));
        assert_eq!(t.utc.as_deref(), Some(CREATION));
        let loc = facts.location.unwrap();
        let sign = if big_endian { -1.0 } else { 1.0 };
        let lat = 39.0 + 54.0 / 60.0 + 15.12 / 3600.0;
        let lon = 116.0 + 24.0 / 60.0 + 26.64 / 3600.0;
        assert_eq!(loc.source, LocationSource::ExifGps);
        assert!((loc.latitude - sign * lat).abs() < 1e-9, "{name}: {}", loc.latitude);
        assert!((loc.longitude - sign * lon).abs() < 1e-9, "{name}: {}", loc.longitude);
        assert_eq!(loc.altitude_m, Some(sign * 43.5));
        assert_eq!(loc.gps_time_utc.as_deref(), Some(CREATION));
    }
    let plain = facts_of(fixture("plain.jpg"));
    assert!(plain.creation_time.is_none() && plain.location.is_none() && plain.camera.is_none());
}

#[test]
fn facts_round_trip_through_json() {
    for f in fixtures() {
        let p = probe(&read(f), Some(f.mime));
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"status\":\"recognised\""), "{json}");
        let back: Probe = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p, "{}", f.name);
    }
    let unparsed = probe(&b"\x00\x01\x02 not media"[..], None);
    let back: Probe = serde_json::from_str(&serde_json::to_string(&unparsed).unwrap()).unwrap();
    assert_eq!(back, unparsed);
}

#[test]
fn declared_type_is_compared_not_trusted() {
    let wav = read(fixture("audio.wav"));
    let facts = probe(&wav, Some("video/mp4")).facts().cloned().unwrap();
    assert_eq!((facts.container, facts.declared_type_matches), (Container::Wav, Some(false)));
    let facts = probe(&wav, Some("application/octet-stream")).facts().cloned().unwrap();
    assert_eq!(facts.declared_type_matches, None);
    let mov = read(fixture("clip.mov"));
    let facts = probe(&mov, Some("video/mp4; codecs=avc1")).facts().cloned().unwrap();
    assert_eq!(facts.declared_type_matches, Some(true), "MP4 and MOV share a family");
    assert_eq!(
        probe(&b"garbage bytes"[..], Some("audio/wav")),
        Probe::Unparsed { reason: "unrecognised file signature".into(), format_guess: Some(Container::Wav) }
    );
}

#[test]
fn seek_source_and_file_source_agree_with_slices() {
    for f in fixtures() {
        let bytes = read(f);
        let from_slice = probe(bytes.as_slice(), Some(f.mime));
        let seek = SeekSource::new(fs::File::open(&f.path).unwrap()).unwrap();
        assert_eq!(probe(&seek, Some(f.mime)), from_slice, "{}", f.name);
        let file = fs::File::open(&f.path).unwrap();
        let len = file.metadata().unwrap().len();
        assert_eq!(probe(&FileSource { file, len }, Some(f.mime)), from_slice, "{}", f.name);
    }
}

// ---------------------------------------------------------------------------
// Large files: reads stay small.
// ---------------------------------------------------------------------------

/// Top-level boxes of an MP4 in memory: (type, start, size).
fn top_level_boxes(data: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 8 <= data.len() {
        let size = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = data[pos + 4..pos + 8].try_into().unwrap();
        let size = if size == 0 { data.len() - pos } else { size };
        out.push((kind, pos, size));
        pos += size;
    }
    out
}

fn same_core_facts(a: &MediaFacts, b: &MediaFacts) {
    assert_eq!(a.duration, b.duration);
    assert_eq!(a.video, b.video);
    assert_eq!(a.audio, b.audio);
    assert_eq!(a.creation_time, b.creation_time);
    assert_eq!(a.location, b.location);
}

#[test]
fn sparse_600_mb_file_with_moov_at_end_reads_little() {
    let plain = read(fixture("plain.mp4"));
    let boxes = top_level_boxes(&plain);
    let (_, ftyp_at, ftyp_len) = *boxes.iter().find(|b| &b.0 == b"ftyp").unwrap();
    let (_, moov_at, moov_len) = *boxes.iter().find(|b| &b.0 == b"moov").unwrap();
    let mdat_size: u64 = 600 << 20;
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("liuhen-media-sparse-600mb.mp4");
    {
        let mut file = fs::File::create(&path).unwrap();
        file.write_all(&plain[ftyp_at..ftyp_at + ftyp_len]).unwrap();
        let mut mdat = 1u32.to_be_bytes().to_vec();
        mdat.extend_from_slice(b"mdat");
        mdat.extend_from_slice(&mdat_size.to_be_bytes());
        file.write_all(&mdat).unwrap();
        file.seek(SeekFrom::Start(ftyp_len as u64 + mdat_size)).unwrap();
        file.write_all(&plain[moov_at..moov_at + moov_len]).unwrap();
    }
    let file = fs::File::open(&path).unwrap();
    let len = file.metadata().unwrap().len();
    assert!(len > 600 << 20);
    let src = Counting::new(FileSource { file, len });
    let (p, largest) = probe_tracked(&src, Some("video/mp4"));
    fs::remove_file(&path).unwrap();
    let facts = p.facts().cloned().unwrap();
    assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
    same_core_facts(&facts, &facts_of(fixture("plain.mp4")));
    assert!(src.bytes.get() < 64 * 1024, "read {} bytes of a {len}-byte file", src.bytes.get());
    assert!(src.calls.get() < 1000, "{} reads", src.calls.get());
    assert!(largest <= 128 * 1024, "largest read {largest}");
}

#[test]
fn one_gb_virtual_fragmented_file_reads_little() {
    let frag = read(fixture("fragmented.mp4"));
    let mut pieces = Vec::new();
    let mut out_pos = 0u64;
    let extra: u64 = 256 << 20;
    let mut mdats = 0;
    for (kind, at, size) in top_level_boxes(&frag) {
        if &kind == b"mdat" {
            let mut h = 1u32.to_be_bytes().to_vec();
            h.extend_from_slice(b"mdat");
            h.extend_from_slice(&(size as u64 + 8 + extra).to_be_bytes());
            pieces.push((out_pos, h));
            out_pos += size as u64 + 8 + extra;
            mdats += 1;
        } else {
            pieces.push((out_pos, frag[at..at + size].to_vec()));
            out_pos += size as u64;
        }
    }
    assert!(mdats >= 5, "expected several fragments, got {mdats}");
    let src = Counting::new(Sparse { len: out_pos, pieces });
    let (p, largest) = probe_tracked(&src, Some("video/mp4"));
    let facts = p.facts().cloned().unwrap();
    assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
    same_core_facts(&facts, &facts_of(fixture("fragmented.mp4")));
    assert!(src.inner.len > 1 << 30);
    assert!(src.bytes.get() < 1 << 20, "read {} bytes", src.bytes.get());
    assert!(largest <= 128 * 1024, "largest read {largest}");
}

#[test]
fn four_gb_virtual_wav_reads_little() {
    let wav = read(fixture("audio.wav"));
    let data_at = wav.windows(4).position(|w| w == b"data").unwrap();
    let mut head = wav[..data_at + 8].to_vec();
    head[data_at + 4..data_at + 8].copy_from_slice(&0xffff_0000u32.to_le_bytes());
    let len = (data_at + 8) as u64 + 0xffff_0000;
    let src = Counting::new(Sparse { len, pieces: vec![(0, head)] });
    let facts = probe(&src, None).facts().cloned().unwrap();
    let d = facts.duration.unwrap();
    assert_eq!(d.milliseconds, (0xffff_0000u64 * 1000 + 96_000) / 192_000);
    assert!(src.bytes.get() < 4096, "read {} bytes", src.bytes.get());
}

#[test]
fn huge_mp3_without_xing_caps_its_walk_and_says_so() {
    // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, mono, no padding: 417-byte frames, repeated for ~300 MB.
    let mut frame = vec![0u8; 417];
    frame[..4].copy_from_slice(&[0xff, 0xfb, 0x90, 0xc0]);
    let frames = 720_000u64;
    let src = Counting::new(Repeating { len: frames * 417, pattern: frame });
    let facts = probe(&src, Some("audio/mpeg")).facts().cloned().unwrap();
    let d = facts.duration.unwrap();
    assert_eq!((d.source, d.estimated), (DurationSource::BitrateEstimate, true));
    let exact = frames * 1152 * 1000 / 44_100;
    assert!(d.milliseconds.abs_diff(exact) <= 1, "{} vs {exact}", d.milliseconds);
    assert!(facts.warnings.iter().any(|w| w.contains(&MAX_WALK_FRAMES.to_string())), "{:?}", facts.warnings);
    assert!(src.bytes.get() < 1 << 20, "read {} bytes", src.bytes.get());
}

// ---------------------------------------------------------------------------
// Damaged input: no panics, bounded allocation, honest results.
// ---------------------------------------------------------------------------

fn is_iso(f: &Fixture) -> bool {
    f.name.ends_with(".mp4") || f.name.ends_with(".mov") || f.name.ends_with(".m4a")
}

#[test]
fn truncated_files_never_panic_and_never_claim_completeness() {
    for f in fixtures() {
        let bytes = read(f);
        let mut cuts: Vec<usize> = (0..bytes.len().min(700)).collect();
        cuts.extend((0..400).map(|i| bytes.len() * i / 400));
        cuts.extend((1..64).map(|i| bytes.len() - i));
        // Cutting exactly between top-level boxes leaves a well-formed (shorter) file.
        let boundaries: Vec<usize> =
            if is_iso(f) { top_level_boxes(&bytes).iter().map(|b| b.1).collect() } else { Vec::new() };
        for cut in cuts {
            let p = probe_bounded(&bytes[..cut], Some(f.mime), f.name);
            if is_iso(f)
                && !boundaries.contains(&cut)
                && let Probe::Recognised(facts) = &p
            {
                assert!(
                    facts.is_partial(),
                    "{} cut at {cut} of {}: complete-looking facts",
                    f.name,
                    bytes.len()
                );
            }
        }
    }
}

/// xorshift64*: deterministic pseudo-random numbers for the mutation loop.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Offsets of likely structure: box types, markers, chunk ids.
fn hot_spots(bytes: &[u8]) -> Vec<usize> {
    const TAGS: [&[u8]; 22] = [
        b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd", b"stts", b"mvhd", b"tkhd", b"mdhd", b"hdlr",
        b"moof", b"traf", b"tfhd", b"trun", b"mvex", b"trex", b"udta", b"loci", b"esds", b"Exif", b"data",
    ];
    let mut out: Vec<usize> = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| TAGS.contains(w) || w.starts_with(&[0xff, 0xe1]) || w[..2] == [0xff, 0xfb])
        .map(|(i, _)| i.saturating_sub(4))
        .take(5000)
        .collect();
    out.push(0);
    out
}

#[test]
fn random_mutations_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let specials = [0u32, 1, 7, 8, 9, 16, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff];
    for f in fixtures() {
        let original = read(f);
        let spots = hot_spots(&original);
        for round in 0..400 {
            let mut bytes = original.clone();
            for _ in 0..1 + rng.below(4) {
                let at = if rng.below(3) == 0 {
                    rng.below(bytes.len())
                } else {
                    spots[rng.below(spots.len())] + rng.below(16)
                };
                let at = at.min(bytes.len().saturating_sub(4));
                match rng.below(4) {
                    0 => bytes[at] ^= 1 << rng.below(8),
                    1 => bytes[at] = rng.next() as u8,
                    2 => {
                        bytes[at..at + 4].copy_from_slice(&specials[rng.below(specials.len())].to_be_bytes())
                    }
                    _ => bytes[at..at + 4].copy_from_slice(&(rng.next() as u32).to_be_bytes()),
                }
            }
            if round % 5 == 0 {
                bytes.truncate(rng.below(bytes.len() + 1));
            }
            let _ = probe_bounded(&bytes, Some(f.mime), &format!("{} mutation {round}", f.name));
        }
    }
}

fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

fn ftyp() -> Vec<u8> {
    mp4_box(b"ftyp", b"isom\0\0\x02\0isomiso2mp41")
}

fn mvhd(duration: u32) -> Vec<u8> {
    let mut b = vec![0u8; 100];
    b[12..16].copy_from_slice(&1000u32.to_be_bytes());
    b[16..20].copy_from_slice(&duration.to_be_bytes());
    mp4_box(b"mvhd", &b)
}

#[test]
fn absurd_box_sizes_are_contained() {
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    // A 2 GB moov declared in a tiny file.
    let mut f = ftyp();
    let mut moov = mvhd(5000);
    moov.splice(0..0, [0x80, 0, 0, 0x00].into_iter().chain(*b"moov"));
    f.extend_from_slice(&moov);
    cases.push(("2 GB moov", f));
    // 64-bit size far past the end, and 64-bit sizes smaller than their header.
    for large in [u64::MAX, 1 << 40, 0, 8, 15] {
        let mut f = ftyp();
        f.extend_from_slice(&1u32.to_be_bytes());
        f.extend_from_slice(b"mdat");
        f.extend_from_slice(&large.to_be_bytes());
        f.extend_from_slice(&mp4_box(b"moov", &mvhd(5000)));
        cases.push(("64-bit mdat", f));
    }
    // Size 0 (to end of file) on the last box is legal.
    let mut f = ftyp();
    f.extend_from_slice(&mp4_box(b"moov", &mvhd(5000)));
    f.extend_from_slice(&[0, 0, 0, 0]);
    f.extend_from_slice(b"mdat");
    f.extend_from_slice(&[0u8; 100]);
    cases.push(("size-0 mdat", f));
    // Boxes of size 1..7 and inner sizes past the parent.
    for size in [1u32, 2, 7] {
        let mut f = ftyp();
        f.extend_from_slice(&size.to_be_bytes());
        f.extend_from_slice(b"moov");
        cases.push(("tiny box", f));
    }
    let mut inner = mvhd(5000);
    inner[0..4].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
    let mut f = ftyp();
    f.extend_from_slice(&mp4_box(b"moov", &inner));
    cases.push(("mvhd past parent", f));
    // Deep nesting: 20 000 nested trak/udta/meta boxes.
    let mut nested = mvhd(1000);
    for i in 0..20_000 {
        nested = mp4_box([b"trak", b"udta", b"meta", b"mdia"][i % 4], &nested);
    }
    let mut f = ftyp();
    f.extend_from_slice(&mp4_box(b"moov", &nested));
    cases.push(("deep nesting", f));
    // Many tiny boxes.
    let mut many = Vec::new();
    for _ in 0..100_000 {
        many.extend_from_slice(&mp4_box(b"free", &[]));
    }
    let mut f = ftyp();
    f.extend_from_slice(&mp4_box(b"moov", &[mvhd(1000), many].concat()));
    cases.push(("many boxes", f));
    // A trun declaring 2^32-1 samples in a few bytes.
    let trun =
        mp4_box(b"trun", &[&0x0000_0100u32.to_be_bytes()[..], &u32::MAX.to_be_bytes(), &[0; 16]].concat());
    let tfhd = mp4_box(b"tfhd", &[0, 0, 0, 0, 0, 0, 0, 1]);
    let moof = mp4_box(b"moof", &mp4_box(b"traf", &[tfhd, trun].concat()));
    let mut f = ftyp();
    f.extend_from_slice(&mp4_box(b"moov", &mvhd(0)));
    f.extend_from_slice(&moof);
    cases.push(("huge trun count", f));
    // Other formats.
    cases.push(("ID3 claiming 256 MB", [&b"ID3\x04\0\0\x7f\x7f\x7f\x7f"[..], &[0u8; 64]].concat()));
    cases.push(("JPEG zero-length segment", vec![0xff, 0xd8, 0xff, 0xe1, 0, 0, 0xff, 0xd9]));
    cases
        .push(("JPEG APP1 past end", vec![0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, b'E', b'x', b'i', b'f', 0, 0]));
    let mut bad_exif = vec![0xff, 0xd8, 0xff, 0xe1, 0, 30];
    bad_exif.extend_from_slice(b"Exif\0\0II*\0\xff\xff\xff\x7f\xff\xff\0\0\0\0\0\0\0\0\0\0\0\0");
    cases.push(("EXIF IFD offset past end", bad_exif));
    cases.push((
        "WAV all-ones sizes",
        [&b"RIFF\xff\xff\xff\xffWAVEfmt \xff\xff\xff\xff"[..], &[1, 0, 2, 0]].concat(),
    ));
    cases.push(("empty", Vec::new()));
    cases.push(("one byte", vec![0xff]));
    cases.push(("all 0xff", vec![0xff; 4096]));
    for (what, bytes) in &cases {
        let p = probe_bounded(bytes, None, what);
        if let Probe::Recognised(facts) = &p {
            let complete_ok = matches!(*what, "size-0 mdat" | "deep nesting" | "many boxes");
            assert!(complete_ok || facts.is_partial(), "{what}: {facts:?}");
        }
    }
}

#[test]
fn two_gb_declared_tables_in_a_large_source_stay_bounded() {
    // A 3 GB virtual file whose moov and stts declare ~2 GB: the source really is that long,
    // so only the crate's own caps keep reads and memory bounded.
    let two_gb: u32 = 0x8000_0000;
    let mut stts = two_gb.to_be_bytes().to_vec();
    stts.extend_from_slice(b"stts");
    stts.extend_from_slice(&[0, 0, 0, 0]);
    stts.extend_from_slice(&u32::MAX.to_be_bytes());
    let stbl_size = two_gb + 8;
    let mut head = ftyp();
    let moov_at = head.len() as u64;
    let mut moov = (two_gb + 200).to_be_bytes().to_vec();
    moov.extend_from_slice(b"moov");
    moov.extend_from_slice(&mvhd(5000));
    for (kind, extra) in [(b"trak", 48u32), (b"mdia", 40), (b"minf", 32), (b"stbl", 24)] {
        let _ = extra;
        moov.extend_from_slice(&(stbl_size + 100).to_be_bytes());
        moov.extend_from_slice(kind);
    }
    moov.extend_from_slice(&stts);
    head.extend_from_slice(&moov);
    let src = Counting::new(Sparse { len: 3 << 30, pieces: vec![(0, head)] });
    let (p, largest) = probe_tracked(&src, None);
    assert!(largest <= READ_LIMIT, "largest read {largest}");
    assert!(src.bytes.get() <= liuhen_media::READ_BUDGET_BYTES, "read {}", src.bytes.get());
    let facts = p.facts().cloned().unwrap();
    assert!(facts.is_partial(), "moov at {moov_at} is cut short: {facts:?}");
}

// ---------------------------------------------------------------------------
// Fragment defaults and mehd, on hand-built files.
// ---------------------------------------------------------------------------

fn full_box(kind: &[u8; 4], flags: u32, body: &[u8]) -> Vec<u8> {
    mp4_box(kind, &[&flags.to_be_bytes()[..], body].concat())
}

/// ftyp + moov with one 1280x720 avc1 video track (ID 1, timescale 90 kHz) and an mvex.
fn fragmented_moov(mehd: Option<u32>, trex_default: u32) -> Vec<u8> {
    let mut tkhd = vec![0u8; 80];
    tkhd[8..12].copy_from_slice(&1u32.to_be_bytes());
    tkhd[72..76].copy_from_slice(&(1280u32 << 16).to_be_bytes());
    tkhd[76..80].copy_from_slice(&(720u32 << 16).to_be_bytes());
    let mut mdhd = vec![0u8; 20];
    mdhd[8..12].copy_from_slice(&90_000u32.to_be_bytes());
    let hdlr = full_box(b"hdlr", 0, &[&[0u8; 4][..], b"vide", &[0u8; 13]].concat());
    let mut entry = vec![0u8; 78];
    entry[7] = 1;
    entry[24..26].copy_from_slice(&1280u16.to_be_bytes());
    entry[26..28].copy_from_slice(&720u16.to_be_bytes());
    let stsd = full_box(b"stsd", 0, &[&1u32.to_be_bytes()[..], &mp4_box(b"avc1", &entry)].concat());
    let stts = full_box(b"stts", 0, &0u32.to_be_bytes());
    let minf = mp4_box(b"minf", &mp4_box(b"stbl", &[stsd, stts].concat()));
    let mdia = mp4_box(b"mdia", &[full_box(b"mdhd", 0, &mdhd), hdlr, minf].concat());
    let trak = mp4_box(b"trak", &[full_box(b"tkhd", 3, &tkhd), mdia].concat());
    let trex = full_box(
        b"trex",
        0,
        &[1u32.to_be_bytes(), 1u32.to_be_bytes(), trex_default.to_be_bytes(), [0; 4], [0; 4]].concat(),
    );
    let mut mvex = Vec::new();
    if let Some(d) = mehd {
        mvex.extend_from_slice(&full_box(b"mehd", 0, &d.to_be_bytes()));
    }
    mvex.extend_from_slice(&trex);
    let mut out = ftyp();
    out.extend_from_slice(&mp4_box(b"moov", &[mvhd(0), trak, mp4_box(b"mvex", &mvex)].concat()));
    out
}

fn moof(tfhd_default: Option<u32>, durations: Option<&[u32]>, count: u32) -> Vec<u8> {
    let tfhd = match tfhd_default {
        Some(d) => full_box(b"tfhd", 0x8, &[1u32.to_be_bytes(), d.to_be_bytes()].concat()),
        None => full_box(b"tfhd", 0, &1u32.to_be_bytes()),
    };
    let trun = match durations {
        Some(ds) => {
            let body: Vec<u8> = [
                &(ds.len() as u32).to_be_bytes()[..],
                &ds.iter().flat_map(|d| d.to_be_bytes()).collect::<Vec<_>>(),
            ]
            .concat();
            full_box(b"trun", 0x100, &body)
        }
        None => full_box(b"trun", 0, &count.to_be_bytes()),
    };
    let mut out = mp4_box(b"moof", &mp4_box(b"traf", &[tfhd, trun].concat()));
    out.extend_from_slice(&mp4_box(b"mdat", &[0u8; 32]));
    out
}

#[test]
fn fragment_durations_use_trun_then_tfhd_then_trex_defaults() {
    let mut file = fragmented_moov(Some(8000), 3000);
    file.extend_from_slice(&moof(None, None, 30)); // 30 x trex default 3000
    file.extend_from_slice(&moof(Some(3600), None, 25)); // 25 x tfhd default 3600
    file.extend_from_slice(&moof(Some(3600), Some(&[3000, 6000]), 0)); // explicit durations win
    let facts = probe_bounded(&file, Some("video/mp4"), "synthetic fragments").facts().cloned().unwrap();
    assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
    let d = facts.duration.unwrap();
    assert_eq!((d.milliseconds, d.source), (2100, DurationSource::FragmentSamples));
    let v = facts.video.unwrap();
    assert_eq!((v.codec.as_str(), v.width, v.height), ("h264", Some(1280), Some(720)));
    assert_eq!(v.frame_rate.map(|r| (r.numerator, r.denominator)), Some((30, 1)));
    assert_eq!(v.average_frame_rate.map(|r| (r.numerator, r.denominator)), Some((190, 7)));

    // With no fragments at all, the mvex/mehd duration is used.
    let header_only = fragmented_moov(Some(8000), 3000);
    let d = probe(&header_only, None).facts().unwrap().duration.unwrap();
    assert_eq!((d.milliseconds, d.source), (8000, DurationSource::MovieExtendsHeader));
    // And with neither, there is no duration, and a warning says so.
    let bare = fragmented_moov(None, 3000);
    let facts = probe(&bare, None).facts().cloned().unwrap();
    assert!(facts.duration.is_none() && facts.is_partial());
}
