//! Fuzzes the C2SP tlog-proof@v1 parser and formatter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use liuhen_tlog::TlogProof;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = TlogProof::parse(data) {
        let text = p.to_text();
        assert_eq!(TlogProof::parse(text.as_bytes()).ok(), Some(p));
    }
});
