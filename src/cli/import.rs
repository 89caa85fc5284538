//! `invoicer import FILE [--as-issued SERIES]`: read a UBL or CII e-invoice, or a Factur-X PDF,
//! into a draft or, for migrating an archive, an issued document that keeps its number.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use super::print_json;
use crate::engine::Engine;
use crate::error::{Error, Result};

/// Options of `invoicer import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file: UBL Invoice or CreditNote, CII (XRechnung, Factur-X XML), a Factur-X /
    /// ZUGFeRD PDF; - for stdin.
    pub file: PathBuf,
    /// Store it as issued, with its own number and dates, in this series (made as an
    /// external series when new: it gives no numbers and is outside the gapless check).
    #[arg(long, value_name = "SERIES")]
    pub as_issued: Option<String>,
}

pub(super) fn run(engine: &Engine, args: ImportArgs) -> Result<()> {
    let limit = crate::einvoice::import::MAX_IMPORT_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    let read = if args.file.as_os_str() == "-" {
        std::io::stdin().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(&args.file).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    read.map_err(|e| {
        Error::validation("file", format!("cannot read {}: {e}", args.file.display()))
    })?;
    let imported = engine.import_einvoice(&bytes, args.as_issued.as_deref())?;
    print_json(&imported)
}
