//! The integration tests: one binary (each extra test binary would link the whole crate again).
//! They use real database files and run the real `invoicer` binary.

mod util;

mod authserver;
mod browser;
mod cli;
mod concurrency;
mod corpus;
mod crash;
mod dates;
mod einvoice;
mod import;
mod lifecycle;
mod limits;
mod links;
mod mcp;
mod oauth;
mod ops;
mod readonly;
mod reference;
mod render;
mod tamper;
mod web;
