-- The key of every log batch written in the last day (the Idempotency-Key of POST /api/logs): a batch sent again after
-- its answer was lost is recognised and not written twice, so each line is stored exactly once.
CREATE TABLE log_batches (
    id TEXT PRIMARY KEY,
    created BIGINT NOT NULL
);
CREATE INDEX ix_log_batches_created ON log_batches (created);
