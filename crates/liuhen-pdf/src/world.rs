//! The smallest typst `World`: fixed templates, one JSON data file, preloaded fonts, no clock.

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

/// The template of enforcement documents, compiled into the binary.
const DOCUMENT_TEMPLATE: &str = include_str!("document.typ");
/// The template of table reports, compiled into the binary.
const REPORT_TEMPLATE: &str = include_str!("report.typ");

/// Which fixed template a compilation starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Template {
    Document,
    Report,
}

/// The virtual files: the templates and where the data lives.
pub(crate) struct Files {
    document: Option<(FileId, Source)>,
    report: Option<(FileId, Source)>,
    data: Option<FileId>,
}

fn file_id(path: &str) -> Option<FileId> {
    VirtualPath::new(path).ok().map(|vpath| RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl Files {
    pub(crate) fn new() -> Self {
        let source = |path: &str, text: &str| file_id(path).map(|id| (id, Source::new(id, text.to_owned())));
        Self {
            document: source("/main.typ", DOCUMENT_TEMPLATE),
            report: source("/report.typ", REPORT_TEMPLATE),
            data: file_id("/data.json"),
        }
    }

    fn template(&self, which: Template) -> Option<&(FileId, Source)> {
        match which {
            Template::Document => self.document.as_ref(),
            Template::Report => self.report.as_ref(),
        }
    }
}

pub(crate) struct DocWorld<'a> {
    pub library: &'a LazyHash<Library>,
    pub book: &'a LazyHash<FontBook>,
    pub fonts: &'a [Font],
    pub files: &'a Files,
    pub template: Template,
    pub data: Bytes,
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_without_slash().into())
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.book
    }

    fn main(&self) -> FileId {
        // `Files::new` cannot fail for these constant paths; fall back to the data id to stay total.
        self.files
            .template(self.template)
            .map(|(id, _)| *id)
            .or(self.files.data)
            .unwrap_or_else(|| FileId::from_raw(std::num::NonZeroU16::MIN))
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        match self.files.template(self.template) {
            Some((main, source)) if *main == id => Ok(source.clone()),
            _ => Err(not_found(id)),
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if Some(id) == self.files.data {
            return Ok(self.data.clone());
        }
        match self.files.template(self.template) {
            Some((main, source)) if *main == id => Ok(Bytes::from_string(source.text().to_owned())),
            _ => Err(not_found(id)),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
