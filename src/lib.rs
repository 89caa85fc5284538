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
//! - [`store`] owns every line of SQL; each mutation is one `BEGIN IMMEDIATE` transaction and
//!   SQLite triggers freeze finalized documents.
//! - [`render`] compiles a document to PDF in process with Typst; it never touches the store.
//! - [`engine::Engine`] is the single place that combines both; every front end calls it.
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
pub mod store;

pub use engine::{DocumentKey, Engine, Source};
pub use error::{Error, ErrorCode, Result};

/// The allocator of everything built on this crate (the binary, its tests and benches), with
/// the default feature `mimalloc`: rendering allocates and frees many small objects, which
/// mimalloc serves faster than glibc's malloc.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
