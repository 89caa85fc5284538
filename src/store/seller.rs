//! The seller profile: one row, stored as JSON.

use rusqlite::OptionalExtension;

use super::{Tx, now, parse_json, sql_error, to_json};
use crate::domain::party::SellerProfile;
use crate::error::Result;

impl Tx<'_> {
    /// The stored seller profile, if one was set.
    pub fn seller_profile(&self) -> Result<Option<SellerProfile>> {
        let data: Option<String> = self
            .conn
            .prepare_cached("SELECT data FROM seller_profile WHERE id = 1")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)).optional())
            .map_err(sql_error)?;
        data.as_deref().map(parse_json).transpose()
    }

    /// Store (replace) the seller profile.
    pub fn set_seller_profile(&self, profile: &SellerProfile) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO seller_profile (id, data, updated_at) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                (to_json(profile)?, now()),
            )
            .map_err(sql_error)?;
        Ok(())
    }
}
