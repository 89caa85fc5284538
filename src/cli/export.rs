//! `invoicer export ID|NUMBER --format F [--profile P] [-o FILE]`: the e-invoice of a
//! finalized document.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::print_json;
use crate::einvoice::Target;
use crate::engine::{DocumentKey, Engine};
use crate::error::{Error, Result};

/// Options of `invoicer export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Document id or number.
    pub id: String,
    /// facturx (PDF/A-3b with the CII inside), facturx-xml, facturx-extended-xml,
    /// xrechnung-cii, xrechnung-ubl or peppol-ubl.
    #[arg(long, default_value = "facturx")]
    pub format: String,
    /// For facturx: the profile of the XML inside (en16931, extended, xrechnung).
    #[arg(long)]
    pub profile: Option<String>,
    /// Output file, or - for stdout; default NUMBER.FORMAT.xml.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub(super) fn run(engine: &Engine, args: ExportArgs) -> Result<()> {
    let target = Target::parse(&args.format, args.profile.as_deref())?;
    let einvoice = engine.export_einvoice(&DocumentKey::parse(&args.id)?, target)?;
    let output = args
        .output
        .unwrap_or_else(|| PathBuf::from(&einvoice.file_name));
    if output.as_os_str() == "-" {
        return std::io::stdout()
            .write_all(&einvoice.bytes)
            .map_err(|e| Error::storage(format!("cannot write to stdout: {e}")));
    }
    std::fs::write(&output, &einvoice.bytes).map_err(|e| {
        Error::validation("output", format!("cannot write {}: {e}", output.display()))
    })?;
    print_json(&json!({
        "file": output,
        "format": target.as_str(),
        "bytes": einvoice.bytes.len(),
    }))
}
