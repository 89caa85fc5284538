//! Number series and their counters. `assign_number` is the gapless step: it runs inside the
//! finalize transaction, so a number exists exactly when the document it names is committed.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Row};

use super::{Tx, sql_error};
use crate::domain::document::DocumentKind;
use crate::domain::numbering::{NumberFormat, ResetPolicy, Series};
use crate::error::{Error, Result};

fn series(row: &Row<'_>) -> rusqlite::Result<Series> {
    Ok(Series {
        name: row.get("name")?,
        kind: row.get("kind")?,
        format: row.get("format")?,
        reset: row.get("reset")?,
        last_issue_date: row.get("last_issue_date")?,
        external: row.get("external")?,
    })
}

impl Tx<'_> {
    /// One series by name.
    pub fn series(&self, name: &str) -> Result<Series> {
        self.conn
            .prepare_cached("SELECT * FROM series WHERE name = ?1")
            .and_then(|mut stmt| stmt.query_row([name], series).optional())
            .map_err(sql_error)?
            .ok_or_else(|| {
                Error::validation(
                    "series",
                    format!("no number series named '{name}' (see `invoicer series list`)"),
                )
            })
    }

    /// Every series, by name.
    pub fn all_series(&self) -> Result<Vec<Series>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT * FROM series ORDER BY name")
            .map_err(sql_error)?;
        let rows = stmt.query_map([], series).map_err(sql_error)?;
        rows.map(|r| r.map_err(sql_error)).collect()
    }

    /// The series `name` for imported documents of `kind`, created (external: it gives no
    /// numbers) when it does not exist yet.
    pub fn external_series(&self, name: &str, kind: DocumentKind) -> Result<Series> {
        self.conn
            .execute(
                "INSERT INTO series (name, kind, format, reset, created_at, updated_at, external)
                 VALUES (?1, ?2, '(imported numbers)', 'never', ?3, ?3, 1)
                 ON CONFLICT (name) DO NOTHING",
                (name, kind, self.stamp()),
            )
            .map_err(sql_error)?;
        self.series(name)
    }

    /// Create a series or change its format and reset policy (its kind is fixed once created).
    pub fn upsert_series(
        &self,
        name: &str,
        kind: DocumentKind,
        format: &str,
        reset: ResetPolicy,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO series (name, kind, format, reset, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT (name) DO UPDATE SET format = excluded.format,
                     reset = excluded.reset, updated_at = excluded.updated_at",
                (name, kind, format, reset, self.stamp()),
            )
            .map_err(sql_error)?;
        Ok(())
    }

    /// The counter the next number in `series` for `issue_date` would get; consumes nothing.
    pub fn next_counter(&self, series: &Series, issue_date: NaiveDate) -> Result<u64> {
        let last: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT last_counter FROM series_counters WHERE series = ?1 AND period = ?2",
            )
            .and_then(|mut stmt| {
                stmt.query_row((&series.name, series.reset.period(issue_date)), |row| {
                    row.get("last_counter")
                })
                .optional()
            })
            .map_err(sql_error)?;
        Ok(last.map_or(1, |n| n.unsigned_abs() + 1))
    }

    /// The number (and its counter) the next finalization in `series` on `issue_date` would
    /// get; consumes nothing. Refuses an issue date before the series' last one.
    pub fn preview_number(&self, series: &Series, issue_date: NaiveDate) -> Result<(String, u64)> {
        if let Some(last) = series.last_issue_date
            && issue_date < last
        {
            return Err(Error::validation(
                "issue_date",
                format!(
                    "{issue_date} is before {last}, the issue date of the last number in series '{}'; issue dates in a series never go backwards",
                    series.name
                ),
            ));
        }
        let format = NumberFormat::parse(&series.format, series.reset)?;
        let counter = self.next_counter(series, issue_date)?;
        Ok((format.render(issue_date, counter), counter))
    }

    /// Take the next number of `series` for `issue_date`: advances the counter by exactly one
    /// and records the issue date. Runs inside the finalize transaction.
    pub fn assign_number(&self, series: &Series, issue_date: NaiveDate) -> Result<String> {
        let (number, counter) = self.preview_number(series, issue_date)?;
        let counter_sql = if counter == 1 {
            "INSERT INTO series_counters (series, period, last_counter) VALUES (?1, ?2, 1)"
        } else {
            "UPDATE series_counters SET last_counter = last_counter + 1 WHERE series = ?1 AND period = ?2"
        };
        self.conn
            .prepare_cached(counter_sql)
            .and_then(|mut stmt| stmt.execute((&series.name, series.reset.period(issue_date))))
            .map_err(sql_error)?;
        self.conn
            .prepare_cached("UPDATE series SET last_issue_date = ?2 WHERE name = ?1")
            .and_then(|mut stmt| stmt.execute((&series.name, issue_date)))
            .map_err(sql_error)?;
        Ok(number)
    }
}
