#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

//! Renders a two-page 行政处罚决定书 (long 违法事实) 30 times after warm-up and reports median and p90
//! against the 200 ms target. Run with `cargo bench -p liuhen-pdf` (release profile).
//!
//! Two series: "warm" renders documents that differ only in their 文号 (typst's memoised layout of
//! unchanged paragraphs is reused, as in a server rendering similar documents); "cold" evicts typst's
//! cache before every render (nothing reused except the loaded fonts).

use std::time::{Duration, Instant};

use liuhen_docs::{FormatSet, samples, validate};
use liuhen_pdf::Renderer;
use serde_json::Value;

const RUNS: usize = 30;
const TARGET: Duration = Duration::from_millis(200);

fn stats(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let median = times[times.len() / 2];
    let p90 = times[(times.len() * 9).div_ceil(10) - 1];
    println!(
        "{name:<5} median {:>7.1} ms   p90 {:>7.1} ms   min {:>7.1} ms   median/target {:.2}",
        ms(median),
        ms(p90),
        ms(times[0]),
        median.as_secs_f64() / TARGET.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let started = Instant::now();
    let renderer = Renderer::with_default_fonts().expect("fonts-noto-cjk must be installed");
    println!("font loading: {:.1} ms ({} faces)", ms(started.elapsed()), renderer.font_count());

    let formats = FormatSet::with_base().unwrap();
    let format = formats.get("penalty_decision").unwrap();
    let first = validate(format, &samples::values("penalty_decision").unwrap()).unwrap();
    let t = Instant::now();
    renderer.render(&first, Some("临市监罚〔2026〕1号"), None).unwrap();
    println!("first render after font loading: {:.1} ms", ms(t.elapsed()));
    // Grow 违法事实 to the longest text that still fits on two pages.
    let build = |repeat: usize| {
        let mut v = samples::values_map("penalty_decision").unwrap();
        v.insert("facts".into(), Value::String(samples::facts(repeat)));
        validate(format, &Value::Object(v)).unwrap()
    };
    let pages = |doc: &liuhen_docs::ValidDocument| {
        renderer.render(doc, Some("临市监罚〔2026〕1号"), None).unwrap().pages
    };
    let mut repeat = 1;
    while pages(&build(repeat + 1)) <= 2 {
        repeat += 1;
    }
    let doc = build(repeat);
    assert_eq!(pages(&doc), 2);
    let facts_chars = match doc.get("facts") {
        Some(liuhen_docs::FieldValue::Text(t)) => t.chars().count(),
        _ => 0,
    };
    println!("document: 行政处罚决定书, 2 pages, 违法事实 {facts_chars} characters");

    for i in 0..3 {
        renderer.render(&doc, Some(&format!("临市监罚〔2026〕{}号", 900 + i)), None).unwrap();
    }
    let mut warm = Vec::with_capacity(RUNS);
    let mut size = 0;
    for i in 0..RUNS {
        let number = format!("临市监罚〔2026〕{}号", 10 + i);
        let t = Instant::now();
        let pdf = renderer.render(&doc, Some(&number), None).unwrap();
        warm.push(t.elapsed());
        size = pdf.bytes.len();
    }
    let mut cold = Vec::with_capacity(RUNS);
    for i in 0..RUNS {
        let number = format!("临市监罚〔2026〕{}号", 100 + i);
        typst::comemo::evict(0);
        let t = Instant::now();
        renderer.render(&doc, Some(&number), None).unwrap();
        cold.push(t.elapsed());
    }
    println!(
        "PDF size: {size} bytes; {RUNS} runs each after 3 warm-up renders; target {} ms",
        TARGET.as_millis()
    );
    stats("warm", warm);
    stats("cold", cold);
}
