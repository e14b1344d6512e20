//! rfc6962_merkle.json: RFC 6962 hashing, tree heads, RFC 9162 proofs.

use liuhen_tlog::*;
use serde_json::Value;

use crate::{arr, b64, hx, load, n, s};

fn hashes(v: &Value) -> Vec<Hash> {
    arr(v).iter().map(|h| Hash::from_slice(&hx(h)).unwrap()).collect()
}

fn h(v: &Value) -> Hash {
    Hash::from_slice(&hx(v)).unwrap()
}

#[test]
fn hash_primitives() {
    let d = load("rfc6962_merkle.json");
    for p in arr(&d["hash_primitives"]) {
        let got = match s(&p["fn"]) {
            "empty_root" => Sha256Hasher::empty_root(),
            "hash_leaf" => Sha256Hasher::hash_leaf(&hx(&p["input_hex"])),
            "hash_children" => Sha256Hasher::hash_node_bytes(&hx(&p["left_hex"]), &hx(&p["right_hex"])),
            other => panic!("unknown fn {other}"),
        };
        assert_eq!(got.to_hex(), s(&p["want"]), "{}", s(&p["name"]));
    }
}

fn reference_store(d: &Value) -> (Vec<Vec<u8>>, Vec<Hash>) {
    let leaves: Vec<Vec<u8>> = arr(&d["reference_tree"]["leaf_inputs_hex"]).iter().map(hx).collect();
    let store = build_stored_hashes::<Sha256Hasher>(&leaves).unwrap();
    (leaves, store)
}

#[test]
fn reference_tree_roots_and_nodes() {
    let d = load("rfc6962_merkle.json");
    let (_, store) = reference_store(&d);
    assert_eq!(store.len() as u64, stored_hash_count(8).unwrap());
    let roots = arr(&d["reference_tree"]["roots_by_size"]);
    assert_eq!(roots.len(), 9);
    for r in roots {
        let size = n(&r["tree_size"]);
        assert_eq!(tree_hash::<Sha256Hasher>(size, &store).unwrap(), h(&r["root"]), "size {size}");
    }
    let mut count = 0;
    for lvl in arr(&d["reference_tree"]["node_hashes_by_level"]) {
        let level = n(&lvl["level"]);
        for (i, want) in arr(&lvl["hashes"]).iter().enumerate() {
            let idx = stored_hash_index(level, i as u64).unwrap();
            assert_eq!(store[idx as usize], h(want), "level {level} index {i}");
            assert_eq!(split_stored_hash_index(idx), (level, i as u64));
            count += 1;
        }
    }
    assert_eq!(count, 15);
}

#[test]
fn reference_inclusion_proofs() {
    let d = load("rfc6962_merkle.json");
    let (_, store) = reference_store(&d);
    let vectors = arr(&d["inclusion_proofs"]["vectors"]);
    assert_eq!(vectors.len(), 7);
    for v in vectors {
        let (index, size) = (n(&v["leaf_index"]), n(&v["tree_size"]));
        let leaf = Sha256Hasher::hash_leaf(&hx(&v["leaf_input_hex"]));
        assert_eq!(leaf, h(&v["leaf_hash"]));
        let want = hashes(&v["proof"]);
        assert_eq!(prove_record::<Sha256Hasher>(size, index, &store).unwrap(), want, "{index}/{size}");
        assert_eq!(inclusion_proof_len(index, size).unwrap(), want.len());
        verify_inclusion::<Sha256Hasher>(index, size, &leaf, &want, &h(&v["root"])).unwrap();
    }
}

#[test]
fn reference_consistency_proofs() {
    let d = load("rfc6962_merkle.json");
    let (_, store) = reference_store(&d);
    let vectors = arr(&d["consistency_proofs"]["vectors"]);
    assert_eq!(vectors.len(), 5);
    for v in vectors {
        let (size1, size2) = (n(&v["size1"]), n(&v["size2"]));
        let want = hashes(&v["proof"]);
        assert_eq!(prove_tree::<Sha256Hasher>(size2, size1, &store).unwrap(), want, "{size1}->{size2}");
        verify_consistency::<Sha256Hasher>(size1, size2, &h(&v["root1"]), &h(&v["root2"]), &want).unwrap();
    }
}

fn raw_list(v: &Value) -> Vec<Vec<u8>> {
    arr(v).iter().map(hx).collect()
}

#[test]
fn probe_cases_inclusion() {
    let d = load("rfc6962_merkle.json");
    let cases = arr(&d["probe_cases"]["inclusion"]);
    assert_eq!(cases.len(), 98);
    let mut errs = 0;
    for c in cases {
        let got = verify_inclusion_bytes::<Sha256Hasher, _>(
            n(&c["leaf_index"]),
            n(&c["tree_size"]),
            &hx(&c["leaf_hash"]),
            &raw_list(&c["proof"]),
            &hx(&c["root"]),
        );
        let want_err = c["want_err"].as_bool().unwrap();
        assert_eq!(got.is_err(), want_err, "{} {}: {got:?}", s(&c["file"]), s(&c["desc"]));
        errs += usize::from(want_err);
    }
    assert_eq!(errs, 92);
}

#[test]
fn probe_cases_consistency() {
    let d = load("rfc6962_merkle.json");
    let cases = arr(&d["probe_cases"]["consistency"]);
    assert_eq!(cases.len(), 98);
    let mut errs = 0;
    for c in cases {
        let got = verify_consistency_bytes::<Sha256Hasher, _>(
            n(&c["size1"]),
            n(&c["size2"]),
            &hx(&c["root1"]),
            &hx(&c["root2"]),
            &raw_list(&c["proof"]),
        );
        let want_err = c["want_err"].as_bool().unwrap();
        assert_eq!(got.is_err(), want_err, "{} {}: {got:?}", s(&c["file"]), s(&c["desc"]));
        errs += usize::from(want_err);
    }
    assert_eq!(errs, 92);
}

#[test]
fn real_ct_log_argon2020() {
    let d = load("rfc6962_merkle.json");
    let a = &d["real_ct_log_argon2020"];
    let size = n(&a["tree_size"]);
    let root = h(&a["root"]);
    assert_eq!(Hash::from_base64(s(&a["root_b64"])).unwrap(), root);
    let inc = &a["inclusion"];
    let leaf = Sha256Hasher::hash_leaf(&b64(s(&inc["leaf_input_b64"])));
    assert_eq!(leaf, h(&inc["leaf_hash"]));
    let proof = hashes(&inc["proof"]);
    assert_eq!(proof.len(), 30);
    let index = n(&inc["leaf_index"]);
    verify_inclusion::<Sha256Hasher>(index, size, &leaf, &proof, &root).unwrap();
    assert!(verify_inclusion::<Sha256Hasher>(index + 1, size, &leaf, &proof, &root).is_err());
    assert!(verify_inclusion::<Sha256Hasher>(index, size << 1, &leaf, &proof, &root).is_err());

    let con = &a["consistency"];
    let proof = hashes(&con["proof"]);
    let (size1, root1) = (n(&con["size1"]), h(&con["root1"]));
    assert_eq!(Hash::from_base64(s(&con["root1_b64"])).unwrap(), root1);
    assert_eq!(n(&con["size2"]), size);
    verify_consistency::<Sha256Hasher>(size1, size, &root1, &root, &proof).unwrap();
    assert!(verify_consistency::<Sha256Hasher>(size1 + 1, size, &root1, &root, &proof).is_err());
    let mut bad = proof.clone();
    bad[29].0[0] ^= 1;
    assert!(verify_consistency::<Sha256Hasher>(size1, size, &root1, &root, &bad).is_err());
}

#[test]
fn sigstore_rekor_tiles_small() {
    let d = load("rfc6962_merkle.json");
    let r = &d["sigstore_rekor_tiles_small"];
    let leaf = Sha256Hasher::hash_leaf(s(&r["leaf_input_utf8"]).as_bytes());
    assert_eq!(leaf, h(&r["leaf_hash"]));
    let inc = &r["inclusion"];
    let (index, size, root) = (n(&inc["leaf_index"]), n(&inc["tree_size"]), h(&inc["root"]));
    let proof = hashes(&inc["proof"]);
    verify_inclusion::<Sha256Hasher>(index, size, &leaf, &proof, &root).unwrap();
    for neg in arr(&inc["negative_cases"]) {
        let p = neg.get("proof").map(hashes).unwrap_or_else(|| proof.clone());
        let sz = neg.get("tree_size").map(n).unwrap_or(size);
        assert!(
            verify_inclusion::<Sha256Hasher>(index, sz, &leaf, &p, &root).is_err(),
            "{}",
            s(&neg["desc"])
        );
    }
    let con = &r["consistency"];
    verify_consistency::<Sha256Hasher>(
        n(&con["size1"]),
        n(&con["size2"]),
        &h(&con["root1"]),
        &h(&con["root2"]),
        &hashes(&con["proof"]),
    )
    .unwrap();
}

#[test]
fn sm3_tree_differs_and_verifies() {
    let leaves: Vec<String> = (0..37).map(|i| format!("record {i}")).collect();
    let sha = build_stored_hashes::<Sha256Hasher>(&leaves).unwrap();
    let sm = build_stored_hashes::<Sm3Hasher>(&leaves).unwrap();
    let root = tree_hash::<Sm3Hasher>(37, &sm).unwrap();
    assert_ne!(root, tree_hash::<Sha256Hasher>(37, &sha).unwrap());
    assert_eq!(Sm3Hasher::hash_leaf(b"abc"), Sm3Hasher::digest(&[b"\x00abc"]));
    let proof = prove_record::<Sm3Hasher>(37, 20, &sm).unwrap();
    verify_inclusion::<Sm3Hasher>(20, 37, &Sm3Hasher::hash_leaf(leaves[20].as_bytes()), &proof, &root)
        .unwrap();
    assert!(verify_inclusion::<Sha256Hasher>(
        20,
        37,
        &Sm3Hasher::hash_leaf(leaves[20].as_bytes()),
        &proof,
        &root
    )
    .is_err());
}

#[test]
fn errors_not_panics_on_extreme_inputs() {
    let store: Vec<Hash> = Vec::new();
    assert!(prove_record::<Sha256Hasher>(u64::MAX, u64::MAX - 1, &store).is_err());
    assert!(prove_tree::<Sha256Hasher>(u64::MAX, 1, &store).is_err());
    assert!(tree_hash::<Sha256Hasher>(u64::MAX, &store).is_err());
    assert!(stored_hashes::<Sha256Hasher>(u64::MAX, b"x", &store).is_err());
    let z = Hash::default();
    assert!(verify_inclusion::<Sha256Hasher>(u64::MAX - 1, u64::MAX, &z, &[z; 64], &z).is_err());
    assert!(verify_consistency::<Sha256Hasher>(1, u64::MAX, &z, &z, &[z; 64]).is_err());
    assert!(split_stored_hash_index(u64::MAX).0 < 64);
}
