//! `invoicer seller set|show`.

use clap::Subcommand;

use super::{print_json, read_json};
use crate::domain::party::SellerProfile;
use crate::engine::Engine;
use crate::error::{Result, from_json_value};

/// Seller profile commands.
#[derive(Debug, Subcommand)]
pub enum SellerCommand {
    /// Set the seller profile from JSON (see the README for the fields).
    Set {
        /// JSON file, or - for stdin.
        #[arg(long, short)]
        file: String,
    },
    /// Print the seller profile (null when none is set).
    Show,
}

pub(super) fn run(engine: &Engine, command: SellerCommand) -> Result<()> {
    match command {
        SellerCommand::Set { file } => {
            let profile: SellerProfile = from_json_value(read_json(&file)?)?;
            print_json(&engine.set_seller_profile(profile)?)
        }
        SellerCommand::Show => print_json(&engine.get_seller_profile()?),
    }
}
