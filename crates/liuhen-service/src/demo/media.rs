//! The demo's files: body-camera clips (MP4 fixtures made once by
//! `scripts/make-demo-media.sh`, compiled in), a 询问室 recorder's audio
//! (WAV written here) and the scans of paper records (a one-page PDF
//! written here). Every copy names its clip inside the file, so no two
//! uploads share a digest; none needs ffmpeg at run time.

/// A stored clip: ffmpeg's test pattern, 320×180, one frame a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fixture {
    /// 5 minutes, progressive MP4.
    Five,
    /// 10 minutes, progressive MP4.
    Ten,
    /// 15 minutes, fragmented MP4.
    Fifteen,
}

impl Fixture {
    pub(super) fn seconds(self) -> i64 {
        match self {
            Fixture::Five => 300,
            Fixture::Ten => 600,
            Fixture::Fifteen => 900,
        }
    }

    fn bytes(self) -> &'static [u8] {
        match self {
            Fixture::Five => include_bytes!("../../demo-media/bodycam-05m.mp4"),
            Fixture::Ten => include_bytes!("../../demo-media/bodycam-10m.mp4"),
            Fixture::Fifteen => include_bytes!("../../demo-media/bodycam-15m-frag.mp4"),
        }
    }
}

/// What a demo recording is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Media {
    /// A body-camera video.
    Video(Fixture),
    /// An audio recording of this many seconds.
    Audio(u32),
}

impl Media {
    pub(super) fn media_type(self) -> &'static str {
        match self {
            Media::Video(_) => "video/mp4",
            Media::Audio(_) => "audio/wav",
        }
    }

    pub(super) fn extension(self) -> &'static str {
        match self {
            Media::Video(_) => "MP4",
            Media::Audio(_) => "WAV",
        }
    }

    /// The file, naming `tag` inside it.
    pub(super) fn file(self, tag: &str) -> Vec<u8> {
        match self {
            Media::Video(f) => tagged_mp4(f.bytes(), tag),
            Media::Audio(s) => wav(s, tag),
        }
    }
}

/// An MP4 with a top-level `free` box at its end holding `tag`: every
/// offset in the file stays as it was, so it plays and probes as before.
fn tagged_mp4(mp4: &[u8], tag: &str) -> Vec<u8> {
    let text = format!("liuhen demo clip: {tag}");
    let size = u32::try_from(8 + text.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(mp4.len() + 8 + text.len());
    out.extend_from_slice(mp4);
    out.extend_from_slice(&size.to_be_bytes());
    out.extend_from_slice(b"free");
    out.extend_from_slice(text.as_bytes());
    out
}

/// Sample rate of the demo's audio: the lowest browsers play (Chromium
/// plays from 3 kHz), so ten minutes are 2.4 MB.
const WAV_RATE: u32 = 4_000;

/// A mono 8-bit PCM WAV of `seconds`: a quiet 250 Hz hum, the recorder's
/// idle noise, with a `LIST`/`INFO` chunk naming `tag`.
pub(super) fn wav(seconds: u32, tag: &str) -> Vec<u8> {
    let data_len = seconds.saturating_mul(WAV_RATE);
    let mut info = Vec::new();
    for (id, text) in [(b"INAM", tag), (b"ISFT", "liuhen demo")] {
        let mut value = text.as_bytes().to_vec();
        value.push(0);
        if value.len() % 2 == 1 {
            value.push(0);
        }
        info.extend_from_slice(id);
        info.extend_from_slice(&u32::try_from(value.len()).unwrap_or(0).to_le_bytes());
        info.extend_from_slice(&value);
    }
    let list_len = u32::try_from(4 + info.len()).unwrap_or(4);
    let riff_len = 4 + (8 + 16) + (8 + list_len) + (8 + data_len);
    let mut v = Vec::with_capacity(riff_len as usize + 8);
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&riff_len.to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes()); // PCM
    v.extend_from_slice(&1u16.to_le_bytes()); // mono
    v.extend_from_slice(&WAV_RATE.to_le_bytes());
    v.extend_from_slice(&WAV_RATE.to_le_bytes()); // byte rate: one byte a sample
    v.extend_from_slice(&1u16.to_le_bytes()); // block align
    v.extend_from_slice(&8u16.to_le_bytes()); // bits a sample
    v.extend_from_slice(b"LIST");
    v.extend_from_slice(&list_len.to_le_bytes());
    v.extend_from_slice(b"INFO");
    v.extend_from_slice(&info);
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_len.to_le_bytes());
    // 250 Hz at 4 kHz is 16 samples a period: a triangle of ±6 around silence (128).
    const PERIOD: [u8; 16] = [128, 131, 134, 131, 128, 125, 122, 125, 128, 131, 134, 131, 128, 125, 122, 125];
    v.extend(PERIOD.iter().copied().cycle().take(data_len as usize));
    v
}

/// A one-page PDF standing for the scan of a signed paper record: the
/// demo has no scanner, so the page says what it stands for.
pub(super) fn scan_pdf(lines: &[&str]) -> Vec<u8> {
    let mut text = String::from("BT /F1 12 Tf 56 780 Td 16 TL\n");
    for line in lines {
        // The standard font speaks Latin-1: anything else is left out.
        let clean: String = line
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .map(|c| if matches!(c, '(' | ')' | '\\') { ' ' } else { c })
            .collect();
        text.push_str(&format!("({clean}) Tj T*\n"));
    }
    text.push_str("ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> \
         /Contents 5 0 R >>"
            .to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1)
            .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn duration_ms(bytes: &[u8], media_type: &str) -> u64 {
        match liuhen_media::probe(bytes, Some(media_type)) {
            liuhen_media::Probe::Recognised(f) => f.duration.unwrap().milliseconds,
            liuhen_media::Probe::Unparsed { reason, .. } => panic!("not parsed: {reason}"),
        }
    }

    #[test]
    fn every_file_is_as_long_as_it_says_and_carries_its_tag() {
        for f in [Fixture::Five, Fixture::Ten, Fixture::Fifteen] {
            let m = Media::Video(f);
            let a = m.file("a");
            assert_eq!(duration_ms(&a, m.media_type()), u64::try_from(f.seconds()).unwrap() * 1000);
            assert_ne!(a, m.file("b"), "each copy has its own bytes");
        }
        let m = Media::Audio(90);
        let a = m.file("询问室录音");
        assert_eq!(duration_ms(&a, "audio/wav"), 90_000);
        assert!(a.len() > 90 * 4000 && a.len() < 90 * 4000 + 200, "4 kHz, 8-bit, mono");
        assert_ne!(a, m.file("other"));
    }

    #[test]
    fn the_scan_is_a_pdf_with_a_valid_cross_reference() {
        let pdf = scan_pdf(&["LIUHEN DEMO", "on-site record (xianchang bilu) 现场笔录"]);
        let text = String::from_utf8(pdf.clone()).unwrap();
        assert!(text.starts_with("%PDF-1.4") && text.ends_with("%%EOF\n"));
        let xref: usize = text.rsplit("startxref\n").next().unwrap().lines().next().unwrap().parse().unwrap();
        assert!(text[xref..].starts_with("xref"));
        let first: usize = text[xref..].lines().nth(3).unwrap()[..10].parse().unwrap();
        assert!(text[first..].starts_with("1 0 obj"));
    }
}
