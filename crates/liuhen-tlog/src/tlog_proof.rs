//! Offline inclusion proofs, C2SP tlog-proof@v1
//! (<https://c2sp.org/tlog-proof>, §Format).
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! [extra <base64>]                 optional, unauthenticated
//! index <decimal, no leading zeroes>
//! <base64 SHA-256 hash>            zero or more: RFC 6962 §2.1.1 audit path,
//!                                  leaf's sibling first
//! <empty line>
//! <signed checkpoint note, verbatim>
//! ```
//!
//! [`TlogProof::parse`] keeps the checkpoint as opaque text (as the format
//! says, it is included verbatim); [`TlogProof::verify`] parses it as a
//! signed note and a C2SP checkpoint, checks the signatures against a
//! [`ProofPolicy`] and checks the inclusion proof (RFC 9162 §2.1.3.2).

use crate::checkpoint::Checkpoint;
use crate::hash::{Hash, Sha256Hasher, TreeHasher};
use crate::keys::{KeyAlgorithm, VerifierKey};
use crate::note::{Note, VerifiedNote};
use crate::proof::verify_inclusion;
use crate::util::{b64_decode, b64_encode, parse_decimal};
use crate::Error;

/// First line of every tlog-proof.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";
/// Maximum size of a tlog-proof accepted by [`TlogProof::parse`].
pub const MAX_TLOG_PROOF_SIZE: usize = 1 << 20;
/// Maximum number of proof hashes (a `u64`-sized tree needs at most 64).
pub const MAX_PROOF_HASHES: usize = 64;

/// A parsed tlog-proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// Optional opaque, unauthenticated extra data.
    pub extra: Option<Vec<u8>>,
    /// Zero-based index of the entry.
    pub index: u64,
    /// Inclusion proof, leaf's sibling first.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
}

/// Whom to trust when verifying a [`TlogProof`].
#[derive(Debug, Clone)]
pub struct ProofPolicy {
    /// Expected checkpoint origin.
    pub origin: String,
    /// The log's key; its signature is required. It must be a note
    /// signature key (Ed25519 or SM2), not a cosignature key.
    pub log_key: VerifierKey,
    /// Witness (cosigner) keys.
    pub witnesses: Vec<VerifierKey>,
    /// How many distinct witnesses must have cosigned.
    pub quorum: usize,
}

/// The result of a successful verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    /// The checkpoint the entry is included in.
    pub checkpoint: Checkpoint,
    /// Signature details.
    pub note: VerifiedNote,
    /// Number of witnesses of the policy whose cosignature verified.
    pub witnesses: usize,
}

/// Splits off the next newline-terminated line.
fn take_line<'a>(rest: &mut &'a str) -> Result<&'a str, Error> {
    let (line, tail) = rest.split_once('\n').ok_or(Error::MalformedTlogProof("unexpected end of input"))?;
    *rest = tail;
    Ok(line)
}

impl TlogProof {
    /// Serializes the proof.
    pub fn to_text(&self) -> String {
        let mut out = format!("{TLOG_PROOF_HEADER}\n");
        if let Some(extra) = &self.extra {
            out.push_str(&format!("extra {}\n", b64_encode(extra)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            out.push_str(&h.to_base64());
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Parses a tlog-proof. The checkpoint part must be non-empty; it is not
    /// interpreted here.
    pub fn parse(input: &[u8]) -> Result<Self, Error> {
        if input.len() > MAX_TLOG_PROOF_SIZE {
            return Err(Error::MalformedTlogProof("too large"));
        }
        let text = core::str::from_utf8(input).map_err(|_| Error::MalformedTlogProof("not UTF-8"))?;
        let mut rest = text;
        if take_line(&mut rest)? != TLOG_PROOF_HEADER {
            return Err(Error::MalformedTlogProof("missing header"));
        }
        let mut line = take_line(&mut rest)?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            extra = Some(b64_decode(b64).map_err(|_| Error::MalformedTlogProof("extra is not base64"))?);
            line = take_line(&mut rest)?;
        }
        let index = line
            .strip_prefix("index ")
            .and_then(parse_decimal)
            .ok_or(Error::MalformedTlogProof("missing or bad index line"))?;
        let mut proof = Vec::new();
        loop {
            let line = take_line(&mut rest)?;
            if line.is_empty() {
                break;
            }
            if proof.len() >= MAX_PROOF_HASHES {
                return Err(Error::MalformedTlogProof("too many proof hashes"));
            }
            proof.push(Hash::from_base64(line).map_err(|_| Error::MalformedTlogProof("bad proof hash"))?);
        }
        if rest.is_empty() {
            return Err(Error::MalformedTlogProof("missing checkpoint"));
        }
        Ok(TlogProof { extra, index, proof, checkpoint: rest.to_owned() })
    }

    /// Verifies that `entry` (raw entry data, hashed as an RFC 6962 leaf) is
    /// proven by this file under `policy`.
    pub fn verify(&self, entry: &[u8], policy: &ProofPolicy) -> Result<VerifiedProof, Error> {
        self.verify_leaf_hash(&Sha256Hasher::hash_leaf(entry), policy)
    }

    /// Like [`TlogProof::verify`], given the leaf hash.
    pub fn verify_leaf_hash(&self, leaf_hash: &Hash, policy: &ProofPolicy) -> Result<VerifiedProof, Error> {
        if policy.log_key.algorithm() == KeyAlgorithm::CosignatureV1 {
            // A witness cosignature is not the log's own signature.
            return Err(Error::MissingLogSignature);
        }
        let note = Note::parse(self.checkpoint.as_bytes())?;
        let checkpoint = Checkpoint::parse(&note.text)?;
        if checkpoint.origin != policy.origin {
            return Err(Error::OriginMismatch { want: policy.origin.clone(), got: checkpoint.origin });
        }
        let mut keys = Vec::with_capacity(policy.witnesses.len() + 1);
        keys.push(policy.log_key.clone());
        keys.extend(policy.witnesses.iter().cloned());
        let verified = note.verify(&keys)?;
        if !verified.is_signed_by(&policy.log_key) {
            return Err(Error::MissingLogSignature);
        }
        let witnesses = policy.witnesses.iter().filter(|w| verified.is_signed_by(w)).count();
        if witnesses < policy.quorum {
            return Err(Error::WitnessQuorum { got: witnesses, want: policy.quorum });
        }
        verify_inclusion::<Sha256Hasher>(
            self.index,
            checkpoint.size,
            leaf_hash,
            &self.proof,
            &checkpoint.root,
        )?;
        Ok(VerifiedProof { checkpoint, note: verified, witnesses })
    }

    /// Verifies the proof against a checkpoint whose signatures the caller
    /// has already checked (a verifier's cache): the proof must carry that
    /// very note, and the entry must be included in its tree. Costs one
    /// inclusion-proof check, no signature verification.
    pub fn verify_with_trusted(
        &self,
        entry: &[u8],
        trusted_note: &str,
        trusted: &Checkpoint,
    ) -> Result<(), Error> {
        if self.checkpoint != trusted_note {
            return Err(Error::MalformedTlogProof("the proof's checkpoint is not the trusted one"));
        }
        verify_inclusion::<Sha256Hasher>(
            self.index,
            trusted.size,
            &Sha256Hasher::hash_leaf(entry),
            &self.proof,
            &trusted.root,
        )
    }
}
