//! Listing documents: the filter a front end sends and the page of summaries it gets back.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::dates;
use super::document::DocumentKind;
use super::lifecycle::Status;
use super::money::Currency;
use crate::error::{Error, Result};

/// Largest page a list returns.
pub const MAX_LIMIT: u32 = 500;

/// Which documents to list; every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListFilter {
    /// Only this status.
    #[serde(default)]
    pub status: Option<Status>,
    /// Only invoices or only credit notes.
    #[serde(default)]
    pub kind: Option<DocumentKind>,
    /// Only documents of this stored customer.
    #[serde(default)]
    pub customer_id: Option<i64>,
    /// Issue date on or after.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Issue date on or before.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// Only open documents past their due date.
    #[serde(default)]
    pub overdue: bool,
    /// Text in the number, buyer name, external id or notes.
    #[serde(default)]
    pub query: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[serde(default)]
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

impl ListFilter {
    /// Check the dates and the text query (the limit and cursor are checked where they are used).
    pub fn check(&self) -> Result<()> {
        dates::check_optional("from", self.from)?;
        dates::check_optional("to", self.to)?;
        if let Some(query) = &self.query {
            super::text::check_query("query", query)?;
        }
        Ok(())
    }

    /// The page size, checked.
    pub fn page_size(&self) -> Result<u32> {
        match self.limit {
            None => Ok(50),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(n) => Err(Error::validation(
                "limit",
                format!("must be 1 to {MAX_LIMIT}, got {n}"),
            )),
        }
    }

    /// The id below which the page starts, from the cursor.
    pub fn before_id(&self) -> Result<Option<i64>> {
        self.cursor
            .as_deref()
            .map(|c| {
                c.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
                    Error::validation(
                        "cursor",
                        format!("'{c}' is not a cursor returned by a previous list"),
                    )
                })
            })
            .transpose()
    }
}

/// One row of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DocumentSummary {
    /// Document id.
    pub id: i64,
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// Status.
    pub status: Status,
    /// Number, once finalized.
    pub number: Option<String>,
    /// Buyer's name.
    pub buyer_name: String,
    /// Stored customer, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<i64>,
    /// ISO 4217 code.
    pub currency: Currency,
    /// Issue date.
    pub issue_date: Option<NaiveDate>,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Gross total.
    pub total_gross: Decimal,
    /// Still owed.
    pub amount_due: Decimal,
    /// Open and past due.
    pub overdue: bool,
}

/// A page of a list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Page {
    /// The documents on this page.
    pub items: Vec<DocumentSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
