//! The owner's dashboard: the figures of `domain::dashboard` over the stored documents, and
//! what needs attention (drafts, overdue invoices).

use super::Engine;
use crate::domain::dashboard::{self, Dashboard};
use crate::domain::lifecycle::Status;
use crate::domain::listing::ListFilter;
use crate::error::Result;

/// Documents of each kind the dashboard lists as needing attention.
const ATTENTION_ROWS: u32 = 8;

impl Engine {
    /// Open and overdue amounts, revenue by month and what needs attention, read in one
    /// transaction.
    pub fn dashboard(&self) -> Result<Dashboard> {
        self.read(|tx| {
            let today = tx.today()?;
            let documents = tx.dashboard_documents(dashboard::since(today))?;
            let drafts = tx.list_documents(&ListFilter {
                status: Some(Status::Draft),
                limit: Some(ATTENTION_ROWS),
                ..ListFilter::default()
            })?;
            let overdue = tx.list_documents(&ListFilter {
                overdue: true,
                limit: Some(ATTENTION_ROWS),
                ..ListFilter::default()
            })?;
            Ok(Dashboard {
                today,
                currencies: dashboard::figures(&documents, today),
                drafts,
                overdue,
            })
        })
    }
}
