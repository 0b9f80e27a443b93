-- The automation retention sweep (AutomationStore.PruneSql.Events) finds old events by `occurred` alone. The
-- (automation_id, occurred) index cannot serve that: PostgreSQL read the whole index for it (a bitmap index scan whose
-- condition was on its second column), and SQLite needed the rules listed first to probe it rule by rule.
CREATE INDEX ix_automation_events_occurred ON automation_events (occurred);
