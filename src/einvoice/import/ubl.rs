//! UBL 2.1 Invoice and CreditNote into the document model: the inverse of `einvoice::ubl`,
//! term by term.

use rust_decimal::Decimal;

use super::cii::add_account;
use super::reader::El;
use super::{
    Imported, Stated, Syntax, category, currency, identifier, imported, read_allowances, required,
    split_payment_terms, supporting_document, type_code,
};
use crate::domain::document::{NewInvoice, NewLine};
use crate::domain::party::{Party, PaymentDetails};
use crate::domain::terms::{
    Address, AllowanceCharge, Card, Classification, Contact, Delivery, DirectDebit, ItemAttribute,
    Note, Payee, PrecedingInvoice, TaxRepresentative, VatAccountingCurrency,
};
use crate::error::Result;

/// Read a UBL `Invoice` or `CreditNote`.
pub fn read(root: El<'_, '_>) -> Result<Imported> {
    let credit = root.name() == "CreditNote";
    let mut inv = NewInvoice::default();
    let guideline = root.get("CustomizationID");
    root.get("ProfileID"); // BT-23: written from the export format
    root.get("UBLVersionID");
    let number = required(root, "ID", "BT-1")?;
    inv.issue_date = root.date("IssueDate")?;
    inv.due_date = root.date("DueDate")?;
    inv.type_code = type_code(
        root,
        if credit {
            "CreditNoteTypeCode"
        } else {
            "InvoiceTypeCode"
        },
    )?;
    for note in root.all("Note") {
        if let Some(text) = note.text() {
            inv.notes.push(note_of(text));
        }
    }
    inv.tax_point_date = root.date("TaxPointDate")?;
    inv.currency = currency(root, "DocumentCurrencyCode")?;
    let tax_currency = currency(root, "TaxCurrencyCode")?;
    inv.buyer_accounting_reference = root.get("AccountingCost");
    inv.buyer_reference = root.get("BuyerReference");
    if let Some(period) = root.at("InvoicePeriod") {
        inv.service_period = super::period(period, "StartDate", "EndDate")?;
        if let Some(code) = period.at("DescriptionCode")
            && let Some(text) = code.text()
        {
            inv.tax_point_code = Some(
                text.trim()
                    .parse()
                    .map_err(|_| code.invalid(&text, "a UNTDID 2005 code (3, 35, 432)"))?,
            );
        }
    }
    if let Some(order) = root.at("OrderReference") {
        inv.order_reference = order.get("ID").filter(|id| id != "NA");
        inv.sales_order_reference = order.get("SalesOrderID");
    }
    for billing in root.every("BillingReference/InvoiceDocumentReference") {
        if let Some(number) = billing.get("ID") {
            inv.preceding_invoices.push(PrecedingInvoice {
                number,
                issue_date: billing.date("IssueDate")?,
            });
        }
    }
    inv.despatch_advice_reference = root.get("DespatchDocumentReference/ID");
    inv.receiving_advice_reference = root.get("ReceiptDocumentReference/ID");
    inv.tender_reference = root.get("OriginatorDocumentReference/ID");
    inv.contract_reference = root.get("ContractDocumentReference/ID");
    for reference in root.all("AdditionalDocumentReference") {
        match reference.get("DocumentTypeCode").as_deref().map(str::trim) {
            Some("130") => inv.invoiced_object = reference.at("ID").and_then(identifier),
            Some("50") => inv.project_reference = reference.get("ID"),
            _ => inv.attachments.push(supporting_document(
                reference,
                [
                    "ID",
                    "DocumentDescription",
                    "Attachment/ExternalReference/URI",
                    "Attachment/EmbeddedDocumentBinaryObject",
                ],
            )),
        }
    }
    if let Some(project) = root.get("ProjectReference/ID") {
        inv.project_reference = Some(project);
    }
    let mut creditor_id = None;
    if let Some(seller) = root.at("AccountingSupplierParty/Party") {
        let (party, creditor) = party(seller);
        inv.seller = Some(party);
        creditor_id = creditor.or(creditor_id);
    }
    if let Some(buyer) = root.at("AccountingCustomerParty/Party") {
        inv.buyer = Some(party(buyer).0);
    }
    if let Some(payee) = root.at("PayeeParty") {
        let mut identifier_of_payee = None;
        for id in payee.every("PartyIdentification/ID") {
            if id.attr("schemeID").as_deref() == Some("SEPA") {
                creditor_id = id.text();
            } else {
                identifier_of_payee = identifier(id);
            }
        }
        inv.payee = Some(Payee {
            name: payee.get("PartyName/Name").unwrap_or_default(),
            identifier: identifier_of_payee,
            legal_registration: payee.at("PartyLegalEntity/CompanyID").and_then(identifier),
        });
    }
    if let Some(rep) = root.at("TaxRepresentativeParty") {
        rep.get("PartyTaxScheme/TaxScheme/ID");
        inv.tax_representative = Some(TaxRepresentative {
            name: rep.get("PartyName/Name").unwrap_or_default(),
            vat_id: rep.get("PartyTaxScheme/CompanyID").unwrap_or_default(),
            address: rep
                .at("PostalAddress")
                .map(address)
                .unwrap_or_else(|| address_of(Vec::new(), None, None, None, String::new())),
        });
    }
    if let Some(delivery) = root.at("Delivery") {
        inv.supply_date = delivery.date("ActualDeliveryDate")?;
        let location = delivery.at("DeliveryLocation");
        let name = delivery.get("DeliveryParty/PartyName/Name");
        let location_id = location.and_then(|l| l.at("ID")).and_then(identifier);
        let address = location.and_then(|l| l.at("Address")).map(address);
        if name.is_some() || location_id.is_some() || address.is_some() {
            inv.delivery = Some(Delivery {
                name,
                location_id,
                address,
            });
        }
    }
    let mut payment = PaymentDetails::default();
    let mut mandate = None;
    let mut debited_account = None;
    for (index, means) in root.all("PaymentMeans").into_iter().enumerate() {
        if let Some(code) = means.at("PaymentMeansCode") {
            let text = code.attr("name");
            let code = code.text();
            if index == 0 {
                payment.means_code = code;
                payment.means_text = text;
            }
        }
        if let Some(due) = means.date("PaymentDueDate")? {
            inv.due_date = Some(due);
        }
        if let Some(reference) = means.get("PaymentID") {
            payment.reference = Some(reference);
        }
        if let Some(card) = means.at("CardAccount") {
            card.get("NetworkID");
            payment.card = Some(Card {
                last_digits: card.get("PrimaryAccountNumberID").unwrap_or_default(),
                holder: card.get("HolderName"),
            });
        }
        if let Some(account) = means.at("PayeeFinancialAccount") {
            let id = account.get("ID");
            let is_iban = id
                .as_deref()
                .is_some_and(crate::domain::party::looks_like_iban);
            add_account(
                &mut payment,
                id,
                is_iban,
                account.get("Name"),
                account.get("FinancialInstitutionBranch/ID"),
            );
        }
        if let Some(m) = means.at("PaymentMandate") {
            mandate = m.get("ID");
            debited_account = m.get("PayerFinancialAccount/ID");
        }
    }
    if mandate.is_some() || creditor_id.is_some() || debited_account.is_some() {
        payment.direct_debit = Some(DirectDebit {
            mandate: mandate.unwrap_or_default(),
            creditor_id: creditor_id.unwrap_or_default(),
            debited_account: debited_account.unwrap_or_default(),
        });
    }
    if let Some(text) = root.get("PaymentTerms/Note") {
        let (text, discounts) = split_payment_terms(&text);
        inv.payment_terms = text;
        payment.cash_discounts = discounts;
    }
    read_allowances(
        root.all("AllowanceCharge"),
        |ac| allowance_charge(ac, true),
        &mut inv.allowances,
        &mut inv.charges,
    )?;
    let mut stated = Stated::default();
    for total in root.all("TaxTotal") {
        let Some(amount_el) = total.at("TaxAmount") else {
            continue;
        };
        let in_currency = amount_el.attr("currencyID");
        let amount = amount_el.decimal_text()?;
        match &tax_currency {
            Some(tax)
                if in_currency.as_deref() == Some(tax.code()) && Some(*tax) != inv.currency =>
            {
                inv.vat_accounting_currency = amount.map(|vat_total| VatAccountingCurrency {
                    code: *tax,
                    vat_total,
                });
            }
            _ => stated.total_vat = amount,
        }
        for subtotal in total.all("TaxSubtotal") {
            subtotal.decimal("TaxableAmount")?; // BT-116: computed, compared through the totals
            subtotal.decimal("TaxAmount")?; // BT-117: likewise
            if let Some(tax) = subtotal.at("TaxCategory") {
                tax.get("Percent"); // BT-119: the lines' rates
                tax.get("TaxScheme/ID");
                if let Some(category) = category(tax, "ID")? {
                    if let Some(reason) = tax.get("TaxExemptionReason") {
                        inv.vat_exemption_reasons.insert(category, reason);
                    }
                    if let Some(code) = tax.get("TaxExemptionReasonCode") {
                        inv.vat_exemption_codes.insert(category, code);
                    }
                }
            }
        }
    }
    // BT-6 goes with its VAT total (BT-111, BR-53): without one it is not carried (the
    // invoice's own currency repeated says nothing new).
    if tax_currency.is_some_and(|code| Some(code) != inv.currency)
        && inv.vat_accounting_currency.is_none()
        && let Some(code) = root.at("TaxCurrencyCode")
    {
        code.put_back();
    }
    if let Some(sums) = root.at("LegalMonetaryTotal") {
        stated.line_total = sums.decimal("LineExtensionAmount")?;
        stated.total_net = sums.decimal("TaxExclusiveAmount")?;
        stated.total_gross = sums.decimal("TaxInclusiveAmount")?;
        sums.decimal("AllowanceTotalAmount")?;
        sums.decimal("ChargeTotalAmount")?;
        inv.paid_amount = sums.decimal("PrepaidAmount")?;
        inv.rounding_amount = sums.decimal("PayableRoundingAmount")?;
        stated.amount_payable = sums.decimal("PayableAmount")?;
    }
    let (line_tag, quantity_tag) = if credit {
        ("CreditNoteLine", "CreditedQuantity")
    } else {
        ("InvoiceLine", "InvoicedQuantity")
    };
    for el in root.all(line_tag) {
        let (line, net) = line(el, quantity_tag)?;
        inv.lines.push(line);
        stated.line_nets.push(net);
    }
    inv.payment = Some(payment);
    Ok(imported(Syntax::Ubl, number, inv, stated, guideline))
}

/// A note: `#CODE#text` carries its subject code (BT-21) in front.
fn note_of(text: String) -> Note {
    if let Some(rest) = text.strip_prefix('#')
        && let Some((code, body)) = rest.split_once('#')
        && !code.is_empty()
        && code.len() <= 3
        && code.chars().all(|c| c.is_ascii_uppercase())
    {
        return Note {
            text: body.to_string(),
            subject_code: Some(code.to_string()),
        };
    }
    Note {
        text,
        subject_code: None,
    }
}

fn line(el: El<'_, '_>, quantity_tag: &str) -> Result<(NewLine, Option<Decimal>)> {
    let mut line = NewLine {
        line_id: el.get("ID"),
        note: el.get("Note"),
        ..NewLine::default()
    };
    if let Some(quantity) = el.at(quantity_tag) {
        line.unit_code = quantity.attr("unitCode").unwrap_or_else(|| "C62".into());
        line.quantity = quantity.decimal_text()?.unwrap_or_default();
    }
    let net = el.decimal("LineExtensionAmount")?;
    line.accounting_reference = el.get("AccountingCost");
    if let Some(period) = el.at("InvoicePeriod") {
        line.period = super::period(period, "StartDate", "EndDate")?;
    }
    line.order_line_reference = el.get("OrderLineReference/LineID");
    // BT-128 is the line's reference of type 130; another is not carried (and reported).
    if let Some(reference) = el.at("DocumentReference")
        && reference.get("DocumentTypeCode").as_deref().map(str::trim) == Some("130")
    {
        line.object_id = reference.at("ID").and_then(identifier);
    }
    read_allowances(
        el.all("AllowanceCharge"),
        |ac| allowance_charge(ac, false),
        &mut line.allowances,
        &mut line.charges,
    )?;
    if let Some(item) = el.at("Item") {
        line.item_description = item.get("Description");
        line.description = item.get("Name").unwrap_or_default();
        line.buyer_item_id = item.get("BuyersItemIdentification/ID");
        line.seller_item_id = item.get("SellersItemIdentification/ID");
        line.standard_item_id = item
            .at("StandardItemIdentification/ID")
            .and_then(identifier);
        line.origin_country = item.get("OriginCountry/IdentificationCode");
        for class in item.every("CommodityClassification/ItemClassificationCode") {
            line.classifications.push(Classification {
                list_id: class.attr("listID").unwrap_or_default(),
                list_version: class.attr("listVersionID"),
                code: class.text().unwrap_or_default(),
            });
        }
        if let Some(tax) = item.at("ClassifiedTaxCategory") {
            tax.get("TaxScheme/ID");
            line.vat_category = category(tax, "ID")?.unwrap_or(line.vat_category);
            line.vat_rate = tax.decimal("Percent")?.unwrap_or_default();
        }
        for attribute in item.all("AdditionalItemProperty") {
            line.attributes.push(ItemAttribute {
                name: attribute.get("Name").unwrap_or_default(),
                value: attribute.get("Value").unwrap_or_default(),
            });
        }
    }
    if let Some(price) = el.at("Price") {
        line.unit_price = price.decimal("PriceAmount")?.unwrap_or_default();
        if let Some(base) = price.at("BaseQuantity") {
            base.attr("unitCode");
            line.base_quantity = base.decimal_text()?;
        }
        if let Some(discount) = price.at("AllowanceCharge") {
            discount.get("ChargeIndicator");
            discount.decimal("Amount")?; // BT-147 is gross − net: written from the two prices
            line.gross_price = discount.decimal("BaseAmount")?;
        }
    }
    Ok((line, net))
}

fn allowance_charge(ac: El<'_, '_>, document_level: bool) -> Result<(bool, AllowanceCharge)> {
    let is_charge = ac
        .get("ChargeIndicator")
        .is_some_and(|t| t.trim() == "true");
    let mut out = AllowanceCharge {
        reason_code: ac.get("AllowanceChargeReasonCode"),
        reason: ac.get("AllowanceChargeReason"),
        percent: ac.decimal("MultiplierFactorNumeric")?,
        amount: ac.decimal("Amount")?,
        base_amount: ac.decimal("BaseAmount")?,
        vat_category: None,
        vat_rate: None,
    };
    if let Some(tax) = ac.at("TaxCategory") {
        tax.get("TaxScheme/ID");
        if document_level {
            out.vat_category = category(tax, "ID")?;
            // "Not subject to VAT" carries no rate (BR-O-*): it is 0.
            out.vat_rate = tax
                .decimal("Percent")?
                .or(out.vat_category.map(|_| Decimal::ZERO));
        }
    }
    Ok((is_charge, out))
}

/// A party, and the SEPA creditor id (BT-90) it carries as an identification.
fn party(el: El<'_, '_>) -> (Party, Option<String>) {
    let mut identifiers = Vec::new();
    let mut creditor = None;
    for id in el.every("PartyIdentification/ID") {
        if id.attr("schemeID").as_deref() == Some("SEPA") {
            creditor = id.text();
        } else if let Some(id) = identifier(id) {
            identifiers.push(id);
        }
    }
    let mut vat_id = None;
    let mut tax_number = None;
    for scheme in el.all("PartyTaxScheme") {
        let company = scheme.get("CompanyID");
        match scheme.get("TaxScheme/ID").as_deref() {
            Some("VAT") => vat_id = company,
            _ => tax_number = company,
        }
    }
    let postal = el.at("PostalAddress").map(address);
    let legal = el.at("PartyLegalEntity");
    let contact = el.at("Contact").map(|c| Contact {
        name: c.get("Name"),
        phone: c.get("Telephone"),
        email: c.get("ElectronicMail"),
    });
    let party = Party {
        name: legal
            .and_then(|l| l.get("RegistrationName"))
            .unwrap_or_default(),
        trading_name: el.get("PartyName/Name"),
        address_lines: postal.as_ref().map(|a| a.lines.clone()).unwrap_or_default(),
        postcode: postal.as_ref().and_then(|a| a.postcode.clone()),
        city: postal.as_ref().and_then(|a| a.city.clone()),
        subdivision: postal.as_ref().and_then(|a| a.subdivision.clone()),
        country_code: postal
            .as_ref()
            .map(|a| a.country_code.clone())
            .filter(|c| !c.is_empty()),
        vat_id,
        tax_number,
        identifiers,
        legal_registration: legal.and_then(|l| l.at("CompanyID")).and_then(identifier),
        legal_info: legal.and_then(|l| l.get("CompanyLegalForm")),
        electronic_address: el.at("EndpointID").and_then(identifier),
        email: None,
        contact,
    };
    (party, creditor)
}

fn address(el: El<'_, '_>) -> Address {
    let mut lines: Vec<String> = ["StreetName", "AdditionalStreetName"]
        .iter()
        .filter_map(|tag| el.get(tag))
        .collect();
    lines.extend(el.every("AddressLine/Line").iter().filter_map(El::text));
    address_of(
        lines,
        el.get("PostalZone"),
        el.get("CityName"),
        el.get("CountrySubentity"),
        el.get("Country/IdentificationCode").unwrap_or_default(),
    )
}

fn address_of(
    lines: Vec<String>,
    postcode: Option<String>,
    city: Option<String>,
    subdivision: Option<String>,
    country_code: String,
) -> Address {
    Address {
        lines,
        postcode,
        city,
        subdivision,
        country_code,
    }
}
