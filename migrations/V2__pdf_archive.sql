-- invoicer schema v2: the PDF of every finalized document, rendered once at finalization and
-- kept as issued, with its SHA-256. Archived PDFs can be added but never changed or removed.

CREATE TABLE document_pdfs (
    document_id INTEGER PRIMARY KEY REFERENCES documents (id),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    pdf         BLOB NOT NULL,
    pages       INTEGER NOT NULL CHECK (pages >= 1),
    created_at  TEXT NOT NULL
);

CREATE TRIGGER document_pdfs_only_finalized BEFORE INSERT ON document_pdfs
WHEN COALESCE((SELECT status FROM documents WHERE id = NEW.document_id), 'draft') = 'draft'
BEGIN SELECT RAISE(ABORT, 'only finalized documents have an archived PDF'); END;
CREATE TRIGGER document_pdfs_no_update BEFORE UPDATE ON document_pdfs
BEGIN SELECT RAISE(ABORT, 'archived PDFs are immutable'); END;
CREATE TRIGGER document_pdfs_no_delete BEFORE DELETE ON document_pdfs
BEGIN SELECT RAISE(ABORT, 'archived PDFs are immutable'); END;
