//! Fuzzes the C2SP signed-note parser, serializer and verifier.
#![no_main]

use libfuzzer_sys::fuzz_target;
use liuhen_tlog::{Note, SignerKey};

fuzz_target!(|data: &[u8]| {
    if let Ok(note) = Note::parse(data) {
        // Parsing is the inverse of formatting.
        let text = note.to_text();
        assert_eq!(Note::parse(text.as_bytes()).ok(), Some(note.clone()));
        // Verification with an unrelated key never succeeds.
        if let Ok(k) = SignerKey::ed25519_from_seed("fuzz.example/key", &[1; 32]) {
            assert!(note.verify(&[k.verifier().clone()]).is_err());
        }
    }
});
