//! Configuration in one place. Every setting is a flag with an environment variable; an
//! optional TOML file (`--config FILE` or `INVOICER_CONFIG`) supplies defaults beneath both:
//! flag > environment > file > built-in default. `invoicer config` prints what `serve` would
//! use, with the token redacted.
//!
//! ```toml
//! db = "/data/invoicer.db"
//! [serve]
//! host = "0.0.0.0"
//! port = 8080
//! token_file = "/run/secrets/invoicer_token"
//! allowed_hosts = ["invoices.example.com"]
//! ```

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{CommandFactory, FromArgMatches};
use serde_json::{Value, json};

use super::Cli;
use super::serve::{ServeArgs, http_config};
use crate::error::{Error, Result};

/// Keys the file may set at the top level (global flags).
const GLOBAL_KEYS: &[&str] = &[
    "db",
    "template_dir",
    "einvoice_at_finalize",
    "render_memory_mb",
];
/// Keys of the `[serve]` table: the `serve` flags, by their long names with `_`.
const SERVE_KEYS: &[&str] = &[
    "host",
    "port",
    "http_path",
    "sse_path",
    "token_file",
    "allowed_hosts",
    "allowed_origins",
    "public_url",
    "max_sessions",
    "max_sessions_per_ip",
    "max_body_bytes",
    "init_timeout_secs",
    "session_idle_secs",
    "link_ttl_hours",
    "oauth_builtin",
    "oauth_issuer",
    "oauth_audience",
    "oauth_jwks_url",
    "read_only",
    "log_format",
    "allow_unauthenticated",
    "max_connections",
    "max_connections_per_ip",
    "header_timeout_secs",
    "rate_limit",
    "rate_limit_burst",
];

/// Parse the command line, with the config file's values as defaults. Usage errors exit
/// through clap (code 2); a bad config file is an error naming the key.
pub fn parse(args: Vec<OsString>) -> Result<Cli> {
    let mut command = Cli::command();
    if let Some(path) = config_path(&args) {
        command = apply_file(command, &path)?;
    }
    let matches = command.get_matches_from(args);
    Cli::from_arg_matches(&matches).map_err(|e| Error::validation("arguments", e.to_string()))
}

/// `--config FILE`, `--config=FILE`, or `INVOICER_CONFIG`.
fn config_path(args: &[OsString]) -> Option<PathBuf> {
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy();
        if text == "--config" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(path) = text.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("INVOICER_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The file's values as argument defaults.
fn apply_file(mut command: clap::Command, path: &Path) -> Result<clap::Command> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::validation("config", format!("cannot read {}: {e}", path.display())))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        Error::validation(
            "config",
            format!("{} is not valid TOML: {}", path.display(), e.message()),
        )
    })?;
    for (key, value) in table {
        if key == "serve" {
            let toml::Value::Table(serve) = value else {
                return Err(Error::validation(
                    "config.serve",
                    "must be a table: [serve]",
                ));
            };
            for (key, value) in serve {
                let field = format!("config.serve.{key}");
                if !SERVE_KEYS.contains(&key.as_str()) {
                    return Err(Error::validation(
                        field,
                        format!("unknown setting; known: {}", SERVE_KEYS.join(", ")),
                    ));
                }
                let default = default_text(&field, &value)?;
                let id = key.clone();
                command = command.mut_subcommand("serve", |serve| {
                    serve.mut_arg(&id, |arg| arg.default_value(default.clone()))
                });
                command = command.mut_subcommand("config", |config| {
                    config.mut_arg(&id, |arg| arg.default_value(default))
                });
            }
            continue;
        }
        let field = format!("config.{key}");
        if !GLOBAL_KEYS.contains(&key.as_str()) {
            return Err(Error::validation(
                field,
                format!(
                    "unknown setting; known: {}, and the [serve] table",
                    GLOBAL_KEYS.join(", ")
                ),
            ));
        }
        let default = default_text(&field, &value)?;
        command = command.mut_arg(&key, |arg| arg.default_value(default));
    }
    command = command.mut_arg("config", |arg| {
        arg.default_value(path.as_os_str().to_owned())
    });
    Ok(command)
}

/// A TOML value as the text a flag would take (lists comma-separated).
fn default_text(field: &str, value: &toml::Value) -> Result<String> {
    match value {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(n) => Ok(n.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Array(items) => items
            .iter()
            .map(|item| match item {
                toml::Value::String(s) if !s.contains(',') => Ok(s.clone()),
                _ => Err(Error::validation(
                    field,
                    "must be a list of strings without commas",
                )),
            })
            .collect::<Result<Vec<_>>>()
            .map(|items| items.join(",")),
        _ => Err(Error::validation(
            field,
            "must be a string, number, boolean or list",
        )),
    }
}

/// `invoicer config`: the settings `serve` would run with, secrets redacted.
pub(super) fn print(cli: &Cli, args: &ServeArgs) -> Result<()> {
    let http = http_config(args)?;
    let token = match (&args.token_file, std::env::var("INVOICER_TOKEN")) {
        (Some(file), _) => {
            json!({"set": true, "from": format!("token file {}", file.display()), "value": "<redacted>"})
        }
        (None, Ok(v)) if !v.trim().is_empty() => {
            json!({"set": true, "from": "INVOICER_TOKEN", "value": "<redacted>"})
        }
        _ => json!({"set": false}),
    };
    let out: Value = json!({
        "config_file": cli.config,
        "db": cli.db,
        "template_dir": cli.template_dir,
        "einvoice_at_finalize": cli.einvoice_at_finalize,
        "render_memory_mb": cli.render_memory_mb,
        "serve": {
            "host": http.host,
            "port": http.port,
            "http_path": http.mcp_path,
            "sse_path": http.sse_path,
            "message_path": http.message_path(),
            "token": token,
            "allowed_hosts": http.allowed_hosts,
            "allowed_origins": http.allowed_origins,
            "public_url": args.public_url,
            "max_sessions": http.max_sessions,
            "max_sessions_per_ip": http.max_sessions_per_ip,
            "max_body_bytes": http.max_body_bytes,
            "init_timeout_secs": http.init_timeout.as_secs(),
            "session_idle_secs": http.session_idle_timeout.as_secs(),
            "link_ttl_hours": args.link_ttl_hours,
            "oauth": http.oauth.as_ref().map(|o| serde_json::json!({
                "builtin": http.oauth_builtin,
                "issuer": o.issuer, "audience": o.audience, "jwks_url": o.jwks_url,
            })),
            "read_only": args.read_only,
            "log_format": format!("{:?}", args.log_format).to_lowercase(),
            "allow_unauthenticated": args.allow_unauthenticated,
            "max_connections": http.connections.max_connections,
            "max_connections_per_ip": http.connections.max_per_ip,
            "header_timeout_secs": http.connections.header_read_timeout.as_secs(),
            "rate_limit": http.rate_limit.per_second,
            "rate_limit_burst": http.rate_limit.burst,
        }
    });
    super::print_json(&out)
}
