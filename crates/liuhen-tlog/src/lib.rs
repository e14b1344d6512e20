//! `liuhen-tlog`: the verifiable-log core of liuhen.
//!
//! liuhen records Chinese administrative law-enforcement events in an
//! append-only Merkle log so that anyone holding a signed checkpoint can check
//! that a record was logged and that the log never rewrote history. This
//! crate is the pure part of that: hashing, tree layout, proofs and the text
//! formats. It performs no I/O, reads no clock, draws no randomness, and
//! reports every problem with outside input as an [`Error`] instead of
//! panicking.
//!
//! | area | spec | main items |
//! |---|---|---|
//! | hashing | RFC 6962 §2.1 | [`Hash`](struct@Hash), [`TreeHasher`], [`Sha256Hasher`], [`Sm3Hasher`] |
//! | storage layout | `sumdb/tlog` stored hashes | [`HashReader`], [`stored_hash_index`], [`stored_hashes`], [`tree_hash`] |
//! | proofs | RFC 9162 §2.1.3, §2.1.4 | [`prove_record`], [`prove_tree`], [`verify_inclusion`], [`verify_consistency`] |
//! | tiles | C2SP tlog-tiles | [`Tile`], [`parse_tile_path`], [`new_tiles`], [`read_tile_data`], [`TileHashReader`], [`encode_entry_bundle`] |
//! | notes | C2SP signed-note, tlog-cosignature | [`Note`], [`VerifierKey`], [`SignerKey`] (Ed25519, SM2/SM3) |
//! | checkpoints | C2SP tlog-checkpoint | [`Checkpoint`] |
//! | offline proofs | C2SP tlog-proof@v1 | [`TlogProof`], [`ProofPolicy`] |
//!
//! All tree functions are generic over the [`TreeHasher`]: use
//! [`Sha256Hasher`] for the RFC 6962 / C2SP log and [`Sm3Hasher`] for the
//! optional SM3 tree kept for 商用密码应用安全性评估 (密评).
//!
//! # Example
//!
//! ```
//! use liuhen_tlog::{
//!     build_stored_hashes, prove_record, tree_hash, verify_inclusion, Checkpoint, Note,
//!     Sha256Hasher, SignerKey, TreeHasher,
//! };
//!
//! # fn main() -> Result<(), liuhen_tlog::Error> {
//! // Build a small log in memory (a real log keeps the stored hashes in a database).
//! let records = ["行政处罚决定书 #1", "行政处罚决定书 #2", "行政处罚决定书 #3"];
//! let store = build_stored_hashes::<Sha256Hasher>(records)?;
//! let root = tree_hash::<Sha256Hasher>(3, &store)?;
//!
//! // Sign a checkpoint for it.
//! let signer = SignerKey::ed25519_from_seed("example.org/liuhen", &[7u8; 32])?;
//! let text = Checkpoint::new("example.org/liuhen", 3, root).to_note_text()?;
//! let signed = Note::sign(&text, &[&signer])?.to_text();
//!
//! // A verifier checks the checkpoint and an inclusion proof for record 1.
//! let (checkpoint, _) =
//!     Checkpoint::open(signed.as_bytes(), "example.org/liuhen", &[signer.verifier().clone()])?;
//! let proof = prove_record::<Sha256Hasher>(checkpoint.size, 1, &store)?;
//! let leaf = Sha256Hasher::hash_leaf(records[1].as_bytes());
//! verify_inclusion::<Sha256Hasher>(1, checkpoint.size, &leaf, &proof, &checkpoint.root)?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]
#![warn(missing_docs)]

mod checkpoint;
mod error;
mod hash;
mod keys;
mod note;
mod proof;
mod signer;
mod tile;
mod tile_reader;
mod tlog_proof;
mod tree;
mod util;

pub use checkpoint::Checkpoint;
pub use error::Error;
pub use hash::{sha256, sm3, Hash, Sha256Hasher, Sm3Hasher, TreeHasher};
pub use keys::{
    cosignature_v1_prefix, is_valid_key_name, key_id, KeyAlgorithm, VerifierKey, ALG_COSIGNATURE_V1,
    ALG_ED25519, ALG_EXTENDED, SM2_DIST_ID, SM2_LABEL,
};
pub use note::{
    check_note_text, open, Note, NoteSignature, VerifiedNote, MAX_NOTE_SIGNATURES, MAX_NOTE_SIZE,
};
pub use proof::{
    consistency_proof_len, inclusion_proof_len, prove_record, prove_tree, root_from_inclusion_proof_bytes,
    verify_consistency, verify_consistency_bytes, verify_inclusion, verify_inclusion_bytes,
};
pub use signer::SignerKey;
pub use tile::{
    encode_entry_bundle, encode_index, entry_bundle_for_index, new_tiles, node_coords_to_tile_address,
    parse_entry_bundle, parse_index, parse_tile_path, tile_in_tree, tiles_for_size, EntryBundle, Tile,
    TilePath, MAX_NEW_TILES, MAX_TILE_LEVEL, TILE_HEIGHT, TILE_WIDTH,
};
pub use tile_reader::{hash_from_tile, read_tile_data, tile_hashes, StoredTiles, TileHashReader, TileReader};
pub use tlog_proof::{
    ProofPolicy, TlogProof, VerifiedProof, MAX_PROOF_HASHES, MAX_TLOG_PROOF_SIZE, TLOG_PROOF_HEADER,
};
pub use tree::{
    build_stored_hashes, split_stored_hash_index, stored_hash_count, stored_hash_index, stored_hashes,
    stored_hashes_for_record_hash, tree_hash, HashReader,
};
