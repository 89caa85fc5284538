//! The `invoicer` binary: parse arguments, run the command, turn an error into a one-line
//! message on stderr and a non-zero exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = invoicer::cli::Cli::parse();
    match invoicer::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, whatever the message quotes.
            eprintln!("error: {}", err.to_string().replace(['\n', '\r'], " "));
            ExitCode::from(invoicer::cli::exit_code(err.code))
        }
    }
}
