-- The claim walks due runs in (next_scheduled_start_time, id) order and stops after the few it takes. With id in the
-- index, that order is the index's own: no sort of every scheduled run of the queue (or served deployment) per claim.
DROP INDEX ix_flow_runs_claim;
CREATE INDEX ix_flow_runs_claim ON flow_runs (work_queue_id, state_type, next_scheduled_start_time, id);
DROP INDEX ix_flow_runs_deployment_state;
CREATE INDEX ix_flow_runs_deployment_state ON flow_runs (deployment_id, state_type, next_scheduled_start_time, id);
