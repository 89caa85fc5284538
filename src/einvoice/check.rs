//! What a target needs before anything is written: each gap is a field-level validation error
//! naming the rule, so the user (or a model) can fill it in and export again.

use super::Format;
use super::model::InvoiceTerms;
use crate::domain::vat::VatCategory;
use crate::error::{Error, Result};

/// The document types XRechnung accepts (BR-DE-17).
const XRECHNUNG_TYPE_CODES: [&str; 8] = ["326", "380", "384", "389", "381", "875", "876", "877"];

/// The invoice type codes Peppol BIS Billing 3.0 accepts (PEPPOL-EN16931-P0100; 326 and 384
/// only between German parties, P0112).
const PEPPOL_TYPE_CODES: [&str; 26] = [
    "71", "80", "82", "84", "102", "218", "219", "326", "331", "380", "382", "383", "384", "386",
    "388", "393", "395", "553", "575", "623", "780", "817", "870", "875", "876", "877",
];

/// Refuse `terms` for `format` with the first missing piece.
pub fn check(terms: &InvoiceTerms<'_>, format: Format) -> Result<()> {
    if terms.currency.exponent() > 2 {
        return Err(Error::validation(
            "currency",
            format!(
                "{} has {} decimals; EN 16931 amounts have at most 2 (BR-DEC), so it cannot be an e-invoice",
                terms.currency.code(),
                terms.currency.exponent()
            ),
        ));
    }
    let seller = terms.seller;
    let buyer = terms.buyer;
    let categories: Vec<VatCategory> = terms.vat.iter().map(|v| v.category).collect();
    if seller.vat_id.is_none()
        && seller.identifiers.is_empty()
        && seller.legal_registration.is_none()
    {
        return Err(Error::validation(
            "seller.vat_id",
            "an e-invoice identifies the seller by its VAT ID, an identifier or a legal registration \
             (EN 16931 BR-CO-26); a tax number alone is not enough, also under § 19 UStG",
        ));
    }
    for category in &categories {
        let needs_seller_vat = matches!(
            category,
            VatCategory::ReverseCharge | VatCategory::IntraCommunity | VatCategory::Export
        );
        if needs_seller_vat && seller.vat_id.is_none() {
            return Err(Error::validation(
                "seller.vat_id",
                format!(
                    "category {} needs the seller's VAT ID (BR-AE-02, BR-IC-02, BR-G-02)",
                    category.code()
                ),
            ));
        }
        if category.needs_both_vat_ids() && buyer.vat_id.is_none() {
            return Err(Error::validation(
                "buyer.vat_id",
                format!(
                    "category {} needs the buyer's VAT ID (BR-AE-03, BR-IC-04)",
                    category.code()
                ),
            ));
        }
    }
    if categories.contains(&VatCategory::IntraCommunity)
        && terms.doc.supply_date.is_none()
        && terms.doc.service_period.is_none()
    {
        return Err(Error::validation(
            "supply_date",
            "an intra-community supply needs the delivery date (BT-72) or the service period \
             (BG-14) (BR-IC-11): give supply_date or service_period",
        ));
    }
    for group in &terms.vat {
        if group.category.needs_exemption_reason() && group.exemption_reason.is_none() {
            return Err(Error::validation(
                format!("vat_exemption_reasons.{}", group.category.code()),
                format!(
                    "category {} needs an exemption reason (BT-120)",
                    group.category.code()
                ),
            ));
        }
    }
    if seller.country_code.is_none() {
        return Err(Error::validation(
            "seller.country_code",
            "the seller's country is required (BR-09)",
        ));
    }
    if buyer.country_code.is_none() {
        return Err(Error::validation(
            "buyer.country_code",
            "the buyer's country is required (BR-11)",
        ));
    }
    if format.is_xrechnung() && !XRECHNUNG_TYPE_CODES.contains(&terms.type_code.as_str()) {
        return Err(Error::validation(
            "type_code",
            format!(
                "XRechnung takes the type codes {} (BR-DE-17), got {}",
                XRECHNUNG_TYPE_CODES.join(", "),
                terms.type_code
            ),
        ));
    }
    if !format.is_ubl() && terms.preceding.len() > 1 {
        return Err(Error::validation(
            "preceding_invoices",
            format!(
                "CII carries one preceding invoice (ram:InvoiceReferencedDocument occurs once in \
                 CII D16B), the document names {}: export it as UBL (xrechnung-ubl, peppol-ubl), \
                 or keep one and name the others in a note",
                terms.preceding.len()
            ),
        ));
    }
    if format == Format::PeppolUbl
        && !terms.credit_note
        && !PEPPOL_TYPE_CODES.contains(&terms.type_code.as_str())
    {
        return Err(Error::validation(
            "type_code",
            format!(
                "Peppol BIS Billing takes the invoice type codes {} (PEPPOL-EN16931-P0100), got {}",
                PEPPOL_TYPE_CODES.join(", "),
                terms.type_code
            ),
        ));
    }
    if terms.credit_note && terms.preceding.is_empty() && format.is_xrechnung() {
        return Err(Error::validation(
            "corrects",
            "a credit note must name the invoice it corrects",
        ));
    }
    if format.is_xrechnung() || format == Format::PeppolUbl {
        check_routing(terms, format)?;
    }
    Ok(())
}

/// XRechnung 3.0 and Peppol: buyer reference, electronic addresses, addresses, seller contact.
fn check_routing(terms: &InvoiceTerms<'_>, format: Format) -> Result<()> {
    let (seller, buyer) = (terms.seller, terms.buyer);
    if format.is_xrechnung() && terms.doc.buyer_reference.is_none() {
        return Err(Error::validation(
            "buyer_reference",
            "XRechnung needs the buyer reference (BT-10, for public buyers the Leitweg-ID) (BR-DE-15)",
        ));
    }
    if format == Format::PeppolUbl
        && terms.doc.buyer_reference.is_none()
        && terms.doc.order_reference.is_none()
    {
        return Err(Error::validation(
            "buyer_reference",
            "Peppol needs a buyer reference or an order reference (PEPPOL-EN16931-R003)",
        ));
    }
    if format == Format::PeppolUbl {
        for (field, party) in [("seller", seller), ("buyer", buyer)] {
            if let Some((scheme, _)) = super::model::endpoint(party, true)
                && (scheme == "EM" || scheme.is_empty())
            {
                return Err(Error::validation(
                    format!("{field}.electronic_address.scheme"),
                    "Peppol routes to participant ids, not e-mail (PEPPOL-EN16931-CL008): give \
                     an electronic address with an EAS scheme such as 0088, 0204 or 9930",
                ));
            }
            let field = format!("{field}.vat_id");
            if super::model::endpoint(party, true).is_none() {
                return Err(Error::validation(
                    field,
                    "Peppol routes to an electronic address: give electronic_address (e.g. \
                     {\"id\": \"0088:4000001000005\", \"scheme\": \"0088\"}), or a European VAT ID \
                     it is derived from (PEPPOL-EN16931-R010, R020)",
                ));
            }
        }
        return Ok(());
    }
    if super::model::endpoint(seller, false).is_none() {
        return Err(Error::validation(
            "seller.email",
            "XRechnung needs the seller's electronic address (BT-34, BR-62): give \
             seller.email or seller.electronic_address",
        ));
    }
    if super::model::endpoint(buyer, false).is_none() {
        return Err(Error::validation(
            "buyer.email",
            "XRechnung needs the buyer's electronic address (BT-49, BR-63): give buyer.email, or \
             buyer.electronic_address such as the Leitweg-ID with scheme 0204",
        ));
    }
    if format.is_xrechnung() {
        for (field, value, rule) in [
            ("seller.city", &seller.city, "BR-DE-3"),
            ("seller.postcode", &seller.postcode, "BR-DE-4"),
            ("buyer.city", &buyer.city, "BR-DE-8"),
            ("buyer.postcode", &buyer.postcode, "BR-DE-9"),
        ] {
            if value.is_none() {
                return Err(Error::validation(
                    field,
                    format!("XRechnung needs it ({rule})"),
                ));
            }
        }
        if terms.seller_phone.is_none() {
            return Err(Error::validation(
                "seller_profile.phone",
                "XRechnung needs the seller's phone number (BT-42, BR-DE-6): set it in the seller profile",
            ));
        }
    }
    Ok(())
}
