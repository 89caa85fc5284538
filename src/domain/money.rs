//! Exact money: ISO 4217 currencies with their minor-unit exponents and EN 16931 rounding.
//!
//! Amounts are [`Decimal`]s, never floats. Rounding is always half away from zero
//! (`MidpointAwayFromZero`), as EN 16931 expects; `Decimal::round`/`round_dp` would round half to
//! even and are banned by a clippy rule (`clippy.toml`).

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Error, Result};

/// An ISO 4217 currency the engine knows, with the number of decimals of its minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency {
    /// The three-letter code, e.g. `EUR`.
    pub code: &'static str,
    /// Digits after the decimal point: 0 for JPY, 2 for EUR, 3 for KWD.
    pub exponent: u32,
}

impl Currency {
    /// Look up an ISO 4217 code (upper case, as the standard writes it).
    pub fn from_code(code: &str) -> Result<Currency> {
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|&(code, exponent)| Currency { code, exponent })
            .ok_or_else(|| {
                Error::validation(
                    "currency",
                    format!("'{code}' is not an ISO 4217 currency code (e.g. EUR, USD, JPY)"),
                )
            })
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

/// Round half away from zero to `decimals` places: EN 16931's rule for every amount.
pub fn round_half_up(amount: Decimal, decimals: u32) -> Decimal {
    amount.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero)
}

/// Active ISO 4217 codes and their minor-unit exponents.
const CURRENCIES: &[(&str, u32)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHF", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(Currency::from_code("EUR").map(|c| c.exponent), Ok(2));
        assert_eq!(Currency::from_code("JPY").map(|c| c.exponent), Ok(0));
        assert_eq!(Currency::from_code("KWD").map(|c| c.exponent), Ok(3));
    }

    #[test]
    fn unknown_currency_names_the_field() {
        let err = Currency::from_code("EURO").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("currency"));
        assert!(Currency::from_code("eur").is_err(), "codes are upper case");
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
