-- Start timeouts (docs/operations.md): a deployment's start timeout and action are copied onto each of its runs unless the
-- run sets its own. start_timeout_fired_for is the scheduled time of the attempt the timeout last acted on, so that a run
-- left Late is handled once per attempt and a new attempt (a crash retry) gets its own start timeout.
ALTER TABLE deployments ADD COLUMN start_timeout_seconds INTEGER;
ALTER TABLE deployments ADD COLUMN start_timeout_action TEXT;
ALTER TABLE flow_runs ADD COLUMN start_timeout_seconds INTEGER;
ALTER TABLE flow_runs ADD COLUMN start_timeout_action TEXT;
ALTER TABLE flow_runs ADD COLUMN start_timeout_fired_for BIGINT;
