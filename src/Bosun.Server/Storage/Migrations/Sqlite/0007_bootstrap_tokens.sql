-- One-time tokens that create the first admin key through the API (`bosun api-key create --bootstrap-token`), made by a
-- server that starts without an admin key. Only their SHA-256 hash is kept; the exchange deletes them.
CREATE TABLE bootstrap_tokens (
    hash TEXT PRIMARY KEY,
    created BIGINT NOT NULL,
    expires BIGINT NOT NULL
);
