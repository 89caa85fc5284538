//! The engine: one method per verb, the single place that combines the store and the domain
//! rules. Every front end (CLI, MCP, HTTP) calls these methods, so a verb behaves the same
//! everywhere; the front end only names itself as the [`Source`] recorded in the audit trail.
//!
//! Files: `drafts.rs` (create, update, delete, read, list), `transitions.rs` (finalize, pay,
//! void, uncollectible, credit notes), `render.rs` (PDFs and their archive), this file
//! (opening, seller, customers, series).

mod clock;
mod dashboard;
mod drafts;
mod einvoice;
mod import;
mod links;
mod maintenance;
mod oauth;
mod render;
mod transitions;
mod web;

pub use crate::domain::audit::Source;
pub use crate::store::{ChainBreak, ChainReport};
pub use clock::Clock;
pub use import::{ImportReport, Imported};
pub use maintenance::{
    BackupReport, CheckReport, DocumentProblem, Integrity, SeriesCheck, TriggerCheck,
};
pub use oauth::{GrantError, TokenPair};
pub use transitions::{ArchiveState, ArchiveStatus, Finalized};
pub use web::{
    LOGIN_LINK_MINUTES, MAX_ACCESS_EVENTS, MAX_WEB_SESSIONS, WEB_SESSION_DAYS,
    WEB_SESSION_IDLE_HOURS, WebSession,
};

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::dates;
use crate::domain::document::DocumentKind;
use crate::domain::document::NewInvoice;
use crate::domain::numbering::{NewSeries, Series};
use crate::domain::party::{Customer, Language, NewCustomer, SellerProfile};
use crate::domain::template::example_invoice;
use crate::error::{Error, Result};
use crate::render::Renderer;
use crate::store::{Store, Tx};

/// Default series of invoices.
pub const INVOICE_SERIES: &str = "invoices";
/// Default series of credit notes.
pub const CREDIT_NOTE_SERIES: &str = "credit-notes";

/// The kind a create payload makes and the series it defaults to.
fn kind_and_series(input: &NewInvoice) -> (DocumentKind, &'static str) {
    match DocumentKind::of_type_code(input.type_code) {
        DocumentKind::Invoice => (DocumentKind::Invoice, INVOICE_SERIES),
        DocumentKind::CreditNote => (DocumentKind::CreditNote, CREDIT_NOTE_SERIES),
    }
}

/// A document named by id (digits) or by number (anything else, or `number:` and any number,
/// for numbers of digits only such as imported `10042`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentKey {
    /// The document id.
    Id(i64),
    /// The document number, e.g. `2026-0001`.
    Number(String),
}

impl DocumentKey {
    /// Digits are an id, `number:N` the number N, anything else a number.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::validation("id", "give a document id or number"));
        }
        if let Some(number) = text.strip_prefix("number:") {
            let number = number.trim();
            if number.is_empty() {
                return Err(Error::validation("id", "give the number after `number:`"));
            }
            return Ok(DocumentKey::Number(number.to_string()));
        }
        match text.parse::<i64>() {
            Ok(id) if id > 0 => Ok(DocumentKey::Id(id)),
            _ => Ok(DocumentKey::Number(text.to_string())),
        }
    }
}

/// What the next number of a series would be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct NumberPreview {
    /// The series.
    pub series: String,
    /// The number the next finalization would get.
    pub number: String,
    /// Its counter.
    pub counter: u64,
    /// The issue date assumed.
    pub issue_date: NaiveDate,
}

/// The invoice engine over one database.
#[derive(Clone)]
pub struct Engine {
    store: Store,
    clock: Clock,
    source: Source,
    renderer: Option<Arc<Renderer>>,
    archive_pdfs: bool,
    einvoice_at_finalize: Option<crate::einvoice::Target>,
    /// How long signed download links work (see `links.rs`).
    link_ttl_hours: u32,
}

impl Engine {
    /// Open (creating and migrating if needed) the database at `path`. PDFs use the embedded
    /// templates and are archived at finalization; the clock is the system's.
    pub fn open(path: &Path) -> Result<Engine> {
        Self::open_with_clock(path, Clock::system())
    }

    /// [`Engine::open`] with `clock` as the source of "now" (tests, reproducible runs).
    pub fn open_with_clock(path: &Path, clock: Clock) -> Result<Engine> {
        Ok(Self::over(Store::open(path, clock.now())?, clock))
    }

    /// Open the database at `path` read-only: SQLite opens the file read-only (it may sit on a
    /// read-only mount), nothing is migrated or archived, and every verb that writes is refused
    /// with `READ_ONLY`. A file with an older or newer schema is refused, saying what to do.
    pub fn open_read_only(path: &Path, clock: Clock) -> Result<Engine> {
        let mut engine = Self::over(Store::open_read_only(path)?, clock);
        engine.archive_pdfs = false;
        Ok(engine)
    }

    fn over(store: Store, clock: Clock) -> Engine {
        Engine {
            store,
            clock,
            source: Source::Api,
            renderer: None,
            archive_pdfs: true,
            einvoice_at_finalize: None,
            link_ttl_hours: crate::domain::links::DEFAULT_TTL_HOURS,
        }
    }

    /// The same engine, reading the time from `clock`.
    pub fn with_clock(&self, clock: Clock) -> Engine {
        Engine {
            clock,
            ..self.clone()
        }
    }

    /// Whether every verb that writes is refused.
    pub fn is_read_only(&self) -> bool {
        self.store.is_read_only()
    }

    /// Run `f` in one write transaction at the clock's current instant.
    fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.store.write(self.clock.now(), f)
    }

    /// Run `f` in one read transaction at the clock's current instant.
    fn read<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.store.read(self.clock.now(), f)
    }

    /// The engine's clock (the HTTP layer judges token expiry by it).
    pub fn clock(&self) -> Clock {
        self.clock.clone()
    }

    /// The same engine, recording `source` in the events it writes.
    pub fn with_source(&self, source: Source) -> Engine {
        Engine {
            source,
            ..self.clone()
        }
    }

    /// The same engine, rendering with `renderer` (e.g. one over the user's template directory).
    pub fn with_renderer(&self, renderer: Arc<Renderer>) -> Engine {
        Engine {
            renderer: Some(renderer),
            ..self.clone()
        }
    }

    /// The same engine, archiving (default) or not archiving a PDF at finalization. Without
    /// the archive, finalization is only the numbering transaction (for bulk imports); PDFs are
    /// then archived on their first render.
    pub fn with_pdf_archive(&self, archive: bool) -> Engine {
        Engine {
            archive_pdfs: archive,
            ..self.clone()
        }
    }

    /// The same engine, also making and archiving the e-invoice in `target` at every
    /// finalization; a draft that lacks what the format needs is then refused before it gets a
    /// number.
    pub fn with_einvoice_at_finalize(&self, target: Option<crate::einvoice::Target>) -> Engine {
        Engine {
            einvoice_at_finalize: target,
            ..self.clone()
        }
    }

    /// The same engine, refusing every verb that writes with `READ_ONLY`; reads and renders
    /// work (a finalized document without an archived PDF is rendered but not archived).
    pub fn read_only(&self) -> Engine {
        Engine {
            store: self.store.read_only(),
            archive_pdfs: false,
            ..self.clone()
        }
    }

    /// The renderer PDFs are made with.
    pub fn renderer(&self) -> Arc<Renderer> {
        self.renderer.clone().unwrap_or_else(Renderer::embedded)
    }

    /// The database file.
    pub fn database_path(&self) -> &Path {
        self.store.path()
    }

    /// Today in the seller's time zone (UTC before a seller profile is set).
    pub fn today(&self) -> Result<NaiveDate> {
        self.read(|tx| tx.today())
    }

    /// The id of a document named by id or number (an id is returned as it is; whether it
    /// exists is for the verb to find out).
    pub fn document_id(&self, key: &DocumentKey) -> Result<i64> {
        match key {
            DocumentKey::Id(id) => Ok(*id),
            key => self.read(|tx| resolve(tx, key)),
        }
    }

    /// Whether SQLite has reported a damaged database file to this process since it started.
    pub fn damaged_file_seen(&self) -> bool {
        crate::store::corruption_seen()
    }

    /// Whether the database answers: its schema version, or the error.
    pub fn check_database(&self) -> Result<i32> {
        self.read(|tx| tx.schema_version())
    }

    /// The seller profile, if set.
    pub fn get_seller_profile(&self) -> Result<Option<SellerProfile>> {
        self.read(|tx| tx.seller_profile())
    }

    /// Set the seller profile used as the default seller of new drafts.
    pub fn set_seller_profile(&self, profile: SellerProfile) -> Result<SellerProfile> {
        let profile = profile.validate()?;
        self.write(|tx| tx.set_seller_profile(&profile))?;
        Ok(profile)
    }

    /// Add a customer, or replace the one with the given id.
    pub fn upsert_customer(&self, customer: NewCustomer) -> Result<Customer> {
        self.write(|tx| {
            let id = match customer.id {
                Some(id) => {
                    tx.update_customer(id, &customer.party)?;
                    id
                }
                None => tx.insert_customer(&customer.party)?,
            };
            tx.customer(id)
        })
    }

    /// Customers by name, optionally only those whose name contains `query`.
    pub fn list_customers(&self, query: Option<&str>, limit: Option<u32>) -> Result<Vec<Customer>> {
        let limit = limit.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return Err(Error::validation(
                "limit",
                format!("must be 1 to 1000, got {limit}"),
            ));
        }
        if let Some(query) = query {
            crate::domain::text::check_query("query", query)?;
        }
        self.read(|tx| tx.customers(query, limit))
    }

    /// An example draft in `language` that `create_invoice_draft` accepts as it is.
    pub fn get_invoice_template(&self, language: Language) -> NewInvoice {
        example_invoice(language)
    }

    /// Every number series.
    pub fn list_series(&self) -> Result<Vec<Series>> {
        self.read(|tx| tx.all_series())
    }

    /// Create a series or change its format and reset policy.
    pub fn set_series(&self, series: NewSeries) -> Result<Series> {
        let series = series.validate()?;
        self.write(|tx| {
            if let Ok(existing) = tx.series(&series.name)
                && existing.kind != series.kind
            {
                return Err(Error::validation(
                    "kind",
                    format!(
                        "series '{}' numbers {}s; its kind cannot change",
                        existing.name,
                        existing.kind.as_str()
                    ),
                ));
            }
            tx.upsert_series(&series.name, series.kind, &series.format, series.reset)?;
            tx.series(&series.name)
        })
    }

    /// The number the next finalization in `series` (default: invoices) on `issue_date`
    /// (default: today) would get. Consumes nothing.
    pub fn preview_next_number(
        &self,
        series: Option<&str>,
        issue_date: Option<NaiveDate>,
    ) -> Result<NumberPreview> {
        let name = series.unwrap_or(INVOICE_SERIES);
        let issue_date = dates::check_optional("issue_date", issue_date)?;
        self.read(|tx| {
            let issue_date = match issue_date {
                Some(date) => date,
                None => tx.today()?,
            };
            let series = tx.series(name)?;
            let (number, counter) = tx.preview_number(&series, issue_date)?;
            Ok(NumberPreview {
                series: series.name,
                number,
                counter,
                issue_date,
            })
        })
    }
}

/// Look up a series and check it numbers documents of `kind`.
fn series_for(tx: &Tx<'_>, name: &str, kind: DocumentKind) -> Result<Series> {
    let series = tx.series(name)?;
    if series.external {
        return Err(Error::validation(
            "series",
            format!(
                "series '{name}' holds imported documents that keep their own numbers; a draft goes in a series that numbers (see `invoicer series list`)"
            ),
        ));
    }
    if series.kind != kind {
        return Err(Error::validation(
            "series",
            format!(
                "series '{name}' numbers {}s, not {}s",
                series.kind.as_str(),
                kind.as_str()
            ),
        ));
    }
    Ok(series)
}

/// Resolve a document key to an id inside a transaction.
fn resolve(tx: &Tx<'_>, key: &DocumentKey) -> Result<i64> {
    match key {
        DocumentKey::Id(id) => Ok(*id),
        DocumentKey::Number(number) => tx
            .document_id_by_number(number)?
            .ok_or_else(|| Error::not_found(format!("no document with number '{number}'"))),
    }
}
