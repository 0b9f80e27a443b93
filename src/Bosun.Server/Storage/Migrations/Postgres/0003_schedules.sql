-- Schedules of deployments (cron, interval, rrule), and the catch-up policy for runs missed during downtime.
CREATE TABLE deployment_schedules (
    id TEXT PRIMARY KEY,
    deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    cron TEXT,
    interval_seconds DOUBLE PRECISION,
    anchor BIGINT,
    rrule TEXT,
    timezone TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    parameters TEXT NOT NULL,
    last_scheduled_time BIGINT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);

CREATE INDEX ix_deployment_schedules_deployment ON deployment_schedules (deployment_id);

ALTER TABLE deployments ADD COLUMN catch_up TEXT NOT NULL DEFAULT 'ALL';
ALTER TABLE deployments ADD COLUMN skipped_runs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN last_skipped_time BIGINT;

-- A run created by a schedule points at it; manual runs have none.
ALTER TABLE flow_runs ADD COLUMN schedule_id TEXT;
CREATE INDEX ix_flow_runs_schedule ON flow_runs (schedule_id, state_type, next_scheduled_start_time);
