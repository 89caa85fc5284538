//! Operator tasks on the database file: an online backup through SQLite's backup API, and the
//! raw facts `invoicer check` judges (integrity, documents per status, issued numbers and
//! counters per series, the triggers, payments against paid amounts).

use std::path::Path;

use chrono::NaiveDate;
use rusqlite::backup::StepResult;
use rusqlite::{Connection, OpenFlags};

use super::columns::Amount;
use super::{Store, Tx, sql_error};
use crate::error::{Error, Result};

/// Copy every page in one step: the source stays in one read transaction, so the copy is one
/// consistent snapshot. In WAL mode writers go on meanwhile; a copy made in several steps
/// would restart whenever one of them commits.
const ALL_PAGES: std::ffi::c_int = -1;

impl Store {
    /// Copy the database to `dest` while others keep reading and writing it. The copy is
    /// written to `dest` + `.partial`, checked with `PRAGMA integrity_check`, then renamed, so
    /// `dest` is either absent or complete. An existing `dest` is refused.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(Error::validation(
                "path",
                format!("{} exists; backups never overwrite", dest.display()),
            ));
        }
        let mut partial = dest.as_os_str().to_owned();
        partial.push(".partial");
        let partial = std::path::PathBuf::from(partial);
        let _ = std::fs::remove_file(&partial);
        let copy = || -> Result<()> {
            let source = self.connection()?;
            let mut target = Connection::open(&partial).map_err(|e| {
                Error::validation("path", format!("cannot create {}: {e}", partial.display()))
            })?;
            {
                let backup =
                    rusqlite::backup::Backup::new(&source, &mut target).map_err(sql_error)?;
                loop {
                    match backup.step(ALL_PAGES).map_err(sql_error)? {
                        StepResult::Done => break,
                        StepResult::More => {}
                        // Another connection holds a lock for a moment: wait, then go on.
                        _ => std::thread::sleep(std::time::Duration::from_millis(5)),
                    }
                }
            }
            target
                .pragma_update(None, "journal_mode", "DELETE")
                .map_err(sql_error)?;
            let report = integrity_of(&target)?;
            if report != ["ok"] {
                return Err(Error::storage(format!(
                    "the backup failed its integrity check: {}",
                    report.join("; ")
                )));
            }
            Ok(())
        };
        if let Err(e) = copy() {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        std::fs::rename(&partial, dest).map_err(|e| {
            Error::storage(format!("cannot move the backup to {}: {e}", dest.display()))
        })
    }
}

/// `PRAGMA integrity_check` rows: `["ok"]` for a sound file.
fn integrity_of(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check").map_err(sql_error)?;
    let rows = stmt
        .query_map([], |row| row.get::<_, String>("integrity_check"))
        .map_err(sql_error)?;
    rows.map(|r| r.map_err(sql_error)).collect()
}

/// Open `path` read-only, without migrating, and check its integrity (for a backup copy).
pub fn integrity_of_file(path: &Path) -> Result<Vec<String>> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| Error::storage(format!("cannot open {}: {e}", path.display())))?;
    integrity_of(&conn)
}

impl Tx<'_> {
    /// `PRAGMA integrity_check` of the open database.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        integrity_of(self.conn)
    }

    /// `PRAGMA quick_check`: the integrity check without matching indexes to tables, about
    /// ten times faster.
    pub fn quick_check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA quick_check").map_err(sql_error)?;
        let rows = stmt
            .query_map([], |row| row.get::<_, String>("quick_check"))
            .map_err(sql_error)?;
        rows.map(|r| r.map_err(sql_error)).collect()
    }

    /// How many documents there are per kind and status.
    pub fn counts_by_status(&self) -> Result<Vec<(String, String, u64)>> {
        self.text_text_count(
            "SELECT kind AS first, status AS second, count(*) AS n FROM documents
             GROUP BY kind, status ORDER BY kind, status",
        )
    }

    /// Rows of two texts (`first`, `second`) and a count (`n`).
    fn text_text_count(&self, sql: &str) -> Result<Vec<(String, String, u64)>> {
        let mut stmt = self.conn.prepare(sql).map_err(sql_error)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get("first")?,
                    row.get("second")?,
                    row.get::<_, i64>("n")?.unsigned_abs(),
                ))
            })
            .map_err(sql_error)?;
        rows.map(|r| r.map_err(sql_error)).collect()
    }

    /// Series and issue date of every numbered document, but those of external series (they
    /// keep numbers given elsewhere).
    pub fn numbered_documents(&self) -> Result<Vec<(String, NaiveDate)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT series, issue_date FROM documents WHERE number IS NOT NULL
                 AND series NOT IN (SELECT name FROM series WHERE external = 1)",
            )
            .map_err(sql_error)?;
        let rows = stmt
            .query_map([], |row| Ok((row.get("series")?, row.get("issue_date")?)))
            .map_err(sql_error)?;
        rows.map(|r| r.map_err(sql_error)).collect()
    }

    /// The last counter of every series and period.
    pub fn series_counters(&self) -> Result<Vec<(String, String, u64)>> {
        self.text_text_count(
            "SELECT series AS first, period AS second, last_counter AS n FROM series_counters
             ORDER BY series, period",
        )
    }

    /// Name and SQL of every trigger of the database.
    pub fn triggers(&self) -> Result<Vec<(String, String)>> {
        super::open::triggers(self.conn)
    }

    /// Ids of the finalized documents, in order.
    pub fn finalized_ids(&self) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM documents WHERE status <> 'draft' ORDER BY id")
            .map_err(sql_error)?;
        let rows = stmt.query_map([], |row| row.get("id")).map_err(sql_error)?;
        rows.map(|r| r.map_err(sql_error)).collect()
    }

    /// Documents whose paid amount is not the sum of their payments: (id, paid, sum).
    pub fn paid_amounts_not_matching_payments(
        &self,
    ) -> Result<Vec<(i64, rust_decimal::Decimal, rust_decimal::Decimal)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, amount_paid FROM documents WHERE status <> 'draft' ORDER BY id")
            .map_err(sql_error)?;
        let paid: Vec<(i64, Amount)> = stmt
            .query_map([], |row| Ok((row.get("id")?, row.get("amount_paid")?)))
            .map_err(sql_error)?
            .collect::<rusqlite::Result<_>>()
            .map_err(sql_error)?;
        let mut sums = std::collections::HashMap::new();
        let mut stmt = self
            .conn
            .prepare("SELECT document_id, amount FROM payments")
            .map_err(sql_error)?;
        let mut rows = stmt.query([]).map_err(sql_error)?;
        while let Some(row) = rows.next().map_err(sql_error)? {
            let id: i64 = row.get("document_id").map_err(sql_error)?;
            let amount: Amount = row.get("amount").map_err(sql_error)?;
            *sums.entry(id).or_insert(rust_decimal::Decimal::ZERO) += amount.0;
        }
        Ok(paid
            .into_iter()
            .filter_map(|(id, paid)| {
                let sum = sums.remove(&id).unwrap_or_default();
                (paid.0 != sum).then_some((id, paid.0, sum))
            })
            .collect())
    }
}
