//! VAT categories of EN 16931 (UNCL 5305 subset) and the rules each one puts on a line.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A VAT category code as EN 16931 uses it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum VatCategory {
    /// Standard rate (rate > 0).
    #[serde(rename = "S")]
    #[default]
    Standard,
    /// Zero-rated goods (rate 0).
    #[serde(rename = "Z")]
    Zero,
    /// Exempt from VAT, e.g. German § 19 UStG small business (rate 0, reason required).
    #[serde(rename = "E")]
    Exempt,
    /// Reverse charge: the buyer owes the VAT (rate 0, both VAT IDs, reason required).
    #[serde(rename = "AE")]
    ReverseCharge,
    /// Intra-community supply of goods or services (rate 0, both VAT IDs, reason required).
    #[serde(rename = "K")]
    IntraCommunity,
    /// Export outside the EU (rate 0, reason required).
    #[serde(rename = "G")]
    Export,
    /// Not subject to VAT (rate 0, reason required).
    #[serde(rename = "O")]
    NotSubject,
}

impl VatCategory {
    /// Every category, in code order.
    pub const ALL: [VatCategory; 7] = [
        VatCategory::Standard,
        VatCategory::Zero,
        VatCategory::Exempt,
        VatCategory::ReverseCharge,
        VatCategory::IntraCommunity,
        VatCategory::Export,
        VatCategory::NotSubject,
    ];

    /// The UNCL 5305 code: `S`, `Z`, `E`, `AE`, `K`, `G` or `O`.
    pub fn code(self) -> &'static str {
        match self {
            VatCategory::Standard => "S",
            VatCategory::Zero => "Z",
            VatCategory::Exempt => "E",
            VatCategory::ReverseCharge => "AE",
            VatCategory::IntraCommunity => "K",
            VatCategory::Export => "G",
            VatCategory::NotSubject => "O",
        }
    }

    /// Whether an invoice using this category must say why no VAT is charged.
    pub fn needs_exemption_reason(self) -> bool {
        !matches!(self, VatCategory::Standard | VatCategory::Zero)
    }

    /// Whether both seller and buyer VAT identifiers are required (reverse charge, intra-EU).
    pub fn needs_both_vat_ids(self) -> bool {
        matches!(
            self,
            VatCategory::ReverseCharge | VatCategory::IntraCommunity
        )
    }

    /// Check the rate a line gives for this category: S needs a positive rate below 100 %,
    /// every other category a rate of 0.
    pub fn check_rate(self, rate: Decimal) -> std::result::Result<(), String> {
        if rate.is_sign_negative() && !rate.is_zero() {
            return Err(format!("must not be negative, got {rate}"));
        }
        if rate >= Decimal::ONE_HUNDRED {
            return Err(format!("is a percentage below 100, got {rate}"));
        }
        if rate.normalize().scale() > 2 {
            return Err(format!("has at most 2 decimals, got {rate}"));
        }
        match self {
            VatCategory::Standard if rate.is_zero() => Err(
                "must be greater than 0 for category S (use Z, E, AE, K, G or O for 0 %)".into(),
            ),
            VatCategory::Standard => Ok(()),
            other if !rate.is_zero() => Err(format!(
                "must be 0 for category {}, got {rate}",
                other.code()
            )),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for VatCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for VatCategory {
    type Err = Error;

    fn from_str(code: &str) -> Result<Self> {
        VatCategory::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or_else(|| {
                Error::validation(
                    "vat_category",
                    format!("'{code}' is not a VAT category (one of S, Z, E, AE, K, G, O)"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn codes_round_trip() {
        for category in VatCategory::ALL {
            assert_eq!(category.code().parse::<VatCategory>(), Ok(category));
        }
        assert!("X".parse::<VatCategory>().is_err());
    }

    #[test]
    fn rate_rules_per_category() {
        assert!(VatCategory::Standard.check_rate(dec!(19)).is_ok());
        assert!(VatCategory::Standard.check_rate(dec!(0)).is_err());
        assert!(VatCategory::Standard.check_rate(dec!(100)).is_err());
        assert!(VatCategory::Standard.check_rate(dec!(-7)).is_err());
        assert!(VatCategory::Standard.check_rate(dec!(7.775)).is_err());
        assert!(VatCategory::Exempt.check_rate(dec!(0)).is_ok());
        assert!(VatCategory::ReverseCharge.check_rate(dec!(19)).is_err());
    }
}
