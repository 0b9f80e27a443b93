-- A suspended run (FlowContext.SuspendAsync) is PAUSED "Suspended" with no process: its pause names a key, and each
-- resume adds its input under that key to suspend_inputs (a JSON object), which the re-run flow reads back when it
-- reaches the same suspension again.
ALTER TABLE flow_runs ADD COLUMN pause_key TEXT;
ALTER TABLE flow_runs ADD COLUMN suspend_inputs TEXT;

-- The serializer that wrote a result (null: JSON, the default), so that a reader knows how to read it back.
ALTER TABLE task_runs ADD COLUMN result_serializer TEXT;
ALTER TABLE flow_run_results ADD COLUMN result_serializer TEXT;
