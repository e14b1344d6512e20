//! tlog_tiles_paths.json: C2SP tlog-tiles paths, tile counts, entry bundles.

use liuhen_tlog::*;

use crate::{arr, load, n, s};

fn width_of(v: &serde_json::Value) -> u16 {
    match n(v) {
        0 => 256,
        w => w as u16,
    }
}

#[test]
fn spec_examples() {
    let d = load("tlog_tiles_paths.json");
    for ex in arr(&d["c2sp_spec_examples"]) {
        match s(&ex["what"]) {
            "index encoding" => assert_eq!(encode_index(n(&ex["n"]), 256), s(&ex["encoded"])),
            w if w.starts_with("tiles for tree size") => {
                let size = n(&ex["tree_size"]);
                let tiles = tiles_for_size(size).unwrap();
                for r in arr(&ex["recomputed"]) {
                    let level = n(&r["level"]) as u8;
                    let at: Vec<&Tile> = tiles.iter().filter(|t| t.level == level).collect();
                    let full = at.iter().filter(|t| !t.is_partial()).count() as u64;
                    let partial: Vec<u16> = at.iter().filter(|t| t.is_partial()).map(|t| t.width).collect();
                    assert_eq!(full, n(&r["full_tiles"]), "size {size} level {level}");
                    let want_w = n(&r["partial_width"]);
                    if want_w == 0 {
                        assert!(partial.is_empty());
                    } else {
                        assert_eq!(partial, vec![want_w as u16]);
                    }
                }
                let max_level = arr(&ex["recomputed"]).len() as u8;
                assert!(tiles.iter().all(|t| t.level < max_level));
            }
            "checkpoint origin for prefix" => {
                // Origin = prefix without scheme and trailing slash; nothing to compute here.
                let prefix = s(&ex["prefix"]);
                let origin = prefix.trim_start_matches("https://").trim_end_matches('/');
                assert_eq!(origin, s(&ex["origin"]));
            }
            other => panic!("unknown example {other}"),
        }
    }
}

#[test]
fn tile_paths_encode_and_parse() {
    let d = load("tlog_tiles_paths.json");
    for v in arr(&d["tile_paths"]["vectors"]) {
        let tile = Tile::new(n(&v["level"]) as u8, n(&v["index"]), width_of(&v["width"])).unwrap();
        assert_eq!(tile.path(), s(&v["path"]));
        assert_eq!(parse_tile_path(s(&v["path"])).unwrap(), TilePath::Hash(tile));
    }
    for v in arr(&d["entries_paths"]["vectors"]) {
        let b = EntryBundle::new(n(&v["index"]), width_of(&v["width"])).unwrap();
        assert_eq!(b.path(), s(&v["path"]));
        assert_eq!(parse_tile_path(s(&v["path"])).unwrap(), TilePath::Entries(b));
    }
    for v in arr(&d["entries_path_for_log_index"]["vectors"]) {
        let b = entry_bundle_for_index(n(&v["entry_index"]), n(&v["log_size"])).unwrap();
        assert_eq!(b.path(), s(&v["path"]));
    }
    for v in arr(&d["n_with_suffix"]["vectors"]) {
        let w = width_of(&v["width"]);
        assert_eq!(encode_index(n(&v["index"]), w), s(&v["encoded"]));
        assert_eq!(parse_index(s(&v["encoded"])).unwrap(), (n(&v["index"]), w));
    }
    assert!(entry_bundle_for_index(5, 5).is_err());
}

#[test]
fn parse_level_index_partial() {
    let d = load("tlog_tiles_paths.json");
    let cases = arr(&d["parse_level_index_partial"]["vectors"]);
    assert_eq!(cases.len(), 19);
    for v in cases {
        let path = format!("tile/{}/{}", s(&v["level_str"]), s(&v["index_str"]));
        let got = parse_tile_path(&path);
        if v["want_err"].as_bool().unwrap() {
            assert!(got.is_err(), "{path} parsed as {got:?}");
        } else {
            let want = Tile::new(n(&v["level"]) as u8, n(&v["index"]), width_of(&v["width"])).unwrap();
            assert_eq!(got.unwrap(), TilePath::Hash(want), "{path}");
            // Also as an entries path.
            let e = format!("tile/entries/{}", s(&v["index_str"]));
            assert!(matches!(parse_tile_path(&e).unwrap(), TilePath::Entries(_)));
        }
    }
}

#[test]
fn node_coords() {
    let d = load("tlog_tiles_paths.json");
    for v in arr(&d["node_coords_to_tile_address"]["vectors"]) {
        let got = node_coords_to_tile_address(n(&v["tree_level"]), n(&v["tree_index"]));
        let want = (n(&v["tile_level"]), n(&v["tile_index"]), n(&v["node_level"]), n(&v["node_index"]));
        assert_eq!(got, want);
    }
}

#[test]
fn go_sumdb_paths_rejected_by_c2sp_parser() {
    let d = load("tlog_tiles_paths.json");
    for v in arr(&d["go_sumdb_style_paths_with_height"]["vectors"]) {
        let p = s(&v["path"]);
        assert!(parse_tile_path(p).is_err(), "H-style path {p} must not parse as C2SP");
    }
}

#[test]
fn azul_paths() {
    let d = load("tlog_tiles_paths.json");
    for v in arr(&d["azul_tile_from_path"]["vectors"]) {
        let p = s(&v["path"]);
        let got = parse_tile_path(p);
        if v["with_height"].as_bool().unwrap() {
            // Go-style (tile/H/L/N) paths are never valid C2SP paths.
            assert!(got.is_err(), "{p}");
        } else {
            assert_eq!(got.is_ok(), v["valid"].as_bool().unwrap(), "{p}");
        }
    }
    let max = s(&d["azul_tile_from_path"]["recomputed_u64max_encoding"]);
    assert_eq!(encode_index(u64::MAX, 256), max);
    assert_eq!(parse_index(max).unwrap(), (u64::MAX, 256));
}

#[test]
fn strict_parser_negatives() {
    for bad in [
        "",
        "tile",
        "tile/",
        "tile/0",
        "tile/0/",
        "tile/00/000",
        "tile/64/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/08",
        "tile/0/x000/001",
        "tile/0/0000",
        "tile/0/x1000/000",
        "tile/0/000/",
        "/tile/0/000",
        "tile/0/000.p/1/",
        "tile/0/x001/x002",
        "tile/data/000",
        "tile/entries/",
        "tile/entries/00",
        "tile/0/+00",
        "tile/0/x001/x018/x446/x744/x073/x709/x551/615",
        "tile/0/x018/x446/x744/x073/x709/x551/616",
        "tile/0/000.p/-1",
        "tile/0/000.p/ 1",
    ] {
        assert!(parse_tile_path(bad).is_err(), "{bad:?}");
    }
    assert!(Tile::new(64, 0, 1).is_err());
    assert!(Tile::new(0, 0, 0).is_err());
    assert!(Tile::new(0, 0, 257).is_err());
}

#[test]
fn new_tiles_between_sizes() {
    assert!(new_tiles(10, 5).is_err());
    assert_eq!(new_tiles(7, 7).unwrap(), vec![]);
    assert_eq!(
        new_tiles(255, 257).unwrap(),
        vec![Tile::new(0, 0, 256).unwrap(), Tile::new(0, 1, 1).unwrap(), Tile::new(1, 0, 1).unwrap()]
    );
    // Every tile of the bigger tree is either unchanged or listed.
    let all = tiles_for_size(70000).unwrap();
    assert_eq!(all.len(), 273 + 1 + 1 + 1 + 1);
    assert!(tiles_for_size(u64::MAX).is_err());
    assert_eq!(new_tiles(u64::MAX - 1, u64::MAX).unwrap().len(), 1);
    assert_eq!(new_tiles(u64::MAX - 256, u64::MAX).unwrap().len(), 3);
}

#[test]
fn entry_bundles() {
    let entries: Vec<Vec<u8>> = vec![b"".to_vec(), b"a".to_vec(), vec![7u8; 300]];
    let data = encode_entry_bundle(&entries).unwrap();
    assert_eq!(&data[..5], &[0, 0, 0, 1, b'a']);
    let parsed = parse_entry_bundle(&data).unwrap();
    assert_eq!(parsed, entries.iter().map(|e| e.as_slice()).collect::<Vec<_>>());
    assert!(parse_entry_bundle(&data[..data.len() - 1]).is_err());
    assert!(parse_entry_bundle(&[0]).is_err());
    assert!(encode_entry_bundle(&[vec![0u8; 65536]]).is_err());
    assert!(encode_entry_bundle(&vec![b"x"; 257]).is_err());
    assert_eq!(parse_entry_bundle(&[]).unwrap().len(), 0);
}
