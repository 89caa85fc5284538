-- invoicer schema v3: the e-invoice of a finalized document, made at finalization when a
-- default format is configured (or on first export), kept as issued with its SHA-256. One row
-- per document and format; rows can be added but never changed or removed.

CREATE TABLE document_einvoices (
    document_id INTEGER NOT NULL REFERENCES documents (id),
    format      TEXT NOT NULL,
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    content     BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (document_id, format)
);

CREATE TRIGGER document_einvoices_only_finalized BEFORE INSERT ON document_einvoices
WHEN COALESCE((SELECT status FROM documents WHERE id = NEW.document_id), 'draft') = 'draft'
BEGIN SELECT RAISE(ABORT, 'only finalized documents have an archived e-invoice'); END;
CREATE TRIGGER document_einvoices_no_update BEFORE UPDATE ON document_einvoices
BEGIN SELECT RAISE(ABORT, 'archived e-invoices are immutable'); END;
CREATE TRIGGER document_einvoices_no_delete BEFORE DELETE ON document_einvoices
BEGIN SELECT RAISE(ABORT, 'archived e-invoices are immutable'); END;
