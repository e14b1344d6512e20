//! PDF rendering of enforcement documents (执法文书) and table reports (审计报告) with typst and
//! embedded Noto CJK fonts.
//!
//! A [`Renderer`] loads the fonts once (0.1–0.4 s) and then renders [`ValidDocument`]s to A4 PDFs:
//! issuer and title centred, the 文号 line, the body, field tables, signature and seal boxes, the
//! 落款 with a seal placeholder, page numbers, and an optional faint diagonal watermark (for
//! downloaded copies). The fonts are embedded as subsets.
//!
//! Architecture invariants:
//! - User text never reaches the typst parser. The document is turned into a
//!   [`DocumentView`] (plain strings), serialised to JSON, and read by one fixed template through
//!   `json("/data.json")`; the template only places string values. A [`TableReport`] goes the same
//!   way through the second fixed template (`src/report.typ`).
//! - Same input, same bytes: no clock (`World::today` is `None`, `document.date` is `none`), a fixed
//!   creator, and a document identifier derived from the field data's digest.
//! - The only file system access is reading font files in [`Renderer::new`].
//!
//! ```no_run
//! use liuhen_docs::{FormatSet, validate};
//! use liuhen_pdf::Renderer;
//!
//! let renderer = Renderer::with_default_fonts()?;
//! let formats = FormatSet::with_base()?;
//! let format = formats.get("penalty_decision").ok_or("no format")?;
//! let doc = validate(format, &serde_json::json!({ /* … */ })).map_err(|e| format!("{e:?}"))?;
//! let pdf = renderer.render(&doc, Some("临市监罚〔2026〕12号"), None)?;
//! println!("{} pages, SM3 {}", pdf.pages, pdf.digests.sm3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod world;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use liuhen_docs::{Digests, DocumentView, ValidDocument};
use typst::diag::SourceDiagnostic;
use typst::foundations::{Bytes, Smart};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt};
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

use crate::world::{DocWorld, Files, Template};

/// The fonts of the Debian package `fonts-noto-cjk` used by default.
pub const DEFAULT_FONT_FILES: [&str; 4] = [
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
];

/// The font family the template needs.
pub const REQUIRED_FAMILY: &str = "Noto Serif CJK SC";

/// How many compilations an unused memoised result survives (bounds typst's cache in a server).
const CACHE_MAX_AGE: usize = 8;

/// What can go wrong while loading fonts or rendering.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("字体文件不存在：{path}（请安装 Debian 软件包 fonts-noto-cjk）")]
    FontMissing { path: PathBuf },
    #[error("无法读取字体 {path}：{message}")]
    FontRead { path: PathBuf, message: String },
    #[error("{path} 中没有可用的字体")]
    NoFontsIn { path: PathBuf },
    #[error("已载入的字体中没有 {family}（请安装 Debian 软件包 fonts-noto-cjk）")]
    FamilyMissing { family: &'static str },
    #[error("排版失败：{0}")]
    Layout(String),
    #[error("生成 PDF 失败：{0}")]
    Pdf(String),
    #[error("文书数据无法序列化：{0}")]
    Data(String),
}

/// A rendered PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedPdf {
    pub bytes: Vec<u8>,
    pub pages: usize,
    /// SHA-256 and SM3 of `bytes`, for the ledger.
    pub digests: Digests,
}

/// A table report: a title, a block of facts about it, a table, notes. Every
/// value is plain text (a `\n` breaks a line); none is read as markup.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableReport {
    /// 报告名称, centred on the first page and in every page's header.
    pub title: String,
    /// Shown at the right of every page's header (e.g. what the report is about).
    pub header: String,
    /// Shown at the left of every page's footer (e.g. who made it, and when).
    pub footer: String,
    /// Facts about the report, as (label, value) rows above the table.
    pub meta: Vec<(String, String)>,
    pub columns: Vec<ReportColumn>,
    /// One cell per column in every row.
    pub rows: Vec<Vec<String>>,
    /// Shown in place of the table's rows when there are none.
    pub empty: String,
    /// Notes after the table.
    pub notes: Vec<String>,
}

/// A QR code printed on a document, with its caption.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
struct Badge {
    caption: String,
    /// Modules per side.
    width: usize,
    /// Row by row, `1` dark and `0` light.
    modules: String,
}

/// One badge per officer the document names (each once), for their 执法证 page.
fn certificate_badges(doc: &ValidDocument, base: &str) -> Result<Vec<Badge>, RenderError> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for value in doc.values().values() {
        let liuhen_docs::FieldValue::Officers(officers) = value else { continue };
        for o in officers {
            if seen.contains(&o.cert_no.as_str()) {
                continue;
            }
            seen.push(&o.cert_no);
            let url = format!("{base}/public/certificates/{}", percent_path(&o.cert_no));
            let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
                .map_err(|e| RenderError::Data(format!("QR code of {url}: {e}")))?;
            let modules =
                code.to_colors().iter().map(|c| if *c == qrcode::Color::Dark { '1' } else { '0' }).collect();
            out.push(Badge {
                caption: format!("{} 执法证 {}", o.name, o.cert_no),
                width: code.width(),
                modules,
            });
        }
    }
    Ok(out)
}

/// A path segment with everything but unreserved characters percent-encoded.
fn percent_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A column of a [`TableReport`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportColumn {
    pub header: String,
    /// Relative width (a share of the page's width among the columns).
    pub width: f64,
}

/// Loads fonts once and renders documents; cheap to share between threads.
pub struct Renderer {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    files: Files,
    font_load_time: Duration,
    /// Where the public reaches an officer's 执法证 page: `{base}/public/certificates/{执法证号}`.
    certificate_base: Option<String>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").field("fonts", &self.fonts.len()).finish_non_exhaustive()
    }
}

impl Renderer {
    /// Loads the default Noto CJK fonts (Debian `fonts-noto-cjk`).
    pub fn with_default_fonts() -> Result<Self, RenderError> {
        let paths: Vec<PathBuf> = DEFAULT_FONT_FILES.iter().map(PathBuf::from).collect();
        Self::new(&paths)
    }

    /// Loads every font in the given files (`.ttf`, `.otf`, `.ttc`) and directories (not recursive).
    pub fn new(paths: &[PathBuf]) -> Result<Self, RenderError> {
        let started = Instant::now();
        let mut fonts = Vec::new();
        for path in paths {
            if path.is_dir() {
                let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                    .map_err(|e| RenderError::FontRead { path: path.clone(), message: e.to_string() })?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| is_font_file(p))
                    .collect();
                entries.sort();
                let before = fonts.len();
                for file in entries {
                    load_font_file(&file, &mut fonts)?;
                }
                if fonts.len() == before {
                    return Err(RenderError::NoFontsIn { path: path.clone() });
                }
            } else {
                load_font_file(path, &mut fonts)?;
            }
        }
        let book = FontBook::from_fonts(&fonts);
        if book.select_family(&REQUIRED_FAMILY.to_lowercase()).next().is_none() {
            return Err(RenderError::FamilyMissing { family: REQUIRED_FAMILY });
        }
        Ok(Self {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(book),
            fonts,
            files: Files::new(),
            font_load_time: started.elapsed(),
            certificate_base: None,
        })
    }

    /// Prints, under every document naming officers (执法人员), one QR code per officer leading to
    /// their public 执法证 page at `{base}/public/certificates/{执法证号}` (事中公示).
    #[must_use]
    pub fn with_certificate_pages(mut self, base: &str) -> Self {
        self.certificate_base = Some(base.trim_end_matches('/').to_owned());
        self
    }

    /// How long loading the fonts took.
    pub fn font_load_time(&self) -> Duration {
        self.font_load_time
    }

    /// Number of font faces loaded.
    pub fn font_count(&self) -> usize {
        self.fonts.len()
    }

    /// Renders a validated document. `number` is its 文号 (formats without one ignore it; a numbered
    /// format without it shows a pending marker); `watermark` is drawn faint and diagonal on every page.
    pub fn render(
        &self,
        doc: &ValidDocument,
        number: Option<&str>,
        watermark: Option<&str>,
    ) -> Result<RenderedPdf, RenderError> {
        let view = DocumentView::new(doc, number);
        let ident = format!("liuhen:{}:{}", doc.format().code, doc.canonical().digests.sha256);
        let badges = match &self.certificate_base {
            Some(base) => certificate_badges(doc, base)?,
            None => Vec::new(),
        };
        self.compile_document(&view, watermark, &ident, &badges)
    }

    /// Renders a prepared view. `ident` identifies the document stably (it seeds the PDF's
    /// document identifier).
    pub fn render_view(
        &self,
        view: &DocumentView,
        watermark: Option<&str>,
        ident: &str,
    ) -> Result<RenderedPdf, RenderError> {
        self.compile_document(view, watermark, ident, &[])
    }

    fn compile_document(
        &self,
        view: &DocumentView,
        watermark: Option<&str>,
        ident: &str,
        badges: &[Badge],
    ) -> Result<RenderedPdf, RenderError> {
        let data = serde_json::json!({
            "view": view,
            "watermark": watermark.filter(|w| !w.trim().is_empty()),
            "badges": badges,
        });
        self.compile(Template::Document, &data, ident)
    }

    /// Renders a table report (landscape A4, the column headers repeated on
    /// every page) with the second fixed template. Its identifier derives
    /// from the report's content, so the same report gives the same bytes.
    pub fn render_report(&self, report: &TableReport) -> Result<RenderedPdf, RenderError> {
        if report.columns.is_empty() {
            return Err(RenderError::Data("a report has at least one column".to_owned()));
        }
        if let Some((i, row)) = report.rows.iter().enumerate().find(|(_, r)| r.len() != report.columns.len())
        {
            return Err(RenderError::Data(format!(
                "row {i} has {} cells for {} columns",
                row.len(),
                report.columns.len()
            )));
        }
        if let Some(c) = report.columns.iter().find(|c| !(c.width.is_finite() && c.width > 0.0)) {
            return Err(RenderError::Data(format!("column {:?} needs a positive width", c.header)));
        }
        let data = serde_json::json!({ "report": report });
        let bytes = serde_json::to_vec(&data).map_err(|e| RenderError::Data(e.to_string()))?;
        let ident = format!("liuhen:report:{}", Digests::of(&bytes).sha256);
        self.compile(Template::Report, &data, &ident)
    }

    fn compile(
        &self,
        template: Template,
        data: &serde_json::Value,
        ident: &str,
    ) -> Result<RenderedPdf, RenderError> {
        let data = serde_json::to_vec(data).map_err(|e| RenderError::Data(e.to_string()))?;
        let world = DocWorld {
            library: &self.library,
            book: &self.book,
            fonts: &self.fonts,
            files: &self.files,
            template,
            data: Bytes::new(data),
        };
        let compiled = typst::compile::<PagedDocument>(&world).output;
        let result =
            compiled.map_err(|errors| RenderError::Layout(diagnostics(&errors))).and_then(|document| {
                let options = PdfOptions {
                    ident: Smart::Custom(ident.to_owned()),
                    creator: Smart::Custom(Some("liuhen".to_owned())),
                    timestamp: None,
                    ..PdfOptions::default()
                };
                let bytes =
                    typst_pdf::pdf(&document, &options).map_err(|e| RenderError::Pdf(diagnostics(&e)))?;
                Ok(RenderedPdf { digests: Digests::of(&bytes), pages: document.pages().len(), bytes })
            });
        typst::comemo::evict(CACHE_MAX_AGE);
        result
    }
}

fn is_font_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc" | "otc"))
}

fn load_font_file(path: &Path, fonts: &mut Vec<Font>) -> Result<(), RenderError> {
    if !path.exists() {
        return Err(RenderError::FontMissing { path: path.to_owned() });
    }
    let data = std::fs::read(path)
        .map_err(|e| RenderError::FontRead { path: path.to_owned(), message: e.to_string() })?;
    let before = fonts.len();
    fonts.extend(Font::iter(Bytes::new(data)));
    if fonts.len() == before {
        return Err(RenderError::NoFontsIn { path: path.to_owned() });
    }
    Ok(())
}

fn diagnostics(errors: &[SourceDiagnostic]) -> String {
    errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")
}
