//! `invoicer series list|set`.

use clap::Subcommand;

use super::print_json;
use crate::domain::document::DocumentKind;
use crate::domain::numbering::{NewSeries, ResetPolicy};
use crate::engine::Engine;
use crate::error::Result;

/// Number series commands.
#[derive(Debug, Subcommand)]
pub enum SeriesCommand {
    /// List every series with its format and reset policy.
    List,
    /// Create a series or change its format and reset policy.
    Set {
        /// Series name, e.g. `invoices`.
        name: String,
        /// Format: literal text with {YYYY}, {YY}, {MM} and {counter} or {counter:N}.
        #[arg(long)]
        format: String,
        /// never, yearly or monthly (by issue date).
        #[arg(long, default_value = "yearly")]
        reset: String,
        /// invoice or credit_note (fixed once the series exists).
        #[arg(long, default_value = "invoice")]
        kind: String,
    },
}

pub(super) fn run(engine: &Engine, command: SeriesCommand) -> Result<()> {
    match command {
        SeriesCommand::List => print_json(&engine.list_series()?),
        SeriesCommand::Set {
            name,
            format,
            reset,
            kind,
        } => {
            let series = NewSeries {
                name,
                kind: DocumentKind::parse(&kind)?,
                format,
                reset: ResetPolicy::parse(&reset)?,
            };
            print_json(&engine.set_series(series)?)
        }
    }
}
