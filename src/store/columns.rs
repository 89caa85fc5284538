//! How domain values sit in SQLite columns: the enums as their stored names, currencies as
//! their codes, amounts as decimal text (exact, never a float), structured values as JSON.
//! Rows are read by column name with these types, so a row maps to a domain value in one place.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rust_decimal::Decimal;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::audit::Source;
use crate::domain::document::DocumentKind;
use crate::domain::lifecycle::{Status, Verb};
use crate::domain::money::Currency;
use crate::domain::numbering::ResetPolicy;
use crate::domain::party::Language;
use crate::domain::vat::VatCategory;

fn corrupt(error: crate::error::Error) -> FromSqlError {
    FromSqlError::Other(Box::new(error))
}

/// `ToSql` and `FromSql` for an enum stored as the name `as_str` gives and `parse` reads.
macro_rules! named_column {
    ($type:ty, $name:ident, $parse:expr) => {
        impl ToSql for $type {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.$name()))
            }
        }

        impl FromSql for $type {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                ($parse)(value.as_str()?).map_err(corrupt)
            }
        }
    };
}

named_column!(Status, as_str, Status::parse);
named_column!(DocumentKind, as_str, DocumentKind::parse);
named_column!(Language, as_str, Language::parse);
named_column!(ResetPolicy, as_str, ResetPolicy::parse);
named_column!(Verb, as_str, Verb::parse);
named_column!(Source, as_str, Source::parse);
named_column!(VatCategory, code, str::parse::<VatCategory>);
named_column!(Currency, code, Currency::from_code);

/// An amount, quantity or rate, stored as its exact decimal text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount(pub Decimal);

impl ToSql for Amount {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.to_string()))
    }
}

impl FromSql for Amount {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        text.parse().map(Amount).map_err(|e| {
            corrupt(crate::error::Error::storage(format!(
                "corrupt amount '{text}' in the database: {e}"
            )))
        })
    }
}

/// A structured value stored as JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct Json<T>(pub T);

impl<T: Serialize> ToSql for Json<T> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        serde_json::to_string(&self.0)
            .map(ToSqlOutput::from)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
    }
}

impl<T: DeserializeOwned> FromSql for Json<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        serde_json::from_str(value.as_str()?)
            .map(Json)
            .map_err(|e| {
                corrupt(crate::error::Error::storage(format!(
                    "corrupt JSON in the database: {e}"
                )))
            })
    }
}

/// An optional amount, for nullable columns.
pub fn amount(value: Option<Decimal>) -> Option<Amount> {
    value.map(Amount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn values_round_trip_through_columns() {
        let conn = Connection::open_in_memory().unwrap();
        let (status, currency, amount): (Status, Currency, Amount) = conn
            .query_row(
                "SELECT ?1, ?2, ?3",
                (
                    Status::Uncollectible,
                    Currency::eur(),
                    Amount("0.10".parse().unwrap()),
                ),
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .unwrap();
        assert_eq!(status, Status::Uncollectible);
        assert_eq!(currency.code(), "EUR");
        assert_eq!(amount.0.to_string(), "0.10", "the scale is kept");
        let bad: rusqlite::Result<Status> = conn.query_row("SELECT 'gone'", [], |row| row.get(0));
        assert!(bad.is_err());
    }
}
