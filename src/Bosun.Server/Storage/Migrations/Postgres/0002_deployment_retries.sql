-- A deployment's retry policy, copied onto each of its runs unless the run sets its own.
ALTER TABLE deployments ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN retry_delay_seconds INTEGER NOT NULL DEFAULT 0;
