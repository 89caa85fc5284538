//! Parties of a document (seller, buyer), the stored seller profile and reusable customers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::dates::Zone;
use super::money::Currency;
use super::terms::{
    Account, Card, CashDiscount, Contact, DirectDebit, Identifier, check_address_lines, check_code,
    check_country, check_email, check_list, check_vat_id,
};
use super::text::{check_optional, check_required};
use crate::error::{Error, Result};

/// A seller or buyer as printed on a document (EN 16931 BG-4 / BG-7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Legal name (BT-27, BT-44).
    pub name: String,
    /// Trading name, when it differs (BT-28, BT-45).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trading_name: Option<String>,
    /// Street and more, at most 3 lines (BT-35, BT-36, BT-162; BT-50, BT-51, BT-163).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address_lines: Vec<String>,
    /// Post code (BT-38, BT-53).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// City (BT-37, BT-52).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Region, state or province (BT-39, BT-54), e.g. `CA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdivision: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. `DE` (BT-40, BT-55).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// E.g. `DE123456789` (BT-31, BT-48).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_id: Option<String>,
    /// Tax number, e.g. a German Steuernummer (BT-32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_number: Option<String>,
    /// Identifiers with scheme, e.g. a GLN `{"id": "4000001000005", "scheme": "0088"}` (BT-29,
    /// BT-46).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
    /// Legal registration, e.g. the trade register number (BT-30, BT-47).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_registration: Option<Identifier>,
    /// Additional legal information (BT-33): register court, share capital, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_info: Option<String>,
    /// Electronic address with EAS scheme (BT-34, BT-49): a Peppol id such as
    /// `{"id": "0204:991-12345-67", "scheme": "0204"}`, or an e-mail with scheme `EM`; default
    /// the e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electronic_address: Option<Identifier>,
    /// E-mail address (BT-34, BT-49 with scheme EM when no electronic address is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Contact person or department, or `{name, phone, email}` (BG-6, BG-9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

impl Party {
    /// Trim and check every field; `field` is the JSON path of the party (`buyer`, `seller`, or
    /// empty when the party is the whole input).
    pub fn validate(mut self, field: &str) -> Result<Party> {
        let at = |name: &str| super::text::join_path(field, name);
        self.name = check_required(&at("name"), &self.name, 200)?;
        self.trading_name = check_optional(&at("trading_name"), self.trading_name, 200)?;
        self.address_lines = check_address_lines(&at("address_lines"), self.address_lines)?;
        self.postcode = check_optional(&at("postcode"), self.postcode, 20)?;
        self.city = check_optional(&at("city"), self.city, 100)?;
        self.subdivision = check_optional(&at("subdivision"), self.subdivision, 100)?;
        self.country_code = check_country(&at("country_code"), self.country_code)?;
        self.vat_id = check_vat_id(&at("vat_id"), self.vat_id)?;
        self.tax_number = check_optional(&at("tax_number"), self.tax_number, 40)?;
        self.identifiers = check_list(&at("identifiers"), self.identifiers, 10, |id, f| {
            id.validate(f)
        })?;
        self.legal_registration = self
            .legal_registration
            .map(|id| id.validate(&at("legal_registration")))
            .transpose()?;
        self.legal_info = check_optional(&at("legal_info"), self.legal_info, 1000)?;
        self.electronic_address = self
            .electronic_address
            .map(|id| id.validate(&at("electronic_address")))
            .transpose()?;
        if let Some(address) = &self.electronic_address
            && address.scheme.is_none()
        {
            return Err(Error::validation(
                at("electronic_address.scheme"),
                "an electronic address needs its EAS scheme, e.g. 0204 (Leitweg-ID), 0088 (GLN), 9930 (German VAT ID) or EM (e-mail) (EN 16931 BR-62, BR-63)",
            ));
        }
        self.email = check_optional(&at("email"), self.email, 254)?;
        if let Some(email) = &self.email {
            check_email(&at("email"), email)?;
        }
        self.contact = match self.contact {
            Some(contact) => contact.validate(&at("contact"))?,
            None => None,
        };
        Ok(self)
    }

    /// Check what a seller needs on a finalized document: name, city and country, and an
    /// identifier: VAT ID, tax number, an identifier or a legal registration (EN 16931 BR-08,
    /// BR-09, BR-CO-26; a street is optional).
    pub fn check_complete_seller(&self) -> Result<()> {
        for (name, missing) in [
            ("city", self.city.is_none()),
            ("country_code", self.country_code.is_none()),
        ] {
            if missing {
                return Err(Error::validation(
                    format!("seller.{name}"),
                    format!(
                        "the seller's postal address needs {name} to finalize (EN 16931 BR-08, BR-09)"
                    ),
                ));
            }
        }
        if self.vat_id.is_none()
            && self.tax_number.is_none()
            && self.identifiers.is_empty()
            && self.legal_registration.is_none()
        {
            return Err(Error::validation(
                "seller.vat_id",
                "the seller needs a VAT ID, tax number, identifier or legal registration on a finalized invoice (EN 16931 BR-CO-26)",
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

    /// The electronic address (BT-34, BT-49): the one given, else the e-mail with scheme EM.
    pub fn endpoint(&self) -> Option<Identifier> {
        self.electronic_address.clone().or_else(|| {
            self.email
                .as_ref()
                .map(|email| Identifier::new(email.clone(), Some("EM")))
        })
    }

    /// The contact (BG-6, BG-9) with the party's e-mail when the contact gives none.
    pub fn full_contact(&self, phone: Option<&str>) -> Option<Contact> {
        let mut contact = self.contact.clone().unwrap_or_default();
        if contact.phone.is_none() {
            contact.phone = phone.map(str::to_string);
        }
        if contact.email.is_none() {
            contact.email = self.email.clone();
        }
        (contact != Contact::default()).then_some(contact)
    }
}

/// How the buyer pays (EN 16931 BG-16): the means, the seller's accounts, a card or a direct
/// debit, the remittance text, and cash discounts for early payment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentDetails {
    /// UNTDID 4461 means code (BT-81): `58` SEPA credit transfer, `30` credit transfer, `59`
    /// SEPA direct debit, `48` card, `57` standing agreement, `10` cash, `1` not defined;
    /// default 58 with an IBAN, 59 with a direct debit, 48 with a card, else 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub means_code: Option<String>,
    /// The means in words (BT-82).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub means_text: Option<String>,
    /// IBAN of the account to pay to (BT-84).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    /// BIC of the bank (BT-86).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
    /// Bank name (printed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_name: Option<String>,
    /// Account holder's name (BT-85).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// Further accounts (BG-17).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_accounts: Vec<Account>,
    /// Remittance text (BT-83); default the document number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Card paid with (BG-18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Card>,
    /// SEPA direct debit (BG-19).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_debit: Option<DirectDebit>,
    /// Cash discounts for early payment (Skonto), shortest period first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cash_discounts: Vec<CashDiscount>,
}

impl PaymentDetails {
    /// Trim and check; IBANs are checked with their ISO 13616 checksum.
    pub fn validate(mut self, field: &str) -> Result<Self> {
        let at = |name: &str| super::text::join_path(field, name);
        self.means_code = check_code(&at("means_code"), self.means_code, 3)?;
        if let Some(code) = &self.means_code
            && !code.chars().all(|c| c.is_ascii_digit())
        {
            return Err(Error::validation(
                at("means_code"),
                format!(
                    "must be a UNTDID 4461 code such as 58 (SEPA credit transfer), 59 (SEPA direct debit), 48 (card), 30, 57 or 10 (cash), got '{code}'"
                ),
            ));
        }
        self.means_text = check_optional(&at("means_text"), self.means_text, 200)?;
        self.iban = check_optional(&at("iban"), self.iban, 42)?
            .map(|iban| iban.replace(' ', "").to_uppercase());
        if let Some(iban) = &self.iban {
            check_iban(iban).map_err(|rule| Error::validation(at("iban"), rule))?;
        }
        self.bic = check_bic(&at("bic"), self.bic)?;
        self.bank_name = check_optional(&at("bank_name"), self.bank_name, 100)?;
        self.account_name = check_optional(&at("account_name"), self.account_name, 200)?;
        self.more_accounts = check_list(&at("more_accounts"), self.more_accounts, 5, |a, f| {
            a.validate(f)
        })?;
        self.reference = check_optional(&at("reference"), self.reference, 140)?;
        self.card = self.card.map(|c| c.validate(&at("card"))).transpose()?;
        self.direct_debit = self
            .direct_debit
            .map(|d| d.validate(&at("direct_debit")))
            .transpose()?;
        self.cash_discounts = check_list(&at("cash_discounts"), self.cash_discounts, 3, |c, f| {
            c.validate(f)
        })?;
        self.cash_discounts.sort_by_key(|c| c.days);
        Ok(self)
    }

    /// Fill what this leaves empty from `defaults` (the seller profile's): the means and the
    /// accounts go together, so a draft naming its own IBAN does not get the profile's BIC.
    pub fn or(self, defaults: &PaymentDetails) -> PaymentDetails {
        // A direct debit or a card payment takes no account to transfer to (BR-DE-25-b).
        let own_account = self.iban.is_some()
            || !self.more_accounts.is_empty()
            || self.direct_debit.is_some()
            || self.card.is_some();
        let account = if own_account {
            self.clone()
        } else {
            defaults.clone()
        };
        // The profile's means (a transfer, say) describe its account: a draft that pays its own
        // way (card, direct debit, own account) keeps the means its details imply.
        let (means_code, means_text) = if own_account {
            (self.means_code, self.means_text)
        } else {
            (
                self.means_code.or_else(|| defaults.means_code.clone()),
                self.means_text.or_else(|| defaults.means_text.clone()),
            )
        };
        PaymentDetails {
            means_code,
            means_text,
            iban: account.iban,
            bic: account.bic,
            bank_name: account.bank_name,
            account_name: account.account_name,
            more_accounts: account.more_accounts,
            reference: self.reference.or_else(|| defaults.reference.clone()),
            card: self.card,
            direct_debit: self.direct_debit,
            cash_discounts: if self.cash_discounts.is_empty() {
                defaults.cash_discounts.clone()
            } else {
                self.cash_discounts
            },
        }
    }

    /// The UNTDID 4461 means code: the one given, else what the details imply.
    pub fn means(&self) -> &str {
        match &self.means_code {
            Some(code) => code,
            None if self.direct_debit.is_some() => "59",
            None if self.card.is_some() => "48",
            None if self.iban.is_some() => "58",
            None if !self.more_accounts.is_empty() => "30",
            None => "1",
        }
    }
}

/// Whether `text` (spaces removed, capitals) has an IBAN's shape: two letters, two digits,
/// then letters and digits.
pub fn looks_like_iban(text: &str) -> bool {
    text.len() >= 15
        && text.chars().take(2).all(|c| c.is_ascii_uppercase())
        && text.chars().skip(2).take(2).all(|c| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A BIC: 8 or 11 letters and digits, in capitals.
pub fn check_bic(field: &str, bic: Option<String>) -> Result<Option<String>> {
    let bic = check_optional(field, bic, 11)?.map(|b| b.to_uppercase());
    if let Some(bic) = &bic
        && !((bic.len() == 8 || bic.len() == 11) && bic.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(Error::validation(
            field,
            format!("a BIC has 8 or 11 letters and digits, got '{bic}'"),
        ));
    }
    Ok(bic)
}

/// The IBAN's checksum (ISO 13616) and its country's length and format (the SWIFT IBAN
/// registry, through the `iban_validate` crate).
pub fn check_iban(iban: &str) -> std::result::Result<(), String> {
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
