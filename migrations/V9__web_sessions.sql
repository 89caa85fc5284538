-- invoicer schema v9: the owner's web app and the access trail. A signed-in browser holds a
-- random session token in a cookie; a one-time sign-in link (`invoicer owner login-link`) is a
-- token too. Both are stored as the SHA-256 of the token, never the token, with the session's
-- CSRF token, when it was last used and when it ends at the latest.
CREATE TABLE web_sessions (
    token_hash   TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('session', 'login_link')),
    csrf         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);

-- The access trail: the owner's sign-ins (web app, sign-in links), wrong passwords, what the
-- owner allowed applications (OAuth consents, tokens issued, replays caught, revocations) and
-- new passwords. Rows are never changed; rows older than a year are deleted.
CREATE TABLE access_events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    kind   TEXT NOT NULL,
    source TEXT NOT NULL,
    detail TEXT
);

CREATE TRIGGER access_events_no_update BEFORE UPDATE ON access_events
BEGIN SELECT RAISE(ABORT, 'the access trail is append-only'); END;
