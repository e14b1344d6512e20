//! signed_note_checkpoint.json: C2SP signed-note, keys, tlog-checkpoint.

use liuhen_tlog::*;
use serde_json::Value;

use crate::{arr, b64, hx, load, n, s};

fn key(d: &Value, name: &str) -> VerifierKey {
    let k = arr(&d["keys"]).iter().find(|k| s(&k["name"]) == name).unwrap();
    VerifierKey::parse(s(&k["vkey"])).unwrap()
}

fn note_by_id<'a>(d: &'a Value, id: &str) -> &'a Value {
    arr(&d["notes"]).iter().find(|x| s(&x["id"]) == id).unwrap()
}

#[test]
fn keys_parse_and_round_trip() {
    let d = load("signed_note_checkpoint.json");
    let keys = arr(&d["keys"]);
    assert_eq!(keys.len(), 12);
    for k in keys {
        let v = VerifierKey::parse(s(&k["vkey"])).unwrap();
        assert_eq!(v.name(), s(&k["name"]));
        assert_eq!(format!("{:08x}", v.key_id()), s(&k["key_id"]));
        assert_eq!(v.public_key(), hx(&k["public_key_hex"]).as_slice());
        assert_eq!(v.algorithm(), KeyAlgorithm::Ed25519);
        assert_eq!(v.to_string(), s(&k["vkey"]));
        if let Some(skey) = k.get("skey") {
            let signer = SignerKey::parse(s(skey)).unwrap();
            assert_eq!(signer.verifier(), &v);
            assert_eq!(signer.to_secret_string(), s(skey));
            let seed: [u8; 32] = hx(&k["ed25519_seed_hex"]).try_into().unwrap();
            assert_eq!(SignerKey::ed25519_from_seed(v.name(), &seed).unwrap().verifier(), &v);
        }
    }
}

#[test]
fn notes_verify() {
    let d = load("signed_note_checkpoint.json");
    for id in [
        "go-peterneumann",
        "c2sp-signed-note-example",
        "sum.golang.org-checkpoint-6476701",
        "sum.golang.org-checkpoint-with-3-extra-cosigners",
    ] {
        let x = note_by_id(&d, id);
        let verifiers: Vec<VerifierKey> =
            arr(&x["verify_with"]).iter().map(|v| VerifierKey::parse(s(v)).unwrap()).collect();
        let note = Note::parse(s(&x["note"]).as_bytes()).unwrap();
        if let Some(st) = x.get("signed_text") {
            assert_eq!(note.text, s(st));
        }
        assert_eq!(note.to_text(), s(&x["note"]), "{id} round trip");
        let ok = note.verify(&verifiers).unwrap();
        assert_eq!(ok.verified.len(), verifiers.len(), "{id}");
        assert!(ok.unverified.is_empty());
        // Each signature fails with a flipped byte.
        for i in 0..note.signatures.len() {
            let mut bad = note.clone();
            bad.signatures[i].signature[0] ^= 1;
            assert!(matches!(bad.verify(&verifiers), Err(Error::InvalidSignature { .. })), "{id}");
        }
        let mut bad = note.clone();
        bad.text.insert(0, 'X');
        assert!(bad.verify(&verifiers).is_err());
    }
}

#[test]
fn resigning_reproduces_signatures() {
    let d = load("signed_note_checkpoint.json");
    let x = note_by_id(&d, "go-peter-and-enoch");
    let peter =
        SignerKey::parse("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
            .unwrap();
    let enoch = SignerKey::ed25519_from_seed("EnochRoot", &[0; 32]).unwrap();
    let note = Note::sign(s(&x["signed_text"]), &[&peter, &enoch]).unwrap();
    assert_eq!(note.to_text(), s(&x["note"]));
}

#[test]
fn peter_and_enoch_verifier_sets() {
    let d = load("signed_note_checkpoint.json");
    let x = note_by_id(&d, "go-peter-and-enoch");
    let (peter, enoch) = (key(&d, "PeterNeumann"), key(&d, "EnochRoot"));
    let note = Note::parse(s(&x["note"]).as_bytes()).unwrap();
    let v = note.verify(std::slice::from_ref(&peter)).unwrap();
    assert_eq!((v.verified.len(), v.unverified.len()), (1, 1));
    assert_eq!(v.unverified[0].name, "EnochRoot");
    let v = note.verify(&[peter.clone(), enoch.clone()]).unwrap();
    assert_eq!(v.verified.len(), 2);
    assert_eq!(note.verify(&[]), Err(Error::UnverifiedNote));
    let dup = [enoch.clone(), peter.clone(), enoch.clone()];
    let mut only_enoch = note.clone();
    only_enoch.signatures.remove(0);
    assert!(matches!(only_enoch.verify(&dup), Err(Error::AmbiguousKey { key_id: 0xaf0cfe78, .. })));
    let mut only_peter = note.clone();
    only_peter.signatures.remove(1);
    assert!(only_peter.verify(&dup).is_ok());
    // Verifier-lookup semantics: a signature whose name or ID differ is unknown.
    let mut wrong_id = only_peter.clone();
    wrong_id.signatures[0].key_id = 0xc74f20a4;
    assert_eq!(wrong_id.verify(&dup), Err(Error::UnverifiedNote));
    let mut wrong_name = only_peter.clone();
    wrong_name.signatures[0].name = "PeterNeuman".into();
    assert_eq!(wrong_name.verify(&dup), Err(Error::UnverifiedNote));
}

#[test]
fn parse_only_notes() {
    let d = load("signed_note_checkpoint.json");
    let x = note_by_id(&d, "c2sp-signed-note-intro-example");
    let note = Note::parse(s(&x["note"]).as_bytes()).unwrap();
    assert_eq!(note.text, s(&x["signed_text"]), "last blank line separates");
    assert_eq!(note.signatures[0].name, s(&x["parsed"]["key_name"]));
    assert_eq!(format!("{:08x}", note.signatures[0].key_id), s(&x["parsed"]["key_id"]));
    assert_eq!(note.signatures[0].signature.len() as u64, n(&x["parsed"]["signature_len"]));

    let x = note_by_id(&d, "c2sp-tlog-checkpoint-example");
    let note = Note::parse(s(&x["note"]).as_bytes()).unwrap();
    let cp = Checkpoint::parse(&note.text).unwrap();
    assert_eq!(cp.origin, s(&x["checkpoint"]["origin"]));
    assert_eq!(cp.size, n(&x["checkpoint"]["tree_size"]));
    assert_eq!(cp.root.to_hex(), s(&x["checkpoint"]["root_hash_hex"]));
    assert_eq!(cp.to_note_text().unwrap(), note.text);

    let x = note_by_id(&d, "c2sp-tlog-cosignature-example");
    let note = Note::parse(s(&x["note"]).as_bytes()).unwrap();
    let p = &x["parsed"];
    assert_eq!(format!("{:08x}", note.signatures[0].key_id), s(&p["log_sig_key_id"]));
    let cosig = &note.signatures[1];
    assert_eq!(cosig.name, s(&p["cosig_key_name"]));
    assert_eq!(format!("{:08x}", cosig.key_id), s(&p["cosig_key_id"]));
    let (ts, sig) = cosig.cosignature_v1().unwrap();
    assert_eq!(ts, n(&p["cosig_timestamp"]));
    assert_eq!(sig.len() as u64, n(&p["cosig_signature_len"]));
    let msg = format!("{}{}", cosignature_v1_prefix(ts), note.text);
    assert_eq!(msg, s(&x["cosignature_v1_signed_message_example"]));
}

#[test]
fn negative_notes() {
    let d = load("signed_note_checkpoint.json");
    let peter = key(&d, "PeterNeumann");
    let cases = arr(&d["negative_notes"]);
    assert_eq!(cases.len(), 9);
    for c in cases {
        let case = s(&c["case"]);
        let bytes: Vec<u8> = if let Some(t) = c.get("note") {
            s(t).as_bytes().to_vec()
        } else if let Some(h) = c.get("note_hex") {
            hx(h)
        } else {
            let x = note_by_id(&d, "go-peterneumann");
            let line =
                format!("{}\n", Note::parse(s(&x["note"]).as_bytes()).unwrap().signatures[0].to_line());
            format!("{}\n{}", s(&x["signed_text"]), line.repeat(101)).into_bytes()
        };
        let parsed = Note::parse(&bytes);
        if s(&c["expect"]).starts_with("malformed") {
            assert!(matches!(parsed, Err(Error::MalformedNote(_))), "{case}: {parsed:?}");
        } else {
            let r = parsed.and_then(|n| n.verify(std::slice::from_ref(&peter)));
            assert!(
                matches!(r, Err(Error::InvalidSignature { .. }) | Err(Error::MalformedNote(_))),
                "{case}: {r:?}"
            );
        }
    }
    // 16 signatures (the spec minimum) and 100 are accepted.
    let x = note_by_id(&d, "go-peterneumann");
    let line = format!("{}\n", Note::parse(s(&x["note"]).as_bytes()).unwrap().signatures[0].to_line());
    let ok = format!("{}\n{}", s(&x["signed_text"]), line.repeat(100));
    let v = open(ok.as_bytes(), std::slice::from_ref(&peter)).unwrap();
    assert_eq!(v.verified.len(), 1);
}

#[test]
fn negative_vkeys() {
    let d = load("signed_note_checkpoint.json");
    for c in arr(&d["negative_vkeys"]) {
        let v = s(&c["vkey"]);
        if v.starts_with("any proper substring") {
            continue;
        }
        assert!(VerifierKey::parse(v).is_err(), "{v}");
    }
    let good = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    assert!(VerifierKey::parse(good).is_ok());
    let b = good.as_bytes();
    for i in 0..b.len() {
        for j in i + 1..=b.len() {
            if (i, j) == (0, b.len()) {
                continue;
            }
            let sub = std::str::from_utf8(&b[i..j]).unwrap();
            assert!(VerifierKey::parse(sub).is_err(), "substring {sub}");
        }
        let mut m = b.to_vec();
        m[i] += 1;
        if let Ok(t) = std::str::from_utf8(&m) {
            assert!(VerifierKey::parse(t).is_err(), "mangled {t}");
        }
    }
}

#[test]
fn checkpoint_body_parsing() {
    let d = load("signed_note_checkpoint.json");
    for c in arr(&d["checkpoint_body_parsing"]["cases"]) {
        let body = s(&c["body"]);
        let got = Checkpoint::parse(body);
        // The "valid" cases use 7- and 37-byte "hashes": a C2SP-strict parser
        // rejects every case here (see the vector caveat).
        assert!(got.is_err(), "{}: {got:?}", s(&c["desc"]));
        if !c["want_err"].as_bool().unwrap() {
            // With a 32-byte root the same line structure parses.
            let want = &c["want"];
            let mut lines: Vec<&str> = body.split('\n').collect();
            let root = sha256(b"root").to_base64();
            lines[2] = &root;
            let fixed = lines.join("\n");
            let rest = c.get("want_rest").map(s).unwrap_or("");
            let r = Checkpoint::parse(&fixed);
            if rest.contains("\n\n") || rest.starts_with('\n') {
                assert!(r.is_err(), "empty extension lines are not allowed");
                continue;
            }
            let cp = r.unwrap();
            assert_eq!(cp.origin, s(&want["origin"]));
            assert_eq!(cp.size, n(&want["size"]));
            let ext: String = cp.extensions.iter().map(|e| format!("{e}\n")).collect();
            assert_eq!(ext, rest);
        }
    }
}

#[test]
fn sumdb_checkpoint_open() {
    let d = load("signed_note_checkpoint.json");
    let x = note_by_id(&d, "sum.golang.org-checkpoint-6476701");
    let k = [key(&d, "sum.golang.org")];
    let (cp, _) = Checkpoint::open(s(&x["note"]).as_bytes(), "go.sum database tree", &k).unwrap();
    assert_eq!(cp.size, n(&x["checkpoint"]["tree_size"]));
    assert_eq!(cp.root.to_base64(), s(&x["checkpoint"]["root_hash_b64"]));
    assert!(matches!(
        Checkpoint::open(s(&x["note"]).as_bytes(), "Go rocks but I might have the wrong ID", &k),
        Err(Error::OriginMismatch { .. })
    ));

    let t = &d["go_sumdb_tree_note"]["format_tree"];
    let root = Hash::from_base64(s(&t["root_hash_b64"])).unwrap();
    assert_eq!(root, Sha256Hasher::hash_leaf(b"hello world"));
    let cp = Checkpoint::new("go.sum database tree", n(&t["tree_size"]), root);
    assert_eq!(cp.to_note_text().unwrap(), s(&t["want"]));
    for bad in arr(&d["go_sumdb_tree_note"]["bad_trees"]).iter().skip(1) {
        assert!(Checkpoint::parse(s(bad)).is_err(), "{}", s(bad));
    }
    let _ = b64;
}

#[test]
fn sm2_notes() {
    let signer = SignerKey::sm2_from_secret("liuhen.example/sm2", &[0x11; 32]).unwrap();
    let v = signer.verifier().clone();
    assert_eq!(v.algorithm(), KeyAlgorithm::Sm2);
    let vs = v.to_string();
    let data = b64(vs.splitn(3, '+').nth(2).unwrap());
    assert_eq!(&data[..11], b"\xffliuhen-sm2");
    assert_eq!(data.len(), 11 + 65);
    assert_eq!(VerifierKey::parse(&vs).unwrap(), v);
    assert_eq!(SignerKey::parse(&signer.to_secret_string()).unwrap().verifier(), &v);
    let note = Note::sign("hello sm2\n", &[&signer]).unwrap();
    assert_eq!(note.signatures[0].signature.len(), 64);
    let text = note.to_text();
    let ok = open(text.as_bytes(), std::slice::from_ref(&v)).unwrap();
    assert!(ok.is_signed_by(&v));
    // Deterministic signing.
    assert_eq!(Note::sign("hello sm2\n", &[&signer]).unwrap(), note);
    let mut bad = note.clone();
    bad.signatures[0].signature[5] ^= 0x40;
    assert!(bad.verify(std::slice::from_ref(&v)).is_err());
    assert!(SignerKey::sm2_from_secret("x", &[0; 32]).is_err());
    assert!(Note::sign("no newline", &[&signer]).is_err());
    assert!(Note::sign("ctrl\u{1}\n", &[&signer]).is_err());
}
