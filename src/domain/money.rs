//! Exact money: ISO 4217 currencies with their minor-unit exponents and EN 16931 rounding.
//!
//! Amounts are [`Decimal`]s, never floats. Rounding is always half away from zero
//! (`MidpointAwayFromZero`), as EN 16931 expects; `Decimal::round`/`round_dp` would round half to
//! even and are banned by a clippy rule (`clippy.toml`).

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// An ISO 4217 currency with a minor unit (`EUR`, `JPY`, `KWD`, `XCG`, …), checked once when it
/// is parsed. Codes without a minor unit (gold `XAU`, the testing code `XTS`) are not money an
/// invoice can be in. The table comes from the `iso_currency` crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    exponent: u32,
}

impl Currency {
    /// Look up an ISO 4217 code (upper case, as the standard writes it).
    pub fn from_code(code: &str) -> Result<Currency> {
        iso_currency::Currency::from_code(code)
            .and_then(|c| {
                c.exponent().map(|exponent| Currency {
                    code: c.code(),
                    exponent: exponent.into(),
                })
            })
            .ok_or_else(|| {
                Error::validation(
                    "currency",
                    format!(
                        "'{}' is not an ISO 4217 currency code with a minor unit (e.g. EUR, USD, JPY)",
                        code.chars().take(16).collect::<String>()
                    ),
                )
            })
    }

    /// The euro, the default currency.
    pub fn eur() -> Currency {
        Currency {
            code: "EUR",
            exponent: 2,
        }
    }

    /// The three-letter code, e.g. `EUR`.
    pub fn code(self) -> &'static str {
        self.code
    }

    /// Digits after the decimal point: 0 for JPY, 2 for EUR, 3 for KWD.
    pub fn exponent(self) -> u32 {
        self.exponent
    }

    /// Round to this currency's minor unit, half away from zero.
    pub fn round(&self, amount: Decimal) -> Decimal {
        round_half_up(amount, self.exponent)
    }

    /// Whether `amount` has no more decimals than the minor unit allows.
    pub fn fits(&self, amount: Decimal) -> bool {
        amount.normalize().scale() <= self.exponent
    }

    /// `amount` with exactly the currency's number of decimals (e.g. `5.5` → `5.50`).
    pub fn rescale(&self, amount: Decimal) -> Decimal {
        let mut rounded = self.round(amount);
        rounded.rescale(self.exponent);
        rounded
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::eur()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::from_code(&code).map_err(|e| serde::de::Error::custom(e.message))
    }
}

impl schemars::JsonSchema for Currency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Currency".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "description": "ISO 4217 code, e.g. EUR"
        })
    }
}

/// Round half away from zero to `decimals` places: EN 16931's rule for every amount.
pub fn round_half_up(amount: Decimal, decimals: u32) -> Decimal {
    amount.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(Currency::from_code("EUR").map(Currency::exponent), Ok(2));
        assert_eq!(Currency::from_code("JPY").map(Currency::exponent), Ok(0));
        assert_eq!(Currency::from_code("KWD").map(Currency::exponent), Ok(3));
        assert_eq!(Currency::from_code("XCG").map(Currency::exponent), Ok(2));
        assert!(Currency::from_code("XAU").is_err(), "no minor unit");
    }

    #[test]
    fn unknown_currency_names_the_field() {
        let err = Currency::from_code("EURO").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("currency"));
        assert!(Currency::from_code("eur").is_err(), "codes are upper case");
        let parsed: Currency = serde_json::from_str("\"JPY\"").unwrap();
        assert_eq!(parsed.code(), "JPY");
        assert_eq!(serde_json::to_string(&parsed).unwrap(), "\"JPY\"");
        assert!(serde_json::from_str::<Currency>("\"EURO\"").is_err());
    }

    #[test]
    fn rounds_half_away_from_zero_not_to_even() {
        let eur = Currency::from_code("EUR").unwrap();
        assert_eq!(eur.round(dec!(0.125)), dec!(0.13));
        assert_eq!(eur.round(dec!(0.135)), dec!(0.14));
        assert_eq!(eur.round(dec!(-0.125)), dec!(-0.13));
        assert_eq!(eur.round(dec!(0.1249)), dec!(0.12));
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(jpy.round(dec!(2.5)), dec!(3));
        assert_eq!(jpy.round(dec!(1.5)), dec!(2));
    }

    #[test]
    fn rescale_pads_to_minor_unit() {
        let eur = Currency::from_code("EUR").unwrap();
        assert_eq!(eur.rescale(dec!(5.5)).to_string(), "5.50");
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(jpy.rescale(dec!(100)).to_string(), "100");
        assert!(eur.fits(dec!(1.10)));
        assert!(!eur.fits(dec!(1.105)));
    }
}
