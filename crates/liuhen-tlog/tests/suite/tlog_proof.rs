//! tlog_proof.json: C2SP tlog-proof@v1 with a witness cosignature.

use liuhen_tlog::*;

use crate::{arr, b64, hx, load, n, s};

fn oak_policy(c: &serde_json::Value, quorum: usize) -> ProofPolicy {
    ProofPolicy {
        origin: s(&c["parsed"]["checkpoint_origin"]).to_owned(),
        log_key: VerifierKey::parse(s(&c["log_vkey"])).unwrap(),
        witnesses: vec![VerifierKey::parse(s(&c["witness_vkey"])).unwrap()],
        quorum,
    }
}

#[test]
fn complete_proof_verifies() {
    let d = load("tlog_proof.json");
    let c = &arr(&d["complete_proofs"])[0];
    let text = s(&c["file_text"]);
    let p = TlogProof::parse(text.as_bytes()).unwrap();
    assert_eq!(p.to_text(), text);
    assert_eq!(p.extra, None);
    assert_eq!(p.index, n(&c["parsed"]["index"]));
    let want: Vec<String> = arr(&c["parsed"]["proof_hex"]).iter().map(|h| s(h).to_owned()).collect();
    assert_eq!(p.proof.iter().map(|h| h.to_hex()).collect::<Vec<_>>(), want);

    let witness = VerifierKey::parse(s(&c["witness_vkey"])).unwrap();
    assert_eq!(witness.algorithm(), KeyAlgorithm::CosignatureV1);
    let entry = hx(&c["entry_hex"]);
    assert_eq!(Sha256Hasher::hash_leaf(&entry).to_hex(), s(&c["leaf_hash"]));
    let ok = p.verify(&entry, &oak_policy(c, 1)).unwrap();
    assert_eq!(ok.witnesses, 1);
    assert_eq!(ok.checkpoint.size, n(&c["parsed"]["checkpoint_tree_size"]));
    let cosig = ok.note.verified.iter().find(|s| s.name == "test-witness").unwrap();
    assert_eq!(cosig.cosignature_v1().unwrap().0, n(&c["recomputed_check"]["witness_timestamp"]));

    // Negative: wrong entry, too high quorum, wrong origin, tampered proof,
    // tampered cosignature, log key missing.
    assert!(p.verify(b"other entry", &oak_policy(c, 1)).is_err());
    assert!(matches!(p.verify(&entry, &oak_policy(c, 2)), Err(Error::WitnessQuorum { got: 1, want: 2 })));
    let mut pol = oak_policy(c, 1);
    pol.origin = "other".into();
    assert!(matches!(p.verify(&entry, &pol), Err(Error::OriginMismatch { .. })));
    let mut bad = p.clone();
    bad.proof[1].0[3] ^= 1;
    assert!(bad.verify(&entry, &oak_policy(c, 1)).is_err());
    let mut bad = p.clone();
    bad.index = 2;
    assert!(bad.verify(&entry, &oak_policy(c, 1)).is_err());
    let tampered = text.replace("JjSe8AAAAABpmI8+", "JjSe8AAAAABpmI8/");
    let bad = TlogProof::parse(tampered.as_bytes()).unwrap();
    assert!(matches!(bad.verify(&entry, &oak_policy(c, 1)), Err(Error::InvalidSignature { .. })));
    let mut pol = oak_policy(c, 0);
    pol.log_key = pol.witnesses.pop().unwrap();
    assert!(p.verify(&entry, &pol).is_err());
}

#[test]
fn inclusion_only() {
    let d = load("tlog_proof.json");
    for c in arr(&d["inclusion_only"]) {
        let leaf = Sha256Hasher::hash_leaf(&hx(&c["entry_hex"]));
        assert_eq!(leaf.to_hex(), s(&c["leaf_hash"]));
        let proof: Vec<Hash> =
            arr(&c["proof_b64"]).iter().map(|h| Hash::from_base64(s(h)).unwrap()).collect();
        let root = Hash::from_base64(s(&c["root_b64"])).unwrap();
        verify_inclusion::<Sha256Hasher>(n(&c["index"]), n(&c["tree_size"]), &leaf, &proof, &root).unwrap();
        assert_eq!(inclusion_proof_len(n(&c["index"]), n(&c["tree_size"])).unwrap(), proof.len());
    }
}

#[test]
fn spec_example_parses() {
    let d = load("tlog_proof.json");
    let e = &d["spec_example_parse_only"];
    let p = TlogProof::parse(s(&e["file_text"]).as_bytes()).unwrap();
    assert_eq!(p.extra, Some(b64(s(&e["parsed"]["extra_b64"]))));
    assert_eq!(p.index, n(&e["parsed"]["index"]));
    assert_eq!(p.proof.len(), 5);
    assert_eq!(p.to_text(), s(&e["file_text"]));
    // The example's signatures are elided, so the checkpoint is not a valid note.
    assert!(Note::parse(p.checkpoint.as_bytes()).is_err());
    assert_eq!(inclusion_proof_len(73894, 109482).unwrap(), 17);
}

#[test]
fn serialization_cases() {
    let d = load("tlog_proof.json");
    for c in arr(&d["serialization"]["cases"]) {
        let p = TlogProof {
            extra: c.get("extra_utf8").map(|e| s(e).as_bytes().to_vec()),
            index: n(&c["index"]),
            proof: arr(&c["hashes_hex"]).iter().map(|h| Hash::from_hex(s(h)).unwrap()).collect(),
            checkpoint: s(&c["checkpoint"]).to_owned(),
        };
        assert_eq!(p.to_text(), s(&c["want"]), "{}", s(&c["name"]));
        assert_eq!(TlogProof::parse(s(&c["want"]).as_bytes()).unwrap(), p);
    }
}

#[test]
fn parse_errors() {
    let d = load("tlog_proof.json");
    let cases = arr(&d["parse_errors"]["cases"]);
    assert_eq!(cases.len(), 8);
    for c in cases {
        let input = match c.get("input") {
            Some(i) => s(i).to_owned(),
            None => format!("c2sp.org/tlog-proof@v1\nindex 0\n{}\n", "a".repeat(65 * 1024)),
        };
        assert!(TlogProof::parse(input.as_bytes()).is_err(), "{}", s(&c["name"]));
    }
    for bad in [
        "c2sp.org/tlog-proof@v1\nindex 01\n\ncp\n",
        "c2sp.org/tlog-proof@v1\nindex 0\n\n",
        "c2sp.org/tlog-proof@v1\nindex 0\n",
        "c2sp.org/tlog-proof@v1\r\nindex 0\n\ncp\n",
        "c2sp.org/tlog-proof@v1\nextra AAAA\nextra AAAA\nindex 0\n\ncp\n",
        "c2sp.org/tlog-proof@v1\nindex  0\n\ncp\n",
    ] {
        assert!(TlogProof::parse(bad.as_bytes()).is_err(), "{bad:?}");
    }
    let many = format!(
        "c2sp.org/tlog-proof@v1\nindex 0\n{}\ncp\n",
        format!("{}\n", Hash::default().to_base64()).repeat(65)
    );
    assert!(TlogProof::parse(many.as_bytes()).is_err());
}
