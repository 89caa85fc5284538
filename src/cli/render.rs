//! `invoicer render`: write the PDF of a stored document (a finalized one exactly as archived)
//! or, with `--file`, a preview of a draft payload that is not stored.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::{print_json, read_json};
use crate::engine::{DocumentKey, Engine};
use crate::error::{Error, Result, from_json_value};
use crate::render::RenderedPdf;

/// Arguments of `invoicer render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Document id or number.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub id: Option<String>,
    /// Preview a draft payload (JSON file, or - for stdin) without storing it.
    #[arg(long, short)]
    pub file: Option<String>,
    /// Where to write the PDF (- for stdout). Default: `<number>.pdf`, `draft-<id>.pdf` or
    /// `preview.pdf` in the current directory.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub(super) fn run(engine: &Engine, args: RenderArgs) -> Result<()> {
    let (rendered, default_name) = match (&args.id, &args.file) {
        (_, Some(file)) => {
            let input = from_json_value(read_json(file)?)?;
            (engine.render_preview(input)?, "preview.pdf".to_string())
        }
        (Some(id), None) => {
            let key = DocumentKey::parse(id)?;
            let name = engine.get_invoice(&key)?.pdf_file_name();
            (engine.render_invoice_pdf(&key)?, name)
        }
        (None, None) => return Err(Error::validation("id", "give a document id or --file")),
    };
    let output = args.output.unwrap_or_else(|| PathBuf::from(default_name));
    write_pdf(&output, &rendered)
}

/// Write the PDF, report warnings on stderr and a summary on stdout (unless the PDF went there).
pub(super) fn write_pdf(output: &Path, rendered: &RenderedPdf) -> Result<()> {
    for warning in &rendered.warnings {
        eprintln!("warning: {warning}");
    }
    if output == Path::new("-") {
        return std::io::stdout()
            .write_all(&rendered.pdf)
            .map_err(|e| Error::storage(format!("cannot write the PDF to stdout: {e}")));
    }
    std::fs::write(output, &rendered.pdf).map_err(|e| {
        Error::validation("output", format!("cannot write {}: {e}", output.display()))
    })?;
    print_json(&json!({
        "file": output,
        "bytes": rendered.pdf.len(),
        "pages": rendered.pages,
        "sha256": rendered.sha256,
        "warnings": rendered.warnings,
    }))
}
