//! OASIS UBL 2.1 Invoice and CreditNote, the syntax of XRechnung UBL and Peppol BIS Billing 3.0.
//! Elements are written in the order the XSD demands; the business term of each is named.

use chrono::NaiveDate;

use super::Format;
use super::model::{BILLING_PROCESS, InvoiceTerms, LineTerms, peppol_endpoint, plain};
use super::xml::Xml;
use crate::domain::party::Party;
use crate::domain::vat::VatCategory;
use crate::error::Result;

const INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// The UBL document of `terms` for `format`: an Invoice, or a CreditNote for type 381.
pub fn write(terms: &InvoiceTerms<'_>, format: Format) -> Result<Vec<u8>> {
    let credit = terms.type_code == "381";
    let (root, namespace, line_tag, quantity_tag) = if credit {
        (
            "CreditNote",
            CREDIT_NOTE,
            "cac:CreditNoteLine",
            "cbc:CreditedQuantity",
        )
    } else {
        (
            "Invoice",
            INVOICE,
            "cac:InvoiceLine",
            "cbc:InvoicedQuantity",
        )
    };
    let currency = terms.currency.code();
    let money = [("currencyID", currency)];
    let mut x = Xml::new()?;
    x.open(
        root,
        &[("xmlns", namespace), ("xmlns:cac", CAC), ("xmlns:cbc", CBC)],
    )?;
    x.leaf("cbc:CustomizationID", format.guideline())?; // BT-24
    x.leaf("cbc:ProfileID", BILLING_PROCESS)?; // BT-23
    x.leaf("cbc:ID", terms.number)?; // BT-1
    x.leaf("cbc:IssueDate", &iso(terms.issue_date))?; // BT-2
    if credit {
        x.leaf("cbc:CreditNoteTypeCode", terms.type_code)?; // BT-3
    } else {
        if let Some(due) = terms.due_date {
            x.leaf("cbc:DueDate", &iso(due))?; // BT-9
        }
        x.leaf("cbc:InvoiceTypeCode", terms.type_code)?; // BT-3
    }
    x.optional("cbc:Note", terms.note)?; // BT-22
    x.leaf("cbc:DocumentCurrencyCode", currency)?; // BT-5
    x.optional("cbc:BuyerReference", terms.buyer_reference)?; // BT-10
    if let Some((start, end)) = terms.period {
        period(&mut x, start, end)?; // BG-14
    }
    if let Some(order) = terms.order_reference {
        x.wrapped("cac:OrderReference", "cbc:ID", order)?; // BT-13
    }
    if let Some((number, date)) = terms.preceding {
        x.open("cac:BillingReference", &[])?; // BG-3
        x.open("cac:InvoiceDocumentReference", &[])?;
        x.leaf("cbc:ID", number)?; // BT-25
        if let Some(date) = date {
            x.leaf("cbc:IssueDate", &iso(date))?; // BT-26
        }
        x.close("cac:InvoiceDocumentReference")?;
        x.close("cac:BillingReference")?;
    }
    let not_subject = terms
        .vat
        .iter()
        .any(|v| v.category == VatCategory::NotSubject);
    x.open("cac:AccountingSupplierParty", &[])?;
    party(
        &mut x,
        format,
        terms.seller,
        Some(terms.seller_phone),
        not_subject,
    )?;
    x.close("cac:AccountingSupplierParty")?;
    x.open("cac:AccountingCustomerParty", &[])?;
    party(&mut x, format, terms.buyer, None, not_subject)?;
    x.close("cac:AccountingCustomerParty")?;

    if terms.delivery_date.is_some() || terms.deliver_to.is_some() {
        x.open("cac:Delivery", &[])?;
        if let Some(day) = terms.delivery_date {
            x.leaf("cbc:ActualDeliveryDate", &iso(day))?; // BT-72
        }
        if let Some(to) = terms.deliver_to {
            x.open("cac:DeliveryLocation", &[])?;
            address(&mut x, "cac:Address", to)?; // BG-15
            x.close("cac:DeliveryLocation")?;
            x.open("cac:DeliveryParty", &[])?;
            x.wrapped("cac:PartyName", "cbc:Name", &to.name)?; // BT-70
            x.close("cac:DeliveryParty")?;
        }
        x.close("cac:Delivery")?;
    }

    x.open("cac:PaymentMeans", &[])?; // BG-16
    x.leaf("cbc:PaymentMeansCode", terms.payment_means)?; // BT-81
    if credit && let Some(due) = terms.due_date {
        x.leaf("cbc:PaymentDueDate", &iso(due))?; // BT-9
    }
    x.optional("cbc:PaymentID", terms.remittance)?; // BT-83
    if let Some(iban) = &terms.payment.iban {
        x.open("cac:PayeeFinancialAccount", &[])?;
        x.leaf("cbc:ID", iban)?; // BT-84
        if let Some(bic) = &terms.payment.bic {
            x.wrapped("cac:FinancialInstitutionBranch", "cbc:ID", bic)?; // BT-86
        }
        x.close("cac:PayeeFinancialAccount")?;
    }
    x.close("cac:PaymentMeans")?;
    if let Some(text) = terms.payment_terms {
        x.wrapped("cac:PaymentTerms", "cbc:Note", text)?; // BT-20
    }

    x.open("cac:TaxTotal", &[])?;
    x.leaf_with("cbc:TaxAmount", &money, &terms.amount(terms.tax_total))?; // BT-110
    for group in &terms.vat {
        x.open("cac:TaxSubtotal", &[])?; // BG-23
        x.leaf_with("cbc:TaxableAmount", &money, &terms.amount(group.taxable))?; // BT-116
        x.leaf_with("cbc:TaxAmount", &money, &terms.amount(group.tax))?; // BT-117
        x.open("cac:TaxCategory", &[])?;
        x.leaf("cbc:ID", group.category.code())?; // BT-118
        // Always, 0 for "not subject to VAT" (XRechnung BR-DE-14; see the CII writer).
        x.leaf("cbc:Percent", &plain(group.rate))?; // BT-119
        x.optional("cbc:TaxExemptionReason", group.exemption_reason)?; // BT-120
        vat_scheme(&mut x)?;
        x.close("cac:TaxCategory")?;
        x.close("cac:TaxSubtotal")?;
    }
    x.close("cac:TaxTotal")?;

    x.open("cac:LegalMonetaryTotal", &[])?; // BG-22
    x.leaf_with(
        "cbc:LineExtensionAmount",
        &money,
        &terms.amount(terms.line_total),
    )?; // BT-106
    x.leaf_with(
        "cbc:TaxExclusiveAmount",
        &money,
        &terms.amount(terms.tax_exclusive),
    )?; // BT-109
    x.leaf_with(
        "cbc:TaxInclusiveAmount",
        &money,
        &terms.amount(terms.tax_inclusive),
    )?; // BT-112
    x.leaf_with("cbc:PayableAmount", &money, &terms.amount(terms.payable))?; // BT-115
    x.close("cac:LegalMonetaryTotal")?;

    for line in &terms.lines {
        write_line(&mut x, terms, line, line_tag, quantity_tag)?;
    }
    x.close(root)?;
    Ok(x.finish())
}

fn write_line(
    x: &mut Xml,
    terms: &InvoiceTerms<'_>,
    line: &LineTerms<'_>,
    tag: &str,
    quantity_tag: &str,
) -> Result<()> {
    let money = [("currencyID", terms.currency.code())];
    x.open(tag, &[])?; // BG-25
    x.leaf("cbc:ID", &line.id)?; // BT-126
    x.leaf_with(
        quantity_tag,
        &[("unitCode", line.unit_code)],
        &plain(line.quantity),
    )?; // BT-129, BT-130
    x.leaf_with(
        "cbc:LineExtensionAmount",
        &money,
        &terms.amount(line.net_amount),
    )?; // BT-131
    if let Some(day) = line.service_date {
        period(x, day, day)?; // BG-26
    }
    if let Some(allowance) = line.allowance {
        x.open("cac:AllowanceCharge", &[])?; // BG-27
        x.leaf("cbc:ChargeIndicator", "false")?;
        x.leaf("cbc:AllowanceChargeReasonCode", "95")?; // BT-140
        x.leaf("cbc:AllowanceChargeReason", "Discount")?; // BT-139
        if let Some(percent) = allowance.percent {
            x.leaf("cbc:MultiplierFactorNumeric", &plain(percent))?; // BT-138
        }
        x.leaf_with("cbc:Amount", &money, &terms.amount(allowance.amount))?; // BT-136
        if allowance.percent.is_some() {
            // Peppol R042: a base amount only together with the percentage.
            x.leaf_with("cbc:BaseAmount", &money, &terms.amount(allowance.base))?; // BT-137
        }
        x.close("cac:AllowanceCharge")?;
    }
    x.open("cac:Item", &[])?;
    x.leaf("cbc:Name", line.name)?; // BT-153
    x.open("cac:ClassifiedTaxCategory", &[])?;
    x.leaf("cbc:ID", line.category.code())?; // BT-151
    if line.category != VatCategory::NotSubject {
        x.leaf("cbc:Percent", &plain(line.rate))?; // BT-152
    }
    vat_scheme(x)?;
    x.close("cac:ClassifiedTaxCategory")?;
    x.close("cac:Item")?;
    x.open("cac:Price", &[])?;
    x.leaf_with("cbc:PriceAmount", &money, &plain(line.net_price))?; // BT-146
    x.close("cac:Price")?;
    x.close(tag)
}

/// A seller (with its phone: `Some(phone)`) or a buyer (`None`). The electronic address is the
/// e-mail for XRechnung and the VAT ID under its Peppol scheme for Peppol.
fn party(
    x: &mut Xml,
    format: Format,
    party: &Party,
    seller_phone: Option<Option<&str>>,
    not_subject: bool,
) -> Result<()> {
    x.open("cac:Party", &[])?;
    let endpoint = if format == Format::PeppolUbl {
        peppol_endpoint(party)
    } else {
        party.email.as_deref().map(|email| ("EM", email))
    };
    if let Some((scheme, id)) = endpoint {
        x.leaf_with("cbc:EndpointID", &[("schemeID", scheme)], id)?; // BT-34 / BT-49
    }
    if not_subject
        && seller_phone.is_some()
        && let Some(vat_id) = &party.vat_id
    {
        // BR-O-02 forbids the VAT identifier; BR-CO-26 still needs one for the seller.
        x.wrapped("cac:PartyIdentification", "cbc:ID", vat_id)?; // BT-29
    }
    address(x, "cac:PostalAddress", party)?; // BG-5 / BG-8
    if let Some(vat_id) = party.vat_id.as_deref().filter(|_| !not_subject) {
        x.open("cac:PartyTaxScheme", &[])?;
        x.leaf("cbc:CompanyID", vat_id)?; // BT-31 / BT-48
        vat_scheme(x)?;
        x.close("cac:PartyTaxScheme")?;
    }
    if let (Some(tax_number), Some(_)) = (&party.tax_number, seller_phone) {
        x.open("cac:PartyTaxScheme", &[])?;
        x.leaf("cbc:CompanyID", tax_number)?; // BT-32
        x.wrapped("cac:TaxScheme", "cbc:ID", "FC")?;
        x.close("cac:PartyTaxScheme")?;
    }
    x.wrapped("cac:PartyLegalEntity", "cbc:RegistrationName", &party.name)?; // BT-27 / BT-44
    if let Some(phone) = seller_phone
        && (phone.is_some() || party.email.is_some() || party.contact.is_some())
    {
        x.open("cac:Contact", &[])?; // BG-6
        x.leaf("cbc:Name", party.contact.as_deref().unwrap_or(&party.name))?; // BT-41
        x.optional("cbc:Telephone", phone)?; // BT-42
        x.optional("cbc:ElectronicMail", party.email.as_deref())?; // BT-43
        x.close("cac:Contact")?;
    }
    x.close("cac:Party")
}

fn address(x: &mut Xml, tag: &str, party: &Party) -> Result<()> {
    x.open(tag, &[])?;
    let mut lines = party.address_lines.iter();
    x.optional("cbc:StreetName", lines.next().map(String::as_str))?; // BT-35 / BT-50
    x.optional("cbc:AdditionalStreetName", lines.next().map(String::as_str))?; // BT-36 / BT-51
    x.optional("cbc:CityName", party.city.as_deref())?; // BT-37 / BT-52
    x.optional("cbc:PostalZone", party.postcode.as_deref())?; // BT-38 / BT-53
    if let Some(third) = lines.next() {
        x.wrapped("cac:AddressLine", "cbc:Line", third)?; // BT-162 / BT-163
    }
    if let Some(country) = &party.country_code {
        x.wrapped("cac:Country", "cbc:IdentificationCode", country)?; // BT-40 / BT-55
    }
    x.close(tag)
}

fn vat_scheme(x: &mut Xml) -> Result<()> {
    x.open("cac:TaxScheme", &[])?;
    x.leaf("cbc:ID", "VAT")?;
    x.close("cac:TaxScheme")
}

fn period(x: &mut Xml, start: NaiveDate, end: NaiveDate) -> Result<()> {
    x.open("cac:InvoicePeriod", &[])?;
    x.leaf("cbc:StartDate", &iso(start))?;
    x.leaf("cbc:EndDate", &iso(end))?;
    x.close("cac:InvoicePeriod")
}

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}
