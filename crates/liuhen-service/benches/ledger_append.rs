//! Durable ledger appends through the service layer, against the ceiling of
//! the same bytes appended to a plain file with one fdatasync per group.
//!
//! `cargo bench -p liuhen-service --bench ledger_append` prints, for SQLite
//! (and PostgreSQL when `LIUHEN_BENCH_DATABASE_URL` is set):
//! - closed-loop throughput with many concurrent callers: every call is a
//!   scoped case read whose ledger entry is committed (fsync'd) before it
//!   returns; and the raw group-commit rate of the same entry bytes, measured
//!   in the same run; and their ratio;
//! - acknowledgement latency (p50/p99) at a fixed offered rate;
//! - the time from an entry's commit to its coverage by a signed checkpoint
//!   (p50/p99), with the integrator running as the server runs it.
//!
//! Settings: `LIUHEN_BENCH_SECONDS` (default 5), `LIUHEN_BENCH_CALLERS`
//! (default 256), `LIUHEN_BENCH_RATE` (default 5000 offered appends/s).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use liuhen_service::ledger::LedgerSigner;
use liuhen_service::{CaseQuery, Service, ServiceConfig, SystemClock, demo};
use liuhen_store::Store;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn signer() -> LedgerSigner {
    let origin = "bench.liuhen/ledger";
    let key = liuhen_tlog::SignerKey::ed25519_from_seed(origin, &[9; 32]).unwrap();
    LedgerSigner::new(origin, vec![key]).unwrap()
}

async fn service(store: Store) -> Service {
    let s = Service::new(store, Arc::new(SystemClock), ServiceConfig::default(), signer());
    demo::seed(&s).await.unwrap();
    s
}

/// Closed loop: `callers` tasks each read a case again and again.
async fn closed_loop(s: &Service, callers: u64, seconds: u64) -> (f64, u64) {
    let me = {
        let out = s.login("supervisor1", &demo::demo_password("supervisor1")).await.unwrap();
        s.authenticate(&out.token).await.unwrap()
    };
    let (cases, _) = s.list_cases(&me, &CaseQuery::default()).await.unwrap();
    let ids: Vec<_> = cases.iter().map(|c| c.id).collect();
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..callers {
        let (s, me, done, stop) = (s.clone(), me.clone(), done.clone(), stop.clone());
        let id = ids[i as usize % ids.len()];
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                s.get_case(&me, id).await.unwrap();
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let n = done.load(Ordering::Relaxed);
    (n as f64 / start.elapsed().as_secs_f64(), n)
}

/// Open loop: `rate` calls a second, each on its own task; returns latencies in ms.
async fn open_loop(s: &Service, rate: u64, seconds: u64) -> Vec<f64> {
    let me = {
        let out = s.login("supervisor1", &demo::demo_password("supervisor1")).await.unwrap();
        s.authenticate(&out.token).await.unwrap()
    };
    let (cases, _) = s.list_cases(&me, &CaseQuery::default()).await.unwrap();
    let id = cases[0].id;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<f64>();
    let start = Instant::now();
    let total = rate * seconds;
    let tick = Duration::from_millis(1);
    let per_tick = rate as f64 / 1000.0;
    let mut sent = 0u64;
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    while sent < total {
        interval.tick().await;
        let due = ((start.elapsed().as_secs_f64() * 1000.0) * per_tick) as u64;
        while sent < due.min(total) {
            let (s, me, tx) = (s.clone(), me.clone(), tx.clone());
            tokio::spawn(async move {
                let t0 = Instant::now();
                s.get_case(&me, id).await.unwrap();
                let _ = tx.send(t0.elapsed().as_secs_f64() * 1000.0);
            });
            sent += 1;
        }
    }
    drop(tx);
    let mut lat = Vec::with_capacity(total as usize);
    while let Some(l) = rx.recv().await {
        lat.push(l);
    }
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    lat
}

/// The same bytes through an ideal group commit: producers hand entries to
/// one writer, which appends whatever is waiting and fdatasyncs once.
fn raw_group_commit(entry: &[u8], callers: u64, seconds: u64, dir: &std::path::Path) -> f64 {
    use std::sync::mpsc;
    let file = std::fs::File::create(dir.join("raw.log")).unwrap();
    let (tx, rx) = mpsc::channel::<mpsc::Sender<()>>();
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let entry = entry.to_vec();
    let writer = std::thread::spawn(move || {
        let mut f = std::io::BufWriter::new(file);
        while let Ok(first) = rx.recv() {
            let mut acks = vec![first];
            while let Ok(more) = rx.try_recv() {
                acks.push(more);
            }
            for _ in &acks {
                f.write_all(&entry).unwrap();
            }
            f.flush().unwrap();
            f.get_ref().sync_data().unwrap();
            for a in acks {
                let _ = a.send(());
            }
        }
    });
    let start = Instant::now();
    let producers: Vec<_> = (0..callers)
        .map(|_| {
            let (tx, stop, done) = (tx.clone(), stop.clone(), done.clone());
            std::thread::spawn(move || {
                let (ack_tx, ack_rx) = mpsc::channel();
                while !stop.load(Ordering::Relaxed) {
                    tx.send(ack_tx.clone()).unwrap();
                    ack_rx.recv().unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for p in producers {
        p.join().unwrap();
    }
    let rate = done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    drop(tx);
    writer.join().unwrap();
    rate
}

/// For every entry, the time from its commit to the first checkpoint covering it.
async fn coverage_latencies(s: &Service) -> Vec<f64> {
    let mut tx = s.store().read().await.unwrap();
    let cps = tx.checkpoints(0, u32::MAX).await.unwrap();
    let mut lat = Vec::new();
    let mut from = 0u64;
    loop {
        let entries = tx.read_entries(from, 50_000).await.unwrap();
        if entries.is_empty() {
            break;
        }
        for e in &entries {
            let Some(cp) = cps.iter().find(|c| c.size > e.seq) else { continue };
            lat.push((cp.signed_at - e.created_at).as_seconds_f64() * 1000.0);
        }
        from = entries.last().unwrap().seq + 1;
    }
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    lat
}

async fn run_backend(name: &str, store: Store, dir: &std::path::Path) {
    let seconds = env_or("LIUHEN_BENCH_SECONDS", 5);
    let callers = env_or("LIUHEN_BENCH_CALLERS", 256);
    let rate = env_or("LIUHEN_BENCH_RATE", 5000);
    let s = service(store.clone()).await;
    s.integrate().await.unwrap();
    // The same reads with recording off: what recording a read costs.
    let unrecorded = Service::new(
        store,
        Arc::new(SystemClock),
        ServiceConfig { record_reads: false, ..Default::default() },
        signer(),
    );
    let plain = if std::env::var("LIUHEN_BENCH_PROFILE").is_ok() {
        0.0
    } else {
        closed_loop(&unrecorded, callers, seconds).await.0
    };
    // The integrator runs beside the load, as in the server.
    let integrator = {
        let s = s.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            loop {
                tick.tick().await;
                s.integrate().await.unwrap();
            }
        })
    };
    let (ops, n) = closed_loop(&s, callers, seconds).await;
    if std::env::var("LIUHEN_BENCH_PROFILE").is_ok() {
        println!("{name}: case reads with entries: {ops:.0}/s ({n})");
        return; // profiling the service path alone
    }
    let sample = {
        let mut tx = s.store().read().await.unwrap();
        tx.read_entries(0, 1).await.unwrap().remove(0).body
    };
    let raw = tokio::task::spawn_blocking({
        let dir = dir.to_owned();
        move || raw_group_commit(&sample, callers, seconds, &dir)
    })
    .await
    .unwrap();
    println!(
        "{name}: case reads, each with its durable ledger entry: {ops:.0}/s ({n} in {seconds} s, {callers} callers); \
         raw group commit of the same entry bytes (fdatasync): {raw:.0}/s; ratio {:.3}",
        ops / raw
    );
    println!(
        "{name}: the same case reads without recording: {plain:.0}/s; recording costs {:.2}x per read",
        plain / ops
    );
    let lat = open_loop(&s, rate, seconds).await;
    println!(
        "{name}: acknowledgement at {rate} offered appends/s: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} calls)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN),
        lat.len()
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    integrator.abort();
    s.integrate().await.unwrap();
    let cov = coverage_latencies(&s).await;
    println!(
        "{name}: entry committed -> covered by a signed checkpoint: p50 {:.0} ms, p99 {:.0} ms ({} entries)",
        percentile(&cov, 0.5),
        percentile(&cov, 0.99),
        cov.len()
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let dir =
            tempfile::tempdir_in(std::env::var("LIUHEN_BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
        let store = Store::open_dir(dir.path()).await.unwrap();
        run_backend("sqlite", store, dir.path()).await;
        if let Ok(url) = std::env::var("LIUHEN_BENCH_DATABASE_URL") {
            let store = Store::open(&url).await.unwrap();
            run_backend("postgres", store, dir.path()).await;
        }
    });
}
