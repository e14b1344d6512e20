//! Checkpoints, C2SP tlog-checkpoint (<https://c2sp.org/tlog-checkpoint>,
//! §Note text).
//!
//! ```text
//! <origin>\n
//! <tree size, ASCII decimal, no leading zeroes>\n
//! <root hash, base64 of 32 bytes>\n
//! [<extension line>\n ...]     (each non-empty)
//! ```
//!
//! The parser is strict: the root hash must decode (canonical padded base64)
//! to exactly 32 bytes, the size must fit in a `u64`, the origin and every
//! extension line must be non-empty, and the body must end in a newline.
//! Checkpoints carry no timestamp; signing is done on the note text with
//! [`crate::Note::sign`].

use crate::hash::Hash;
use crate::keys::VerifierKey;
use crate::note::{Note, VerifiedNote};
use crate::util::parse_decimal;
use crate::Error;

/// A transparency log checkpoint body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Log identity (first line).
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// RFC 6962 root hash of the tree of `size` leaves.
    pub root: Hash,
    /// Opaque extension lines (without newlines), usually empty.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: &str, size: u64, root: Hash) -> Self {
        Checkpoint { origin: origin.to_owned(), size, root, extensions: Vec::new() }
    }

    /// The note text (body) of the checkpoint. Fails if a line is empty or
    /// contains a newline or another control character.
    pub fn to_note_text(&self) -> Result<String, Error> {
        for line in core::iter::once(&self.origin).chain(&self.extensions) {
            if line.is_empty() || line.bytes().any(|b| b < 0x20) {
                return Err(Error::MalformedCheckpoint("empty line or control character"));
            }
        }
        let mut out = format!("{}\n{}\n{}\n", self.origin, self.size, self.root.to_base64());
        for e in &self.extensions {
            out.push_str(e);
            out.push('\n');
        }
        Ok(out)
    }

    /// Parses a checkpoint body (the note text).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let body = text.strip_suffix('\n').ok_or(Error::MalformedCheckpoint("must end in newline"))?;
        let mut lines = body.split('\n');
        let origin =
            lines.next().filter(|l| !l.is_empty()).ok_or(Error::MalformedCheckpoint("empty origin"))?;
        let size = lines.next().and_then(parse_decimal).ok_or(Error::MalformedCheckpoint("bad tree size"))?;
        let root = lines
            .next()
            .ok_or(Error::MalformedCheckpoint("missing root hash"))
            .and_then(|l| Hash::from_base64(l).map_err(|_| Error::MalformedCheckpoint("bad root hash")))?;
        let mut extensions = Vec::new();
        for l in lines {
            if l.is_empty() {
                return Err(Error::MalformedCheckpoint("empty extension line"));
            }
            extensions.push(l.to_owned());
        }
        if origin.bytes().any(|b| b < 0x20) || extensions.iter().any(|e| e.bytes().any(|b| b < 0x20)) {
            return Err(Error::MalformedCheckpoint("control character"));
        }
        Ok(Checkpoint { origin: origin.to_owned(), size, root, extensions })
    }

    /// Parses a signed checkpoint note, verifies it against `verifiers` (see
    /// [`Note::verify`]) and checks that its origin is `origin`.
    pub fn open(
        msg: &[u8],
        origin: &str,
        verifiers: &[VerifierKey],
    ) -> Result<(Checkpoint, VerifiedNote), Error> {
        let note = Note::parse(msg)?;
        let checkpoint = Checkpoint::parse(&note.text)?;
        if checkpoint.origin != origin {
            return Err(Error::OriginMismatch { want: origin.to_owned(), got: checkpoint.origin });
        }
        let verified = note.verify(verifiers)?;
        Ok((checkpoint, verified))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut c = Checkpoint::new("example.com/log", 42, crate::hash::sha256(b"x"));
        c.extensions.push("ext".into());
        let text = c.to_note_text().unwrap();
        assert_eq!(Checkpoint::parse(&text).unwrap(), c);
        c.extensions.push(String::new());
        assert!(c.to_note_text().is_err());
    }

    #[test]
    fn rejects() {
        let root = crate::hash::sha256(b"x").to_base64();
        for bad in [
            format!("o\n01\n{root}\n"),
            format!("o\n1\n{root}"),
            format!("\n1\n{root}\n"),
            format!("o\n1\n{root}\n\n"),
            "o\n1\nAAAA\n".to_owned(),
            "o\n1\n".to_owned(),
        ] {
            assert!(Checkpoint::parse(&bad).is_err(), "{bad:?}");
        }
    }
}
