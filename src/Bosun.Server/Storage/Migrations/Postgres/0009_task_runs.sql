-- Task runs, recorded from batches of reports sent by flow-run processes: one row per task run, holding the report
-- with the highest sequence (a batch sent again or late changes nothing). A completed task run with a cache key and an
-- unexpired cache_expiration is the cache entry other runs reuse. Results larger than 64 KiB live in the result folder
-- (result_ref names the file) instead of the row.
CREATE TABLE task_runs (
    id TEXT PRIMARY KEY,
    flow_run_id TEXT NOT NULL REFERENCES flow_runs(id) ON DELETE CASCADE,
    task_name TEXT NOT NULL,
    seq BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    start_time BIGINT,
    end_time BIGINT,
    message TEXT,
    cache_key TEXT,
    cache_expiration BIGINT,
    result TEXT,
    result_ref TEXT,
    result_size BIGINT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);

CREATE INDEX ix_task_runs_flow_run ON task_runs (flow_run_id, created);
CREATE INDEX ix_task_runs_cache ON task_runs (cache_key, cache_expiration) WHERE cache_key IS NOT NULL;
