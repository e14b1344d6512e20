//! Fragmented MP4: sums sample durations over `moof/traf/trun`, per track.
//!
//! Each `trun` is read in chunks of at most [`CHUNK`] bytes, so memory stays
//! flat however many samples a run declares.

use std::collections::BTreeMap;

use super::boxes::{BoxHeader, Children};
use crate::MediaError;
use crate::bytes::Cursor;
use crate::source::Reader;

const CHUNK: u64 = 64 * 1024;
/// Most distinct track IDs followed across fragments.
const MAX_TRACKS: usize = 64;

/// How many samples have each duration, for the nominal frame rate.
/// Bounded: at most [`MAX_DELTAS`] distinct durations are counted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Deltas(BTreeMap<u32, u64>);

const MAX_DELTAS: usize = 256;

impl Deltas {
    pub(crate) fn add(&mut self, delta: u32, count: u64) {
        if count == 0 || delta == 0 {
            return;
        }
        if let Some(c) = self.0.get_mut(&delta) {
            *c = c.saturating_add(count);
        } else if self.0.len() < MAX_DELTAS {
            self.0.insert(delta, count);
        }
    }

    pub(crate) fn merge(&mut self, other: &Deltas) {
        for (&d, &n) in &other.0 {
            self.add(d, n);
        }
    }

    /// The most common duration (the shorter one on a tie).
    pub(crate) fn dominant(&self) -> Option<u32> {
        self.0.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(&d, _)| d)
    }
}

/// Per-track totals over every fragment seen.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct FragTrack {
    /// Samples counted.
    pub samples: u64,
    /// Durations known from `trun` entries or `tfhd` defaults, in track timescale units.
    pub duration: u64,
    /// Samples whose duration must come from the `trex` default.
    pub need_trex_default: u64,
    /// Durations known so far.
    pub deltas: Deltas,
}

#[derive(Debug, Default)]
pub(crate) struct Fragments {
    pub moofs: u64,
    pub tracks: BTreeMap<u32, FragTrack>,
    pub short_runs: u64,
}

impl Fragments {
    /// `(duration, samples, deltas)` of a track in its timescale, given the `trex` default.
    pub(crate) fn track_totals(&self, track_id: u32, trex_default: u32) -> Option<(u64, u64, Deltas)> {
        let t = self.tracks.get(&track_id)?;
        let d = t.duration.saturating_add(t.need_trex_default.saturating_mul(u64::from(trex_default)));
        let mut deltas = t.deltas.clone();
        deltas.add(trex_default, t.need_trex_default);
        Some((d, t.samples, deltas))
    }

    pub(crate) fn read_moof(&mut self, r: &mut Reader<'_>, moof: &BoxHeader) -> Result<(), MediaError> {
        self.moofs += 1;
        let mut it = Children::of(moof);
        while let Some(traf) = it.next(r)? {
            if traf.kind == *b"traf" {
                self.read_traf(r, &traf)?;
            }
        }
        Ok(())
    }

    fn read_traf(&mut self, r: &mut Reader<'_>, traf: &BoxHeader) -> Result<(), MediaError> {
        let mut track: Option<(u32, Option<u32>)> = None;
        let mut it = Children::of(traf);
        while let Some(child) = it.next(r)? {
            match &child.kind {
                b"tfhd" => {
                    let b = r.read_vec(child.body, child.body_len().min(32))?;
                    track = parse_tfhd(&b);
                }
                b"trun" => {
                    let Some((id, default)) = track else {
                        return Err(MediaError::Malformed("trun before tfhd".to_owned()));
                    };
                    let run = self.read_trun(r, &child)?;
                    if self.tracks.len() >= MAX_TRACKS && !self.tracks.contains_key(&id) {
                        continue;
                    }
                    let t = self.tracks.entry(id).or_default();
                    t.samples = t.samples.saturating_add(run.samples);
                    t.duration = t.duration.saturating_add(run.duration);
                    t.deltas.merge(&run.deltas);
                    match default {
                        Some(d) => {
                            t.duration = t.duration.saturating_add(run.without_duration * u64::from(d));
                            t.deltas.add(d, run.without_duration);
                        }
                        None => {
                            t.need_trex_default = t.need_trex_default.saturating_add(run.without_duration)
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn read_trun(&mut self, r: &mut Reader<'_>, trun: &BoxHeader) -> Result<Run, MediaError> {
        let head = r.read_vec(trun.body, trun.body_len().min(16))?;
        let mut c = Cursor::new(&head);
        let flags = c.u32be().ok_or_else(|| short("trun"))? & 0x00ff_ffff;
        let count = u64::from(c.u32be().ok_or_else(|| short("trun"))?);
        let mut skip = 8u64;
        if flags & 0x1 != 0 {
            skip += 4;
        }
        if flags & 0x4 != 0 {
            skip += 4;
        }
        let record: u64 =
            [0x100, 0x200, 0x400, 0x800].iter().map(|f| if flags & f != 0 { 4 } else { 0 }).sum();
        if flags & 0x100 == 0 {
            return Ok(Run {
                samples: count,
                duration: 0,
                without_duration: count,
                deltas: Deltas::default(),
            });
        }
        let present = trun.body_len().saturating_sub(skip) / record;
        let n = count.min(present);
        if n < count {
            self.short_runs += 1;
        }
        let mut duration = 0u64;
        let mut deltas = Deltas::default();
        let per_chunk = CHUNK / record;
        let mut done = 0u64;
        while done < n {
            let take = (n - done).min(per_chunk);
            let buf = r.read_vec(trun.body + skip + done * record, take * record)?;
            for rec in buf.chunks_exact(record as usize) {
                let mut rc = Cursor::new(rec);
                let d = rc.u32be().unwrap_or_default();
                duration = duration.saturating_add(u64::from(d));
                deltas.add(d, 1);
            }
            done += take;
        }
        Ok(Run { samples: n, duration, without_duration: 0, deltas })
    }
}

struct Run {
    samples: u64,
    duration: u64,
    without_duration: u64,
    deltas: Deltas,
}

fn short(what: &str) -> MediaError {
    MediaError::Malformed(format!("{what} box too short"))
}

/// Track ID and default sample duration from a `tfhd` body.
fn parse_tfhd(b: &[u8]) -> Option<(u32, Option<u32>)> {
    let mut c = Cursor::new(b);
    let flags = c.u32be()? & 0x00ff_ffff;
    let id = c.u32be()?;
    if flags & 0x1 != 0 {
        c.skip(8)?;
    }
    if flags & 0x2 != 0 {
        c.skip(4)?;
    }
    let default = if flags & 0x8 != 0 { Some(c.u32be()?) } else { None };
    Some((id, default))
}

/// `(track_id, default_sample_duration)` from a `trex` body.
pub(crate) fn parse_trex(b: &[u8]) -> Option<(u32, u32)> {
    let mut c = Cursor::new(b);
    c.skip(4)?;
    let id = c.u32be()?;
    c.skip(4)?;
    Some((id, c.u32be()?))
}

/// Fragment duration (movie timescale) from a `mehd` body.
pub(crate) fn parse_mehd(b: &[u8]) -> Option<u64> {
    let mut c = Cursor::new(b);
    let version = c.u8()?;
    c.skip(3)?;
    if version == 1 { c.u64be() } else { c.u32be().map(u64::from) }
}
