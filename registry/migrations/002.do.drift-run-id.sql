-- The drift Job's run id (the Job's UID) on its report: the operator finds the result of the
-- Job it launched by (monitor, run id), and a retried Job stores its report only once.
ALTER TABLE drift_reports ADD COLUMN run_id text CHECK (run_id <> '');
CREATE UNIQUE INDEX drift_reports_monitor_run ON drift_reports (monitor, run_id) WHERE run_id IS NOT NULL;
