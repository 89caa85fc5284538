//! The seller profile: one row, stored as JSON.

use rusqlite::OptionalExtension;

use super::columns::Json;
use super::{Tx, sql_error};
use crate::domain::party::SellerProfile;
use crate::error::Result;

impl Tx<'_> {
    /// The stored seller profile, if one was set.
    pub fn seller_profile(&self) -> Result<Option<SellerProfile>> {
        self.conn
            .prepare_cached("SELECT data FROM seller_profile WHERE id = 1")
            .and_then(|mut stmt| {
                stmt.query_row([], |row| row.get::<_, Json<SellerProfile>>("data"))
                    .optional()
            })
            .map_err(sql_error)
            .map(|profile| profile.map(|p| p.0))
    }

    /// Store (replace) the seller profile.
    pub fn set_seller_profile(&self, profile: &SellerProfile) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO seller_profile (id, data, updated_at) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                (Json(profile), self.stamp()),
            )
            .map_err(sql_error)?;
        Ok(())
    }
}
