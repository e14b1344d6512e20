#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
//! Writes a sample PDF of every base format to the directory given as the first argument.

use liuhen_docs::{FormatSet, samples, validate};
use liuhen_pdf::Renderer;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".to_owned());
    let watermark = std::env::args().nth(2);
    let renderer = Renderer::with_default_fonts().unwrap();
    let formats = FormatSet::with_base().unwrap();
    for f in formats.formats() {
        let doc = validate(f, &samples::values(&f.code).unwrap()).unwrap();
        let number = f.render_number("临市监", 2026, 12);
        let pdf = renderer.render(&doc, number.as_deref(), watermark.as_deref()).unwrap();
        let path = format!("{dir}/{}.pdf", f.code);
        std::fs::write(&path, &pdf.bytes).unwrap();
        println!("{path}: {} pages, {} bytes, sm3 {}", pdf.pages, pdf.bytes.len(), pdf.digests.sm3);
    }
}
