//! CII D16B into the document model: the inverse of `einvoice::cii`, term by term.

use rust_decimal::Decimal;

use super::reader::El;
use super::{
    Imported, Stated, Syntax, category, currency, identifier, imported, read_allowances, required,
    split_payment_terms, supporting_document, type_code,
};
use crate::domain::document::{NewInvoice, NewLine};
use crate::domain::party::{Party, PaymentDetails};
use crate::domain::terms::{
    Account, Address, AllowanceCharge, Card, CashDiscount, Classification, Contact, Delivery,
    DirectDebit, Identifier, ItemAttribute, Note, Payee, PrecedingInvoice, TaxRepresentative,
    VatAccountingCurrency, tax_point_code_of_cii,
};
use crate::error::Result;

/// Read a `rsm:CrossIndustryInvoice`.
pub fn read(root: El<'_, '_>) -> Result<Imported> {
    let mut inv = NewInvoice::default();
    let context = root.at("ExchangedDocumentContext");
    let guideline = context.and_then(|c| c.get("GuidelineSpecifiedDocumentContextParameter/ID"));
    if let Some(context) = context {
        context.skip(); // BT-23, BT-24: written from the export format
    }
    let head = root.at("ExchangedDocument");
    let number = match head {
        Some(head) => required(head, "ID", "BT-1")?,
        None => required(root, "ExchangedDocument/ID", "BT-1")?,
    };
    if let Some(head) = head {
        inv.type_code = type_code(head, "TypeCode")?;
        inv.issue_date = head.date("IssueDateTime")?;
        for note in head.all("IncludedNote") {
            if let Some(text) = note.get("Content") {
                inv.notes.push(Note {
                    text,
                    subject_code: note.get("SubjectCode"),
                });
            }
        }
    }
    let mut stated = Stated::default();
    let Some(tx) = root.at("SupplyChainTradeTransaction") else {
        return Ok(imported(Syntax::Cii, number, inv, stated, guideline));
    };
    for item in tx.all("IncludedSupplyChainTradeLineItem") {
        let (line, net) = line(item)?;
        inv.lines.push(line);
        stated.line_nets.push(net);
    }
    if let Some(agreement) = tx.at("ApplicableHeaderTradeAgreement") {
        read_agreement(agreement, &mut inv)?;
    }
    if let Some(delivery) = tx.at("ApplicableHeaderTradeDelivery") {
        if let Some(to) = delivery.at("ShipToTradeParty") {
            inv.delivery = Some(Delivery {
                location_id: ids(to).into_iter().next(),
                name: to.get("Name"),
                address: to.at("PostalTradeAddress").map(address),
            });
        }
        inv.supply_date = delivery.date("ActualDeliverySupplyChainEvent/OccurrenceDateTime")?;
        inv.despatch_advice_reference =
            delivery.get("DespatchAdviceReferencedDocument/IssuerAssignedID");
        inv.receiving_advice_reference =
            delivery.get("ReceivingAdviceReferencedDocument/IssuerAssignedID");
    }
    if let Some(settlement) = tx.at("ApplicableHeaderTradeSettlement") {
        read_settlement(settlement, &mut inv, &mut stated)?;
    }
    Ok(imported(Syntax::Cii, number, inv, stated, guideline))
}

fn read_agreement(agreement: El<'_, '_>, inv: &mut NewInvoice) -> Result<()> {
    inv.buyer_reference = agreement.get("BuyerReference");
    inv.seller = agreement.at("SellerTradeParty").map(party);
    inv.buyer = agreement.at("BuyerTradeParty").map(party);
    if let Some(rep) = agreement.at("SellerTaxRepresentativeTradeParty") {
        let vat_id = tax_registrations(rep).0;
        inv.tax_representative = Some(TaxRepresentative {
            name: rep.get("Name").unwrap_or_default(),
            vat_id: vat_id.unwrap_or_default(),
            address: rep
                .at("PostalTradeAddress")
                .map(address)
                .unwrap_or_else(empty_address),
        });
    }
    inv.sales_order_reference = agreement.get("SellerOrderReferencedDocument/IssuerAssignedID");
    inv.order_reference = agreement.get("BuyerOrderReferencedDocument/IssuerAssignedID");
    inv.contract_reference = agreement.get("ContractReferencedDocument/IssuerAssignedID");
    for reference in agreement.all("AdditionalReferencedDocument") {
        let Some(type_el) = reference.at("TypeCode") else {
            continue;
        };
        match type_el.text().as_deref().map(str::trim) {
            Some("50") => inv.tender_reference = reference.get("IssuerAssignedID"),
            Some("130") => inv.invoiced_object = object_reference(reference),
            Some("916") => inv.attachments.push(supporting_document(
                reference,
                [
                    "IssuerAssignedID",
                    "Name",
                    "URIID",
                    "AttachmentBinaryObject",
                ],
            )),
            _ => {}
        }
    }
    if let Some(project) = agreement.at("SpecifiedProcuringProject") {
        inv.project_reference = project.get("ID");
        project.get("Name"); // mandatory in CII, not a term of its own
    }
    Ok(())
}

fn read_settlement(
    settlement: El<'_, '_>,
    inv: &mut NewInvoice,
    stated: &mut Stated,
) -> Result<()> {
    let mut payment = PaymentDetails::default();
    let creditor_id = settlement.get("CreditorReferenceID");
    payment.reference = settlement.get("PaymentReference");
    let tax_currency = currency(settlement, "TaxCurrencyCode")?;
    inv.currency = currency(settlement, "InvoiceCurrencyCode")?;
    if let Some(payee) = settlement.at("PayeeTradeParty") {
        inv.payee = Some(Payee {
            identifier: ids(payee).into_iter().next(),
            name: payee.get("Name").unwrap_or_default(),
            legal_registration: payee
                .at("SpecifiedLegalOrganization/ID")
                .and_then(identifier),
        });
    }
    let mut debited_account = None;
    for (index, means) in settlement
        .all("SpecifiedTradeSettlementPaymentMeans")
        .into_iter()
        .enumerate()
    {
        let code = means.get("TypeCode");
        let text = means.get("Information");
        if index == 0 {
            payment.means_code = code;
            payment.means_text = text;
        }
        if let Some(card) = means.at("ApplicableTradeSettlementFinancialCard") {
            payment.card = Some(Card {
                last_digits: card.get("ID").unwrap_or_default(),
                holder: card.get("CardholderName"),
            });
        }
        if let Some(iban) = means.get("PayerPartyDebtorFinancialAccount/IBANID") {
            debited_account = Some(iban);
        }
        if let Some(account) = means.at("PayeePartyCreditorFinancialAccount") {
            let iban = account.get("IBANID");
            let id = iban.clone().or_else(|| account.get("ProprietaryID"));
            let name = account.get("AccountName");
            let bic = means.get("PayeeSpecifiedCreditorFinancialInstitution/BICID");
            add_account(&mut payment, id, iban.is_some(), name, bic);
        }
    }
    for tax in settlement.all("ApplicableTradeTax") {
        tax.get("CalculatedAmount"); // BT-117: computed, compared through the totals
        tax.get("BasisAmount"); // BT-116: likewise
        tax.get("TypeCode");
        tax.get("RateApplicablePercent"); // BT-119: the lines' rates
        let category = category(tax, "CategoryCode")?;
        if let Some(category) = category {
            if let Some(reason) = tax.get("ExemptionReason") {
                inv.vat_exemption_reasons.insert(category, reason);
            }
            if let Some(code) = tax.get("ExemptionReasonCode") {
                inv.vat_exemption_codes.insert(category, code);
            }
        }
        if let Some(day) = tax.date("TaxPointDate")? {
            inv.tax_point_date = Some(day);
        }
        if let Some(code) = tax.at("DueDateTypeCode")
            && let Some(text) = code.text()
        {
            inv.tax_point_code = Some(
                tax_point_code_of_cii(text.trim())
                    .ok_or_else(|| code.invalid(&text, "a UNTDID 2475 code (5, 29, 72)"))?,
            );
        }
    }
    if let Some(period) = settlement.at("BillingSpecifiedPeriod") {
        inv.service_period = super::period(period, "StartDateTime", "EndDateTime")?;
    }
    read_allowances(
        settlement.all("SpecifiedTradeAllowanceCharge"),
        |ac| allowance_charge(ac, true),
        &mut inv.allowances,
        &mut inv.charges,
    )?;
    let mut mandate = None;
    for terms in settlement.all("SpecifiedTradePaymentTerms") {
        if let Some(text) = terms.get("Description") {
            let (text, discounts) = split_payment_terms(&text);
            inv.payment_terms = text;
            payment.cash_discounts.extend(discounts);
        }
        // Factur-X EXTENDED: a cash discount tier per payment terms element.
        if let Some(discount) = terms.at("ApplicableTradePaymentDiscountTerms") {
            discount.get("ActualDiscountAmount"); // base × percent: written from the two
            let days = discount.at("BasisPeriodMeasure");
            if let Some(days_el) = days {
                days_el.attr("unitCode");
            }
            let percent = discount.decimal("CalculationPercent")?;
            let day_count = match days.and_then(|d| d.text()) {
                Some(text) => Some(
                    text.trim()
                        .parse::<u32>()
                        .map_err(|_| discount.invalid(&text, "a number of days"))?,
                ),
                None => None,
            };
            if let (Some(days), Some(percent)) = (day_count, percent) {
                payment.cash_discounts.push(CashDiscount {
                    days,
                    percent: percent.normalize(),
                    base_amount: discount.decimal("BasisAmount")?,
                });
            }
        }
        if let Some(due) = terms.date("DueDateDateTime")? {
            inv.due_date = Some(due);
        }
        if let Some(id) = terms.get("DirectDebitMandateID") {
            mandate = Some(id);
        }
    }
    if mandate.is_some() || creditor_id.is_some() || debited_account.is_some() {
        payment.direct_debit = Some(DirectDebit {
            mandate: mandate.unwrap_or_default(),
            creditor_id: creditor_id.unwrap_or_default(),
            debited_account: debited_account.unwrap_or_default(),
        });
    }
    if let Some(sums) = settlement.at("SpecifiedTradeSettlementHeaderMonetarySummation") {
        stated.line_total = sums.decimal("LineTotalAmount")?;
        sums.get("ChargeTotalAmount");
        sums.get("AllowanceTotalAmount");
        stated.total_net = sums.decimal("TaxBasisTotalAmount")?;
        for vat in sums.all("TaxTotalAmount") {
            let in_currency = vat.attr("currencyID");
            let amount = vat.decimal_text()?;
            match (&tax_currency, in_currency) {
                (Some(tax), Some(code)) if code == tax.code() && Some(*tax) != inv.currency => {
                    inv.vat_accounting_currency = amount.map(|vat_total| VatAccountingCurrency {
                        code: *tax,
                        vat_total,
                    });
                }
                _ => stated.total_vat = amount,
            }
        }
        inv.rounding_amount = sums.decimal("RoundingAmount")?;
        stated.total_gross = sums.decimal("GrandTotalAmount")?;
        inv.paid_amount = sums.decimal("TotalPrepaidAmount")?;
        stated.amount_payable = sums.decimal("DuePayableAmount")?;
    }
    // BT-6 goes with its VAT total (BT-111, BR-53): without one it is not carried (the
    // invoice's own currency repeated says nothing new).
    if tax_currency.is_some_and(|code| Some(code) != inv.currency)
        && inv.vat_accounting_currency.is_none()
        && let Some(code) = settlement.at("TaxCurrencyCode")
    {
        code.put_back();
    }
    for preceding in settlement.all("InvoiceReferencedDocument") {
        if let Some(number) = preceding.get("IssuerAssignedID") {
            inv.preceding_invoices.push(PrecedingInvoice {
                number,
                issue_date: preceding.date("FormattedIssueDateTime")?,
            });
        }
    }
    inv.buyer_accounting_reference = settlement.get("ReceivableSpecifiedTradeAccountingAccount/ID");
    inv.payment = Some(payment);
    Ok(())
}

/// The accounts to pay to: the first IBAN is the payment's own, the others further accounts.
pub(super) fn add_account(
    payment: &mut PaymentDetails,
    id: Option<String>,
    is_iban: bool,
    name: Option<String>,
    bic: Option<String>,
) {
    let Some(id) = id else {
        return;
    };
    if is_iban && payment.iban.is_none() && payment.more_accounts.is_empty() {
        payment.iban = Some(id);
        payment.account_name = name;
        payment.bic = bic;
    } else {
        payment.more_accounts.push(Account { id, name, bic });
    }
}

fn line(item: El<'_, '_>) -> Result<(NewLine, Option<Decimal>)> {
    let mut line = NewLine::default();
    if let Some(doc) = item.at("AssociatedDocumentLineDocument") {
        line.line_id = doc.get("LineID");
        line.note = doc.get("IncludedNote/Content");
    }
    if let Some(product) = item.at("SpecifiedTradeProduct") {
        line.standard_item_id = product.at("GlobalID").and_then(identifier);
        line.seller_item_id = product.get("SellerAssignedID");
        line.buyer_item_id = product.get("BuyerAssignedID");
        line.description = product.get("Name").unwrap_or_default();
        line.item_description = product.get("Description");
        for attribute in product.all("ApplicableProductCharacteristic") {
            line.attributes.push(ItemAttribute {
                name: attribute.get("Description").unwrap_or_default(),
                value: attribute.get("Value").unwrap_or_default(),
            });
        }
        for class in product.every("DesignatedProductClassification/ClassCode") {
            line.classifications.push(Classification {
                list_id: class.attr("listID").unwrap_or_default(),
                list_version: class.attr("listVersionID"),
                code: class.text().unwrap_or_default(),
            });
        }
        line.origin_country = product.get("OriginTradeCountry/ID");
    }
    if let Some(agreement) = item.at("SpecifiedLineTradeAgreement") {
        line.order_line_reference = agreement.get("BuyerOrderReferencedDocument/LineID");
        if let Some(gross) = agreement.at("GrossPriceProductTradePrice") {
            line.gross_price = gross.decimal("ChargeAmount")?;
            if let Some(base) = gross.at("BasisQuantity") {
                base.attr("unitCode");
                base.text();
            }
            // BT-147 is gross − net: written from the two prices.
            for discount in gross.all("AppliedTradeAllowanceCharge") {
                discount.skip();
            }
        }
        if let Some(net) = agreement.at("NetPriceProductTradePrice") {
            line.unit_price = net.decimal("ChargeAmount")?.unwrap_or_default();
            if let Some(base) = net.at("BasisQuantity") {
                base.attr("unitCode");
                line.base_quantity = base.decimal_text()?;
            }
        }
    }
    if let Some(quantity) = item.at("SpecifiedLineTradeDelivery/BilledQuantity") {
        line.unit_code = quantity.attr("unitCode").unwrap_or_else(|| "C62".into());
        line.quantity = quantity.decimal_text()?.unwrap_or_default();
    }
    let mut net = None;
    if let Some(settlement) = item.at("SpecifiedLineTradeSettlement") {
        if let Some(tax) = settlement.at("ApplicableTradeTax") {
            tax.get("TypeCode");
            line.vat_category = category(tax, "CategoryCode")?.unwrap_or(line.vat_category);
            line.vat_rate = tax.decimal("RateApplicablePercent")?.unwrap_or_default();
        }
        if let Some(period) = settlement.at("BillingSpecifiedPeriod") {
            line.period = super::period(period, "StartDateTime", "EndDateTime")?;
        }
        read_allowances(
            settlement.all("SpecifiedTradeAllowanceCharge"),
            |ac| allowance_charge(ac, false),
            &mut line.allowances,
            &mut line.charges,
        )?;
        net =
            settlement.decimal("SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount")?;
        if let Some(reference) = settlement.at("AdditionalReferencedDocument") {
            reference.get("TypeCode");
            line.object_id = object_reference(reference);
        }
        line.accounting_reference = settlement.get("ReceivableSpecifiedTradeAccountingAccount/ID");
    }
    Ok((line, net))
}

fn allowance_charge(ac: El<'_, '_>, document_level: bool) -> Result<(bool, AllowanceCharge)> {
    let is_charge = ac
        .get("ChargeIndicator/Indicator")
        .is_some_and(|t| t.trim() == "true");
    let mut out = AllowanceCharge {
        amount: ac.decimal("ActualAmount")?,
        percent: ac.decimal("CalculationPercent")?,
        base_amount: ac.decimal("BasisAmount")?,
        reason: ac.get("Reason"),
        reason_code: ac.get("ReasonCode"),
        vat_category: None,
        vat_rate: None,
    };
    if let Some(tax) = ac.at("CategoryTradeTax") {
        tax.get("TypeCode");
        if document_level {
            out.vat_category = category(tax, "CategoryCode")?;
            // "Not subject to VAT" carries no rate (BR-O-*): it is 0.
            out.vat_rate = tax
                .decimal("RateApplicablePercent")?
                .or(out.vat_category.map(|_| Decimal::ZERO));
        }
    }
    Ok((is_charge, out))
}

fn object_reference(reference: El<'_, '_>) -> Option<Identifier> {
    let scheme = reference.get("ReferenceTypeCode");
    reference
        .get("IssuerAssignedID")
        .map(|id| Identifier::new(id, scheme.as_deref()))
}

/// The ids of a party: `ram:ID` without a scheme, `ram:GlobalID` with one.
fn ids(party: El<'_, '_>) -> Vec<Identifier> {
    party
        .all("ID")
        .into_iter()
        .chain(party.all("GlobalID"))
        .filter_map(identifier)
        .collect()
}

/// (VAT id, tax number) from `ram:SpecifiedTaxRegistration` (schemes VA and FC).
fn tax_registrations(party: El<'_, '_>) -> (Option<String>, Option<String>) {
    let mut vat_id = None;
    let mut tax_number = None;
    for id in party.every("SpecifiedTaxRegistration/ID") {
        match id.attr("schemeID").as_deref() {
            Some("FC") => tax_number = id.text(),
            _ => vat_id = id.text(),
        }
    }
    (vat_id, tax_number)
}

fn party(el: El<'_, '_>) -> Party {
    let (vat_id, tax_number) = tax_registrations(el);
    let legal = el.at("SpecifiedLegalOrganization");
    let contact = el.at("DefinedTradeContact").map(|c| Contact {
        name: c.get("PersonName"),
        phone: c.get("TelephoneUniversalCommunication/CompleteNumber"),
        email: c.get("EmailURIUniversalCommunication/URIID"),
    });
    let postal = el.at("PostalTradeAddress");
    let (address_lines, postcode, city, country_code, subdivision) = match postal {
        Some(a) => {
            let address = address(a);
            (
                address.lines,
                address.postcode,
                address.city,
                (!address.country_code.is_empty()).then_some(address.country_code),
                address.subdivision,
            )
        }
        None => (Vec::new(), None, None, None, None),
    };
    Party {
        name: el.get("Name").unwrap_or_default(),
        trading_name: legal.and_then(|l| l.get("TradingBusinessName")),
        address_lines,
        postcode,
        city,
        subdivision,
        country_code,
        vat_id,
        tax_number,
        identifiers: ids(el),
        legal_registration: legal.and_then(|l| l.at("ID")).and_then(identifier),
        legal_info: el.get("Description"),
        electronic_address: el
            .at("URIUniversalCommunication/URIID")
            .and_then(identifier),
        email: None,
        contact,
    }
}

fn address(el: El<'_, '_>) -> Address {
    Address {
        lines: ["LineOne", "LineTwo", "LineThree"]
            .iter()
            .filter_map(|tag| el.get(tag))
            .collect(),
        postcode: el.get("PostcodeCode"),
        city: el.get("CityName"),
        subdivision: el.get("CountrySubDivisionName"),
        country_code: el.get("CountryID").unwrap_or_default(),
    }
}

fn empty_address() -> Address {
    Address {
        lines: Vec::new(),
        postcode: None,
        city: None,
        subdivision: None,
        country_code: String::new(),
    }
}
