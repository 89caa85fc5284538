//! The Typst `World` of one render: the renderer's fonts, library and templates, plus the files
//! that belong to this document only (`/invoice.json`, the EPC QR code as pixels and as PNG).
//! No system fonts, no packages, no network, and a fixed "today" so output never depends on the
//! clock.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

use super::Renderer;
use super::epc_qr::{self, Bitmap};
use super::templates::MAIN_TEMPLATE;
use super::view::{DATA_PATH, QR_PATH, QR_PIXELS_PATH};

/// One document's view of the renderer.
pub struct InvoiceWorld<'a> {
    pub renderer: &'a Renderer,
    pub main: FileId,
    pub data: Bytes,
    pub qr: Option<QrFiles>,
    pub today: Datetime,
    /// With attachments, the main file is a wrapper that includes the template and attaches
    /// the files: the wrapper's source, and each attachment's path and bytes.
    pub wrapper: Option<Source>,
    pub attachments: Vec<(String, Bytes)>,
}

impl<'a> InvoiceWorld<'a> {
    /// A world rendering `data` (and the EPC QR code `qr`) with `renderer`'s main template.
    pub fn new(renderer: &'a Renderer, data: Bytes, qr: Option<Bitmap>, today: Datetime) -> Self {
        InvoiceWorld {
            renderer,
            main: renderer.main_id,
            data,
            qr: qr.map(QrFiles::new),
            today,
            wrapper: None,
            attachments: Vec::new(),
        }
    }

    /// Make the main file a wrapper that includes the template and attaches `attachments`,
    /// each under its own name (unique: the Factur-X XML's and the supporting documents',
    /// checked when they were stored).
    pub fn attach(&mut self, attachments: &[super::Attachment]) {
        let mut text = format!("#include {}\n", typst_string(MAIN_TEMPLATE));
        for (i, attachment) in attachments.iter().enumerate() {
            // The bytes live under a path of the engine's own, so no file name can shadow a
            // template's file; the name given is only the attachment's name in the PDF.
            let path = format!("{ATTACHED}{i}");
            text.push_str(&format!(
                "#pdf.attach({name}, read({path}, encoding: none), relationship: \
                 {relationship}, mime-type: {mime}, description: {description})\n",
                name = typst_string(&attachment.name),
                path = typst_string(&path),
                relationship = typst_string(attachment.relationship),
                mime = typst_string(&attachment.mime_type),
                description = typst_string(&attachment.description),
            ));
            self.attachments
                .push((path, Bytes::new(attachment.bytes.clone())));
        }
        let wrapper = main_id_of(WRAPPER);
        self.main = wrapper;
        self.wrapper = Some(Source::new(wrapper, text));
    }

    fn own_file(&self, id: FileId) -> Option<FileResult<Bytes>> {
        if !matches!(id.root(), VirtualRoot::Project) {
            return None;
        }
        let path = id.vpath().get_with_slash();
        if let Some((_, bytes)) = self.attachments.iter().find(|(p, _)| p == path) {
            return Some(Ok(bytes.clone()));
        }
        match path {
            DATA_PATH => Some(Ok(self.data.clone())),
            QR_PIXELS_PATH => Some(match &self.qr {
                Some(qr) => Ok(qr.pixels.clone()),
                None => Err(FileError::NotFound(QR_PIXELS_PATH.into())),
            }),
            QR_PATH => Some(match &self.qr {
                Some(qr) => qr.png(),
                None => Err(FileError::NotFound(QR_PATH.into())),
            }),
            _ => None,
        }
    }
}

/// The EPC QR code as the files a template can read: raw grey pixels, and a PNG made only when
/// a template reads it (the embedded one takes the pixels).
pub struct QrFiles {
    side: u32,
    pixels: Bytes,
    png: OnceLock<FileResult<Bytes>>,
}

impl QrFiles {
    fn new(bitmap: Bitmap) -> Self {
        QrFiles {
            side: bitmap.side,
            pixels: Bytes::new(bitmap.luma),
            png: OnceLock::new(),
        }
    }

    fn png(&self) -> FileResult<Bytes> {
        self.png
            .get_or_init(|| {
                epc_qr::png(self.side, &self.pixels)
                    .map(Bytes::new)
                    .ok_or_else(|| {
                        FileError::Other(Some("cannot encode the EPC QR code as PNG".into()))
                    })
            })
            .clone()
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
        match &self.wrapper {
            Some(wrapper) if wrapper.id() == id => Ok(wrapper.clone()),
            _ => self.renderer.source(id),
        }
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

/// Path of the wrapper that attaches a file; not a path a template can have.
const WRAPPER: &str = "/.invoicer-attach.typ";
/// Where the wrapper reads the attached files' bytes from (`/.invoicer-attached/0`, …).
const ATTACHED: &str = "/.invoicer-attached/";

/// The main template's id.
pub fn main_id() -> FileId {
    main_id_of(MAIN_TEMPLATE)
}

fn main_id_of(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("the template paths are valid constants");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// `text` as a Typst string literal.
fn typst_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
