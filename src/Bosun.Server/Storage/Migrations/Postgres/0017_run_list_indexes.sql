-- Runs are listed newest expected start first, then by id, and paged by keyset (the position of the last run seen). With
-- that order in the index, a page reads its rows in order and stops: no sort of every matching run, at any depth. The
-- pool's index gains the order too (it keeps its (pool, state) prefix for slot counts), for the UI's and CLI's most
-- common filter, a pool and a state.
DROP INDEX ix_flow_runs_expected_start;
CREATE INDEX ix_flow_runs_expected_start ON flow_runs (expected_start_time DESC, id);
DROP INDEX ix_flow_runs_pool_state;
CREATE INDEX ix_flow_runs_pool_state ON flow_runs (work_pool_id, state_type, expected_start_time DESC, id);
