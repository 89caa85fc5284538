//! Engine verbs for operators: `backup` (a consistent online copy) and `check` (integrity,
//! schema version, documents per status, and that every series is gapless).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::Engine;
use crate::error::Result;
use crate::store::integrity_of_file;

/// What `check` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Integrity is ok and every series is gapless.
    pub ok: bool,
    /// `PRAGMA integrity_check`: `["ok"]` for a sound file.
    pub integrity: Vec<String>,
    /// Newest applied migration.
    pub schema_version: i32,
    /// Documents per kind, then per status.
    pub documents: BTreeMap<String, BTreeMap<String, u64>>,
    /// One row per series and counter period.
    pub series: Vec<SeriesCheck>,
}

/// Numbering of one series in one counter period (a year, a month, or all time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeriesCheck {
    /// Series name.
    pub series: String,
    /// Counter period: `2026`, `2026-05`, or empty for series that never reset.
    pub period: String,
    /// The last counter handed out.
    pub counter: u64,
    /// Numbered documents in that period.
    pub numbered: u64,
    /// Every counter from 1 to `counter` belongs to exactly one document.
    pub gapless: bool,
}

/// What `backup` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    /// The copy.
    pub file: String,
    /// Its size.
    pub bytes: u64,
    /// `PRAGMA integrity_check` of the copy.
    pub integrity: Vec<String>,
}

impl Engine {
    /// Copy the database to `dest` with SQLite's backup API while the server keeps running;
    /// the copy is checked before it gets its name.
    pub fn backup(&self, dest: &Path) -> Result<BackupReport> {
        self.store.backup_to(dest)?;
        let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
        Ok(BackupReport {
            file: dest.display().to_string(),
            bytes,
            integrity: integrity_of_file(dest)?,
        })
    }

    /// Check the database: integrity, schema version, documents per status, gapless series.
    pub fn check(&self) -> Result<CheckReport> {
        self.store.read(|tx| {
            let integrity = tx.integrity_check()?;
            let mut documents: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
            for (kind, status, count) in tx.counts_by_status()? {
                documents.entry(kind).or_default().insert(status, count);
            }
            let resets: BTreeMap<String, _> = tx
                .all_series()?
                .into_iter()
                .map(|s| (s.name, s.reset))
                .collect();
            let mut numbered: BTreeMap<(String, String), u64> = BTreeMap::new();
            for (series, issue_date) in tx.numbered_documents()? {
                let period = resets
                    .get(&series)
                    .map(|reset| reset.period(issue_date))
                    .unwrap_or_default();
                *numbered.entry((series, period)).or_default() += 1;
            }
            let mut series = Vec::new();
            for (name, period, counter) in tx.series_counters()? {
                let count = numbered
                    .remove(&(name.clone(), period.clone()))
                    .unwrap_or(0);
                series.push(SeriesCheck {
                    gapless: count == counter,
                    series: name,
                    period,
                    counter,
                    numbered: count,
                });
            }
            // Numbered documents in a period without a counter cannot come from finalize.
            for ((name, period), count) in numbered {
                series.push(SeriesCheck {
                    series: name,
                    period,
                    counter: 0,
                    numbered: count,
                    gapless: false,
                });
            }
            Ok(CheckReport {
                ok: integrity == ["ok"] && series.iter().all(|s| s.gapless),
                schema_version: tx.schema_version()?,
                integrity,
                documents,
                series,
            })
        })
    }
}
