//! Documents (invoices and credit notes), their lines and payments.
//!
//! Columns hold what is filtered or frozen on its own (status, number, dates, totals); the rest
//! of the header (parties, texts, payment details) is one JSON column. Lines have their own table
//! so the triggers can freeze them row by row.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::customers::like_escape;
use super::{Tx, now, parse_date, parse_decimal, parse_json, parse_time, sql_error, to_json};
use crate::domain::document::{
    Document, DocumentContent, DocumentKind, DocumentRef, Line, Period, amount_due, is_overdue,
};
use crate::domain::lifecycle::Status;
use crate::domain::listing::{DocumentSummary, ListFilter, Page};
use crate::domain::money::Currency;
use crate::domain::party::{Language, Party, PaymentDetails};
use crate::domain::totals::{Totals, VatGroup};
use crate::domain::vat::VatCategory;
use crate::error::{Error, Result};

/// The header fields kept as one JSON column.
#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Header {
    seller: Option<Party>,
    buyer: Party,
    supply_date: Option<NaiveDate>,
    service_period: Option<Period>,
    payment_terms: Option<String>,
    buyer_reference: Option<String>,
    order_reference: Option<String>,
    notes: Option<String>,
    payment: PaymentDetails,
    prices_include_vat: bool,
    vat_exemption_reasons: BTreeMap<VatCategory, String>,
}

impl Header {
    fn of(content: &DocumentContent) -> Header {
        Header {
            seller: content.seller.clone(),
            buyer: content.buyer.clone(),
            supply_date: content.supply_date,
            service_period: content.service_period,
            payment_terms: content.payment_terms.clone(),
            buyer_reference: content.buyer_reference.clone(),
            order_reference: content.order_reference.clone(),
            notes: content.notes.clone(),
            payment: content.payment.clone(),
            prices_include_vat: content.prices_include_vat,
            vat_exemption_reasons: content.vat_exemption_reasons.clone(),
        }
    }
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

/// The columns a draft's content fills, in the order `?1`..`?14` of the insert and update
/// statements: series, currency, language, issue_date, due_date, customer_id, buyer_name,
/// header, vat_breakdown, total_net, total_vat, total_gross, external_id, updated_at.
fn content_values(content: &DocumentContent) -> rusqlite::Result<[Value; 14]> {
    let text = |s: &str| Value::Text(s.to_string());
    let date = |d: Option<NaiveDate>| d.map_or(Value::Null, |d| Value::Text(d.to_string()));
    let json = |v: Result<String>| {
        v.map(Value::Text)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
    };
    Ok([
        text(&content.series),
        text(&content.currency),
        text(content.language.as_str()),
        date(content.issue_date),
        date(content.due_date),
        content.customer_id.map_or(Value::Null, Value::Integer),
        text(&content.buyer.name),
        json(to_json(&Header::of(content)))?,
        json(to_json(&content.totals.vat_breakdown))?,
        text(&content.totals.total_net.to_string()),
        text(&content.totals.total_vat.to_string()),
        text(&content.totals.total_gross.to_string()),
        content.external_id.as_deref().map_or(Value::Null, text),
        Value::Text(now()),
    ])
}

const DOCUMENT_COLUMNS: &str = "id, kind, status, series, number, currency, language, issue_date,
    due_date, customer_id, header, vat_breakdown, total_net, total_vat, total_gross, amount_paid,
    amount_credited, corrects_id, external_id, created_at, updated_at, finalized_at";

/// A documents row as read, before parsing.
struct RawDocument {
    text: [Option<String>; 19],
    id: i64,
    customer_id: Option<i64>,
    corrects_id: Option<i64>,
}

fn raw_document(row: &Row<'_>) -> rusqlite::Result<RawDocument> {
    // Column order as DOCUMENT_COLUMNS; integers at 0, 9 and 17.
    let text_columns = [
        1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21,
    ];
    let mut text: [Option<String>; 19] = Default::default();
    for (slot, column) in text.iter_mut().zip(text_columns) {
        *slot = row.get(column)?;
    }
    Ok(RawDocument {
        text,
        id: row.get(0)?,
        customer_id: row.get(9)?,
        corrects_id: row.get(17)?,
    })
}

fn required(value: &Option<String>, column: &str) -> Result<String> {
    value
        .clone()
        .ok_or_else(|| Error::storage(format!("column {column} is unexpectedly empty")))
}

impl Tx<'_> {
    /// Insert a draft with its lines; returns its id.
    pub fn insert_document(&self, row: &NewDocumentRow<'_>) -> Result<i64> {
        let extra = [
            Value::Text(row.kind.as_str().into()),
            row.corrects_id.map_or(Value::Null, Value::Integer),
            row.idempotency_key
                .map_or(Value::Null, |k| Value::Text(k.into())),
            Value::Text(row.fingerprint.into()),
        ];
        self.conn
            .prepare_cached(
                "INSERT INTO documents (series, currency, language, issue_date, due_date,
                     customer_id, buyer_name, header, vat_breakdown, total_net, total_vat,
                     total_gross, external_id, updated_at, created_at, status,
                     kind, corrects_id, idempotency_key, request_fingerprint)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, 'draft',
                     ?15, ?16, ?17, ?18)",
            )
            .and_then(|mut stmt| {
                stmt.execute(rusqlite::params_from_iter(
                    content_values(row.content)?.into_iter().chain(extra),
                ))
            })
            .map_err(sql_error)?;
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
                     discount_amount, service_date, net_amount)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .map_err(sql_error)?;
        for line in lines {
            stmt.execute(rusqlite::params![
                document_id,
                line.position,
                line.description,
                line.quantity.to_string(),
                line.unit_code,
                line.unit_price.to_string(),
                line.vat_category.code(),
                line.vat_rate.to_string(),
                line.discount_percent.map(|d| d.to_string()),
                line.discount_amount.map(|d| d.to_string()),
                line.service_date.map(|d| d.to_string()),
                line.net_amount.to_string(),
            ])
            .map_err(sql_error)?;
        }
        Ok(())
    }

    /// Replace a draft's header and totals; with `lines` also its lines.
    pub fn update_draft(&self, id: i64, content: &DocumentContent, lines: bool) -> Result<()> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE documents SET series = ?1, currency = ?2, language = ?3, issue_date = ?4,
                     due_date = ?5, customer_id = ?6, buyer_name = ?7, header = ?8,
                     vat_breakdown = ?9, total_net = ?10, total_vat = ?11, total_gross = ?12,
                     external_id = ?13, updated_at = ?14
                 WHERE id = ?15 AND status = 'draft'",
            )
            .and_then(|mut stmt| {
                stmt.execute(rusqlite::params_from_iter(
                    content_values(content)?
                        .into_iter()
                        .chain([Value::Integer(id)]),
                ))
            })
            .map_err(sql_error)?;
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

    /// Give a draft its number and make it open.
    pub fn mark_finalized(&self, id: i64, number: &str) -> Result<()> {
        let at = now();
        self.conn
            .prepare_cached(
                "UPDATE documents SET status = 'open', number = ?2, finalized_at = ?3, updated_at = ?3
                 WHERE id = ?1 AND status = 'draft'",
            )
            .and_then(|mut stmt| stmt.execute((id, number, at)))
            .map_err(sql_error)?;
        Ok(())
    }

    /// Move a finalized document to another status (the triggers check the move).
    pub fn set_status(&self, id: i64, status: Status) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE documents SET status = ?2, updated_at = ?3 WHERE id = ?1")
            .and_then(|mut stmt| stmt.execute((id, status.as_str(), now())))
            .map_err(sql_error)?;
        Ok(())
    }

    /// Record a payment and raise the document's paid amount.
    pub fn add_payment(&self, id: i64, payment: &PaymentRow<'_>, new_paid: Decimal) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO payments (document_id, amount, paid_on, method, reference, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut stmt| {
                stmt.execute(rusqlite::params![
                    id,
                    payment.amount.to_string(),
                    payment.paid_on.to_string(),
                    payment.method,
                    payment.reference,
                    now(),
                ])
            })
            .map_err(sql_error)?;
        self.conn
            .prepare_cached("UPDATE documents SET amount_paid = ?2, updated_at = ?3 WHERE id = ?1")
            .and_then(|mut stmt| stmt.execute((id, new_paid.to_string(), now())))
            .map_err(sql_error)?;
        Ok(())
    }

    /// Set an invoice's credited amount.
    pub fn set_credited(&self, id: i64, credited: Decimal) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE documents SET amount_credited = ?2, updated_at = ?3 WHERE id = ?1",
            )
            .and_then(|mut stmt| stmt.execute((id, credited.to_string(), now())))
            .map_err(sql_error)?;
        Ok(())
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
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(sql_error)?;
        let (mut finalized, mut drafts) = (Decimal::ZERO, Decimal::ZERO);
        for row in rows {
            let (status, gross) = row.map_err(sql_error)?;
            let gross = parse_decimal(&gross)?;
            if status == "draft" {
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
            .and_then(|mut stmt| stmt.query_row([number], |row| row.get(0)).optional())
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
                "SELECT id, coalesce(request_fingerprint, '') FROM documents
                 WHERE idempotency_key = ?1 OR external_id = ?2 ORDER BY id LIMIT 1",
            )
            .and_then(|mut stmt| {
                stmt.query_row((idempotency_key, external_id), |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()
            })
            .map_err(sql_error)
    }

    /// One document with its lines.
    pub fn document(&self, id: i64) -> Result<Document> {
        let raw = self
            .conn
            .prepare_cached(&format!(
                "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = ?1"
            ))
            .and_then(|mut stmt| stmt.query_row([id], raw_document).optional())
            .map_err(sql_error)?
            .ok_or_else(|| Error::not_found(format!("no document with id {id}")))?;
        let lines = self.lines(id)?;
        let corrects = raw
            .corrects_id
            .map(|cid| self.document_ref(cid))
            .transpose()?;
        build_document(raw, lines, corrects)
    }

    fn document_ref(&self, id: i64) -> Result<DocumentRef> {
        self.conn
            .prepare_cached("SELECT number, issue_date FROM documents WHERE id = ?1")
            .and_then(|mut stmt| {
                stmt.query_row([id], |row| {
                    Ok((
                        row.get::<_, Option<String>>(0)?,
                        row.get::<_, Option<String>>(1)?,
                    ))
                })
            })
            .map_err(sql_error)
            .and_then(|(number, date)| {
                Ok(DocumentRef {
                    id,
                    number,
                    issue_date: date.as_deref().map(parse_date).transpose()?,
                })
            })
    }

    fn lines(&self, document_id: i64) -> Result<Vec<Line>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT position, description, quantity, unit_code, unit_price, vat_category,
                     vat_rate, discount_percent, discount_amount, service_date, net_amount
                 FROM document_lines WHERE document_id = ?1 ORDER BY position",
            )
            .map_err(sql_error)?;
        let rows = stmt
            .query_map([document_id], |row| {
                let mut text: [Option<String>; 10] = Default::default();
                for (i, slot) in text.iter_mut().enumerate() {
                    *slot = row.get(i + 1)?;
                }
                Ok((row.get::<_, u32>(0)?, text))
            })
            .map_err(sql_error)?;
        rows.map(|row| {
            let (position, t) = row.map_err(sql_error)?;
            let decimal = |v: &Option<String>| v.as_deref().map(parse_decimal).transpose();
            Ok(Line {
                position,
                description: required(&t[0], "description")?,
                quantity: parse_decimal(&required(&t[1], "quantity")?)?,
                unit_code: required(&t[2], "unit_code")?,
                unit_price: parse_decimal(&required(&t[3], "unit_price")?)?,
                vat_category: required(&t[4], "vat_category")?.parse()?,
                vat_rate: parse_decimal(&required(&t[5], "vat_rate")?)?,
                discount_percent: decimal(&t[6])?,
                discount_amount: decimal(&t[7])?,
                service_date: t[8].as_deref().map(parse_date).transpose()?,
                net_amount: parse_decimal(&required(&t[9], "net_amount")?)?,
            })
        })
        .collect()
    }

    /// A page of document summaries, newest first.
    pub fn list_documents(&self, filter: &ListFilter, today: NaiveDate) -> Result<Page> {
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
            "SELECT id, kind, status, number, buyer_name, customer_id, currency, issue_date,
                 due_date, total_gross, amount_paid, amount_credited
             FROM documents {where_sql} ORDER BY id DESC LIMIT {}",
            limit + 1
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(sql_error)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), |row| {
                let mut text: [Option<String>; 10] = Default::default();
                for (slot, column) in text.iter_mut().zip([1, 2, 3, 4, 6, 7, 8, 9, 10, 11]) {
                    *slot = row.get(column)?;
                }
                Ok((row.get::<_, i64>(0)?, row.get::<_, Option<i64>>(5)?, text))
            })
            .map_err(sql_error)?;
        let mut items = Vec::with_capacity(limit as usize);
        for row in rows {
            let (id, customer_id, t) = row.map_err(sql_error)?;
            let status = Status::parse(&required(&t[1], "status")?)?;
            let currency = required(&t[4], "currency")?;
            let due_date = t[6].as_deref().map(parse_date).transpose()?;
            let gross = parse_decimal(&required(&t[7], "total_gross")?)?;
            let paid = parse_decimal(&required(&t[8], "amount_paid")?)?;
            let credited = parse_decimal(&required(&t[9], "amount_credited")?)?;
            items.push(DocumentSummary {
                id,
                kind: DocumentKind::parse(&required(&t[0], "kind")?)?,
                status,
                number: t[2].clone(),
                buyer_name: required(&t[3], "buyer_name")?,
                customer_id,
                amount_due: due_for(status, gross, paid, credited, &currency),
                currency,
                issue_date: t[5].as_deref().map(parse_date).transpose()?,
                due_date,
                total_gross: gross,
                overdue: is_overdue(status, due_date, today),
            });
        }
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|d| d.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }
}

/// Void documents owe nothing; everything else owes gross − paid − credited.
fn due_for(
    status: Status,
    gross: Decimal,
    paid: Decimal,
    credited: Decimal,
    currency: &str,
) -> Decimal {
    if status == Status::Void {
        amount_due(Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, currency)
    } else {
        amount_due(gross, paid, credited, currency)
    }
}

fn build_document(
    raw: RawDocument,
    lines: Vec<Line>,
    corrects: Option<DocumentRef>,
) -> Result<Document> {
    let t = &raw.text;
    // Text columns in order: kind, status, series, number, currency, language, issue_date,
    // due_date, header, vat_breakdown, total_net, total_vat, total_gross, amount_paid,
    // amount_credited, external_id, created_at, updated_at, finalized_at.
    let status = Status::parse(&required(&t[1], "status")?)?;
    let header: Header = parse_json(&required(&t[8], "header")?)?;
    let vat_breakdown: Vec<VatGroup> = parse_json(&required(&t[9], "vat_breakdown")?)?;
    let currency = required(&t[4], "currency")?;
    let due_date = t[7].as_deref().map(parse_date).transpose()?;
    let totals = Totals {
        vat_breakdown,
        total_net: parse_decimal(&required(&t[10], "total_net")?)?,
        total_vat: parse_decimal(&required(&t[11], "total_vat")?)?,
        total_gross: parse_decimal(&required(&t[12], "total_gross")?)?,
    };
    // Stored sums start as '0': show them in the currency's minor unit like every amount.
    let minor_units = |amount: Decimal| match Currency::from_code(&currency) {
        Ok(c) => c.rescale(amount),
        Err(_) => amount,
    };
    let amount_paid = minor_units(parse_decimal(&required(&t[13], "amount_paid")?)?);
    let amount_credited = minor_units(parse_decimal(&required(&t[14], "amount_credited")?)?);
    let today = chrono::Utc::now().date_naive();
    Ok(Document {
        id: raw.id,
        kind: DocumentKind::parse(&required(&t[0], "kind")?)?,
        status,
        number: t[3].clone(),
        amount_due: due_for(
            status,
            totals.total_gross,
            amount_paid,
            amount_credited,
            &currency,
        ),
        amount_paid,
        amount_credited,
        overdue: is_overdue(status, due_date, today),
        content: DocumentContent {
            series: required(&t[2], "series")?,
            customer_id: raw.customer_id,
            seller: header.seller,
            buyer: header.buyer,
            currency,
            language: Language::parse(&required(&t[5], "language")?)?,
            issue_date: t[6].as_deref().map(parse_date).transpose()?,
            supply_date: header.supply_date,
            service_period: header.service_period,
            due_date,
            payment_terms: header.payment_terms,
            buyer_reference: header.buyer_reference,
            order_reference: header.order_reference,
            notes: header.notes,
            payment: header.payment,
            external_id: t[15].clone(),
            prices_include_vat: header.prices_include_vat,
            vat_exemption_reasons: header.vat_exemption_reasons,
            lines,
            totals,
        },
        corrects,
        created_at: parse_time(&required(&t[16], "created_at")?)?,
        updated_at: parse_time(&required(&t[17], "updated_at")?)?,
        finalized_at: t[18].as_deref().map(parse_time).transpose()?,
    })
}
