//! Invoices and credit notes: the draft input (`NewInvoice`), its validation into
//! [`DocumentContent`], and the stored [`Document`] with its derived amounts.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::dates;
use super::lifecycle::Status;
use super::money::Currency;
use super::party::{Customer, Language, Party, PaymentDetails, SellerProfile};
use super::text::{check_optional, check_required};
use super::totals::{self, Discount, LinePricing, Totals};
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

/// One line of a draft as a client sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLine {
    /// What was sold.
    pub description: String,
    /// How many units; positive, at most 4 decimals.
    pub quantity: Decimal,
    /// UN/ECE Rec. 20 code (C62 piece, HUR hour, DAY, MON, KGM, LS lump sum) or a word such
    /// as `hour`.
    #[serde(default = "default_unit")]
    pub unit_code: String,
    /// Price per unit (net, or gross when the document has `prices_include_vat`).
    pub unit_price: Decimal,
    /// VAT category: S standard (default), Z zero-rated, E exempt (e.g. German § 19 UStG
    /// small business), AE reverse charge (both VAT IDs), K intra-EU supply (both VAT IDs), G
    /// export, O not subject to VAT. All but S have rate 0 and need a reason in
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
}

fn default_unit() -> String {
    "C62".to_string()
}

fn default_category() -> VatCategory {
    VatCategory::Standard
}

/// A draft invoice as a client sends it to `create`. Everything but the buyer (or `customer_id`)
/// and the lines has a default.
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
    /// ISO 4217 code; defaults to the seller profile's currency, else EUR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// `de` or `en`; defaults to the seller profile's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// Issue date; defaults to the day of finalization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<NaiveDate>,
    /// Day of supply or service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supply_date: Option<NaiveDate>,
    /// Service period, instead of or besides a supply date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period: Option<Period>,
    /// Due date; defaults at finalization to issue date + the profile's payment days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    /// Payment terms text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_terms: Option<String>,
    /// Buyer reference (German Leitweg-ID for public buyers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_reference: Option<String>,
    /// Purchase order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_reference: Option<String>,
    /// Free text printed on the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Bank details and payment reference; default to the seller profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentDetails>,
    /// The caller's own id for this document; unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Makes `create` safe to retry: the same key with the same payload returns the same draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Unit prices include VAT (gross price mode).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prices_include_vat: bool,
    /// Why no VAT is charged, per category (required for E, AE, K, G, O).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vat_exemption_reasons: BTreeMap<VatCategory, String>,
    /// The lines, at least one.
    pub lines: Vec<NewLine>,
}

/// A stored line with its computed net.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Line {
    /// 1-based position on the document.
    pub position: u32,
    /// What was sold.
    pub description: String,
    /// Units.
    pub quantity: Decimal,
    /// UN/ECE Rec. 20 unit code.
    pub unit_code: String,
    /// Price per unit.
    pub unit_price: Decimal,
    /// VAT category.
    pub vat_category: VatCategory,
    /// VAT rate in percent.
    pub vat_rate: Decimal,
    /// Percent off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_percent: Option<Decimal>,
    /// Amount off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<Decimal>,
    /// Day of delivery or performance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_date: Option<NaiveDate>,
    /// Line net amount (BT-131), in the currency's minor unit.
    pub net_amount: Decimal,
}

impl Line {
    fn pricing(&self) -> LinePricing {
        LinePricing {
            quantity: self.quantity,
            unit_price: self.unit_price,
            discount: match (self.discount_percent, self.discount_amount) {
                (Some(pct), _) => Discount::Percent(pct),
                (None, Some(amount)) => Discount::Amount(amount),
                (None, None) => Discount::None,
            },
            category: self.vat_category,
            rate: self.vat_rate,
        }
    }

    /// The line as client input again (for edits by merge patch).
    pub fn to_input(&self) -> NewLine {
        NewLine {
            description: self.description.clone(),
            quantity: self.quantity,
            unit_code: self.unit_code.clone(),
            unit_price: self.unit_price,
            vat_category: self.vat_category,
            vat_rate: self.vat_rate,
            discount_percent: self.discount_percent,
            discount_amount: self.discount_amount,
            service_date: self.service_date,
        }
    }
}

/// Everything a draft holds, validated, with lines and totals computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DocumentContent {
    /// Number series.
    pub series: String,
    /// Stored customer the buyer came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<i64>,
    /// Seller; `None` in a draft made before a seller profile existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller: Option<Party>,
    /// Buyer.
    pub buyer: Party,
    /// ISO 4217 code.
    pub currency: Currency,
    /// Document language.
    pub language: Language,
    /// Issue date (set at finalization when the draft has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<NaiveDate>,
    /// Day of supply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supply_date: Option<NaiveDate>,
    /// Service period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_period: Option<Period>,
    /// Due date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    /// Payment terms text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_terms: Option<String>,
    /// Buyer reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer_reference: Option<String>,
    /// Purchase order number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_reference: Option<String>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Bank details and payment reference.
    pub payment: PaymentDetails,
    /// The caller's own id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Gross price mode.
    pub prices_include_vat: bool,
    /// Exemption reasons per category.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub vat_exemption_reasons: BTreeMap<VatCategory, String>,
    /// Lines with their nets.
    pub lines: Vec<Line>,
    /// VAT breakdown and sums.
    pub totals: Totals,
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
}

impl NewInvoice {
    /// Check every field and compute the lines and totals. Nothing here touches storage.
    pub fn validate(self, defaults: Defaults<'_>) -> Result<DocumentContent> {
        let profile = defaults.profile;
        let currency = self
            .currency
            .or(profile.map(|p| p.currency))
            .unwrap_or_default();
        let buyer = match (self.buyer, defaults.customer) {
            (Some(buyer), _) => buyer.validate("buyer")?,
            (None, Some(customer)) => customer.party.clone(),
            (None, None) => {
                return Err(Error::validation(
                    "buyer",
                    "a buyer is required: give `buyer` or the `customer_id` of a stored customer",
                ));
            }
        };
        let seller = match self.seller {
            Some(seller) => Some(seller.validate("seller")?),
            None => profile.map(|p| p.party.clone()),
        };
        let payment = self
            .payment
            .unwrap_or_default()
            .validate("payment")?
            .or(&profile.map(|p| p.payment.clone()).unwrap_or_default());

        let issue_date = dates::check_optional("issue_date", self.issue_date)?
            .map(|date| dates::check_issue_date("issue_date", date, defaults.today))
            .transpose()?;
        let supply_date = dates::check_optional("supply_date", self.supply_date)?;
        let due_date = dates::check_optional("due_date", self.due_date)?;
        if let Some(period) = self.service_period {
            dates::check_range("service_period.start", period.start)?;
            dates::check_range("service_period.end", period.end)?;
        }
        if let Some(period) = self.service_period
            && period.end < period.start
        {
            return Err(Error::validation(
                "service_period.end",
                format!(
                    "must not be before the start {}, got {}",
                    period.start, period.end
                ),
            ));
        }
        if let (Some(issue), Some(due)) = (issue_date, due_date)
            && due < issue
        {
            return Err(Error::validation(
                "due_date",
                format!("must not be before the issue date {issue}, got {due}"),
            ));
        }

        let reasons = check_reasons(self.vat_exemption_reasons)?;
        let payment_terms = check_optional("payment_terms", self.payment_terms, 500)?;
        let notes = check_optional("notes", self.notes, 5000)?;
        let mut lines = check_lines(self.lines, currency, &reasons)?;
        let text_chars: usize = lines
            .iter()
            .map(|l| l.description.chars().count())
            .chain([&payment_terms, &notes].map(|t| t.as_ref().map_or(0, |t| t.chars().count())))
            .sum();
        if text_chars > MAX_TEXT_CHARS {
            return Err(Error::validation(
                "lines",
                format!(
                    "the descriptions, notes and payment terms hold {text_chars} characters together; a document holds at most {MAX_TEXT_CHARS} (split it into several invoices)"
                ),
            ));
        }
        let pricing: Vec<LinePricing> = lines.iter().map(Line::pricing).collect();
        let computed = totals::compute(&pricing, currency, self.prices_include_vat, &reasons);
        for (line, net) in lines.iter_mut().zip(computed.line_nets) {
            line.net_amount = net;
        }
        // Keep only the reasons of categories in use, so the stored breakdown says it all.
        let used: Vec<VatCategory> = lines.iter().map(|l| l.vat_category).collect();
        let reasons = reasons
            .into_iter()
            .filter(|(category, _)| used.contains(category))
            .collect();

        let series = match self.series {
            Some(series) => check_required("series", &series, 40)?,
            None => defaults.series.to_string(),
        };
        Ok(DocumentContent {
            series,
            customer_id: self.customer_id,
            seller,
            buyer,
            currency,
            language: self
                .language
                .or(profile.map(|p| p.language))
                .unwrap_or_default(),
            issue_date,
            supply_date,
            service_period: self.service_period,
            due_date,
            payment_terms,
            buyer_reference: check_optional("buyer_reference", self.buyer_reference, 200)?,
            order_reference: check_optional("order_reference", self.order_reference, 200)?,
            notes,
            payment,
            external_id: check_optional("external_id", self.external_id, 200)?,
            prices_include_vat: self.prices_include_vat,
            vat_exemption_reasons: reasons,
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

fn check_lines(
    lines: Vec<NewLine>,
    currency: Currency,
    reasons: &BTreeMap<VatCategory, String>,
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
            check_line(index, line, currency, reasons)
                .map_err(|e| e.in_field(&format!("lines[{index}]")))
        })
        .collect()
}

fn check_line(
    index: usize,
    line: NewLine,
    currency: Currency,
    reasons: &BTreeMap<VatCategory, String>,
) -> Result<Line> {
    let description = check_required("description", &line.description, 2000)?;
    let quantity = line.quantity.normalize();
    if quantity <= Decimal::ZERO || quantity > Decimal::from(1_000_000_000) {
        return Err(Error::validation(
            "quantity",
            format!("must be greater than 0 and at most 1000000000, got {quantity}"),
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
                "must be 0 to 1000000000000 (no negative prices, EN 16931 BR-27; use a credit note), got {unit_price}"
            ),
        ));
    }
    if unit_price.scale() > 6 {
        return Err(Error::validation(
            "unit_price",
            format!("has at most 6 decimals, got {unit_price}"),
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
    let gross_amount = quantity * unit_price;
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
            if amount <= Decimal::ZERO || !currency.fits(amount) || amount > gross_amount {
                return Err(Error::validation(
                    "discount_amount",
                    format!(
                        "must be above 0, at most quantity × unit price ({gross_amount}) and have at most {} decimals, got {amount}",
                        currency.exponent()
                    ),
                ));
            }
            (None, Some(amount))
        }
        (None, None) => (None, None),
    };
    let position =
        u32::try_from(index + 1).map_err(|_| Error::validation("lines", "too many lines"))?;
    Ok(Line {
        position,
        description,
        quantity,
        unit_code,
        unit_price,
        vat_category: line.vat_category,
        vat_rate: line.vat_rate.normalize(),
        discount_percent,
        discount_amount,
        service_date: dates::check_optional("service_date", line.service_date)?,
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
    /// Check what finalization needs beyond a valid draft: a complete seller and buyer, and the
    /// VAT identifiers the categories in use require.
    pub fn check_finalizable(&self) -> Result<()> {
        let seller = self.seller.as_ref().ok_or_else(|| {
            Error::validation(
                "seller",
                "no seller: set the seller profile (`invoicer seller set`) or give `seller` in the draft",
            )
        })?;
        seller.check_complete_seller()?;
        self.buyer.check_complete_buyer()?;
        for line in &self.lines {
            let category = line.vat_category;
            if category.needs_both_vat_ids() {
                if seller.vat_id.is_none() {
                    return Err(Error::validation(
                        "seller.vat_id",
                        format!(
                            "category {category} requires the seller's VAT ID (EN 16931 BR-AE-02 / BR-IC-02)"
                        ),
                    ));
                }
                if self.buyer.vat_id.is_none() {
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
        let pricing: Vec<LinePricing> = self.lines.iter().map(Line::pricing).collect();
        let computed = totals::compute(
            &pricing,
            self.currency,
            self.prices_include_vat,
            &self.vat_exemption_reasons,
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
            series: Some(self.series.clone()),
            customer_id: self.customer_id,
            buyer: Some(self.buyer.clone()),
            seller: self.seller.clone(),
            currency: Some(self.currency),
            language: Some(self.language),
            issue_date: self.issue_date,
            supply_date: self.supply_date,
            service_period: self.service_period,
            due_date: self.due_date,
            payment_terms: self.payment_terms.clone(),
            buyer_reference: self.buyer_reference.clone(),
            order_reference: self.order_reference.clone(),
            notes: self.notes.clone(),
            payment: Some(self.payment.clone()),
            external_id: self.external_id.clone(),
            idempotency_key: None,
            prices_include_vat: self.prices_include_vat,
            vat_exemption_reasons: self.vat_exemption_reasons.clone(),
            lines: self.lines.iter().map(Line::to_input).collect(),
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
