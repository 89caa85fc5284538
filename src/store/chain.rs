//! The record's hash chain (schema v4): one link per finalized document, change of a finalized
//! document's state (status, paid and credited amounts), payment, archived PDF or e-invoice, and
//! audit event, appended in the transaction that writes the row.
//!
//! A link holds the row's canonical content (a JSON array of its columns, made by SQLite's
//! `json_array`) and SHA-256 over the previous link's hash, its kind, key and content
//! ([`chain_hash`]). [`Tx::verify_chain`] walks the links and compares each with the row it
//! stands for, so a row rewritten or deleted with raw SQL, even with the triggers dropped,
//! breaks the chain at that row; rows added outside invoicer have no link. What it cannot catch
//! is an attacker who rewrites the chain itself from the first changed link on: the head hash,
//! which `check` prints and backups carry, is the anchor against that.

use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::Value;

use super::{Tx, sql_error};
use crate::domain::digest::{CHAIN_START, chain_hash};
use crate::error::Result;

/// What a kind of link stands for: its table, the key, the columns in content order.
struct LinkKind {
    kind: &'static str,
    table: &'static str,
    /// SQL expression of the row key, as text.
    key: &'static str,
    /// The condition that finds the row of key `?1` through the table's index (a condition on
    /// `key` itself is an expression no index serves: every link would scan the table); the
    /// key is compared as well, so `12x` finds no row 12.
    lookup: &'static str,
    columns: &'static [&'static str],
    /// Rows of `table` that must have a link.
    chained: &'static str,
}

const LINE_COLUMNS: &[&str] = &[
    "position",
    "description",
    "quantity",
    "unit_code",
    "unit_price",
    "vat_category",
    "vat_rate",
    "discount_percent",
    "discount_amount",
    "service_date",
    "net_amount",
];

const KINDS: &[LinkKind] = &[
    LinkKind {
        kind: "document",
        table: "documents",
        key: "CAST(id AS TEXT)",
        lookup: "id = CAST(?1 AS INTEGER)",
        columns: &[
            "id",
            "kind",
            "series",
            "number",
            "currency",
            "language",
            "issue_date",
            "due_date",
            "customer_id",
            "buyer_name",
            "header",
            "vat_breakdown",
            "total_net",
            "total_vat",
            "total_gross",
            "corrects_id",
            "external_id",
            "created_at",
            "finalized_at",
        ],
        chained: "status <> 'draft'",
    },
    LinkKind {
        kind: "state",
        table: "documents",
        key: "CAST(id AS TEXT)",
        lookup: "id = CAST(?1 AS INTEGER)",
        columns: &["status", "amount_paid", "amount_credited"],
        chained: "status <> 'draft'",
    },
    LinkKind {
        kind: "payment",
        table: "payments",
        key: "CAST(id AS TEXT)",
        lookup: "id = CAST(?1 AS INTEGER)",
        columns: &[
            "id",
            "document_id",
            "amount",
            "paid_on",
            "method",
            "reference",
            "created_at",
        ],
        chained: "1",
    },
    LinkKind {
        kind: "pdf",
        table: "document_pdfs",
        key: "CAST(document_id AS TEXT)",
        lookup: "document_id = CAST(?1 AS INTEGER)",
        columns: &["document_id", "sha256", "pages", "created_at"],
        chained: "1",
    },
    LinkKind {
        kind: "einvoice",
        table: "document_einvoices",
        key: "document_id || '/' || format",
        lookup: "document_id = CAST(substr(?1, 1, instr(?1, '/') - 1) AS INTEGER) AND format = substr(?1, instr(?1, '/') + 1)",
        columns: &["document_id", "format", "sha256", "created_at"],
        chained: "1",
    },
    LinkKind {
        kind: "event",
        table: "events",
        key: "CAST(id AS TEXT)",
        lookup: "id = CAST(?1 AS INTEGER)",
        columns: &[
            "id",
            "document_id",
            "at",
            "verb",
            "source",
            "reason",
            "data",
        ],
        chained: "1",
    },
];

const DOCUMENT: &LinkKind = &KINDS[0];
const STATE: &LinkKind = &KINDS[1];
const PAYMENT: &LinkKind = &KINDS[2];
const PDF: &LinkKind = &KINDS[3];
const EINVOICE: &LinkKind = &KINDS[4];
const EVENT: &LinkKind = &KINDS[5];

fn kind_named(name: &str) -> Option<&'static LinkKind> {
    KINDS.iter().find(|k| k.kind == name)
}

impl LinkKind {
    /// `SELECT <key>, <content> FROM <table>` for the rows of this kind.
    fn select(&self) -> String {
        let content = if self.kind == "document" {
            // A line's `terms` (schema v5) joins its content only when set, so the links of
            // lines written before keep matching.
            format!(
                "json_array({}, (SELECT json_group_array(CASE WHEN terms IS NULL
                       THEN json_array({lines}) ELSE json_array({lines}, json(terms)) END) FROM
                   (SELECT * FROM document_lines WHERE document_id = documents.id ORDER BY position)))",
                self.columns.join(", "),
                lines = LINE_COLUMNS.join(", ")
            )
        } else {
            format!("json_array({})", self.columns.join(", "))
        };
        format!(
            "SELECT {} AS row_key, {content} AS content FROM {}",
            self.key, self.table
        )
    }

    /// The name of the `index`-th value of this kind's content.
    fn column(&self, index: usize) -> &'static str {
        self.columns.get(index).copied().unwrap_or("lines")
    }
}

/// The first place where the chain and the rows disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// The link's number, when a link is at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    /// What the link stands for: document, state, payment, pdf, einvoice or event.
    pub kind: String,
    /// Its row: a document, payment or event id, or `document/format`.
    pub row: String,
    /// What is wrong, naming the column.
    pub problem: String,
}

/// What walking the chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Links in the chain.
    pub links: i64,
    /// The hash of the newest link: write it down (or keep the backup) to prove later that
    /// nothing before it was rewritten.
    pub head: String,
    /// Whether rows written before schema v4 still wait to be linked (the file was upgraded
    /// but not opened for writing since).
    pub genesis_pending: bool,
    /// The first disagreement, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_break: Option<ChainBreak>,
}

impl Tx<'_> {
    /// Append a link for `kind`'s row `key`, with the row's content as it is now.
    fn link(&self, kind: &LinkKind, key: &str) -> Result<()> {
        let content: String = self
            .conn
            .prepare_cached(&format!(
                "{} WHERE {} AND {} = ?1",
                kind.select(),
                kind.lookup,
                kind.key
            ))
            .and_then(|mut stmt| stmt.query_row([key], |row| row.get("content")))
            .map_err(sql_error)?;
        self.append_link(kind.kind, key, &content)
    }

    fn append_link(&self, kind: &str, key: &str, content: &str) -> Result<()> {
        let (seq, prev): (i64, String) = self
            .conn
            .prepare_cached("SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1")
            .and_then(|mut stmt| {
                stmt.query_row([], |row| Ok((row.get("seq")?, row.get("hash")?)))
                    .optional()
            })
            .map_err(sql_error)?
            .unwrap_or((0, CHAIN_START.to_string()));
        let hash = chain_hash(&prev, kind, key, content);
        self.conn
            .prepare_cached(
                "INSERT INTO chain (seq, kind, row_key, content, prev, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut stmt| stmt.execute((seq + 1, kind, key, content, prev, hash)))
            .map_err(sql_error)?;
        Ok(())
    }

    /// Link a just-finalized document and its first state.
    pub(super) fn chain_document(&self, id: i64) -> Result<()> {
        self.link(DOCUMENT, &id.to_string())?;
        self.chain_state(id)
    }

    /// Link a finalized document's status and paid and credited amounts as they are now.
    pub(super) fn chain_state(&self, id: i64) -> Result<()> {
        self.link(STATE, &id.to_string())
    }

    /// Link a payment.
    pub(super) fn chain_payment(&self, id: i64) -> Result<()> {
        self.link(PAYMENT, &id.to_string())
    }

    /// Link an archived PDF.
    pub(super) fn chain_pdf(&self, document_id: i64) -> Result<()> {
        self.link(PDF, &document_id.to_string())
    }

    /// Link an archived e-invoice.
    pub(super) fn chain_einvoice(&self, document_id: i64, format: &str) -> Result<()> {
        self.link(EINVOICE, &format!("{document_id}/{format}"))
    }

    /// Link an audit event.
    pub(super) fn chain_event(&self, id: i64) -> Result<()> {
        self.link(EVENT, &id.to_string())
    }

    /// Link every row written before schema v4, once, right after the upgrade.
    pub(super) fn start_chain(&self) -> Result<()> {
        let pending: bool = self
            .conn
            .query_row(
                "SELECT pending FROM chain_genesis WHERE id = 1",
                [],
                |row| row.get("pending"),
            )
            .map_err(sql_error)?;
        if !pending {
            return Ok(());
        }
        let mut linked = 0;
        // Documents come with their first state; the rest table by table, in the order the
        // rows were written.
        for kind in [DOCUMENT, PAYMENT, PDF, EINVOICE, EVENT] {
            let sql = format!("{} WHERE {} ORDER BY rowid", kind.select(), kind.chained);
            let mut stmt = self.conn.prepare(&sql).map_err(sql_error)?;
            let mut rows = stmt.query([]).map_err(sql_error)?;
            while let Some(row) = rows.next().map_err(sql_error)? {
                let key: String = row.get("row_key").map_err(sql_error)?;
                let content: String = row.get("content").map_err(sql_error)?;
                self.append_link(kind.kind, &key, &content)?;
                if kind.kind == DOCUMENT.kind {
                    self.link(STATE, &key)?;
                }
                linked += 1;
            }
        }
        self.conn
            .execute(
                "UPDATE chain_genesis SET pending = 0, linked = ?1, at = ?2 WHERE id = 1",
                (linked, self.stamp()),
            )
            .map_err(sql_error)?;
        Ok(())
    }

    /// The number of links and the newest link's hash.
    pub fn chain_head(&self) -> Result<(i64, String)> {
        self.conn
            .query_row(
                "SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1",
                [],
                |row| Ok((row.get("seq")?, row.get("hash")?)),
            )
            .optional()
            .map_err(sql_error)
            .map(|head| head.unwrap_or((0, CHAIN_START.to_string())))
    }

    /// Whether the rows from before schema v4 still wait for their links.
    fn genesis_pending(&self) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT pending FROM chain_genesis WHERE id = 1",
                [],
                |row| row.get("pending"),
            )
            .optional()
            .map_err(sql_error)
            .map(|pending| pending.unwrap_or(true))
    }

    /// Walk the whole chain: every link must follow from the one before, stand for a row whose
    /// content is still what was linked (for states: the newest state of each document is the
    /// document's state now), and every row that must be linked must be. With `anchor`, a hash
    /// written down earlier must be one of the links.
    pub fn verify_chain(&self, anchor: Option<&str>) -> Result<ChainReport> {
        let (links, head) = self.chain_head()?;
        let genesis_pending = self.genesis_pending()?;
        let first_break = self.first_break(anchor)?;
        Ok(ChainReport {
            links,
            head,
            genesis_pending,
            first_break,
        })
    }

    /// The cheap check `serve` runs at start: the newest link follows from its content and
    /// still matches its row, and every table has as many linked rows as rows to link.
    pub fn verify_chain_head(&self) -> Result<Option<ChainBreak>> {
        let head = self
            .conn
            .query_row(
                "SELECT seq, kind, row_key, content, prev, hash FROM chain ORDER BY seq DESC LIMIT 1",
                [],
                |row| {
                    Ok((
                        row.get::<_, i64>("seq")?,
                        row.get::<_, String>("kind")?,
                        row.get::<_, String>("row_key")?,
                        row.get::<_, String>("content")?,
                        row.get::<_, String>("prev")?,
                        row.get::<_, String>("hash")?,
                    ))
                },
            )
            .optional()
            .map_err(sql_error)?;
        if let Some((seq, kind_name, key, content, prev, hash)) = head {
            let broken = |problem: String| ChainBreak {
                seq: Some(seq),
                kind: kind_name.clone(),
                row: key.clone(),
                problem,
            };
            if chain_hash(&prev, &kind_name, &key, &content) != hash {
                return Ok(Some(broken(
                    "the newest link's hash does not match its content".into(),
                )));
            }
            let Some(kind) = kind_named(&kind_name) else {
                return Ok(Some(broken(format!("'{kind_name}' is not a kind of link"))));
            };
            let now: Option<String> = self
                .conn
                .prepare(&format!(
                    "{} WHERE {} AND {} = ?1",
                    kind.select(),
                    kind.lookup,
                    kind.key
                ))
                .and_then(|mut stmt| stmt.query_row([&key], |row| row.get("content")).optional())
                .map_err(sql_error)?;
            match now {
                None => return Ok(Some(broken(format!("the {} row was deleted", kind.table)))),
                Some(now) if now != content => {
                    return Ok(Some(broken(difference(kind, &content, &now))));
                }
                Some(_) => {}
            }
        }
        if self.genesis_pending()? {
            return Ok(None);
        }
        for kind in KINDS {
            let rows: i64 = self
                .conn
                .query_row(
                    &format!(
                        "SELECT count(*) AS n FROM {} WHERE {}",
                        kind.table, kind.chained
                    ),
                    [],
                    |row| row.get("n"),
                )
                .map_err(sql_error)?;
            let linked: i64 = self
                .conn
                .query_row(
                    "SELECT count(DISTINCT row_key) AS n FROM chain WHERE kind = ?1",
                    [kind.kind],
                    |row| row.get("n"),
                )
                .map_err(sql_error)?;
            if rows != linked {
                return Ok(Some(ChainBreak {
                    seq: None,
                    kind: kind.kind.into(),
                    row: String::new(),
                    problem: format!(
                        "{} has {rows} rows to link, the chain links {linked}: rows were added or deleted outside invoicer (run `invoicer check` for the first one)",
                        kind.table
                    ),
                }));
            }
        }
        Ok(None)
    }

    /// The current content of `kind`'s row `key`, if the row is there (and must be linked).
    fn current(&self, kind: &LinkKind, key: &str) -> Result<Option<String>> {
        self.conn
            .prepare_cached(&format!(
                "{} WHERE {} AND {} = ?1 AND {}",
                kind.select(),
                kind.lookup,
                kind.key,
                kind.chained
            ))
            .and_then(|mut stmt| stmt.query_row([key], |row| row.get("content")).optional())
            .map_err(sql_error)
    }

    /// Walk the links one by one (nothing is held in memory but the link at hand), then the
    /// newest state of every document, then look for rows without a link.
    fn first_break(&self, anchor: Option<&str>) -> Result<Option<ChainBreak>> {
        let mut prev = CHAIN_START.to_string();
        let mut expected_seq = 1;
        let mut anchor_seen = anchor.is_none();
        let mut stmt = self
            .conn
            .prepare("SELECT seq, kind, row_key, content, prev, hash FROM chain ORDER BY seq")
            .map_err(sql_error)?;
        let mut rows = stmt.query([]).map_err(sql_error)?;
        while let Some(row) = rows.next().map_err(sql_error)? {
            let seq: i64 = row.get("seq").map_err(sql_error)?;
            let kind_name: String = row.get("kind").map_err(sql_error)?;
            let key: String = row.get("row_key").map_err(sql_error)?;
            let content: String = row.get("content").map_err(sql_error)?;
            let link_prev: String = row.get("prev").map_err(sql_error)?;
            let hash: String = row.get("hash").map_err(sql_error)?;
            let broken = |problem: String| {
                Ok(Some(ChainBreak {
                    seq: Some(seq),
                    kind: kind_name.clone(),
                    row: key.clone(),
                    problem,
                }))
            };
            if seq != expected_seq {
                return broken(format!(
                    "link {expected_seq} is missing: the chain goes on with link {seq}"
                ));
            }
            if link_prev != prev {
                return broken("the link does not follow from the one before it".into());
            }
            if chain_hash(&prev, &kind_name, &key, &content) != hash {
                return broken("the link's hash does not match its content".into());
            }
            let Some(kind) = kind_named(&kind_name) else {
                return broken(format!("'{kind_name}' is not a kind of link"));
            };
            // A state is checked below, against the newest link of its document.
            if kind.kind != STATE.kind {
                match self.current(kind, &key)? {
                    None => {
                        return broken(format!(
                            "the {} row was deleted (or is no longer finalized)",
                            kind.table
                        ));
                    }
                    Some(now) if now != content => return broken(difference(kind, &content, &now)),
                    Some(_) => {}
                }
            }
            if anchor == Some(hash.as_str()) {
                anchor_seen = true;
            }
            prev = hash;
            expected_seq += 1;
        }
        drop(rows);
        drop(stmt);
        if let Some(broken) = self.first_stale_state()? {
            return Ok(Some(broken));
        }
        if !self.genesis_pending()? {
            for kind in KINDS {
                if let Some(key) = self.first_unlinked(kind)? {
                    return Ok(Some(ChainBreak {
                        seq: None,
                        kind: kind.kind.into(),
                        row: key,
                        problem: format!(
                            "this {} row is not in the chain: it was written outside invoicer",
                            kind.table
                        ),
                    }));
                }
            }
        }
        if !anchor_seen {
            return Ok(Some(ChainBreak {
                seq: None,
                kind: "anchor".into(),
                row: anchor.unwrap_or_default().into(),
                problem: "no link has this hash: the chain was rewritten, or the hash is from another database".into(),
            }));
        }
        Ok(None)
    }

    /// The first document whose state now differs from its newest state link.
    fn first_stale_state(&self) -> Result<Option<ChainBreak>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT chain.seq, chain.row_key, chain.content FROM chain
                 JOIN (SELECT max(seq) AS seq FROM chain WHERE kind = 'state' GROUP BY row_key) newest
                   ON chain.seq = newest.seq
                 ORDER BY chain.seq",
            )
            .map_err(sql_error)?;
        let mut rows = stmt.query([]).map_err(sql_error)?;
        while let Some(row) = rows.next().map_err(sql_error)? {
            let seq: i64 = row.get("seq").map_err(sql_error)?;
            let key: String = row.get("row_key").map_err(sql_error)?;
            let content: String = row.get("content").map_err(sql_error)?;
            let problem = match self.current(STATE, &key)? {
                Some(now) if now == content => continue,
                Some(now) => difference(STATE, &content, &now),
                None => "the document was deleted (or is no longer finalized)".into(),
            };
            return Ok(Some(ChainBreak {
                seq: Some(seq),
                kind: STATE.kind.into(),
                row: key,
                problem,
            }));
        }
        Ok(None)
    }

    /// The first row of `kind` that must be linked and is not.
    fn first_unlinked(&self, kind: &LinkKind) -> Result<Option<String>> {
        let sql = format!(
            "SELECT row_key FROM ({} WHERE {}) WHERE row_key NOT IN
               (SELECT row_key FROM chain WHERE kind = ?1)
             LIMIT 1",
            kind.select(),
            kind.chained
        );
        self.conn
            .query_row(&sql, [kind.kind], |row| row.get("row_key"))
            .optional()
            .map_err(sql_error)
    }
}

/// Which column differs between what was linked and what the row holds now.
fn difference(kind: &LinkKind, linked: &str, now: &str) -> String {
    let parse = |text: &str| serde_json::from_str::<Vec<Value>>(text).unwrap_or_default();
    let (was, is) = (parse(linked), parse(now));
    let index = (0..was.len().max(is.len()))
        .find(|&i| was.get(i) != is.get(i))
        .unwrap_or(0);
    let show = |v: Option<&Value>| {
        let text = v.map_or("nothing".to_string(), Value::to_string);
        if text.chars().count() > 80 {
            format!("{}…", text.chars().take(80).collect::<String>())
        } else {
            text
        }
    };
    format!(
        "{} of this {} row is {}, the chain recorded {}",
        kind.column(index),
        kind.table,
        show(is.get(index)),
        show(was.get(index))
    )
}
