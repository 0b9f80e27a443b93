-- API keys (only their SHA-256 hash is kept) and secrets (encrypted with the server's key file).
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    revoked BOOLEAN NOT NULL,
    expires BIGINT,
    last_used BIGINT,
    created BIGINT NOT NULL
);

CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    ciphertext TEXT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
