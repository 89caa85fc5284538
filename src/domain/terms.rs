//! The EN 16931 business groups a document carries besides its parties' core and its lines:
//! identifiers with schemes, addresses, contacts, notes, references, allowances and charges,
//! payee, tax representative, delivery, and the payment means. Each type is the payload, the
//! stored form and what tools return at once, and checks itself (`validate(field)`), so a term
//! is declared in one place: here, its writers and the template.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

use super::text::{check_optional, check_required, join_path};
use super::vat::VatCategory;
use crate::error::{Error, Result};

/// An identifier with an optional scheme (ISO 6523 ICD such as `0088` GLN, `0204` Leitweg-ID,
/// or an EAS code for electronic addresses). Accepts a bare string for an identifier without
/// a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Identifier {
    /// The identifier.
    pub id: String,
    /// Its scheme, e.g. `0088` (GLN), `0060` (DUNS), `9930` (German VAT), `EM` (e-mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
}

impl<'de> Deserialize<'de> for Identifier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            id: String,
            #[serde(default)]
            scheme: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Bare(String),
            Full(Full),
        }
        Ok(match Either::deserialize(deserializer)? {
            Either::Bare(id) => Identifier { id, scheme: None },
            Either::Full(full) => Identifier {
                id: full.id,
                scheme: full.scheme,
            },
        })
    }
}

impl Identifier {
    /// An identifier in `scheme`.
    pub fn new(id: impl Into<String>, scheme: Option<&str>) -> Self {
        Identifier {
            id: id.into(),
            scheme: scheme.map(str::to_string),
        }
    }

    /// Trim and check: an identifier of at most 200 characters, a scheme of 1 to 10 letters,
    /// digits, `-` or `:` (EN 16931 scheme identifiers are codes from a list).
    pub fn validate(self, field: &str) -> Result<Self> {
        let id = check_required(&join_path(field, "id"), &self.id, 200)?;
        let scheme = check_optional(&join_path(field, "scheme"), self.scheme, 10)?;
        if let Some(scheme) = &scheme
            && !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':'))
        {
            return Err(Error::validation(
                join_path(field, "scheme"),
                format!(
                    "a scheme is a code of letters and digits such as 0088 or EM, got '{scheme}'"
                ),
            ));
        }
        Ok(Identifier { id, scheme })
    }
}

/// Check each element of a list with `check`, at most `max` elements; errors name `field[i]`.
pub fn check_list<T>(
    field: &str,
    items: Vec<T>,
    max: usize,
    check: impl Fn(T, &str) -> Result<T>,
) -> Result<Vec<T>> {
    if items.len() > max {
        return Err(Error::validation(
            field,
            format!("at most {max} entries, got {}", items.len()),
        ));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| check(item, &format!("{field}[{i}]")))
        .collect()
}

/// An ISO 3166-1 alpha-2 code in capitals.
pub fn check_country(field: &str, code: Option<String>) -> Result<Option<String>> {
    let code = check_optional(field, code, 2)?;
    if let Some(code) = &code
        && !(code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()))
    {
        return Err(Error::validation(
            field,
            format!("must be an ISO 3166-1 alpha-2 code in capitals like DE or FR, got '{code}'"),
        ));
    }
    Ok(code)
}

/// A postal address (EN 16931 BG-5, BG-8, BG-12, BG-15).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and further lines, at most 3 (BT-35..37, BT-162).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
    /// Post code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Region, state or province, e.g. `CA` or `Bayern`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdivision: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: String,
}

impl Address {
    /// Trim and check.
    pub fn validate(self, field: &str) -> Result<Self> {
        let at = |name: &str| join_path(field, name);
        let lines = check_address_lines(&at("lines"), self.lines)?;
        let country_code = check_country(&at("country_code"), Some(self.country_code))?
            .ok_or_else(|| Error::validation(at("country_code"), "must not be empty"))?;
        Ok(Address {
            lines,
            postcode: check_optional(&at("postcode"), self.postcode, 20)?,
            city: check_optional(&at("city"), self.city, 100)?,
            subdivision: check_optional(&at("subdivision"), self.subdivision, 100)?,
            country_code,
        })
    }
}

/// Address lines: at most 3, each non-empty and at most 200 characters.
pub fn check_address_lines(field: &str, lines: Vec<String>) -> Result<Vec<String>> {
    if lines.len() > 3 {
        return Err(Error::validation(
            field,
            format!("at most 3 lines, got {}", lines.len()),
        ));
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| check_required(&format!("{field}[{i}]"), line, 200))
        .collect()
}

/// A contact (EN 16931 BG-6, BG-9): a person or department with phone and e-mail. Accepts a
/// bare string as the name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Contact {
    /// Person or department (BT-41, BT-56).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone (BT-42, BT-57).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail (BT-43, BT-58).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl<'de> Deserialize<'de> for Contact {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            #[serde(default)]
            name: Option<String>,
            #[serde(default)]
            phone: Option<String>,
            #[serde(default)]
            email: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Name(String),
            Full(Full),
        }
        Ok(match Either::deserialize(deserializer)? {
            Either::Name(name) => Contact {
                name: Some(name),
                ..Contact::default()
            },
            Either::Full(full) => Contact {
                name: full.name,
                phone: full.phone,
                email: full.email,
            },
        })
    }
}

impl Contact {
    /// Trim and check; `None` when nothing is left.
    pub fn validate(self, field: &str) -> Result<Option<Self>> {
        let at = |name: &str| join_path(field, name);
        let email = check_optional(&at("email"), self.email, 254)?;
        if let Some(email) = &email {
            check_email(&at("email"), email)?;
        }
        let contact = Contact {
            name: check_optional(&at("name"), self.name, 200)?,
            phone: check_optional(&at("phone"), self.phone, 40)?,
            email,
        };
        Ok((contact != Contact::default()).then_some(contact))
    }
}

/// An e-mail address: something before and a dotted host after one `@`.
pub fn check_email(field: &str, email: &str) -> Result<()> {
    if email
        .split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !host.contains('@'))
    {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!("must be an e-mail address like name@example.com, got '{email}'"),
        ))
    }
}

/// A note on the document (EN 16931 BG-1). Accepts a bare string as the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Note {
    /// The text; line breaks are kept (BT-22).
    pub text: String,
    /// UNTDID 4451 subject code such as `AAI`, `REG` or `SUR` (BT-21).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_code: Option<String>,
}

impl<'de> Deserialize<'de> for Note {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            text: String,
            #[serde(default)]
            subject_code: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Full(Full),
        }
        Ok(match Either::deserialize(deserializer)? {
            Either::Text(text) => Note {
                text,
                subject_code: None,
            },
            Either::Full(full) => Note {
                text: full.text,
                subject_code: full.subject_code,
            },
        })
    }
}

/// `notes`: a list of notes, or (as drafts stored before schema v5 and short payloads have
/// it) one text, or nothing.
pub fn deserialize_notes<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Vec<Note>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Notes {
        One(String),
        Many(Vec<Note>),
    }
    Ok(match Option::<Notes>::deserialize(deserializer)? {
        None => Vec::new(),
        Some(Notes::One(text)) if text.trim().is_empty() => Vec::new(),
        Some(Notes::One(text)) => vec![Note {
            text,
            subject_code: None,
        }],
        Some(Notes::Many(notes)) => notes,
    })
}

impl Note {
    /// Trim and check.
    pub fn validate(self, field: &str) -> Result<Self> {
        let subject_code = check_code(&join_path(field, "subject_code"), self.subject_code, 3)?;
        Ok(Note {
            text: check_required(&join_path(field, "text"), &self.text, 5000)?,
            subject_code,
        })
    }
}

/// An optional code of at most `max` capital letters or digits.
pub fn check_code(field: &str, code: Option<String>, max: usize) -> Result<Option<String>> {
    let code = check_optional(field, code, max)?.map(|c| c.to_uppercase());
    if let Some(code) = &code
        && !code.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(Error::validation(
            field,
            format!("must be a code of letters and digits, got '{code}'"),
        ));
    }
    Ok(code)
}

/// An earlier invoice this document refers to (EN 16931 BG-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrecedingInvoice {
    /// Its number (BT-25).
    pub number: String,
    /// Its issue date (BT-26).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<NaiveDate>,
}

impl PrecedingInvoice {
    /// Trim and check.
    pub fn validate(self, field: &str) -> Result<Self> {
        Ok(PrecedingInvoice {
            number: check_required(&join_path(field, "number"), &self.number, 200)?,
            issue_date: super::dates::check_optional(
                &join_path(field, "issue_date"),
                self.issue_date,
            )?,
        })
    }
}

/// Who receives the payment when it is not the seller (EN 16931 BG-10), e.g. a factoring
/// company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Payee {
    /// Name (BT-59).
    pub name: String,
    /// Identifier with scheme (BT-60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    /// Legal registration identifier with scheme (BT-61).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_registration: Option<Identifier>,
}

impl Payee {
    /// Trim and check.
    pub fn validate(self, field: &str) -> Result<Self> {
        let at = |name: &str| join_path(field, name);
        Ok(Payee {
            name: check_required(&at("name"), &self.name, 200)?,
            identifier: self
                .identifier
                .map(|i| i.validate(&at("identifier")))
                .transpose()?,
            legal_registration: self
                .legal_registration
                .map(|i| i.validate(&at("legal_registration")))
                .transpose()?,
        })
    }
}

/// The seller's tax representative (EN 16931 BG-11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxRepresentative {
    /// Name (BT-62).
    pub name: String,
    /// VAT identifier with country prefix (BT-63).
    pub vat_id: String,
    /// Postal address (BG-12).
    pub address: Address,
}

impl TaxRepresentative {
    /// Trim and check.
    pub fn validate(self, field: &str) -> Result<Self> {
        let at = |name: &str| join_path(field, name);
        Ok(TaxRepresentative {
            name: check_required(&at("name"), &self.name, 200)?,
            vat_id: check_vat_id(&at("vat_id"), Some(self.vat_id))?
                .ok_or_else(|| Error::validation(at("vat_id"), "must not be empty"))?,
            address: self.address.validate(&at("address"))?,
        })
    }
}

/// A VAT identifier: two capital letters and then letters or digits, spaces removed.
pub fn check_vat_id(field: &str, vat_id: Option<String>) -> Result<Option<String>> {
    let vat_id = check_optional(field, vat_id, 20)?.map(|v| v.replace(' ', "").to_uppercase());
    if let Some(vat_id) = &vat_id {
        let shape_ok = vat_id.len() >= 4
            && vat_id.chars().take(2).all(|c| c.is_ascii_uppercase())
            && vat_id.chars().all(|c| c.is_ascii_alphanumeric());
        if !shape_ok {
            return Err(Error::validation(
                field,
                format!(
                    "must start with a two-letter country prefix followed by letters or digits, like DE123456789; got '{vat_id}'"
                ),
            ));
        }
    }
    Ok(vat_id)
}

/// Where the goods or services went (EN 16931 BG-13, BG-15); the day is `supply_date`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// Name of the party delivered to (BT-70).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Location identifier with scheme, e.g. a GLN (BT-71).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<Identifier>,
    /// Address delivered to (BG-15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

impl Delivery {
    /// Trim and check; `None` when nothing is left.
    pub fn validate(self, field: &str) -> Result<Option<Self>> {
        let at = |name: &str| join_path(field, name);
        let delivery = Delivery {
            name: check_optional(&at("name"), self.name, 200)?,
            location_id: self
                .location_id
                .map(|i| i.validate(&at("location_id")))
                .transpose()?,
            address: self
                .address
                .map(|a| a.validate(&at("address")))
                .transpose()?,
        };
        Ok((delivery != Delivery::default()).then_some(delivery))
    }
}

/// A document-level allowance or charge (EN 16931 BG-20, BG-21), or a line-level one (BG-27,
/// BG-28, without VAT fields): a fixed amount, or a percentage of a base amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllowanceCharge {
    /// The amount (BT-92, BT-99, BT-136, BT-141); computed as base × percent ÷ 100 when
    /// only those are given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Decimal>,
    /// Percentage of the base (BT-94, BT-101, BT-138, BT-143).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<Decimal>,
    /// The base the percentage applies to (BT-93, BT-100, BT-137, BT-142); on a line it
    /// defaults to the line's quantity × price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_amount: Option<Decimal>,
    /// Why, in words (BT-97, BT-104, BT-139, BT-144).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Reason code: UNTDID 5189 for allowances (`95` discount, `100` special rebate), UNTDID
    /// 7161 for charges (`FC` freight, `ABL` packaging) (BT-98, BT-105, BT-140, BT-145).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// VAT category; document level only, default S (BT-95, BT-102).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_category: Option<VatCategory>,
    /// VAT rate in percent; document level only (BT-96, BT-103).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_rate: Option<Decimal>,
}

/// Whether an allowance/charge sits on the document (with VAT fields) or on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// BG-20 / BG-21.
    Document,
    /// BG-27 / BG-28: `base` is the line's quantity × price.
    Line {
        /// Default base of a percentage.
        base: Decimal,
    },
}

impl AllowanceCharge {
    /// Check and complete: the amount is computed from base and percent when missing (rounded
    /// to `decimals`), a reason or a code is required (BR-33/BR-38/BR-42/BR-44), and VAT
    /// fields belong to the document level only.
    pub fn validate(self, field: &str, level: Level, decimals: u32) -> Result<Self> {
        let at = |name: &str| join_path(field, name);
        let reason = check_optional(&at("reason"), self.reason, 200)?;
        let reason_code = check_code(&at("reason_code"), self.reason_code, 3)?;
        if reason.is_none() && reason_code.is_none() {
            return Err(Error::validation(
                at("reason"),
                "an allowance or charge needs a reason or a reason_code (EN 16931 BR-33, BR-38, BR-42, BR-44)",
            ));
        }
        let percent = self.percent.map(|d| d.normalize());
        if let Some(p) = percent
            && (p <= Decimal::ZERO || p > Decimal::ONE_HUNDRED || p.scale() > 4)
        {
            return Err(Error::validation(
                at("percent"),
                format!("must be above 0 and at most 100 with at most 4 decimals, got {p}"),
            ));
        }
        let base_amount = match (self.base_amount.map(|d| d.normalize()), level, percent) {
            (Some(base), _, _) => Some(base),
            (None, Level::Line { base }, Some(_)) => Some(base),
            (None, _, _) => None,
        };
        let amount = match (self.amount.map(|d| d.normalize()), percent, base_amount) {
            (Some(amount), _, _) => amount,
            (None, Some(p), Some(base)) => {
                super::money::round_half_up(base * p / Decimal::ONE_HUNDRED, decimals)
            }
            (None, Some(_), None) => {
                return Err(Error::validation(
                    at("base_amount"),
                    "a percentage needs the base_amount it applies to",
                ));
            }
            (None, None, _) => {
                return Err(Error::validation(
                    at("amount"),
                    "give the amount, or percent and base_amount",
                ));
            }
        };
        if amount.scale() > decimals {
            return Err(Error::validation(
                at("amount"),
                format!("has at most {decimals} decimals, got {amount}"),
            ));
        }
        if amount.abs() > Decimal::from(1_000_000_000_000i64) {
            return Err(Error::validation(
                at("amount"),
                format!("must be at most 1000000000000, got {amount}"),
            ));
        }
        let (vat_category, vat_rate) = match level {
            Level::Line { .. } => {
                if self.vat_category.is_some() || self.vat_rate.is_some() {
                    return Err(Error::validation(
                        at("vat_category"),
                        "a line's allowances and charges take the line's VAT: leave vat_category and vat_rate out",
                    ));
                }
                (None, None)
            }
            Level::Document => {
                let category = self.vat_category.unwrap_or(VatCategory::Standard);
                let rate = self.vat_rate.map(|d| d.normalize()).ok_or_else(|| {
                    Error::validation(
                        at("vat_rate"),
                        "a document-level allowance or charge needs its VAT rate (EN 16931 BR-32, BR-37), 0 for categories other than S",
                    )
                })?;
                category
                    .check_rate(rate)
                    .map_err(|rule| Error::validation(at("vat_rate"), rule))?;
                (Some(category), Some(rate))
            }
        };
        Ok(AllowanceCharge {
            amount: Some(amount),
            percent,
            base_amount,
            reason,
            reason_code,
            vat_category,
            vat_rate,
        })
    }

    /// The amount (set by `validate`).
    pub fn value(&self) -> Decimal {
        self.amount.unwrap_or_default()
    }

    /// The VAT category (document level; S when unset).
    pub fn category(&self) -> VatCategory {
        self.vat_category.unwrap_or(VatCategory::Standard)
    }
}

/// A classification of an item (EN 16931 BT-158), e.g. CPV or UNSPSC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Classification {
    /// The class code.
    pub code: String,
    /// UNTDID 7143 list: `STI` CPV, `TST` UNSPSC, `HS` customs tariff, … (BT-158-1).
    pub list_id: String,
    /// Version of the list (BT-158-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_version: Option<String>,
}

impl Classification {
    /// Trim and check.
    pub fn validate(self, field: &str) -> Result<Self> {
        let at = |name: &str| join_path(field, name);
        Ok(Classification {
            code: check_required(&at("code"), &self.code, 100)?,
            list_id: check_code(&at("list_id"), Some(self.list_id), 3)?
                .ok_or_else(|| Error::validation(at("list_id"), "must not be empty"))?,
            list_version: check_optional(&at("list_version"), self.list_version, 20)?,
        })
    }
}

/// An attribute of an item (EN 16931 BG-32): colour, size, …
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemAttribute {
    /// Name (BT-160).
    pub name: String,
    /// Value (BT-161).
    pub value: String,
}

impl ItemAttribute {
    /// Trim and check.
    pub fn validate(self, field: &str) -> Result<Self> {
        Ok(ItemAttribute {
            name: check_required(&join_path(field, "name"), &self.name, 100)?,
            value: check_required(&join_path(field, "value"), &self.value, 200)?,
        })
    }
}

/// A cash discount for early payment (German Skonto): `percent` off when paid within `days`
/// of the issue date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CashDiscount {
    /// Days after the issue date, 1 to 365.
    pub days: u32,
    /// Percent off, above 0 and below 100, at most 2 decimals.
    pub percent: Decimal,
    /// The amount the percentage applies to; default the amount due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_amount: Option<Decimal>,
}

impl CashDiscount {
    /// Check.
    pub fn validate(self, field: &str) -> Result<Self> {
        let at = |name: &str| join_path(field, name);
        if !(1..=365).contains(&self.days) {
            return Err(Error::validation(
                at("days"),
                format!("must be 1 to 365, got {}", self.days),
            ));
        }
        let percent = self.percent.normalize();
        if percent <= Decimal::ZERO || percent >= Decimal::ONE_HUNDRED || percent.scale() > 2 {
            return Err(Error::validation(
                at("percent"),
                format!("must be above 0 and below 100 with at most 2 decimals, got {percent}"),
            ));
        }
        let base_amount = self.base_amount.map(|d| d.normalize());
        if let Some(base) = base_amount
            && (base <= Decimal::ZERO || base.scale() > 4)
        {
            return Err(Error::validation(
                at("base_amount"),
                format!("must be above 0 with at most 4 decimals, got {base}"),
            ));
        }
        Ok(CashDiscount {
            days: self.days,
            percent,
            base_amount,
        })
    }
}

/// A further account to pay to (EN 16931 BG-17).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// IBAN, or another account identifier (BT-84).
    pub id: String,
    /// Account name (BT-85).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// BIC of the bank (BT-86).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
}

/// A payment card (EN 16931 BG-18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Card {
    /// The last 4 to 6 digits of the card number (BT-87).
    pub last_digits: String,
    /// The card holder (BT-88).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
}

impl Card {
    /// Check: only the last 4 to 6 digits, never a whole card number.
    pub fn validate(self, field: &str) -> Result<Self> {
        let at = |name: &str| join_path(field, name);
        let digits = self.last_digits.trim().to_string();
        if !((4..=6).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())) {
            return Err(Error::validation(
                at("last_digits"),
                "give only the last 4 to 6 digits of the card number (EN 16931 BT-87; never the whole number)",
            ));
        }
        Ok(Card {
            last_digits: digits,
            holder: check_optional(&at("holder"), self.holder, 200)?,
        })
    }
}

/// A SEPA direct debit (EN 16931 BG-19).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectDebit {
    /// Mandate reference (BT-89).
    pub mandate: String,
    /// The seller's creditor identifier (BT-90).
    pub creditor_id: String,
    /// The buyer's IBAN to debit (BT-91).
    pub debited_account: String,
}

impl Account {
    /// Check: an IBAN (letters and digits with a valid checksum) or another account id.
    pub fn validate(self, field: &str) -> Result<Self> {
        let at = |name: &str| join_path(field, name);
        let id = check_required(&at("id"), &self.id, 42)?;
        let compact = id.replace(' ', "").to_uppercase();
        let id = if super::party::looks_like_iban(&compact) {
            super::party::check_iban(&compact).map_err(|rule| Error::validation(at("id"), rule))?;
            compact
        } else {
            id
        };
        Ok(Account {
            id,
            name: check_optional(&at("name"), self.name, 200)?,
            bic: super::party::check_bic(&at("bic"), self.bic)?,
        })
    }
}

impl DirectDebit {
    /// Check: mandate and creditor id as text, the debited account as an IBAN.
    pub fn validate(self, field: &str) -> Result<Self> {
        let at = |name: &str| join_path(field, name);
        let account = self.debited_account.replace(' ', "").to_uppercase();
        super::party::check_iban(&account)
            .map_err(|rule| Error::validation(at("debited_account"), rule))?;
        Ok(DirectDebit {
            mandate: check_required(&at("mandate"), &self.mandate, 35)?,
            creditor_id: check_required(&at("creditor_id"), &self.creditor_id, 35)?,
            debited_account: account,
        })
    }
}

/// The currency the seller accounts VAT in when it differs from the invoice's (BT-6), with the
/// VAT total in it (BT-111) as the seller's books state it: the engine converts nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VatAccountingCurrency {
    /// ISO 4217 code, not the invoice's currency (BT-6).
    pub code: super::money::Currency,
    /// The document's VAT total in that currency (BT-111).
    pub vat_total: Decimal,
}

impl VatAccountingCurrency {
    /// Check against the invoice's currency and its VAT total (same sign, Peppol R055).
    pub fn validate(
        self,
        field: &str,
        currency: super::money::Currency,
        total_vat: Decimal,
    ) -> Result<Self> {
        if self.code == currency {
            return Err(Error::validation(
                join_path(field, "code"),
                format!(
                    "is the invoice's currency {currency} itself; leave vat_accounting_currency out (Peppol R005)"
                ),
            ));
        }
        let vat_total = self.vat_total.normalize();
        let decimals = self.code.exponent();
        if vat_total.scale() > decimals || vat_total.abs() > Decimal::from(1_000_000_000_000i64) {
            return Err(Error::validation(
                join_path(field, "vat_total"),
                format!(
                    "must have at most {decimals} decimals (the minor unit of {}), got {vat_total}",
                    self.code
                ),
            ));
        }
        if (vat_total.is_sign_negative() && !vat_total.is_zero()) != (total_vat < Decimal::ZERO)
            || (vat_total.is_zero() != total_vat.is_zero())
        {
            return Err(Error::validation(
                join_path(field, "vat_total"),
                format!(
                    "must have the sign of the VAT total {total_vat} (zero when it is zero), got {vat_total}"
                ),
            ));
        }
        Ok(VatAccountingCurrency {
            code: self.code,
            vat_total,
        })
    }
}

/// When VAT becomes due, as a code instead of a date (BT-8, UNTDID 2005): `3` the invoice
/// date, `35` the delivery date, `432` the payment date.
pub const TAX_POINT_CODES: [u16; 3] = [3, 35, 432];

/// The CII code (UNTDID 2475) of a UBL tax point code: 5, 29, 72.
pub fn tax_point_code_cii(code: u16) -> Option<&'static str> {
    match code {
        3 => Some("5"),
        35 => Some("29"),
        432 => Some("72"),
        _ => None,
    }
}

/// The UBL code (UNTDID 2005) of a CII due date type code.
pub fn tax_point_code_of_cii(code: &str) -> Option<u16> {
    match code {
        "5" => Some(3),
        "29" => Some(35),
        "72" => Some(432),
        _ => None,
    }
}
