-- Tag concurrency limits (bosun concurrency-limit): at most concurrency_limit task runs carrying the tag run at once,
-- across all flow runs. A slot is a row of concurrency_limit_slots, inserted when the server grants it (under the
-- limit's row lock, counted in the same transaction, like a claim) and deleted when the task ends. A slot whose flow run
-- has ended (a flow process that died is crashed by the watchdog) no longer counts and is cleared at the next grant.
CREATE TABLE concurrency_limits (
    id TEXT PRIMARY KEY,
    tag TEXT NOT NULL UNIQUE,
    concurrency_limit INTEGER NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);

CREATE TABLE concurrency_limit_slots (
    limit_id TEXT NOT NULL REFERENCES concurrency_limits(id) ON DELETE CASCADE,
    task_run_id TEXT NOT NULL,
    flow_run_id TEXT NOT NULL REFERENCES flow_runs(id) ON DELETE CASCADE,
    acquired BIGINT NOT NULL,
    PRIMARY KEY (limit_id, task_run_id)
);

CREATE INDEX ix_concurrency_limit_slots_flow_run ON concurrency_limit_slots (flow_run_id, task_run_id);
