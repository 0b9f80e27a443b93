-- Traces (docs/operations.md): each run carries the W3C traceparent it was created under, so that the server, its worker
-- and its flow process put their spans into that one trace; a log line keeps the trace and span it was written in.
ALTER TABLE flow_runs ADD COLUMN traceparent TEXT;
ALTER TABLE logs ADD COLUMN trace_id TEXT;
ALTER TABLE logs ADD COLUMN span_id TEXT;
