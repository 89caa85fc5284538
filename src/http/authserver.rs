//! The built-in OAuth 2.1 authorization server (`--oauth-builtin`), for an owner without an
//! identity provider: metadata (RFC 8414), dynamic client registration (RFC 7591, public
//! clients with PKCE), the authorization endpoint with a consent page where the owner signs in
//! with the password of `invoicer owner set-password`, the token endpoint (authorization code
//! with PKCE S256, rotating refresh tokens) and revocation (RFC 7009). The engine keeps the
//! clients and tokens (`engine/oauth.rs`); this file speaks HTTP and renders the page.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;
use serde_json::{Value, json};

use super::oauth::OAuthConfig;
use super::{AppState, blocking};
use crate::domain::oauth::{SCOPE_READ, SCOPE_WRITE, granted_scope};
use crate::engine::{Engine, GrantError};
use crate::error::Error;

/// Failed sign-ins from one address that lock the consent page for it.
const MAX_FAILED_SIGN_INS: usize = 5;
/// Failed sign-ins from all addresses together that lock it for everyone (a backstop against
/// guessing from many addresses).
const MAX_FAILED_SIGN_INS_ALL: usize = 50;
/// How long failed sign-ins count, and how long a lock lasts.
const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// How long a consent page may wait for the owner.
const CONSENT_SECONDS: i64 = 30 * 60;

/// How a password check of [`SignInLock::check_password`] came out.
pub(super) enum SignIn {
    /// The owner's password.
    Right,
    /// Not the owner's password (it counts toward the lockout).
    Wrong,
    /// Too many wrong passwords lately: not checked.
    Locked,
    /// The check could not run.
    Failed(Error),
}

/// Recent sign-in attempts by address. An attempt counts as failed from before its password
/// is checked until it turns out right, so parallel guesses cannot slip past the limit; and
/// one password check runs at a time (argon2 takes about 19 MiB and 50 ms each).
pub struct SignInLock {
    failures: std::sync::Mutex<VecDeque<(IpAddr, Instant)>>,
    checking: tokio::sync::Semaphore,
}

impl Default for SignInLock {
    fn default() -> SignInLock {
        SignInLock {
            failures: std::sync::Mutex::default(),
            checking: tokio::sync::Semaphore::new(1),
        }
    }
}

impl SignInLock {
    /// Reserve an attempt from `ip`, or `None` while it (or everyone) is locked out.
    fn begin(&self, ip: IpAddr) -> Option<(IpAddr, Instant)> {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while failures
            .front()
            .is_some_and(|(_, at)| at.elapsed() > LOCKOUT)
        {
            failures.pop_front();
        }
        let from_ip = failures.iter().filter(|(from, _)| *from == ip).count();
        if from_ip >= MAX_FAILED_SIGN_INS || failures.len() >= MAX_FAILED_SIGN_INS_ALL {
            return None;
        }
        let attempt = (ip, Instant::now());
        failures.push_back(attempt);
        Some(attempt)
    }

    /// The attempt was right: it no longer counts.
    fn succeeded(&self, attempt: (IpAddr, Instant)) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(i) = failures.iter().position(|a| *a == attempt) {
            failures.remove(i);
        }
    }

    /// Check the owner password for a sign-in from `ip`, within the lockout and one check at
    /// a time: the consent page and the web app sign in through here.
    pub(super) async fn check_password(
        &self,
        engine: &Engine,
        ip: IpAddr,
        password: String,
    ) -> SignIn {
        let Some(attempt) = self.begin(ip) else {
            return SignIn::Locked;
        };
        let right = {
            let _one_at_a_time = self.checking.acquire().await;
            let engine = engine.clone();
            blocking(move || engine.check_owner_password(&password)).await
        };
        match right {
            Ok(true) => {
                self.succeeded(attempt);
                SignIn::Right
            }
            Ok(false) => {
                tracing::warn!(ip = %ip, "wrong owner password");
                let engine = engine.clone();
                if let Err(e) = blocking(move || engine.record_failed_sign_in(ip)).await {
                    tracing::error!("cannot write the access trail: {e}");
                }
                SignIn::Wrong
            }
            Err(e) => SignIn::Failed(e),
        }
    }
}

/// The authorization-server metadata (RFC 8414).
pub fn metadata(config: &OAuthConfig) -> Value {
    let issuer = &config.issuer;
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth/authorize"),
        "token_endpoint": format!("{issuer}/oauth/token"),
        "registration_endpoint": format!("{issuer}/oauth/register"),
        "revocation_endpoint": format!("{issuer}/oauth/revoke"),
        "scopes_supported": [SCOPE_READ, SCOPE_WRITE],
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
        "client_id_metadata_document_supported": true,
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
    })
}

fn engine(state: &AppState) -> Engine {
    state
        .shared
        .server
        .engine()
        .with_source(crate::engine::Source::Http)
}

/// An OAuth error answer (RFC 6749 §5.2).
fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    tracing::warn!(status = status.as_u16(), code, "oauth: {description}");
    let mut response = (
        status,
        axum::Json(json!({ "error": code, "error_description": description })),
    )
        .into_response();
    no_store(&mut response);
    response
}

fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// `POST /oauth/register`: a public client (no secret; PKCE) with its redirect URIs.
pub(super) async fn register(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // JSON only: a page elsewhere cannot make a visitor's browser register (it would need a
    // CORS preflight, which only allowed origins pass).
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if !json {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_metadata",
            "send the client metadata as Content-Type: application/json",
        );
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_metadata",
            "the body must be JSON client metadata (RFC 7591)",
        );
    };
    let method = request
        .get("token_endpoint_auth_method")
        .and_then(Value::as_str)
        .unwrap_or("none");
    if method != "none" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_metadata",
            "this server registers public clients only: token_endpoint_auth_method none, with PKCE",
        );
    }
    let uris: Option<Vec<String>> =
        request
            .get("redirect_uris")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            });
    let Some(uris) = uris else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_redirect_uri",
            "redirect_uris (a list of URIs) is required",
        );
    };
    let name = request
        .get("client_name")
        .and_then(Value::as_str)
        .map(String::from);
    let engine = engine(&state);
    match blocking(move || engine.register_oauth_client(name.as_deref(), uris)).await {
        Ok(client) => {
            tracing::info!(
                client_id = client.client_id,
                name = client.client_name,
                "oauth: client registered"
            );
            let mut response = (
                StatusCode::CREATED,
                axum::Json(json!({
                    "client_id": client.client_id,
                    "client_id_issued_at": chrono::Utc::now().timestamp(),
                    "client_name": client.client_name,
                    "redirect_uris": client.redirect_uris,
                    "grant_types": ["authorization_code", "refresh_token"],
                    "response_types": ["code"],
                    "token_endpoint_auth_method": "none",
                })),
            )
                .into_response();
            no_store(&mut response);
            response
        }
        Err(e) if e.field.as_deref() == Some("redirect_uris") => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_redirect_uri", &e.message)
        }
        Err(e) if e.code == crate::error::ErrorCode::ValidationError => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_metadata",
            &e.message,
        ),
        Err(e) => {
            tracing::error!("oauth: {e}");
            oauth_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "try again shortly",
            )
        }
    }
}

/// The parameters of an authorization request, from the query (GET) or the consent form
/// (POST, with the password and the form token).
#[derive(Clone, Default, Deserialize)]
pub(super) struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    resource: Option<String>,
    password: Option<String>,
    form_token: Option<String>,
    /// The owner's choice on the consent page: `read` narrows the grant to reading.
    access: Option<String>,
}

/// A checked authorization request.
struct Checked {
    client_name: String,
    /// For a client ID metadata document: the host that published it (the client's identity,
    /// proven by TLS).
    published_by: Option<String>,
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    scope: String,
    state: Option<String>,
}

/// Check an authorization request. Until the client and its exact redirect URI are known,
/// errors are shown on a page (never sent to an unchecked URI); after, they go back to the
/// client by redirect.
async fn check_request(
    state: &AppState,
    config: &OAuthConfig,
    params: &AuthorizeParams,
    read_document: bool,
) -> Result<Checked, Box<Response>> {
    let client_id = params.client_id.clone().unwrap_or_default();
    let engine = engine(state);
    // A client ID that is a URL is read from its metadata document when the consent page is
    // shown; the answer to the page uses what was stored then.
    let loopback_issuer = url::Url::parse(&config.issuer)
        .is_ok_and(|issuer| crate::domain::oauth::is_loopback(&issuer));
    let document_url = crate::domain::oauth::metadata_document_url(&client_id, loopback_issuer);
    if let (Some(url), true) = (&document_url, read_document)
        && let Err(reason) = read_client_document(&engine, url.clone()).await
    {
        tracing::warn!(client_id = %url, "oauth: the client's metadata document was refused: {reason}");
        return Err(Box::new(notice_page(
            StatusCode::BAD_REQUEST,
            "Unknown application",
            "The application's metadata document could not be read, or does not describe it (its own URL as client_id, a public client, its redirect URIs). Nothing was granted.",
        )));
    }
    let lookup = client_id.clone();
    let client = match blocking(move || engine.oauth_client(&lookup)).await {
        Ok(Some(client)) => client,
        Ok(None) => {
            return Err(Box::new(notice_page(
                StatusCode::BAD_REQUEST,
                "Unknown application",
                "The application that sent you here is not registered with this server. Connect it again from the application.",
            )));
        }
        Err(e) => {
            return Err(Box::new(unavailable(&e)));
        }
    };
    let redirect_uri = params.redirect_uri.clone().unwrap_or_default();
    if !client
        .redirect_uris
        .iter()
        .any(|registered| crate::domain::oauth::redirect_matches(registered, &redirect_uri))
    {
        return Err(Box::new(notice_page(
            StatusCode::BAD_REQUEST,
            "Wrong return address",
            "The application asked to return to an address it did not register. Nothing was granted.",
        )));
    }
    let back = |error: &str, description: &str| {
        Err(Box::new(error_page(
            &redirect_uri,
            error,
            description,
            params.state.as_deref(),
        )))
    };
    if params.response_type.as_deref() != Some("code") {
        return back("unsupported_response_type", "response_type must be code");
    }
    let Some(code_challenge) = params.code_challenge.clone().filter(|c| !c.is_empty()) else {
        return back("invalid_request", "code_challenge is required (PKCE)");
    };
    if code_challenge.len() != 43
        || !code_challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return back(
            "invalid_request",
            "code_challenge must be the 43-character base64url SHA-256 of the verifier",
        );
    }
    if params.code_challenge_method.as_deref() != Some("S256") {
        return back("invalid_request", "code_challenge_method must be S256");
    }
    if params
        .resource
        .as_deref()
        .is_some_and(|r| r != config.audience)
    {
        return back(
            "invalid_target",
            &format!("this server's resource is {}", config.audience),
        );
    }
    let scope = match granted_scope(params.scope.as_deref()) {
        Ok(scope) => scope,
        Err(e) => return back("invalid_scope", &e.message),
    };
    Ok(Checked {
        client_name: client.client_name,
        published_by: document_url.and_then(|url| url.host_str().map(str::to_string)),
        client_id,
        redirect_uri,
        code_challenge,
        scope,
        state: params.state.clone(),
    })
}

/// Read, check and store the client ID metadata document at `url`: GET without redirects,
/// 5 s, at most 5 KiB of JSON.
async fn read_client_document(engine: &Engine, url: url::Url) -> std::result::Result<(), String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let mut response = client
        .get(url.clone())
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("it answered {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        body.extend_from_slice(&chunk);
        if body.len() > crate::domain::oauth::MAX_CLIENT_DOCUMENT_BYTES {
            return Err("it is larger than 5 KiB".into());
        }
    }
    let document: Value = serde_json::from_slice(&body).map_err(|e| format!("not JSON: {e}"))?;
    let (name, uris) = crate::domain::oauth::check_client_document(url.as_str(), &document)
        .map_err(|e| e.message)?;
    let engine = engine.clone();
    blocking(move || engine.save_metadata_client(url.as_str(), name.as_deref(), uris))
        .await
        .map(|_| ())
        .map_err(|e| e.message)
}

/// What the form token covers: everything the consent grants.
fn consent_content(checked: &Checked) -> String {
    [
        "consent",
        &checked.client_id,
        &checked.redirect_uri,
        &checked.code_challenge,
        &checked.scope,
        checked.state.as_deref().unwrap_or(""),
    ]
    .join("\n")
}

/// `GET /oauth/authorize`: the consent page.
pub(super) async fn authorize_page(
    State(state): State<AppState>,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    let Some(config) = state.shared.auth_server.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let checked = match check_request(&state, &config, &params, true).await {
        Ok(checked) => checked,
        Err(response) => return *response,
    };
    let engine = engine(&state);
    let content = consent_content(&checked);
    let token = match blocking(move || engine.form_token(&content, CONSENT_SECONDS)).await {
        Ok(token) => token,
        Err(e) => {
            return unavailable(&e);
        }
    };
    consent_page(&config.issuer, &checked, &params, &token, None)
}

/// `POST /oauth/authorize`: the owner's answer. The password is checked (argon2; five wrong
/// ones in 15 minutes lock the page for 15 minutes); then a code goes back to the client.
pub(super) async fn authorize_answer(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    form: Result<Form<AuthorizeParams>, FormRejection>,
) -> Response {
    let Ok(Form(params)) = form else {
        return notice_page(
            StatusCode::BAD_REQUEST,
            "Not a sign-in form",
            "Start the connection again from the application.",
        );
    };
    let Some(config) = state.shared.auth_server.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let checked = match check_request(&state, &config, &params, false).await {
        Ok(checked) => checked,
        Err(response) => return *response,
    };
    let engine = engine(&state);
    let content = consent_content(&checked);
    let offered = params.form_token.clone().unwrap_or_default();
    let form_ok = {
        let engine = engine.clone();
        blocking(move || engine.check_form_token(&content, &offered)).await
    };
    if !matches!(form_ok, Ok(true)) {
        return notice_page(
            StatusCode::FORBIDDEN,
            "This page has expired",
            "The sign-in form is too old or was not made by this server. Start the connection again from the application.",
        );
    }
    if params.access.as_deref() == Some("deny") {
        tracing::info!(
            client_id = checked.client_id,
            "oauth: the owner denied access"
        );
        return redirect_back(
            &checked.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "the owner denied access"),
            ],
            checked.state.as_deref(),
        );
    }
    let password = params.password.clone().unwrap_or_default();
    match state
        .shared
        .sign_ins
        .check_password(&engine, peer.ip(), password)
        .await
    {
        SignIn::Right => {}
        SignIn::Locked => {
            return notice_page(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many failed sign-ins",
                "Signing in is locked for 15 minutes after five wrong passwords.",
            );
        }
        SignIn::Wrong => {
            tracing::warn!(client_id = checked.client_id, "oauth: wrong owner password");
            let token = params.form_token.clone().unwrap_or_default();
            return consent_page(
                &config.issuer,
                &checked,
                &params,
                &token,
                Some("Wrong password."),
            );
        }
        SignIn::Failed(e) => return unavailable(&e),
    }
    // The owner may allow less than was asked for: reading only.
    let scope = if params.access.as_deref() == Some("read") {
        SCOPE_READ.to_string()
    } else {
        checked.scope.clone()
    };
    let issued = {
        let (client_id, redirect_uri, challenge, resource) = (
            checked.client_id.clone(),
            checked.redirect_uri.clone(),
            checked.code_challenge.clone(),
            config.audience.clone(),
        );
        blocking(move || {
            engine.issue_authorization_code(
                &client_id,
                &redirect_uri,
                &challenge,
                &scope,
                &resource,
            )
        })
        .await
    };
    match issued {
        Ok(code) => redirect_back(
            &checked.redirect_uri,
            &[("code", &code)],
            checked.state.as_deref(),
        ),
        Err(e) => unavailable(&e),
    }
}

/// The client's redirect URI with `pairs` and `state`.
fn return_url(redirect_uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> String {
    let mut query = url_encoded(pairs);
    if let Some(state) = state {
        query.push('&');
        query.push_str(&url_encoded(&[("state", state)]));
    }
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    format!("{redirect_uri}{separator}{query}")
}

/// An error of an authorization request after the client and its redirect URI are known.
/// Every client registered itself, so none is trusted enough for an automatic redirect (RFC
/// 9700 §4.11.2): a page says what is wrong, with a link back to the application.
fn error_page(redirect_uri: &str, error: &str, description: &str, state: Option<&str>) -> Response {
    let back = return_url(
        redirect_uri,
        &[("error", error), ("error_description", description)],
        state,
    );
    page(
        StatusCode::BAD_REQUEST,
        "The application's request is not valid",
        html! {
            p { (description) }
            p { a href=(back) { "Return to the application" } }
        },
    )
}

/// A `303` (after the owner's answer) to the client's redirect URI with `pairs` and `state`.
fn redirect_back(redirect_uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let location = return_url(redirect_uri, pairs, state);
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    no_store(&mut response);
    response
}

/// `application/x-www-form-urlencoded` pairs.
fn url_encoded(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The token request (RFC 6749 §4.1.3, §6).
#[derive(Deserialize)]
pub(super) struct TokenRequest {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    client_id: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    resource: Option<String>,
}

/// `POST /oauth/token`.
pub(super) async fn token(
    State(state): State<AppState>,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    let Ok(Form(request)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send the parameters as application/x-www-form-urlencoded",
        );
    };
    let Some(config) = state.shared.auth_server.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if request
        .resource
        .as_deref()
        .is_some_and(|r| r != config.audience)
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_target",
            &format!("this server's resource is {}", config.audience),
        );
    }
    let client_id = request.client_id.clone().unwrap_or_default();
    let engine = engine(&state);
    let outcome = match request.grant_type.as_deref() {
        Some("authorization_code") => {
            let (Some(code), Some(redirect_uri), Some(verifier)) = (
                request.code.clone(),
                request.redirect_uri.clone(),
                request.code_verifier.clone(),
            ) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code, redirect_uri and code_verifier (PKCE) are required",
                );
            };
            blocking(move || {
                engine.exchange_authorization_code(&code, &client_id, &redirect_uri, &verifier)
            })
            .await
        }
        Some("refresh_token") => {
            let Some(refresh) = request.refresh_token.clone() else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required",
                );
            };
            blocking(move || engine.refresh_oauth_tokens(&refresh, &client_id)).await
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            );
        }
    };
    match outcome {
        Ok(Ok(pair)) => {
            let mut response = axum::Json(json!({
                "access_token": pair.access_token,
                "token_type": "Bearer",
                "expires_in": pair.expires_in,
                "refresh_token": pair.refresh_token,
                "scope": pair.scope,
            }))
            .into_response();
            no_store(&mut response);
            response
        }
        Ok(Err(GrantError { code, description })) => {
            oauth_error(StatusCode::BAD_REQUEST, code, &description)
        }
        Err(e) => {
            tracing::error!("oauth: {e}");
            oauth_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "try again shortly",
            )
        }
    }
}

/// The revocation request (RFC 7009).
#[derive(Deserialize)]
pub(super) struct RevokeRequest {
    token: Option<String>,
}

/// `POST /oauth/revoke`: `200` whether or not the token was known.
pub(super) async fn revoke(
    State(state): State<AppState>,
    form: Result<Form<RevokeRequest>, FormRejection>,
) -> Response {
    let Some(token) = form.ok().and_then(|Form(request)| request.token) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    let engine = engine(&state);
    match blocking(move || engine.revoke_oauth_token(&token)).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => {
            tracing::error!("oauth: {e}");
            oauth_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "try again shortly",
            )
        }
    }
}

/// A page saying to try again; what failed goes to the log only.
fn unavailable(error: &Error) -> Response {
    tracing::error!("oauth: {error}");
    notice_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Try again",
        "The server cannot answer this now. Try again shortly.",
    )
}

/// The pages' style sheet, inline (the CSP allows inline styles and nothing else).
const PAGE_STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.5}
h1{font-size:1.4rem;color:#1f3a5f}label{display:block;margin:1rem 0 .3rem;font-weight:600}
fieldset{border:1px solid #767676;border-radius:4px;margin-top:1rem}fieldset label{font-weight:400;margin:.3rem 0}
input[type=password]{width:100%;padding:.6rem;font-size:1rem;border:1px solid #767676;border-radius:4px;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;background:#1f3a5f;color:#fff;border:0;border-radius:4px;cursor:pointer}
button:focus,input:focus{outline:3px solid #f0b400;outline-offset:2px}.error{color:#a00000;font-weight:600}";

/// A page of one paragraph of `text`.
fn notice_page(status: StatusCode, title: &str, text: &str) -> Response {
    page(status, title, html! { p { (text) } })
}

/// A page of the authorization server, with headers that keep it out of frames and caches
/// and allow no script at all.
fn page(status: StatusCode, title: &str, body: Markup) -> Response {
    let html = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · invoicer" }
                style { (PreEscaped(PAGE_STYLE)) }
            }
            body { main { h1 { (title) } (body) } }
        }
    };
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    no_store(&mut response);
    response
}

/// The consent page: who asks, for what, and the owner's password.
fn consent_page(
    issuer: &str,
    checked: &Checked,
    params: &AuthorizeParams,
    form_token: &str,
    error: Option<&str>,
) -> Response {
    let writes = crate::domain::oauth::scope_writes(&checked.scope);
    let what = if writes {
        "read and change your invoices, customers and settings (create, finalize, record payments)"
    } else {
        "read your invoices and customers"
    };
    let hidden = [
        ("response_type", Some("code")),
        ("client_id", Some(checked.client_id.as_str())),
        ("redirect_uri", Some(checked.redirect_uri.as_str())),
        ("code_challenge", Some(checked.code_challenge.as_str())),
        ("code_challenge_method", Some("S256")),
        ("scope", params.scope.as_deref()),
        ("state", checked.state.as_deref()),
        ("resource", params.resource.as_deref()),
        ("form_token", Some(form_token)),
    ];
    let body = html! {
        p { strong { (checked.client_name) } " asks to " (what) "." }
        p {
            @match &checked.published_by {
                Some(publisher) => {
                    "The application is described by a document on " strong { (publisher) }
                    "; the name is what that site says."
                }
                None => "The name is the application's own and is not verified.",
            }
            " It returns to " strong { (crate::domain::oauth::redirect_host(&checked.redirect_uri)) }
            " (" code { (checked.redirect_uri) } ")."
        }
        @if let Some(error) = error {
            p.error role="alert" { (error) }
        }
        form method="post" action=(format!("{issuer}/oauth/authorize")) {
            @for (name, value) in hidden {
                @if let Some(value) = value {
                    input type="hidden" name=(name) value=(value);
                }
            }
            // Where write access is asked for, the owner may give reading only.
            @if writes {
                fieldset {
                    legend { "Access" }
                    label { input type="radio" name="access" value="write" checked; " Read and change" }
                    label { input type="radio" name="access" value="read"; " Read only" }
                }
            }
            label for="password" { "Owner password" }
            input type="password" id="password" name="password" autocomplete="current-password" autofocus;
            button type="submit" { "Allow" }
            " "
            button type="submit" name="access" value="deny" formnovalidate { "Deny" }
        }
    };
    let status = if error.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNAUTHORIZED
    };
    page(status, "Allow access to invoicer?", body)
}
