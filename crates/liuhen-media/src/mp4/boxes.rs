//! ISO BMFF box headers, read from the source one header at a time.

use crate::MediaError;
use crate::bytes::{Cursor, fourcc};
use crate::source::Reader;

/// Most children walked in any one container box.
pub(crate) const MAX_CHILDREN: u32 = 4096;
/// Most top-level boxes walked (fragmented files have two per fragment).
pub(crate) const MAX_TOP_LEVEL: u32 = 1_000_000;

/// One box header; offsets are absolute within the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BoxHeader {
    pub kind: [u8; 4],
    pub start: u64,
    /// First byte after the header.
    pub body: u64,
    /// One past the last byte, clamped to the parent.
    pub end: u64,
    /// The declared size ran past the parent (or the file): truncated or corrupt.
    pub clamped: bool,
}

impl BoxHeader {
    pub(crate) fn body_len(&self) -> u64 {
        self.end.saturating_sub(self.body)
    }

    pub(crate) fn name(&self) -> String {
        fourcc(self.kind)
    }
}

/// Reads the header of the box at `pos` inside a parent ending at `parent_end`.
pub(crate) fn read_header(r: &mut Reader<'_>, pos: u64, parent_end: u64) -> Result<BoxHeader, MediaError> {
    let room = parent_end.saturating_sub(pos);
    if room < 8 {
        return Err(MediaError::Malformed(format!("box header at offset {pos} does not fit")));
    }
    let h: [u8; 8] = r.array(pos)?;
    let mut c = Cursor::new(&h);
    let size32 = c.u32be().unwrap_or_default();
    let kind = c.array::<4>().unwrap_or_default();
    let (size, mut header) = match size32 {
        0 => (room, 8u64),
        1 => {
            if room < 16 {
                return Err(MediaError::Malformed(format!("64-bit box size at offset {pos} does not fit")));
            }
            (u64::from_be_bytes(r.array(pos + 8)?), 16)
        }
        n => (u64::from(n), 8),
    };
    if kind == *b"uuid" {
        header += 16;
    }
    if size < header {
        return Err(MediaError::Malformed(format!(
            "box '{}' at offset {pos} declares size {size}, smaller than its header",
            fourcc(kind)
        )));
    }
    let (end, clamped) = match pos.checked_add(size) {
        Some(e) if e <= parent_end => (e, false),
        _ => (parent_end, true),
    };
    if pos + header > end {
        return Err(MediaError::Malformed(format!("box '{}' at offset {pos} is cut short", fourcc(kind))));
    }
    Ok(BoxHeader { kind, start: pos, body: pos + header, end, clamped })
}

/// Iterates the children of a byte range, reading only their headers.
pub(crate) struct Children {
    pos: u64,
    end: u64,
    seen: u32,
    max: u32,
    /// Inside another box: a child overrunning it means corruption, noted as a warning.
    nested: bool,
}

impl Children {
    /// Top-level boxes of a file.
    pub(crate) fn top_level(len: u64) -> Self {
        Children { pos: 0, end: len, seen: 0, max: MAX_TOP_LEVEL, nested: false }
    }

    /// Boxes in `start..end` of an enclosing box.
    pub(crate) fn within(start: u64, end: u64) -> Self {
        Children { pos: start, end, seen: 0, max: MAX_CHILDREN, nested: true }
    }

    pub(crate) fn of(parent: &BoxHeader) -> Self {
        Children::within(parent.body, parent.end)
    }

    /// Next child, `None` at the end (fewer than 8 trailing bytes are ignored,
    /// as some writers pad `udta` with a zero word).
    pub(crate) fn next(&mut self, r: &mut Reader<'_>) -> Result<Option<BoxHeader>, MediaError> {
        let left = self.end.saturating_sub(self.pos);
        if left < 8 {
            if left > 0 && !self.nested {
                r.note(format!("{left} stray bytes at the end of the file (truncated?)"));
                self.pos = self.end;
            }
            return Ok(None);
        }
        if self.seen >= self.max {
            return Err(MediaError::Malformed(format!("more than {} boxes in one container", self.max)));
        }
        let h = read_header(r, self.pos, self.end)?;
        if h.clamped && self.nested {
            r.note(format!("box '{}' at offset {} overruns its parent", h.name(), h.start));
        }
        self.seen += 1;
        self.pos = h.end;
        Ok(Some(h))
    }
}

/// Reads at most `cap` bytes of a box body.
pub(crate) fn read_body(r: &mut Reader<'_>, h: &BoxHeader, cap: u64) -> Result<Vec<u8>, MediaError> {
    r.read_vec(h.body, h.body_len().min(cap))
}

/// First child of `parent` with the given type.
pub(crate) fn find_child(
    r: &mut Reader<'_>,
    parent: &BoxHeader,
    kind: &[u8; 4],
) -> Result<Option<BoxHeader>, MediaError> {
    let mut it = Children::of(parent);
    while let Some(h) = it.next(r)? {
        if h.kind == *kind {
            return Ok(Some(h));
        }
    }
    Ok(None)
}

/// Boxes inside an in-memory buffer: `(type, body)` pairs, at most 64.
pub(crate) fn mem_children(data: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    let mut rest = data;
    while rest.len() >= 8 && out.len() < 64 {
        let mut c = Cursor::new(rest);
        let (Some(size32), Some(kind)) = (c.u32be(), c.array::<4>()) else { break };
        let (size, header) = match size32 {
            0 => (rest.len() as u64, 8usize),
            1 => match c.u64be() {
                Some(s) => (s, 16),
                None => break,
            },
            n => (u64::from(n), 8),
        };
        let Ok(size) = usize::try_from(size) else { break };
        let (Some(body), Some(next)) = (rest.get(header..size), rest.get(size..)) else { break };
        out.push((kind, body));
        rest = next;
    }
    out
}
