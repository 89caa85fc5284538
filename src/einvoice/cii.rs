//! UN/CEFACT Cross Industry Invoice (D16B), the syntax of Factur-X / ZUGFeRD and XRechnung CII.
//! Elements are written in the order the XSD demands; the business term of each is named.

use chrono::NaiveDate;

use super::Format;
use super::model::{BILLING_PROCESS, InvoiceTerms, LineTerms, plain};
use super::xml::Xml;
use crate::domain::party::Party;
use crate::domain::vat::VatCategory;
use crate::error::Result;

const RSM: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
const RAM: &str =
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
const QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";
const UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";

/// The CII document of `terms` for `format`.
pub fn write(terms: &InvoiceTerms<'_>, format: Format) -> Result<Vec<u8>> {
    let mut x = Xml::new()?;
    x.open(
        "rsm:CrossIndustryInvoice",
        &[
            ("xmlns:rsm", RSM),
            ("xmlns:ram", RAM),
            ("xmlns:qdt", QDT),
            ("xmlns:udt", UDT),
        ],
    )?;

    x.open("rsm:ExchangedDocumentContext", &[])?;
    if format.is_xrechnung() {
        x.wrapped(
            "ram:BusinessProcessSpecifiedDocumentContextParameter",
            "ram:ID",
            BILLING_PROCESS,
        )?; // BT-23
    }
    x.wrapped(
        "ram:GuidelineSpecifiedDocumentContextParameter",
        "ram:ID",
        format.guideline(),
    )?; // BT-24
    x.close("rsm:ExchangedDocumentContext")?;

    x.open("rsm:ExchangedDocument", &[])?;
    x.leaf("ram:ID", terms.number)?; // BT-1
    x.leaf("ram:TypeCode", terms.type_code)?; // BT-3
    date_time(&mut x, "ram:IssueDateTime", terms.issue_date)?; // BT-2
    if let Some(note) = terms.note {
        x.wrapped("ram:IncludedNote", "ram:Content", note)?; // BT-22
    }
    x.close("rsm:ExchangedDocument")?;

    x.open("rsm:SupplyChainTradeTransaction", &[])?;
    let not_subject = terms
        .vat
        .iter()
        .any(|v| v.category == VatCategory::NotSubject);
    for line in &terms.lines {
        write_line(&mut x, terms, line)?;
    }

    x.open("ram:ApplicableHeaderTradeAgreement", &[])?;
    x.optional("ram:BuyerReference", terms.buyer_reference)?; // BT-10
    write_party(
        &mut x,
        "ram:SellerTradeParty",
        terms.seller,
        Contact::Seller(terms.seller_phone),
        not_subject,
    )?;
    write_party(
        &mut x,
        "ram:BuyerTradeParty",
        terms.buyer,
        Contact::None,
        not_subject,
    )?;
    if let Some(order) = terms.order_reference {
        x.wrapped(
            "ram:BuyerOrderReferencedDocument",
            "ram:IssuerAssignedID",
            order,
        )?; // BT-13
    }
    x.close("ram:ApplicableHeaderTradeAgreement")?;

    x.open("ram:ApplicableHeaderTradeDelivery", &[])?;
    if let Some(party) = terms.deliver_to {
        x.open("ram:ShipToTradeParty", &[])?; // BG-13
        x.leaf("ram:Name", &party.name)?; // BT-70
        write_address(&mut x, party)?; // BG-15
        x.close("ram:ShipToTradeParty")?;
    }
    if let Some(day) = terms.delivery_date {
        x.open("ram:ActualDeliverySupplyChainEvent", &[])?;
        date_time(&mut x, "ram:OccurrenceDateTime", day)?; // BT-72
        x.close("ram:ActualDeliverySupplyChainEvent")?;
    }
    x.close("ram:ApplicableHeaderTradeDelivery")?;

    write_settlement(&mut x, terms)?;
    x.close("rsm:SupplyChainTradeTransaction")?;
    x.close("rsm:CrossIndustryInvoice")?;
    Ok(x.finish())
}

fn write_line(x: &mut Xml, terms: &InvoiceTerms<'_>, line: &LineTerms<'_>) -> Result<()> {
    x.open("ram:IncludedSupplyChainTradeLineItem", &[])?;
    x.wrapped("ram:AssociatedDocumentLineDocument", "ram:LineID", &line.id)?; // BT-126
    x.wrapped("ram:SpecifiedTradeProduct", "ram:Name", line.name)?; // BT-153
    x.open("ram:SpecifiedLineTradeAgreement", &[])?;
    x.wrapped(
        "ram:NetPriceProductTradePrice",
        "ram:ChargeAmount",
        &plain(line.net_price),
    )?; // BT-146
    x.close("ram:SpecifiedLineTradeAgreement")?;
    x.open("ram:SpecifiedLineTradeDelivery", &[])?;
    x.leaf_with(
        "ram:BilledQuantity",
        &[("unitCode", line.unit_code)], // BT-130
        &plain(line.quantity),           // BT-129
    )?;
    x.close("ram:SpecifiedLineTradeDelivery")?;
    x.open("ram:SpecifiedLineTradeSettlement", &[])?;
    x.open("ram:ApplicableTradeTax", &[])?;
    x.leaf("ram:TypeCode", "VAT")?;
    x.leaf("ram:CategoryCode", line.category.code())?; // BT-151
    if line.category != VatCategory::NotSubject {
        x.leaf("ram:RateApplicablePercent", &plain(line.rate))?; // BT-152
    }
    x.close("ram:ApplicableTradeTax")?;
    if let Some(day) = line.service_date {
        x.open("ram:BillingSpecifiedPeriod", &[])?; // BG-26
        date_time(x, "ram:StartDateTime", day)?;
        date_time(x, "ram:EndDateTime", day)?;
        x.close("ram:BillingSpecifiedPeriod")?;
    }
    if let Some(allowance) = line.allowance {
        x.open("ram:SpecifiedTradeAllowanceCharge", &[])?; // BG-27
        x.wrapped("ram:ChargeIndicator", "udt:Indicator", "false")?;
        if let Some(percent) = allowance.percent {
            x.leaf("ram:CalculationPercent", &plain(percent))?; // BT-138
            x.leaf("ram:BasisAmount", &terms.amount(allowance.base))?; // BT-137
        }
        x.leaf("ram:ActualAmount", &terms.amount(allowance.amount))?; // BT-136
        x.leaf("ram:ReasonCode", "95")?; // BT-140: discount
        x.leaf("ram:Reason", "Discount")?; // BT-139
        x.close("ram:SpecifiedTradeAllowanceCharge")?;
    }
    x.wrapped(
        "ram:SpecifiedTradeSettlementLineMonetarySummation",
        "ram:LineTotalAmount",
        &terms.amount(line.net_amount),
    )?; // BT-131
    x.close("ram:SpecifiedLineTradeSettlement")?;
    x.close("ram:IncludedSupplyChainTradeLineItem")
}

/// Whose contact details (BG-6) a party carries.
enum Contact<'a> {
    /// The seller: contact person, the profile's phone, the e-mail.
    Seller(Option<&'a str>),
    /// None (the buyer's contact is not written).
    None,
}

fn write_party(
    x: &mut Xml,
    tag: &str,
    party: &Party,
    contact: Contact<'_>,
    not_subject: bool,
) -> Result<()> {
    x.open(tag, &[])?;
    if not_subject && let Contact::Seller(_) = contact {
        // BR-O-02 forbids the VAT identifier; BR-CO-26 still needs one for the seller, so it
        // goes in as the seller identifier (BT-29).
        x.optional("ram:ID", party.vat_id.as_deref())?;
    }
    x.leaf("ram:Name", &party.name)?; // BT-27 / BT-44
    if let Contact::Seller(phone) = contact
        && (phone.is_some() || party.email.is_some() || party.contact.is_some())
    {
        x.open("ram:DefinedTradeContact", &[])?; // BG-6
        x.leaf(
            "ram:PersonName",
            party.contact.as_deref().unwrap_or(&party.name),
        )?; // BT-41
        if let Some(phone) = phone {
            x.wrapped(
                "ram:TelephoneUniversalCommunication",
                "ram:CompleteNumber",
                phone,
            )?; // BT-42
        }
        if let Some(email) = &party.email {
            x.wrapped("ram:EmailURIUniversalCommunication", "ram:URIID", email)?; // BT-43
        }
        x.close("ram:DefinedTradeContact")?;
    }
    write_address(x, party)?; // BG-5 / BG-8
    if let Some(email) = &party.email {
        x.open("ram:URIUniversalCommunication", &[])?;
        x.leaf_with("ram:URIID", &[("schemeID", "EM")], email)?; // BT-34 / BT-49
        x.close("ram:URIUniversalCommunication")?;
    }
    if let Some(tax_number) = &party.tax_number {
        x.open("ram:SpecifiedTaxRegistration", &[])?;
        x.leaf_with("ram:ID", &[("schemeID", "FC")], tax_number)?; // BT-32
        x.close("ram:SpecifiedTaxRegistration")?;
    }
    // BR-O-02: no VAT identifiers on a document with "not subject to VAT" lines.
    if let Some(vat_id) = party.vat_id.as_deref().filter(|_| !not_subject) {
        x.open("ram:SpecifiedTaxRegistration", &[])?;
        x.leaf_with("ram:ID", &[("schemeID", "VA")], vat_id)?; // BT-31 / BT-48
        x.close("ram:SpecifiedTaxRegistration")?;
    }
    x.close(tag)
}

fn write_address(x: &mut Xml, party: &Party) -> Result<()> {
    x.open("ram:PostalTradeAddress", &[])?;
    x.optional("ram:PostcodeCode", party.postcode.as_deref())?;
    for (tag, line) in ["ram:LineOne", "ram:LineTwo", "ram:LineThree"]
        .iter()
        .zip(&party.address_lines)
    {
        x.leaf(tag, line)?;
    }
    x.optional("ram:CityName", party.city.as_deref())?;
    x.optional("ram:CountryID", party.country_code.as_deref())?;
    x.close("ram:PostalTradeAddress")
}

fn write_settlement(x: &mut Xml, terms: &InvoiceTerms<'_>) -> Result<()> {
    x.open("ram:ApplicableHeaderTradeSettlement", &[])?;
    x.optional("ram:PaymentReference", terms.remittance)?; // BT-83
    x.leaf("ram:InvoiceCurrencyCode", terms.currency.code())?; // BT-5
    x.open("ram:SpecifiedTradeSettlementPaymentMeans", &[])?; // BG-16
    x.leaf("ram:TypeCode", terms.payment_means)?; // BT-81
    if let Some(iban) = &terms.payment.iban {
        x.wrapped("ram:PayeePartyCreditorFinancialAccount", "ram:IBANID", iban)?; // BT-84
        if let Some(bic) = &terms.payment.bic {
            x.wrapped(
                "ram:PayeeSpecifiedCreditorFinancialInstitution",
                "ram:BICID",
                bic,
            )?; // BT-86
        }
    }
    x.close("ram:SpecifiedTradeSettlementPaymentMeans")?;
    for group in &terms.vat {
        x.open("ram:ApplicableTradeTax", &[])?; // BG-23
        x.leaf("ram:CalculatedAmount", &terms.amount(group.tax))?; // BT-117
        x.leaf("ram:TypeCode", "VAT")?;
        x.optional("ram:ExemptionReason", group.exemption_reason)?; // BT-120
        x.leaf("ram:BasisAmount", &terms.amount(group.taxable))?; // BT-116
        x.leaf("ram:CategoryCode", group.category.code())?; // BT-118
        // Always, 0 for "not subject to VAT": XRechnung's BR-DE-14 wants BT-119 in every
        // breakdown, and EN 16931 forbids a rate for O only on lines, allowances and charges.
        x.leaf("ram:RateApplicablePercent", &plain(group.rate))?; // BT-119
        x.close("ram:ApplicableTradeTax")?;
    }
    if let Some((start, end)) = terms.period {
        x.open("ram:BillingSpecifiedPeriod", &[])?; // BG-14
        date_time(x, "ram:StartDateTime", start)?;
        date_time(x, "ram:EndDateTime", end)?;
        x.close("ram:BillingSpecifiedPeriod")?;
    }
    if terms.payment_terms.is_some() || terms.due_date.is_some() {
        x.open("ram:SpecifiedTradePaymentTerms", &[])?;
        x.optional("ram:Description", terms.payment_terms)?; // BT-20
        if let Some(due) = terms.due_date {
            date_time(x, "ram:DueDateDateTime", due)?; // BT-9
        }
        x.close("ram:SpecifiedTradePaymentTerms")?;
    }
    x.open("ram:SpecifiedTradeSettlementHeaderMonetarySummation", &[])?; // BG-22
    x.leaf("ram:LineTotalAmount", &terms.amount(terms.line_total))?; // BT-106
    x.leaf(
        "ram:TaxBasisTotalAmount",
        &terms.amount(terms.tax_exclusive),
    )?; // BT-109
    x.leaf_with(
        "ram:TaxTotalAmount",
        &[("currencyID", terms.currency.code())],
        &terms.amount(terms.tax_total),
    )?; // BT-110
    x.leaf("ram:GrandTotalAmount", &terms.amount(terms.tax_inclusive))?; // BT-112
    x.leaf("ram:DuePayableAmount", &terms.amount(terms.payable))?; // BT-115
    x.close("ram:SpecifiedTradeSettlementHeaderMonetarySummation")?;
    if let Some((number, date)) = terms.preceding {
        x.open("ram:InvoiceReferencedDocument", &[])?; // BG-3
        x.leaf("ram:IssuerAssignedID", number)?; // BT-25
        if let Some(date) = date {
            x.open("ram:FormattedIssueDateTime", &[])?;
            x.leaf_with("qdt:DateTimeString", &[("format", "102")], &yyyymmdd(date))?; // BT-26
            x.close("ram:FormattedIssueDateTime")?;
        }
        x.close("ram:InvoiceReferencedDocument")?;
    }
    x.close("ram:ApplicableHeaderTradeSettlement")
}

fn yyyymmdd(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// `<tag><udt:DateTimeString format="102">YYYYMMDD</udt:DateTimeString></tag>`.
fn date_time(x: &mut Xml, tag: &str, date: NaiveDate) -> Result<()> {
    x.open(tag, &[])?;
    x.leaf_with("udt:DateTimeString", &[("format", "102")], &yyyymmdd(date))?;
    x.close(tag)
}
