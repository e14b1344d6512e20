//! Recognising a format from its first bytes.

use crate::Container;

/// Formats by structure (MP4, MOV and M4A share one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    IsoBmff,
    Jpeg,
    Wav,
    Mp3,
}

impl Family {
    pub(crate) fn guess(self) -> Container {
        match self {
            Family::IsoBmff => Container::Mp4,
            Family::Jpeg => Container::Jpeg,
            Family::Wav => Container::Wav,
            Family::Mp3 => Container::Mp3,
        }
    }

    pub(crate) fn of(c: Container) -> Family {
        match c {
            Container::Mp4 | Container::Mov | Container::M4a => Family::IsoBmff,
            Container::Jpeg => Family::Jpeg,
            Container::Wav => Family::Wav,
            Container::Mp3 => Family::Mp3,
        }
    }
}

/// Top-level box types that may open an ISO BMFF / QuickTime file.
const ISO_FIRST_BOXES: [&[u8; 4]; 10] =
    [b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"moof", b"styp", b"uuid"];

/// Sniffs the format from the first bytes (at least 12 for a confident answer).
pub(crate) fn sniff(head: &[u8]) -> Option<Family> {
    if head.starts_with(&[0xff, 0xd8, 0xff]) {
        return Some(Family::Jpeg);
    }
    if (head.starts_with(b"RIFF") || head.starts_with(b"RF64")) && head.get(8..12) == Some(b"WAVE") {
        return Some(Family::Wav);
    }
    if let Some(kind) = head.get(4..8)
        && ISO_FIRST_BOXES.iter().any(|b| b.as_slice() == kind)
    {
        return Some(Family::IsoBmff);
    }
    if head.starts_with(b"ID3") {
        return Some(Family::Mp3);
    }
    if let Some(h) = head.get(..4).and_then(|h| <[u8; 4]>::try_from(h).ok())
        && crate::mp3::FrameHeader::parse(h).is_some()
    {
        return Some(Family::Mp3);
    }
    None
}
