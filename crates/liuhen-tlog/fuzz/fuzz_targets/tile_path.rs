//! Fuzzes the C2SP tlog-tiles path parser: accepted paths are canonical.
#![no_main]

use libfuzzer_sys::fuzz_target;
use liuhen_tlog::{parse_tile_path, TilePath};

fuzz_target!(|data: &[u8]| {
    if let Ok(path) = std::str::from_utf8(data) {
        if let Ok(parsed) = parse_tile_path(path) {
            let again = match parsed {
                TilePath::Hash(t) => t.path(),
                TilePath::Entries(e) => e.path(),
            };
            assert_eq!(again, path);
        }
    }
});
