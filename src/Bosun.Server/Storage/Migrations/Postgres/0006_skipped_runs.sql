-- The slots a catch-up policy skipped, with their times: a skipped run keeps its id; a slot missed while the server was
-- down for longer than the scheduler's window never had a run. Only the newest of each deployment are kept.
CREATE TABLE skipped_runs (
    id TEXT PRIMARY KEY,
    deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    schedule_id TEXT,
    scheduled_time BIGINT NOT NULL,
    flow_run_id TEXT,
    catch_up TEXT NOT NULL,
    skipped_at BIGINT NOT NULL
);

CREATE INDEX ix_skipped_runs_deployment ON skipped_runs (deployment_id, scheduled_time);

ALTER TABLE deployment_schedules ADD COLUMN skipped_runs INTEGER NOT NULL DEFAULT 0;
