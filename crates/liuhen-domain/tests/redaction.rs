//! The redaction corpus: decision texts written for these tests (`tests/redaction/make_corpus.py`
//! writes `corpus.json`), each with every identifier planted in it. Every planted identifier must
//! be gone from the redacted text (recall 100 %); the organisation data each text names must stay;
//! what else was masked (false positives) is counted and printed, and bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use liuhen_domain::redaction::{Known, redact};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    kind: String,
    text: String,
    persons: Vec<String>,
    planted: Vec<Planted>,
    kept: Vec<String>,
}

#[derive(Deserialize)]
struct Planted {
    kind: String,
    value: String,
}

#[test]
fn every_planted_identifier_is_masked_and_organisations_stay() {
    let corpus: Vec<Case> = serde_json::from_str(include_str!("redaction/corpus.json")).unwrap();
    assert!(corpus.len() >= 50, "{} texts", corpus.len());
    let (mut planted, mut missed, mut false_positives) = (0, Vec::new(), Vec::new());
    let mut kinds = std::collections::BTreeSet::new();
    for (i, c) in corpus.iter().enumerate() {
        let known = Known { persons: c.persons.clone(), secrets: vec![] };
        let (out, found) = redact(&c.text, &known);
        for p in &c.planted {
            planted += 1;
            kinds.insert(p.kind.clone());
            if out.contains(&p.value) {
                missed.push(format!("text {i} ({}): {} {} left in:\n{out}", c.kind, p.kind, p.value));
            }
        }
        for k in &c.kept {
            assert!(out.contains(k.as_str()), "text {i}: {k} must stay:\n{out}");
        }
        for f in &found {
            let planted_here =
                c.planted.iter().any(|p| p.value.contains(&f.original) || f.original.contains(&p.value));
            if !planted_here {
                false_positives.push(format!("text {i}: {} {:?}", f.kind.code(), f.original));
            }
        }
    }
    println!(
        "{} texts, {planted} planted identifiers of {} kinds, {} missed, {} false positives",
        corpus.len(),
        kinds.len(),
        missed.len(),
        false_positives.len()
    );
    for f in &false_positives {
        println!("  false positive: {f}");
    }
    assert!(missed.is_empty(), "{} of {planted} missed:\n{}", missed.len(), missed.join("\n\n"));
    assert!(kinds.len() >= 7, "{kinds:?}");
    assert!(false_positives.len() * 20 <= planted, "too many false positives: {}", false_positives.len());
}

/// One redacted text, printed for a reader to judge (`--nocapture`).
#[test]
fn a_redacted_decision_reads_as_published() {
    let corpus: Vec<Case> = serde_json::from_str(include_str!("redaction/corpus.json")).unwrap();
    for c in corpus.iter().take(2) {
        let (out, found) = redact(&c.text, &Known { persons: c.persons.clone(), secrets: vec![] });
        println!("{out}\n({} spans masked)\n", found.len());
        assert!(out.contains("某"), "{out}");
    }
}
