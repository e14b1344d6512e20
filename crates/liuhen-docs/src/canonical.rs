//! Canonical field data: deterministic bytes of a validated document, and their digests.
//!
//! The bytes are compact JSON `{"format":"<code>","values":{…}}` with object keys sorted by their UTF-8
//! bytes at every level, no insignificant whitespace, strings escaped as serde_json does, and money as
//! a string with exactly two decimals (no floating point anywhere). The same values always give the
//! same bytes, whatever order they were entered in.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sm3::Sm3;

use crate::validate::ValidDocument;

/// SHA-256 and SM3 digests (lowercase hex) of some bytes, for the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Digests {
    pub sha256: String,
    pub sm3: String,
}

impl Digests {
    pub fn of(bytes: &[u8]) -> Self {
        Self { sha256: hex::encode(Sha256::digest(bytes)), sm3: hex::encode(Sm3::digest(bytes)) }
    }
}

/// The canonical bytes of a document's field data and their digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalData {
    pub bytes: Vec<u8>,
    pub digests: Digests,
}

impl ValidDocument {
    /// The canonical field data of this document.
    pub fn canonical(&self) -> CanonicalData {
        let mut root = serde_json::Map::new();
        root.insert("format".to_owned(), Value::String(self.format().code.clone()));
        root.insert("values".to_owned(), self.to_json());
        let bytes = canonical_json(&Value::Object(root));
        let digests = Digests::of(&bytes);
        CanonicalData { bytes, digests }
    }
}

/// Writes JSON with sorted keys and no whitespace.
pub fn canonical_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(&Value::String(k.clone()), out);
                out.push(b':');
                write(v, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(v, out);
            }
            out.push(b']');
        }
        scalar => write_scalar(scalar, out),
    }
}

fn write_scalar(value: &Value, out: &mut Vec<u8>) {
    // Scalars serialise infallibly; an empty write would only drop a value, never panic.
    if let Ok(s) = serde_json::to_vec(value) {
        out.extend_from_slice(&s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_keys_at_every_level() {
        let v: Value = serde_json::from_str(r#"{"b":1,"a":{"z":[{"y":1,"x":"中"}],"c":null}}"#).unwrap();
        assert_eq!(
            String::from_utf8(canonical_json(&v)).unwrap(),
            r#"{"a":{"c":null,"z":[{"x":"中","y":1}]},"b":1}"#
        );
    }

    #[test]
    fn known_digests() {
        let d = Digests::of(b"abc");
        assert_eq!(d.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(d.sm3, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }
}
