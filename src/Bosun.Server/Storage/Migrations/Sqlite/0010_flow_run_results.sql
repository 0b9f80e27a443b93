-- A flow run's return value, kept apart from flow_runs so that reading and listing runs never carries it. Values larger
-- than 64 KiB live in the result folder (result_ref names the file).
CREATE TABLE flow_run_results (
    flow_run_id TEXT PRIMARY KEY REFERENCES flow_runs(id) ON DELETE CASCADE,
    result TEXT,
    result_ref TEXT,
    result_size INTEGER NOT NULL,
    created INTEGER NOT NULL
);
