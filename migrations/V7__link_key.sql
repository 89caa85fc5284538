-- invoicer schema v7: the key that signs download links (HMAC-SHA256). One row; replacing it
-- (`invoicer links rotate-key`) revokes every link signed with the old one. Made when a
-- writable open finds none.
CREATE TABLE link_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB NOT NULL CHECK (length(key) = 32),
    created_at TEXT NOT NULL
);
