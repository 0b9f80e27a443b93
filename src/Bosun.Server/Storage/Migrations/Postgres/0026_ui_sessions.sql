-- Web UI sessions, one row per sign-in: the cookie names its row, and every request of the UI checks it here, so a
-- session signed out, revoked by an admin, or whose key was revoked stops working at once, on every replica sharing
-- the store. Times are Unix milliseconds; expires slides with use (last_seen + the session lifetime).
CREATE TABLE ui_sessions (
    id TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    key_name TEXT NOT NULL,
    created BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    expires BIGINT NOT NULL,
    revoked BIGINT
);

CREATE INDEX ix_ui_sessions_key ON ui_sessions (key_id);
CREATE INDEX ix_ui_sessions_created ON ui_sessions (created);
