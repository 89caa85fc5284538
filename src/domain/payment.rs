//! Recording money received against a finalized document.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::dates;
use super::money::Currency;
use super::text::check_optional;
use crate::error::{Error, Result};

/// A payment as a client sends it. Without an amount, the whole amount due is paid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    /// Amount received; defaults to the amount due.
    #[serde(default)]
    pub amount: Option<Decimal>,
    /// Day the money arrived; defaults to today (the seller's), never later.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// Transfer, card, cash, …
    #[serde(default)]
    pub method: Option<String>,
    /// Bank reference of the transfer.
    #[serde(default)]
    pub reference: Option<String>,
}

/// A checked payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPayment {
    /// Amount, positive, in the currency's minor unit.
    pub amount: Decimal,
    /// Day received.
    pub date: NaiveDate,
    /// Method.
    pub method: Option<String>,
    /// Reference.
    pub reference: Option<String>,
}

impl NewPayment {
    /// Check against what is due: positive, in minor units, no overpayment.
    pub fn validate(
        self,
        due: Decimal,
        currency: Currency,
        today: NaiveDate,
    ) -> Result<ValidPayment> {
        let amount = self.amount.unwrap_or(due).normalize();
        if amount <= Decimal::ZERO {
            return Err(Error::validation(
                "amount",
                format!("must be greater than 0, got {amount}"),
            ));
        }
        if !currency.fits(amount) {
            return Err(Error::validation(
                "amount",
                format!(
                    "{} has {} decimals, got {amount}",
                    currency.code(),
                    currency.exponent()
                ),
            ));
        }
        if amount > due {
            return Err(Error::validation(
                "amount",
                format!(
                    "overpayment: {amount} {} exceeds the amount due of {due} {}",
                    currency.code(),
                    currency.code()
                ),
            ));
        }
        Ok(ValidPayment {
            amount: currency.rescale(amount),
            date: dates::check_not_future("date", self.date.unwrap_or(today), today)?,
            method: check_optional("method", self.method, 100)?,
            reference: check_optional("reference", self.reference, 200)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn eur() -> Currency {
        Currency::from_code("EUR").unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    #[test]
    fn defaults_to_the_amount_due() {
        let p = NewPayment::default()
            .validate(dec!(119.00), eur(), today())
            .unwrap();
        assert_eq!(p.amount.to_string(), "119.00");
        assert_eq!(p.date, today());
    }

    #[test]
    fn refuses_overpayment_zero_and_sub_cent() {
        let pay = |amount| NewPayment {
            amount: Some(amount),
            ..NewPayment::default()
        };
        for amount in [dec!(119.01), dec!(0), dec!(-5), dec!(10.005)] {
            let err = pay(amount)
                .validate(dec!(119.00), eur(), today())
                .unwrap_err();
            assert_eq!(err.field.as_deref(), Some("amount"), "{amount}");
        }
        assert!(pay(dec!(19)).validate(dec!(119.00), eur(), today()).is_ok());
    }

    #[test]
    fn refuses_payments_dated_in_the_future() {
        let tomorrow = NewPayment {
            date: today().succ_opt(),
            ..NewPayment::default()
        };
        let err = tomorrow.validate(dec!(119.00), eur(), today()).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("date"));
        assert!(err.message.contains("2026-11-21"), "{}", err.message);
    }
}
