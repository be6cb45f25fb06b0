-- Each version's lineage: what triggered its training (a spec change, the schedule, a manual
-- annotation, a drift report) and the data it was trained on (per part: source, rows, hash).
-- Null for versions registered before lineage was recorded. The drift report's id also has a
-- column of its own, so "which version did this report cause" is one indexed lookup.
ALTER TABLE model_versions ADD COLUMN lineage jsonb;
ALTER TABLE model_versions ADD COLUMN drift_report_id bigint;
ALTER TABLE model_versions ADD CONSTRAINT model_versions_drift_report_in_lineage
  CHECK (drift_report_id IS NULL OR lineage -> 'trigger' ->> 'kind' = 'drift');
CREATE INDEX model_versions_drift_report ON model_versions (drift_report_id) WHERE drift_report_id IS NOT NULL;
