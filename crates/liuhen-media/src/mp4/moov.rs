//! The `moov` box: movie header, tracks, fragment defaults and user data.
//!
//! Only the leaf boxes that carry facts are read (`mvhd`, `tkhd`, `mdhd`,
//! `hdlr`, `stsd`, `stts`, `mehd`, `trex`, location boxes); sample tables
//! such as `stsz`/`stco` are skipped by their headers.

use super::boxes::{BoxHeader, Children, read_body};
use super::fragments::{Deltas, parse_mehd, parse_trex};
use super::sample_entry::{SampleEntry, parse_stsd};
use super::udta;
use crate::MediaError;
use crate::bytes::Cursor;
use crate::source::Reader;

const MAX_TRACKS: usize = 64;
const STSD_CAP: u64 = 64 * 1024;
const STTS_CHUNK: u64 = 64 * 1024;

#[derive(Debug, Default)]
pub(crate) struct Movie {
    pub timescale: u32,
    pub duration: Option<u64>,
    /// Seconds since 1904-01-01 UTC; zero is dropped.
    pub creation: Option<u64>,
    pub tracks: Vec<Track>,
    pub has_mvex: bool,
    pub mehd: Option<u64>,
    pub trex: Vec<(u32, u32)>,
    pub location: Option<udta::FoundLocation>,
}

#[derive(Debug, Default)]
pub(crate) struct Track {
    pub id: u32,
    pub handler: Option<[u8; 4]>,
    pub timescale: u32,
    pub media_duration: u64,
    pub tkhd_width: Option<u32>,
    pub tkhd_height: Option<u32>,
    pub entry: Option<SampleEntry>,
    /// `(sample count, sum of deltas)` from `stts`.
    pub stts: Option<(u64, u64)>,
    /// Sample durations from `stts`.
    pub deltas: Deltas,
}

/// Parses `moov`; problems become warnings and leave the facts found so far.
pub(crate) fn parse(
    r: &mut Reader<'_>,
    moov: &BoxHeader,
    quicktime: bool,
    warnings: &mut Vec<String>,
) -> Movie {
    let mut m = Movie::default();
    let mut it = Children::of(moov);
    loop {
        let h = match it.next(r) {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) => {
                warnings.push(format!("moov: {e}"));
                break;
            }
        };
        let res = match &h.kind {
            b"mvhd" => mvhd(r, &h, &mut m),
            b"trak" if m.tracks.len() < MAX_TRACKS => {
                let mut t = Track::default();
                let res = trak(r, &h, &mut t, quicktime);
                m.tracks.push(t);
                res
            }
            b"mvex" => mvex(r, &h, &mut m),
            b"udta" if m.location.is_none() => udta::from_udta(r, &h).map(|l| m.location = l),
            b"meta" if m.location.is_none() => {
                udta::from_meta(r, &h).map(|l| m.location = l.map(udta::FoundLocation::Iso6709))
            }
            _ => Ok(()),
        };
        if let Err(e) = res {
            warnings.push(format!("moov/{}: {e}", h.name()));
        }
    }
    m
}

fn short(what: &str) -> MediaError {
    MediaError::Malformed(format!("{what} box too short"))
}

fn mvhd(r: &mut Reader<'_>, h: &BoxHeader, m: &mut Movie) -> Result<(), MediaError> {
    let b = read_body(r, h, 32)?;
    let mut c = Cursor::new(&b);
    let version = c.u8().ok_or_else(|| short("mvhd"))?;
    c.skip(3);
    let (creation, timescale, duration) = if version == 1 {
        let cr = c.u64be();
        c.skip(8);
        (cr, c.u32be(), c.u64be().filter(|&d| d != u64::MAX))
    } else {
        let cr = c.u32be().map(u64::from);
        c.skip(4);
        (cr, c.u32be(), c.u32be().filter(|&d| d != u32::MAX).map(u64::from))
    };
    m.creation = creation.filter(|&c| c != 0);
    m.timescale = timescale.ok_or_else(|| short("mvhd"))?;
    m.duration = duration.filter(|_| m.timescale > 0);
    Ok(())
}

fn mvex(r: &mut Reader<'_>, h: &BoxHeader, m: &mut Movie) -> Result<(), MediaError> {
    m.has_mvex = true;
    let mut it = Children::of(h);
    while let Some(c) = it.next(r)? {
        match &c.kind {
            b"mehd" => m.mehd = parse_mehd(&read_body(r, &c, 16)?).filter(|&d| d > 0),
            b"trex" if m.trex.len() < MAX_TRACKS => m.trex.extend(parse_trex(&read_body(r, &c, 24)?)),
            _ => {}
        }
    }
    Ok(())
}

fn trak(r: &mut Reader<'_>, h: &BoxHeader, t: &mut Track, qt: bool) -> Result<(), MediaError> {
    let mut stsd = None;
    let mut it = Children::of(h);
    while let Some(c) = it.next(r)? {
        match &c.kind {
            b"tkhd" => tkhd(&read_body(r, &c, 96)?, t),
            b"mdia" => mdia(r, &c, t, &mut stsd)?,
            _ => {}
        }
    }
    if let Some(b) = stsd {
        t.entry = parse_stsd(&b, t.handler, qt);
    }
    Ok(())
}

fn tkhd(b: &[u8], t: &mut Track) {
    let mut c = Cursor::new(b);
    let Some(version) = c.u8() else { return };
    let skip = if version == 1 { 3 + 16 } else { 3 + 8 };
    if let Some(id) = c.skip(skip).and_then(|_| c.u32be()) {
        t.id = id;
    }
    let size_at = if version == 1 { 88 } else { 76 };
    let mut c = Cursor::new(b.get(size_at..).unwrap_or_default());
    t.tkhd_width = c.u32be().map(|w| w >> 16).filter(|&w| w > 0);
    t.tkhd_height = c.u32be().map(|h| h >> 16).filter(|&h| h > 0);
}

fn mdia(
    r: &mut Reader<'_>,
    h: &BoxHeader,
    t: &mut Track,
    stsd: &mut Option<Vec<u8>>,
) -> Result<(), MediaError> {
    let mut it = Children::of(h);
    while let Some(c) = it.next(r)? {
        match &c.kind {
            b"mdhd" => {
                let b = read_body(r, &c, 32)?;
                let mut cur = Cursor::new(&b);
                let version = cur.u8().ok_or_else(|| short("mdhd"))?;
                let (ts, dur) = if version == 1 {
                    cur.skip(3 + 16);
                    (cur.u32be(), cur.u64be())
                } else {
                    cur.skip(3 + 8);
                    (cur.u32be(), cur.u32be().map(u64::from))
                };
                t.timescale = ts.ok_or_else(|| short("mdhd"))?;
                t.media_duration = dur.filter(|&d| d != u64::from(u32::MAX) && d != u64::MAX).unwrap_or(0);
            }
            b"hdlr" => {
                let b = read_body(r, &c, 12)?;
                t.handler = Cursor::new(b.get(8..).unwrap_or_default()).array::<4>();
            }
            b"minf" => {
                let Some(stbl) = super::boxes::find_child(r, &c, b"stbl")? else { continue };
                let mut st = Children::of(&stbl);
                while let Some(s) = st.next(r)? {
                    match &s.kind {
                        b"stsd" => *stsd = Some(read_body(r, &s, STSD_CAP)?),
                        b"stts" => t.stts = Some(stts(r, &s, &mut t.deltas)?),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Sums an `stts` table in bounded chunks: `(sample count, total duration)`.
fn stts(r: &mut Reader<'_>, h: &BoxHeader, deltas: &mut Deltas) -> Result<(u64, u64), MediaError> {
    let head = read_body(r, h, 8)?;
    let count = Cursor::new(head.get(4..).unwrap_or_default()).u32be().ok_or_else(|| short("stts"))?;
    let present = (h.body_len().saturating_sub(8) / 8).min(u64::from(count));
    let (mut samples, mut total) = (0u64, 0u64);
    let mut done = 0u64;
    while done < present {
        let take = (present - done).min(STTS_CHUNK / 8);
        let buf = r.read_vec(h.body + 8 + done * 8, take * 8)?;
        for e in buf.chunks_exact(8) {
            let mut c = Cursor::new(e);
            let n = u64::from(c.u32be().unwrap_or_default());
            let d = c.u32be().unwrap_or_default();
            deltas.add(d, n);
            samples = samples.saturating_add(n);
            total = total.saturating_add(n.saturating_mul(u64::from(d)));
        }
        done += take;
    }
    Ok((samples, total))
}
