//! OASIS UBL 2.1 Invoice and CreditNote, the syntax of XRechnung UBL and Peppol BIS Billing 3.0.
//! Elements are written in the order the XSD demands; the business term of each is named.

use chrono::NaiveDate;

use super::Format;
use super::model::{AllowanceTerms, BILLING_PROCESS, InvoiceTerms, LineTerms, endpoint, plain};
use super::xml::Xml;
use crate::domain::attachment::SupportingDocument;
use crate::domain::party::Party;
use crate::domain::terms::{Address, Contact, Identifier};
use crate::domain::vat::VatCategory;
use crate::error::Result;

const INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// The UBL document of `terms` for `format`: an Invoice, or a CreditNote for a credit note.
pub fn write(terms: &InvoiceTerms<'_>, format: Format) -> Result<Vec<u8>> {
    let doc = terms.doc;
    let credit = terms.credit_note;
    let (root, namespace) = if credit {
        ("CreditNote", CREDIT_NOTE)
    } else {
        ("Invoice", INVOICE)
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
        if let Some(day) = doc.tax_point_date {
            x.leaf("cbc:TaxPointDate", &iso(day))?; // BT-7
        }
        x.leaf("cbc:CreditNoteTypeCode", &terms.type_code)?; // BT-3
    } else {
        if let Some(due) = doc.due_date {
            x.leaf("cbc:DueDate", &iso(due))?; // BT-9
        }
        x.leaf("cbc:InvoiceTypeCode", &terms.type_code)?; // BT-3
    }
    for note in &doc.notes {
        // BG-1: the subject code (BT-21) leads the text as `#CODE#` (the UBL binding).
        match &note.subject_code {
            Some(code) => x.leaf("cbc:Note", &format!("#{code}#{}", note.text))?,
            None => x.leaf("cbc:Note", &note.text)?,
        }
    }
    if !credit && let Some(day) = doc.tax_point_date {
        x.leaf("cbc:TaxPointDate", &iso(day))?; // BT-7
    }
    x.leaf("cbc:DocumentCurrencyCode", currency)?; // BT-5
    if let Some(vat) = &doc.vat_accounting_currency {
        x.leaf("cbc:TaxCurrencyCode", vat.code.code())?; // BT-6
    }
    x.optional(
        "cbc:AccountingCost",
        doc.buyer_accounting_reference.as_deref(),
    )?; // BT-19
    x.optional("cbc:BuyerReference", doc.buyer_reference.as_deref())?; // BT-10
    if doc.service_period.is_some() || doc.tax_point_code.is_some() {
        x.open("cac:InvoicePeriod", &[])?; // BG-14
        if let Some(p) = doc.service_period {
            x.leaf("cbc:StartDate", &iso(p.start))?; // BT-73
            x.leaf("cbc:EndDate", &iso(p.end))?; // BT-74
        }
        if let Some(code) = doc.tax_point_code {
            x.leaf("cbc:DescriptionCode", &code.to_string())?; // BT-8
        }
        x.close("cac:InvoicePeriod")?;
    }
    if doc.order_reference.is_some() || doc.sales_order_reference.is_some() {
        x.open("cac:OrderReference", &[])?;
        // BT-13 is mandatory in the element; NA stands in when only BT-14 is known.
        x.leaf("cbc:ID", doc.order_reference.as_deref().unwrap_or("NA"))?; // BT-13
        x.optional("cbc:SalesOrderID", doc.sales_order_reference.as_deref())?; // BT-14
        x.close("cac:OrderReference")?;
    }
    for (number, date) in &terms.preceding {
        x.open("cac:BillingReference", &[])?; // BG-3
        x.open("cac:InvoiceDocumentReference", &[])?;
        x.leaf("cbc:ID", number)?; // BT-25
        if let Some(date) = date {
            x.leaf("cbc:IssueDate", &iso(*date))?; // BT-26
        }
        x.close("cac:InvoiceDocumentReference")?;
        x.close("cac:BillingReference")?;
    }
    if let Some(id) = &doc.despatch_advice_reference {
        x.wrapped("cac:DespatchDocumentReference", "cbc:ID", id)?; // BT-16
    }
    if let Some(id) = &doc.receiving_advice_reference {
        x.wrapped("cac:ReceiptDocumentReference", "cbc:ID", id)?; // BT-15
    }
    if !credit && let Some(id) = &doc.tender_reference {
        x.wrapped("cac:OriginatorDocumentReference", "cbc:ID", id)?; // BT-17
    }
    if let Some(id) = &doc.contract_reference {
        x.wrapped("cac:ContractDocumentReference", "cbc:ID", id)?; // BT-12
    }
    if let Some(object) = &doc.invoiced_object {
        object_reference(&mut x, "cac:AdditionalDocumentReference", object)?; // BT-18
    }
    if credit && let Some(project) = &doc.project_reference {
        // A CreditNote has no ProjectReference: the project is a reference of type 50.
        x.open("cac:AdditionalDocumentReference", &[])?;
        x.leaf("cbc:ID", project)?; // BT-11
        x.leaf("cbc:DocumentTypeCode", "50")?;
        x.close("cac:AdditionalDocumentReference")?;
    }
    for attachment in &doc.attachments {
        supporting_document(&mut x, attachment)?; // BG-24
    }
    if credit && let Some(id) = &doc.tender_reference {
        x.wrapped("cac:OriginatorDocumentReference", "cbc:ID", id)?; // BT-17
    }
    if !credit && let Some(project) = &doc.project_reference {
        x.wrapped("cac:ProjectReference", "cbc:ID", project)?; // BT-11
    }
    let not_subject = terms
        .vat
        .iter()
        .any(|v| v.category == VatCategory::NotSubject);
    let peppol = format == Format::PeppolUbl;
    let seller_contact = terms.seller.full_contact(terms.seller_phone);
    x.open("cac:AccountingSupplierParty", &[])?;
    party(
        &mut x,
        peppol,
        terms.seller,
        seller_contact.as_ref(),
        not_subject,
        true,
        terms
            .payment
            .direct_debit
            .as_ref()
            .filter(|_| doc.payee.is_none())
            .map(|d| d.creditor_id.as_str()),
    )?;
    x.close("cac:AccountingSupplierParty")?;
    x.open("cac:AccountingCustomerParty", &[])?;
    party(
        &mut x,
        peppol,
        terms.buyer,
        terms.buyer.contact.as_ref(),
        not_subject,
        false,
        None,
    )?;
    x.close("cac:AccountingCustomerParty")?;
    if let Some(payee) = &doc.payee {
        x.open("cac:PayeeParty", &[])?; // BG-10
        if let Some(id) = &payee.identifier {
            party_identification(&mut x, id)?; // BT-60
        }
        if let Some(debit) = &terms.payment.direct_debit {
            party_identification(&mut x, &Identifier::new(&debit.creditor_id, Some("SEPA")))?; // BT-90
        }
        x.wrapped("cac:PartyName", "cbc:Name", &payee.name)?; // BT-59
        if let Some(reg) = &payee.legal_registration {
            x.open("cac:PartyLegalEntity", &[])?;
            company_id(&mut x, reg)?; // BT-61
            x.close("cac:PartyLegalEntity")?;
        }
        x.close("cac:PayeeParty")?;
    }
    if let Some(rep) = &doc.tax_representative {
        x.open("cac:TaxRepresentativeParty", &[])?; // BG-11
        x.wrapped("cac:PartyName", "cbc:Name", &rep.name)?; // BT-62
        address(&mut x, "cac:PostalAddress", &rep.address)?; // BG-12
        x.open("cac:PartyTaxScheme", &[])?;
        x.leaf("cbc:CompanyID", &rep.vat_id)?; // BT-63
        vat_scheme(&mut x)?;
        x.close("cac:PartyTaxScheme")?;
        x.close("cac:TaxRepresentativeParty")?;
    }

    if doc.supply_date.is_some() || terms.deliver_to.is_some() {
        x.open("cac:Delivery", &[])?;
        if let Some(day) = doc.supply_date {
            x.leaf("cbc:ActualDeliveryDate", &iso(day))?; // BT-72
        }
        if let Some(to) = &terms.deliver_to {
            if to.location_id.is_some() || to.address.is_some() {
                x.open("cac:DeliveryLocation", &[])?;
                if let Some(id) = &to.location_id {
                    scheme_id(&mut x, "cbc:ID", id)?; // BT-71
                }
                if let Some(to_address) = &to.address {
                    address(&mut x, "cac:Address", to_address)?; // BG-15
                }
                x.close("cac:DeliveryLocation")?;
            }
            if let Some(name) = &to.name {
                x.open("cac:DeliveryParty", &[])?;
                x.wrapped("cac:PartyName", "cbc:Name", name)?; // BT-70
                x.close("cac:DeliveryParty")?;
            }
        }
        x.close("cac:Delivery")?;
    }

    payment_means(&mut x, terms, credit)?; // BG-16
    if let Some(text) = terms.payment_terms(format.is_xrechnung()) {
        x.wrapped("cac:PaymentTerms", "cbc:Note", &text)?; // BT-20
    }
    for ac in &terms.allowances {
        allowance_charge(&mut x, terms, ac)?; // BG-20, BG-21
    }

    x.open("cac:TaxTotal", &[])?;
    x.leaf_with(
        "cbc:TaxAmount",
        &money,
        &terms.amount(terms.totals.total_vat),
    )?; // BT-110
    for group in &terms.vat {
        x.open("cac:TaxSubtotal", &[])?; // BG-23
        x.leaf_with("cbc:TaxableAmount", &money, &terms.amount(group.taxable))?; // BT-116
        x.leaf_with("cbc:TaxAmount", &money, &terms.amount(group.tax))?; // BT-117
        x.open("cac:TaxCategory", &[])?;
        x.leaf("cbc:ID", group.category.code())?; // BT-118
        // Always, 0 for "not subject to VAT" (XRechnung BR-DE-14; see the CII writer).
        x.leaf("cbc:Percent", &plain(group.rate))?; // BT-119
        x.optional("cbc:TaxExemptionReasonCode", group.exemption_code)?; // BT-121
        x.optional("cbc:TaxExemptionReason", group.exemption_reason)?; // BT-120
        vat_scheme(&mut x)?;
        x.close("cac:TaxCategory")?;
        x.close("cac:TaxSubtotal")?;
    }
    x.close("cac:TaxTotal")?;
    if let Some(vat) = &doc.vat_accounting_currency {
        x.open("cac:TaxTotal", &[])?;
        x.leaf_with(
            "cbc:TaxAmount",
            &[("currencyID", vat.code.code())],
            &format!("{:.*}", vat.code.exponent() as usize, vat.vat_total),
        )?; // BT-111
        x.close("cac:TaxTotal")?;
    }

    let totals = terms.totals;
    x.open("cac:LegalMonetaryTotal", &[])?; // BG-22
    x.leaf_with(
        "cbc:LineExtensionAmount",
        &money,
        &terms.amount(totals.line_total),
    )?; // BT-106
    x.leaf_with(
        "cbc:TaxExclusiveAmount",
        &money,
        &terms.amount(totals.total_net),
    )?; // BT-109
    x.leaf_with(
        "cbc:TaxInclusiveAmount",
        &money,
        &terms.amount(totals.total_gross),
    )?; // BT-112
    if !totals.allowance_total.is_zero() {
        x.leaf_with(
            "cbc:AllowanceTotalAmount",
            &money,
            &terms.amount(totals.allowance_total),
        )?; // BT-107
    }
    if !totals.charge_total.is_zero() {
        x.leaf_with(
            "cbc:ChargeTotalAmount",
            &money,
            &terms.amount(totals.charge_total),
        )?; // BT-108
    }
    if !totals.paid_amount.is_zero() {
        x.leaf_with(
            "cbc:PrepaidAmount",
            &money,
            &terms.amount(totals.paid_amount),
        )?; // BT-113
    }
    if !totals.rounding_amount.is_zero() {
        x.leaf_with(
            "cbc:PayableRoundingAmount",
            &money,
            &terms.amount(totals.rounding_amount),
        )?; // BT-114
    }
    x.leaf_with(
        "cbc:PayableAmount",
        &money,
        &terms.amount(totals.amount_payable),
    )?; // BT-115
    x.close("cac:LegalMonetaryTotal")?;

    let (line_tag, quantity_tag) = if credit {
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
    } else {
        ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    };
    for line in &terms.lines {
        write_line(&mut x, terms, line, line_tag, quantity_tag)?;
    }
    x.close(root)?;
    Ok(x.finish())
}

/// BG-16: one PaymentMeans per account; the card and the mandate go with the first.
fn payment_means(x: &mut Xml, terms: &InvoiceTerms<'_>, credit: bool) -> Result<()> {
    let payment = terms.payment;
    let accounts = terms.accounts();
    for index in 0..accounts.len().max(1) {
        x.open("cac:PaymentMeans", &[])?;
        match &payment.means_text {
            Some(text) => x.leaf_with(
                "cbc:PaymentMeansCode",
                &[("name", text)],
                terms.payment_means,
            )?, // BT-81, BT-82
            None => x.leaf("cbc:PaymentMeansCode", terms.payment_means)?, // BT-81
        }
        if credit && let Some(due) = terms.doc.due_date {
            x.leaf("cbc:PaymentDueDate", &iso(due))?; // BT-9
        }
        x.optional("cbc:PaymentID", terms.remittance)?; // BT-83
        if index == 0
            && let Some(card) = &payment.card
        {
            x.open("cac:CardAccount", &[])?; // BG-18
            x.leaf("cbc:PrimaryAccountNumberID", &card.last_digits)?; // BT-87
            x.leaf("cbc:NetworkID", "NA")?;
            x.optional("cbc:HolderName", card.holder.as_deref())?; // BT-88
            x.close("cac:CardAccount")?;
        }
        if let Some((id, name, bic)) = accounts.get(index).copied() {
            x.open("cac:PayeeFinancialAccount", &[])?;
            x.leaf("cbc:ID", id)?; // BT-84
            x.optional("cbc:Name", name)?; // BT-85
            if let Some(bic) = bic {
                x.wrapped("cac:FinancialInstitutionBranch", "cbc:ID", bic)?; // BT-86
            }
            x.close("cac:PayeeFinancialAccount")?;
        }
        if index == 0
            && let Some(debit) = &payment.direct_debit
        {
            x.open("cac:PaymentMandate", &[])?; // BG-19
            x.leaf("cbc:ID", &debit.mandate)?; // BT-89
            x.wrapped(
                "cac:PayerFinancialAccount",
                "cbc:ID",
                &debit.debited_account,
            )?; // BT-91
            x.close("cac:PaymentMandate")?;
        }
        x.close("cac:PaymentMeans")?;
    }
    Ok(())
}

fn allowance_charge(x: &mut Xml, terms: &InvoiceTerms<'_>, ac: &AllowanceTerms<'_>) -> Result<()> {
    let money = [("currencyID", terms.currency.code())];
    x.open("cac:AllowanceCharge", &[])?;
    x.leaf(
        "cbc:ChargeIndicator",
        if ac.is_charge { "true" } else { "false" },
    )?;
    x.optional("cbc:AllowanceChargeReasonCode", ac.reason_code)?;
    x.optional("cbc:AllowanceChargeReason", ac.reason)?;
    let with_base = ac.percent.zip(ac.base);
    if let Some((percent, _)) = with_base {
        x.leaf("cbc:MultiplierFactorNumeric", &plain(percent))?;
    }
    x.leaf_with("cbc:Amount", &money, &terms.amount(ac.amount))?;
    if let Some((_, base)) = with_base {
        // Peppol R042: a base amount only together with the percentage.
        x.leaf_with("cbc:BaseAmount", &money, &terms.amount(base))?;
    }
    if let Some((category, rate)) = ac.vat {
        x.open("cac:TaxCategory", &[])?;
        x.leaf("cbc:ID", category.code())?; // BT-95 / BT-102
        if category != VatCategory::NotSubject {
            x.leaf("cbc:Percent", &plain(rate))?; // BT-96 / BT-103
        }
        vat_scheme(x)?;
        x.close("cac:TaxCategory")?;
    }
    x.close("cac:AllowanceCharge")
}

fn write_line(
    x: &mut Xml,
    terms: &InvoiceTerms<'_>,
    line: &LineTerms<'_>,
    tag: &str,
    quantity_tag: &str,
) -> Result<()> {
    let input = &line.line.input;
    let money = [("currencyID", terms.currency.code())];
    x.open(tag, &[])?; // BG-25
    x.leaf("cbc:ID", &line.id)?; // BT-126
    x.optional("cbc:Note", input.note.as_deref())?; // BT-127
    x.leaf_with(
        quantity_tag,
        &[("unitCode", &input.unit_code)],
        &plain(input.quantity),
    )?; // BT-129, BT-130
    x.leaf_with(
        "cbc:LineExtensionAmount",
        &money,
        &terms.amount(line.line.net_amount),
    )?; // BT-131
    x.optional("cbc:AccountingCost", input.accounting_reference.as_deref())?; // BT-133
    if let Some((start, end)) = line.period {
        period(x, start, end)?; // BG-26
    }
    if let Some(order_line) = &input.order_line_reference {
        x.wrapped("cac:OrderLineReference", "cbc:LineID", order_line)?; // BT-132
    }
    if let Some(object) = &input.object_id {
        object_reference(x, "cac:DocumentReference", object)?; // BT-128
    }
    for ac in &line.allowances {
        allowance_charge(x, terms, ac)?; // BG-27, BG-28
    }
    x.open("cac:Item", &[])?;
    x.optional("cbc:Description", input.item_description.as_deref())?; // BT-154
    x.leaf("cbc:Name", &input.description)?; // BT-153
    if let Some(id) = &input.buyer_item_id {
        x.wrapped("cac:BuyersItemIdentification", "cbc:ID", id)?; // BT-156
    }
    if let Some(id) = &input.seller_item_id {
        x.wrapped("cac:SellersItemIdentification", "cbc:ID", id)?; // BT-155
    }
    if let Some(id) = &input.standard_item_id {
        x.open("cac:StandardItemIdentification", &[])?;
        scheme_id(x, "cbc:ID", id)?; // BT-157
        x.close("cac:StandardItemIdentification")?;
    }
    if let Some(country) = &input.origin_country {
        x.wrapped("cac:OriginCountry", "cbc:IdentificationCode", country)?; // BT-159
    }
    for class in &input.classifications {
        x.open("cac:CommodityClassification", &[])?;
        let mut attributes = vec![("listID", class.list_id.as_str())];
        if let Some(version) = &class.list_version {
            attributes.push(("listVersionID", version.as_str()));
        }
        x.leaf_with("cbc:ItemClassificationCode", &attributes, &class.code)?; // BT-158
        x.close("cac:CommodityClassification")?;
    }
    x.open("cac:ClassifiedTaxCategory", &[])?;
    x.leaf("cbc:ID", input.vat_category.code())?; // BT-151
    if input.vat_category != VatCategory::NotSubject {
        x.leaf("cbc:Percent", &plain(input.vat_rate))?; // BT-152
    }
    vat_scheme(x)?;
    x.close("cac:ClassifiedTaxCategory")?;
    for attribute in &input.attributes {
        x.open("cac:AdditionalItemProperty", &[])?; // BG-32
        x.leaf("cbc:Name", &attribute.name)?; // BT-160
        x.leaf("cbc:Value", &attribute.value)?; // BT-161
        x.close("cac:AdditionalItemProperty")?;
    }
    x.close("cac:Item")?;
    x.open("cac:Price", &[])?;
    x.leaf_with("cbc:PriceAmount", &money, &plain(line.net_price))?; // BT-146
    if let Some(base) = line.base_quantity {
        x.leaf_with(
            "cbc:BaseQuantity",
            &[("unitCode", &input.unit_code)],
            &plain(base),
        )?; // BT-149, BT-150
    }
    if let Some((gross, discount)) = line.gross {
        x.open("cac:AllowanceCharge", &[])?;
        x.leaf("cbc:ChargeIndicator", "false")?;
        x.leaf_with("cbc:Amount", &money, &plain(discount))?; // BT-147
        x.leaf_with("cbc:BaseAmount", &money, &plain(gross))?; // BT-148
        x.close("cac:AllowanceCharge")?;
    }
    x.close("cac:Price")?;
    x.close(tag)
}

/// A supporting document (BG-24): its reference, description, and the attached file or its
/// address.
fn supporting_document(x: &mut Xml, doc: &SupportingDocument) -> Result<()> {
    x.open("cac:AdditionalDocumentReference", &[])?;
    x.leaf("cbc:ID", &doc.id)?; // BT-122
    x.optional("cbc:DocumentDescription", doc.description.as_deref())?; // BT-123
    if doc.content_base64.is_some() || doc.uri.is_some() {
        x.open("cac:Attachment", &[])?;
        if let (Some(content), Some(mime), Some(name)) =
            (&doc.content_base64, &doc.mime_type, &doc.filename)
        {
            x.leaf_with(
                "cbc:EmbeddedDocumentBinaryObject",
                &[("mimeCode", mime), ("filename", name)],
                content,
            )?; // BT-125
        }
        if let Some(uri) = &doc.uri {
            x.wrapped("cac:ExternalReference", "cbc:URI", uri)?; // BT-124
        }
        x.close("cac:Attachment")?;
    }
    x.close("cac:AdditionalDocumentReference")
}

/// An invoiced object (BT-18) or line object (BT-128): a document reference of type 130.
fn object_reference(x: &mut Xml, tag: &str, object: &Identifier) -> Result<()> {
    x.open(tag, &[])?;
    scheme_id(x, "cbc:ID", object)?;
    x.leaf("cbc:DocumentTypeCode", "130")?;
    x.close(tag)
}

fn scheme_id(x: &mut Xml, tag: &str, id: &Identifier) -> Result<()> {
    match &id.scheme {
        Some(scheme) => x.leaf_with(tag, &[("schemeID", scheme)], &id.id),
        None => x.leaf(tag, &id.id),
    }
}

fn party_identification(x: &mut Xml, id: &Identifier) -> Result<()> {
    x.open("cac:PartyIdentification", &[])?;
    scheme_id(x, "cbc:ID", id)?;
    x.close("cac:PartyIdentification")
}

fn company_id(x: &mut Xml, id: &Identifier) -> Result<()> {
    scheme_id(x, "cbc:CompanyID", id)
}

/// A seller or a buyer. The electronic address is the one given, else the e-mail for
/// XRechnung and the VAT ID under its Peppol scheme for Peppol.
fn party(
    x: &mut Xml,
    peppol: bool,
    party: &Party,
    contact: Option<&Contact>,
    not_subject: bool,
    seller: bool,
    creditor_id: Option<&str>,
) -> Result<()> {
    x.open("cac:Party", &[])?;
    if let Some((scheme, id)) = endpoint(party, peppol) {
        x.leaf_with("cbc:EndpointID", &[("schemeID", &scheme)], &id)?; // BT-34 / BT-49
    }
    for id in &party.identifiers {
        party_identification(x, id)?; // BT-29 / BT-46
    }
    if let Some(creditor) = creditor_id {
        party_identification(x, &Identifier::new(creditor, Some("SEPA")))?; // BT-90
    }
    if not_subject
        && seller
        && party.identifiers.is_empty()
        && party.legal_registration.is_none()
        && let Some(vat_id) = &party.vat_id
    {
        // BR-O-02 forbids the VAT identifier; BR-CO-26 still needs one for the seller.
        x.wrapped("cac:PartyIdentification", "cbc:ID", vat_id)?; // BT-29
    }
    if let Some(trading) = &party.trading_name {
        x.wrapped("cac:PartyName", "cbc:Name", trading)?; // BT-28 / BT-45
    }
    x.open("cac:PostalAddress", &[])?; // BG-5 / BG-8
    address_fields(
        x,
        &party.address_lines,
        party.city.as_deref(),
        party.postcode.as_deref(),
        party.subdivision.as_deref(),
        party.country_code.as_deref(),
    )?;
    x.close("cac:PostalAddress")?;
    if let Some(vat_id) = party.vat_id.as_deref().filter(|_| !not_subject) {
        x.open("cac:PartyTaxScheme", &[])?;
        x.leaf("cbc:CompanyID", vat_id)?; // BT-31 / BT-48
        vat_scheme(x)?;
        x.close("cac:PartyTaxScheme")?;
    }
    if seller && let Some(tax_number) = &party.tax_number {
        x.open("cac:PartyTaxScheme", &[])?;
        x.leaf("cbc:CompanyID", tax_number)?; // BT-32
        x.wrapped("cac:TaxScheme", "cbc:ID", "FC")?;
        x.close("cac:PartyTaxScheme")?;
    }
    x.open("cac:PartyLegalEntity", &[])?;
    x.leaf("cbc:RegistrationName", &party.name)?; // BT-27 / BT-44
    if let Some(reg) = &party.legal_registration {
        company_id(x, reg)?; // BT-30 / BT-47
    }
    if seller {
        x.optional("cbc:CompanyLegalForm", party.legal_info.as_deref())?; // BT-33
    }
    x.close("cac:PartyLegalEntity")?;
    if let Some(contact) = contact {
        x.open("cac:Contact", &[])?; // BG-6 / BG-9
        x.optional("cbc:Name", contact.name.as_deref())?; // BT-41 / BT-56
        x.optional("cbc:Telephone", contact.phone.as_deref())?; // BT-42 / BT-57
        x.optional("cbc:ElectronicMail", contact.email.as_deref())?; // BT-43 / BT-58
        x.close("cac:Contact")?;
    }
    x.close("cac:Party")
}

fn address_fields(
    x: &mut Xml,
    lines: &[String],
    city: Option<&str>,
    postcode: Option<&str>,
    subdivision: Option<&str>,
    country: Option<&str>,
) -> Result<()> {
    let mut lines = lines.iter();
    x.optional("cbc:StreetName", lines.next().map(String::as_str))?; // BT-35
    x.optional("cbc:AdditionalStreetName", lines.next().map(String::as_str))?; // BT-36
    x.optional("cbc:CityName", city)?; // BT-37
    x.optional("cbc:PostalZone", postcode)?; // BT-38
    x.optional("cbc:CountrySubentity", subdivision)?; // BT-39
    if let Some(third) = lines.next() {
        x.wrapped("cac:AddressLine", "cbc:Line", third)?; // BT-162
    }
    if let Some(country) = country {
        x.wrapped("cac:Country", "cbc:IdentificationCode", country)?; // BT-40
    }
    Ok(())
}

fn address(x: &mut Xml, tag: &str, address: &Address) -> Result<()> {
    x.open(tag, &[])?;
    address_fields(
        x,
        &address.lines,
        address.city.as_deref(),
        address.postcode.as_deref(),
        address.subdivision.as_deref(),
        Some(&address.country_code),
    )?;
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
