//! The command line: `invoicer [--db PATH] [--template-dir DIR] <topic> <verb>`. The file tree
//! is the command tree (`invoice.rs`, `seller.rs`, `customer.rs`, `series.rs`, `render.rs`,
//! `demo.rs`). Each command parses its input,
//! makes one [`Engine`] call and prints the result as JSON on stdout, so it can be scripted.

mod config;
mod customer;
mod demo;
mod export;
mod import;
mod invoice;
mod maintenance;
mod render;
mod seller;
mod series;
mod serve;

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::engine::{Clock, Engine, Source};
use crate::error::{Error, ErrorCode, Result};
use crate::render::{Renderer, Templates};

/// invoicer: invoices in SQLite with gapless numbering and exact EN 16931 money.
#[derive(Debug, Parser)]
#[command(name = "invoicer", version, about)]
pub struct Cli {
    /// The database file (created on first use).
    #[arg(
        long,
        global = true,
        env = "INVOICER_DB",
        default_value = "invoicer.db"
    )]
    pub db: PathBuf,
    /// Render PDFs with the templates in this directory (it must hold `invoice.typ`) instead of
    /// the embedded ones; templates can read nothing outside it.
    #[arg(long, global = true, env = "INVOICER_TEMPLATE_DIR")]
    pub template_dir: Option<PathBuf>,
    /// Make and archive this e-invoice at every finalization (facturx, facturx:xrechnung,
    /// xrechnung-cii, xrechnung-ubl, peppol-ubl, …); drafts lacking what it needs are refused
    /// before they get a number.
    #[arg(long, global = true, env = "INVOICER_EINVOICE_AT_FINALIZE")]
    pub einvoice_at_finalize: Option<String>,
    /// Memory in MB that PDF renders may hold together, whatever the number of cores; a long
    /// document waits until enough is free (at least 64).
    #[arg(long, global = true, env = "INVOICER_RENDER_MEMORY_MB", default_value_t = crate::render::DEFAULT_MEMORY_BUDGET_MB)]
    pub render_memory_mb: u64,
    /// A TOML file with defaults for these flags and the `[serve]` ones (flags and environment
    /// variables win); see `invoicer config`.
    #[arg(long, global = true, env = "INVOICER_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Invoices and credit notes: create, finalize, pay, list, …
    #[command(subcommand)]
    Invoice(invoice::InvoiceCommand),
    /// The seller profile: your business, the default seller of every invoice.
    #[command(subcommand)]
    Seller(seller::SellerCommand),
    /// Stored customers.
    #[command(subcommand)]
    Customer(customer::CustomerCommand),
    /// Number series.
    #[command(subcommand)]
    Series(series::SeriesCommand),
    /// Write the e-invoice (CII XML) of a finalized document.
    Export(export::ExportArgs),
    /// Read an e-invoice (UBL, CII, or a Factur-X PDF) into a draft, or with --as-issued into
    /// an issued document that keeps its number; reports what it could not carry by XPath.
    Import(import::ImportArgs),
    /// Write the PDF of a document, or preview a draft payload with `--file`.
    Render(render::RenderArgs),
    /// Run the server: MCP over HTTP (streamable HTTP + legacy SSE), the REST face, the owner's
    /// web app at /app and /health; or MCP over `--stdio`.
    Serve(serve::ServeArgs),
    /// Print the settings `serve` would use (flags, environment, config file), token redacted.
    Config(serve::ServeArgs),
    /// Copy the database to PATH while it is in use (SQLite's backup API); the copy is
    /// integrity-checked before it gets its name. PATH must not exist.
    Backup {
        /// Where the copy goes.
        path: PathBuf,
    },
    /// Check that the record is whole and untouched: SQLite's integrity check, gapless series,
    /// the triggers, the hash chain, totals against lines, payments against paid amounts,
    /// archives against their hashes. Exits 7 naming the first problem. Opens the file
    /// read-only unless --repair is given.
    Check {
        /// Also make what can be made again: the archived PDF (and the e-invoice of
        /// --einvoice-at-finalize) of finalized documents that have none.
        #[arg(long)]
        repair: bool,
        /// A chain head hash written down earlier (printed by `check` and `backup`): the chain
        /// must contain it, or it was rewritten.
        #[arg(long)]
        anchor: Option<String>,
    },
    /// Signed download links: `rotate-key` replaces the key, and every link given out so far
    /// stops working.
    #[command(subcommand)]
    Links(LinksCommand),
    /// The owner: the password of the web app (/app) and of the consent page of
    /// `--oauth-builtin` (`set-password` reads it, at least 12 characters, from the first line
    /// of standard input), sign-in links, the access trail, revoking everything.
    #[command(subcommand)]
    Owner(OwnerCommand),
    /// Ask a running server's health endpoint; exits 0 when it answers 200 (for HEALTHCHECK).
    Health {
        /// The health URL; by default the address the server serving --db listens on (from the
        /// file it writes beside the database), else port MCP_PORT (8080) on 127.0.0.1.
        #[arg(long)]
        url: Option<String>,
    },
    /// Fill the database with a sample seller, customers and finalized invoices (own `demo`
    /// series, so real numbers are untouched), write their PDFs and print what was made.
    Demo {
        /// Directory for the PDFs (created if missing).
        #[arg(long, default_value = "invoicer-demo")]
        out: PathBuf,
    },
}

/// `invoicer owner …`.
#[derive(Debug, Subcommand)]
pub enum OwnerCommand {
    /// Set the password the owner signs in with: to the web app (/app), and when an assistant
    /// connects (OAuth consent).
    /// Read from the first line of standard input, so it stays out of the shell history.
    SetPassword,
    /// End every authorization given to an application (claude.ai, ChatGPT, …), each has to
    /// be allowed again, and sign every browser out of the web app. Setting a new password
    /// does this too.
    RevokeAll,
    /// Print the access trail, newest first: sign-ins to the web app, wrong passwords, sign-in
    /// links, what was allowed to applications (consents, tokens, replays caught,
    /// revocations) and new passwords. Kept for a year.
    AccessLog {
        /// How many entries, 1 to 1000.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Print a one-time link that signs a browser in to the web app without the password
    /// (works 15 minutes, once).
    LoginLink {
        /// The server's address as the browser reaches it; by default the address of the
        /// server running on this database (else 127.0.0.1 and `MCP_PORT`, 8080).
        #[arg(long, env = "INVOICER_PUBLIC_URL")]
        public_url: Option<String>,
    },
}

/// `invoicer links …`.
#[derive(Debug, Subcommand)]
pub enum LinksCommand {
    /// Replace the key that signs download links: every link given out so far (in tool
    /// results, e-mails, chats) stops working at once, also on a running server.
    RotateKey,
}

/// Parse the process's arguments, with the config file's values as defaults.
pub fn parse() -> Result<Cli> {
    config::parse(std::env::args_os().collect())
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    // These need no database (or must not create one).
    match &cli.command {
        Command::Health { url } => {
            let url = url
                .clone()
                .unwrap_or_else(|| maintenance::default_health_url(&cli.db));
            return maintenance::health(&url);
        }
        Command::Config(args) => return config::print(&cli, args),
        _ => {}
    }
    // A server's arguments and token are checked before the database is opened, so a refused
    // start leaves no file behind.
    let serve_plan = match &cli.command {
        Command::Serve(args) => Some(serve::plan(args)?),
        _ => None,
    };
    let target = cli
        .einvoice_at_finalize
        .as_deref()
        .map(crate::einvoice::Target::parse_spec)
        .transpose()
        .map_err(|e| e.with_field("einvoice_at_finalize"))?;
    crate::render::set_memory_budget(cli.render_memory_mb);
    let clock = clock()?;
    let read_only = match &cli.command {
        Command::Check { repair, .. } => !repair,
        Command::Serve(args) => args.read_only,
        _ => false,
    };
    let engine = if read_only {
        Engine::open_read_only(&cli.db, clock)?
    } else {
        Engine::open_with_clock(&cli.db, clock)?
    };
    let mut engine = engine
        .with_source(Source::Cli)
        .with_einvoice_at_finalize(target);
    if let Some(dir) = &cli.template_dir {
        let templates = Templates::directory(dir)?;
        engine = engine.with_renderer(Arc::new(Renderer::new(templates)));
    }
    match cli.command {
        Command::Invoice(command) => invoice::run(&engine, command),
        Command::Seller(command) => seller::run(&engine, command),
        Command::Customer(command) => customer::run(&engine, command),
        Command::Series(command) => series::run(&engine, command),
        Command::Render(args) => render::run(&engine, args),
        Command::Export(args) => export::run(&engine, args),
        Command::Import(args) => import::run(&engine, args),
        Command::Demo { out } => demo::run(&engine, &out),
        Command::Serve(args) => match serve_plan {
            Some(plan) => serve::run(engine, args, plan),
            None => Err(Error::internal("serve was not planned")),
        },
        Command::Links(LinksCommand::RotateKey) => {
            engine.rotate_link_key()?;
            print_json(&serde_json::json!({
                "rotated": true,
                "message": "the link key was replaced: every download link given out before no longer works",
            }))
        }
        Command::Owner(OwnerCommand::SetPassword) => {
            engine.set_owner_password(&read_new_password()?)?;
            print_json(&serde_json::json!({
                "password_set": true,
                "message": "the owner password is set: sign in to the web app at /app, and with `serve --oauth-builtin --public-url URL` on the consent page when an assistant connects",
            }))
        }
        Command::Owner(OwnerCommand::RevokeAll) => {
            let (revoked, signed_out) = engine.revoke_all_oauth_grants()?;
            print_json(&serde_json::json!({
                "revoked": revoked,
                "signed_out": signed_out,
                "message": "every application has to be allowed again, and every browser has to sign in again",
            }))
        }
        Command::Owner(OwnerCommand::AccessLog { limit }) => {
            print_json(&serde_json::json!({ "events": engine.access_log(limit)? }))
        }
        Command::Owner(OwnerCommand::LoginLink { public_url }) => {
            let public_url = public_url.unwrap_or_else(|| {
                let health = maintenance::default_health_url(engine.database_path());
                health.trim_end_matches("/health").to_string()
            });
            let base = crate::http::oauth::secure_url("public_url", &public_url)?;
            let (token, expires) = engine.create_login_link()?;
            print_json(&serde_json::json!({
                "url": format!("{}/app/sign-in/link?token={token}", base.trim_end_matches('/')),
                "expires_at": expires,
                "message": "open the link in your browser within 15 minutes; it works once",
            }))
        }
        Command::Backup { path } => maintenance::backup(&engine, &path),
        Command::Check { repair, anchor } => maintenance::check(&engine, repair, anchor.as_deref()),
        Command::Health { .. } | Command::Config(_) => Ok(()),
    }
}

/// The new owner password: asked twice on a terminal without echo, else the first line of
/// standard input (a script, a pipe, a Docker secret).
fn read_new_password() -> Result<String> {
    use std::io::IsTerminal;
    let unreadable =
        |e: std::io::Error| Error::validation("password", format!("cannot read it: {e}"));
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Owner password (12 characters or more): ")
            .map_err(unreadable)?;
        let again = rpassword::prompt_password("The same again: ").map_err(unreadable)?;
        if first != again {
            return Err(Error::validation(
                "password",
                "the two entries differ; nothing was changed",
            ));
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(unreadable)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// The engine's clock: the system's, or the instant in `INVOICER_NOW` (RFC 3339), which pins
/// "now" for tests and reproducible demos.
fn clock() -> Result<Clock> {
    match std::env::var("INVOICER_NOW") {
        Ok(text) if !text.trim().is_empty() => Clock::parse_fixed("INVOICER_NOW", &text),
        _ => Ok(Clock::system()),
    }
}

/// The exit code of each error code (2 is clap's usage error).
pub fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::ValidationError => 3,
        ErrorCode::NotFound => 4,
        ErrorCode::InvalidStatus => 5,
        ErrorCode::Conflict => 6,
        ErrorCode::StorageError => 7,
        ErrorCode::Internal => 8,
        ErrorCode::RenderError => 9,
        ErrorCode::ReadOnly => 10,
    }
}

/// Print a value as pretty JSON on stdout.
fn print_json<T: Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::internal(format!("cannot serialize output: {e}")))?;
    print_line(&text)
}

/// Print one line on stdout. A reader that went away (`| head`) is not an error.
fn print_line(text: &str) -> Result<()> {
    use std::io::Write;
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::storage(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// Read JSON from a file, or from stdin for `-`.
fn read_json(path: &str) -> Result<serde_json::Value> {
    let text = if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::validation("file", format!("cannot read stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| Error::validation("file", format!("cannot read {path}: {e}")))?
    };
    serde_json::from_str(&text)
        .map_err(|e| Error::validation("file", format!("{path} is not valid JSON: {e}")))
}
