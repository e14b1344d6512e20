//! Signed notes, C2SP signed-note (<https://c2sp.org/signed-note>, §Format,
//! §Signatures) and the cosignature v1 message of C2SP tlog-cosignature
//! (§Ed25519 signed message).
//!
//! ```text
//! <text, ending in "\n">
//! <blank line>
//! — <key name> base64(<4-byte big-endian key ID> || <signature>)\n   (one or more)
//! ```
//!
//! The text is separated from the signatures by the *last* blank line. The
//! whole note must be UTF-8 without control characters other than newline.
//! Limits enforced by [`Note::parse`]: at most [`MAX_NOTE_SIGNATURES`]
//! signature lines (the spec requires accepting at least 16; Go's
//! `sumdb/note` allows 100) and at most [`MAX_NOTE_SIZE`] bytes. Each
//! signature must decode to at least 5 bytes (key ID plus something).
//!
//! Verification follows the spec: signatures whose (name, key ID) match no
//! configured verifier are ignored (kept in [`VerifiedNote::unverified`]);
//! a signature from a known key that fails to verify rejects the whole note;
//! a note with no verified signature is rejected; two configured verifiers
//! with the same name and key ID are ambiguous.

use crate::keys::{is_valid_key_name, VerifierKey};
use crate::signer::SignerKey;
use crate::util::{b64_decode, b64_encode};
use crate::Error;

/// Maximum number of signature lines accepted by [`Note::parse`].
pub const MAX_NOTE_SIGNATURES: usize = 100;
/// Maximum size in bytes of a note accepted by [`Note::parse`].
pub const MAX_NOTE_SIZE: usize = 1 << 20;

const SIG_PREFIX: &str = "\u{2014} ";

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoteSignature {
    /// Key name.
    pub name: String,
    /// Key ID (first four bytes of the decoded signature, big-endian).
    pub key_id: u32,
    /// Signature bytes after the key ID.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line without its final newline.
    pub fn to_line(&self) -> String {
        let mut data = self.key_id.to_be_bytes().to_vec();
        data.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}", self.name, b64_encode(&data))
    }

    fn parse_line(line: &str) -> Result<Self, Error> {
        let rest = line
            .strip_prefix(SIG_PREFIX)
            .ok_or(Error::MalformedNote("signature line must start with em dash and space"))?;
        let (name, b64) =
            rest.split_once(' ').ok_or(Error::MalformedNote("signature line needs name and signature"))?;
        if !is_valid_key_name(name) {
            return Err(Error::MalformedNote("invalid key name"));
        }
        let data = b64_decode(b64).map_err(|_| Error::MalformedNote("signature is not base64"))?;
        if data.len() < 5 {
            return Err(Error::MalformedNote("signature too short"));
        }
        let (id, sig) = data.split_first_chunk::<4>().ok_or(Error::MalformedNote("signature too short"))?;
        Ok(NoteSignature { name: name.to_owned(), key_id: u32::from_be_bytes(*id), signature: sig.to_vec() })
    }

    /// For a cosignature v1 (type `0x04`): the timestamp and Ed25519
    /// signature. Fails if the signature bytes have the wrong shape.
    pub fn cosignature_v1(&self) -> Result<(u64, [u8; 64]), Error> {
        let (ts, sig) =
            self.signature.split_first_chunk::<8>().ok_or(Error::MalformedNote("cosignature too short"))?;
        let sig =
            <[u8; 64]>::try_from(sig).map_err(|_| Error::MalformedNote("cosignature must be 72 bytes"))?;
        let ts = u64::from_be_bytes(*ts);
        if ts > i64::MAX as u64 {
            return Err(Error::MalformedNote("cosignature timestamp exceeds 2^63-1"));
        }
        Ok((ts, sig))
    }
}

/// A parsed (not yet verified) signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, including its final newline.
    pub text: String,
    /// Signature lines in order.
    pub signatures: Vec<NoteSignature>,
}

/// A note with at least one signature verified by a trusted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNote {
    /// The signed text.
    pub text: String,
    /// Signatures that verified with a configured key (deduplicated).
    pub verified: Vec<NoteSignature>,
    /// Signatures from unknown keys (ignored, deduplicated).
    pub unverified: Vec<NoteSignature>,
}

impl VerifiedNote {
    /// Whether a signature by `key` was verified.
    pub fn is_signed_by(&self, key: &VerifierKey) -> bool {
        self.verified.iter().any(|s| s.name == key.name() && s.key_id == key.key_id())
    }
}

/// ASCII control characters (below U+0020) other than newline.
fn has_forbidden_control(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 && b != b'\n')
}

/// Checks note text: non-empty, ends in newline, no control characters
/// except newline.
pub fn check_note_text(text: &str) -> Result<(), Error> {
    if text.is_empty() || !text.ends_with('\n') {
        return Err(Error::MalformedNote("text must be non-empty and end in newline"));
    }
    if has_forbidden_control(text) {
        return Err(Error::MalformedNote("text contains control characters"));
    }
    Ok(())
}

impl Note {
    /// Parses a signed note (see the module docs for the rules).
    pub fn parse(msg: &[u8]) -> Result<Self, Error> {
        if msg.len() > MAX_NOTE_SIZE {
            return Err(Error::MalformedNote("note too large"));
        }
        let msg = core::str::from_utf8(msg).map_err(|_| Error::MalformedNote("not UTF-8"))?;
        if has_forbidden_control(msg) {
            return Err(Error::MalformedNote("control characters"));
        }
        let split = msg.rfind("\n\n").ok_or(Error::MalformedNote("missing blank line before signatures"))?;
        let (text, sigs) =
            msg.split_at_checked(split + 1).ok_or(Error::MalformedNote("missing blank line"))?;
        let sigs = sigs.strip_prefix('\n').ok_or(Error::MalformedNote("missing blank line"))?;
        let body = sigs.strip_suffix('\n').ok_or(Error::MalformedNote("signatures must end in newline"))?;
        if body.is_empty() {
            return Err(Error::MalformedNote("no signatures"));
        }
        let mut signatures = Vec::new();
        for line in body.split('\n') {
            if signatures.len() >= MAX_NOTE_SIGNATURES {
                return Err(Error::MalformedNote("too many signatures"));
            }
            signatures.push(NoteSignature::parse_line(line)?);
        }
        Ok(Note { text: text.to_owned(), signatures })
    }

    /// Signs `text` with each signer (in order).
    pub fn sign(text: &str, signers: &[&SignerKey]) -> Result<Self, Error> {
        check_note_text(text)?;
        let mut note = Note { text: text.to_owned(), signatures: Vec::new() };
        for s in signers {
            note.add_signature(s)?;
        }
        Ok(note)
    }

    /// Appends a signature by `signer` over this note's text.
    pub fn add_signature(&mut self, signer: &SignerKey) -> Result<(), Error> {
        check_note_text(&self.text)?;
        if !is_valid_key_name(signer.name()) {
            return Err(Error::InvalidKeyName);
        }
        let signature = signer.sign(self.text.as_bytes())?;
        self.signatures.push(NoteSignature {
            name: signer.name().to_owned(),
            key_id: signer.key_id(),
            signature,
        });
        Ok(())
    }

    /// The serialized note: text, blank line, signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.to_line());
            out.push('\n');
        }
        out
    }

    /// Verifies the signatures against `verifiers` (see module docs).
    pub fn verify(&self, verifiers: &[VerifierKey]) -> Result<VerifiedNote, Error> {
        let mut verified: Vec<NoteSignature> = Vec::new();
        let mut unverified: Vec<NoteSignature> = Vec::new();
        for sig in &self.signatures {
            if verified.iter().any(|v| v.name == sig.name && v.key_id == sig.key_id) {
                continue;
            }
            let mut matching = verifiers.iter().filter(|v| v.name() == sig.name && v.key_id() == sig.key_id);
            let Some(key) = matching.next() else {
                if !unverified.contains(sig) {
                    unverified.push(sig.clone());
                }
                continue;
            };
            if matching.next().is_some() {
                return Err(Error::AmbiguousKey { name: sig.name.clone(), key_id: sig.key_id });
            }
            if !key.verify(self.text.as_bytes(), &sig.signature) {
                return Err(Error::InvalidSignature { name: sig.name.clone(), key_id: sig.key_id });
            }
            verified.push(sig.clone());
        }
        if verified.is_empty() {
            return Err(Error::UnverifiedNote);
        }
        Ok(VerifiedNote { text: self.text.clone(), verified, unverified })
    }
}

/// Parses and verifies a note in one step.
pub fn open(msg: &[u8], verifiers: &[VerifierKey]) -> Result<VerifiedNote, Error> {
    Note::parse(msg)?.verify(verifiers)
}
