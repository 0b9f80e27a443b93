-- Automations: rules (a trigger and its actions), the events that fired them and the deliveries of their actions.
CREATE TABLE automations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    enabled BOOLEAN NOT NULL,
    trigger_kind TEXT NOT NULL,
    definition TEXT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);

-- The transactional outbox of run state changes: written by the state transition itself (only while an enabled rule
-- watches run states), drained by the automation dispatcher.
CREATE TABLE automation_outbox (
    state_id TEXT PRIMARY KEY,
    flow_run_id TEXT NOT NULL,
    created BIGINT NOT NULL
);

-- One row per rule per matching event; the unique key makes a rule fire once per event whoever matches it.
CREATE TABLE automation_events (
    id TEXT PRIMARY KEY,
    automation_id TEXT NOT NULL REFERENCES automations(id) ON DELETE CASCADE,
    event_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    fired BOOLEAN NOT NULL,
    occurred BIGINT NOT NULL,
    UNIQUE (automation_id, event_key)
);

CREATE INDEX ix_automation_events_window ON automation_events (automation_id, occurred);

-- The delivery ledger and outbox of actions: one row per fired event and action, retried until delivered or given up.
CREATE TABLE automation_deliveries (
    id TEXT PRIMARY KEY,
    automation_id TEXT NOT NULL REFERENCES automations(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES automation_events(id) ON DELETE CASCADE,
    action_index INTEGER NOT NULL,
    action_kind TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt BIGINT NOT NULL,
    lease_until BIGINT,
    last_status_code INTEGER,
    last_error TEXT,
    created BIGINT NOT NULL,
    finished BIGINT
);

CREATE INDEX ix_automation_deliveries_due ON automation_deliveries (status, next_attempt);
CREATE INDEX ix_automation_deliveries_automation ON automation_deliveries (automation_id, created);

CREATE TABLE automation_attempts (
    delivery_id TEXT NOT NULL REFERENCES automation_deliveries(id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    started BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status_code INTEGER,
    error TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
