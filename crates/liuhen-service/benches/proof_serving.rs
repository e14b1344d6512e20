//! Inclusion proofs served from a large log.
//!
//! `cargo bench -p liuhen-service --bench proof_serving` builds (once; it is
//! kept in `LIUHEN_BENCH_DIR/proof-log`, default `./target/bench-proof-log`)
//! a SQLite log of `LIUHEN_BENCH_ENTRIES` entries (default 10,000,000),
//! integrated and checkpointed, then serves inclusion proofs for random
//! entries through the service and reports p50/p99 latency, against the
//! baseline of fetching the same proof hashes with one plain query.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use liuhen_domain::{Actor, EntryKind, LedgerEntry};
use liuhen_service::ledger::LedgerSigner;
use liuhen_service::{Service, ServiceConfig, SystemClock};
use liuhen_store::Store;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let entries: u64 =
        std::env::var("LIUHEN_BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let dir = PathBuf::from(std::env::var("LIUHEN_BENCH_DIR").unwrap_or_else(|_| "target".into()))
        .join(format!("bench-proof-log-{entries}"));
    std::fs::create_dir_all(&dir).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = Store::open_dir(&dir).await.unwrap();
        let origin = "bench.liuhen/ledger";
        let key = liuhen_tlog::SignerKey::ed25519_from_seed(origin, &[5; 32]).unwrap();
        let s = Service::new(store.clone(), Arc::new(SystemClock), ServiceConfig::default(), LedgerSigner::new(origin, vec![key]).unwrap());
        let have = s.ledger_progress().await.unwrap().sequenced;
        if have < entries {
            let t = Instant::now();
            let now = s.now();
            let mut seq = have;
            while seq < entries {
                let mut tx = store.write().await.unwrap();
                let end = (seq + 50_000).min(entries);
                for i in seq..end {
                    let mut nonce = [0u8; 16];
                    nonce[..8].copy_from_slice(&i.to_be_bytes());
                    let e = LedgerEntry::new(
                        EntryKind::CaseRead,
                        liuhen_domain::unix_ms(now) + i as i64,
                        Actor::System("bench"),
                        None,
                        vec![format!("case:{:032x}", i)],
                        None,
                        nonce,
                    );
                    tx.append_entry(&e, now).await.unwrap();
                }
                tx.commit().await.unwrap();
                seq = end;
            }
            println!("sequenced {} entries in {:.0} s", entries - have, t.elapsed().as_secs_f64());
        }
        let t = Instant::now();
        s.integrate_all().await.unwrap();
        println!("integrated and signed in {:.0} s", t.elapsed().as_secs_f64());
        let size = s.latest_checkpoint().await.unwrap().unwrap().size;

        let mut x: u64 = 0x2545f4914f6cdd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % size
        };
        let indexes: Vec<u64> = (0..20_000).map(|_| next()).collect();
        // Warm the page cache the way a serving node's would be.
        for i in indexes.iter().take(2000) {
            s.inclusion_proof(*i, size).await.unwrap();
        }
        let mut served = Vec::with_capacity(indexes.len());
        let t = Instant::now();
        for i in &indexes {
            let t0 = Instant::now();
            let proof = s.inclusion_proof(*i, size).await.unwrap();
            served.push(t0.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(proof.len(), liuhen_tlog::inclusion_proof_len(*i, size).unwrap());
        }
        let rate = indexes.len() as f64 / t.elapsed().as_secs_f64();
        served.sort_by(|a, b| a.partial_cmp(b).unwrap());

        // Baseline: one query fetching exactly the stored hashes a proof needs.
        let mut base = Vec::with_capacity(indexes.len());
        for i in &indexes {
            let needed = needed_indexes(*i, size);
            let t0 = Instant::now();
            let mut tx = store.read().await.unwrap();
            let got = tx.read_tree_hashes(&needed).await.unwrap();
            tx.finish().await.unwrap();
            base.push(t0.elapsed().as_secs_f64() * 1000.0);
            assert!(got.iter().all(Option::is_some));
        }
        base.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "inclusion proofs from a log of {size} entries: p50 {:.3} ms, p99 {:.3} ms, {rate:.0}/s (one caller); \
             baseline (one query for the same hashes): p50 {:.3} ms, p99 {:.3} ms; p99 ratio {:.2}",
            percentile(&served, 0.5),
            percentile(&served, 0.99),
            percentile(&base, 0.5),
            percentile(&base, 0.99),
            percentile(&served, 0.99) / percentile(&base, 0.99)
        );
    });
}

/// The stored-hash indexes an inclusion proof reads, found by asking the
/// proof algorithm itself with a reader that records what it is asked.
fn needed_indexes(index: u64, size: u64) -> Vec<u64> {
    struct Recorder(std::cell::RefCell<Vec<u64>>);
    impl liuhen_tlog::HashReader for Recorder {
        fn read_hashes(&self, idx: &[u64]) -> Result<Vec<liuhen_tlog::Hash>, liuhen_tlog::Error> {
            self.0.borrow_mut().extend_from_slice(idx);
            Ok(vec![liuhen_tlog::Hash([0; 32]); idx.len()])
        }
    }
    let r = Recorder(Default::default());
    liuhen_tlog::prove_record::<liuhen_tlog::Sha256Hasher>(size, index, &r).unwrap();
    r.0.into_inner()
}
