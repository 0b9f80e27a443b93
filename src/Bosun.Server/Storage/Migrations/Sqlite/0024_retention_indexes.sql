-- The automation retention sweep (AutomationStore.PruneAsync) finds finished deliveries by status and finish time, and
-- keeps an event while a delivery refers to it. Without these it read every delivery once per sweep, and once more per
-- candidate event (the NOT EXISTS, and the foreign key's check when an event is deleted).
CREATE INDEX ix_automation_deliveries_finished ON automation_deliveries (status, finished);
CREATE INDEX ix_automation_deliveries_event ON automation_deliveries (event_id);
