CREATE TABLE flows (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created BIGINT NOT NULL
);

CREATE TABLE work_pools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    description TEXT,
    base_job_template TEXT NOT NULL,
    paused BOOLEAN NOT NULL,
    concurrency_limit INTEGER,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);

CREATE TABLE work_queues (
    id TEXT PRIMARY KEY,
    work_pool_id TEXT NOT NULL REFERENCES work_pools(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    priority INTEGER NOT NULL,
    concurrency_limit INTEGER,
    paused BOOLEAN NOT NULL,
    last_polled BIGINT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    UNIQUE (work_pool_id, name)
);

CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    work_pool_id TEXT NOT NULL REFERENCES work_pools(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type TEXT,
    last_heartbeat BIGINT NOT NULL,
    heartbeat_interval_seconds INTEGER NOT NULL,
    created BIGINT NOT NULL,
    UNIQUE (work_pool_id, name)
);

CREATE TABLE deployments (
    id TEXT PRIMARY KEY,
    flow_id TEXT NOT NULL REFERENCES flows(id),
    name TEXT NOT NULL,
    entrypoint TEXT,
    parameters TEXT NOT NULL,
    parameter_schema TEXT,
    work_pool_id TEXT REFERENCES work_pools(id) ON DELETE SET NULL,
    work_queue_id TEXT REFERENCES work_queues(id) ON DELETE SET NULL,
    job_variables TEXT NOT NULL,
    tags TEXT NOT NULL,
    description TEXT,
    version TEXT,
    paused BOOLEAN NOT NULL,
    concurrency_limit INTEGER,
    collision_strategy TEXT NOT NULL,
    last_polled BIGINT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    UNIQUE (flow_id, name)
);

CREATE TABLE flow_runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    flow_id TEXT NOT NULL REFERENCES flows(id),
    deployment_id TEXT REFERENCES deployments(id) ON DELETE SET NULL,
    work_pool_id TEXT,
    work_queue_id TEXT,
    parameters TEXT NOT NULL,
    job_variables TEXT NOT NULL,
    tags TEXT NOT NULL,
    state_id TEXT NOT NULL,
    state_type TEXT NOT NULL,
    state_name TEXT NOT NULL,
    state_message TEXT,
    state_timestamp BIGINT NOT NULL,
    state_scheduled_time BIGINT,
    expected_start_time BIGINT NOT NULL,
    next_scheduled_start_time BIGINT,
    start_time BIGINT,
    end_time BIGINT,
    total_run_time_ms BIGINT NOT NULL DEFAULT 0,
    run_count INTEGER NOT NULL DEFAULT 0,
    infrastructure_id TEXT,
    worker_name TEXT,
    idempotency_key TEXT,
    retries INTEGER NOT NULL DEFAULT 0,
    retry_delay_seconds INTEGER NOT NULL DEFAULT 0,
    last_heartbeat BIGINT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);

CREATE UNIQUE INDEX ix_flow_runs_idempotency ON flow_runs (flow_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX ix_flow_runs_claim ON flow_runs (work_queue_id, state_type, next_scheduled_start_time);
CREATE INDEX ix_flow_runs_pool_state ON flow_runs (work_pool_id, state_type);
CREATE INDEX ix_flow_runs_deployment_state ON flow_runs (deployment_id, state_type);
CREATE INDEX ix_flow_runs_state_scheduled ON flow_runs (state_type, next_scheduled_start_time);
CREATE INDEX ix_flow_runs_expected_start ON flow_runs (expected_start_time);

CREATE TABLE flow_run_states (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    flow_run_id TEXT NOT NULL REFERENCES flow_runs(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    message TEXT,
    timestamp BIGINT NOT NULL,
    scheduled_time BIGINT
);

CREATE INDEX ix_flow_run_states_run ON flow_run_states (flow_run_id, seq);

CREATE TABLE logs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flow_run_id TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    source TEXT NOT NULL
);

CREATE INDEX ix_logs_run ON logs (flow_run_id, id);
