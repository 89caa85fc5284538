//! The web app's pages as HTML (maud: escaped by default, checked when compiled). No script:
//! every action is a form with the session's CSRF token, every chart an SVG drawn here.

use maud::{DOCTYPE, Markup, html};

use super::lang::Lang;
use crate::domain::audit::Event;
use crate::domain::dashboard::{CurrencyFigures, Dashboard};
use crate::domain::document::{Document, DocumentKind};
use crate::domain::lifecycle::{Status, Verb};
use crate::domain::listing::{DocumentSummary, ListFilter, Page};
use crate::domain::party::Customer;

/// Which section of the navigation a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The dashboard.
    Dashboard,
    /// Documents.
    Documents,
    /// Customers.
    Customers,
    /// Sign-in and other pages outside the navigation.
    None,
}

/// What every page of a signed-in owner shows around its content.
pub struct Frame<'a> {
    /// The language.
    pub lang: Lang,
    /// The page title.
    pub title: &'a str,
    /// The session's CSRF token (for the sign-out form); `None` when signed out.
    pub csrf: Option<&'a str>,
    /// Where the page is in the navigation.
    pub section: Section,
}

/// A whole page.
pub fn layout(frame: &Frame<'_>, content: Markup) -> Markup {
    let l = frame.lang;
    let current = |section: Section| (frame.section == section).then_some("page");
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (frame.title) " · invoicer" }
                link rel="stylesheet" href="/app/style.css";
            }
            body {
                a.skip href="#main" { (l.t("Skip to content", "Zum Inhalt springen")) }
                header.top {
                    a.brand href="/app" { "invoicer" }
                    @if let Some(csrf) = frame.csrf {
                        nav aria-label=(l.t("Main", "Hauptmenü")) {
                            a href="/app" aria-current=[current(Section::Dashboard)] { (l.t("Dashboard", "Übersicht")) }
                            a href="/app/documents" aria-current=[current(Section::Documents)] { (l.t("Documents", "Belege")) }
                            a href="/app/customers" aria-current=[current(Section::Customers)] { (l.t("Customers", "Kunden")) }
                        }
                        form.signout method="post" action="/app/sign-out" {
                            input type="hidden" name="csrf" value=(csrf);
                            button.link type="submit" { (l.t("Sign out", "Abmelden")) }
                        }
                    }
                }
                main #main {
                    h1 { (frame.title) }
                    (content)
                }
            }
        }
    }
}

/// A status as a coloured label.
fn badge(l: Lang, status: Status, overdue: bool) -> Markup {
    html! {
        span class={ "badge " (status.as_str()) } { (l.status(status)) }
        @if overdue { " " span.badge.overdue { (l.t("Overdue", "Überfällig")) } }
    }
}

/// A document's name: its number, or "Draft 12".
fn document_name(l: Lang, number: Option<&str>, id: i64) -> String {
    match number {
        Some(number) => number.to_string(),
        None => format!("{} {id}", l.t("Draft", "Entwurf")),
    }
}

/// A table of documents.
fn document_table(l: Lang, items: &[DocumentSummary]) -> Markup {
    html! {
        div.scroll {
            table.documents {
                thead { tr {
                    th scope="col" { (l.t("Number", "Nummer")) }
                    th scope="col" { (l.t("Customer", "Kunde")) }
                    th scope="col" { (l.t("Issued", "Datum")) }
                    th scope="col" { (l.t("Due", "Fällig")) }
                    th.num scope="col" { (l.t("Total", "Betrag")) }
                    th.num scope="col" { (l.t("Owed", "Offen")) }
                    th scope="col" { (l.t("Status", "Status")) }
                } }
                tbody {
                    @for d in items {
                        tr {
                            td {
                                a href={ "/app/documents/" (d.id) } { (document_name(l, d.number.as_deref(), d.id)) }
                                @if d.kind == DocumentKind::CreditNote { " " small { (l.kind(d.kind)) } }
                            }
                            td { (d.buyer_name) }
                            td { (l.maybe_date(d.issue_date)) }
                            td { (l.maybe_date(d.due_date)) }
                            td.num { (l.money(d.total_gross, d.currency)) }
                            td.num { (l.money(d.amount_due, d.currency)) }
                            td { (badge(l, d.status, d.overdue)) }
                        }
                    }
                }
            }
        }
    }
}

/// The dashboard.
pub fn dashboard(l: Lang, data: &Dashboard) -> Markup {
    html! {
        @if data.currencies.is_empty() {
            p.empty { (l.t("No finalized invoices yet. Drafts your assistant creates appear below; finalize one to see it counted here.",
                "Noch keine abgeschlossenen Rechnungen. Entwürfe Ihres Assistenten erscheinen unten; abgeschlossene werden hier gezählt.")) }
        }
        @for figures in &data.currencies {
            (currency_figures(l, figures))
        }
        section {
            h2 { (l.t("Needs attention", "Zu erledigen")) }
            h3 { (l.t("Overdue invoices", "Überfällige Rechnungen")) }
            @if data.overdue.items.is_empty() {
                p.empty { (l.t("Nothing is overdue.", "Nichts ist überfällig.")) }
            } @else {
                (document_table(l, &data.overdue.items))
                @if data.overdue.next_cursor.is_some() {
                    p { a href="/app/documents?overdue=on" { (l.t("All overdue invoices", "Alle überfälligen Rechnungen")) } }
                }
            }
            h3 { (l.t("Drafts to finalize", "Entwürfe zum Abschließen")) }
            @if data.drafts.items.is_empty() {
                p.empty { (l.t("No drafts.", "Keine Entwürfe.")) }
            } @else {
                (document_table(l, &data.drafts.items))
                @if data.drafts.next_cursor.is_some() {
                    p { a href="/app/documents?status=draft" { (l.t("All drafts", "Alle Entwürfe")) } }
                }
            }
        }
    }
}

/// The cards and the revenue chart of one currency.
fn currency_figures(l: Lang, f: &CurrencyFigures) -> Markup {
    let c = f.currency;
    html! {
        section.figures aria-label=(c.code()) {
            div.cards {
                div.card {
                    span.label { (l.t("Open", "Offen")) }
                    span.value { (l.money(f.open, c)) }
                    span.note { (l.invoices(f.open_count)) }
                }
                div.card.warn[!f.overdue.is_zero()] {
                    span.label { (l.t("Overdue", "Überfällig")) }
                    span.value { (l.money(f.overdue, c)) }
                    span.note { (l.invoices(f.overdue_count)) }
                }
                div.card {
                    span.label { (l.t("Revenue this month", "Umsatz diesen Monat")) }
                    span.value { (l.money(f.revenue_month, c)) }
                    span.note { (l.t("net", "netto")) }
                }
                div.card {
                    span.label { (l.t("Revenue this year", "Umsatz dieses Jahres")) }
                    span.value { (l.money(f.revenue_year, c)) }
                    span.note { (l.t("net", "netto")) }
                }
            }
            (revenue_chart(l, f))
        }
    }
}

/// Net revenue of the last twelve months as bars, with the same figures as a table for
/// screen readers.
fn revenue_chart(l: Lang, f: &CurrencyFigures) -> Markup {
    const WIDTH: f64 = 600.0;
    const HEIGHT: f64 = 140.0;
    const BASE: f64 = 120.0;
    let values: Vec<f64> = f
        .months
        .iter()
        .map(|m| m.net.try_into().unwrap_or(0.0_f64).max(0.0))
        .collect();
    let top = values.iter().cloned().fold(0.0_f64, f64::max);
    let slot = WIDTH / values.len().max(1) as f64;
    let caption = format!(
        "{} ({}, {})",
        l.t("Revenue by month", "Umsatz je Monat"),
        f.currency.code(),
        l.t("net", "netto")
    );
    html! {
        figure.chart {
            figcaption { (caption) }
            svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(caption) {
                line x1="0" y1=(BASE) x2=(WIDTH) y2=(BASE) class="axis" {}
                @for (i, (month, value)) in f.months.iter().zip(&values).enumerate() {
                    @let height = if top > 0.0 { value / top * (BASE - 10.0) } else { 0.0 };
                    @let x = i as f64 * slot;
                    rect x=(format!("{:.1}", x + slot * 0.2)) y=(format!("{:.1}", BASE - height))
                        width=(format!("{:.1}", slot * 0.6)) height=(format!("{:.1}", height)) class="bar" {
                        title { (l.month(month.month)) ": " (l.money(month.net, f.currency)) }
                    }
                    text x=(format!("{:.1}", x + slot / 2.0)) y=(HEIGHT - 4.0) text-anchor="middle" { (l.month(month.month)) }
                }
            }
            table.visually-hidden {
                caption { (caption) }
                tbody {
                    @for month in &f.months {
                        tr { th scope="row" { (l.month(month.month)) " " (month.month.format("%Y")) } td { (l.money(month.net, f.currency)) } }
                    }
                }
            }
        }
    }
}

/// The document list with its search form.
pub fn documents(
    l: Lang,
    filter: &ListFilter,
    customer_name: Option<&str>,
    page: &Page,
    next_href: Option<String>,
) -> Markup {
    let status = filter.status.map(Status::as_str).unwrap_or("");
    let kind = filter.kind.map(|k| k.as_str()).unwrap_or("");
    html! {
        form.filters method="get" action="/app/documents" role="search" {
            div.field {
                label for="q" { (l.t("Search", "Suche")) }
                input #q type="search" name="q" value=(filter.query.as_deref().unwrap_or(""))
                    placeholder=(l.t("Number, customer, reference", "Nummer, Kunde, Referenz"));
            }
            div.field {
                label for="status" { (l.t("Status", "Status")) }
                select #status name="status" {
                    option value="" selected[status.is_empty()] { (l.t("All", "Alle")) }
                    @for s in [Status::Draft, Status::Open, Status::Paid, Status::Void, Status::Uncollectible] {
                        option value=(s.as_str()) selected[status == s.as_str()] { (l.status(s)) }
                    }
                }
            }
            div.field {
                label for="kind" { (l.t("Kind", "Art")) }
                select #kind name="kind" {
                    option value="" selected[kind.is_empty()] { (l.t("All", "Alle")) }
                    @for k in [DocumentKind::Invoice, DocumentKind::CreditNote] {
                        option value=(k.as_str()) selected[kind == k.as_str()] { (l.kind(k)) }
                    }
                }
            }
            @if let Some(customer) = filter.customer_id {
                input type="hidden" name="customer" value=(customer);
            }
            div.field.check {
                input #overdue type="checkbox" name="overdue" checked[filter.overdue];
                label for="overdue" { (l.t("Only overdue", "Nur überfällige")) }
            }
            button type="submit" { (l.t("Filter", "Filtern")) }
        }
        @if let Some(customer) = filter.customer_id {
            p.notice {
                (l.t("Only the documents of", "Nur die Belege von")) " "
                strong { (customer_name.unwrap_or("")) } " (" (l.t("customer", "Kunde")) " " (customer) "). "
                a href=(super::list_href(&ListFilter { customer_id: None, cursor: None, ..filter.clone() })) {
                    (l.t("Show all customers", "Alle Kunden zeigen"))
                }
            }
        }
        @if page.items.is_empty() {
            p.empty { (l.t("No documents match.", "Keine passenden Belege.")) }
        } @else {
            (document_table(l, &page.items))
        }
        nav.paging aria-label=(l.t("Pages", "Seiten")) {
            @if filter.cursor.is_some() {
                a href=(first_page_href(filter)) { (l.t("First page", "Erste Seite")) }
            }
            @if let Some(next) = next_href {
                a rel="next" href=(next) { (l.t("Next page", "Nächste Seite")) }
            }
        }
    }
}

/// The list's query without the cursor.
fn first_page_href(filter: &ListFilter) -> String {
    super::list_href(&ListFilter {
        cursor: None,
        ..filter.clone()
    })
}

/// What the document page offers.
pub struct DocumentView<'a> {
    /// The document.
    pub document: &'a Document,
    /// Its audit trail, oldest first.
    pub history: &'a [Event],
    /// A message after an action (fixed texts chosen by the app).
    pub notice: Option<&'static str>,
    /// Whether the server may change anything.
    pub writable: bool,
    /// The seller's time zone (times of the history).
    pub zone: &'a crate::domain::dates::Zone,
}

/// The document page.
pub fn document(l: Lang, view: &DocumentView<'_>) -> Markup {
    let d = view.document;
    let invoice = &d.content.invoice;
    let currency = d.content.currency();
    let buyer = invoice.buyer.as_ref();
    let payments: Vec<&Event> = view
        .history
        .iter()
        .filter(|e| e.verb == Verb::Pay)
        .collect();
    let actions = available_actions(d, view.writable);
    html! {
        @if let Some(notice) = view.notice {
            p.notice role="status" { (notice) }
        }
        p.status { (badge(l, d.status, d.overdue)) " " (l.kind(d.kind)) }
        @if let Some(corrects) = &d.corrects {
            p { (l.t("Corrects", "Korrigiert")) " " a href={ "/app/documents/" (corrects.id) } { (corrects.number.as_deref().unwrap_or("")) } }
        }
        @if !actions.is_empty() {
            div.actions {
                @for action in &actions {
                    a.button href={ "/app/documents/" (d.id) "/" (action.path()) } { (action.label(l, d.kind)) }
                }
            }
        }
        div.columns {
            section {
                h2 { (l.t("Details", "Angaben")) }
                dl {
                    dt { (l.t("Customer", "Kunde")) }
                    dd {
                        @if let Some(buyer) = buyer {
                            (buyer.name)
                            @for line in &buyer.address_lines { br; (line) }
                            @if buyer.postcode.is_some() || buyer.city.is_some() {
                                br; (buyer.postcode.as_deref().unwrap_or("")) " " (buyer.city.as_deref().unwrap_or(""))
                            }
                            @if let Some(vat) = &buyer.vat_id { br; (l.t("VAT ID", "USt-IdNr.")) " " (vat) }
                        }
                    }
                    dt { (l.t("Issued", "Rechnungsdatum")) } dd { (l.maybe_date(invoice.issue_date)) }
                    dt { (l.t("Due", "Fällig")) } dd { (l.maybe_date(invoice.due_date)) }
                    @if let Some(terms) = &invoice.payment_terms { dt { (l.t("Payment terms", "Zahlungsbedingungen")) } dd { (terms) } }
                    @if let Some(reference) = &invoice.buyer_reference { dt { (l.t("Buyer reference", "Käuferreferenz")) } dd { (reference) } }
                    dt { (l.t("Currency", "Währung")) } dd { (currency.code()) }
                }
            }
            section {
                h2 { (l.t("Amounts", "Beträge")) }
                dl.amounts {
                    dt { (l.t("Net", "Netto")) } dd { (l.money(d.content.totals.total_net, currency)) }
                    @for group in &d.content.totals.vat_breakdown {
                        dt {
                            (l.t("VAT", "USt.")) " " (l.number(group.rate.normalize())) " %"
                            @if let Some(reason) = &group.exemption_reason { br; small { (reason) } }
                        }
                        dd { (l.money(group.tax_amount, currency)) }
                    }
                    dt { (l.t("Gross", "Brutto")) } dd { strong { (l.money(d.content.totals.total_gross, currency)) } }
                    @if !d.amount_paid.is_zero() { dt { (l.t("Paid", "Bezahlt")) } dd { (l.money(d.amount_paid, currency)) } }
                    @if !d.amount_credited.is_zero() { dt { (l.t("Credited", "Gutgeschrieben")) } dd { (l.money(d.amount_credited, currency)) } }
                    dt { (l.t("Still owed", "Noch offen")) } dd { strong { (l.money(d.amount_due, currency)) } }
                }
            }
        }
        section {
            h2 { (l.t("Lines", "Positionen")) }
            div.scroll {
                table {
                    thead { tr {
                        th scope="col" { "#" }
                        th scope="col" { (l.t("Description", "Beschreibung")) }
                        th.num scope="col" { (l.t("Quantity", "Menge")) }
                        th.num scope="col" { (l.t("Unit price", "Einzelpreis")) }
                        th.num scope="col" { (l.t("VAT", "USt.")) }
                        th.num scope="col" { (l.t("Net", "Netto")) }
                    } }
                    tbody {
                        @for line in &d.content.lines {
                            tr {
                                td { (line.position) }
                                td { (line.description) }
                                td.num { (l.number(line.quantity.normalize())) " " (l.unit(&line.unit_code)) }
                                td.num { (l.money(line.unit_price, currency)) }
                                td.num { (l.number(line.vat_rate.normalize())) " %" }
                                td.num { (l.money(line.net_amount, currency)) }
                            }
                        }
                    }
                }
            }
        }
        @if !payments.is_empty() {
            section {
                h2 { (l.t("Payments", "Zahlungen")) }
                ul.plain {
                    @for payment in &payments {
                        li { (payment_line(l, payment, currency)) }
                    }
                }
            }
        }
        section {
            h2 { (l.t("Files", "Dateien")) }
            ul.downloads {
                li { a href={ "/app/documents/" (d.id) "/file/pdf" } { "PDF" } }
                @if d.status != Status::Draft {
                    @for (format, label) in EINVOICE_FILES {
                        li { a href={ "/app/documents/" (d.id) "/file/" (format) } { (label) } }
                    }
                }
            }
            iframe.pdf src={ "/app/documents/" (d.id) "/file/pdf" } title=(l.t("The PDF", "Das PDF")) {}
        }
        section {
            h2 { (l.t("History", "Verlauf")) }
            ol.history {
                @for event in view.history {
                    li {
                        @let local = view.zone.local_at(event.at);
                        time datetime=(event.at.to_rfc3339()) { (l.date(local.date())) " " (local.format("%H:%M")) }
                        " · " (verb_name(l, event.verb)) " · " (event.source.as_str())
                        @if let Some(reason) = &event.reason { " · " (reason) }
                    }
                }
            }
        }
    }
}

/// The e-invoice downloads: the format name of `export_einvoice` and what the owner reads.
pub const EINVOICE_FILES: [(&str, &str); 5] = [
    ("facturx", "Factur-X / ZUGFeRD (PDF)"),
    ("xrechnung-cii", "XRechnung (CII)"),
    ("xrechnung-ubl", "XRechnung (UBL)"),
    ("peppol-ubl", "Peppol BIS (UBL)"),
    ("facturx-xml", "Factur-X (XML)"),
];

/// One payment from its event.
fn payment_line(l: Lang, event: &Event, currency: crate::domain::money::Currency) -> Markup {
    let data = event.data.as_ref();
    let field = |name: &str| {
        data.and_then(|d| d.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let amount = field("amount")
        .and_then(|a| a.parse::<rust_decimal::Decimal>().ok())
        .map(|a| l.money(a, currency))
        .unwrap_or_default();
    let date = field("date")
        .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
        .map(|d| l.date(d))
        .unwrap_or_default();
    html! {
        (amount) " · " (date)
        @if let Some(method) = field("method") { " · " (method) }
        @if let Some(reference) = field("reference") { " · " (reference) }
    }
}

/// A verb of the history as the owner reads it.
fn verb_name(l: Lang, verb: Verb) -> &'static str {
    match verb {
        Verb::Create => l.t("created", "erstellt"),
        Verb::Update => l.t("changed", "geändert"),
        Verb::Delete => l.t("deleted", "gelöscht"),
        Verb::Finalize => l.t("finalized", "abgeschlossen"),
        Verb::Pay => l.t("payment recorded", "Zahlung erfasst"),
        Verb::Void => l.t("voided", "storniert"),
        Verb::MarkUncollectible => l.t("marked uncollectible", "als uneinbringlich markiert"),
        Verb::Credit => l.t("credited", "gutgeschrieben"),
    }
}

/// What an owner may do by hand on the document page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Finalize a draft.
    Finalize,
    /// Record a payment.
    Pay,
    /// Void.
    Void,
    /// Create a credit note for the whole invoice.
    Credit,
}

impl Action {
    /// Parse the last path segment.
    pub fn parse(path: &str) -> Option<Action> {
        match path {
            "finalize" => Some(Action::Finalize),
            "pay" => Some(Action::Pay),
            "void" => Some(Action::Void),
            "credit" => Some(Action::Credit),
            _ => None,
        }
    }

    /// The path segment.
    pub fn path(self) -> &'static str {
        match self {
            Action::Finalize => "finalize",
            Action::Pay => "pay",
            Action::Void => "void",
            Action::Credit => "credit",
        }
    }

    /// The button, for a document of `kind` (a credit note's payment is a refund paid out).
    pub fn label(self, l: Lang, kind: DocumentKind) -> &'static str {
        match self {
            Action::Finalize => l.t("Finalize", "Abschließen"),
            Action::Pay if kind == DocumentKind::CreditNote => {
                l.t("Record refund paid", "Erstattung erfassen")
            }
            Action::Pay => l.t("Record payment", "Zahlung erfassen"),
            Action::Void => l.t("Void", "Stornieren"),
            Action::Credit => l.t("Create credit note", "Gutschrift erstellen"),
        }
    }

    /// What the confirmation says will happen.
    fn consequence(self, l: Lang) -> &'static str {
        match self {
            Action::Finalize => l.t(
                "Finalizing gives the draft the next number of its series and the PDF is archived. It cannot be changed afterwards.",
                "Abschließen vergibt die nächste Nummer der Serie und archiviert das PDF. Danach lässt sich der Beleg nicht mehr ändern.",
            ),
            Action::Pay => l.t(
                "The payment is added to the document; when it covers what is owed, the document is paid.",
                "Die Zahlung wird erfasst; deckt sie den offenen Betrag, gilt der Beleg als bezahlt.",
            ),
            Action::Void => l.t(
                "Voiding cancels the document; it keeps its number. Documents with payments or credits are corrected with a credit note instead.",
                "Stornieren hebt den Beleg auf; er behält seine Nummer. Belege mit Zahlungen oder Gutschriften werden mit einer Gutschrift korrigiert.",
            ),
            Action::Credit => l.t(
                "A draft credit note for all lines of this invoice is created. Review it, then finalize it.",
                "Ein Gutschrift-Entwurf über alle Positionen dieser Rechnung wird erstellt. Prüfen Sie ihn und schließen Sie ihn dann ab.",
            ),
        }
    }
}

/// The actions the document's status allows (none on a read-only server).
pub fn available_actions(d: &Document, writable: bool) -> Vec<Action> {
    if !writable {
        return Vec::new();
    }
    let mut actions = Vec::new();
    if Verb::Finalize.check(d.status).is_ok() {
        actions.push(Action::Finalize);
    }
    if Verb::Pay.check(d.status).is_ok() && !d.amount_due.is_zero() {
        actions.push(Action::Pay);
    }
    if Verb::Void.check(d.status).is_ok() && d.amount_paid.is_zero() && d.amount_credited.is_zero()
    {
        actions.push(Action::Void);
    }
    if d.kind == DocumentKind::Invoice
        && Verb::Credit.check(d.status).is_ok()
        && d.amount_credited < d.content.totals.total_gross
    {
        actions.push(Action::Credit);
    }
    actions
}

/// The hidden fields of a confirmation form: the session's CSRF token, and a single-use
/// nonce with its signature (a second submission, a double-click, does nothing).
pub struct FormTokens {
    /// The session's CSRF token.
    pub csrf: String,
    /// A random nonce, used once.
    pub once: String,
    /// The signature over the session, the action, the document and the nonce.
    pub signature: String,
}

/// What the owner typed into a confirmation form, shown again after an error.
#[derive(Debug, Default, Clone)]
pub struct ActionInput {
    /// Payment amount.
    pub amount: String,
    /// Payment date (`YYYY-MM-DD`).
    pub date: String,
    /// Payment method.
    pub method: String,
    /// Payment reference.
    pub reference: String,
    /// Reason (void, credit note).
    pub reason: String,
}

/// The confirmation of an action, with its fields.
pub fn confirm(
    l: Lang,
    d: &Document,
    action: Action,
    form: &FormTokens,
    input: &ActionInput,
    error: Option<&str>,
) -> Markup {
    let currency = d.content.currency();
    let buyer = d
        .content
        .invoice
        .buyer
        .as_ref()
        .map_or("", |b| b.name.as_str());
    html! {
        p {
            (l.kind(d.kind)) " " strong { (document_name(l, d.number.as_deref(), d.id)) } " · "
            (buyer) " · " (l.money(d.content.totals.total_gross, currency))
        }
        p { (action.consequence(l)) }
        @if let Some(error) = error {
            p.error role="alert" { (error) }
        }
        form.confirm method="post" action={ "/app/documents/" (d.id) "/" (action.path()) } {
                        input type="hidden" name="csrf" value=(form.csrf);
            input type="hidden" name="once" value=(form.once);
            input type="hidden" name="form" value=(form.signature);
            @match action {
                Action::Pay => {
                    div.field {
                        label for="amount" { (l.t("Amount", "Betrag")) " (" (currency.code()) ")" }
                        input #amount name="amount" inputmode="decimal" required value=(input.amount);
                    }
                    div.field {
                        label for="date" { (l.t("Received on", "Eingegangen am")) }
                        input #date type="date" name="date" required value=(input.date);
                    }
                    div.field {
                        label for="method" { (l.t("Method (optional)", "Zahlungsart (optional)")) }
                        input #method name="method" maxlength="100" value=(input.method) placeholder=(l.t("Bank transfer", "Überweisung"));
                    }
                    div.field {
                        label for="reference" { (l.t("Reference (optional)", "Verwendungszweck (optional)")) }
                        input #reference name="reference" maxlength="200" value=(input.reference);
                    }
                }
                Action::Void | Action::Credit => {
                    div.field {
                        label for="reason" { (l.t("Reason (optional)", "Grund (optional)")) }
                        input #reason name="reason" maxlength="500" value=(input.reason);
                    }
                }
                Action::Finalize => {}
            }
            div.buttons {
                                button type="submit" { (action.label(l, d.kind)) }
                a href={ "/app/documents/" (d.id) } { (l.t("Cancel", "Abbrechen")) }
            }
        }
    }
}

/// The customers, with a search.
pub fn customers(l: Lang, query: &str, customers: &[Customer]) -> Markup {
    html! {
        form.filters method="get" action="/app/customers" role="search" {
            div.field {
                label for="q" { (l.t("Search", "Suche")) }
                input #q type="search" name="q" value=(query);
            }
            button type="submit" { (l.t("Search", "Suchen")) }
        }
        @if customers.is_empty() {
            p.empty { (l.t("No customers match.", "Keine passenden Kunden.")) }
        } @else {
            div.scroll {
                table {
                    thead { tr {
                        th scope="col" { (l.t("Name", "Name")) }
                        th scope="col" { (l.t("City", "Ort")) }
                        th scope="col" { (l.t("Country", "Land")) }
                        th scope="col" { (l.t("VAT ID", "USt-IdNr.")) }
                        th scope="col" { span.visually-hidden { (l.t("Documents", "Belege")) } }
                    } }
                    tbody {
                        @for c in customers {
                            tr {
                                td { (c.party.name) }
                                td { (c.party.city.as_deref().unwrap_or("")) }
                                td { (c.party.country_code.as_deref().unwrap_or("")) }
                                td { (c.party.vat_id.as_deref().unwrap_or("")) }
                                td { a href={ "/app/documents?customer=" (c.id) } { (l.t("Documents", "Belege")) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The sign-in form.
pub fn sign_in(
    l: Lang,
    form_token: &str,
    next: &str,
    error: Option<&str>,
    no_password: bool,
) -> Markup {
    html! {
        @if no_password {
            p.error role="alert" { (l.t("No owner password is set yet. On the server, run:", "Es ist noch kein Passwort gesetzt. Führen Sie auf dem Server aus:")) }
            pre { "invoicer owner set-password" }
        }
        @if let Some(error) = error {
            p.error role="alert" { (error) }
        }
        form.signin method="post" action="/app/sign-in" {
            input type="hidden" name="form" value=(form_token);
            input type="hidden" name="next" value=(next);
            div.field {
                label for="password" { (l.t("Owner password", "Passwort")) }
                input #password type="password" name="password" autocomplete="current-password" required autofocus;
            }
            button type="submit" { (l.t("Sign in", "Anmelden")) }
        }
        p.hint {
            (l.t("Forgot it? Set a new one on the server with", "Vergessen? Ein neues setzen Sie auf dem Server mit"))
            " " code { "invoicer owner set-password" } ". "
            (l.t("A one-time sign-in link:", "Einmaliger Anmeldelink:"))
            " " code { "invoicer owner login-link" } "."
        }
    }
}

/// The page a sign-in link opens: one button, so that link previews do not use it up.
pub fn login_link(l: Lang, token: &str) -> Markup {
    html! {
        p { (l.t("This link signs this browser in once.", "Dieser Link meldet diesen Browser einmalig an.")) }
        form method="post" action="/app/sign-in/link" {
            input type="hidden" name="token" value=(token);
            button type="submit" { (l.t("Sign in", "Anmelden")) }
        }
    }
}

/// A short message (an error, a refusal) with a way back.
pub fn message(text: &str, back: (&str, &str)) -> Markup {
    html! {
        p { (text) }
        p { a href=(back.0) { (back.1) } }
    }
}

/// The style sheet.
pub const STYLE: &str = include_str!("style.css");
