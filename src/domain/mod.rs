//! Pure types and rules: money, VAT, totals, parties, documents, lifecycle and numbering.
//!
//! Nothing here does I/O; the store persists these types and the engine combines both.

pub mod attachment;
pub mod audit;
pub mod credit_note;
pub mod dashboard;
pub mod dates;
pub mod digest;
pub mod document;
pub mod lifecycle;
pub mod links;
pub mod listing;
pub mod money;
pub mod numbering;
pub mod oauth;
pub mod party;
pub mod patch;
pub mod payment;
pub mod sample;
pub mod template;
pub mod terms;
pub mod text;
pub mod totals;
pub mod vat;
