-- What keeps a claimed run's infrastructure from starting, as its worker reports it (a pod that cannot be scheduled,
-- an image that cannot be pulled); part of the run's waiting reason while it is PENDING, cleared by every state change.
ALTER TABLE flow_runs ADD COLUMN infrastructure_waiting_reason TEXT;
