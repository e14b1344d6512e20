//! The smallest typst `World`: one fixed template, one JSON data file, preloaded fonts, no clock.

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

/// The template, compiled into the binary.
const TEMPLATE: &str = include_str!("document.typ");

/// The virtual files: the template and where the data lives.
pub(crate) struct Files {
    main: Option<FileId>,
    data: Option<FileId>,
    source: Option<Source>,
}

fn file_id(path: &str) -> Option<FileId> {
    VirtualPath::new(path).ok().map(|vpath| RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl Files {
    pub(crate) fn new() -> Self {
        let main = file_id("/main.typ");
        let data = file_id("/data.json");
        let source = main.map(|id| Source::new(id, TEMPLATE.to_owned()));
        Self { main, data, source }
    }
}

pub(crate) struct DocWorld<'a> {
    pub library: &'a LazyHash<Library>,
    pub book: &'a LazyHash<FontBook>,
    pub fonts: &'a [Font],
    pub files: &'a Files,
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
        self.files.main.or(self.files.data).unwrap_or_else(|| FileId::from_raw(std::num::NonZeroU16::MIN))
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        match &self.files.source {
            Some(source) if Some(id) == self.files.main => Ok(source.clone()),
            _ => Err(not_found(id)),
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if Some(id) == self.files.data {
            Ok(self.data.clone())
        } else if Some(id) == self.files.main {
            Ok(Bytes::from_string(TEMPLATE))
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
