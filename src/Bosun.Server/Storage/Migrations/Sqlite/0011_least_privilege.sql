-- Least privilege (docs/security.md). A pool's job-variable policy (JSON: variable name to rule; NULL on pools made
-- before policies existed means every variable is open), the variables an admin exempted for one deployment (JSON
-- array), the pools a worker key serves (JSON array; NULL means every pool), and the audit log of changes made
-- through the API. The log never holds a secret value: the summary names the fields given, not their values.
ALTER TABLE work_pools ADD COLUMN job_variable_policy TEXT;
ALTER TABLE deployments ADD COLUMN policy_exemptions TEXT;
ALTER TABLE api_keys ADD COLUMN pools TEXT;

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    time BIGINT NOT NULL,
    key_id TEXT,
    key_name TEXT NOT NULL,
    action TEXT NOT NULL,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    summary TEXT NOT NULL
);

CREATE INDEX ix_audit_log_time ON audit_log (time);
