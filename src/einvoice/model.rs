//! A stored document as EN 16931 sees it: the business terms (BT-…) both syntaxes write, with
//! amounts already in the form the rules demand (two decimals at most, line nets that add up,
//! net prices). `cii.rs` and `ubl.rs` only decide where each term goes.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::document::{Document, DocumentKind, DocumentRef};
use crate::domain::money::{Currency, round_half_up};
use crate::domain::party::{Party, PaymentDetails, SellerProfile};
use crate::domain::vat::VatCategory;
use crate::error::{Error, Result};

/// UNTDID 4461 code of a SEPA credit transfer.
pub const SEPA_CREDIT_TRANSFER: &str = "58";
/// UNTDID 4461 code for "instrument not defined" (no bank account given).
pub const MEANS_NOT_DEFINED: &str = "1";
/// Peppol / XRechnung business process (BT-23).
pub const BILLING_PROCESS: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";

/// One invoice line (BG-25).
#[derive(Debug, Clone)]
pub struct LineTerms<'a> {
    /// BT-126.
    pub id: String,
    /// BT-153.
    pub name: &'a str,
    /// BT-129.
    pub quantity: Decimal,
    /// BT-130.
    pub unit_code: &'a str,
    /// BT-146, net of VAT and of the line discount.
    pub net_price: Decimal,
    /// BG-27: line allowance amount (BT-136) with its base (BT-137) and percent (BT-138); the
    /// base is written only with the percent.
    pub allowance: Option<Allowance>,
    /// BT-131.
    pub net_amount: Decimal,
    /// BT-151.
    pub category: VatCategory,
    /// BT-152.
    pub rate: Decimal,
    /// BG-26, one day: the service date.
    pub service_date: Option<NaiveDate>,
}

/// A line allowance (the line discount).
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    /// BT-136.
    pub amount: Decimal,
    /// BT-137.
    pub base: Decimal,
    /// BT-138, when the discount was a percentage.
    pub percent: Option<Decimal>,
}

/// One VAT breakdown row (BG-23).
#[derive(Debug, Clone)]
pub struct VatTerms<'a> {
    /// BT-118.
    pub category: VatCategory,
    /// BT-119.
    pub rate: Decimal,
    /// BT-116.
    pub taxable: Decimal,
    /// BT-117.
    pub tax: Decimal,
    /// BT-120.
    pub exemption_reason: Option<&'a str>,
}

/// Everything both syntaxes write.
#[derive(Debug, Clone)]
pub struct InvoiceTerms<'a> {
    /// BT-1.
    pub number: &'a str,
    /// BT-2.
    pub issue_date: NaiveDate,
    /// BT-3: 380 invoice, 381 credit note.
    pub type_code: &'static str,
    /// BT-5.
    pub currency: Currency,
    /// BT-9.
    pub due_date: Option<NaiveDate>,
    /// BT-10.
    pub buyer_reference: Option<&'a str>,
    /// BT-13.
    pub order_reference: Option<&'a str>,
    /// BT-20.
    pub payment_terms: Option<&'a str>,
    /// BT-22.
    pub note: Option<&'a str>,
    /// BG-3: the invoice a credit note corrects (BT-25, BT-26).
    pub preceding: Option<(&'a str, Option<NaiveDate>)>,
    /// BG-4.
    pub seller: &'a Party,
    /// BT-42.
    pub seller_phone: Option<&'a str>,
    /// BG-7.
    pub buyer: &'a Party,
    /// BT-72.
    pub delivery_date: Option<NaiveDate>,
    /// BG-15: the buyer's address as the deliver-to address, given for intra-community
    /// supplies (BR-IC-12 needs its country, XRechnung its city and post code).
    pub deliver_to: Option<&'a Party>,
    /// BG-14.
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// BT-81.
    pub payment_means: &'static str,
    /// BT-83.
    pub remittance: Option<&'a str>,
    /// BG-17.
    pub payment: &'a PaymentDetails,
    /// BG-25.
    pub lines: Vec<LineTerms<'a>>,
    /// BG-23.
    pub vat: Vec<VatTerms<'a>>,
    /// BT-106.
    pub line_total: Decimal,
    /// BT-109.
    pub tax_exclusive: Decimal,
    /// BT-110.
    pub tax_total: Decimal,
    /// BT-112.
    pub tax_inclusive: Decimal,
    /// BT-115: the document as issued, so the whole total.
    pub payable: Decimal,
}

impl<'a> InvoiceTerms<'a> {
    /// The terms of a finalized document.
    pub fn of(document: &'a Document, profile: Option<&'a SellerProfile>) -> Result<Self> {
        let content = &document.content;
        let number = document.number.as_deref().ok_or_else(|| {
            Error::invalid_status("a draft has no number yet: finalize it before exporting")
        })?;
        let issue_date = content
            .issue_date
            .ok_or_else(|| Error::internal("a finalized document without an issue date"))?;
        let seller = content.seller.as_ref().ok_or_else(|| {
            Error::validation(
                "seller",
                "the document has no seller (set the seller profile)",
            )
        })?;
        let currency = content.currency;
        let lines = content
            .lines
            .iter()
            .map(|line| line_terms(line, content.prices_include_vat, currency))
            .collect();
        let vat = content
            .totals
            .vat_breakdown
            .iter()
            .map(|group| VatTerms {
                category: group.category,
                rate: group.rate,
                taxable: group.taxable_amount,
                tax: group.tax_amount,
                exemption_reason: content
                    .vat_exemption_reasons
                    .get(&group.category)
                    .map(String::as_str),
            })
            .collect();
        let totals = &content.totals;
        Ok(InvoiceTerms {
            number,
            issue_date,
            type_code: match document.kind {
                DocumentKind::Invoice => "380",
                DocumentKind::CreditNote => "381",
            },
            currency,
            due_date: content.due_date,
            buyer_reference: content.buyer_reference.as_deref(),
            order_reference: content.order_reference.as_deref(),
            payment_terms: content.payment_terms.as_deref(),
            note: content.notes.as_deref(),
            preceding: document.corrects.as_ref().and_then(preceding),
            seller,
            seller_phone: profile.and_then(|p| p.phone.as_deref()),
            buyer: &content.buyer,
            // Only a date the user gave: without one the PDF says in words that the supply was
            // on the issue date, but the e-invoice invents no BT-72.
            delivery_date: content.supply_date,
            deliver_to: content
                .lines
                .iter()
                .any(|l| l.vat_category == VatCategory::IntraCommunity)
                .then_some(&content.buyer),
            period: content.service_period.map(|p| (p.start, p.end)),
            payment_means: if content.payment.iban.is_some() {
                SEPA_CREDIT_TRANSFER
            } else {
                MEANS_NOT_DEFINED
            },
            remittance: content.payment.reference.as_deref().or(Some(number)),
            payment: &content.payment,
            lines,
            vat,
            line_total: totals.total_net,
            tax_exclusive: totals.total_net,
            tax_total: totals.total_vat,
            tax_inclusive: totals.total_gross,
            payable: totals.total_gross,
        })
    }

    /// An amount with the currency's decimals (`119.00`, `1500` for JPY).
    pub fn amount(&self, value: Decimal) -> String {
        self.currency.rescale(value).to_string()
    }
}

fn preceding(reference: &DocumentRef) -> Option<(&str, Option<NaiveDate>)> {
    reference
        .number
        .as_deref()
        .map(|number| (number, reference.issue_date))
}

/// A line's terms. With net prices the discount is an allowance on quantity × price; with
/// gross prices (the net was derived from the gross total) the net price is net ÷ quantity.
fn line_terms(
    line: &crate::domain::document::Line,
    gross_prices: bool,
    currency: Currency,
) -> LineTerms<'_> {
    let (net_price, allowance) = if gross_prices {
        (net_price_of(line.net_amount, line.quantity, currency), None)
    } else {
        let base = currency.round(line.quantity * line.unit_price);
        let allowance = (base > line.net_amount).then(|| Allowance {
            amount: base - line.net_amount,
            base,
            percent: line.discount_percent,
        });
        (line.unit_price, allowance)
    };
    LineTerms {
        id: line.position.to_string(),
        name: &line.description,
        quantity: line.quantity,
        unit_code: &line.unit_code,
        net_price,
        allowance,
        net_amount: line.net_amount,
        category: line.vat_category,
        rate: line.vat_rate,
        service_date: line.service_date,
    }
}

/// Net ÷ quantity with enough decimals that quantity × price rounds back to the net.
fn net_price_of(net: Decimal, quantity: Decimal, currency: Currency) -> Decimal {
    if quantity.is_zero() {
        return net;
    }
    (2..=10)
        .map(|dp| round_half_up(net / quantity, dp))
        .find(|price| currency.round(*price * quantity) == net)
        .unwrap_or_else(|| round_half_up(net / quantity, 10))
        .normalize()
}

/// The Peppol electronic address (EAS scheme, identifier) of a party: its VAT ID under the
/// country's VAT scheme of the Electronic Address Scheme code list (`9930` for DE, …).
pub fn peppol_endpoint(party: &Party) -> Option<(&'static str, &str)> {
    const VAT_SCHEMES: [(&str, &str); 30] = [
        ("AT", "9914"),
        ("ES", "9920"),
        ("AD", "9922"),
        ("AL", "9923"),
        ("BA", "9924"),
        ("BE", "9925"),
        ("BG", "9926"),
        ("CH", "9927"),
        ("CY", "9928"),
        ("CZ", "9929"),
        ("DE", "9930"),
        ("EE", "9931"),
        ("GB", "9932"),
        ("GR", "9933"),
        ("HR", "9934"),
        ("IE", "9935"),
        ("LI", "9936"),
        ("LT", "9937"),
        ("LU", "9938"),
        ("LV", "9939"),
        ("MC", "9940"),
        ("ME", "9941"),
        ("MK", "9942"),
        ("MT", "9943"),
        ("NL", "9944"),
        ("PL", "9945"),
        ("PT", "9946"),
        ("RO", "9947"),
        ("SI", "9949"),
        ("FR", "9957"),
    ];
    let vat_id = party.vat_id.as_deref()?;
    let prefix = vat_id.get(..2)?;
    VAT_SCHEMES
        .iter()
        .find(|(country, _)| *country == prefix)
        .map(|(_, scheme)| (*scheme, vat_id))
}

/// A decimal without trailing zeros (`19`, `2.5`).
pub fn plain(value: Decimal) -> String {
    value.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn gross_net_prices_multiply_back_to_the_line_net() {
        for (net, qty) in [
            (dec!(84.03), dec!(1)),
            (dec!(100.84), dec!(3)),
            (dec!(0.01), dec!(7)),
        ] {
            let eur = Currency::from_code("EUR").unwrap();
            let price = net_price_of(net, qty, eur);
            assert_eq!(
                round_half_up(price * qty, 2),
                net,
                "{net} / {qty} -> {price}"
            );
        }
    }
}
