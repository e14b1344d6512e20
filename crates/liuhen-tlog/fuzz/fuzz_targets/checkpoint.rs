//! Fuzzes the C2SP tlog-checkpoint body parser and formatter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use liuhen_tlog::Checkpoint;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(cp) = Checkpoint::parse(text) {
            let again = cp.to_note_text().ok();
            assert_eq!(
                again.as_deref(),
                Some(text),
                "strict parser accepts only canonical text"
            );
        }
    }
});
