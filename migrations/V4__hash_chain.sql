-- invoicer schema v4: the record's hash chain. Every finalized document, every change of its
-- status or paid and credited amounts, every payment, archived PDF and e-invoice, and every
-- audit event adds one link, in the transaction that writes the row. A link holds the row's
-- canonical content and SHA-256(previous link's hash, kind, key, content), so rewriting a row,
-- or deleting one, breaks the chain at that row: `invoicer check` finds it even when the
-- triggers that refuse such edits were dropped. Links are only ever added.

CREATE TABLE chain (
    seq     INTEGER PRIMARY KEY CHECK (seq >= 1),
    kind    TEXT NOT NULL CHECK (kind IN ('document', 'state', 'payment', 'pdf', 'einvoice', 'event')),
    row_key TEXT NOT NULL,
    content TEXT NOT NULL,
    prev    TEXT NOT NULL CHECK (length(prev) = 64),
    hash    TEXT NOT NULL CHECK (length(hash) = 64)
);
CREATE INDEX chain_by_row ON chain (kind, row_key, seq);

CREATE TRIGGER chain_links_follow_on BEFORE INSERT ON chain
WHEN NEW.seq <> coalesce((SELECT max(seq) FROM chain), 0) + 1
BEGIN SELECT RAISE(ABORT, 'chain links are numbered 1, 2, 3, … without gaps'); END;
CREATE TRIGGER chain_no_update BEFORE UPDATE ON chain
BEGIN SELECT RAISE(ABORT, 'the hash chain is append-only'); END;
CREATE TRIGGER chain_no_delete BEFORE DELETE ON chain
BEGIN SELECT RAISE(ABORT, 'the hash chain is append-only'); END;

-- Rows written before this version are linked once, right after the upgrade (`pending` = 1
-- until then), in one transaction.
CREATE TABLE chain_genesis (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    pending INTEGER NOT NULL CHECK (pending IN (0, 1)),
    linked  INTEGER NOT NULL DEFAULT 0,
    at      TEXT
);
INSERT INTO chain_genesis (id, pending) VALUES (1, 1);

CREATE TRIGGER chain_genesis_once BEFORE UPDATE ON chain_genesis
WHEN OLD.pending = 0
BEGIN SELECT RAISE(ABORT, 'the hash chain was started already'); END;
CREATE TRIGGER chain_genesis_kept BEFORE DELETE ON chain_genesis
BEGIN SELECT RAISE(ABORT, 'the hash chain was started already'); END;
