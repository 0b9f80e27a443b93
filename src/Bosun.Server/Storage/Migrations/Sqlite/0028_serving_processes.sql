-- When each serving process last claimed, by its name (the claimant its runs name): a served run that does not heartbeat
-- yet is watched by the process that claimed it, not by whichever process serves its deployment now. A process not
-- heard from for long is forgotten.
CREATE TABLE serving_processes (
    name TEXT PRIMARY KEY,
    last_polled INTEGER NOT NULL
);
CREATE INDEX ix_serving_processes_last_polled ON serving_processes (last_polled);
