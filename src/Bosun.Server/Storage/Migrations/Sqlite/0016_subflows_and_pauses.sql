-- A run started from inside another run: a subflow (a flow method called by a flow, run in the parent's process) or a
-- deployment run started by RunDeploymentAsync. The parent's page lists its children through the index; the task run
-- (if the call was made inside a task) is kept for the timeline. Deleting a parent leaves its children, unlinked.
ALTER TABLE flow_runs ADD COLUMN parent_flow_run_id TEXT REFERENCES flow_runs(id) ON DELETE SET NULL;
ALTER TABLE flow_runs ADD COLUMN parent_task_run_id TEXT;

CREATE INDEX ix_flow_runs_parent ON flow_runs (parent_flow_run_id) WHERE parent_flow_run_id IS NOT NULL;

-- A paused run (FlowContext.PauseAsync) waits for a person: the JSON Schema of the input it asks for, when the flow gives
-- up waiting (its process enforces it), and the input it was resumed with, which the flow reads back.
ALTER TABLE flow_runs ADD COLUMN pause_input_schema TEXT;
ALTER TABLE flow_runs ADD COLUMN pause_timeout INTEGER;
ALTER TABLE flow_runs ADD COLUMN resume_input TEXT;
