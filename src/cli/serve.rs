//! `invoicer serve`: the MCP server. `--stdio` speaks MCP on stdin/stdout (logs on stderr);
//! otherwise one HTTP port carries streamable HTTP (`/mcp`), legacy SSE (`/sse`), `/health`
//! and PDF downloads. Every setting has a flag and an environment variable.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use rmcp::ServiceExt;
use tokio_util::sync::CancellationToken;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::http::{self, HttpConfig, Token};
use crate::mcp::InvoiceServer;

use super::maintenance as health;

/// Options of `invoicer serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Speak MCP over stdin/stdout (Claude Desktop, IDEs) instead of HTTP.
    #[arg(long)]
    pub stdio: bool,
    /// Hide and refuse every tool that changes data; reads and renders work.
    #[arg(long, env = "INVOICER_READ_ONLY", value_parser = clap::builder::BoolishValueParser::new())]
    pub read_only: bool,
    /// Address to listen on. Anything but loopback needs a token, or --allow-unauthenticated.
    #[arg(long, env = "MCP_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on; 0 picks a free one (the log says which).
    #[arg(long, env = "MCP_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Path of the streamable HTTP endpoint.
    #[arg(long, env = "MCP_HTTP_PATH", default_value = "/mcp")]
    pub http_path: String,
    /// Path of the legacy SSE stream; clients POST to `message` beside it.
    #[arg(long, env = "MCP_SSE_PATH", default_value = "/sse")]
    pub sse_path: String,
    /// File whose first line is the bearer token required on every route but /health. The
    /// token can also come from INVOICER_TOKEN.
    #[arg(long, env = "INVOICER_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    /// Host names accepted in the Host header, besides localhost, 127.0.0.1 and ::1 (comma
    /// separated in the variable; `*` accepts any).
    #[arg(
        long = "allowed-host",
        env = "MCP_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,
    /// Browser origins accepted besides those of allowed hosts, e.g. https://app.example.com.
    #[arg(
        long = "allowed-origin",
        env = "MCP_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
    /// The address clients and browsers reach the server at through a proxy, e.g.
    /// https://invoices.example.com: the base of download links, the OAuth issuer and resource,
    /// and https here makes the web app's cookie Secure and adds HSTS.
    #[arg(long, env = "INVOICER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Most open MCP sessions over both HTTP transports.
    #[arg(long, env = "MCP_MAX_SESSIONS", default_value_t = 1000)]
    pub max_sessions: usize,
    /// Most open MCP sessions per client IP.
    #[arg(long, env = "MCP_MAX_SESSIONS_PER_IP", default_value_t = 100)]
    pub max_sessions_per_ip: usize,
    /// Largest request body in bytes.
    #[arg(long, env = "MCP_MAX_BODY_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Seconds an SSE session may take to initialize before it is closed.
    #[arg(long, env = "MCP_INIT_TIMEOUT_SECS", default_value_t = 30)]
    pub init_timeout_secs: u64,
    /// Seconds a streamable HTTP session may stay idle before it is closed.
    #[arg(long, env = "MCP_SESSION_IDLE_SECS", default_value_t = 1800)]
    pub session_idle_secs: u64,
    /// OAuth: the issuer URL of an external identity provider (Keycloak, Authentik, Auth0,
    /// Entra ID, Zitadel) whose JWT access tokens the MCP routes take beside the static token.
    /// Needs --public-url.
    #[arg(long, env = "INVOICER_OAUTH_ISSUER")]
    pub oauth_issuer: Option<String>,
    /// OAuth: be the authorization server (for owners without an identity provider): clients
    /// register themselves and the owner allows them with the password of
    /// `invoicer owner set-password`. Needs --public-url.
    #[arg(long, env = "INVOICER_OAUTH_BUILTIN", value_parser = clap::builder::BoolishValueParser::new())]
    pub oauth_builtin: bool,
    /// OAuth: the audience the tokens must carry; by default the public URL + the MCP path.
    #[arg(long, env = "INVOICER_OAUTH_AUDIENCE")]
    pub oauth_audience: Option<String>,
    /// OAuth: the provider's JWKS URL; by default found through its discovery document.
    #[arg(long, env = "INVOICER_OAUTH_JWKS_URL")]
    pub oauth_jwks_url: Option<String>,
    /// Hours a signed download link in a tool result works (1 to 8784, 366 days).
    #[arg(long, env = "INVOICER_LINK_TTL_HOURS", default_value_t = crate::domain::links::DEFAULT_TTL_HOURS)]
    pub link_ttl_hours: u32,
    /// Listen on an address other than loopback without a token (a proxy in front of the
    /// server authenticates every request).
    #[arg(long, env = "INVOICER_ALLOW_UNAUTHENTICATED", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_unauthenticated: bool,
    /// Most open TCP connections; at the cap, the oldest connection that has not sent a request
    /// yet is closed to make room.
    #[arg(long, env = "MCP_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Most open TCP connections from one client IP.
    #[arg(long, env = "MCP_MAX_CONNECTIONS_PER_IP", default_value_t = 256)]
    pub max_connections_per_ip: usize,
    /// Seconds a connection has to send its request head, and the longest a keep-alive
    /// connection may stay idle (1 to 60).
    #[arg(long, env = "MCP_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Requests per second one client (IP address, and bearer token) may make on average;
    /// 0 turns the limit off.
    #[arg(long, env = "MCP_RATE_LIMIT", default_value_t = 50)]
    pub rate_limit: u32,
    /// Requests one client may make at once beyond the average.
    #[arg(long, env = "MCP_RATE_LIMIT_BURST", default_value_t = 200)]
    pub rate_limit_burst: u32,
    /// Log format on stderr.
    #[arg(long, env = "INVOICER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line.
    Json,
}

/// What `serve` will listen on, worked out from the arguments alone: checked before the
/// database is opened, so a refused start (no token on a public address, an unreadable token
/// file, a bad limit) creates and changes no file.
pub(super) enum Plan {
    /// MCP on stdin/stdout.
    Stdio,
    /// One HTTP port.
    Http(Box<HttpConfig>),
}

/// Check the arguments and the token before anything is opened.
pub(super) fn plan(args: &ServeArgs) -> Result<Plan> {
    if args.stdio {
        return Ok(Plan::Stdio);
    }
    let max_ttl = crate::domain::links::MAX_TTL_HOURS;
    if !(1..=max_ttl).contains(&args.link_ttl_hours) {
        return Err(Error::validation(
            "link_ttl_hours",
            format!(
                "must be 1 to {max_ttl} hours (366 days), got {}",
                args.link_ttl_hours
            ),
        ));
    }
    let config = http_config(args)?;
    if config.token.is_none()
        && config.oauth.is_none()
        && !is_loopback(&config.host)
        && !args.allow_unauthenticated
    {
        return Err(Error::validation(
            "token",
            format!(
                "refusing to listen on {} without a token: anyone who can reach the port could read and issue invoices. Set INVOICER_TOKEN or --token-file (e.g. `openssl rand -hex 32`), listen on 127.0.0.1, or pass --allow-unauthenticated when a proxy in front authenticates every request",
                config.host
            ),
        ));
    }
    Ok(Plan::Http(Box::new(config)))
}

pub(super) fn run(engine: Engine, args: ServeArgs, plan: Plan) -> Result<()> {
    init_logging(args.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the async runtime: {e}")))?;
    let engine = engine.with_link_ttl_hours(args.link_ttl_hours)?;
    if args.oauth_builtin && args.read_only {
        return Err(Error::validation(
            "oauth_builtin",
            "a read-only server cannot sign applications in (it would have to store their tokens); drop --read-only or use --oauth-issuer",
        ));
    }
    if args.oauth_builtin && !args.stdio && !engine.owner_password_set()? {
        return Err(Error::validation(
            "oauth_builtin",
            "set the owner password first (`invoicer owner set-password`): it is what you sign in with when an assistant connects",
        ));
    }
    let server =
        InvoiceServer::new(engine, args.read_only).with_public_url(args.public_url.clone());
    let mut config = match plan {
        Plan::Stdio => return runtime.block_on(serve_stdio(server)),
        Plan::Http(config) => *config,
    };
    fit_file_descriptors(&mut config.connections);
    if config.token.is_none() && !is_loopback(&config.host) {
        tracing::warn!(
            "listening on {} without a token (--allow-unauthenticated): the proxy in front must authenticate every request",
            config.host
        );
    }
    let run_file = health::run_file(engine_db(&server));
    runtime.block_on(async move {
        let bound = http::bind(server, config.clone()).await?;
        let address = bound.local_addr()?;
        let _run_file = health::RunFile::write(run_file, address);
        tracing::info!(
            read_only = args.read_only,
            "listening on http://{address} (streamable HTTP {}, SSE {}, web app /app, health /health)",
            config.mcp_path,
            config.sse_path
        );
        let shutdown = CancellationToken::new();
        http::cancel_on_signal(shutdown.clone());
        bound.run(shutdown).await
    })
}

async fn serve_stdio(server: InvoiceServer) -> Result<()> {
    tracing::info!("serving MCP on stdin/stdout");
    let engine = server.engine().clone();
    match tokio::task::spawn_blocking(move || engine.integrity()).await {
        Ok(Ok(integrity)) if integrity.ok => {}
        Ok(Ok(integrity)) => {
            for problem in &integrity.problems {
                tracing::error!("integrity check failed: {problem}");
            }
        }
        Ok(Err(e)) => tracing::error!("the integrity check could not run: {e}"),
        Err(e) => tracing::error!("the integrity check could not run: {e}"),
    }
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| Error::internal(format!("MCP over stdio failed to start: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| Error::internal(format!("MCP over stdio failed: {e}")))?;
    Ok(())
}

/// The OAuth settings: none without `--oauth-issuer`; the audience defaults to the public
/// URL + the MCP path, the resource URL clients ask tokens for.
fn oauth_config(args: &ServeArgs) -> Result<Option<http::oauth::OAuthConfig>> {
    if args.oauth_builtin {
        if args.oauth_issuer.is_some() {
            return Err(Error::validation(
                "oauth_builtin",
                "choose one: --oauth-builtin (this server signs clients in) or --oauth-issuer (your identity provider does)",
            ));
        }
        let Some(public) = args.public_url.as_deref() else {
            return Err(Error::validation(
                "public_url",
                "--oauth-builtin needs the URL clients reach this server at (--public-url, e.g. https://invoices.example.com): it is the issuer of the tokens",
            ));
        };
        // The owner password, codes and tokens cross this URL: TLS, or this machine only.
        let issuer = http::oauth::secure_url("public_url", public)?
            .trim_end_matches('/')
            .to_string();
        return Ok(Some(http::oauth::OAuthConfig {
            audience: format!("{issuer}{}", args.http_path),
            issuer,
            jwks_url: None,
        }));
    }
    let Some(issuer) = args.oauth_issuer.as_deref().map(str::trim) else {
        return Ok(None);
    };
    let http_url = |field: &str, url: &str| {
        if url.starts_with("https://") || url.starts_with("http://") {
            Ok(url.to_string())
        } else {
            Err(Error::validation(
                field,
                format!("'{url}' is not an http(s) URL"),
            ))
        }
    };
    // The keys and where they are come from the issuer: only over TLS (or this machine).
    let issuer = http::oauth::secure_url("oauth_issuer", issuer)?;
    let audience = match (&args.oauth_audience, &args.public_url) {
        (Some(audience), _) => http_url("oauth_audience", audience.trim())?,
        (None, Some(public)) => format!("{}{}", public.trim_end_matches('/'), args.http_path),
        (None, None) => {
            return Err(Error::validation(
                "public_url",
                "OAuth needs the URL clients reach this server at (--public-url, e.g. https://invoices.example.com): tokens are issued for it",
            ));
        }
    };
    let jwks_url = args
        .oauth_jwks_url
        .as_deref()
        .map(|url| http::oauth::secure_url("oauth_jwks_url", url))
        .transpose()?;
    Ok(Some(http::oauth::OAuthConfig {
        issuer,
        audience,
        jwks_url,
    }))
}

pub(super) fn http_config(args: &ServeArgs) -> Result<HttpConfig> {
    let header_timeout = args.header_timeout_secs;
    if !(1..=10).contains(&header_timeout) {
        return Err(Error::validation(
            "header_timeout_secs",
            format!("must be 1 to 10 seconds, got {header_timeout}"),
        ));
    }
    let token = match (&args.token_file, std::env::var("INVOICER_TOKEN")) {
        (Some(path), _) => Some(Token::from_file(path)?),
        (None, Ok(value)) if !value.trim().is_empty() => {
            Some(Token::new(&value, "INVOICER_TOKEN")?)
        }
        _ => None,
    };
    let mut allowed_hosts = HttpConfig::default().allowed_hosts;
    if !is_unspecified(&args.host) {
        allowed_hosts.push(args.host.clone());
    }
    allowed_hosts.extend(
        args.allowed_hosts
            .iter()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty()),
    );
    if let Some(url) = &args.public_url {
        let authority = url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .filter(|a| !a.is_empty())
            .ok_or_else(|| {
                Error::validation("public_url", format!("'{url}' is not an http(s) URL"))
            })?;
        allowed_hosts.push(authority.to_string());
    }
    let oauth = oauth_config(args)?;
    Ok(HttpConfig {
        oauth,
        oauth_builtin: args.oauth_builtin,
        host: args.host.clone(),
        port: args.port,
        mcp_path: args.http_path.clone(),
        sse_path: args.sse_path.clone(),
        token,
        allowed_hosts,
        allowed_origins: args
            .allowed_origins
            .iter()
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect(),
        max_body_bytes: args.max_body_bytes,
        max_sessions: args.max_sessions,
        max_sessions_per_ip: args.max_sessions_per_ip,
        init_timeout: Duration::from_secs(args.init_timeout_secs),
        session_idle_timeout: Duration::from_secs(args.session_idle_secs),
        connections: http::ConnectionLimits {
            max_connections: positive("max_connections", args.max_connections)?,
            max_per_ip: positive("max_connections_per_ip", args.max_connections_per_ip)?,
            header_read_timeout: Duration::from_secs(header_timeout),
        },
        rate_limit: http::RateLimit {
            per_second: args.rate_limit,
            burst: args.rate_limit_burst,
        },
        ..HttpConfig::default()
    })
}

/// Raise the soft limit of open files to the hard one, and keep the connection cap below it
/// with room for the database and the listener: at the cap, connections are refused cleanly
/// instead of failing to accept.
fn fit_file_descriptors(limits: &mut http::ConnectionLimits) {
    const RESERVED: u64 = 128;
    let Ok(files) = rlimit::increase_nofile_limit(u64::MAX) else {
        return;
    };
    let room = files.saturating_sub(RESERVED).max(16);
    let room = usize::try_from(room).unwrap_or(usize::MAX);
    if limits.max_connections > room {
        tracing::warn!(
            "at most {files} open files are allowed: serving at most {room} connections instead of {}",
            limits.max_connections
        );
        limits.max_connections = room;
        limits.max_per_ip = limits.max_per_ip.min(room);
    }
}

fn positive(field: &str, value: usize) -> Result<usize> {
    if value == 0 {
        return Err(Error::validation(field, "must be at least 1"));
    }
    Ok(value)
}

/// The database file a server serves, for the run file beside it.
fn engine_db(server: &InvoiceServer) -> &std::path::Path {
    server.engine().database_path()
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn is_unspecified(host: &str) -> bool {
    host.trim_matches(['[', ']'])
        .parse::<IpAddr>()
        .is_ok_and(|ip| ip.is_unspecified())
}

/// Logs go to stderr (stdout belongs to MCP over stdio). `INVOICER_LOG` sets the filter,
/// e.g. `debug` or `invoicer=debug,rmcp=info`; default `info,rmcp=warn`.
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("INVOICER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rmcp=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
