//! Integration tests: known-answer vectors from `tests/vectors/` (see the
//! README there for provenance) and proptest properties.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use serde_json::Value;

#[path = "suite/merkle.rs"]
mod merkle;
#[path = "suite/notes.rs"]
mod notes;
#[path = "suite/props.rs"]
mod props;
#[path = "suite/sm.rs"]
mod sm;
#[path = "suite/tiles.rs"]
mod tiles;
#[path = "suite/tlog_proof.rs"]
mod tlog_proof;

/// Loads `tests/vectors/<name>`.
pub fn load(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Hex-decodes a JSON string value.
pub fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

/// A JSON string.
pub fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

/// A JSON u64.
pub fn n(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

/// A JSON array.
pub fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap()
}

/// Base64-decodes (standard, padded).
pub fn b64(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}
