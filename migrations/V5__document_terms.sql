-- invoicer schema v5: the whole EN 16931 line. A line's terms beyond the columns it had (its
-- own id, note, item identifiers and classifications, period, allowances and charges, gross
-- price and base quantity, ...) are one JSON object, NULL when there are none. The triggers of
-- v1 already freeze every column of a finalized document's lines; the hash chain carries the
-- column only where it is set, so lines written before this version keep their links.
ALTER TABLE document_lines ADD COLUMN terms TEXT CHECK (terms IS NULL OR json_valid(terms));
