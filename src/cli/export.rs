//! `invoicer export ID|NUMBER --format F [-o FILE]`: the e-invoice of a finalized document.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::print_json;
use crate::einvoice::Format;
use crate::engine::{DocumentKey, Engine};
use crate::error::{Error, Result};

/// Options of `invoicer export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Document id or number.
    pub id: String,
    /// facturx (CII, profile EN 16931), xrechnung-cii, xrechnung-ubl or peppol-ubl.
    #[arg(long, default_value = "facturx")]
    pub format: String,
    /// Output file, or - for stdout; default NUMBER.FORMAT.xml.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub(super) fn run(engine: &Engine, args: ExportArgs) -> Result<()> {
    let format = Format::parse(&args.format)?;
    let einvoice = engine.export_einvoice(&DocumentKey::parse(&args.id)?, format)?;
    let output = args
        .output
        .unwrap_or_else(|| PathBuf::from(&einvoice.file_name));
    if output.as_os_str() == "-" {
        return std::io::stdout()
            .write_all(&einvoice.xml)
            .map_err(|e| Error::storage(format!("cannot write to stdout: {e}")));
    }
    std::fs::write(&output, &einvoice.xml).map_err(|e| {
        Error::validation("output", format!("cannot write {}: {e}", output.display()))
    })?;
    print_json(&json!({
        "file": output,
        "format": format.as_str(),
        "bytes": einvoice.xml.len(),
    }))
}
