//! Invoices and credit notes: the draft input (`NewInvoice`), its validation into
//! [`DocumentContent`], and the stored [`Document`] with its derived amounts.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::attachment::{SupportingDocument, check_attachments};
use super::dates;
use super::lifecycle::Status;
use super::money::Currency;
use super::party::{Customer, Language, Party, PaymentDetails, SellerProfile};
use super::terms::{
    AllowanceCharge, Classification, Delivery, Identifier, ItemAttribute, Level, Note, Payee,
    PrecedingInvoice, TAX_POINT_CODES, TaxRepresentative, VatAccountingCurrency, check_country,
    check_list,
};
use super::text::{check_optional, check_required};
use super::totals::{self, Adjustments, Discount, DocumentAllowance, LinePricing, Totals};
use super::vat::VatCategory;
use crate::error::{Error, Result};

/// Most lines one document may have.
pub const MAX_LINES: usize = 1000;
/// Most characters of text one document may hold in its line descriptions, notes and payment
/// terms together: about 60 printed pages. Each field has its own limit besides.
pub const MAX_TEXT_CHARS: usize = 200_000;

/// Invoice or credit note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A commercial invoice (UNTDID 1001 code 380).
    Invoice,
    /// A credit note correcting an invoice (code 381).
    CreditNote,
}

impl DocumentKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::CreditNote => "credit_note",
        }
    }

    /// The kind a create payload asks for: a credit note with type code 381 (a standalone
    /// one, e.g. correcting an invoice issued elsewhere), else an invoice.
    pub fn of_type_code(type_code: Option<u16>) -> Self {
        if type_code.is_some_and(|code| CREDIT_NOTE_TYPE_CODES.contains(&code)) {
            DocumentKind::CreditNote
        } else {
            DocumentKind::Invoice
        }
    }

    /// Parse a stored or user-given name.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "invoice" => Ok(DocumentKind::Invoice),
            "credit_note" => Ok(DocumentKind::CreditNote),
            other => Err(Error::validation(
                "kind",
                format!("'{other}' is not a document kind (invoice or credit_note)"),
            )),
        }
    }
}

/// A service period (EN 16931 BG-14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First day.
    pub start: NaiveDate,
    /// Last day, not before `start`.
    pub end: NaiveDate,
}

/// One line of a draft as a client sends it (EN 16931 BG-25); stored as given after checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLine {
    /// What was sold: the item name (BT-153).
    pub description: String,
    /// Units, at most 4 decimals; negative for returns (BT-129).
    pub quantity: Decimal,
    /// UN/ECE Rec. 20 code (C62 piece, HUR hour, DAY, MON, KGM, LS lump sum) or a word such
    /// as `hour` (BT-130).
    #[serde(default = "default_unit")]
    pub unit_code: String,
    /// Price per unit (gross with `prices_include_vat`).
    pub unit_price: Decimal,
    /// S standard (default), Z zero-rated, E exempt (e.g. § 19 UStG), AE reverse charge, K
    /// intra-EU, G export, O not subject to VAT; all but S: rate 0 and a reason in
    /// `vat_exemption_reasons`.
    #[serde(default = "default_category")]
    pub vat_category: VatCategory,
    /// VAT rate in percent, e.g. `19`; 0 for every category but S.
    pub vat_rate: Decimal,
    /// Percent off quantity × unit price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_percent: Option<Decimal>,
    /// Fixed amount off the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<Decimal>,
    /// Day the line was delivered or performed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_date: Option<NaiveDate>,
    /// The line's own id (BT-126); default its position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_id: Option<String>,
    /// Line note (BT-127).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Object the line is about, with scheme (BT-128).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<Identifier>,
    /// The buyer's order line (BT-132).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line_reference: Option<String>,
    /// The buyer's accounting reference for the line (BT-133).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounting_reference: Option<String>,
    /// Period of the line (BG-26).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Longer item description (BT-154).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_description: Option<String>,
    /// The seller's item id (BT-155).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_item_id: Option<String>,
    /// The buyer's item id (BT-156).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_item_id: Option<String>,
    /// Standard item id with scheme, e.g. GTIN `{"id": "4012345678901", "scheme": "0160"}`
    /// (BT-157).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_item_id: Option<Identifier>,
    /// Item classifications, e.g. CPV (BT-158).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classifications: Vec<Classification>,
    /// Country of origin, ISO 3166-1 alpha-2 (BT-159).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_country: Option<String>,
    /// Item attributes such as colour or size (BG-32).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<ItemAttribute>,
    /// Allowances on the line besides the discount (BG-27).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowances: Vec<AllowanceCharge>,
    /// Charges on the line (BG-28).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub charges: Vec<AllowanceCharge>,
    /// Gross price before the price discount (BT-148); at least the unit price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_price: Option<Decimal>,
    /// The quantity the price is for, e.g. 100 for a price per 100 pieces (BT-149).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_quantity: Option<Decimal>,
}

fn default_unit() -> String {
    "C62".to_string()
}

fn default_category() -> VatCategory {
    VatCategory::Standard
}

/// A draft invoice as a client sends it to `create`, and (checked, with the defaults filled
/// in) as it is stored: the document's EN 16931 terms. Everything but the buyer (or
/// `customer_id`) and the lines has a default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvoice {
    /// Number series; defaults to `invoices` (or `credit-notes` for credit notes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// A stored customer to bill; its data is copied as the buyer unless `buyer` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<i64>,
    /// The buyer as printed on the invoice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Party>,
    /// The seller; defaults to the seller profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller: Option<Party>,
    /// UNTDID 1001 type code (BT-3): invoices 380 (default), 326 partial, 384 corrected, 389
    /// self-billed, 386 prepayment, 875/876/877 partial construction, partial final
    /// construction and final construction invoice; credit notes 381.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_code: Option<u16>,
    /// ISO 4217 code; defaults to the seller profile's currency, else EUR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// `de` or `en`; defaults to the seller profile's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// Issue date; defaults to the day of finalization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<NaiveDate>,
    /// Day of supply (BT-72).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supply_date: Option<NaiveDate>,
    /// Service period (BG-14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period: Option<Period>,
    /// VAT point date, when it differs from the issue date (BT-7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_point_date: Option<NaiveDate>,
    /// When VAT becomes due, as a code instead of a date: 3 invoice date, 35 delivery date,
    /// 432 payment date (BT-8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_point_code: Option<u16>,
    /// Due date; defaults at finalization to issue date + the profile's payment days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    /// Payment terms text (BT-20); line breaks are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_terms: Option<String>,
    /// Buyer reference (BT-10; German Leitweg-ID for public buyers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_reference: Option<String>,
    /// Project reference (BT-11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_reference: Option<String>,
    /// Contract reference (BT-12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_reference: Option<String>,
    /// Purchase order number (BT-13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_reference: Option<String>,
    /// Sales order reference (BT-14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_order_reference: Option<String>,
    /// Receiving advice reference (BT-15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiving_advice_reference: Option<String>,
    /// Despatch advice reference (BT-16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub despatch_advice_reference: Option<String>,
    /// Tender or lot reference (BT-17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tender_reference: Option<String>,
    /// Invoiced object with scheme, e.g. a meter or subscription number (BT-18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoiced_object: Option<Identifier>,
    /// The buyer's accounting reference (BT-19).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_accounting_reference: Option<String>,
    /// Earlier invoices this one refers to (BG-3), e.g. partial invoices in a final invoice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preceding_invoices: Vec<PrecedingInvoice>,
    /// Notes: texts or `{text, subject_code}` (BG-1).
    #[serde(
        default,
        deserialize_with = "super::terms::deserialize_notes",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub notes: Vec<Note>,
    /// Who is paid, when not the seller (BG-10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee: Option<Payee>,
    /// The seller's tax representative (BG-11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_representative: Option<TaxRepresentative>,
    /// Where the goods or services went (BG-13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// How to pay; default the seller profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentDetails>,
    /// Document-level allowances (BG-20), e.g. a discount on the whole invoice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowances: Vec<AllowanceCharge>,
    /// Document-level charges (BG-21), e.g. freight.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub charges: Vec<AllowanceCharge>,
    /// Amount paid before this invoice, e.g. a prepayment (BT-113).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<Decimal>,
    /// Rounding of the amount due, e.g. cash rounding to 0.05 (BT-114).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounding_amount: Option<Decimal>,
    /// The currency VAT is accounted in, with the VAT total in it (BT-6, BT-111).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_accounting_currency: Option<VatAccountingCurrency>,
    /// Supporting documents: references, URLs and attached files (BG-24).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<SupportingDocument>,
    /// The caller's own id for this document; unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Makes `create` safe to retry: the same key with the same payload returns the same draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Unit prices include VAT (gross price mode).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prices_include_vat: bool,
    /// Why no VAT is charged, per category (required for E, AE, K, G, O; BT-120).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vat_exemption_reasons: BTreeMap<VatCategory, String>,
    /// VATEX exemption reason codes per category, e.g. `VATEX-EU-AE` (BT-121).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vat_exemption_codes: BTreeMap<VatCategory, String>,
    /// The lines, at least one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<NewLine>,
}

/// A stored line: the line as given, with its position and computed net.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Line {
    /// 1-based position on the document.
    pub position: u32,
    /// The line's terms as given (checked).
    #[serde(flatten)]
    pub input: NewLine,
    /// Line net amount (BT-131), in the currency's minor unit.
    pub net_amount: Decimal,
}

impl std::ops::Deref for Line {
    type Target = NewLine;
    fn deref(&self) -> &NewLine {
        &self.input
    }
}

impl NewLine {
    /// quantity × unit price ÷ base quantity, unrounded (the base of the line's discount).
    pub fn price_amount(&self) -> Decimal {
        self.quantity * self.unit_price / self.base_quantity.unwrap_or(Decimal::ONE)
    }

    fn pricing(&self) -> LinePricing {
        let sum = |list: &[AllowanceCharge]| list.iter().map(AllowanceCharge::value).sum();
        LinePricing {
            amount: self.price_amount(),
            discount: match (self.discount_percent, self.discount_amount) {
                (Some(pct), _) => Discount::Percent(pct),
                (None, Some(amount)) => Discount::Amount(amount),
                (None, None) => Discount::None,
            },
            allowances: sum(&self.allowances),
            charges: sum(&self.charges),
            category: self.vat_category,
            rate: self.vat_rate,
        }
    }

    /// The line's id (BT-126): the one given, else its position.
    pub fn id_or(&self, position: u32) -> String {
        self.line_id.clone().unwrap_or_else(|| position.to_string())
    }
}

impl Line {
    /// The line as client input again (for edits by merge patch).
    pub fn to_input(&self) -> NewLine {
        self.input.clone()
    }
}

/// Everything a draft holds: the terms as given (checked, defaults filled in), the lines
/// with their nets, and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DocumentContent {
    /// The document's terms (its `lines` are empty: see `lines`).
    #[serde(flatten)]
    pub invoice: NewInvoice,
    /// Lines with their nets.
    pub lines: Vec<Line>,
    /// VAT breakdown and sums.
    pub totals: Totals,
}

impl std::ops::Deref for DocumentContent {
    type Target = NewInvoice;
    fn deref(&self) -> &NewInvoice {
        &self.invoice
    }
}

/// What validation may take from stored data: the seller profile and the chosen customer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Defaults<'a> {
    /// The seller profile, if one is set.
    pub profile: Option<&'a SellerProfile>,
    /// The customer named by `customer_id`, already looked up.
    pub customer: Option<&'a Customer>,
    /// The series to use when the input names none.
    pub series: &'a str,
    /// Today in the seller's time zone: issue dates must lie within a year before and 30 days
    /// after it.
    pub today: NaiveDate,
    /// Invoice or credit note (which type codes apply).
    pub kind: Option<DocumentKind>,
    /// An issued document imported from an archive: its issue date may lie any time back.
    pub imported: bool,
}

/// Type codes (UNTDID 1001) an invoice may have.
pub const INVOICE_TYPE_CODES: [u16; 8] = [380, 326, 384, 386, 389, 875, 876, 877];
/// Type codes a credit note may have.
pub const CREDIT_NOTE_TYPE_CODES: [u16; 1] = [381];

/// An optional reference text of at most 200 characters.
fn reference(field: &str, value: Option<String>) -> Result<Option<String>> {
    check_optional(field, value, 200)
}

impl NewInvoice {
    /// Check every field and compute the lines and totals. Nothing here touches storage.
    pub fn validate(mut self, defaults: Defaults<'_>) -> Result<DocumentContent> {
        let profile = defaults.profile;
        let currency = self
            .currency
            .or(profile.map(|p| p.currency))
            .unwrap_or_default();
        let decimals = currency.exponent();
        let buyer = match (self.buyer.take(), defaults.customer) {
            (Some(buyer), _) => buyer.validate("buyer")?,
            (None, Some(customer)) => customer.party.clone(),
            (None, None) => {
                return Err(Error::validation(
                    "buyer",
                    "a buyer is required: give `buyer` or the `customer_id` of a stored customer",
                ));
            }
        };
        // An imported issued document is what its file says: nothing of today's profile.
        let seller = match self.seller.take() {
            Some(seller) => Some(seller.validate("seller")?),
            None if defaults.imported => None,
            None => profile.map(|p| p.party.clone()),
        };
        let payment = self
            .payment
            .take()
            .unwrap_or_default()
            .validate("payment")?;
        let payment = if defaults.imported {
            payment
        } else {
            payment.or(&profile.map(|p| p.payment.clone()).unwrap_or_default())
        };

        let kind = defaults.kind.unwrap_or(DocumentKind::Invoice);
        if let Some(code) = self.type_code {
            let allowed: &[u16] = match kind {
                DocumentKind::Invoice => &INVOICE_TYPE_CODES,
                DocumentKind::CreditNote => &CREDIT_NOTE_TYPE_CODES,
            };
            if !allowed.contains(&code) {
                return Err(Error::validation(
                    "type_code",
                    format!(
                        "{code} is not a type code for a {} (UNTDID 1001: {})",
                        kind.as_str().replace('_', " "),
                        allowed
                            .iter()
                            .map(u16::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }

        let issue_date = dates::check_optional("issue_date", self.issue_date)?
            .map(|date| {
                if defaults.imported {
                    dates::check_range("issue_date", date)
                } else {
                    dates::check_issue_date("issue_date", date, defaults.today)
                }
            })
            .transpose()?;
        let supply_date = dates::check_optional("supply_date", self.supply_date)?;
        let tax_point_date = dates::check_optional("tax_point_date", self.tax_point_date)?;
        if let Some(code) = self.tax_point_code {
            if !TAX_POINT_CODES.contains(&code) {
                return Err(Error::validation(
                    "tax_point_code",
                    format!(
                        "{code} is not a tax point code (UNTDID 2005: 3 invoice date, 35 delivery date, 432 payment date)"
                    ),
                ));
            }
            if tax_point_date.is_some() {
                return Err(Error::validation(
                    "tax_point_code",
                    "give tax_point_date or tax_point_code, not both (BR-CO-03)",
                ));
            }
        }
        let due_date = dates::check_optional("due_date", self.due_date)?;
        if let Some(period) = self.service_period {
            period.check("service_period")?;
        }
        if let (Some(issue), Some(due)) = (issue_date, due_date)
            && due < issue
        {
            return Err(Error::validation(
                "due_date",
                format!("must not be before the issue date {issue}, got {due}"),
            ));
        }

        let reasons = check_reasons(std::mem::take(&mut self.vat_exemption_reasons))?;
        let exemption_codes = check_exemption_codes(std::mem::take(&mut self.vat_exemption_codes))?;
        let payment_terms = check_optional("payment_terms", self.payment_terms.take(), 2000)?;
        let notes = check_list("notes", std::mem::take(&mut self.notes), 20, Note::validate)?;
        let mut lines = check_lines(
            std::mem::take(&mut self.lines),
            currency,
            &reasons,
            self.prices_include_vat,
        )?;
        let text_chars: usize = lines
            .iter()
            .map(|l| l.description.chars().count())
            .chain(notes.iter().map(|n| n.text.chars().count()))
            .chain(payment_terms.iter().map(|t| t.chars().count()))
            .sum();
        if text_chars > MAX_TEXT_CHARS {
            return Err(Error::validation(
                "lines",
                format!(
                    "the descriptions, notes and payment terms hold {text_chars} characters together; a document holds at most {MAX_TEXT_CHARS} (split it into several invoices)"
                ),
            ));
        }
        let check_ac = |field: &str, list: Vec<AllowanceCharge>| {
            check_list(field, list, 20, |ac, f| {
                ac.validate(f, Level::Document, decimals)
            })
        };
        let allowances = check_ac("allowances", std::mem::take(&mut self.allowances))?;
        let charges = check_ac("charges", std::mem::take(&mut self.charges))?;
        if self.prices_include_vat && !(allowances.is_empty() && charges.is_empty()) {
            return Err(Error::validation(
                "allowances",
                "document-level allowances and charges need net prices: leave prices_include_vat out, or give the discount on the lines",
            ));
        }
        for (field, ac) in allowances
            .iter()
            .map(|a| ("allowances", a))
            .chain(charges.iter().map(|c| ("charges", c)))
        {
            let category = ac.category();
            if category.needs_exemption_reason() && !reasons.contains_key(&category) {
                return Err(Error::validation(
                    format!("{field}.vat_category"),
                    format!(
                        "category {category} needs an exemption reason: set vat_exemption_reasons.{category}"
                    ),
                ));
            }
        }
        let paid_amount = check_amount("paid_amount", self.paid_amount, decimals, false)?;
        let rounding_amount =
            check_amount("rounding_amount", self.rounding_amount, decimals, true)?;
        if let Some(rounding) = rounding_amount
            && rounding.abs() >= Decimal::ONE
        {
            return Err(Error::validation(
                "rounding_amount",
                format!("rounds the amount due by less than 1, got {rounding}"),
            ));
        }

        let pricing: Vec<LinePricing> = lines.iter().map(|l| l.input.pricing()).collect();
        let document_ac = DocumentAllowance::all(&allowances, &charges);
        let computed = totals::compute(
            &pricing,
            &document_ac,
            currency,
            self.prices_include_vat,
            &reasons,
            Adjustments::of(paid_amount, rounding_amount),
        );
        for (line, net) in lines.iter_mut().zip(computed.line_nets) {
            line.net_amount = net;
        }
        if computed.totals.total_net < Decimal::ZERO {
            return Err(Error::validation(
                "lines",
                format!(
                    "the negative lines and allowances exceed the rest: the total net would be {}; issue a credit note instead",
                    computed.totals.total_net
                ),
            ));
        }
        let vat_accounting_currency = self
            .vat_accounting_currency
            .take()
            .map(|v| {
                v.validate(
                    "vat_accounting_currency",
                    currency,
                    computed.totals.total_vat,
                )
            })
            .transpose()?;
        let attachments = check_attachments(std::mem::take(&mut self.attachments))?;
        // Keep only the reasons of categories in use, so the stored breakdown says it all.
        let used: Vec<VatCategory> = computed
            .totals
            .vat_breakdown
            .iter()
            .map(|g| g.category)
            .collect();
        let reasons = reasons
            .into_iter()
            .filter(|(category, _)| used.contains(category))
            .collect();
        let exemption_codes = exemption_codes
            .into_iter()
            .filter(|(category, _)| used.contains(category))
            .collect();

        let series = match self.series.take() {
            Some(series) => check_required("series", &series, 40)?,
            None => defaults.series.to_string(),
        };
        let invoice = NewInvoice {
            series: Some(series),
            customer_id: self.customer_id,
            buyer: Some(buyer),
            seller,
            type_code: self.type_code,
            currency: Some(currency),
            language: Some(
                self.language
                    .or(profile.map(|p| p.language))
                    .unwrap_or_default(),
            ),
            issue_date,
            supply_date,
            service_period: self.service_period,
            tax_point_date,
            tax_point_code: self.tax_point_code,
            due_date,
            payment_terms,
            buyer_reference: reference("buyer_reference", self.buyer_reference)?,
            project_reference: reference("project_reference", self.project_reference)?,
            contract_reference: reference("contract_reference", self.contract_reference)?,
            order_reference: reference("order_reference", self.order_reference)?,
            sales_order_reference: reference("sales_order_reference", self.sales_order_reference)?,
            receiving_advice_reference: reference(
                "receiving_advice_reference",
                self.receiving_advice_reference,
            )?,
            despatch_advice_reference: reference(
                "despatch_advice_reference",
                self.despatch_advice_reference,
            )?,
            tender_reference: reference("tender_reference", self.tender_reference)?,
            invoiced_object: self
                .invoiced_object
                .map(|i| i.validate("invoiced_object"))
                .transpose()?,
            buyer_accounting_reference: reference(
                "buyer_accounting_reference",
                self.buyer_accounting_reference,
            )?,
            preceding_invoices: check_list(
                "preceding_invoices",
                self.preceding_invoices,
                50,
                PrecedingInvoice::validate,
            )?,
            notes,
            payee: self.payee.map(|p| p.validate("payee")).transpose()?,
            tax_representative: self
                .tax_representative
                .map(|t| t.validate("tax_representative"))
                .transpose()?,
            delivery: match self.delivery {
                Some(delivery) => delivery.validate("delivery")?,
                None => None,
            },
            payment: Some(payment),
            allowances,
            charges,
            paid_amount,
            rounding_amount,
            vat_accounting_currency,
            attachments,
            external_id: check_optional("external_id", self.external_id, 200)?,
            idempotency_key: None,
            prices_include_vat: self.prices_include_vat,
            vat_exemption_reasons: reasons,
            vat_exemption_codes: exemption_codes,
            lines: Vec::new(),
        };
        Ok(DocumentContent {
            invoice,
            lines,
            totals: computed.totals,
        })
    }

    /// What decides whether a retried `create` is the same request: the SHA-256 (hex) of
    /// everything but the idempotency key, as canonical JSON.
    pub fn fingerprint(&self) -> String {
        let mut copy = self.clone();
        copy.idempotency_key = None;
        let canonical = serde_json::to_vec(&copy).unwrap_or_default();
        super::digest::sha256_hex(&canonical)
    }
}

impl Period {
    /// Both days in range, the end not before the start.
    pub fn check(&self, field: &str) -> Result<()> {
        dates::check_range(&format!("{field}.start"), self.start)?;
        dates::check_range(&format!("{field}.end"), self.end)?;
        if self.end < self.start {
            return Err(Error::validation(
                format!("{field}.end"),
                format!(
                    "must not be before the start {}, got {}",
                    self.start, self.end
                ),
            ));
        }
        Ok(())
    }
}

/// An optional amount with at most the currency's decimals, at most 10^12, and not negative
/// unless `signed`.
fn check_amount(
    field: &str,
    amount: Option<Decimal>,
    decimals: u32,
    signed: bool,
) -> Result<Option<Decimal>> {
    let Some(amount) = amount.map(|d| d.normalize()) else {
        return Ok(None);
    };
    if (!signed && amount < Decimal::ZERO)
        || amount.abs() > Decimal::from(1_000_000_000_000i64)
        || amount.scale() > decimals
    {
        return Err(Error::validation(
            field,
            format!(
                "must be {}at most 1000000000000 with at most {decimals} decimals, got {amount}",
                if signed { "" } else { "0 to " }
            ),
        ));
    }
    Ok((!amount.is_zero()).then_some(amount))
}

fn check_reasons(reasons: BTreeMap<VatCategory, String>) -> Result<BTreeMap<VatCategory, String>> {
    reasons
        .into_iter()
        .map(|(category, reason)| {
            let field = format!("vat_exemption_reasons.{}", category.code());
            if !category.needs_exemption_reason() {
                return Err(Error::validation(
                    field,
                    "only categories E, AE, K, G and O take an exemption reason",
                ));
            }
            Ok((category, check_required(&field, &reason, 500)?))
        })
        .collect()
}

fn check_exemption_codes(
    codes: BTreeMap<VatCategory, String>,
) -> Result<BTreeMap<VatCategory, String>> {
    codes
        .into_iter()
        .map(|(category, code)| {
            let field = format!("vat_exemption_codes.{}", category.code());
            if !category.needs_exemption_reason() {
                return Err(Error::validation(
                    field,
                    "only categories E, AE, K, G and O take an exemption reason code",
                ));
            }
            let code = check_required(&field, &code, 30)?.to_uppercase();
            if !code.starts_with("VATEX-") {
                return Err(Error::validation(
                    field,
                    format!(
                        "must be a VATEX code such as VATEX-EU-AE or VATEX-EU-132-1I, got '{code}'"
                    ),
                ));
            }
            Ok((category, code))
        })
        .collect()
}

fn check_lines(
    lines: Vec<NewLine>,
    currency: Currency,
    reasons: &BTreeMap<VatCategory, String>,
    gross_prices: bool,
) -> Result<Vec<Line>> {
    if lines.is_empty() {
        return Err(Error::validation("lines", "at least one line is required"));
    }
    if lines.len() > MAX_LINES {
        return Err(Error::validation(
            "lines",
            format!("at most {MAX_LINES} lines, got {}", lines.len()),
        ));
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            check_line(index, line, currency, reasons, gross_prices)
                .map_err(|e| e.in_field(&format!("lines[{index}]")))
        })
        .collect()
}

fn check_line(
    index: usize,
    line: NewLine,
    currency: Currency,
    reasons: &BTreeMap<VatCategory, String>,
    gross_prices: bool,
) -> Result<Line> {
    let description = check_required("description", &line.description, 2000)?;
    let quantity = line.quantity.normalize();
    if quantity.is_zero() || quantity.abs() > Decimal::from(1_000_000_000) {
        return Err(Error::validation(
            "quantity",
            format!(
                "must not be 0 and at most 1000000000 either way (negative for returns), got {quantity}"
            ),
        ));
    }
    if quantity.scale() > 4 {
        return Err(Error::validation(
            "quantity",
            format!("has at most 4 decimals, got {quantity}"),
        ));
    }
    let unit_price = line.unit_price.normalize();
    if unit_price < Decimal::ZERO || unit_price > Decimal::from(1_000_000_000_000i64) {
        return Err(Error::validation(
            "unit_price",
            format!(
                "must be 0 to 1000000000000 (no negative prices, EN 16931 BR-27: give a negative quantity, or use a credit note), got {unit_price}"
            ),
        ));
    }
    if unit_price.scale() > 10 {
        return Err(Error::validation(
            "unit_price",
            format!("has at most 10 decimals, got {unit_price}"),
        ));
    }
    let base_quantity = line.base_quantity.map(|d| d.normalize());
    if let Some(base) = base_quantity
        && (base <= Decimal::ZERO || base.scale() > 4 || base > Decimal::from(1_000_000))
    {
        return Err(Error::validation(
            "base_quantity",
            format!("must be above 0 and at most 1000000 with at most 4 decimals, got {base}"),
        ));
    }
    let gross_price = line.gross_price.map(|d| d.normalize());
    if let Some(gross) = gross_price
        && (gross < unit_price || gross.scale() > 10 || gross > Decimal::from(1_000_000_000_000i64))
    {
        return Err(Error::validation(
            "gross_price",
            format!(
                "is the price before the price discount: at least the unit price {unit_price} (EN 16931 BR-28), got {gross}"
            ),
        ));
    }
    let unit_code = normalize_unit(&line.unit_code)?;
    line.vat_category
        .check_rate(line.vat_rate)
        .map_err(|rule| Error::validation("vat_rate", rule))?;
    if line.vat_category.needs_exemption_reason() && !reasons.contains_key(&line.vat_category) {
        let code = line.vat_category.code();
        return Err(Error::validation(
            "vat_category",
            format!(
                "category {code} needs an exemption reason: set vat_exemption_reasons.{code} (e.g. \"Reverse charge\" or \"Gemäß § 19 UStG wird keine Umsatzsteuer berechnet.\")"
            ),
        ));
    }
    let price_amount = quantity * unit_price / base_quantity.unwrap_or(Decimal::ONE);
    let (discount_percent, discount_amount) = match (line.discount_percent, line.discount_amount) {
        (Some(_), Some(_)) => {
            return Err(Error::validation(
                "discount_amount",
                "give either discount_percent or discount_amount, not both",
            ));
        }
        (Some(pct), None) => {
            let pct = pct.normalize();
            if pct <= Decimal::ZERO || pct > Decimal::ONE_HUNDRED || pct.scale() > 2 {
                return Err(Error::validation(
                    "discount_percent",
                    format!("must be above 0 and at most 100 with at most 2 decimals, got {pct}"),
                ));
            }
            (Some(pct), None)
        }
        (None, Some(amount)) => {
            let amount = amount.normalize();
            if amount <= Decimal::ZERO || !currency.fits(amount) || amount > price_amount.abs() {
                return Err(Error::validation(
                    "discount_amount",
                    format!(
                        "must be above 0, at most quantity × unit price ({}) and have at most {} decimals, got {amount}",
                        price_amount.abs(),
                        currency.exponent()
                    ),
                ));
            }
            (None, Some(amount))
        }
        (None, None) => (None, None),
    };
    let level = Level::Line {
        base: currency.round(price_amount),
    };
    let check_ac = |field: &str, list: Vec<AllowanceCharge>| {
        check_list(field, list, 10, |ac, f| {
            ac.validate(f, level, currency.exponent())
        })
    };
    let allowances = check_ac("allowances", line.allowances)?;
    let charges = check_ac("charges", line.charges)?;
    if gross_prices && !(allowances.is_empty() && charges.is_empty()) {
        return Err(Error::validation(
            "allowances",
            "a line's allowances and charges need net prices: leave prices_include_vat out, or use discount_percent",
        ));
    }
    if let Some(period) = line.period {
        period.check("period")?;
    }
    let position =
        u32::try_from(index + 1).map_err(|_| Error::validation("lines", "too many lines"))?;
    let input = NewLine {
        description,
        quantity,
        unit_code,
        unit_price,
        vat_category: line.vat_category,
        vat_rate: line.vat_rate.normalize(),
        discount_percent,
        discount_amount,
        service_date: dates::check_optional("service_date", line.service_date)?,
        line_id: reference("line_id", line.line_id)?,
        note: check_optional("note", line.note, 1000)?,
        object_id: line
            .object_id
            .map(|i| i.validate("object_id"))
            .transpose()?,
        order_line_reference: reference("order_line_reference", line.order_line_reference)?,
        accounting_reference: reference("accounting_reference", line.accounting_reference)?,
        period: line.period,
        item_description: check_optional("item_description", line.item_description, 2000)?,
        seller_item_id: reference("seller_item_id", line.seller_item_id)?,
        buyer_item_id: reference("buyer_item_id", line.buyer_item_id)?,
        standard_item_id: match line.standard_item_id {
            Some(id) => {
                let id = id.validate("standard_item_id")?;
                if id.scheme.is_none() {
                    return Err(Error::validation(
                        "standard_item_id.scheme",
                        "a standard item id needs its scheme, e.g. 0160 for a GTIN (EN 16931 BR-64)",
                    ));
                }
                Some(id)
            }
            None => None,
        },
        classifications: check_list(
            "classifications",
            line.classifications,
            10,
            Classification::validate,
        )?,
        origin_country: check_country("origin_country", line.origin_country)?,
        attributes: check_list("attributes", line.attributes, 20, ItemAttribute::validate)?,
        allowances,
        charges,
        gross_price,
        base_quantity,
    };
    Ok(Line {
        position,
        input,
        net_amount: Decimal::ZERO,
    })
}

/// Accept a UN/ECE Rec. 20 code or a common word for it.
fn normalize_unit(unit: &str) -> Result<String> {
    let word = unit.trim().to_lowercase();
    let code = match word.as_str() {
        "" | "piece" | "pieces" | "pcs" | "pc" | "stk" | "stück" | "unit" | "units" => "C62",
        "hour" | "hours" | "h" | "hr" | "hrs" | "std" | "stunde" | "stunden" => "HUR",
        "minute" | "minutes" | "min" => "MIN",
        "day" | "days" | "tag" | "tage" => "DAY",
        "week" | "weeks" | "woche" | "wochen" => "WEE",
        "month" | "months" | "monat" | "monate" => "MON",
        "year" | "years" | "jahr" | "jahre" => "ANN",
        "kg" | "kilogram" => "KGM",
        "km" | "kilometre" | "kilometer" => "KMT",
        "m" | "metre" | "meter" => "MTR",
        "l" | "litre" | "liter" => "LTR",
        "lump sum" | "flat" | "pauschal" | "pauschale" => "LS",
        _ => "",
    };
    if !code.is_empty() {
        return Ok(code.to_string());
    }
    let upper = unit.trim().to_uppercase();
    if (1..=3).contains(&upper.len()) && upper.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(upper)
    } else {
        Err(Error::validation(
            "unit_code",
            format!(
                "'{unit}' is not a UN/ECE Rec. 20 unit code (C62 piece, HUR hour, DAY, MON, KGM, LS lump sum)"
            ),
        ))
    }
}

impl DocumentContent {
    /// The number series.
    pub fn series(&self) -> &str {
        self.invoice.series.as_deref().unwrap_or_default()
    }

    /// The buyer.
    pub fn buyer(&self) -> &Party {
        static NO_BUYER: std::sync::OnceLock<Party> = std::sync::OnceLock::new();
        self.invoice
            .buyer
            .as_ref()
            .unwrap_or_else(|| NO_BUYER.get_or_init(Party::default))
    }

    /// The seller, if one is known.
    pub fn seller(&self) -> Option<&Party> {
        self.invoice.seller.as_ref()
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.invoice.currency.unwrap_or_default()
    }

    /// The document language.
    pub fn language(&self) -> Language {
        self.invoice.language.unwrap_or_default()
    }

    /// How the buyer pays.
    pub fn payment(&self) -> &PaymentDetails {
        static NONE: std::sync::OnceLock<PaymentDetails> = std::sync::OnceLock::new();
        self.invoice
            .payment
            .as_ref()
            .unwrap_or_else(|| NONE.get_or_init(PaymentDetails::default))
    }

    /// The type code (BT-3).
    pub fn type_code(&self, kind: DocumentKind) -> u16 {
        self.invoice.type_code.unwrap_or(match kind {
            DocumentKind::Invoice => 380,
            DocumentKind::CreditNote => 381,
        })
    }

    /// Check what finalization needs beyond a valid draft: a complete seller and buyer, and the
    /// VAT identifiers the categories in use require.
    pub fn check_finalizable(&self) -> Result<()> {
        let seller = self.seller().ok_or_else(|| {
            Error::validation(
                "seller",
                "no seller: set the seller profile (`invoicer seller set`) or give `seller` in the draft",
            )
        })?;
        seller.check_complete_seller()?;
        self.buyer().check_complete_buyer()?;
        for group in &self.totals.vat_breakdown {
            let category = group.category;
            if category.needs_both_vat_ids() {
                if seller.vat_id.is_none() && self.tax_representative.is_none() {
                    return Err(Error::validation(
                        "seller.vat_id",
                        format!(
                            "category {category} requires the seller's VAT ID (EN 16931 BR-AE-02 / BR-IC-02)"
                        ),
                    ));
                }
                if self.buyer().vat_id.is_none() {
                    return Err(Error::validation(
                        "buyer.vat_id",
                        format!(
                            "category {category} requires the buyer's VAT ID (EN 16931 BR-AE-02 / BR-IC-02)"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Recompute the line nets and totals from the lines by the EN 16931 rules; `None` when
    /// they are the stored ones, else what differs (for `invoicer check`).
    pub fn totals_mismatch(&self) -> Option<String> {
        let pricing: Vec<LinePricing> = self.lines.iter().map(|l| l.input.pricing()).collect();
        let document_ac = DocumentAllowance::all(&self.allowances, &self.charges);
        let computed = totals::compute(
            &pricing,
            &document_ac,
            self.currency(),
            self.prices_include_vat,
            &self.vat_exemption_reasons,
            Adjustments::of(self.paid_amount, self.rounding_amount),
        );
        for (line, net) in self.lines.iter().zip(&computed.line_nets) {
            if line.net_amount != *net {
                return Some(format!(
                    "line {} has the net amount {}, its quantity and price give {net}",
                    line.position, line.net_amount
                ));
            }
        }
        let (stored, recomputed) = (&self.totals, &computed.totals);
        let differs = [
            ("total_net", stored.total_net, recomputed.total_net),
            ("total_vat", stored.total_vat, recomputed.total_vat),
            ("total_gross", stored.total_gross, recomputed.total_gross),
        ]
        .into_iter()
        .find(|(_, a, b)| a != b);
        if let Some((name, a, b)) = differs {
            return Some(format!("{name} is {a}, the lines give {b}"));
        }
        (stored.vat_breakdown != recomputed.vat_breakdown)
            .then(|| "the VAT breakdown does not follow from the lines".to_string())
    }

    /// The content as client input again, for edits by merge patch.
    pub fn to_input(&self) -> NewInvoice {
        NewInvoice {
            lines: self.lines.iter().map(Line::to_input).collect(),
            ..self.invoice.clone()
        }
    }
}

/// A reference to another document: the invoice a credit note corrects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DocumentRef {
    /// Its id.
    pub id: i64,
    /// Its number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Its issue date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<NaiveDate>,
}

/// A stored invoice or credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Document {
    /// Document id (stable, never reused).
    pub id: i64,
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// Current status.
    pub status: Status,
    /// Number, assigned at finalization.
    pub number: Option<String>,
    /// The validated content.
    #[serde(flatten)]
    pub content: DocumentContent,
    /// For a credit note: the invoice it corrects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrects: Option<DocumentRef>,
    /// Sum of recorded payments (for a credit note: refunds paid out).
    pub amount_paid: Decimal,
    /// Sum of finalized credit notes against this invoice.
    pub amount_credited: Decimal,
    /// What is still owed: gross − paid − credited, never below 0 (for a credit note: the refund
    /// still owed to the buyer).
    pub amount_due: Decimal,
    /// Open and past its due date (derived, never stored).
    pub overdue: bool,
    /// When the draft was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was finalized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finalized_at: Option<DateTime<Utc>>,
}

impl Document {
    /// The file name of its PDF: the number with anything but letters, digits, `-`, `_` and `.`
    /// replaced by `_` (`2026-0001.pdf`), or `draft-ID.pdf` before finalization.
    pub fn pdf_file_name(&self) -> String {
        match &self.number {
            Some(number) => {
                let stem: String = number
                    .chars()
                    .map(|c| {
                        if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                format!("{stem}.pdf")
            }
            None => format!("draft-{}.pdf", self.id),
        }
    }
}

/// Amount due: gross − paid − credited, floored at zero, in the currency's minor unit.
pub fn amount_due(gross: Decimal, paid: Decimal, credited: Decimal, currency: Currency) -> Decimal {
    currency.rescale((gross - paid - credited).max(Decimal::ZERO))
}

/// Whether an open document is past due on `today`.
pub fn is_overdue(status: Status, due_date: Option<NaiveDate>, today: NaiveDate) -> bool {
    status == Status::Open && due_date.is_some_and(|due| due < today)
}

#[cfg(test)]
mod tests;
