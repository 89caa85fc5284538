//! The `invoicer` binary: parse arguments, run the command, turn an error into a one-line
//! message on stderr and a non-zero exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = invoicer::cli::Cli::parse();
    match invoicer::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(invoicer::cli::exit_code(err.code))
        }
    }
}
