//! PDF rendering with Typst, in process: fonts and templates are compiled into the binary (or
//! templates come from a directory the user names), the document reaches the template as data
//! (`/invoice.json`, see [`view`]), and the same document always gives the same bytes.
//!
//! A [`Renderer`] is built once (fonts parsed, standard library built) and shared: `render`
//! takes `&self` and runs on one of the render threads, one per core (`threads.rs`), so
//! parallel renders use all cores and each render one. Nothing here touches the database; the
//! engine decides what to render and archives the result.
//!
//! Files: `world.rs` (the Typst `World`), `templates.rs` (embedded or user directory),
//! `view.rs` (the template's data), `format.rs` (numbers and dates per language), `epc_qr.rs`
//! (the GiroCode) and `qr_penalty.rs` (its mask choice), `diagnostics.rs` (Typst errors with
//! file, line and column), `threads.rs` (where renders run).

mod details;
mod diagnostics;
pub mod epc_qr;
pub mod format;
mod qr_penalty;
mod templates;
mod threads;
pub mod view;
mod world;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Datelike, Timelike, Utc};
use typst::diag::{FileError, FileResult, Warned};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{FileId, Source, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

pub use templates::{MAIN_TEMPLATE, Templates};
pub use threads::{DEFAULT_MEMORY_BUDGET_MB, set_memory_budget};

/// Most pages one PDF may have. The longest document the engine takes (1,000 lines, 200,000
/// characters of text) has about 90 pages with the embedded template; a user template that
/// makes more is refused, naming this limit.
pub const MAX_PAGES: usize = 100;

/// What a render of `document` holds in memory at its peak, in MB, from measurements of the
/// embedded template: about 8 MB, 0.15 MB per line and 0.85 MB per 1,000 characters of text
/// (a one-page invoice about 10 MB, the longest document the engine takes about 330 MB).
pub fn memory_estimate_mb(document: &Document) -> u64 {
    let content = &document.content;
    let characters: usize = content
        .lines
        .iter()
        .map(|line| line.description.len())
        .chain(content.notes.iter().map(|n| n.text.len()))
        .chain(content.payment_terms.iter().map(String::len))
        .sum();
    let lines = u64::try_from(content.lines.len()).unwrap_or(u64::MAX);
    let characters = u64::try_from(characters).unwrap_or(u64::MAX);
    8 + lines.saturating_mul(15) / 100 + characters.saturating_mul(85) / 100_000
}

use crate::domain::digest::sha256_hex;
use crate::domain::document::Document;
use crate::domain::party::SellerProfile;
use crate::error::{Error, Result};
use world::InvoiceWorld;

/// The fonts compiled into the binary (licences beside them in `fonts/`).
const FONTS: &[&[u8]] = &[
    include_bytes!("../../fonts/Inter-Regular.ttf"),
    include_bytes!("../../fonts/Inter-Bold.ttf"),
    include_bytes!("../../fonts/Inter-Italic.ttf"),
    include_bytes!("../../fonts/DejaVuSansMono.ttf"),
];

/// Renders between two evictions of Typst's memoization caches. Invoices of one seller share
/// much of their layout (letterhead, footer, table header, recurring rows), which Typst reuses
/// from these caches; evicting every 16 renders keeps what recurs and holds resident memory
/// near 80 MB (every 8: 55 MB and about 5 % more work per render; every 32: 130 MB).
const RENDERS_PER_EVICTION: u64 = 16;
/// Entries not used since the previous eviction go; entries of renders still running on other
/// threads are younger and stay.
const EVICTION_MAX_AGE: usize = 1;

/// A rendered PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedPdf {
    /// The PDF file.
    pub pdf: Vec<u8>,
    /// SHA-256 of `pdf`, lower-case hex.
    pub sha256: String,
    /// Number of pages.
    pub pages: usize,
    /// Typst warnings (a missing glyph, an unknown font), each with its template position.
    pub warnings: Vec<String>,
}

/// A file embedded in a PDF/A-3 as the document's alternative (machine-readable) form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// File name inside the PDF, e.g. `factur-x.xml`.
    pub name: String,
    /// MIME type, e.g. `text/xml`.
    pub mime_type: String,
    /// Shown by PDF readers in the attachment list.
    pub description: String,
    /// Its relation to the PDF (PDF/A-3 `AFRelationship`): `alternative` for the Factur-X XML,
    /// `supplement` for supporting documents.
    pub relationship: &'static str,
    /// The content.
    pub bytes: Vec<u8>,
}

/// Fonts, standard library and templates, built once and shared by every render.
pub struct Renderer {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    templates: Templates,
    main_id: FileId,
    sources: Mutex<HashMap<FileId, FileResult<Source>>>,
    files: Mutex<HashMap<FileId, FileResult<Bytes>>>,
    renders: AtomicU64,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("templates", &self.templates)
            .field("fonts", &self.fonts.len())
            .finish()
    }
}

impl Renderer {
    /// A renderer over `templates` with the embedded fonts.
    pub fn new(templates: Templates) -> Renderer {
        let fonts: Vec<Font> = FONTS
            .iter()
            .flat_map(|data| Font::iter(Bytes::new(*data)))
            .collect();
        Renderer {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
            templates,
            main_id: world::main_id(),
            sources: Mutex::new(HashMap::new()),
            files: Mutex::new(HashMap::new()),
            renders: AtomicU64::new(0),
        }
    }

    /// The process-wide renderer of the embedded templates, built on first use.
    pub fn embedded() -> Arc<Renderer> {
        static EMBEDDED: OnceLock<Arc<Renderer>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| Arc::new(Renderer::new(Templates::Embedded)))
            .clone()
    }

    /// Render `document` (with the footer data of `seller`) to PDF.
    ///
    /// Deterministic: the PDF identifier comes from the document's id and number, its date from
    /// the finalization time (or, for a draft, the last change), so the same document always
    /// gives the same bytes.
    pub fn render(
        &self,
        document: &Document,
        seller: Option<&SellerProfile>,
    ) -> Result<RenderedPdf> {
        self.render_with(document, seller, None)
    }

    /// Render `document` as PDF/A-3b with `attachments` embedded (the XML of a Factur-X /
    /// ZUGFeRD invoice as its `Alternative` representation, supporting documents beside it).
    /// The template is the same; the attachments are added by a wrapper around it.
    pub fn render_pdf_a3(
        &self,
        document: &Document,
        seller: Option<&SellerProfile>,
        attachments: &[Attachment],
    ) -> Result<RenderedPdf> {
        self.render_with(document, seller, Some(attachments))
    }

    /// Render on a render thread (see [`threads`]); everything a render allocates is allocated
    /// and freed there, the cache eviction included.
    fn render_with(
        &self,
        document: &Document,
        seller: Option<&SellerProfile>,
        attachments: Option<&[Attachment]>,
    ) -> Result<RenderedPdf> {
        threads::RenderThreads::global().run(memory_estimate_mb(document), || {
            let rendered = self.render_here(document, seller, attachments);
            self.after_render();
            rendered
        })
    }

    fn render_here(
        &self,
        document: &Document,
        seller: Option<&SellerProfile>,
        attachments: Option<&[Attachment]>,
    ) -> Result<RenderedPdf> {
        let qr = view::wants_qr(document)
            .then(|| qr_image(document))
            .flatten();
        let qr_side = qr.as_ref().map(|bitmap| bitmap.side);
        let data = serde_json::to_vec(&view::build(document, seller, qr_side))
            .map_err(|e| Error::internal(format!("cannot serialize the template data: {e}")))?;
        let stamp = document.finalized_at.unwrap_or(document.updated_at);
        let today = typst_datetime(stamp)
            .ok_or_else(|| Error::internal(format!("date {stamp} is out of Typst's range")))?;
        let mut world = InvoiceWorld::new(self, Bytes::new(data), qr, today);
        let mut options = PdfOptions {
            ident: Smart::Custom(identifier(document)),
            timestamp: Some(Timestamp::new_utc(today)),
            ..PdfOptions::default()
        };
        if let Some(attachments) = attachments {
            world.attach(attachments);
            options.standards = PdfStandards::new(&[PdfStandard::A_3b])
                .map_err(|e| Error::internal(format!("PDF/A-3b: {}", e.message())))?;
        }
        compile_and_export(&world, &options)
    }

    /// Parsed template sources, cached for the renderer's life.
    fn source(&self, id: FileId) -> FileResult<Source> {
        let mut sources = self.sources.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(source) = sources.get(&id) {
            return source.clone();
        }
        let source = self.file(id).and_then(|bytes| {
            let text = bytes.as_str().map_err(|_| FileError::InvalidUtf8)?;
            Ok(Source::new(id, text.to_string()))
        });
        sources.insert(id, source.clone());
        source
    }

    /// Template files (sources, images), cached for the renderer's life.
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let VirtualRoot::Package(spec) = id.root() {
            return Err(FileError::Other(Some(
                format!("package {spec} is not available: invoicer renders offline").into(),
            )));
        }
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bytes) = files.get(&id) {
            return bytes.clone();
        }
        let bytes = self.templates.read(id.vpath());
        files.insert(id, bytes.clone());
        bytes
    }

    /// Keep memory flat over many renders: every few renders, drop memoized results that were
    /// not reused.
    fn after_render(&self) {
        let count = self.renders.fetch_add(1, Ordering::Relaxed) + 1;
        if count.is_multiple_of(RENDERS_PER_EVICTION) {
            comemo::evict(EVICTION_MAX_AGE);
        }
    }
}

/// Compile the world's main template and export the PDF, collecting warnings on the way.
fn compile_and_export(world: &InvoiceWorld<'_>, options: &PdfOptions) -> Result<RenderedPdf> {
    let Warned { output, warnings } = typst::compile::<PagedDocument>(world);
    let mut notes = diagnostics::describe(world, &warnings);
    let compiled = output.map_err(|errors| diagnostics::error(world, &errors))?;
    let pages = compiled.pages().len();
    if pages > MAX_PAGES {
        return Err(Error::render(format!(
            "the document would have {pages} pages; a PDF has at most {MAX_PAGES} (see the limits in the README): shorten the template's output or split the document"
        )));
    }
    notes.extend(diagnostics::missing_glyphs(world, &compiled));
    notes.dedup();
    let pdf =
        typst_pdf::pdf(&compiled, options).map_err(|errors| diagnostics::error(world, &errors))?;
    Ok(RenderedPdf {
        sha256: sha256_hex(&pdf),
        pages,
        pdf,
        warnings: notes,
    })
}

/// A stable identifier of the document, hashed into the PDF's `/ID`.
fn identifier(document: &Document) -> String {
    format!(
        "invoicer/{}/{}/{}",
        document.kind.as_str(),
        document.id,
        document.number.as_deref().unwrap_or("draft")
    )
}

fn typst_datetime(stamp: DateTime<Utc>) -> Option<Datetime> {
    Datetime::from_ymd_hms(
        stamp.year(),
        u8::try_from(stamp.month()).ok()?,
        u8::try_from(stamp.day()).ok()?,
        u8::try_from(stamp.hour()).ok()?,
        u8::try_from(stamp.minute()).ok()?,
        u8::try_from(stamp.second()).ok()?,
    )
}

fn qr_image(document: &Document) -> Option<epc_qr::Bitmap> {
    let content = &document.content;
    let transfer = epc_qr::Transfer {
        name: &content.seller()?.name,
        iban: content.payment().iban.as_deref()?,
        bic: content.payment().bic.as_deref(),
        amount: document.amount_due,
        remittance: content
            .payment()
            .reference
            .as_deref()
            .or(document.number.as_deref())?,
    };
    epc_qr::bitmap(&epc_qr::payload(&transfer)?)
}
