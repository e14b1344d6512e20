//! Merkle tree hashing, RFC 6962 §2.1 (= RFC 9162 §2.1.1).
//!
//! ```text
//! MTH({})        = HASH()                        (empty_root)
//! MTH({d(0)})    = HASH(0x00 || d(0))            (hash_leaf)
//! node(l, r)     = HASH(0x01 || l || r)          (hash_children)
//! ```
//!
//! The construction is abstracted by [`TreeHasher`] so the same tree code runs
//! with SHA-256 ([`Sha256Hasher`], the RFC 6962 / C2SP tree) and with SM3
//! ([`Sm3Hasher`], GB/T 32905-2016, for the optional SM3 tree kept for
//! 商用密码应用安全性评估). Both produce 32-byte [`Hash`] values.

use core::fmt;

use crate::util::{b64_decode, b64_encode, hex_decode, hex_encode};
use crate::Error;

/// A 32-byte tree hash (SHA-256 or SM3 output).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// Length of a hash in bytes.
    pub const LEN: usize = 32;

    /// Builds a hash from a slice that must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, Error> {
        <[u8; 32]>::try_from(bytes).map(Hash).map_err(|_| Error::InvalidHashLength(bytes.len()))
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Result<Self, Error> {
        Self::from_slice(&hex_decode(s)?)
    }

    /// Lower-case hex form.
    pub fn to_hex(&self) -> String {
        hex_encode(&self.0)
    }

    /// Parses standard padded base64 (RFC 4648 §4) of exactly 32 bytes.
    pub fn from_base64(s: &str) -> Result<Self, Error> {
        Self::from_slice(&b64_decode(s)?)
    }

    /// Standard padded base64 form, as used in checkpoints and tlog-proof.
    pub fn to_base64(&self) -> String {
        b64_encode(&self.0)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<[u8; 32]> for Hash {
    fn from(b: [u8; 32]) -> Self {
        Hash(b)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// The hash construction of an RFC 6962-style Merkle tree.
///
/// Implementations are zero-sized markers; all functions are associated
/// functions, so tree code is written `tree_hash::<Sha256Hasher>(..)`.
pub trait TreeHasher {
    /// Short algorithm name, for diagnostics.
    const NAME: &'static str;

    /// Hash of arbitrary bytes (no domain-separation prefix).
    fn digest(parts: &[&[u8]]) -> Hash;

    /// Root of the empty tree: `HASH()`.
    fn empty_root() -> Hash {
        Self::digest(&[])
    }

    /// Leaf hash: `HASH(0x00 || data)`.
    fn hash_leaf(data: &[u8]) -> Hash {
        Self::digest(&[&[0x00], data])
    }

    /// Interior node hash over raw byte strings: `HASH(0x01 || left || right)`.
    fn hash_node_bytes(left: &[u8], right: &[u8]) -> Hash {
        Self::digest(&[&[0x01], left, right])
    }

    /// Interior node hash: `HASH(0x01 || left || right)`.
    fn hash_children(left: &Hash, right: &Hash) -> Hash {
        Self::hash_node_bytes(&left.0, &right.0)
    }
}

/// RFC 6962 hashing with SHA-256 (FIPS 180-4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sha256Hasher;

impl TreeHasher for Sha256Hasher {
    const NAME: &'static str = "SHA-256";

    fn digest(parts: &[&[u8]]) -> Hash {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        for p in parts {
            h.update(p);
        }
        Hash(h.finalize().into())
    }
}

/// The RFC 6962 construction with SM3 (GB/T 32905-2016) instead of SHA-256.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sm3Hasher;

impl TreeHasher for Sm3Hasher {
    const NAME: &'static str = "SM3";

    fn digest(parts: &[&[u8]]) -> Hash {
        use sm3::Digest as _;
        let mut h = sm3::Sm3::new();
        for p in parts {
            h.update(p);
        }
        Hash(h.finalize().into())
    }
}

/// SHA-256 of arbitrary bytes (used for key IDs and record hashes).
pub fn sha256(data: &[u8]) -> Hash {
    Sha256Hasher::digest(&[data])
}

/// SM3 of arbitrary bytes.
pub fn sm3(data: &[u8]) -> Hash {
    Sm3Hasher::digest(&[data])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_roots() {
        assert_eq!(
            Sha256Hasher::empty_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            Sm3Hasher::empty_root().to_hex(),
            "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"
        );
    }

    #[test]
    fn hash_parsing_rejects_wrong_lengths() {
        assert_eq!(Hash::from_slice(&[0; 31]), Err(Error::InvalidHashLength(31)));
        assert!(Hash::from_hex("00").is_err());
        assert!(Hash::from_base64("AAAA").is_err());
        let h = sha256(b"x");
        assert_eq!(Hash::from_base64(&h.to_base64()), Ok(h));
        assert_eq!(Hash::from_hex(&h.to_hex()), Ok(h));
    }
}
