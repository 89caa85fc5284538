//! The Typst `World` of one render: the renderer's fonts, library and templates, plus the two
//! files that belong to this document only (`/invoice.json` and the EPC QR image). No system
//! fonts, no packages, no network, and a fixed "today" so output never depends on the clock.

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

use super::Renderer;
use super::templates::MAIN_TEMPLATE;
use super::view::{DATA_PATH, QR_PATH};

/// One document's view of the renderer.
pub struct InvoiceWorld<'a> {
    pub renderer: &'a Renderer,
    pub main: FileId,
    pub data: Bytes,
    pub qr: Option<Bytes>,
    pub today: Datetime,
}

impl<'a> InvoiceWorld<'a> {
    /// A world rendering `data` (and `qr`) with `renderer`'s main template.
    pub fn new(renderer: &'a Renderer, data: Bytes, qr: Option<Bytes>, today: Datetime) -> Self {
        InvoiceWorld {
            renderer,
            main: renderer.main_id,
            data,
            qr,
            today,
        }
    }

    fn own_file(&self, id: FileId) -> Option<FileResult<Bytes>> {
        if !matches!(id.root(), VirtualRoot::Project) {
            return None;
        }
        match id.vpath().get_with_slash() {
            DATA_PATH => Some(Ok(self.data.clone())),
            QR_PATH => Some(
                self.qr
                    .clone()
                    .ok_or_else(|| FileError::NotFound(QR_PATH.into())),
            ),
            _ => None,
        }
    }
}

impl World for InvoiceWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.renderer.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.renderer.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.renderer.source(id)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        match self.own_file(id) {
            Some(result) => result,
            None => self.renderer.file(id),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.renderer.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// The main template's id.
pub fn main_id() -> FileId {
    let vpath =
        VirtualPath::new(MAIN_TEMPLATE).expect("the main template path is a valid constant");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}
