-- Timeouts and crash retries (docs/operations.md). A deployment's timeout is copied onto each of its runs unless the run
-- sets its own; its crash-retry policy is read when a run crashes, and the run counts the crash retries it has used.
ALTER TABLE deployments ADD COLUMN timeout_seconds INTEGER;
ALTER TABLE deployments ADD COLUMN crash_retries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN crash_retry_delay_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE flow_runs ADD COLUMN timeout_seconds INTEGER;
ALTER TABLE flow_runs ADD COLUMN crash_retry_count INTEGER NOT NULL DEFAULT 0;
