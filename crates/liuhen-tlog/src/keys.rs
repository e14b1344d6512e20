//! Note keys, C2SP signed-note §Verifier keys and §Signature types, with the
//! private-key encoding of `golang.org/x/mod/sumdb/note`.
//!
//! ```text
//! verifier key:  <name>+<hex key ID>+base64(<type> || <public key>)
//! signer key:    PRIVATE+KEY+<name>+<hex key ID>+base64(<type> || <private key>)
//! key ID:        SHA-256(<name> || 0x0A || <type> || <public key>)[:4], big-endian u32
//! ```
//!
//! The key ID is always that of the *public* key. Hex key IDs are exactly 8
//! lower-case digits. Supported types:
//!
//! | type | bytes of `<type>` | public key | private key | signature (after key ID) |
//! |---|---|---|---|---|
//! | Ed25519 (signed-note) | `0x01` | 32 bytes (RFC 8032) | 32-byte seed | 64 bytes over the note text |
//! | Ed25519 cosignature v1 (tlog-cosignature) | `0x04` | 32 bytes | — (verify only) | `u64` BE timestamp ‖ 64 bytes over `"cosignature/v1\ntime <ts>\n" ‖ text` |
//! | SM2 with SM3 (liuhen) | `0xff` ‖ ASCII `liuhen-sm2` (11 bytes) | 65-byte SEC1 uncompressed point `0x04‖X‖Y` on sm2p256v1 | 32-byte big-endian scalar `d` | `r ‖ s`, 32 bytes each, big-endian |
//!
//! The SM2 type uses the signed-note escape byte `0xff` ("signature types
//! without an identifier byte assigned by this specification"), followed by
//! the 10-byte ASCII label `liuhen-sm2`, so the key type is self-describing;
//! the whole 11-byte string is the `<type>` in the key ID formula. SM2
//! signatures follow GB/T 32918.2 with SM3 (GB/T 32905) as the hash and the
//! default distinguishing identifier `1234567812345678` (GM/T 0009) in `Z_A`;
//! the signed message is the note text. Signing is deterministic (the `sm2`
//! crate's RFC 6979-style nonce derivation with SM3), so no RNG is needed.

use core::fmt;

use sm2::dsa::signature::Verifier as _;

use crate::hash::sha256;
use crate::util::{b64_decode, b64_encode, hex_encode};
use crate::Error;

/// Signature type byte of Ed25519 notes.
pub const ALG_ED25519: u8 = 0x01;
/// Signature type byte of Ed25519 tlog cosignatures (v1).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;
/// Signature type byte for types without an assigned byte.
pub const ALG_EXTENDED: u8 = 0xff;
/// Label following `0xff` for liuhen's SM2 keys.
pub const SM2_LABEL: &[u8] = b"liuhen-sm2";
/// SM2 distinguishing identifier used for `Z_A` (GM/T 0009 default).
pub const SM2_DIST_ID: &str = "1234567812345678";

const SM2_TYPE: &[u8] = b"\xffliuhen-sm2";

/// The signature algorithm of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// Ed25519 over the note text (type `0x01`).
    Ed25519,
    /// Timestamped Ed25519 cosignature v1 (type `0x04`).
    CosignatureV1,
    /// SM2 with SM3 (type `0xff` ‖ `liuhen-sm2`).
    Sm2,
}

impl KeyAlgorithm {
    /// The `<type>` bytes that precede the key material.
    pub fn type_bytes(self) -> &'static [u8] {
        match self {
            KeyAlgorithm::Ed25519 => &[ALG_ED25519],
            KeyAlgorithm::CosignatureV1 => &[ALG_COSIGNATURE_V1],
            KeyAlgorithm::Sm2 => SM2_TYPE,
        }
    }

    pub(crate) fn split(data: &[u8]) -> Option<(KeyAlgorithm, &[u8])> {
        if let Some(rest) = data.strip_prefix(SM2_TYPE) {
            return Some((KeyAlgorithm::Sm2, rest));
        }
        match data.split_first()? {
            (&ALG_ED25519, rest) => Some((KeyAlgorithm::Ed25519, rest)),
            (&ALG_COSIGNATURE_V1, rest) => Some((KeyAlgorithm::CosignatureV1, rest)),
            _ => None,
        }
    }
}

/// Whether `name` is a valid key name: non-empty, no Unicode spaces, no `+`.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+' || u32::from(c) < 0x20)
}

/// `SHA-256(name || 0x0A || type || public key)[:4]` as a big-endian `u32`.
pub fn key_id(name: &str, type_and_key: &[u8]) -> u32 {
    let mut buf = Vec::with_capacity(name.len() + 1 + type_and_key.len());
    buf.extend_from_slice(name.as_bytes());
    buf.push(b'\n');
    buf.extend_from_slice(type_and_key);
    let h = sha256(&buf);
    let [a, b, c, d, ..] = h.0;
    u32::from_be_bytes([a, b, c, d])
}

pub(crate) fn parse_hex_id(s: &str) -> Option<u32> {
    if s.len() != 8 || !s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

#[derive(Clone)]
enum PublicKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    Sm2(Box<sm2::dsa::VerifyingKey>),
}

/// A note verifier key (`name+id+base64(type‖key)`).
#[derive(Clone)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    algorithm: KeyAlgorithm,
    key_bytes: Vec<u8>,
    key: PublicKey,
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

impl PartialEq for VerifierKey {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.algorithm == other.algorithm && self.key_bytes == other.key_bytes
    }
}
impl Eq for VerifierKey {}

impl VerifierKey {
    /// Builds a verifier from a name, an algorithm and raw public key bytes.
    pub fn new(name: &str, algorithm: KeyAlgorithm, public_key: &[u8]) -> Result<Self, Error> {
        if !is_valid_key_name(name) {
            return Err(Error::InvalidKeyName);
        }
        let bad = Error::MalformedVerifierKey("bad public key");
        let key = match algorithm {
            KeyAlgorithm::Ed25519 | KeyAlgorithm::CosignatureV1 => {
                let arr = <[u8; 32]>::try_from(public_key).map_err(|_| bad.clone())?;
                PublicKey::Ed25519(ed25519_dalek::VerifyingKey::from_bytes(&arr).map_err(|_| bad)?)
            }
            KeyAlgorithm::Sm2 => {
                if public_key.len() != 65 {
                    return Err(bad);
                }
                let vk = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DIST_ID, public_key).map_err(|_| bad)?;
                PublicKey::Sm2(Box::new(vk))
            }
        };
        let mut tk = algorithm.type_bytes().to_vec();
        tk.extend_from_slice(public_key);
        Ok(VerifierKey {
            name: name.to_owned(),
            key_id: key_id(name, &tk),
            algorithm,
            key_bytes: public_key.to_vec(),
            key,
        })
    }

    /// Parses `name+hexid+base64(type‖key)`, checking the key ID.
    pub fn parse(vkey: &str) -> Result<Self, Error> {
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::MalformedVerifierKey("want name+id+key"));
        };
        let id =
            parse_hex_id(id).ok_or(Error::MalformedVerifierKey("key id must be 8 lower-case hex digits"))?;
        let data = b64_decode(b64)?;
        let (alg, key) = KeyAlgorithm::split(&data).ok_or(Error::MalformedVerifierKey("unknown key type"))?;
        let v = Self::new(name, alg, key)?;
        if v.key_id != id {
            return Err(Error::MalformedVerifierKey("key id does not match key"));
        }
        Ok(v)
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }
    /// Algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }
    /// Raw public key bytes (without the type prefix).
    pub fn public_key(&self) -> &[u8] {
        &self.key_bytes
    }

    /// Verifies `sig` (the signature bytes after the 4-byte key ID) over the
    /// note text `msg`.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        match (&self.key, self.algorithm) {
            (PublicKey::Ed25519(vk), KeyAlgorithm::Ed25519) => ed25519_verify(vk, msg, sig),
            (PublicKey::Ed25519(vk), KeyAlgorithm::CosignatureV1) => {
                let Some((ts, s)) = sig.split_first_chunk::<8>() else {
                    return false;
                };
                let ts = u64::from_be_bytes(*ts);
                if ts > i64::MAX as u64 {
                    return false;
                }
                let mut m = cosignature_v1_prefix(ts).into_bytes();
                m.extend_from_slice(msg);
                ed25519_verify(vk, &m, s)
            }
            (PublicKey::Sm2(vk), KeyAlgorithm::Sm2) => match sm2::dsa::Signature::from_slice(sig) {
                Ok(s) if sig.len() == 64 => vk.verify(msg, &s).is_ok(),
                _ => false,
            },
            _ => false,
        }
    }
}

fn ed25519_verify(vk: &ed25519_dalek::VerifyingKey, msg: &[u8], sig: &[u8]) -> bool {
    match <[u8; 64]>::try_from(sig) {
        Ok(arr) => vk.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(&arr)).is_ok(),
        Err(_) => false,
    }
}

/// `"cosignature/v1\ntime <ts>\n"`, the prefix of a cosigned message.
pub fn cosignature_v1_prefix(timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n")
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut data = self.algorithm.type_bytes().to_vec();
        data.extend_from_slice(&self.key_bytes);
        write!(f, "{}+{}+{}", self.name, hex_encode(&self.key_id.to_be_bytes()), b64_encode(&data))
    }
}
