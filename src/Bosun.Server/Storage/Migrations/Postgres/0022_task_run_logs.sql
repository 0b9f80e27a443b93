-- A log line written while a task's body ran carries that task run's id (null for the flow's own lines and the
-- server's and worker's), so a task run's lines can be read on their own (GET .../logs?task_run_id= or ?task_name=).
ALTER TABLE logs ADD COLUMN task_run_id TEXT;

CREATE INDEX ix_logs_task_run ON logs (task_run_id, id) WHERE task_run_id IS NOT NULL;
