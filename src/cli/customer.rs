//! `invoicer customer add|list`.

use clap::Subcommand;

use super::{print_json, read_json};
use crate::domain::party::NewCustomer;
use crate::engine::Engine;
use crate::error::Result;

/// Customer commands.
#[derive(Debug, Subcommand)]
pub enum CustomerCommand {
    /// Add a customer from JSON, or update one when the JSON has an `id`.
    Add {
        /// JSON file, or - for stdin.
        #[arg(long, short)]
        file: String,
    },
    /// List customers by name.
    List {
        /// Only names containing this text.
        #[arg(long)]
        query: Option<String>,
        /// At most this many (1 to 1000).
        #[arg(long)]
        limit: Option<u32>,
    },
}

pub(super) fn run(engine: &Engine, command: CustomerCommand) -> Result<()> {
    match command {
        CustomerCommand::Add { file } => {
            let customer = NewCustomer::from_json(read_json(&file)?)?;
            print_json(&engine.upsert_customer(customer)?)
        }
        CustomerCommand::List { query, limit } => {
            print_json(&engine.list_customers(query.as_deref(), limit)?)
        }
    }
}
