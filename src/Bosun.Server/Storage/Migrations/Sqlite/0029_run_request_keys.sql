-- The Idempotency-Key header of the create that made a run (the client sends a new key with each create, the same on
-- each attempt of it): a create sent again after its answer was lost finds the run its first attempt made rather than
-- making another. Unique across runs; a run made without a key has none.
ALTER TABLE flow_runs ADD COLUMN request_key TEXT;
CREATE UNIQUE INDEX ix_flow_runs_request_key ON flow_runs (request_key) WHERE request_key IS NOT NULL;
