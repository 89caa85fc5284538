//! UN/CEFACT Cross Industry Invoice (D16B), the syntax of Factur-X / ZUGFeRD and XRechnung CII.
//! Elements are written in the order the XSD demands; the business term of each is named.

use chrono::NaiveDate;

use super::Format;
use super::model::{AllowanceTerms, BILLING_PROCESS, InvoiceTerms, LineTerms, endpoint, plain};
use super::xml::Xml;
use crate::domain::attachment::SupportingDocument;
use crate::domain::party::Party;
use crate::domain::terms::{Address, CashDiscount, Contact, Identifier, tax_point_code_cii};
use crate::domain::vat::VatCategory;
use crate::error::Result;

const RSM: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
const RAM: &str =
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
const QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";
const UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";

/// The CII document of `terms` for `format`.
pub fn write(terms: &InvoiceTerms<'_>, format: Format) -> Result<Vec<u8>> {
    let doc = terms.doc;
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
    x.leaf("ram:TypeCode", &terms.type_code)?; // BT-3
    date_time(&mut x, "ram:IssueDateTime", terms.issue_date)?; // BT-2
    for note in &doc.notes {
        x.open("ram:IncludedNote", &[])?; // BG-1
        x.leaf("ram:Content", &note.text)?; // BT-22
        x.optional("ram:SubjectCode", note.subject_code.as_deref())?; // BT-21
        x.close("ram:IncludedNote")?;
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
    x.optional("ram:BuyerReference", doc.buyer_reference.as_deref())?; // BT-10
    let seller_contact = terms.seller.full_contact(terms.seller_phone);
    write_party(
        &mut x,
        "ram:SellerTradeParty",
        terms.seller,
        seller_contact.as_ref(),
        not_subject,
        true,
    )?;
    write_party(
        &mut x,
        "ram:BuyerTradeParty",
        terms.buyer,
        terms.buyer.contact.as_ref(),
        not_subject,
        false,
    )?;
    if let Some(rep) = &doc.tax_representative {
        x.open("ram:SellerTaxRepresentativeTradeParty", &[])?; // BG-11
        x.leaf("ram:Name", &rep.name)?; // BT-62
        write_address(&mut x, &rep.address)?; // BG-12
        tax_registration(&mut x, "VA", &rep.vat_id)?; // BT-63
        x.close("ram:SellerTaxRepresentativeTradeParty")?;
    }
    if let Some(id) = &doc.sales_order_reference {
        x.wrapped(
            "ram:SellerOrderReferencedDocument",
            "ram:IssuerAssignedID",
            id,
        )?; // BT-14
    }
    if let Some(order) = &doc.order_reference {
        x.wrapped(
            "ram:BuyerOrderReferencedDocument",
            "ram:IssuerAssignedID",
            order,
        )?; // BT-13
    }
    if let Some(contract) = &doc.contract_reference {
        x.wrapped(
            "ram:ContractReferencedDocument",
            "ram:IssuerAssignedID",
            contract,
        )?; // BT-12
    }
    if let Some(tender) = &doc.tender_reference {
        x.open("ram:AdditionalReferencedDocument", &[])?;
        x.leaf("ram:IssuerAssignedID", tender)?; // BT-17
        x.leaf("ram:TypeCode", "50")?;
        x.close("ram:AdditionalReferencedDocument")?;
    }
    if let Some(object) = &doc.invoiced_object {
        object_reference(&mut x, object)?; // BT-18
    }
    for attachment in &doc.attachments {
        supporting_document(&mut x, attachment)?; // BG-24
    }
    if let Some(project) = &doc.project_reference {
        x.open("ram:SpecifiedProcuringProject", &[])?;
        x.leaf("ram:ID", project)?; // BT-11
        x.leaf("ram:Name", "Project")?;
        x.close("ram:SpecifiedProcuringProject")?;
    }
    x.close("ram:ApplicableHeaderTradeAgreement")?;

    x.open("ram:ApplicableHeaderTradeDelivery", &[])?;
    if let Some(to) = &terms.deliver_to {
        x.open("ram:ShipToTradeParty", &[])?; // BG-13
        if let Some(id) = &to.location_id {
            identifier(&mut x, id)?; // BT-71
        }
        x.optional("ram:Name", to.name.as_deref())?; // BT-70
        if let Some(address) = &to.address {
            write_address(&mut x, address)?; // BG-15
        }
        x.close("ram:ShipToTradeParty")?;
    }
    if let Some(day) = doc.supply_date {
        x.open("ram:ActualDeliverySupplyChainEvent", &[])?;
        date_time(&mut x, "ram:OccurrenceDateTime", day)?; // BT-72
        x.close("ram:ActualDeliverySupplyChainEvent")?;
    }
    if let Some(id) = &doc.despatch_advice_reference {
        x.wrapped(
            "ram:DespatchAdviceReferencedDocument",
            "ram:IssuerAssignedID",
            id,
        )?; // BT-16
    }
    if let Some(id) = &doc.receiving_advice_reference {
        x.wrapped(
            "ram:ReceivingAdviceReferencedDocument",
            "ram:IssuerAssignedID",
            id,
        )?; // BT-15
    }
    x.close("ram:ApplicableHeaderTradeDelivery")?;

    write_settlement(&mut x, terms, format)?;
    x.close("rsm:SupplyChainTradeTransaction")?;
    x.close("rsm:CrossIndustryInvoice")?;
    Ok(x.finish())
}

fn write_line(x: &mut Xml, terms: &InvoiceTerms<'_>, line: &LineTerms<'_>) -> Result<()> {
    let input = &line.line.input;
    x.open("ram:IncludedSupplyChainTradeLineItem", &[])?;
    x.open("ram:AssociatedDocumentLineDocument", &[])?;
    x.leaf("ram:LineID", &line.id)?; // BT-126
    if let Some(note) = &input.note {
        x.wrapped("ram:IncludedNote", "ram:Content", note)?; // BT-127
    }
    x.close("ram:AssociatedDocumentLineDocument")?;

    x.open("ram:SpecifiedTradeProduct", &[])?;
    if let Some(id) = &input.standard_item_id {
        x.leaf_with(
            "ram:GlobalID",
            &[("schemeID", id.scheme.as_deref().unwrap_or_default())],
            &id.id,
        )?; // BT-157
    }
    x.optional("ram:SellerAssignedID", input.seller_item_id.as_deref())?; // BT-155
    x.optional("ram:BuyerAssignedID", input.buyer_item_id.as_deref())?; // BT-156
    x.leaf("ram:Name", &input.description)?; // BT-153
    x.optional("ram:Description", input.item_description.as_deref())?; // BT-154
    for attribute in &input.attributes {
        x.open("ram:ApplicableProductCharacteristic", &[])?; // BG-32
        x.leaf("ram:Description", &attribute.name)?; // BT-160
        x.leaf("ram:Value", &attribute.value)?; // BT-161
        x.close("ram:ApplicableProductCharacteristic")?;
    }
    for class in &input.classifications {
        x.open("ram:DesignatedProductClassification", &[])?;
        let mut attributes = vec![("listID", class.list_id.as_str())];
        if let Some(version) = &class.list_version {
            attributes.push(("listVersionID", version.as_str()));
        }
        x.leaf_with("ram:ClassCode", &attributes, &class.code)?; // BT-158
        x.close("ram:DesignatedProductClassification")?;
    }
    if let Some(country) = &input.origin_country {
        x.wrapped("ram:OriginTradeCountry", "ram:ID", country)?; // BT-159
    }
    x.close("ram:SpecifiedTradeProduct")?;

    x.open("ram:SpecifiedLineTradeAgreement", &[])?;
    if let Some(order_line) = &input.order_line_reference {
        x.wrapped("ram:BuyerOrderReferencedDocument", "ram:LineID", order_line)?; // BT-132
    }
    if let Some((gross, discount)) = line.gross {
        x.open("ram:GrossPriceProductTradePrice", &[])?;
        x.leaf("ram:ChargeAmount", &plain(gross))?; // BT-148
        base_quantity(x, line)?;
        if !discount.is_zero() {
            x.open("ram:AppliedTradeAllowanceCharge", &[])?;
            x.wrapped("ram:ChargeIndicator", "udt:Indicator", "false")?;
            x.leaf("ram:ActualAmount", &plain(discount))?; // BT-147
            x.close("ram:AppliedTradeAllowanceCharge")?;
        }
        x.close("ram:GrossPriceProductTradePrice")?;
    }
    x.open("ram:NetPriceProductTradePrice", &[])?;
    x.leaf("ram:ChargeAmount", &plain(line.net_price))?; // BT-146
    base_quantity(x, line)?;
    x.close("ram:NetPriceProductTradePrice")?;
    x.close("ram:SpecifiedLineTradeAgreement")?;

    x.open("ram:SpecifiedLineTradeDelivery", &[])?;
    x.leaf_with(
        "ram:BilledQuantity",
        &[("unitCode", &input.unit_code)], // BT-130
        &plain(input.quantity),            // BT-129
    )?;
    x.close("ram:SpecifiedLineTradeDelivery")?;

    x.open("ram:SpecifiedLineTradeSettlement", &[])?;
    x.open("ram:ApplicableTradeTax", &[])?;
    x.leaf("ram:TypeCode", "VAT")?;
    x.leaf("ram:CategoryCode", input.vat_category.code())?; // BT-151
    if input.vat_category != VatCategory::NotSubject {
        x.leaf("ram:RateApplicablePercent", &plain(input.vat_rate))?; // BT-152
    }
    x.close("ram:ApplicableTradeTax")?;
    if let Some((start, end)) = line.period {
        period(x, start, end)?; // BG-26
    }
    for allowance in &line.allowances {
        allowance_charge(x, terms, allowance)?; // BG-27, BG-28
    }
    x.wrapped(
        "ram:SpecifiedTradeSettlementLineMonetarySummation",
        "ram:LineTotalAmount",
        &terms.amount(line.line.net_amount),
    )?; // BT-131
    if let Some(object) = &input.object_id {
        object_reference(x, object)?; // BT-128
    }
    if let Some(account) = &input.accounting_reference {
        x.wrapped(
            "ram:ReceivableSpecifiedTradeAccountingAccount",
            "ram:ID",
            account,
        )?; // BT-133
    }
    x.close("ram:SpecifiedLineTradeSettlement")?;
    x.close("ram:IncludedSupplyChainTradeLineItem")
}

fn base_quantity(x: &mut Xml, line: &LineTerms<'_>) -> Result<()> {
    if let Some(base) = line.base_quantity {
        x.leaf_with(
            "ram:BasisQuantity",
            &[("unitCode", &line.line.unit_code)],
            &plain(base),
        )?; // BT-149, BT-150
    }
    Ok(())
}

/// A supporting document (BG-24): an additional reference of type 916 with its description,
/// address and attached file.
fn supporting_document(x: &mut Xml, doc: &SupportingDocument) -> Result<()> {
    x.open("ram:AdditionalReferencedDocument", &[])?;
    x.leaf("ram:IssuerAssignedID", &doc.id)?; // BT-122
    x.optional("ram:URIID", doc.uri.as_deref())?; // BT-124
    x.leaf("ram:TypeCode", "916")?;
    x.optional("ram:Name", doc.description.as_deref())?; // BT-123
    if let (Some(content), Some(mime), Some(name)) =
        (&doc.content_base64, &doc.mime_type, &doc.filename)
    {
        x.leaf_with(
            "ram:AttachmentBinaryObject",
            &[("mimeCode", mime), ("filename", name)],
            content,
        )?; // BT-125
    }
    x.close("ram:AdditionalReferencedDocument")
}

/// An invoiced object (BT-18) or line object (BT-128): an additional reference of type 130.
fn object_reference(x: &mut Xml, object: &Identifier) -> Result<()> {
    x.open("ram:AdditionalReferencedDocument", &[])?;
    x.leaf("ram:IssuerAssignedID", &object.id)?;
    x.leaf("ram:TypeCode", "130")?;
    x.optional("ram:ReferenceTypeCode", object.scheme.as_deref())?;
    x.close("ram:AdditionalReferencedDocument")
}

fn allowance_charge(x: &mut Xml, terms: &InvoiceTerms<'_>, ac: &AllowanceTerms<'_>) -> Result<()> {
    x.open("ram:SpecifiedTradeAllowanceCharge", &[])?;
    x.wrapped(
        "ram:ChargeIndicator",
        "udt:Indicator",
        if ac.is_charge { "true" } else { "false" },
    )?;
    if let (Some(percent), Some(base)) = (ac.percent, ac.base) {
        x.leaf("ram:CalculationPercent", &plain(percent))?;
        x.leaf("ram:BasisAmount", &terms.amount(base))?;
    }
    x.leaf("ram:ActualAmount", &terms.amount(ac.amount))?;
    x.optional("ram:ReasonCode", ac.reason_code)?;
    x.optional("ram:Reason", ac.reason)?;
    if let Some((category, rate)) = ac.vat {
        x.open("ram:CategoryTradeTax", &[])?;
        x.leaf("ram:TypeCode", "VAT")?;
        x.leaf("ram:CategoryCode", category.code())?; // BT-95 / BT-102
        if category != VatCategory::NotSubject {
            x.leaf("ram:RateApplicablePercent", &plain(rate))?; // BT-96 / BT-103
        }
        x.close("ram:CategoryTradeTax")?;
    }
    x.close("ram:SpecifiedTradeAllowanceCharge")
}

/// An identifier: `ram:GlobalID` with its scheme, or `ram:ID` without one.
fn identifier(x: &mut Xml, id: &Identifier) -> Result<()> {
    match &id.scheme {
        Some(scheme) => x.leaf_with("ram:GlobalID", &[("schemeID", scheme)], &id.id),
        None => x.leaf("ram:ID", &id.id),
    }
}

fn tax_registration(x: &mut Xml, scheme: &str, id: &str) -> Result<()> {
    x.open("ram:SpecifiedTaxRegistration", &[])?;
    x.leaf_with("ram:ID", &[("schemeID", scheme)], id)?;
    x.close("ram:SpecifiedTaxRegistration")
}

fn write_party(
    x: &mut Xml,
    tag: &str,
    party: &Party,
    contact: Option<&Contact>,
    not_subject: bool,
    seller: bool,
) -> Result<()> {
    x.open(tag, &[])?;
    // IDs without a scheme come first (ram:ID), then those with one (ram:GlobalID).
    for id in party.identifiers.iter().filter(|i| i.scheme.is_none()) {
        identifier(x, id)?; // BT-29 / BT-46
    }
    if not_subject && seller && party.identifiers.is_empty() && party.legal_registration.is_none() {
        // BR-O-02 forbids the VAT identifier; BR-CO-26 still needs one for the seller, so it
        // goes in as the seller identifier (BT-29).
        x.optional("ram:ID", party.vat_id.as_deref())?;
    }
    for id in party.identifiers.iter().filter(|i| i.scheme.is_some()) {
        identifier(x, id)?; // BT-29 / BT-46
    }
    x.leaf("ram:Name", &party.name)?; // BT-27 / BT-44
    if seller {
        x.optional("ram:Description", party.legal_info.as_deref())?; // BT-33
    }
    if party.legal_registration.is_some() || party.trading_name.is_some() {
        x.open("ram:SpecifiedLegalOrganization", &[])?;
        if let Some(reg) = &party.legal_registration {
            match &reg.scheme {
                Some(scheme) => x.leaf_with("ram:ID", &[("schemeID", scheme)], &reg.id)?,
                None => x.leaf("ram:ID", &reg.id)?,
            } // BT-30 / BT-47
        }
        x.optional("ram:TradingBusinessName", party.trading_name.as_deref())?; // BT-28 / BT-45
        x.close("ram:SpecifiedLegalOrganization")?;
    }
    if let Some(contact) = contact {
        x.open("ram:DefinedTradeContact", &[])?; // BG-6 / BG-9
        x.optional("ram:PersonName", contact.name.as_deref())?; // BT-41 / BT-56
        if let Some(phone) = &contact.phone {
            x.wrapped(
                "ram:TelephoneUniversalCommunication",
                "ram:CompleteNumber",
                phone,
            )?; // BT-42 / BT-57
        }
        if let Some(email) = &contact.email {
            x.wrapped("ram:EmailURIUniversalCommunication", "ram:URIID", email)?; // BT-43 / BT-58
        }
        x.close("ram:DefinedTradeContact")?;
    }
    x.open("ram:PostalTradeAddress", &[])?; // BG-5 / BG-8
    x.optional("ram:PostcodeCode", party.postcode.as_deref())?;
    address_lines(x, &party.address_lines)?;
    x.optional("ram:CityName", party.city.as_deref())?;
    x.optional("ram:CountryID", party.country_code.as_deref())?;
    x.optional("ram:CountrySubDivisionName", party.subdivision.as_deref())?;
    x.close("ram:PostalTradeAddress")?;
    if let Some((scheme, id)) = endpoint(party, false) {
        x.open("ram:URIUniversalCommunication", &[])?;
        x.leaf_with("ram:URIID", &[("schemeID", &scheme)], &id)?; // BT-34 / BT-49
        x.close("ram:URIUniversalCommunication")?;
    }
    if let Some(tax_number) = &party.tax_number {
        tax_registration(x, "FC", tax_number)?; // BT-32
    }
    // BR-O-02: no VAT identifiers on a document with "not subject to VAT" lines.
    if let Some(vat_id) = party.vat_id.as_deref().filter(|_| !not_subject) {
        tax_registration(x, "VA", vat_id)?; // BT-31 / BT-48
    }
    x.close(tag)
}

fn address_lines(x: &mut Xml, lines: &[String]) -> Result<()> {
    for (tag, line) in ["ram:LineOne", "ram:LineTwo", "ram:LineThree"]
        .iter()
        .zip(lines)
    {
        x.leaf(tag, line)?;
    }
    Ok(())
}

fn write_address(x: &mut Xml, address: &Address) -> Result<()> {
    x.open("ram:PostalTradeAddress", &[])?;
    x.optional("ram:PostcodeCode", address.postcode.as_deref())?;
    address_lines(x, &address.lines)?;
    x.optional("ram:CityName", address.city.as_deref())?;
    x.leaf("ram:CountryID", &address.country_code)?;
    x.optional("ram:CountrySubDivisionName", address.subdivision.as_deref())?;
    x.close("ram:PostalTradeAddress")
}

fn write_settlement(x: &mut Xml, terms: &InvoiceTerms<'_>, format: Format) -> Result<()> {
    let doc = terms.doc;
    let payment = terms.payment;
    x.open("ram:ApplicableHeaderTradeSettlement", &[])?;
    if let Some(debit) = &payment.direct_debit {
        x.leaf("ram:CreditorReferenceID", &debit.creditor_id)?; // BT-90
    }
    x.optional("ram:PaymentReference", terms.remittance)?; // BT-83
    if let Some(vat) = &doc.vat_accounting_currency {
        x.leaf("ram:TaxCurrencyCode", vat.code.code())?; // BT-6
    }
    x.leaf("ram:InvoiceCurrencyCode", terms.currency.code())?; // BT-5
    if let Some(payee) = &doc.payee {
        x.open("ram:PayeeTradeParty", &[])?; // BG-10
        if let Some(id) = &payee.identifier {
            identifier(x, id)?; // BT-60
        }
        x.leaf("ram:Name", &payee.name)?; // BT-59
        if let Some(reg) = &payee.legal_registration {
            x.open("ram:SpecifiedLegalOrganization", &[])?;
            match &reg.scheme {
                Some(scheme) => x.leaf_with("ram:ID", &[("schemeID", scheme)], &reg.id)?,
                None => x.leaf("ram:ID", &reg.id)?,
            } // BT-61
            x.close("ram:SpecifiedLegalOrganization")?;
        }
        x.close("ram:PayeeTradeParty")?;
    }
    // BG-16: one element per account; the card and the debited account go with the first.
    let accounts = terms.accounts();
    let means_count = accounts.len().max(1);
    for index in 0..means_count {
        x.open("ram:SpecifiedTradeSettlementPaymentMeans", &[])?;
        x.leaf("ram:TypeCode", terms.payment_means)?; // BT-81
        x.optional("ram:Information", payment.means_text.as_deref())?; // BT-82
        if index == 0 {
            if let Some(card) = &payment.card {
                x.open("ram:ApplicableTradeSettlementFinancialCard", &[])?; // BG-18
                x.leaf("ram:ID", &card.last_digits)?; // BT-87
                x.optional("ram:CardholderName", card.holder.as_deref())?; // BT-88
                x.close("ram:ApplicableTradeSettlementFinancialCard")?;
            }
            if let Some(debit) = &payment.direct_debit {
                x.wrapped(
                    "ram:PayerPartyDebtorFinancialAccount",
                    "ram:IBANID",
                    &debit.debited_account,
                )?; // BT-91
            }
        }
        if let Some((id, name, bic)) = accounts.get(index).copied() {
            x.open("ram:PayeePartyCreditorFinancialAccount", &[])?;
            // The XSD's order: IBANID, AccountName, ProprietaryID.
            let iban = crate::domain::party::looks_like_iban(id);
            if iban {
                x.leaf("ram:IBANID", id)?; // BT-84
            }
            x.optional("ram:AccountName", name)?; // BT-85
            if !iban {
                x.leaf("ram:ProprietaryID", id)?; // BT-84
            }
            x.close("ram:PayeePartyCreditorFinancialAccount")?;
            if let Some(bic) = bic {
                x.wrapped(
                    "ram:PayeeSpecifiedCreditorFinancialInstitution",
                    "ram:BICID",
                    bic,
                )?; // BT-86
            }
        }
        x.close("ram:SpecifiedTradeSettlementPaymentMeans")?;
    }
    for (index, group) in terms.vat.iter().enumerate() {
        // BT-7 and BT-8 are the document's: written with the first breakdown only
        // (CII-SR-461: one TaxPointDate).
        let first = index == 0;
        x.open("ram:ApplicableTradeTax", &[])?; // BG-23
        x.leaf("ram:CalculatedAmount", &terms.amount(group.tax))?; // BT-117
        x.leaf("ram:TypeCode", "VAT")?;
        x.optional("ram:ExemptionReason", group.exemption_reason)?; // BT-120
        x.leaf("ram:BasisAmount", &terms.amount(group.taxable))?; // BT-116
        x.leaf("ram:CategoryCode", group.category.code())?; // BT-118
        x.optional("ram:ExemptionReasonCode", group.exemption_code)?; // BT-121
        if let Some(day) = doc.tax_point_date.filter(|_| first) {
            x.open("ram:TaxPointDate", &[])?;
            x.leaf_with("udt:DateString", &[("format", "102")], &yyyymmdd(day))?; // BT-7
            x.close("ram:TaxPointDate")?;
        }
        if let Some(code) = doc
            .tax_point_code
            .filter(|_| first)
            .and_then(tax_point_code_cii)
        {
            x.leaf("ram:DueDateTypeCode", code)?; // BT-8
        }
        // Always, 0 for "not subject to VAT": XRechnung's BR-DE-14 wants BT-119 in every
        // breakdown, and EN 16931 forbids a rate for O only on lines, allowances and charges.
        x.leaf("ram:RateApplicablePercent", &plain(group.rate))?; // BT-119
        x.close("ram:ApplicableTradeTax")?;
    }
    if let Some(p) = doc.service_period {
        period(x, p.start, p.end)?; // BG-14
    }
    for allowance in &terms.allowances {
        allowance_charge(x, terms, allowance)?; // BG-20, BG-21
    }
    // Factur-X EXTENDED structures the cash discounts (one payment terms element per tier);
    // the other formats carry them in the text.
    let structured = format == Format::FacturXExtended;
    let payment_terms = if structured {
        doc.payment_terms.clone()
    } else {
        terms.payment_terms(format.is_xrechnung())
    };
    let discounts: &[CashDiscount] = if structured {
        &payment.cash_discounts
    } else {
        &[]
    };
    let mandate = payment.direct_debit.as_ref().map(|d| d.mandate.as_str());
    let tiers = discounts.len().max(1);
    if payment_terms.is_some()
        || doc.due_date.is_some()
        || mandate.is_some()
        || !discounts.is_empty()
    {
        for tier in 0..tiers {
            x.open("ram:SpecifiedTradePaymentTerms", &[])?;
            if tier == 0 {
                x.optional("ram:Description", payment_terms.as_deref())?; // BT-20
                if let Some(due) = doc.due_date {
                    date_time(x, "ram:DueDateDateTime", due)?; // BT-9
                }
                x.optional("ram:DirectDebitMandateID", mandate)?; // BT-89
            }
            if let Some(discount) = discounts.get(tier) {
                let base = discount.base_amount.unwrap_or(terms.totals.amount_payable);
                x.open("ram:ApplicableTradePaymentDiscountTerms", &[])?;
                x.leaf_with(
                    "ram:BasisPeriodMeasure",
                    &[("unitCode", "DAY")],
                    &discount.days.to_string(),
                )?;
                if let Some(base) = discount.base_amount {
                    x.leaf("ram:BasisAmount", &terms.amount(base))?;
                }
                x.leaf("ram:CalculationPercent", &plain(discount.percent))?;
                x.leaf(
                    "ram:ActualDiscountAmount",
                    &terms.amount(
                        terms
                            .currency
                            .round(base * discount.percent / rust_decimal::Decimal::ONE_HUNDRED),
                    ),
                )?;
                x.close("ram:ApplicableTradePaymentDiscountTerms")?;
            }
            x.close("ram:SpecifiedTradePaymentTerms")?;
        }
    }
    let totals = terms.totals;
    x.open("ram:SpecifiedTradeSettlementHeaderMonetarySummation", &[])?; // BG-22
    x.leaf("ram:LineTotalAmount", &terms.amount(totals.line_total))?; // BT-106
    if !totals.charge_total.is_zero() {
        x.leaf("ram:ChargeTotalAmount", &terms.amount(totals.charge_total))?; // BT-108
    }
    if !totals.allowance_total.is_zero() {
        x.leaf(
            "ram:AllowanceTotalAmount",
            &terms.amount(totals.allowance_total),
        )?; // BT-107
    }
    x.leaf("ram:TaxBasisTotalAmount", &terms.amount(totals.total_net))?; // BT-109
    x.leaf_with(
        "ram:TaxTotalAmount",
        &[("currencyID", terms.currency.code())],
        &terms.amount(totals.total_vat),
    )?; // BT-110
    if let Some(vat) = &terms.doc.vat_accounting_currency {
        x.leaf_with(
            "ram:TaxTotalAmount",
            &[("currencyID", vat.code.code())],
            &format!("{:.*}", vat.code.exponent() as usize, vat.vat_total),
        )?; // BT-111
    }
    if !totals.rounding_amount.is_zero() {
        x.leaf("ram:RoundingAmount", &terms.amount(totals.rounding_amount))?; // BT-114
    }
    x.leaf("ram:GrandTotalAmount", &terms.amount(totals.total_gross))?; // BT-112
    if !totals.paid_amount.is_zero() {
        x.leaf("ram:TotalPrepaidAmount", &terms.amount(totals.paid_amount))?; // BT-113
    }
    x.leaf("ram:DuePayableAmount", &terms.amount(totals.amount_payable))?; // BT-115
    x.close("ram:SpecifiedTradeSettlementHeaderMonetarySummation")?;
    for (number, date) in &terms.preceding {
        x.open("ram:InvoiceReferencedDocument", &[])?; // BG-3
        x.leaf("ram:IssuerAssignedID", number)?; // BT-25
        if let Some(date) = date {
            x.open("ram:FormattedIssueDateTime", &[])?;
            x.leaf_with("qdt:DateTimeString", &[("format", "102")], &yyyymmdd(*date))?; // BT-26
            x.close("ram:FormattedIssueDateTime")?;
        }
        x.close("ram:InvoiceReferencedDocument")?;
    }
    if let Some(account) = &doc.buyer_accounting_reference {
        x.wrapped(
            "ram:ReceivableSpecifiedTradeAccountingAccount",
            "ram:ID",
            account,
        )?; // BT-19
    }
    x.close("ram:ApplicableHeaderTradeSettlement")
}

fn period(x: &mut Xml, start: NaiveDate, end: NaiveDate) -> Result<()> {
    x.open("ram:BillingSpecifiedPeriod", &[])?;
    date_time(x, "ram:StartDateTime", start)?;
    date_time(x, "ram:EndDateTime", end)?;
    x.close("ram:BillingSpecifiedPeriod")
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
