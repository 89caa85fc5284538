//! The owner's web app under `/app`, on the same port as MCP: a dashboard, the document list
//! with search and filters, a document page with its PDF and e-invoices, customers, and the
//! few actions an owner does by hand (finalize, record a payment, void, credit note), each
//! behind a confirmation and through the same engine verbs as the tools.
//!
//! - `session.rs`: the session cookie, the sign-in check, CSRF, the security headers.
//! - `pages.rs`: the HTML (maud); `lang.rs`: German or English from `Accept-Language`.
//!
//! Signing in takes the owner password (the consent page's, with its lockout) or a one-time
//! link from `invoicer owner login-link`.

mod lang;
mod pages;
mod session;

pub(super) use session::UsedForms;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Extension, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::authserver::SignIn;
use super::routes::{Download, make_file};
use super::{AppState, blocking};
use crate::domain::credit_note::NewCreditNote;
use crate::domain::document::{Document, DocumentKind};
use crate::domain::lifecycle::Status;
use crate::domain::listing::ListFilter;
use crate::domain::money::Currency;
use crate::domain::payment::NewPayment;
use crate::einvoice::Target;
use crate::engine::{DocumentKey, Engine, Source};
use crate::error::{Error, ErrorCode};
use lang::Lang;
use pages::{Action, ActionInput, Frame, Section};
use session::Signed;

/// How long the sign-in form may wait.
const SIGN_IN_FORM_SECONDS: i64 = 30 * 60;
/// What the sign-in form's token is bound to.
const SIGN_IN_FORM: &str = "web-sign-in";
/// Documents per page of the list.
const PAGE_SIZE: u32 = 25;
/// How long a confirmation form may wait.
const FORM_SECONDS: i64 = 30 * 60;
/// Customers the customer page shows at most.
const CUSTOMER_ROWS: u32 = 200;

/// The app's routes; `mod.rs` puts the Host/Origin check and the rate limit around them.
pub(super) fn routes(state: &AppState) -> Router<AppState> {
    use axum::routing::get;
    Router::new()
        .route("/app", get(dashboard))
        .route("/app/style.css", get(style))
        .route("/app/sign-in", get(sign_in_page).post(sign_in))
        .route("/app/sign-in/link", get(link_page).post(link_sign_in))
        .route("/app/sign-out", axum::routing::post(sign_out))
        .route("/app/documents", get(documents))
        .route("/app/documents/{id}", get(document))
        .route("/app/documents/{id}/file/{format}", get(file))
        .route("/app/documents/{id}/{action}", get(confirm).post(act))
        .route("/app/customers", get(customers))
        .route("/app/{*rest}", get(not_found))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::require,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::security_headers,
        ))
        .route("/", get(|| async { Redirect::to("/app") }))
}

/// The engine as the web app uses it (its changes are recorded as `web`).
fn engine(state: &AppState) -> Engine {
    state.shared.server.engine().with_source(Source::Web)
}

/// A page with `status` (maud's markup answers as `text/html`).
fn respond(status: StatusCode, markup: Markup) -> Response {
    (status, markup).into_response()
}

/// A page of a signed-in owner.
fn signed_page(
    l: Lang,
    signed: &Signed,
    section: Section,
    title: &str,
    status: StatusCode,
    content: Markup,
) -> Response {
    let frame = Frame {
        lang: l,
        title,
        csrf: Some(&signed.session.csrf),
        section,
    };
    respond(status, pages::layout(&frame, content))
}

/// A page of someone not signed in.
fn public_page(l: Lang, title: &str, status: StatusCode, content: Markup) -> Response {
    let frame = Frame {
        lang: l,
        title,
        csrf: None,
        section: Section::None,
    };
    respond(status, pages::layout(&frame, content))
}

/// An engine error as a page: the status its code calls for and the message (which names
/// the field at fault), with a link to the dashboard.
fn error_page(l: Lang, signed: &Signed, error: &Error) -> Response {
    error_page_back(
        l,
        signed,
        error,
        ("/app", l.t("Back to the dashboard", "Zur Übersicht")),
    )
}

/// [`error_page`] with a link `back` (where, and its text).
fn error_page_back(l: Lang, signed: &Signed, error: &Error, back: (&str, &str)) -> Response {
    let (status, title) = match error.code {
        ErrorCode::NotFound => (StatusCode::NOT_FOUND, l.t("Not found", "Nicht gefunden")),
        ErrorCode::ValidationError => (
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t("Not accepted", "Nicht angenommen"),
        ),
        ErrorCode::InvalidStatus | ErrorCode::Conflict => (
            StatusCode::CONFLICT,
            l.t("Not possible now", "Jetzt nicht möglich"),
        ),
        ErrorCode::ReadOnly => (StatusCode::FORBIDDEN, l.t("Read-only", "Nur lesend")),
        ErrorCode::StorageError | ErrorCode::RenderError | ErrorCode::Internal => {
            tracing::error!("web: {error}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                l.t("Something went wrong", "Ein Fehler ist aufgetreten"),
            )
        }
    };
    let text = match (&error.field, status) {
        (_, StatusCode::INTERNAL_SERVER_ERROR) => l
            .t(
                "The server could not do this. The log says why.",
                "Der Server konnte das nicht ausführen. Das Protokoll nennt den Grund.",
            )
            .to_string(),
        (Some(field), _) => format!("{field}: {}", error.message),
        (None, _) => error.message.clone(),
    };
    signed_page(
        l,
        signed,
        Section::None,
        title,
        status,
        pages::message(&text, back),
    )
}

/// The answer of every page on a read-only server: signing in writes a session.
fn read_only_page(headers: &HeaderMap) -> Response {
    let l = Lang::of(headers);
    public_page(
        l,
        l.t("Read-only server", "Nur-Lese-Server"),
        StatusCode::SERVICE_UNAVAILABLE,
        pages::message(
            l.t("This server runs with --read-only, and the web app needs a writable database (signing in stores a session). Use the web app of the server that writes.",
                "Dieser Server läuft mit --read-only; die Web-App braucht eine beschreibbare Datenbank (die Anmeldung speichert eine Sitzung). Nutzen Sie die Web-App des schreibenden Servers."),
            ("/health", "/health"),
        ),
    )
}

/// `GET /app/style.css`.
async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        pages::STYLE,
    )
        .into_response()
}

/// `GET /app/*` that names no page.
async fn not_found(headers: HeaderMap, Extension(signed): Extension<Signed>) -> Response {
    let l = Lang::of(&headers);
    error_page(
        l,
        &signed,
        &Error::not_found(l.t("There is no such page.", "Diese Seite gibt es nicht.")),
    )
}

/// The sign-in page's query.
#[derive(Deserialize)]
struct SignInQuery {
    next: Option<String>,
}

/// `GET /app/sign-in`.
async fn sign_in_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> Response {
    let l = Lang::of(&headers);
    sign_in_form(
        &state,
        l,
        &session::safe_next(query.next.as_deref()),
        None,
        StatusCode::OK,
    )
    .await
}

/// The sign-in form with a fresh form token.
async fn sign_in_form(
    state: &AppState,
    l: Lang,
    next: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let engine = engine(state);
    let made = blocking(move || {
        Ok((
            engine.form_token(SIGN_IN_FORM, SIGN_IN_FORM_SECONDS)?,
            engine.owner_password_set()?,
        ))
    })
    .await;
    match made {
        Ok((token, password_set)) => public_page(
            l,
            l.t("Sign in", "Anmelden"),
            status,
            pages::sign_in(l, &token, next, error, !password_set),
        ),
        Err(e) => unavailable(l, &e),
    }
}

/// The server cannot answer now (the database): a page saying to try again; why goes to the log.
fn unavailable(l: Lang, error: &Error) -> Response {
    tracing::error!("web: {error}");
    public_page(
        l,
        l.t("Try again", "Bitte erneut versuchen"),
        StatusCode::SERVICE_UNAVAILABLE,
        pages::message(
            l.t(
                "The server cannot answer this now. Try again shortly.",
                "Der Server kann gerade nicht antworten. Bitte gleich erneut versuchen.",
            ),
            ("/app", l.t("Back", "Zurück")),
        ),
    )
}

/// The sign-in form as posted.
#[derive(Deserialize)]
struct SignInForm {
    password: Option<String>,
    form: Option<String>,
    next: Option<String>,
}

/// `POST /app/sign-in`: the owner password, then a session cookie and back to where the owner
/// was going.
async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Response {
    let l = Lang::of(&headers);
    let Ok(Form(form)) = form else {
        return sign_in_form(
            &state,
            l,
            "/app",
            Some(l.t(
                "Send the form of this page.",
                "Bitte das Formular dieser Seite senden.",
            )),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let next = session::safe_next(form.next.as_deref());
    let engine = engine(&state);
    let offered = form.form.unwrap_or_default();
    let form_ok = {
        let engine = engine.clone();
        blocking(move || engine.check_form_token(SIGN_IN_FORM, &offered)).await
    };
    if !matches!(form_ok, Ok(true)) {
        return sign_in_form(
            &state,
            l,
            &next,
            Some(l.t("The form was too old or not made by this server. Try again.", "Das Formular war zu alt oder stammt nicht von diesem Server. Bitte erneut versuchen.")),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let password = form.password.unwrap_or_default();
    match state
        .shared
        .sign_ins
        .check_password(&engine, peer.ip(), password)
        .await
    {
        SignIn::Right => {}
        SignIn::Wrong => {
            return sign_in_form(
                &state,
                l,
                &next,
                Some(l.t("Wrong password.", "Falsches Passwort.")),
                StatusCode::UNAUTHORIZED,
            )
            .await;
        }
        SignIn::Locked => {
            return sign_in_form(
                &state,
                l,
                &next,
                Some(l.t(
                    "Signing in is locked for 15 minutes after five wrong passwords.",
                    "Nach fünf falschen Passwörtern ist die Anmeldung 15 Minuten gesperrt.",
                )),
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await;
        }
        SignIn::Failed(e) => return unavailable(l, &e),
    }
    let previous = session::cookie_token(&headers);
    start_session(&state, l, engine, &next, peer, previous).await
}

/// A new session for a signed-in browser: the cookie, and a redirect to `next`.
async fn start_session(
    state: &AppState,
    l: Lang,
    engine: Engine,
    next: &str,
    peer: SocketAddr,
    previous: Option<String>,
) -> Response {
    match blocking(move || engine.start_web_session(peer.ip(), previous.as_deref())).await {
        Ok((token, _)) => {
            tracing::info!(ip = %peer.ip(), "web: the owner signed in");
            let mut response = Redirect::to(next).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                session::set_cookie(&token, session::over_https(state)),
            );
            response
        }
        Err(e) => unavailable(l, &e),
    }
}

/// A sign-in link's query and form.
#[derive(Deserialize)]
struct LinkToken {
    token: Option<String>,
}

/// `GET /app/sign-in/link?token=…`: a button that uses the link (previews do not).
async fn link_page(headers: HeaderMap, Query(query): Query<LinkToken>) -> Response {
    let l = Lang::of(&headers);
    let token = query.token.unwrap_or_default();
    public_page(
        l,
        l.t("Sign in", "Anmelden"),
        StatusCode::OK,
        pages::login_link(l, &token),
    )
}

/// `POST /app/sign-in/link`: use the link once.
async fn link_sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<LinkToken>, FormRejection>,
) -> Response {
    let l = Lang::of(&headers);
    let token = form.ok().and_then(|Form(f)| f.token).unwrap_or_default();
    let engine = engine(&state);
    match blocking(move || engine.redeem_login_link(&token, peer.ip())).await {
        Ok(Some((token, _))) => {
            tracing::info!(ip = %peer.ip(), "web: the owner signed in with a sign-in link");
            let mut response = Redirect::to("/app").into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                session::set_cookie(&token, session::over_https(&state)),
            );
            response
        }
        Ok(None) => public_page(
            l,
            l.t("This link does not work", "Dieser Link funktioniert nicht"),
            StatusCode::FORBIDDEN,
            pages::message(
                l.t("A sign-in link works once and for 15 minutes. Print a new one with invoicer owner login-link, or sign in with the password.",
                    "Ein Anmeldelink funktioniert einmal und 15 Minuten lang. Erzeugen Sie einen neuen mit invoicer owner login-link oder melden Sie sich mit dem Passwort an."),
                ("/app/sign-in", l.t("Sign in", "Anmelden")),
            ),
        ),
                Err(e) => unavailable(l, &e),
    }
}

/// A form that carries only the CSRF token.
#[derive(Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

/// The refusal of a form without the session's CSRF token.
fn forged(l: Lang, signed: &Signed) -> Response {
    signed_page(
        l,
        signed,
        Section::None,
        l.t("This form was not accepted", "Dieses Formular wurde nicht angenommen"),
        StatusCode::FORBIDDEN,
        pages::message(
            l.t("The form did not come from this app, or it is from an earlier sign-in. Go back, reload the page and try again.",
                "Das Formular stammt nicht aus dieser Anwendung oder aus einer früheren Anmeldung. Gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es erneut."),
            ("/app", l.t("Back to the dashboard", "Zur Übersicht")),
        ),
    )
}

/// `POST /app/sign-out`.
async fn sign_out(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Extension(signed): Extension<Signed>,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let l = Lang::of(&headers);
    let offered = form.ok().and_then(|Form(f)| f.csrf).unwrap_or_default();
    if !signed.csrf_matches(&offered) {
        return forged(l, &signed);
    }
    let engine = engine(&state);
    let token = signed.token.clone();
    if let Err(e) = blocking(move || engine.end_web_session(&token, peer.ip())).await {
        return error_page(l, &signed, &e);
    }
    let mut response = Redirect::to("/app/sign-in").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session::clear_cookie(session::over_https(&state)),
    );
    response
}

/// `GET /app`: the dashboard.
async fn dashboard(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(signed): Extension<Signed>,
) -> Response {
    let l = Lang::of(&headers);
    let engine = engine(&state);
    match blocking(move || engine.dashboard()).await {
        Ok(data) => signed_page(
            l,
            &signed,
            Section::Dashboard,
            l.t("Dashboard", "Übersicht"),
            StatusCode::OK,
            pages::dashboard(l, &data),
        ),
        Err(e) => error_page(l, &signed, &e),
    }
}

/// The document list's query.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    kind: Option<String>,
    overdue: Option<String>,
    customer: Option<String>,
    cursor: Option<String>,
}

impl ListQuery {
    /// The engine's filter; unknown values of the selects mean "all".
    fn filter(self) -> ListFilter {
        let status = self.status.as_deref().and_then(|s| {
            [
                Status::Draft,
                Status::Open,
                Status::Paid,
                Status::Void,
                Status::Uncollectible,
            ]
            .into_iter()
            .find(|status| status.as_str() == s)
        });
        let kind = self.kind.as_deref().and_then(|k| {
            [DocumentKind::Invoice, DocumentKind::CreditNote]
                .into_iter()
                .find(|kind| kind.as_str() == k)
        });
        ListFilter {
            status,
            kind,
            customer_id: self.customer.and_then(|c| c.parse().ok()),
            overdue: self.overdue.is_some_and(|o| !o.is_empty()),
            query: self
                .q
                .map(|q| q.trim().to_string())
                .filter(|q| !q.is_empty()),
            limit: Some(PAGE_SIZE),
            cursor: self.cursor.filter(|c| !c.is_empty()),
            ..ListFilter::default()
        }
    }
}

/// The list's URL for `filter` (its cursor included).
fn list_href(filter: &ListFilter) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(q) = &filter.query {
        query.append_pair("q", q);
    }
    if let Some(status) = filter.status {
        query.append_pair("status", status.as_str());
    }
    if let Some(kind) = filter.kind {
        query.append_pair("kind", kind.as_str());
    }
    if filter.overdue {
        query.append_pair("overdue", "on");
    }
    if let Some(customer) = filter.customer_id {
        query.append_pair("customer", &customer.to_string());
    }
    if let Some(cursor) = &filter.cursor {
        query.append_pair("cursor", cursor);
    }
    let query = query.finish();
    if query.is_empty() {
        "/app/documents".into()
    } else {
        format!("/app/documents?{query}")
    }
}

/// `GET /app/documents`: the list, searched and filtered.
async fn documents(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(signed): Extension<Signed>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let l = Lang::of(&headers);
    let filter = query.map(|Query(q)| q).unwrap_or_default().filter();
    let engine = engine(&state);
    let wanted = filter.clone();
    match blocking(move || engine.list_invoices(&wanted)).await {
        Ok(page) => {
            let next = page.next_cursor.clone().map(|cursor| {
                list_href(&ListFilter {
                    cursor: Some(cursor),
                    ..filter.clone()
                })
            });
            signed_page(
                l,
                &signed,
                Section::Documents,
                l.t("Documents", "Belege"),
                StatusCode::OK,
                pages::documents(
                    l,
                    &filter,
                    page.items.first().map(|d| d.buyer_name.as_str()),
                    &page,
                    next,
                ),
            )
        }
        Err(e) => error_page(l, &signed, &e),
    }
}

/// The document id in a path, or a not-found error.
fn document_id(text: &str) -> Result<i64, Error> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| Error::not_found(format!("no document '{text}'")))
}

/// The document page's query.
#[derive(Deserialize)]
struct DocumentQuery {
    done: Option<String>,
}

/// What an action's redirect says on the document page.
fn notice(l: Lang, done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "finalized" => l.t(
            "Finalized. The PDF is archived.",
            "Abgeschlossen. Das PDF ist archiviert.",
        ),
        "paid" => l.t("The payment is recorded.", "Die Zahlung ist erfasst."),
        "voided" => l.t("The document is void.", "Der Beleg ist storniert."),
        "credit" => l.t(
            "This credit note draft was created. Review it, then finalize it.",
            "Dieser Gutschrift-Entwurf wurde erstellt. Prüfen und dann abschließen.",
        ),
        _ => return None,
    })
}

/// `GET /app/documents/{id}`: details, lines, amounts, payments, the PDF, files, history.
async fn document(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    query: Result<Query<DocumentQuery>, QueryRejection>,
) -> Response {
    let l = Lang::of(&headers);
    let engine = engine(&state);
    let writable = !state.shared.server.is_read_only();
    let loaded = blocking(move || {
        let key = DocumentKey::Id(document_id(&id)?);
        let zone = engine
            .get_seller_profile()?
            .map_or_else(crate::domain::dates::Zone::utc, |p| p.zone());
        Ok((
            engine.get_invoice(&key)?,
            engine.get_invoice_history(&key)?,
            zone,
        ))
    })
    .await;
    match loaded {
        Ok((document, history, zone)) => {
            let title = document_title(l, &document);
            let view = pages::DocumentView {
                document: &document,
                history: &history,
                notice: notice(l, query.as_ref().ok().and_then(|q| q.done.as_deref())),
                writable,
                zone: &zone,
            };
            signed_page(
                l,
                &signed,
                Section::Documents,
                &title,
                StatusCode::OK,
                pages::document(l, &view),
            )
        }
        Err(e) => error_page(l, &signed, &e),
    }
}

/// "Invoice 2026-0007", "Draft invoice 12".
fn document_title(l: Lang, d: &Document) -> String {
    match &d.number {
        Some(number) => format!("{} {number}", l.kind(d.kind)),
        None => format!("{} ({}) {}", l.kind(d.kind), l.status(Status::Draft), d.id),
    }
}

/// `GET /app/documents/{id}/file/{format}`: the PDF (inline, framed by the document page) or
/// an e-invoice (downloaded).
async fn file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(signed): Extension<Signed>,
    Path((id, format)): Path<(String, String)>,
) -> Response {
    let l = Lang::of(&headers);
    let engine = engine(&state);
    let pdf = format == "pdf";
    let document_page = format!("/app/documents/{id}");
    let made = blocking(move || {
        let key = DocumentKey::Id(document_id(&id)?);
        let download = if pdf {
            Download::Pdf(key)
        } else if pages::EINVOICE_FILES
            .iter()
            .any(|(name, _)| *name == format)
        {
            Download::EInvoice(key, Target::parse(&format, None)?)
        } else {
            return Err(Error::not_found(format!("no file '{format}'")));
        };
        make_file(&engine, download)
    })
    .await;
    match made {
        Ok((name, mime, bytes)) => {
            let disposition = if pdf { "inline" } else { "attachment" };
            (
                [
                    (header::CONTENT_TYPE, mime.to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("{disposition}; filename=\"{name}\""),
                    ),
                    // The document page frames the PDF; nothing else may.
                    (
                        header::CONTENT_SECURITY_POLICY,
                        "frame-ancestors 'self'".into(),
                    ),
                    (header::CACHE_CONTROL, "private, no-store".into()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => error_page_back(
            l,
            &signed,
            &e,
            (
                &document_page,
                l.t("Back to the document", "Zurück zum Beleg"),
            ),
        ),
    }
}

/// Load a document and check that `action` is one the page offers for it.
async fn load_for_action(
    state: &AppState,
    id: String,
    action: &str,
) -> Result<(Document, Action), Error> {
    let action = Action::parse(action).ok_or_else(|| Error::not_found("there is no such page"))?;
    let engine = engine(state);
    let document =
        blocking(move || engine.get_invoice(&DocumentKey::Id(document_id(&id)?))).await?;
    if !pages::available_actions(&document, !state.shared.server.is_read_only()).contains(&action) {
        return Err(Error::invalid_status(format!(
            "{} is not possible for this document ({})",
            action.path(),
            document.status.as_str()
        )));
    }
    Ok((document, action))
}

/// `GET /app/documents/{id}/{action}`: the confirmation, with the action's fields.
async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(signed): Extension<Signed>,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let l = Lang::of(&headers);
    let (document, action) = match load_for_action(&state, id, &action).await {
        Ok(loaded) => loaded,
        Err(e) => return error_page(l, &signed, &e),
    };
    let mut input = ActionInput::default();
    if action == Action::Pay {
        let engine = engine(&state);
        input.amount = l.amount_field(document.amount_due, document.content.currency());
        input.date = blocking(move || engine.today())
            .await
            .map(|d| d.to_string())
            .unwrap_or_default();
    }
    confirm_page(
        &state,
        l,
        &signed,
        &document,
        action,
        &input,
        None,
        StatusCode::OK,
    )
    .await
}

/// What a confirmation form's single-use signature is bound to: the session, the action,
/// the document and the nonce.
fn form_content(signed: &Signed, action: Action, id: i64, once: &str) -> String {
    format!(
        "web-action:{}:{}:{id}:{once}",
        signed.session.csrf,
        action.path()
    )
}

/// The confirmation page of `action`, with a fresh single-use form token.
#[allow(clippy::too_many_arguments)]
async fn confirm_page(
    state: &AppState,
    l: Lang,
    signed: &Signed,
    document: &Document,
    action: Action,
    input: &ActionInput,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let once = uuid::Uuid::new_v4().simple().to_string();
    let content = form_content(signed, action, document.id, &once);
    let engine = engine(state);
    let signature = match blocking(move || engine.form_token(&content, FORM_SECONDS)).await {
        Ok(signature) => signature,
        Err(e) => return error_page(l, signed, &e),
    };
    let form = pages::FormTokens {
        csrf: signed.session.csrf.clone(),
        once,
        signature,
    };
    signed_page(
        l,
        signed,
        Section::Documents,
        action.label(l, document.kind),
        status,
        pages::confirm(l, document, action, &form, input, error),
    )
}

/// An action's form as posted.
#[derive(Deserialize)]
struct ActionForm {
    csrf: Option<String>,
    once: Option<String>,
    form: Option<String>,
    amount: Option<String>,
    date: Option<String>,
    method: Option<String>,
    reference: Option<String>,
    reason: Option<String>,
}

/// Text that was typed, or `None` when left empty.
fn typed(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// An amount as typed (`lang::parse_amount`), or the error naming the field.
fn typed_amount(text: &str, currency: Currency, l: Lang) -> Result<Decimal, Error> {
    lang::parse_amount(text, currency, l).ok_or_else(|| {
        Error::validation(
            "amount",
            format!(
                                "'{}' is not an amount in {} (write it like 1190.50 or 1190,50, with at most {} decimals)",
                text.trim(),
                currency.code(),
                currency.exponent()
            ),
        )
    })
}

/// `POST /app/documents/{id}/{action}`: do it through the engine, then back to the document.
async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(signed): Extension<Signed>,
    Path((id, action)): Path<(String, String)>,
    form: Result<Form<ActionForm>, FormRejection>,
) -> Response {
    let l = Lang::of(&headers);
    let Ok(Form(form)) = form else {
        return forged(l, &signed);
    };
    if !signed.csrf_matches(form.csrf.as_deref().unwrap_or("")) {
        return forged(l, &signed);
    }
    let (document, action) = match load_for_action(&state, id, &action).await {
        Ok(loaded) => loaded,
        Err(e) => return error_page(l, &signed, &e),
    };
    // The form's single-use token: a second submission (a double-click, a reload) only shows
    // the document.
    let once = form.once.clone().unwrap_or_default();
    let content = form_content(&signed, action, document.id, &once);
    let offered = form.form.clone().unwrap_or_default();
    let checker = engine(&state);
    if !matches!(
        blocking(move || checker.check_form_token(&content, &offered)).await,
        Ok(true)
    ) {
        return forged(l, &signed);
    }
    if !state.shared.web_forms.first_use(&once) {
        return Redirect::to(&format!("/app/documents/{}", document.id)).into_response();
    }
    let input = ActionInput {
        amount: form.amount.unwrap_or_default(),
        date: form.date.unwrap_or_default(),
        method: form.method.unwrap_or_default(),
        reference: form.reference.unwrap_or_default(),
        reason: form.reason.unwrap_or_default(),
    };
    let engine = engine(&state);
    let id = document.id;
    let currency = document.content.currency();
    let request = input.clone();
    let done = blocking(move || match action {
        Action::Finalize => engine
            .finalize_invoice(id)
            .map(|f| (f.document.id, "finalized")),
        Action::Pay => {
            let amount = typed_amount(&request.amount, currency, l)?;
            let date = typed(&request.date)
                .map(|d| {
                    d.parse().map_err(|_| {
                        Error::validation("date", format!("'{d}' is not a date (YYYY-MM-DD)"))
                    })
                })
                .transpose()?;
            let payment = NewPayment {
                amount: Some(amount),
                date,
                method: typed(&request.method),
                reference: typed(&request.reference),
            };
            engine.record_payment(id, payment).map(|d| (d.id, "paid"))
        }
        Action::Void => engine
            .void_invoice(id, typed(&request.reason).as_deref())
            .map(|d| (d.id, "voided")),
        Action::Credit => engine
            .create_credit_note(NewCreditNote {
                invoice: id.to_string(),
                reason: typed(&request.reason),
                ..NewCreditNote::default()
            })
            .map(|d| (d.id, "credit")),
    })
    .await;
    match done {
        Ok((shown, done)) => {
            Redirect::to(&format!("/app/documents/{shown}?done={done}")).into_response()
        }
        Err(e) if e.code == ErrorCode::ValidationError => {
            let message = match &e.field {
                Some(field) => format!("{field}: {}", e.message),
                None => e.message.clone(),
            };
            confirm_page(
                &state,
                l,
                &signed,
                &document,
                action,
                &input,
                Some(&message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => error_page(l, &signed, &e),
    }
}

/// The customer page's query.
#[derive(Deserialize)]
struct CustomerQuery {
    q: Option<String>,
}

/// `GET /app/customers`.
async fn customers(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(signed): Extension<Signed>,
    query: Result<Query<CustomerQuery>, QueryRejection>,
) -> Response {
    let l = Lang::of(&headers);
    let q = query
        .ok()
        .and_then(|Query(q)| q.q)
        .map(|q| q.trim().to_string())
        .unwrap_or_default();
    let engine = engine(&state);
    let search = q.clone();
    let found =
        blocking(move || engine.list_customers(typed(&search).as_deref(), Some(CUSTOMER_ROWS)))
            .await;
    match found {
        Ok(list) => signed_page(
            l,
            &signed,
            Section::Customers,
            l.t("Customers", "Kunden"),
            StatusCode::OK,
            pages::customers(l, &q, &list),
        ),
        Err(e) => error_page(l, &signed, &e),
    }
}
