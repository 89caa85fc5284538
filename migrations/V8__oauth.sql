-- invoicer schema v8: the built-in OAuth authorization server. The owner's password (argon2id,
-- PHC string), the clients that registered themselves (RFC 7591), and every authorization code,
-- access token and refresh token, stored as the SHA-256 of the token, never the token. A family
-- is one authorization: its refresh tokens rotate, and a refresh token used twice revokes the
-- whole family.
CREATE TABLE owner (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    password_hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE oauth_clients (
    client_id TEXT PRIMARY KEY,
    client_name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE oauth_grants (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('code', 'access', 'refresh')),
    client_id TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    family TEXT NOT NULL,
    scope TEXT NOT NULL,
    resource TEXT NOT NULL,
    redirect_uri TEXT,
    code_challenge TEXT,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL
);

CREATE INDEX oauth_grants_family ON oauth_grants (family);
