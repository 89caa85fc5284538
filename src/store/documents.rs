//! Documents (invoices and credit notes), their lines and payments.
//!
//! Columns hold what is filtered or frozen on its own (status, number, dates, totals); the rest
//! of the header (parties, texts, payment details) is one JSON column. Lines have their own table
//! so the triggers can freeze them row by row. Rows are read by column name.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, named_params};
use rust_decimal::Decimal;
use serde::Serialize;

use super::columns::{Amount, Json, amount};
use super::customers::like_escape;
use super::{Tx, sql_error};
use crate::domain::dashboard::Counted;
use crate::domain::document::{
    Document, DocumentContent, DocumentKind, DocumentRef, Line, NewInvoice, amount_due, is_overdue,
};
use crate::domain::lifecycle::Status;
use crate::domain::listing::{DocumentSummary, ListFilter, Page};
use crate::domain::money::Currency;
use crate::domain::party::Language;
use crate::domain::totals::{Adjustments, DocumentAllowance, Totals, VatGroup};
use crate::domain::vat::VatCategory;
use crate::error::{Error, Result};

/// The terms kept in columns of their own (filtered, sorted or frozen one by one); the
/// header JSON holds the rest of the document's terms as the domain type serializes them.
const HEADER_COLUMNS: [&str; 7] = [
    "series",
    "currency",
    "language",
    "issue_date",
    "due_date",
    "customer_id",
    "external_id",
];

/// The line terms kept in columns of their own (as before schema v5); a line's `terms` JSON
/// holds the rest, or is NULL when there is nothing else.
const LINE_COLUMNS: [&str; 9] = [
    "description",
    "quantity",
    "unit_code",
    "unit_price",
    "vat_category",
    "vat_rate",
    "discount_percent",
    "discount_amount",
    "service_date",
];

/// `value` (a serialized domain object) without `keys`.
fn without(
    value: impl Serialize,
    keys: &[&str],
) -> Result<serde_json::Map<String, serde_json::Value>> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(mut map)) => {
            for key in keys {
                map.remove(*key);
            }
            Ok(map)
        }
        Ok(_) => Err(Error::internal(
            "a document part did not serialize to an object",
        )),
        Err(e) => Err(Error::internal(format!(
            "a document part did not serialize: {e}"
        ))),
    }
}

/// Rebuild a domain value from its JSON part and its column values.
fn rebuild<T: serde::de::DeserializeOwned>(
    mut map: serde_json::Map<String, serde_json::Value>,
    columns: impl IntoIterator<Item = (&'static str, serde_json::Value)>,
) -> rusqlite::Result<T> {
    for (key, value) in columns {
        if !value.is_null() {
            map.insert(key.to_string(), value);
        }
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            Box::new(Error::storage(format!(
                "a stored document does not read back: {e}"
            ))),
        )
    })
}

fn json<T: Serialize>(value: T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// A new draft to insert.
pub struct NewDocumentRow<'a> {
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// The validated content.
    pub content: &'a DocumentContent,
    /// For a credit note: the invoice it corrects.
    pub corrects_id: Option<i64>,
    /// The caller's idempotency key.
    pub idempotency_key: Option<&'a str>,
    /// Canonical payload the key (or external id) stands for.
    pub fingerprint: &'a str,
}

/// A payment to record.
pub struct PaymentRow<'a> {
    /// Amount, in the document currency.
    pub amount: Decimal,
    /// Day the money arrived.
    pub paid_on: NaiveDate,
    /// Transfer, card, cash, …
    pub method: Option<&'a str>,
    /// Bank reference.
    pub reference: Option<&'a str>,
}

/// The columns a draft's content fills, shared by insert and update.
const CONTENT_COLUMNS: &str = "series = :series, currency = :currency, language = :language,
    issue_date = :issue_date, due_date = :due_date, customer_id = :customer_id,
    buyer_name = :buyer_name, header = :header, vat_breakdown = :vat_breakdown,
    total_net = :total_net, total_vat = :total_vat, total_gross = :total_gross,
    external_id = :external_id, updated_at = :at";

/// Run `sql` (which names the content columns as `:series` … `:at`, plus `extra`) with the
/// values of `content`.
fn execute_with_content(
    tx: &Tx<'_>,
    sql: &str,
    content: &DocumentContent,
    extra: &[(&str, &dyn rusqlite::ToSql)],
) -> Result<usize> {
    let header = Json(without(&content.invoice, &HEADER_COLUMNS)?);
    let breakdown = Json(&content.totals.vat_breakdown);
    let (series, currency, language) = (content.series(), content.currency(), content.language());
    let (net, vat, gross) = (
        Amount(content.totals.total_net),
        Amount(content.totals.total_vat),
        Amount(content.totals.total_gross),
    );
    let mut params: Vec<(&str, &dyn rusqlite::ToSql)> = vec![
        (":series", &series),
        (":currency", &currency),
        (":language", &language),
        (":issue_date", &content.issue_date),
        (":due_date", &content.due_date),
        (":customer_id", &content.customer_id),
        (":buyer_name", &content.buyer().name),
        (":header", &header),
        (":vat_breakdown", &breakdown),
        (":total_net", &net),
        (":total_vat", &vat),
        (":total_gross", &gross),
        (":external_id", &content.external_id),
        (":at", &tx.stamp),
    ];
    params.extend_from_slice(extra);
    tx.conn
        .prepare_cached(sql)
        .and_then(|mut stmt| stmt.execute(params.as_slice()))
        .map_err(sql_error)
}

impl Tx<'_> {
    /// Insert a draft with its lines; returns its id.
    pub fn insert_document(&self, row: &NewDocumentRow<'_>) -> Result<i64> {
        execute_with_content(
            self,
            "INSERT INTO documents (series, currency, language, issue_date, due_date,
                 customer_id, buyer_name, header, vat_breakdown, total_net, total_vat,
                 total_gross, external_id, updated_at, created_at, status,
                 kind, corrects_id, idempotency_key, request_fingerprint)
             VALUES (:series, :currency, :language, :issue_date, :due_date, :customer_id,
                 :buyer_name, :header, :vat_breakdown, :total_net, :total_vat, :total_gross,
                 :external_id, :at, :at, 'draft', :kind, :corrects_id, :idempotency_key,
                 :fingerprint)",
            row.content,
            &[
                (":kind", &row.kind),
                (":corrects_id", &row.corrects_id),
                (":idempotency_key", &row.idempotency_key),
                (":fingerprint", &row.fingerprint),
            ],
        )?;
        let id = self.conn.last_insert_rowid();
        self.insert_lines(id, &row.content.lines)?;
        Ok(id)
    }

    fn insert_lines(&self, document_id: i64, lines: &[Line]) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO document_lines (document_id, position, description, quantity,
                     unit_code, unit_price, vat_category, vat_rate, discount_percent,
                     discount_amount, service_date, net_amount, terms)
                 VALUES (:document_id, :position, :description, :quantity, :unit_code,
                     :unit_price, :vat_category, :vat_rate, :discount_percent,
                     :discount_amount, :service_date, :net_amount, :terms)",
            )
            .map_err(sql_error)?;
        for line in lines {
            let terms = without(&line.input, &LINE_COLUMNS)?;
            let terms = (!terms.is_empty()).then_some(Json(terms));
            stmt.execute(named_params! {
                ":document_id": document_id,
                ":position": line.position,
                ":description": line.description,
                ":quantity": Amount(line.quantity),
                ":unit_code": line.unit_code,
                ":unit_price": Amount(line.unit_price),
                ":vat_category": line.vat_category,
                ":vat_rate": Amount(line.vat_rate),
                ":discount_percent": amount(line.discount_percent),
                ":discount_amount": amount(line.discount_amount),
                ":service_date": line.service_date,
                ":net_amount": Amount(line.net_amount),
                ":terms": terms,
            })
            .map_err(sql_error)?;
        }
        Ok(())
    }

    /// Replace a draft's header and totals; with `lines` also its lines.
    pub fn update_draft(&self, id: i64, content: &DocumentContent, lines: bool) -> Result<()> {
        let changed = execute_with_content(
            self,
            &format!("UPDATE documents SET {CONTENT_COLUMNS} WHERE id = :id AND status = 'draft'"),
            content,
            &[(":id", &id)],
        )?;
        if changed != 1 {
            return Err(Error::invalid_status(format!(
                "document {id} is no longer a draft"
            )));
        }
        if lines {
            self.conn
                .prepare_cached("DELETE FROM document_lines WHERE document_id = ?1")
                .and_then(|mut stmt| stmt.execute([id]))
                .map_err(sql_error)?;
            self.insert_lines(id, &content.lines)?;
        }
        Ok(())
    }

    /// Delete a draft and its lines.
    pub fn delete_draft(&self, id: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM document_lines WHERE document_id = ?1", [id])
            .map_err(sql_error)?;
        let deleted = self
            .conn
            .execute(
                "DELETE FROM documents WHERE id = ?1 AND status = 'draft'",
                [id],
            )
            .map_err(sql_error)?;
        if deleted != 1 {
            return Err(Error::invalid_status(format!(
                "document {id} is not a draft"
            )));
        }
        Ok(())
    }

    /// Give a draft its number and make it open; the frozen document joins the hash chain.
    pub fn mark_finalized(&self, id: i64, number: &str) -> Result<()> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE documents SET status = 'open', number = :number, finalized_at = :at,
                     updated_at = :at
                 WHERE id = :id AND status = 'draft'",
            )
            .and_then(|mut stmt| {
                stmt.execute(named_params! {":id": id, ":number": number, ":at": self.stamp})
            })
            .map_err(sql_error)?;
        if changed != 1 {
            return Err(Error::invalid_status(format!(
                "document {id} is no longer a draft"
            )));
        }
        self.chain_document(id)
    }

    /// Move a finalized document to another status (the triggers check the move).
    pub fn set_status(&self, id: i64, status: Status) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE documents SET status = ?2, updated_at = ?3 WHERE id = ?1")
            .and_then(|mut stmt| stmt.execute((id, status, &self.stamp)))
            .map_err(sql_error)?;
        self.chain_state(id)
    }

    /// Record a payment and raise the document's paid amount.
    pub fn add_payment(&self, id: i64, payment: &PaymentRow<'_>, new_paid: Decimal) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO payments (document_id, amount, paid_on, method, reference, created_at)
                 VALUES (:id, :amount, :paid_on, :method, :reference, :at)",
            )
            .and_then(|mut stmt| {
                stmt.execute(named_params! {
                    ":id": id,
                    ":amount": Amount(payment.amount),
                    ":paid_on": payment.paid_on,
                    ":method": payment.method,
                    ":reference": payment.reference,
                    ":at": self.stamp,
                })
            })
            .map_err(sql_error)?;
        let payment_id = self.conn.last_insert_rowid();
        self.conn
            .prepare_cached("UPDATE documents SET amount_paid = ?2, updated_at = ?3 WHERE id = ?1")
            .and_then(|mut stmt| stmt.execute((id, Amount(new_paid), &self.stamp)))
            .map_err(sql_error)?;
        self.chain_payment(payment_id)?;
        self.chain_state(id)
    }

    /// Set an invoice's credited amount.
    pub fn set_credited(&self, id: i64, credited: Decimal) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE documents SET amount_credited = ?2, updated_at = ?3 WHERE id = ?1",
            )
            .and_then(|mut stmt| stmt.execute((id, Amount(credited), &self.stamp)))
            .map_err(sql_error)?;
        self.chain_state(id)
    }

    /// Gross of the credit notes against `invoice_id`: (finalized, drafts other than `except`).
    pub fn credit_totals(
        &self,
        invoice_id: i64,
        except: Option<i64>,
    ) -> Result<(Decimal, Decimal)> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT status, total_gross FROM documents
                 WHERE corrects_id = ?1 AND kind = 'credit_note' AND status <> 'void' AND id IS NOT ?2",
            )
            .map_err(sql_error)?;
        let rows = stmt
            .query_map((invoice_id, except), |row| {
                Ok((
                    row.get::<_, Status>("status")?,
                    row.get::<_, Amount>("total_gross")?.0,
                ))
            })
            .map_err(sql_error)?;
        let (mut finalized, mut drafts) = (Decimal::ZERO, Decimal::ZERO);
        for row in rows {
            let (status, gross) = row.map_err(sql_error)?;
            if status == Status::Draft {
                drafts += gross;
            } else {
                finalized += gross;
            }
        }
        Ok((finalized, drafts))
    }

    /// A document's id by its number (numbers are unique per series; the newest wins if two
    /// series share one).
    pub fn document_id_by_number(&self, number: &str) -> Result<Option<i64>> {
        self.conn
            .prepare_cached("SELECT id FROM documents WHERE number = ?1 ORDER BY id DESC LIMIT 1")
            .and_then(|mut stmt| stmt.query_row([number], |row| row.get("id")).optional())
            .map_err(sql_error)
    }

    /// The document created with this idempotency key or external id, and its request
    /// fingerprint.
    pub fn document_by_request_key(
        &self,
        idempotency_key: Option<&str>,
        external_id: Option<&str>,
    ) -> Result<Option<(i64, String)>> {
        self.conn
            .prepare_cached(
                "SELECT id, coalesce(request_fingerprint, '') AS fingerprint FROM documents
                 WHERE idempotency_key = ?1 OR external_id = ?2 ORDER BY id LIMIT 1",
            )
            .and_then(|mut stmt| {
                stmt.query_row((idempotency_key, external_id), |row| {
                    Ok((row.get("id")?, row.get("fingerprint")?))
                })
                .optional()
            })
            .map_err(sql_error)
    }

    /// One document with its lines.
    pub fn document(&self, id: i64) -> Result<Document> {
        let row = self
            .conn
            .prepare_cached("SELECT * FROM documents WHERE id = ?1")
            .and_then(|mut stmt| stmt.query_row([id], DocumentRow::read).optional())
            .map_err(sql_error)?
            .ok_or_else(|| Error::not_found(format!("no document with id {id}")))?;
        let lines = self.lines(id)?;
        let corrects = row
            .corrects_id
            .map(|cid| self.document_ref(cid))
            .transpose()?;
        row.into_document(lines, corrects, self.today()?)
            .map_err(sql_error)
    }

    fn document_ref(&self, id: i64) -> Result<DocumentRef> {
        self.conn
            .prepare_cached("SELECT number, issue_date FROM documents WHERE id = ?1")
            .and_then(|mut stmt| {
                stmt.query_row([id], |row| {
                    Ok(DocumentRef {
                        id,
                        number: row.get("number")?,
                        issue_date: row.get("issue_date")?,
                    })
                })
            })
            .map_err(sql_error)
    }

    /// The lines of a document, in order.
    pub(super) fn lines(&self, document_id: i64) -> Result<Vec<Line>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT * FROM document_lines WHERE document_id = ?1 ORDER BY position")
            .map_err(sql_error)?;
        let rows = stmt.query_map([document_id], line).map_err(sql_error)?;
        rows.map(|row| row.map_err(sql_error)).collect()
    }

    /// A page of document summaries, newest first.
    pub fn list_documents(&self, filter: &ListFilter) -> Result<Page> {
        let today = self.today()?;
        let limit = filter.page_size()?;
        let mut clauses: Vec<&str> = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        let mut add = |clause: &'static str, value: Value| {
            clauses.push(clause);
            params.push(value);
        };
        if let Some(before) = filter.before_id()? {
            add("id < ?", Value::Integer(before));
        }
        if filter.overdue {
            add("status = ?", Value::Text("open".into()));
            add("due_date < ?", Value::Text(today.to_string()));
        } else if let Some(status) = filter.status {
            add("status = ?", Value::Text(status.as_str().into()));
        }
        if let Some(kind) = filter.kind {
            add("kind = ?", Value::Text(kind.as_str().into()));
        }
        if let Some(customer) = filter.customer_id {
            add("customer_id = ?", Value::Integer(customer));
        }
        if let Some(from) = filter.from {
            add("issue_date >= ?", Value::Text(from.to_string()));
        }
        if let Some(to) = filter.to {
            add("issue_date <= ?", Value::Text(to.to_string()));
        }
        let pattern = filter
            .query
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| format!("%{}%", like_escape(q)));
        if let Some(pattern) = pattern {
            clauses.push(
                "(number LIKE ? ESCAPE '\\' OR buyer_name LIKE ? ESCAPE '\\' OR external_id LIKE ? ESCAPE '\\')",
            );
            for _ in 0..3 {
                params.push(Value::Text(pattern.clone()));
            }
        }
        let where_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM documents {where_sql} ORDER BY id DESC LIMIT {}",
            limit + 1
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(sql_error)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), |row| {
                summary(row, today)
            })
            .map_err(sql_error)?;
        let mut items = rows
            .map(|row| row.map_err(sql_error))
            .collect::<Result<Vec<_>>>()?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|d| d.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// The finalized documents the dashboard counts: every open one, and the others (not
    /// void) issued on or after `since`.
    pub fn dashboard_documents(&self, since: NaiveDate) -> Result<Vec<Counted>> {
        let today = self.today()?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS}, total_net FROM documents
                 WHERE status = 'open'
                    OR (status IN ('paid', 'uncollectible') AND issue_date >= ?1)"
            ))
            .map_err(sql_error)?;
        let rows = stmt
            .query_map([since.to_string()], |row| {
                Ok(Counted {
                    summary: summary(row, today)?,
                    total_net: row.get::<_, Amount>("total_net")?.0,
                })
            })
            .map_err(sql_error)?;
        rows.map(|row| row.map_err(sql_error)).collect()
    }
}

/// A `document_lines` row.
fn line(row: &Row<'_>) -> rusqlite::Result<Line> {
    let terms = row
        .get::<_, Option<Json<serde_json::Map<String, serde_json::Value>>>>("terms")?
        .map(|j| j.0)
        .unwrap_or_default();
    let decimal = |column: &str| row.get::<_, Amount>(column).map(|a| json(a.0));
    let optional = |column: &str| {
        row.get::<_, Option<Amount>>(column)
            .map(|a| a.map_or(serde_json::Value::Null, |a| json(a.0)))
    };
    let input = rebuild(
        terms,
        [
            ("description", json(row.get::<_, String>("description")?)),
            ("quantity", decimal("quantity")?),
            ("unit_code", json(row.get::<_, String>("unit_code")?)),
            ("unit_price", decimal("unit_price")?),
            (
                "vat_category",
                json(row.get::<_, VatCategory>("vat_category")?),
            ),
            ("vat_rate", decimal("vat_rate")?),
            ("discount_percent", optional("discount_percent")?),
            ("discount_amount", optional("discount_amount")?),
            (
                "service_date",
                json(row.get::<_, Option<NaiveDate>>("service_date")?),
            ),
        ],
    )?;
    Ok(Line {
        position: row.get("position")?,
        input,
        net_amount: row.get::<_, Amount>("net_amount")?.0,
    })
}

/// The columns [`summary`] reads.
const SUMMARY_COLUMNS: &str = "id, kind, status, number, buyer_name, customer_id, currency,
    issue_date, due_date, total_gross, amount_paid, amount_credited,
    json_extract(header, '$.paid_amount') AS paid_before,
    json_extract(header, '$.rounding_amount') AS rounding";

/// A row of the document list.
fn summary(row: &Row<'_>, today: NaiveDate) -> rusqlite::Result<DocumentSummary> {
    let status: Status = row.get("status")?;
    let currency: Currency = row.get("currency")?;
    let due_date: Option<NaiveDate> = row.get("due_date")?;
    let gross = row.get::<_, Amount>("total_gross")?.0;
    let adjustment = |column: &str| {
        row.get::<_, Option<Amount>>(column)
            .map(|a| a.map_or(Decimal::ZERO, |a| a.0))
    };
    let payable = gross - adjustment("paid_before")? + adjustment("rounding")?;
    Ok(DocumentSummary {
        id: row.get("id")?,
        kind: row.get("kind")?,
        status,
        number: row.get("number")?,
        buyer_name: row.get("buyer_name")?,
        customer_id: row.get("customer_id")?,
        amount_due: due_for(
            status,
            payable,
            row.get::<_, Amount>("amount_paid")?.0,
            row.get::<_, Amount>("amount_credited")?.0,
            currency,
        ),
        currency,
        issue_date: row.get("issue_date")?,
        due_date,
        total_gross: gross,
        overdue: is_overdue(status, due_date, today),
    })
}

/// Void documents owe nothing; everything else owes payable − paid − credited.
fn due_for(
    status: Status,
    gross: Decimal,
    paid: Decimal,
    credited: Decimal,
    currency: Currency,
) -> Decimal {
    if status == Status::Void {
        amount_due(Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, currency)
    } else {
        amount_due(gross, paid, credited, currency)
    }
}

/// A `documents` row as read.
struct DocumentRow {
    id: i64,
    kind: DocumentKind,
    status: Status,
    series: String,
    number: Option<String>,
    currency: Currency,
    language: Language,
    issue_date: Option<NaiveDate>,
    due_date: Option<NaiveDate>,
    customer_id: Option<i64>,
    header: serde_json::Map<String, serde_json::Value>,
    vat_breakdown: Vec<VatGroup>,
    total_net: Decimal,
    total_vat: Decimal,
    total_gross: Decimal,
    amount_paid: Decimal,
    amount_credited: Decimal,
    corrects_id: Option<i64>,
    external_id: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    finalized_at: Option<DateTime<Utc>>,
}

impl DocumentRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<DocumentRow> {
        let decimal = |column: &str| row.get::<_, Amount>(column).map(|a| a.0);
        Ok(DocumentRow {
            id: row.get("id")?,
            kind: row.get("kind")?,
            status: row.get("status")?,
            series: row.get("series")?,
            number: row.get("number")?,
            currency: row.get("currency")?,
            language: row.get("language")?,
            issue_date: row.get("issue_date")?,
            due_date: row.get("due_date")?,
            customer_id: row.get("customer_id")?,
            header: row
                .get::<_, Json<serde_json::Map<String, serde_json::Value>>>("header")?
                .0,
            vat_breakdown: row.get::<_, Json<Vec<VatGroup>>>("vat_breakdown")?.0,
            total_net: decimal("total_net")?,
            total_vat: decimal("total_vat")?,
            total_gross: decimal("total_gross")?,
            amount_paid: decimal("amount_paid")?,
            amount_credited: decimal("amount_credited")?,
            corrects_id: row.get("corrects_id")?,
            external_id: row.get("external_id")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            finalized_at: row.get("finalized_at")?,
        })
    }

    fn into_document(
        self,
        lines: Vec<Line>,
        corrects: Option<DocumentRef>,
        today: NaiveDate,
    ) -> rusqlite::Result<Document> {
        let currency = self.currency;
        // Stored sums start as '0': show them in the currency's minor unit like every amount.
        let amount_paid = currency.rescale(self.amount_paid);
        let amount_credited = currency.rescale(self.amount_credited);
        let invoice: NewInvoice = rebuild(
            self.header,
            [
                ("series", json(&self.series)),
                ("currency", json(currency.code())),
                ("language", json(self.language)),
                ("issue_date", json(self.issue_date)),
                ("due_date", json(self.due_date)),
                ("customer_id", json(self.customer_id)),
                ("external_id", json(&self.external_id)),
            ],
        )?;
        let totals = Totals {
            vat_breakdown: self.vat_breakdown,
            total_net: self.total_net,
            total_vat: self.total_vat,
            total_gross: self.total_gross,
            ..Totals::default()
        }
        .complete(
            lines.iter().map(|l| l.net_amount),
            &DocumentAllowance::all(&invoice.allowances, &invoice.charges),
            Adjustments::of(invoice.paid_amount, invoice.rounding_amount),
            currency,
        );
        Ok(Document {
            id: self.id,
            kind: self.kind,
            status: self.status,
            number: self.number,
            amount_due: due_for(
                self.status,
                totals.amount_payable,
                amount_paid,
                amount_credited,
                currency,
            ),
            amount_paid,
            amount_credited,
            overdue: is_overdue(self.status, self.due_date, today),
            content: DocumentContent {
                invoice,
                lines,
                totals,
            },
            corrects,
            created_at: self.created_at,
            updated_at: self.updated_at,
            finalized_at: self.finalized_at,
        })
    }
}
