//! FourCC and object-type to codec-name mapping for MP4/MOV sample entries.

/// Video codec name for a visual sample entry FourCC.
pub(crate) fn video_name(fourcc: [u8; 4], object_type: Option<u8>) -> String {
    let name = match &fourcc {
        b"avc1" | b"avc2" | b"avc3" | b"avc4" | b"dva1" | b"dvav" => "h264",
        b"hvc1" | b"hev1" | b"dvh1" | b"dvhe" => "h265",
        b"vvc1" | b"vvi1" => "h266",
        b"av01" => "av1",
        b"vp08" => "vp8",
        b"vp09" => "vp9",
        b"s263" | b"h263" | b"H263" => "h263",
        b"jpeg" | b"mjpa" | b"mjpb" | b"AVDJ" => "mjpeg",
        b"apch" | b"apcn" | b"apcs" | b"apco" | b"ap4h" | b"ap4x" => "prores",
        b"mp4v" => match object_type {
            Some(0x60..=0x65) => "mpeg2video",
            Some(0x6a) => "mpeg1video",
            Some(0x6c) => "mjpeg",
            _ => "mpeg4",
        },
        b"xvid" | b"XVID" | b"FMP4" | b"DIVX" | b"DX50" => "mpeg4",
        b"mp2v" | b"xdvd" | b"xd55" | b"xd5e" => "mpeg2video",
        _ => return crate::bytes::fourcc(fourcc),
    };
    name.to_owned()
}

/// Audio codec name for a sound sample entry FourCC.
///
/// `bits` is the sample size of the entry, `lpcm_flags` the QuickTime v2
/// format-specific flags (float = 1, big-endian = 2, signed = 4).
pub(crate) fn audio_name(
    fourcc: [u8; 4],
    object_type: Option<u8>,
    bits: u16,
    lpcm_flags: Option<u32>,
) -> String {
    let name = match &fourcc {
        b"mp4a" => match object_type {
            Some(0x69 | 0x6b) => "mp3",
            Some(0xa5) => "ac3",
            Some(0xa6) => "eac3",
            Some(0xad) => "opus",
            Some(0xa9) => "dts",
            _ => "aac",
        },
        b".mp3" | b"mp3 " => "mp3",
        b"Opus" => "opus",
        b"fLaC" => "flac",
        b"alac" => "alac",
        b"ac-3" => "ac3",
        b"ec-3" => "eac3",
        b"samr" => "amr_nb",
        b"sawb" => "amr_wb",
        b"ulaw" => "pcm_mulaw",
        b"alaw" => "pcm_alaw",
        b"raw " | b"NONE" if bits <= 8 => "pcm_u8",
        b"twos" if bits <= 8 => "pcm_s8",
        b"twos" | b"NONE" => "pcm_s16be",
        b"sowt" => "pcm_s16le",
        b"in24" => "pcm_s24be",
        b"in32" => "pcm_s32be",
        b"fl32" => "pcm_f32be",
        b"fl64" => "pcm_f64be",
        b"lpcm" | b"ipcm" | b"fpcm" => return lpcm_name(fourcc, bits, lpcm_flags),
        _ => return crate::bytes::fourcc(fourcc),
    };
    name.to_owned()
}

fn lpcm_name(fourcc: [u8; 4], bits: u16, flags: Option<u32>) -> String {
    let flags = flags.unwrap_or(0);
    let float = fourcc == *b"fpcm" || flags & 1 != 0;
    let big = flags & 2 != 0;
    let signed = flags & 4 != 0 || fourcc == *b"ipcm";
    let kind = if float {
        'f'
    } else if signed || bits > 8 {
        's'
    } else {
        'u'
    };
    if bits <= 8 {
        return format!("pcm_{kind}8");
    }
    format!("pcm_{kind}{bits}{}", if big { "be" } else { "le" })
}
