//! The live supervision stream under load: case reads are offered at a fixed
//! rate (default 1,000/s, each a durable ledger entry), a supervisor is
//! subscribed, and the bench counts the reads that reach the stream and how
//! long after their entry's time they arrive.
//!
//! `cargo bench -p liuhen-service --bench supervision` prints the offered and
//! delivered rates, their ratio (1.00 = keeps up), the lag p50/p99 and how
//! many events a slow subscriber would have missed. Settings:
//! `LIUHEN_BENCH_SECONDS` (default 5), `LIUHEN_BENCH_RATE` (default 1000).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use liuhen_service::ledger::LedgerSigner;
use liuhen_service::{CaseQuery, Service, ServiceConfig, SystemClock, demo};
use liuhen_store::Store;
use tokio::sync::broadcast::error::RecvError;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let seconds = env_or("LIUHEN_BENCH_SECONDS", 5);
    let rate = env_or("LIUHEN_BENCH_RATE", 1000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).await.unwrap();
    let origin = "bench.liuhen/ledger";
    let key = liuhen_tlog::SignerKey::ed25519_from_seed(origin, &[9; 32]).unwrap();
    let s = Service::new(
        store,
        Arc::new(SystemClock),
        ServiceConfig::default(),
        LedgerSigner::new(origin, vec![key]).unwrap(),
    );
    demo::seed(&s).await.unwrap();
    let me = |login: &'static str| {
        let s = s.clone();
        async move {
            let out = s.login(login, &demo::demo_password(login)).await.unwrap();
            s.authenticate(&out.token).await.unwrap()
        }
    };
    let reader = me("leader1").await;
    let supervisor = me("supervisor1").await;
    let (cases, _) = s.list_cases(&reader, &CaseQuery::default()).await.unwrap();
    let ids: Vec<_> = cases.iter().map(|c| c.id).collect();
    let mut rx = s.supervision_subscribe(&supervisor).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let offered = rate * seconds;
    let counter = tokio::spawn(async move {
        let mut lags = Vec::new();
        let mut missed = 0u64;
        let deadline = Instant::now() + Duration::from_secs(seconds + 5);
        while (lags.len() as u64) < offered && Instant::now() < deadline {
            match tokio::time::timeout(Duration::from_secs(1), rx.recv()).await {
                Ok(Ok(e)) if e.kind == "case.read" => {
                    let lag = time::OffsetDateTime::now_utc() - e.time;
                    lags.push(lag.as_seconds_f64() * 1000.0);
                }
                Ok(Ok(_)) => {}
                Ok(Err(RecvError::Lagged(n))) => missed += n,
                Ok(Err(RecvError::Closed)) => break,
                Err(_) => {}
            }
        }
        (lags, missed)
    });

    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let limit = Arc::new(tokio::sync::Semaphore::new(512));
    for i in 0..offered {
        tick.tick().await;
        let permit = limit.clone().acquire_owned().await.unwrap();
        let (s, reader, id) = (s.clone(), reader.clone(), ids[i as usize % ids.len()]);
        tokio::spawn(async move {
            s.get_case(&reader, id).await.unwrap();
            drop(permit);
        });
    }
    let _ = limit.acquire_many(512).await.unwrap();
    let offered_secs = start.elapsed().as_secs_f64();
    let (mut lags, missed) = counter.await.unwrap();
    let delivered_secs = start.elapsed().as_secs_f64();
    lags.sort_by(f64::total_cmp);
    let offered_rate = offered as f64 / offered_secs;
    let delivered_rate = lags.len() as f64 / delivered_secs;
    println!(
        "supervision stream: {offered} case reads offered at {offered_rate:.0}/s; {} delivered ({delivered_rate:.0}/s), \
         ratio {:.2}; lag from entry time p50 {:.1} ms, p99 {:.1} ms; missed {missed}",
        lags.len(),
        lags.len() as f64 / offered as f64,
        percentile(&lags, 0.5),
        percentile(&lags, 0.99),
    );
}
