//! The data a template receives as `/invoice.json`: every value already formatted for the
//! document's language (amounts, rates, dates, units), plus the stored document unchanged under
//! `document` for templates that want raw values. Templates only lay text out; they never compute
//! money.

use rust_decimal::Decimal;
use serde::Serialize;

use super::{details, format};
use crate::domain::document::{Document, DocumentKind};
use crate::domain::lifecycle::Status;
use crate::domain::party::{Party, SellerProfile};

/// Path of the data file in the template's file system.
pub const DATA_PATH: &str = "/invoice.json";
/// Path of the EPC QR code as a PNG, when there is one.
pub const QR_PATH: &str = "/epc-qr.png";
/// Path of the same code as raw 8-bit grey pixels, which Typst takes without decoding.
pub const QR_PIXELS_PATH: &str = "/epc-qr.luma8";

/// Everything the template prints.
#[derive(Debug, Serialize)]
pub struct View<'a> {
    /// `de` or `en`: selects the labels.
    pub lang: &'static str,
    /// `invoice` or `credit_note`.
    pub kind: &'static str,
    /// A draft: watermark, no number.
    pub draft: bool,
    /// The stored status.
    pub status: &'static str,
    /// The document number, absent on drafts.
    pub number: Option<&'a str>,
    /// For a credit note: the number and date of the invoice it corrects.
    pub corrects: Option<Corrected>,
    /// Dates, formatted.
    pub issue_date: Option<String>,
    /// Day of supply, formatted.
    pub supply_date: Option<String>,
    /// Service period, formatted as `start – end`.
    pub service_period: Option<String>,
    /// Due date, formatted.
    pub due_date: Option<String>,
    /// References and texts, as given.
    pub buyer_reference: Option<&'a str>,
    /// Purchase order number.
    pub order_reference: Option<&'a str>,
    /// Payment terms text.
    pub payment_terms: Option<&'a str>,
    /// The notes, one paragraph each.
    pub notes: Option<String>,
    /// The seller, if known.
    pub seller: Option<PartyView<'a>>,
    /// Phone, website and legal data from the seller profile, for the footer.
    pub seller_contact: SellerContact<'a>,
    /// The buyer.
    pub buyer: PartyView<'a>,
    /// ISO 4217 code.
    pub currency: &'a str,
    /// Unit prices are gross.
    pub prices_include_vat: bool,
    /// Line table rows.
    pub lines: Vec<LineView<'a>>,
    /// VAT breakdown rows.
    pub vat: Vec<VatView>,
    /// Sum of the line nets, present when document-level allowances or charges follow.
    pub line_total: Option<String>,
    /// Document-level allowances (negative) and charges, each with its reason.
    pub allowances: Vec<AllowanceView>,
    /// Totals with currency.
    pub total_net: String,
    /// Total VAT.
    pub total_vat: String,
    /// Total including VAT.
    pub total_gross: String,
    /// Paid before the invoice (BT-113), present when non-zero.
    pub prepaid: Option<String>,
    /// Rounding of the amount due (BT-114), signed, present when non-zero.
    pub rounding: Option<String>,
    /// Payments recorded, present when non-zero.
    pub paid: Option<String>,
    /// Credit notes booked, present when non-zero.
    pub credited: Option<String>,
    /// Still to pay (for a credit note: still to refund).
    pub amount_due: String,
    /// Exemption notes (§ 19 UStG, reverse charge, intra-community supply …), one per category.
    pub exemption_notes: Vec<&'a str>,
    /// Bank details.
    pub payment: PaymentView<'a>,
    /// Path of the EPC QR code image (PNG), when the document has one.
    pub qr: Option<&'static str>,
    /// The same code as raw grey pixels, for `image(read(path, encoding: none), format: ..)`.
    pub qr_pixels: Option<QrPixels>,
    /// References, contacts, delivery, payee, cash discounts, direct debit, attachments.
    pub details: details::Details,
    /// The stored document, raw.
    pub document: &'a Document,
}

/// Where the raw pixels of the EPC QR code are and how they are laid out.
#[derive(Debug, Serialize)]
pub struct QrPixels {
    /// Path of the file: `width` × `height` bytes, one grey value per pixel (0 dark, 255 light).
    pub path: &'static str,
    /// Pixels per row.
    pub width: u32,
    /// Rows.
    pub height: u32,
}

/// The invoice a credit note corrects.
#[derive(Debug, Serialize)]
pub struct Corrected {
    /// Its number.
    pub number: Option<String>,
    /// Its issue date, formatted.
    pub issue_date: Option<String>,
}

/// A party as printed: name, address lines, identifiers.
#[derive(Debug, Serialize)]
pub struct PartyView<'a> {
    /// Name.
    pub name: &'a str,
    /// Street lines, then `postcode city`, then the country code.
    pub address: Vec<String>,
    /// VAT identifier.
    pub vat_id: Option<&'a str>,
    /// National tax number.
    pub tax_number: Option<&'a str>,
    /// E-mail.
    pub email: Option<&'a str>,
    /// Contact person.
    pub contact: Option<&'a str>,
}

/// Seller data that lives only in the profile.
#[derive(Debug, Default, Serialize)]
pub struct SellerContact<'a> {
    /// Phone number.
    pub phone: Option<&'a str>,
    /// Website.
    pub website: Option<&'a str>,
    /// Register court, managing directors …
    pub legal_info: Option<&'a str>,
}

/// One row of the line table.
#[derive(Debug, Serialize)]
pub struct LineView<'a> {
    /// Position, from 1.
    pub position: u32,
    /// Description, as given.
    pub description: &'a str,
    /// Quantity, formatted.
    pub quantity: String,
    /// Unit, readable.
    pub unit: String,
    /// Unit price, formatted without currency.
    pub unit_price: String,
    /// VAT rate, formatted.
    pub vat_rate: String,
    /// Line net, formatted without currency.
    pub net: String,
    /// Discount, formatted (`−10 %` or `−5,00`), when there is one.
    pub discount: Option<String>,
    /// Day of service, formatted.
    pub service_date: Option<String>,
    /// The line's further terms (period, item ids, allowances, note), one text each.
    pub details: Vec<String>,
    /// The row is short enough to be kept on one page; a longer one (up to 2,000 characters
    /// of name, a note, attributes) may break across pages rather than run off one.
    pub keep: bool,
}

/// A document-level allowance or charge as printed.
#[derive(Debug, Serialize)]
pub struct AllowanceView {
    /// Its reason, or its code when no reason was given.
    pub reason: String,
    /// The amount with currency, `−` for an allowance.
    pub amount: String,
}

/// One row of the VAT breakdown.
#[derive(Debug, Serialize)]
pub struct VatView {
    /// EN 16931 category code.
    pub category: &'static str,
    /// Rate, formatted.
    pub rate: String,
    /// Taxable amount with currency.
    pub taxable: String,
    /// VAT amount with currency.
    pub tax: String,
}

/// Bank details as printed.
#[derive(Debug, Serialize)]
pub struct PaymentView<'a> {
    /// IBAN in groups of four.
    pub iban: Option<String>,
    /// BIC.
    pub bic: Option<&'a str>,
    /// Bank name.
    pub bank_name: Option<&'a str>,
    /// Reference the payer should quote.
    pub reference: Option<&'a str>,
    /// Further accounts, `IBAN · BIC` each.
    pub more_accounts: Vec<String>,
}

/// The accounts as printed: the first one (the IBAN, else the first further account) in the
/// fields, the rest as lines.
fn payment_view(payment: &crate::domain::party::PaymentDetails) -> PaymentView<'_> {
    let account = |id: &str| {
        if crate::domain::party::looks_like_iban(id) {
            format::iban(id)
        } else {
            id.to_string()
        }
    };
    let mut accounts = payment
        .iban
        .as_deref()
        .map(|iban| (account(iban), payment.bic.as_deref()))
        .into_iter()
        .chain(
            payment
                .more_accounts
                .iter()
                .map(|a| (account(&a.id), a.bic.as_deref())),
        );
    let first = accounts.next();
    PaymentView {
        iban: first.as_ref().map(|(id, _)| id.clone()),
        bic: first.and_then(|(_, bic)| bic),
        bank_name: payment.bank_name.as_deref(),
        reference: payment.reference.as_deref(),
        more_accounts: accounts
            .map(|(id, bic)| match bic {
                Some(bic) => format!("{id} · BIC {bic}"),
                None => id,
            })
            .collect(),
    }
}

/// Build the view of `document`; `qr_side` is the side in pixels of the EPC QR image, when one
/// is provided.
pub fn build<'a>(
    document: &'a Document,
    profile: Option<&'a SellerProfile>,
    qr_side: Option<u32>,
) -> View<'a> {
    let content = &document.content;
    let language = content.language();
    let exponent = content.currency().exponent();
    let money =
        |value: Decimal| format::money(value, content.currency().code(), exponent, language);
    let date = |value: chrono::NaiveDate| format::date(value, language);
    let nonzero = |value: Decimal| (!value.is_zero()).then(|| money(value));

    let lines = content
        .lines
        .iter()
        .map(|line| LineView {
            position: line.position,
            description: &line.description,
            quantity: format::number(line.quantity, 0, language),
            unit: format::unit(&line.unit_code, language),
            unit_price: format::number(line.unit_price, exponent, language),
            vat_rate: format::percent(line.vat_rate, language),
            net: format::number(line.net_amount, exponent, language),
            discount: match (line.discount_percent, line.discount_amount) {
                (Some(pct), _) => Some(format!("−{}", format::percent(pct, language))),
                (None, Some(amount)) => {
                    Some(format!("−{}", format::number(amount, exponent, language)))
                }
                (None, None) => None,
            },
            service_date: line.service_date.map(date),
            details: details::line(line, content),
            keep: keeps_together(line),
        })
        .collect();
    let vat = content
        .totals
        .vat_breakdown
        .iter()
        .map(|group| VatView {
            category: group.category.code(),
            rate: format::percent(group.rate, language),
            taxable: money(group.taxable_amount),
            tax: money(group.tax_amount),
        })
        .collect();
    let exemption_notes = content
        .totals
        .vat_breakdown
        .iter()
        .filter_map(|group| group.exemption_reason.as_deref())
        .collect();

    View {
        lang: language.as_str(),
        kind: document.kind.as_str(),
        draft: document.status == Status::Draft,
        status: document.status.as_str(),
        number: document.number.as_deref(),
        corrects: document.corrects.as_ref().map(|invoice| Corrected {
            number: invoice.number.clone(),
            issue_date: invoice.issue_date.map(date),
        }),
        issue_date: content.issue_date.map(date),
        supply_date: content.supply_date.map(date),
        service_period: content
            .service_period
            .map(|p| format!("{} – {}", date(p.start), date(p.end))),
        due_date: content.due_date.map(date),
        buyer_reference: content.buyer_reference.as_deref(),
        order_reference: content.order_reference.as_deref(),
        payment_terms: content.payment_terms.as_deref(),
        notes: (!content.notes.is_empty()).then(|| {
            content
                .notes
                .iter()
                .map(|n| n.text.as_str())
                .collect::<Vec<_>>()
                .join("\n\n")
        }),
        seller: content.seller().map(party),
        seller_contact: profile
            .map(|p| SellerContact {
                phone: p.phone.as_deref(),
                website: p.website.as_deref(),
                legal_info: p.legal_info.as_deref(),
            })
            .unwrap_or_default(),
        buyer: party(content.buyer()),
        currency: content.currency().code(),
        prices_include_vat: content.prices_include_vat,
        lines,
        vat,
        line_total: (!content.allowances.is_empty() || !content.charges.is_empty())
            .then(|| money(content.totals.line_total)),
        allowances: content
            .allowances
            .iter()
            .map(|a| (a, "−"))
            .chain(content.charges.iter().map(|c| (c, "")))
            .map(|(ac, sign)| AllowanceView {
                reason: ac
                    .reason
                    .clone()
                    .or_else(|| ac.reason_code.clone())
                    .unwrap_or_default(),
                amount: format!("{sign}{}", money(ac.value())),
            })
            .collect(),
        total_net: money(content.totals.total_net),
        total_vat: money(content.totals.total_vat),
        total_gross: money(content.totals.total_gross),
        prepaid: nonzero(content.totals.paid_amount),
        rounding: nonzero(content.totals.rounding_amount),
        paid: nonzero(document.amount_paid),
        credited: nonzero(document.amount_credited),
        amount_due: money(document.amount_due),
        exemption_notes,
        payment: payment_view(content.payment()),
        qr: qr_side.map(|_| QR_PATH),
        qr_pixels: qr_side.map(|side| QrPixels {
            path: QR_PIXELS_PATH,
            width: side,
            height: side,
        }),
        details: details::of(content),
        document,
    }
}

/// Whether a line's row is short enough that it never needs to break: at most 600 characters
/// of name and 600 of further terms, which print in a fraction of a page.
fn keeps_together(line: &crate::domain::document::Line) -> bool {
    let further: usize = [&line.item_description, &line.note]
        .into_iter()
        .flatten()
        .map(|t| t.chars().count())
        .sum::<usize>()
        + line
            .attributes
            .iter()
            .map(|a| a.name.chars().count() + a.value.chars().count())
            .sum::<usize>();
    line.description.chars().count() <= 600 && further <= 600
}

fn party(party: &Party) -> PartyView<'_> {
    let address = format::address(
        &party.address_lines,
        party.postcode.as_deref(),
        party.city.as_deref(),
        party.country_code.as_deref(),
    );
    PartyView {
        name: &party.name,
        address,
        vat_id: party.vat_id.as_deref(),
        tax_number: party.tax_number.as_deref(),
        email: party.email.as_deref(),
        contact: party.contact.as_ref().and_then(|c| c.name.as_deref()),
    }
}

/// Whether the document gets an EPC QR code: a finalized EUR invoice with an IBAN and money due.
pub fn wants_qr(document: &Document) -> bool {
    document.kind == DocumentKind::Invoice
        && document.status != Status::Draft
        && document.content.currency().code() == "EUR"
        && document.content.payment().iban.is_some()
        && document.amount_due > Decimal::ZERO
}
