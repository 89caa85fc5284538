//! A stored document as EN 16931 sees it: the business terms (BT-…) both syntaxes write, with
//! amounts already in the form the rules demand (two decimals at most, line nets that add up,
//! net prices). `cii.rs` and `ubl.rs` only decide where each term goes.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::document::{Document, DocumentContent, DocumentKind, Line};
use crate::domain::money::{Currency, round_half_up};
use crate::domain::party::{Party, PaymentDetails, SellerProfile};
use crate::domain::terms::{Address, AllowanceCharge, Delivery};
use crate::domain::totals::Totals;
use crate::domain::vat::VatCategory;
use crate::error::{Error, Result};

/// Peppol / XRechnung business process (BT-23).
pub const BILLING_PROCESS: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";

/// An allowance or charge as written (BG-20/21 on the document, BG-27/28 on a line).
#[derive(Debug, Clone)]
pub struct AllowanceTerms<'a> {
    /// A charge rather than an allowance.
    pub is_charge: bool,
    /// BT-92 / BT-136 …
    pub amount: Decimal,
    /// BT-93 / BT-137 …: written only with the percentage.
    pub base: Option<Decimal>,
    /// BT-94 / BT-138 …
    pub percent: Option<Decimal>,
    /// BT-97 / BT-139 …
    pub reason: Option<&'a str>,
    /// BT-98 / BT-140 …
    pub reason_code: Option<&'a str>,
    /// BT-95 / BT-96 on the document level.
    pub vat: Option<(VatCategory, Decimal)>,
}

impl<'a> AllowanceTerms<'a> {
    fn of(ac: &'a AllowanceCharge, is_charge: bool, document_level: bool) -> Self {
        let percent_of_base = ac.percent.zip(ac.base_amount);
        AllowanceTerms {
            is_charge,
            amount: ac.value(),
            base: percent_of_base.map(|(_, base)| base),
            percent: percent_of_base.map(|(percent, _)| percent),
            reason: ac.reason.as_deref(),
            reason_code: ac.reason_code.as_deref(),
            vat: document_level.then(|| (ac.category(), ac.vat_rate.unwrap_or_default())),
        }
    }
}

/// One invoice line (BG-25): the stored line and what the syntaxes need computed.
#[derive(Debug, Clone)]
pub struct LineTerms<'a> {
    /// The stored line with every term as given.
    pub line: &'a Line,
    /// BT-126.
    pub id: String,
    /// BT-146, net of VAT.
    pub net_price: Decimal,
    /// BT-149, when the price is per more than one unit.
    pub base_quantity: Option<Decimal>,
    /// BT-148 and BT-147: gross price and the price discount.
    pub gross: Option<(Decimal, Decimal)>,
    /// BG-27 and BG-28: the discount, then the further allowances, then the charges.
    pub allowances: Vec<AllowanceTerms<'a>>,
    /// BG-26: the line period, or the service day as a period of one day.
    pub period: Option<(NaiveDate, NaiveDate)>,
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
    /// BT-121.
    pub exemption_code: Option<&'a str>,
}

/// Everything both syntaxes write: the stored content with the values that are decided at
/// export (number, issue date, type code, seller, preceding invoices, payment means).
#[derive(Debug, Clone)]
pub struct InvoiceTerms<'a> {
    /// Every term as stored.
    pub doc: &'a DocumentContent,
    /// BT-1.
    pub number: &'a str,
    /// BT-2.
    pub issue_date: NaiveDate,
    /// BT-3.
    pub type_code: String,
    /// A credit note (UBL writes a CreditNote).
    pub credit_note: bool,
    /// BT-5.
    pub currency: Currency,
    /// BG-4.
    pub seller: &'a Party,
    /// BT-42, from the seller profile when the seller's contact gives none.
    pub seller_phone: Option<&'a str>,
    /// BG-7.
    pub buyer: &'a Party,
    /// BG-3: the corrected invoice of a credit note, then the preceding invoices given.
    pub preceding: Vec<(&'a str, Option<NaiveDate>)>,
    /// BG-13 / BG-15: the delivery given, else for intra-community supplies the buyer's
    /// address (BR-IC-12 needs its country, XRechnung its city and post code).
    pub deliver_to: Option<Delivery>,
    /// BT-81.
    pub payment_means: &'a str,
    /// BT-83.
    pub remittance: Option<&'a str>,
    /// BG-16.
    pub payment: &'a PaymentDetails,
    /// BG-20 and BG-21.
    pub allowances: Vec<AllowanceTerms<'a>>,
    /// BG-25.
    pub lines: Vec<LineTerms<'a>>,
    /// BG-23.
    pub vat: Vec<VatTerms<'a>>,
    /// BG-22.
    pub totals: &'a Totals,
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
        let seller = content.seller().ok_or_else(|| {
            Error::validation(
                "seller",
                "the document has no seller (set the seller profile)",
            )
        })?;
        let currency = content.currency();
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
                exemption_code: content
                    .vat_exemption_codes
                    .get(&group.category)
                    .map(String::as_str),
            })
            .collect();
        let buyer = content.buyer();
        let intra_community = content
            .totals
            .vat_breakdown
            .iter()
            .any(|g| g.category == VatCategory::IntraCommunity);
        let deliver_to = content.delivery.clone().or_else(|| {
            intra_community.then(|| Delivery {
                name: Some(buyer.name.clone()),
                location_id: None,
                address: buyer.country_code.clone().map(|country_code| Address {
                    lines: buyer.address_lines.clone(),
                    postcode: buyer.postcode.clone(),
                    city: buyer.city.clone(),
                    subdivision: buyer.subdivision.clone(),
                    country_code,
                }),
            })
        });
        let preceding = document
            .corrects
            .iter()
            .filter_map(|r| r.number.as_deref().map(|n| (n, r.issue_date)))
            .chain(
                content
                    .preceding_invoices
                    .iter()
                    .map(|p| (p.number.as_str(), p.issue_date)),
            )
            .collect();
        let allowances = content
            .allowances
            .iter()
            .map(|a| AllowanceTerms::of(a, false, true))
            .chain(
                content
                    .charges
                    .iter()
                    .map(|c| AllowanceTerms::of(c, true, true)),
            )
            .collect();
        let payment = content.payment();
        let seller_phone = seller
            .contact
            .as_ref()
            .and_then(|c| c.phone.as_deref())
            .or(profile.and_then(|p| p.phone.as_deref()));
        Ok(InvoiceTerms {
            doc: content,
            number,
            issue_date,
            type_code: content.type_code(document.kind).to_string(),
            credit_note: document.kind == DocumentKind::CreditNote,
            currency,
            seller,
            seller_phone,
            buyer,
            preceding,
            deliver_to,
            payment_means: payment.means(),
            remittance: payment.reference.as_deref().or(Some(number)),
            payment,
            allowances,
            lines,
            vat,
            totals: &content.totals,
        })
    }

    /// The accounts to pay to (BG-17) as (id, name, BIC): the first one, then the further
    /// ones; none for a direct debit, which names the account to debit instead (BR-DE-25-b).
    pub fn accounts(&self) -> Vec<(&'a str, Option<&'a str>, Option<&'a str>)> {
        let payment = self.payment;
        if self.payment_means == "59" {
            return Vec::new();
        }
        payment
            .iban
            .as_deref()
            .map(|iban| {
                (
                    iban,
                    payment.account_name.as_deref(),
                    payment.bic.as_deref(),
                )
            })
            .into_iter()
            .chain(
                payment
                    .more_accounts
                    .iter()
                    .map(|a| (a.id.as_str(), a.name.as_deref(), a.bic.as_deref())),
            )
            .collect()
    }

    /// An amount with the currency's decimals (`119.00`, `1500` for JPY).
    pub fn amount(&self, value: Decimal) -> String {
        self.currency.rescale(value).to_string()
    }

    /// The payment terms (BT-20) as `format` wants them: XRechnung puts each cash discount
    /// first as a `#SKONTO#TAGE=n#PROZENT=p.pp#` line (with `BASISBETRAG=` when the base is
    /// not the amount due), every line ending with a line break (BR-DE-18); the other formats
    /// get the discounts in words after the text.
    pub fn payment_terms(&self, xrechnung: bool) -> Option<String> {
        let discounts = &self.payment.cash_discounts;
        let text = self.doc.payment_terms.as_deref();
        if discounts.is_empty() {
            return text.map(str::to_string);
        }
        let mut out = String::new();
        if xrechnung {
            for d in discounts {
                out.push_str(&format!(
                    "#SKONTO#TAGE={}#PROZENT={:.2}#",
                    d.days, d.percent
                ));
                if let Some(base) = d.base_amount {
                    out.push_str(&format!("BASISBETRAG={}#", self.amount(base)));
                }
                out.push('\n');
            }
            if let Some(text) = text {
                out.push_str(text);
            }
            return Some(out);
        }
        if let Some(text) = text {
            out.push_str(text);
            out.push('\n');
        }
        let lines: Vec<String> = discounts
            .iter()
            .map(|d| {
                let base = d.base_amount.unwrap_or(self.totals.amount_payable);
                let amount =
                    self.amount(self.currency.round(base * d.percent / Decimal::ONE_HUNDRED));
                let code = self.currency.code();
                // A base of its own is named, so an import gets it back.
                let of = d
                    .base_amount
                    .map(|b| format!(" of {} {code}", self.amount(b)))
                    .unwrap_or_default();
                format!(
                    "{} % cash discount ({amount} {code}{of}) if paid within {} days",
                    plain(d.percent),
                    d.days
                )
            })
            .collect();
        out.push_str(&lines.join("\n"));
        Some(out)
    }
}

/// A line's terms. With net prices the discount is an allowance on quantity × price; with
/// gross prices (the net was derived from the gross total) the net price is net ÷ quantity.
fn line_terms(line: &Line, gross_prices: bool, currency: Currency) -> LineTerms<'_> {
    let period = line
        .period
        .map(|p| (p.start, p.end))
        .or(line.service_date.map(|d| (d, d)));
    let mut allowances = Vec::new();
    let (net_price, base_quantity) = if gross_prices {
        (net_price_of(line.net_amount, line.quantity, currency), None)
    } else {
        let base = currency.round(line.price_amount());
        let sum =
            |list: &[AllowanceCharge]| -> Decimal { list.iter().map(AllowanceCharge::value).sum() };
        let discount = match (line.discount_percent, line.discount_amount) {
            // The engine takes a percentage off before rounding the net (96.50 − 15 % =
            // 82.025 → 82.03); the amount written is what the rounded base and the net differ
            // by (14.47, not the rounded 14.48), so BT-131 = base − allowances + charges
            // holds to the cent and an import gives the same net back.
            (Some(pct), _) => Some((
                base - (line.net_amount + sum(&line.allowances) - sum(&line.charges)),
                Some(pct),
            )),
            (None, Some(amount)) => Some((amount, None)),
            (None, None) => None,
        };
        if let Some((amount, percent)) = discount {
            allowances.push(AllowanceTerms {
                is_charge: false,
                amount: amount.abs(),
                base: percent.map(|_| base.abs()),
                percent,
                reason: Some("Discount"),
                reason_code: Some("95"),
                vat: None,
            });
        }
        (line.unit_price, line.base_quantity)
    };
    allowances.extend(
        line.allowances
            .iter()
            .map(|a| AllowanceTerms::of(a, false, false)),
    );
    allowances.extend(
        line.charges
            .iter()
            .map(|c| AllowanceTerms::of(c, true, false)),
    );
    let gross = line
        .gross_price
        .filter(|_| !gross_prices)
        .map(|g| (g, g - line.unit_price));
    LineTerms {
        line,
        id: line.id_or(line.position),
        net_price,
        base_quantity,
        gross,
        allowances,
        period,
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
        .abs()
}

/// The electronic address (BT-34, BT-49) a format writes: the one given; else for Peppol the
/// VAT ID under its country's scheme, for the others the e-mail (scheme EM).
pub fn endpoint(party: &Party, peppol: bool) -> Option<(String, String)> {
    if let Some(address) = &party.electronic_address {
        return Some((
            address.scheme.clone().unwrap_or_default(),
            address.id.clone(),
        ));
    }
    if peppol {
        return peppol_endpoint(party).map(|(scheme, id)| (scheme.to_string(), id.to_string()));
    }
    party
        .email
        .as_ref()
        .map(|email| ("EM".to_string(), email.clone()))
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
