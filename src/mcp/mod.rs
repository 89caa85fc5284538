//! The MCP front end: [`InvoiceServer`] answers MCP requests (tools, resources) with engine
//! calls. It knows nothing about transports: `cli/serve.rs` runs it over stdio, and `http/`
//! over streamable HTTP and legacy SSE, one server value per session over one shared engine.
//!
//! - `tools/`: one spec per engine verb (schemas, hints, the call).
//! - `resources.rs`: `invoice://{id}` (JSON) and `invoice://{id}/pdf` (PDF).
//! - `error.rs`: engine errors as tool results with `isError: true`.
//!
//! Every tool call runs on the blocking pool (SQLite and Typst block), so the async transports
//! stay responsive while PDFs render, and logs one line: tool, duration, outcome.

mod error;
mod resources;
pub mod schema;
pub mod tools;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams, CompleteResult,
    ContentBlock, ErrorCode, GetPromptRequestParams, GetPromptResponse, Implementation,
    ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ProgressNotificationParam, ReadResourceRequestParams,
    ReadResourceResponse, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::Value;

use crate::engine::{Engine, Source};
use crate::error::{Error, Result};
use tools::{CallContext, Effect, ToolSpec};

/// What a model is told when it connects.
const INSTRUCTIONS: &str = "invoicer keeps invoices in a local database with gapless numbering \
and renders them as PDF. Usual flow: get_seller_profile (set_seller_profile once if it is \
missing), create_invoice_draft (see get_invoice_template for the payload), finalize_invoice to \
issue it with the next number, render_invoice_pdf, record_payment when the money arrives. \
Amounts and quantities are decimal strings (\"119.00\"), VAT rates are percent (\"19\"), dates \
are ISO 8601 (YYYY-MM-DD). A failed call returns {code, message, field}: fix the named field and \
call again. Finalized invoices never change: correct them with create_credit_note.";

/// What the caller of a request may do: set by the HTTP guard from the OAuth token's scope
/// (`invoices:read` gives [`Access::ReadOnly`]); the static token, stdio and a server without
/// authentication give [`Access::Full`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// Every tool.
    #[default]
    Full,
    /// Only the tools that read.
    ReadOnly,
}

impl Access {
    /// The access of a call: from the extensions the HTTP guard set on its request (none set
    /// means only reading: a route the guard did not see must not write), or full over stdio
    /// (no HTTP request).
    pub fn of_call(parts: Option<&axum::http::request::Parts>) -> Access {
        match parts {
            Some(parts) => parts
                .extensions
                .get::<Access>()
                .copied()
                .unwrap_or(Access::ReadOnly),
            None => Access::Full,
        }
    }
}

/// The MCP server over one engine; cheap to clone, one per session.
#[derive(Clone)]
pub struct InvoiceServer {
    engine: Engine,
    read_only: bool,
    public_url: Option<Arc<str>>,
    in_flight: Arc<InFlight>,
}

/// Tool calls running now, shared by every session, so shutdown can wait for them.
#[derive(Default)]
struct InFlight {
    count: AtomicUsize,
    idle: tokio::sync::Notify,
}

/// Counts one call while it lives.
struct CallGuard(Arc<InFlight>);

impl CallGuard {
    fn new(in_flight: &Arc<InFlight>) -> CallGuard {
        in_flight.count.fetch_add(1, Ordering::SeqCst);
        CallGuard(in_flight.clone())
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl InvoiceServer {
    /// A server over `engine`. Read-only hides and refuses the tools that write.
    pub fn new(engine: Engine, read_only: bool) -> InvoiceServer {
        let engine = engine.with_source(Source::Mcp);
        let engine = if read_only {
            engine.read_only()
        } else {
            engine
        };
        InvoiceServer {
            engine,
            read_only,
            public_url: None,
            in_flight: Arc::default(),
        }
    }

    /// Whether tools that write are hidden and refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// How many tool calls are running now.
    pub fn calls_in_flight(&self) -> usize {
        self.in_flight.count.load(Ordering::SeqCst)
    }

    /// Resolves once no tool call is running (at once when none is).
    pub async fn calls_finished(&self) {
        loop {
            let idle = self.in_flight.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            if self.in_flight.count.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }

    /// Build PDF download links from this base URL (e.g. `https://invoices.example.com`)
    /// instead of the request's `Host` header; for servers behind a proxy.
    pub fn with_public_url(mut self, url: Option<String>) -> InvoiceServer {
        self.public_url = url.map(|u| Arc::from(u.trim_end_matches('/')));
        self
    }

    /// The public URL set with `--public-url`, without a trailing slash.
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// The tools this server lists: all, or only those that read.
    pub fn tools(&self) -> impl Iterator<Item = &'static ToolSpec> + '_ {
        self.tools_for(Access::Full)
    }

    /// The tools a caller with `access` sees: those that read only, on a read-only server or
    /// for a read-only token.
    pub fn tools_for(&self, access: Access) -> impl Iterator<Item = &'static ToolSpec> + '_ {
        let reads_only = self.read_only || access == Access::ReadOnly;
        tools::all()
            .iter()
            .filter(move |spec| !reads_only || spec.effect == Effect::Reads)
    }

    /// Run one tool by name; `None` when no such tool is listed. The outcome is logged.
    ///
    /// A client that speaks protocol 2025-06-18 or later (`structured`) gets the result once, as
    /// `structuredContent`, beside a one-line summary, and files as resource links beside the
    /// embedded ones; an older one gets the result as JSON text and no links.
    pub async fn call(
        &self,
        name: &str,
        arguments: Value,
        download_base: Option<String>,
        structured: bool,
        progress: tools::Progress,
        access: Access,
    ) -> Option<CallToolResult> {
        let outcome = self
            .run_tool(
                name,
                arguments,
                download_base,
                Source::Mcp,
                progress,
                access,
            )
            .await?;
        Some(match outcome {
            Ok(reply) => {
                let mut content = vec![ContentBlock::text(reply.summary)];
                if !structured {
                    content.push(ContentBlock::text(reply.structured.to_string()));
                }
                // Resource links came with 2025-06-18, as structured results did: older clients
                // get the embedded file (and the URI and download URL in the result) only.
                content.extend(
                    reply
                        .attachments
                        .into_iter()
                        .filter(|block| structured || block.as_resource_link().is_none()),
                );
                let mut result = CallToolResult::success(content);
                if structured {
                    result.structured_content = Some(reply.structured);
                }
                result
            }
            Err(err) => error::tool_error(&err),
        })
    }

    /// Run one tool by name for `source` (MCP, or the plain HTTP face of the same tools):
    /// checked against read-only mode, on the blocking pool, counted while it runs and logged
    /// (tool, duration, outcome). `None` when no such tool exists.
    pub async fn run_tool(
        &self,
        name: &str,
        arguments: Value,
        download_base: Option<String>,
        source: Source,
        progress: tools::Progress,
        access: Access,
    ) -> Option<Result<tools::Reply>> {
        let spec = tools::find(name)?;
        let _counted = CallGuard::new(&self.in_flight);
        let started = Instant::now();
        let outcome = if self.read_only && spec.effect != Effect::Reads {
            Err(Error::read_only(format!(
                "{name} changes data and this server is read-only; reads and renders work"
            )))
        } else if access == Access::ReadOnly && spec.effect != Effect::Reads {
            Err(Error::read_only(format!(
                "{name} changes data and this access token has only the invoices:read scope; ask for a token with invoices:write"
            )))
        } else {
            let engine = self.engine.with_source(source);
            tokio::task::spawn_blocking(move || {
                let cx = CallContext {
                    engine: &engine,
                    download_base: download_base.as_deref(),
                    progress: &progress,
                };
                spec.call(&cx, arguments)
            })
            .await
            .unwrap_or_else(|e| Err(Error::internal(format!("the tool call failed: {e}"))))
        };
        let elapsed_ms = (started.elapsed().as_secs_f64() * 1e5).round() / 100.0;
        let outcome_code = match &outcome {
            Ok(_) => "ok",
            Err(err) => err.code.as_str(),
        };
        tracing::info!(
            tool = name,
            source = source.as_str(),
            elapsed_ms,
            outcome = outcome_code,
            "tool call"
        );
        Some(outcome)
    }

    /// Base URL for download links: the configured public URL, else `http://` + the `Host` of
    /// the HTTP request the call came in (none over stdio).
    fn download_base(&self, context: &RequestContext<RoleServer>) -> Option<String> {
        let parts = context.extensions.get::<axum::http::request::Parts>()?;
        self.download_base_for(&parts.headers)
    }

    /// Base URL for download links of a call that came in an HTTP request with `headers`: the
    /// configured public URL, else `http://` + its `Host`.
    pub fn download_base_for(&self, headers: &axum::http::HeaderMap) -> Option<String> {
        if let Some(url) = &self.public_url {
            return Some(url.to_string());
        }
        let host = headers.get(axum::http::header::HOST)?.to_str().ok()?;
        Some(format!("http://{host}"))
    }

    /// The engine the tools call (read-only when the server is).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// The answer to a method the capabilities do not declare: -32601, naming what is offered.
fn not_offered(method: &'static str) -> McpError {
    McpError::new(
        ErrorCode::METHOD_NOT_FOUND,
        format!(
            "{method} is not offered: invoicer serves tools (tools/list, tools/call) and resources (resources/list, resources/templates/list, resources/read), no prompts or completions"
        ),
        None,
    )
}

/// Whether the client negotiated a protocol with structured tool output (2025-06-18 or later).
/// A request without a handshake is a stateless 2026-07-28 one.
fn speaks_structured_output(context: &RequestContext<RoleServer>) -> bool {
    match context.peer.peer_info() {
        Some(info) => info.protocol_version.to_string().as_str() >= "2025-06-18",
        None => true,
    }
}

impl ServerHandler for InvoiceServer {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new("invoicer", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let access = Access::of_call(context.extensions.get::<axum::http::request::Parts>());
        Ok(ListToolsResult::with_all_items(
            self.tools_for(access)
                .map(|spec| spec.tool.clone())
                .collect(),
        ))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools()
            .find(|spec| spec.name() == name)
            .map(|spec| spec.tool.clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let base = self.download_base(&context);
        let access = Access::of_call(context.extensions.get::<axum::http::request::Parts>());
        let structured = speaks_structured_output(&context);
        // With a progress token, the steps of long calls go out as notifications, all before
        // the result.
        let (progress, forwarder) = match context.meta.get_progress_token() {
            Some(token) => {
                let (sender, mut steps) = tokio::sync::mpsc::unbounded_channel::<tools::Step>();
                let peer = context.peer.clone();
                let forwarder = tokio::spawn(async move {
                    while let Some(step) = steps.recv().await {
                        let notification =
                            ProgressNotificationParam::new(token.clone(), f64::from(step.done))
                                .with_total(f64::from(step.total))
                                .with_message(step.message);
                        if peer.notify_progress(notification).await.is_err() {
                            break;
                        }
                    }
                });
                (tools::Progress::to(sender), Some(forwarder))
            }
            None => (tools::Progress::default(), None),
        };
        let result = self
            .call(&request.name, arguments, base, structured, progress, access)
            .await;
        if let Some(forwarder) = forwarder {
            let _ = forwarder.await;
        }
        match result {
            Some(result) => Ok(result.into()),
            None => Err(McpError::invalid_params(
                format!("unknown tool '{}'", request.name),
                None,
            )),
        }
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Err(not_offered("prompts/list"))
    }

    async fn get_prompt(
        &self,
        _request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        Err(not_offered("prompts/get"))
    }

    async fn complete(
        &self,
        _request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        Err(not_offered("completion/complete"))
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let engine = self.engine().clone();
        let resources = tokio::task::spawn_blocking(move || resources::recent(&engine))
            .await
            .map_err(|e| McpError::internal_error(e.to_string(), None))?
            .map_err(resources::protocol_error)?;
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(
            resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let engine = self.engine().clone();
        let uri = request.uri;
        let result = tokio::task::spawn_blocking(move || resources::read(&engine, &uri))
            .await
            .map_err(|e| McpError::internal_error(e.to_string(), None))??;
        Ok(result.into())
    }
}
