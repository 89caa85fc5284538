//! The `invoicer` binary: parse arguments, run the command, turn an error into a one-line
//! message on stderr and a non-zero exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match invoicer::cli::parse().and_then(invoicer::cli::run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, whatever the message quotes.
            eprintln!("error: {}", err.to_string().replace(['\n', '\r'], " "));
            ExitCode::from(invoicer::cli::exit_code(err.code))
        }
    }
}
