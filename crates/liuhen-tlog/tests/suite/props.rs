//! Property tests (proptest): proofs verify and tamper-evidence, tile
//! round-trips, text format round-trips.

use liuhen_tlog::*;
use proptest::prelude::*;

fn store_of(size: u64) -> Vec<Hash> {
    build_stored_hashes::<Sha256Hasher>((0..size).map(|i| i.to_be_bytes())).unwrap()
}

fn leaf(i: u64) -> Hash {
    Sha256Hasher::hash_leaf(&i.to_be_bytes())
}

#[test]
fn exhaustive_small_trees() {
    let store = store_of(70);
    let roots: Vec<Hash> = (0..=70).map(|n| tree_hash::<Sha256Hasher>(n, &store).unwrap()).collect();
    for size in 1..=70u64 {
        let root = roots[size as usize];
        for index in 0..size {
            let p = prove_record::<Sha256Hasher>(size, index, &store).unwrap();
            verify_inclusion::<Sha256Hasher>(index, size, &leaf(index), &p, &root).unwrap();
        }
        for size1 in 1..=size {
            let p = prove_tree::<Sha256Hasher>(size, size1, &store).unwrap();
            assert_eq!(p.len(), consistency_proof_len(size1, size).unwrap());
            verify_consistency::<Sha256Hasher>(size1, size, &roots[size1 as usize], &root, &p).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn proofs_verify_and_detect_tampering(
        size in 1u64..3000,
        idx_seed in any::<u64>(),
        size1_seed in any::<u64>(),
        flip in any::<(usize, usize, u8)>(),
    ) {
        let store = store_of(size);
        let root = tree_hash::<Sha256Hasher>(size, &store).unwrap();
        let index = idx_seed % size;
        let proof = prove_record::<Sha256Hasher>(size, index, &store).unwrap();
        prop_assert!(verify_inclusion::<Sha256Hasher>(index, size, &leaf(index), &proof, &root).is_ok());

        let size1 = 1 + size1_seed % size;
        let root1 = tree_hash::<Sha256Hasher>(size1, &store).unwrap();
        let cproof = prove_tree::<Sha256Hasher>(size, size1, &store).unwrap();
        prop_assert!(verify_consistency::<Sha256Hasher>(size1, size, &root1, &root, &cproof).is_ok());

        let bit = 1u8 << (flip.2 % 8);
        let byte = flip.1 % 32;
        // Root, leaf and any proof element.
        let mut bad_root = root;
        bad_root.0[byte] ^= bit;
        prop_assert!(verify_inclusion::<Sha256Hasher>(index, size, &leaf(index), &proof, &bad_root).is_err());
        let mut bad_leaf = leaf(index);
        bad_leaf.0[byte] ^= bit;
        prop_assert!(verify_inclusion::<Sha256Hasher>(index, size, &bad_leaf, &proof, &root).is_err());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            bad[flip.0 % proof.len()].0[byte] ^= bit;
            prop_assert!(verify_inclusion::<Sha256Hasher>(index, size, &leaf(index), &bad, &root).is_err());
        }
        prop_assert!(verify_consistency::<Sha256Hasher>(size1, size, &bad_root, &root, &cproof).is_err());
        prop_assert!(verify_consistency::<Sha256Hasher>(size1, size, &root1, &bad_root, &cproof).is_err());
        if !cproof.is_empty() {
            let mut bad = cproof.clone();
            bad[flip.0 % cproof.len()].0[byte] ^= bit;
            prop_assert!(verify_consistency::<Sha256Hasher>(size1, size, &root1, &root, &bad).is_err());
        }
    }

    #[test]
    fn tiles_round_trip(size in 1u64..3000, picks in proptest::collection::vec(any::<u64>(), 1..8), flip in any::<(usize, u8)>()) {
        let store = store_of(size);
        let root = tree_hash::<Sha256Hasher>(size, &store).unwrap();
        let tiles = tiles_for_size(size).unwrap();
        let mut served = std::collections::HashMap::new();
        for t in &tiles {
            let data = read_tile_data(*t, &store).unwrap();
            prop_assert_eq!(data.len(), usize::from(t.width) * 32);
            prop_assert_eq!(parse_tile_path(&t.path()).unwrap(), TilePath::Hash(*t));
            served.insert(*t, data);
        }
        struct Served<'a>(&'a std::collections::HashMap<Tile, Vec<u8>>);
        impl TileReader for Served<'_> {
            fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
                tiles.iter().map(|t| self.0.get(t).cloned().ok_or(Error::Storage(t.path()))).collect()
            }
        }
        let good_src = Served(&served);
        let reader = TileHashReader::<Sha256Hasher, _>::new(size, root, &good_src);
        let count = stored_hash_count(size).unwrap();
        let idx: Vec<u64> = picks.iter().map(|p| p % count).collect();
        // Every hash stored for the tree comes back from the tiles.
        prop_assert_eq!(reader.read_hashes(&idx).unwrap(), store.read_hashes(&idx).unwrap());
        for &i in &idx {
            let (level, n) = split_stored_hash_index(i);
            let (tl, ti, _, _) = node_coords_to_tile_address(level, n);
            let t = tile_in_tree(tl as u8, ti, size).unwrap();
            prop_assert_eq!(hash_from_tile::<Sha256Hasher>(&t, &served[&t], i).unwrap(), store[i as usize]);
        }
        prop_assert_eq!(tree_hash::<Sha256Hasher>(size, &reader).unwrap(), root);
        let index = picks[0] % size;
        prop_assert_eq!(
            prove_record::<Sha256Hasher>(size, index, &reader).unwrap(),
            prove_record::<Sha256Hasher>(size, index, &store).unwrap()
        );
        // A corrupted tile that is needed is rejected.
        let t = tiles[flip.0 % tiles.len()];
        let mut bad = served.clone();
        let data = bad.get_mut(&t).unwrap();
        let len = data.len();
        data[(flip.0 / 7) % len] ^= 1 << (flip.1 % 8);
        let bad_src = Served(&bad);
        let bad_reader = TileHashReader::<Sha256Hasher, _>::new(size, root, &bad_src);
        let first = stored_hash_index(t.hash_level(), t.index * 256).unwrap();
        prop_assert!(bad_reader.read_hashes(&[first]).is_err());
    }
}

fn line_strategy() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9./:_ \u{4e00}-\u{4e20}-]{1,24}"
}

fn name_strategy() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9./:_\u{4e00}-\u{4e20}-]{1,16}"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn checkpoint_note_proof_round_trip(
        origin in line_strategy(),
        size in any::<u64>(),
        root in any::<[u8; 32]>(),
        exts in proptest::collection::vec(line_strategy(), 0..3),
        names in proptest::collection::vec(name_strategy(), 1..4),
        seed in any::<[u8; 32]>(),
        index in any::<u64>(),
        proof in proptest::collection::vec(any::<[u8; 32]>(), 0..10),
        extra in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
        flip in any::<(usize, u8)>(),
    ) {
        let cp = Checkpoint { origin: origin.clone(), size, root: Hash(root), extensions: exts };
        let text = cp.to_note_text().unwrap();
        prop_assert_eq!(Checkpoint::parse(&text).unwrap(), cp.clone());

        let signers: Vec<SignerKey> = names.iter().enumerate().map(|(i, n)| {
            let mut s = seed;
            s[0] ^= i as u8;
            SignerKey::ed25519_from_seed(n, &s).unwrap()
        }).collect();
        let verifiers: Vec<VerifierKey> = signers.iter().map(|s| s.verifier().clone()).collect();
        for v in &verifiers {
            prop_assert_eq!(&VerifierKey::parse(&v.to_string()).unwrap(), v);
        }
        let refs: Vec<&SignerKey> = signers.iter().collect();
        let note = Note::sign(&text, &refs).unwrap();
        let serialized = note.to_text();
        let parsed = Note::parse(serialized.as_bytes()).unwrap();
        prop_assert_eq!(&parsed, &note);
        prop_assert!(parsed.verify(&verifiers).is_ok());
        let (opened, _) = Checkpoint::open(serialized.as_bytes(), &origin, &verifiers).unwrap();
        prop_assert_eq!(opened, cp);

        // Any changed signature byte fails.
        let mut bad = note.clone();
        let i = flip.0 % bad.signatures.len();
        let sig = &mut bad.signatures[i].signature;
        let j = (flip.0 / 3) % sig.len();
        sig[j] ^= 1 << (flip.1 % 8);
        prop_assert!(bad.verify(&verifiers).is_err());

        let tp = TlogProof { extra, index, proof: proof.into_iter().map(Hash).collect(), checkpoint: serialized };
        let tp_text = tp.to_text();
        prop_assert_eq!(TlogProof::parse(tp_text.as_bytes()).unwrap(), tp);
    }

    #[test]
    fn parsers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Note::parse(&data);
        let _ = TlogProof::parse(&data);
        let text = String::from_utf8_lossy(&data);
        let _ = Checkpoint::parse(&text);
        let _ = parse_tile_path(&text);
        let _ = VerifierKey::parse(&text);
        let _ = SignerKey::parse(&text);
        let _ = parse_entry_bundle(&data);
    }

    #[test]
    fn tile_path_round_trip(level in 0u8..=63, index in any::<u64>(), width in 1u16..=256) {
        let t = Tile::new(level, index, width).unwrap();
        prop_assert_eq!(parse_tile_path(&t.path()).unwrap(), TilePath::Hash(t));
        let e = EntryBundle::new(index, width).unwrap();
        prop_assert_eq!(parse_tile_path(&e.path()).unwrap(), TilePath::Entries(e));
    }

    #[test]
    fn entry_bundle_round_trip(entries in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..600), 0..20)) {
        let data = encode_entry_bundle(&entries).unwrap();
        let parsed = parse_entry_bundle(&data).unwrap();
        prop_assert_eq!(parsed, entries.iter().map(Vec::as_slice).collect::<Vec<_>>());
    }
}
