//! Parties of a document (seller, buyer), the stored seller profile and reusable customers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::dates::Zone;
use super::money::Currency;
use super::text::{check_optional, check_required};
use crate::error::{Error, Result};

/// A seller or buyer as printed on a document (EN 16931 BG-4 / BG-7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Legal or trading name.
    pub name: String,
    /// Street and further address lines, at most 3.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address_lines: Vec<String>,
    /// Post code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `DE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// VAT identifier with country prefix, e.g. `DE123456789`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_id: Option<String>,
    /// National tax number (German Steuernummer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_number: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Contact person or department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

impl Party {
    /// Trim and check every field; `field` is the JSON path of the party (`buyer`, `seller`, or
    /// empty when the party is the whole input).
    pub fn validate(mut self, field: &str) -> Result<Party> {
        let at = |name: &str| super::text::join_path(field, name);
        self.name = check_required(&at("name"), &self.name, 200)?;
        if self.address_lines.len() > 3 {
            return Err(Error::validation(
                at("address_lines"),
                format!("at most 3 lines, got {}", self.address_lines.len()),
            ));
        }
        self.address_lines = self
            .address_lines
            .iter()
            .enumerate()
            .map(|(i, line)| check_required(&at(&format!("address_lines[{i}]")), line, 200))
            .collect::<Result<_>>()?;
        self.postcode = check_optional(&at("postcode"), self.postcode, 20)?;
        self.city = check_optional(&at("city"), self.city, 100)?;
        self.country_code = check_optional(&at("country_code"), self.country_code, 2)?;
        if let Some(code) = &self.country_code
            && !(code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()))
        {
            return Err(Error::validation(
                at("country_code"),
                format!(
                    "must be an ISO 3166-1 alpha-2 code in capitals like DE or FR, got '{code}'"
                ),
            ));
        }
        self.vat_id = check_optional(&at("vat_id"), self.vat_id, 20)?
            .map(|v| v.replace(' ', "").to_uppercase());
        if let Some(vat_id) = &self.vat_id {
            let shape_ok = vat_id.len() >= 4
                && vat_id.chars().take(2).all(|c| c.is_ascii_uppercase())
                && vat_id.chars().all(|c| c.is_ascii_alphanumeric());
            if !shape_ok {
                return Err(Error::validation(
                    at("vat_id"),
                    format!(
                        "must start with a two-letter country prefix followed by letters or digits, like DE123456789; got '{vat_id}'"
                    ),
                ));
            }
        }
        self.tax_number = check_optional(&at("tax_number"), self.tax_number, 40)?;
        self.email = check_optional(&at("email"), self.email, 254)?;
        if let Some(email) = &self.email
            && !email
                .split_once('@')
                .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
        {
            return Err(Error::validation(
                at("email"),
                format!("must be an e-mail address like name@example.com, got '{email}'"),
            ));
        }
        self.contact = check_optional(&at("contact"), self.contact, 200)?;
        Ok(self)
    }

    /// Check what a seller needs on a finalized document: name, postal address, country and a
    /// VAT ID or tax number.
    pub fn check_complete_seller(&self) -> Result<()> {
        self.check_address("seller")?;
        if self.vat_id.is_none() && self.tax_number.is_none() {
            return Err(Error::validation(
                "seller.vat_id",
                "the seller needs a VAT ID or a tax number on a finalized invoice (EN 16931 BR-CO-26)",
            ));
        }
        Ok(())
    }

    /// Check what a buyer needs on a finalized document: name and country.
    pub fn check_complete_buyer(&self) -> Result<()> {
        if self.country_code.is_none() {
            return Err(Error::validation(
                "buyer.country_code",
                "the buyer's country is required to finalize (EN 16931 BR-11)",
            ));
        }
        Ok(())
    }

    fn check_address(&self, field: &str) -> Result<()> {
        let missing = if self.address_lines.is_empty() {
            Some("address_lines")
        } else if self.postcode.is_none() {
            Some("postcode")
        } else if self.city.is_none() {
            Some("city")
        } else if self.country_code.is_none() {
            Some("country_code")
        } else {
            None
        };
        match missing {
            Some(name) => Err(Error::validation(
                format!("{field}.{name}"),
                format!("the {field}'s postal address needs {name} to finalize (EN 16931 BR-08)"),
            )),
            None => Ok(()),
        }
    }
}

/// Bank details and payment reference printed on a document (EN 16931 BG-16).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentDetails {
    /// IBAN of the account to pay to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    /// BIC of the bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
    /// Bank name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_name: Option<String>,
    /// What the buyer writes on the transfer; defaults to the document number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl PaymentDetails {
    /// Trim and check; the IBAN is checked with its ISO 13616 checksum.
    pub fn validate(mut self, field: &str) -> Result<Self> {
        let at = |name: &str| super::text::join_path(field, name);
        self.iban = check_optional(&at("iban"), self.iban, 42)?
            .map(|iban| iban.replace(' ', "").to_uppercase());
        if let Some(iban) = &self.iban {
            check_iban(iban).map_err(|rule| Error::validation(at("iban"), rule))?;
        }
        self.bic = check_optional(&at("bic"), self.bic, 11)?.map(|b| b.to_uppercase());
        if let Some(bic) = &self.bic
            && !((bic.len() == 8 || bic.len() == 11)
                && bic.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(Error::validation(
                at("bic"),
                format!("a BIC has 8 or 11 letters and digits, got '{bic}'"),
            ));
        }
        self.bank_name = check_optional(&at("bank_name"), self.bank_name, 100)?;
        self.reference = check_optional(&at("reference"), self.reference, 140)?;
        Ok(self)
    }

    /// Fill what this leaves empty from `defaults`.
    pub fn or(self, defaults: &PaymentDetails) -> PaymentDetails {
        PaymentDetails {
            iban: self.iban.or_else(|| defaults.iban.clone()),
            bic: self.bic.or_else(|| defaults.bic.clone()),
            bank_name: self.bank_name.or_else(|| defaults.bank_name.clone()),
            reference: self.reference.or_else(|| defaults.reference.clone()),
        }
    }
}

/// The IBAN's checksum (ISO 13616) and its country's length and format (the SWIFT IBAN
/// registry, through the `iban_validate` crate).
fn check_iban(iban: &str) -> std::result::Result<(), String> {
    use iban::ParseIbanError;
    match iban.parse::<iban::Iban>() {
        Ok(_) => Ok(()),
        Err(ParseIbanError::InvalidBaseIban { .. }) => Err(format!(
            "'{iban}' is not a valid IBAN: two letters, two check digits and up to 30 letters or digits with a correct ISO 13616 checksum"
        )),
        Err(ParseIbanError::InvalidBban(_)) => Err(format!(
            "'{iban}' does not have the length and format of an IBAN of {}",
            &iban[..2]
        )),
        Err(ParseIbanError::UnknownCountry(_)) => Err(format!(
            "'{iban}' starts with {}, which is not a country that uses IBANs",
            &iban[..2]
        )),
    }
}

/// Document language: labels and fixed texts follow it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// German.
    De,
    /// English.
    #[default]
    En,
}

impl Language {
    /// The stored code, `de` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::De => "de",
            Language::En => "en",
        }
    }

    /// Parse a stored or user-given code.
    pub fn parse(code: &str) -> Result<Self> {
        match code {
            "de" => Ok(Language::De),
            "en" => Ok(Language::En),
            other => Err(Error::validation(
                "language",
                format!("'{other}' is not a supported language (de or en)"),
            )),
        }
    }
}

/// The business issuing documents: the default seller of every new draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SellerProfile {
    /// Name, address and tax identifiers.
    pub party: Party,
    /// Bank account printed on invoices.
    #[serde(default)]
    pub payment: PaymentDetails,
    /// Default currency of new drafts (ISO 4217).
    #[serde(default)]
    pub currency: Currency,
    /// Default language of new drafts.
    #[serde(default)]
    pub language: Language,
    /// Days from issue date to due date when a draft gives no due date.
    #[serde(default = "default_payment_days")]
    pub payment_days: u32,
    /// Legal data for the footer: register court and number, managing directors, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_info: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// IANA time zone whose dates are the business's dates (`Europe/Berlin`); default the
    /// country's single zone, else UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

fn default_payment_days() -> u32 {
    14
}

impl SellerProfile {
    /// Check every field.
    pub fn validate(mut self) -> Result<Self> {
        self.party = self.party.validate("party")?;
        self.payment = self.payment.validate("payment")?;
        let zone = match self.timezone.as_deref() {
            Some(name) if !name.trim().is_empty() => Zone::parse("timezone", name)?,
            _ => self.default_zone(),
        };
        self.timezone = Some(zone.name().to_string());
        if self.payment_days > 365 {
            return Err(Error::validation(
                "payment_days",
                format!("must be 0 to 365 days, got {}", self.payment_days),
            ));
        }
        self.legal_info = check_optional("legal_info", self.legal_info, 1000)?;
        self.phone = check_optional("phone", self.phone, 40)?;
        self.website = check_optional("website", self.website, 200)?;
        Ok(self)
    }

    /// The time zone the seller's dates are in: the one set, else the country's, else UTC.
    pub fn zone(&self) -> Zone {
        self.timezone
            .as_deref()
            .and_then(|name| Zone::parse("timezone", name).ok())
            .unwrap_or_else(|| self.default_zone())
    }

    fn default_zone(&self) -> Zone {
        self.party
            .country_code
            .as_deref()
            .and_then(Zone::of_country)
            .unwrap_or_else(Zone::utc)
    }
}

/// A stored, reusable buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Customer {
    /// Customer id.
    pub id: i64,
    /// Name, address and identifiers.
    #[serde(flatten)]
    pub party: Party,
    /// When it was first stored.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Input of `upsert_customer`: the party fields, plus `id` to update an existing customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    /// Update this customer; `None` adds a new one.
    pub id: Option<i64>,
    /// Name, address and identifiers.
    pub party: Party,
}

impl NewCustomer {
    /// Parse `{"id"?: n, ...party fields}` and check it.
    pub fn from_json(mut value: serde_json::Value) -> Result<Self> {
        let id = match value.as_object_mut().and_then(|o| o.remove("id")) {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(v.as_i64().filter(|id| *id > 0).ok_or_else(|| {
                Error::validation("id", format!("must be a positive customer id, got {v}"))
            })?),
        };
        let party: Party = crate::error::from_json_value(value)?;
        Ok(NewCustomer {
            id,
            party: party.validate("")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_checksum_and_country_format() {
        assert!(check_iban("DE89370400440532013000").is_ok());
        assert!(check_iban("GB82WEST12345698765432").is_ok());
        assert!(check_iban("DE89370400440532013001").is_err(), "checksum");
        assert!(check_iban("DE8937").is_err());
        // A correct checksum, but German IBANs have 22 characters.
        let err = check_iban("DE5137040044053201300").unwrap_err();
        assert!(err.contains("of DE"), "{err}");
    }

    #[test]
    fn the_sellers_zone_defaults_from_the_country() {
        let profile = |country: &str, timezone: Option<&str>| SellerProfile {
            party: Party {
                name: "S".into(),
                country_code: Some(country.into()),
                ..Party::default()
            },
            payment: PaymentDetails::default(),
            currency: Currency::eur(),
            language: Language::De,
            payment_days: 14,
            legal_info: None,
            phone: None,
            website: None,
            timezone: timezone.map(str::to_string),
        };
        let zone = |p: SellerProfile| p.validate().unwrap().timezone.unwrap();
        assert_eq!(zone(profile("DE", None)), "Europe/Berlin");
        assert_eq!(zone(profile("US", None)), "UTC");
        assert_eq!(
            zone(profile("US", Some("America/Chicago"))),
            "America/Chicago"
        );
        let err = profile("DE", Some("Berlin")).validate().unwrap_err();
        assert_eq!(err.field.as_deref(), Some("timezone"));
    }

    #[test]
    fn party_fields_are_trimmed_and_checked() {
        let party = Party {
            name: "  ACME GmbH ".into(),
            country_code: Some("DE".into()),
            vat_id: Some("de 123456789".into()),
            ..Party::default()
        };
        let party = party.validate("buyer").unwrap();
        assert_eq!(party.name, "ACME GmbH");
        assert_eq!(party.vat_id.as_deref(), Some("DE123456789"));

        let bad = Party {
            name: "x".into(),
            country_code: Some("Germany".into()),
            ..Party::default()
        };
        let err = bad.validate("buyer").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("buyer.country_code"));
    }

    #[test]
    fn customer_input_takes_an_optional_id() {
        let c = NewCustomer::from_json(serde_json::json!({"id": 4, "name": "Kunde"})).unwrap();
        assert_eq!(c.id, Some(4));
        let err = NewCustomer::from_json(serde_json::json!({"nmae": "typo"})).unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::ValidationError);
        let err = NewCustomer::from_json(serde_json::json!({"id": -1, "name": "x"})).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("id"));
    }
}
