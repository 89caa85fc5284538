//! Engine verbs for operators: `backup` (a consistent online copy), `check` (is the record
//! whole and untouched: SQLite's integrity check, gapless series, the triggers as this build
//! made them, the hash chain, totals recomputed from lines, paid amounts against payments,
//! archives against their hashes, documents without an archived PDF) with `--repair` for what
//! can be made again, and the quick [`Engine::integrity`] that `serve` runs at start.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::Engine;
use crate::error::Result;
use crate::store::{ChainBreak, ChainReport, Tx, expected_triggers, integrity_of_file};

/// What `check` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Nothing below is wrong.
    pub ok: bool,
    /// The first problem found, naming the row: what `check` exits non-zero for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_problem: Option<String>,
    /// `PRAGMA integrity_check`: `["ok"]` for a sound file.
    pub integrity: Vec<String>,
    /// Newest applied migration.
    pub schema_version: i32,
    /// Documents per kind, then per status.
    pub documents: BTreeMap<String, BTreeMap<String, u64>>,
    /// One row per series and counter period.
    pub series: Vec<SeriesCheck>,
    /// Triggers that are missing, changed or not this build's.
    pub triggers: TriggerCheck,
    /// The hash chain: links, head hash, the first break.
    pub chain: ChainReport,
    /// Finalized documents whose stored totals do not follow from their lines.
    pub totals: Vec<DocumentProblem>,
    /// Documents whose paid amount is not the sum of their payments.
    pub payments: Vec<DocumentProblem>,
    /// Archived PDFs and e-invoices whose bytes no longer match their SHA-256.
    pub archive_hashes: Vec<DocumentProblem>,
    /// Finalized documents without an archived PDF (made by `check --repair` or the next
    /// render). Not a fault of the record, so not counted against `ok`.
    pub archives_missing: Vec<DocumentProblem>,
    /// What `--repair` made.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repaired: Vec<String>,
}

/// A problem with one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentProblem {
    /// Its id.
    pub id: i64,
    /// Its number, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// What is wrong.
    pub problem: String,
}

/// The triggers compared with those this build's migrations make.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TriggerCheck {
    /// Every trigger is there with its expected definition and there are no others.
    pub ok: bool,
    /// Expected triggers that are gone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// Triggers whose definition differs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// Triggers this build does not make.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unexpected: Vec<String>,
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

/// What the quick check at start found: the triggers and the newest link of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Integrity {
    /// Nothing is wrong.
    pub ok: bool,
    /// What is wrong, one line each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// The number of links and the newest link's hash.
    pub chain_links: i64,
    /// The newest link's hash.
    pub chain_head: String,
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
    /// The hash chain's newest link in the copy: keep it with the backup to prove later that
    /// nothing before it was rewritten (`invoicer check --anchor HASH`).
    pub chain_head: String,
}

impl Engine {
    /// Copy the database to `dest` with SQLite's backup API while the server keeps running;
    /// the copy is checked before it gets its name.
    pub fn backup(&self, dest: &Path) -> Result<BackupReport> {
        self.store.backup_to(dest)?;
        let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
        let copy = Engine::open_read_only(dest, self.clock.clone())?;
        let (_, chain_head) = copy.read(|tx| tx.chain_head())?;
        Ok(BackupReport {
            file: dest.display().to_string(),
            bytes,
            integrity: integrity_of_file(dest)?,
            chain_head,
        })
    }

    /// The quick check `serve` runs at start (and `/health` reports): SQLite's quick check,
    /// the triggers, and the newest link of the hash chain with the count of linked rows.
    pub fn integrity(&self) -> Result<Integrity> {
        self.read(|tx| {
            let mut problems: Vec<String> = tx
                .quick_check()?
                .into_iter()
                .filter(|line| line != "ok")
                .map(|line| format!("the database file is damaged: {line}"))
                .collect();
            let triggers = check_triggers(tx)?;
            problems.extend(trigger_problems(&triggers));
            if let Some(broken) = tx.verify_chain_head()? {
                problems.push(describe_break(&broken));
            }
            let (chain_links, chain_head) = tx.chain_head()?;
            Ok(Integrity {
                ok: problems.is_empty(),
                problems,
                chain_links,
                chain_head,
            })
        })
    }

    /// Check the whole record. With `anchor` (a head hash written down earlier), the chain
    /// must contain it.
    pub fn check(&self, anchor: Option<&str>) -> Result<CheckReport> {
        let einvoice = self.einvoice_at_finalize;
        let mut report = self.read(|tx| check_record(tx, anchor, einvoice))?;
        report.first_problem = first_problem(&report);
        report.ok = report.first_problem.is_none();
        Ok(report)
    }

    /// [`Engine::check`], after making what can be made again: the archived PDF (and the
    /// configured e-invoice) of every finalized document that has none.
    pub fn check_and_repair(&self, anchor: Option<&str>) -> Result<CheckReport> {
        let missing = self.read(|tx| tx.documents_without_pdf())?;
        let mut repaired = Vec::new();
        for (id, number) in missing {
            let key = super::DocumentKey::Id(id);
            self.render_invoice_pdf(&key)?;
            repaired.push(format!("archived the PDF of {number}"));
        }
        if let Some(target) = self.einvoice_at_finalize {
            for id in self.read(|tx| tx.finalized_ids())? {
                let key = super::DocumentKey::Id(id);
                let format = target.archive_key();
                if self.read(|tx| tx.archived_einvoice(id, &format))?.is_none() {
                    self.export_einvoice(&key, target)?;
                    repaired.push(format!(
                        "archived the {} e-invoice of document {id}",
                        target.as_str()
                    ));
                }
            }
        }
        let mut report = self.check(anchor)?;
        report.repaired = repaired;
        Ok(report)
    }
}

/// The whole record; `einvoice` is the e-invoice every finalized document should have archived
/// (`--einvoice-at-finalize`), if one is configured.
fn check_record(
    tx: &Tx<'_>,
    anchor: Option<&str>,
    einvoice: Option<crate::einvoice::Target>,
) -> Result<CheckReport> {
    let integrity = tx.integrity_check()?;
    let mut documents: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (kind, status, count) in tx.counts_by_status()? {
        documents.entry(kind).or_default().insert(status, count);
    }
    let mut totals = Vec::new();
    let mut archives_missing = Vec::new();
    let without_pdf = tx.documents_without_pdf()?;
    for (id, number) in &without_pdf {
        archives_missing.push(DocumentProblem {
            id: *id,
            number: Some(number.clone()),
            problem: "no archived PDF: `invoicer check --repair` or the next render makes it"
                .into(),
        });
    }
    let mut numbers = BTreeMap::new();
    for id in tx.finalized_ids()? {
        let document = tx.document(id)?;
        if let Some(problem) = document.content.totals_mismatch() {
            totals.push(DocumentProblem {
                id,
                number: document.number.clone(),
                problem,
            });
        }
        if let Some(target) = einvoice
            && tx.archived_einvoice(id, &target.archive_key())?.is_none()
        {
            archives_missing.push(DocumentProblem {
                id,
                number: document.number.clone(),
                problem: format!(
                    "no archived {} e-invoice: `invoicer check --repair` or the next export makes it",
                    target.as_str()
                ),
            });
        }
        numbers.insert(id, document.number);
    }
    let number_of = |id: i64| numbers.get(&id).cloned().flatten();
    let payments = tx
        .paid_amounts_not_matching_payments()?
        .into_iter()
        .map(|(id, paid, sum)| DocumentProblem {
            id,
            number: number_of(id),
            problem: format!("amount_paid is {paid}, its payments add up to {sum}"),
        })
        .collect();
    let archive_hashes = tx
        .archives_not_matching_their_hash()?
        .into_iter()
        .map(|(id, what)| DocumentProblem {
            id,
            number: number_of(id),
            problem: format!("the archived {what} does not match its SHA-256"),
        })
        .collect();
    Ok(CheckReport {
        ok: false,
        first_problem: None,
        integrity,
        schema_version: tx.schema_version()?,
        documents,
        series: check_series(tx)?,
        triggers: check_triggers(tx)?,
        chain: tx.verify_chain(anchor)?,
        totals,
        payments,
        archive_hashes,
        archives_missing,
        repaired: Vec::new(),
    })
}

/// Every series and counter period: the last counter against the numbered documents.
fn check_series(tx: &Tx<'_>) -> Result<Vec<SeriesCheck>> {
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
    Ok(series)
}

/// The database's triggers against those the embedded migrations make.
fn check_triggers(tx: &Tx<'_>) -> Result<TriggerCheck> {
    let expected: BTreeMap<String, String> = expected_triggers()?.into_iter().collect();
    let actual: BTreeMap<String, String> = tx.triggers()?.into_iter().collect();
    let mut check = TriggerCheck::default();
    for (name, sql) in &expected {
        match actual.get(name) {
            None => check.missing.push(name.clone()),
            Some(found) if found != sql => check.changed.push(name.clone()),
            Some(_) => {}
        }
    }
    check.unexpected = actual
        .keys()
        .filter(|name| !expected.contains_key(*name))
        .cloned()
        .collect();
    check.ok = check.missing.is_empty() && check.changed.is_empty() && check.unexpected.is_empty();
    Ok(check)
}

fn trigger_problems(check: &TriggerCheck) -> Vec<String> {
    let mut problems = Vec::new();
    for (names, what) in [
        (&check.missing, "missing"),
        (&check.changed, "changed"),
        (&check.unexpected, "not made by invoicer"),
    ] {
        if !names.is_empty() {
            problems.push(format!("triggers {what}: {}", names.join(", ")));
        }
    }
    problems
}

fn describe_break(broken: &ChainBreak) -> String {
    let link = broken
        .seq
        .map(|seq| format!("link {seq}, "))
        .unwrap_or_default();
    format!(
        "hash chain broken at {link}{} {}: {}",
        broken.kind, broken.row, broken.problem
    )
}

/// The first problem of a report, in the order a reader should look at them.
fn first_problem(report: &CheckReport) -> Option<String> {
    if report.integrity != ["ok"] {
        return Some(format!(
            "the database file is damaged: {}",
            report.integrity.join("; ")
        ));
    }
    if let Some(problem) = trigger_problems(&report.triggers).into_iter().next() {
        return Some(problem);
    }
    if let Some(broken) = &report.chain.first_break {
        return Some(describe_break(broken));
    }
    let document = |kind: &str, p: &DocumentProblem| {
        let name = p.number.clone().unwrap_or_else(|| format!("id {}", p.id));
        format!("{kind} of document {name}: {}", p.problem)
    };
    if let Some(p) = report.totals.first() {
        return Some(document("totals", p));
    }
    if let Some(p) = report.payments.first() {
        return Some(document("payments", p));
    }
    if let Some(p) = report.archive_hashes.first() {
        return Some(document("archive", p));
    }
    if let Some(s) = report.series.iter().find(|s| !s.gapless) {
        return Some(format!(
            "series {} (period '{}') handed out {} numbers for {} documents",
            s.series, s.period, s.counter, s.numbered
        ));
    }
    if report.chain.genesis_pending {
        return Some(
            "the hash chain was not started yet: open the database once for writing (`invoicer check --repair`)"
                .into(),
        );
    }
    None
}
