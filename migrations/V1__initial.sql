-- invoicer schema v1: seller profile, customers, number series, documents, lines, payments,
-- and the audit trail. Finalized documents are frozen by triggers, so even raw SQL cannot change
-- their money or delete them.

CREATE TABLE seller_profile (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    data       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE customers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX customers_by_name ON customers (name COLLATE NOCASE);

CREATE TABLE series (
    name            TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    format          TEXT NOT NULL,
    reset           TEXT NOT NULL CHECK (reset IN ('never', 'yearly', 'monthly')),
    last_issue_date TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE series_counters (
    series       TEXT NOT NULL REFERENCES series (name),
    period       TEXT NOT NULL,
    last_counter INTEGER NOT NULL CHECK (last_counter >= 1),
    PRIMARY KEY (series, period)
) WITHOUT ROWID;

-- Counters move by exactly one and never go away: numbering stays gapless even for raw SQL.
CREATE TRIGGER series_counters_step_by_one BEFORE UPDATE ON series_counters
WHEN NEW.last_counter <> OLD.last_counter + 1 OR NEW.series <> OLD.series OR NEW.period <> OLD.period
BEGIN SELECT RAISE(ABORT, 'number counters only move forward by one'); END;
CREATE TRIGGER series_counters_start_at_one BEFORE INSERT ON series_counters
WHEN NEW.last_counter <> 1
BEGIN SELECT RAISE(ABORT, 'number counters start at 1'); END;
CREATE TRIGGER series_counters_kept BEFORE DELETE ON series_counters
BEGIN SELECT RAISE(ABORT, 'number counters cannot be deleted'); END;

INSERT INTO series (name, kind, format, reset, created_at, updated_at) VALUES
    ('invoices', 'invoice', '{YYYY}-{counter:04}', 'yearly',
     strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('credit-notes', 'credit_note', 'CN-{YYYY}-{counter:04}', 'yearly',
     strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE TABLE documents (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    status              TEXT NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'void', 'uncollectible')),
    series              TEXT NOT NULL REFERENCES series (name),
    number              TEXT,
    currency            TEXT NOT NULL,
    language            TEXT NOT NULL,
    issue_date          TEXT,
    due_date            TEXT,
    customer_id         INTEGER REFERENCES customers (id),
    buyer_name          TEXT NOT NULL,
    header              TEXT NOT NULL,
    vat_breakdown       TEXT NOT NULL,
    total_net           TEXT NOT NULL,
    total_vat           TEXT NOT NULL,
    total_gross         TEXT NOT NULL,
    amount_paid         TEXT NOT NULL DEFAULT '0',
    amount_credited     TEXT NOT NULL DEFAULT '0',
    corrects_id         INTEGER REFERENCES documents (id),
    external_id         TEXT,
    idempotency_key     TEXT,
    request_fingerprint TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    finalized_at        TEXT,
    CHECK ((status = 'draft') = (number IS NULL)),
    UNIQUE (series, number)
);
CREATE INDEX documents_by_status ON documents (status, id);
CREATE INDEX documents_by_customer ON documents (customer_id, id);
CREATE INDEX documents_by_issue_date ON documents (issue_date);
CREATE INDEX documents_by_number ON documents (number);
CREATE INDEX documents_by_corrects ON documents (corrects_id);
CREATE UNIQUE INDEX documents_external_id ON documents (external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX documents_idempotency_key ON documents (idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TRIGGER documents_finalized_are_immutable BEFORE UPDATE ON documents
WHEN OLD.status <> 'draft' AND (
       NEW.id IS NOT OLD.id OR NEW.kind IS NOT OLD.kind OR NEW.series IS NOT OLD.series
    OR NEW.number IS NOT OLD.number OR NEW.currency IS NOT OLD.currency
    OR NEW.language IS NOT OLD.language OR NEW.issue_date IS NOT OLD.issue_date
    OR NEW.due_date IS NOT OLD.due_date OR NEW.customer_id IS NOT OLD.customer_id
    OR NEW.buyer_name IS NOT OLD.buyer_name OR NEW.header IS NOT OLD.header
    OR NEW.vat_breakdown IS NOT OLD.vat_breakdown OR NEW.total_net IS NOT OLD.total_net
    OR NEW.total_vat IS NOT OLD.total_vat OR NEW.total_gross IS NOT OLD.total_gross
    OR NEW.corrects_id IS NOT OLD.corrects_id OR NEW.external_id IS NOT OLD.external_id
    OR NEW.created_at IS NOT OLD.created_at OR NEW.finalized_at IS NOT OLD.finalized_at)
BEGIN SELECT RAISE(ABORT, 'finalized documents are immutable'); END;

CREATE TRIGGER documents_status_moves_forward BEFORE UPDATE OF status ON documents
WHEN NOT (NEW.status = OLD.status
    OR (OLD.status = 'draft' AND NEW.status = 'open')
    OR (OLD.status = 'open' AND NEW.status IN ('paid', 'void', 'uncollectible'))
    OR (OLD.status = 'uncollectible' AND NEW.status IN ('paid', 'void')))
BEGIN SELECT RAISE(ABORT, 'status change not allowed by the document lifecycle'); END;

CREATE TRIGGER documents_finalized_are_kept BEFORE DELETE ON documents
WHEN OLD.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'finalized documents cannot be deleted'); END;

CREATE TABLE document_lines (
    document_id      INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    description      TEXT NOT NULL,
    quantity         TEXT NOT NULL,
    unit_code        TEXT NOT NULL,
    unit_price       TEXT NOT NULL,
    vat_category     TEXT NOT NULL,
    vat_rate         TEXT NOT NULL,
    discount_percent TEXT,
    discount_amount  TEXT,
    service_date     TEXT,
    net_amount       TEXT NOT NULL,
    PRIMARY KEY (document_id, position)
) WITHOUT ROWID;

CREATE TRIGGER lines_of_finalized_no_insert BEFORE INSERT ON document_lines
WHEN (SELECT status FROM documents WHERE id = NEW.document_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'lines of finalized documents are immutable'); END;
CREATE TRIGGER lines_of_finalized_no_update BEFORE UPDATE ON document_lines
WHEN (SELECT status FROM documents WHERE id = OLD.document_id) <> 'draft'
  OR (SELECT status FROM documents WHERE id = NEW.document_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'lines of finalized documents are immutable'); END;
CREATE TRIGGER lines_of_finalized_no_delete BEFORE DELETE ON document_lines
WHEN (SELECT status FROM documents WHERE id = OLD.document_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'lines of finalized documents are immutable'); END;

CREATE TABLE payments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents (id),
    amount      TEXT NOT NULL,
    paid_on     TEXT NOT NULL,
    method      TEXT,
    reference   TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX payments_by_document ON payments (document_id, id);

CREATE TRIGGER payments_only_on_finalized BEFORE INSERT ON payments
WHEN (SELECT status FROM documents WHERE id = NEW.document_id) NOT IN ('open', 'uncollectible')
BEGIN SELECT RAISE(ABORT, 'payments are recorded only on open or uncollectible documents'); END;
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;

-- The audit trail: one row per transition, never changed. document_id has no foreign key so
-- the trail of a deleted draft survives it.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL,
    at          TEXT NOT NULL,
    verb        TEXT NOT NULL,
    source      TEXT NOT NULL,
    reason      TEXT,
    data        TEXT
);
CREATE INDEX events_by_document ON events (document_id, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
