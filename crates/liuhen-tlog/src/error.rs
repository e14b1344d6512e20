//! The crate-wide error type.
//!
//! Every public function that takes outside input (sizes, indexes, proofs,
//! paths, notes, keys, tiles) reports problems through [`Error`]; nothing in
//! this crate panics on malformed input.

/// Everything that can go wrong in `liuhen-tlog`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ----- hashes and encodings -----
    /// A hash was not exactly 32 bytes long.
    #[error("invalid hash length {0}, want 32")]
    InvalidHashLength(usize),
    /// A hex string was malformed.
    #[error("invalid hex encoding")]
    InvalidHex,
    /// A base64 string was malformed or not canonical (RFC 4648 §4, padded).
    #[error("invalid base64 encoding")]
    InvalidBase64,

    // ----- trees and storage -----
    /// A leaf index is not inside the tree.
    #[error("index {index} out of range for tree size {size}")]
    IndexOutOfRange {
        /// The requested index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A stored-hash coordinate (level, index) does not fit in 64 bits.
    #[error("stored hash coordinate out of range (level {level}, index {index})")]
    StoredIndexOverflow {
        /// Tree level.
        level: u64,
        /// Index at that level.
        index: u64,
    },
    /// A [`crate::HashReader`] did not have a requested hash.
    #[error("stored hash {0} not available")]
    HashNotFound(u64),
    /// A [`crate::HashReader`] returned the wrong number of hashes.
    #[error("hash reader returned {got} hashes, want {want}")]
    ReaderLength {
        /// Hashes returned.
        got: usize,
        /// Hashes requested.
        want: usize,
    },
    /// An error reported by a storage implementation.
    #[error("storage error: {0}")]
    Storage(String),

    // ----- proofs -----
    /// The pair of tree sizes cannot have a consistency proof.
    #[error("invalid tree sizes for consistency proof: size1 {size1}, size2 {size2}")]
    InvalidTreeSizes {
        /// The older tree size.
        size1: u64,
        /// The newer tree size.
        size2: u64,
    },
    /// A proof has the wrong number of hashes.
    #[error("proof has {got} hashes, want {want}")]
    ProofLength {
        /// Number of hashes supplied.
        got: usize,
        /// Number of hashes required.
        want: usize,
    },
    /// The proof does not lead to the expected root(s).
    #[error("proof does not verify: computed root does not match")]
    RootMismatch,

    // ----- tiles -----
    /// A tile path is malformed.
    #[error("malformed tile path: {0}")]
    TilePath(&'static str),
    /// Tile coordinates are invalid or do not fit the tree size.
    #[error("invalid tile: {0}")]
    InvalidTile(&'static str),
    /// Tile data has the wrong length or does not authenticate.
    #[error("bad tile data: {0}")]
    TileData(&'static str),
    /// An entry bundle is malformed.
    #[error("malformed entry bundle: {0}")]
    EntryBundle(&'static str),

    // ----- notes and keys -----
    /// A signed note is malformed.
    #[error("malformed note: {0}")]
    MalformedNote(&'static str),
    /// A verifier key string is malformed.
    #[error("malformed verifier key: {0}")]
    MalformedVerifierKey(&'static str),
    /// A signer key string is malformed.
    #[error("malformed signer key: {0}")]
    MalformedSignerKey(&'static str),
    /// A key name is empty or contains a space or `+`.
    #[error("invalid key name")]
    InvalidKeyName,
    /// Several configured verifiers share this name and key ID.
    #[error("ambiguous key {name}+{key_id:08x}")]
    AmbiguousKey {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: u32,
    },
    /// A signature from a known key failed to verify.
    #[error("invalid signature for key {name}+{key_id:08x}")]
    InvalidSignature {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: u32,
    },
    /// No signature in the note was made by a known key.
    #[error("note has no verifiable signatures")]
    UnverifiedNote,
    /// The signature algorithm refused to sign.
    #[error("signing failed")]
    Signing,

    // ----- checkpoints and tlog-proof -----
    /// A checkpoint body is malformed.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    /// The checkpoint is for another log.
    #[error("checkpoint origin {got:?} does not match expected {want:?}")]
    OriginMismatch {
        /// The expected origin.
        want: String,
        /// The origin in the checkpoint.
        got: String,
    },
    /// A tlog-proof file is malformed.
    #[error("malformed tlog-proof: {0}")]
    MalformedTlogProof(&'static str),
    /// The log's own key did not sign the checkpoint.
    #[error("checkpoint not signed by the log key")]
    MissingLogSignature,
    /// Not enough witnesses cosigned the checkpoint.
    #[error("witness quorum not met: {got} of {want} required cosignatures")]
    WitnessQuorum {
        /// Valid cosignatures found.
        got: usize,
        /// Cosignatures required.
        want: usize,
    },
}
