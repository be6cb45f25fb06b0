-- What a drift report found beside its columns: the rule and the tests that fired, the persona
-- tests (mix, novelty, per persona) and the current data's unusable cells. Null for reports
-- stored before the persona tests existed.
ALTER TABLE drift_reports ADD COLUMN details jsonb;
