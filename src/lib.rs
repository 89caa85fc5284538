//! invoicer: an embedded invoice engine.
//!
//! Data flows one way:
//!
//! ```text
//! front ends          engine                       parts
//!  cli/        ──►   Engine (engine/)   ──┬─ store/   SQLite: pool, migrations, SQL, numbering
//!                    one method per verb  ├─ domain/  pure types and rules: money, totals,
//!                                         │           VAT, lifecycle, number formats
//!                                         └─ render/  Typst world, embedded fonts and
//!                                                     templates -> deterministic PDF
//! ```
//!
//! - [`domain`] does no I/O: money ([`domain::money`]), EN 16931 totals ([`domain::totals`]),
//!   the status machine ([`domain::lifecycle`]), number formats ([`domain::numbering`]) and
//!   input validation ([`domain::document`]).
//! - `store` (crate-private, so no embedder can bypass the engine's rules) owns every line of
//!   SQL; each mutation is one `BEGIN IMMEDIATE` transaction, SQLite triggers freeze finalized
//!   documents, and a hash chain written in the same transactions makes tampering evident.
//! - [`render`] compiles a document to PDF in process with Typst; it never touches the store.
//! - [`engine::Engine`] is the single place that combines both; every front end calls it. It
//!   holds the clock: a verb reads it once, and "today" is that instant in the seller's time
//!   zone.
//! - [`cli`] parses arguments, makes one engine call and prints JSON.
//! - [`error::Error`] carries stable codes that each front end maps once.

#![deny(missing_docs)]

pub mod cli;
pub mod domain;
pub mod einvoice;
pub mod engine;
pub mod error;
pub mod http;
pub mod mcp;
pub mod render;
mod store;

pub use engine::{Clock, DocumentKey, Engine, Source};
pub use error::{Error, ErrorCode, Result};
/// The schema version this build writes (its newest migration).
pub use store::SCHEMA_VERSION;
