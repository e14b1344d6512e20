//! Offline verification of tlog-proof files, per core.
//!
//! `cargo bench -p liuhen-tlog --bench verify` builds a tree of 2^20 entries
//! in memory, writes tlog-proof files for random entries, and measures on
//! one thread:
//! - verification with a cached checkpoint (signature checked once): parse
//!   the file, check it carries the trusted checkpoint, verify inclusion;
//! - full verification (signature every time);
//! - the baseline: the SHA-256 work an inclusion proof needs (leaf hash plus
//!   one node hash per proof element), measured in the same run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Instant;

use liuhen_tlog::{
    build_stored_hashes, prove_record, tree_hash, Checkpoint, Hash, Note, ProofPolicy, Sha256Hasher,
    SignerKey, TlogProof, TreeHasher,
};

fn main() {
    let n: u64 = 1 << 20;
    let entries: Vec<Vec<u8>> =
        (0..n).map(|i| format!("{{\"entry\":{i},\"pad\":\"{:0>200}\"}}", i).into_bytes()).collect();
    let t = Instant::now();
    let hashes = build_stored_hashes::<Sha256Hasher>(entries.iter()).unwrap();
    println!("built a tree of {n} entries in {:.1} s", t.elapsed().as_secs_f64());
    let root = tree_hash::<Sha256Hasher>(n, &hashes).unwrap();
    let origin = "bench.liuhen/ledger";
    let key = SignerKey::ed25519_from_seed(origin, &[3; 32]).unwrap();
    let note =
        Note::sign(&Checkpoint::new(origin, n, root).to_note_text().unwrap(), &[&key]).unwrap().to_text();

    let mut x: u64 = 0x9e3779b97f4a7c15;
    let proofs: Vec<(usize, String)> = (0..20_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = x % n;
            let proof = prove_record::<Sha256Hasher>(n, i, &hashes).unwrap();
            (i as usize, TlogProof { extra: None, index: i, proof, checkpoint: note.clone() }.to_text())
        })
        .collect();

    // Cached checkpoint: verified once.
    let policy =
        ProofPolicy { origin: origin.into(), log_key: key.verifier().clone(), witnesses: vec![], quorum: 0 };
    let (trusted, _) =
        Checkpoint::open(note.as_bytes(), origin, std::slice::from_ref(&policy.log_key)).unwrap();
    let rounds = 5;
    let mut cached = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        for (i, text) in &proofs {
            let p = TlogProof::parse(text.as_bytes()).unwrap();
            p.verify_with_trusted(&entries[*i], &note, &trusted).unwrap();
        }
        cached.push(proofs.len() as f64 / t.elapsed().as_secs_f64());
    }
    let t = Instant::now();
    for (i, text) in proofs.iter().take(2000) {
        let p = TlogProof::parse(text.as_bytes()).unwrap();
        p.verify(&entries[*i], &policy).unwrap();
    }
    let full = 2000.0 / t.elapsed().as_secs_f64();

    // Baseline: the hashing an inclusion proof cannot avoid.
    let per_proof = 1 + 20;
    let mut base = Vec::new();
    let node = [7u8; 65];
    for _ in 0..rounds {
        let t = Instant::now();
        let mut acc = Hash([0; 32]);
        for (i, _) in &proofs {
            acc = Sha256Hasher::hash_leaf(&entries[*i]);
            for _ in 1..per_proof {
                acc = Sha256Hasher::hash_node_bytes(&node[..32], &acc.0);
            }
        }
        std::hint::black_box(acc);
        base.push(proofs.len() as f64 / t.elapsed().as_secs_f64());
    }
    cached.sort_by(|a, b| a.partial_cmp(b).unwrap());
    base.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let (c, b) = (cached[rounds / 2], base[rounds / 2]);
    println!(
        "offline tlog-proof verification, cached checkpoint, one core: {c:.0}/s (median of {rounds}); \
         baseline (the proof's SHA-256 work alone): {b:.0}/s; ratio {:.2}",
        c / b
    );
    println!("offline tlog-proof verification, signature checked every time: {full:.0}/s");
}
