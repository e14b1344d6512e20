//! sm3.json and sm2.json: GB/T 32905 (SM3) and GB/T 32918 (SM2) vectors.

use liuhen_tlog::*;
use sm2::dsa::signature::Verifier as _;

use crate::{arr, hx, load, s};

#[test]
fn sm3_vectors() {
    let d = load("sm3.json");
    let v = arr(&d["vectors"]);
    assert_eq!(v.len(), 10);
    for x in v {
        assert_eq!(sm3(&hx(&x["input_hex"])).to_hex(), s(&x["digest"]), "{}", s(&x["label"]));
        // The SM3 tree hasher is the same digest.
        assert_eq!(Sm3Hasher::digest(&[&hx(&x["input_hex"])]).to_hex(), s(&x["digest"]));
    }
}

fn vector<'a>(d: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    arr(&d["vectors"]).iter().find(|v| s(&v["id"]) == id).unwrap()
}

fn sig_of(v: &serde_json::Value) -> sm2::dsa::Signature {
    let mut rs = hx(&v["r"]);
    rs.extend(hx(&v["s"]));
    sm2::dsa::Signature::from_slice(&rs).unwrap()
}

#[test]
fn sm2_vectors_on_sm2p256v1() {
    let d = load("sm2.json");
    // Vector 1 (gbt32918.2-annexA-fp256-example-curve) uses the 256-bit
    // example curve of GB/T 32918.2 Annex A, not sm2p256v1; the sm2 crate
    // only implements sm2p256v1, so it is skipped.
    let v2 = vector(&d, "gbt32918.5-annexA-sm2p256v1");
    let d2: [u8; 32] = hx(&v2["private_key"]).try_into().unwrap();
    let signer = SignerKey::sm2_from_secret("v2", &d2).unwrap();
    let mut pubkey = vec![4u8];
    pubkey.extend(hx(&v2["public_key_x"]));
    pubkey.extend(hx(&v2["public_key_y"]));
    assert_eq!(signer.verifier().public_key(), pubkey.as_slice(), "d*G");
    assert_eq!(s(&v2["user_id"]), SM2_DIST_ID);
    let msg = hx(&v2["message_hex"]);
    let vk = sm2::dsa::VerifyingKey::from_sec1_bytes(s(&v2["user_id"]), &pubkey).unwrap();
    vk.verify(&msg, &sig_of(v2)).unwrap();
    assert!(vk.verify(b"message digesT", &sig_of(v2)).is_err());
    // Through this crate's SM2 note key (same ID, same encoding r||s).
    let mut rs = hx(&v2["r"]);
    rs.extend(hx(&v2["s"]));
    assert!(signer.verifier().verify(&msg, &rs));
    let wrong_id = sm2::dsa::VerifyingKey::from_sec1_bytes("wrongid", &pubkey).unwrap();
    assert!(wrong_id.verify(&msg, &sig_of(v2)).is_err());

    let v3 = vector(&d, "rustcrypto-sm2dsa-openssl");
    let vk = sm2::dsa::VerifyingKey::from_sec1_bytes(s(&v3["user_id"]), &hx(&v3["public_key_sec1"])).unwrap();
    let msg = hx(&v3["message_hex"]);
    vk.verify(&msg, &sig_of(v3)).unwrap();
    assert!(vk.verify(b"testing!", &sig_of(v3)).is_err());
}
