-- The persona diff between two versions of a model (matched personas and centroid shifts, new,
-- retired, split and merged personas, churn, adjusted Rand index, persona mix), stored when a
-- training Job registers a version while another one is production. One diff per ordered pair.
CREATE TABLE version_diffs (
  model_id     bigint NOT NULL REFERENCES models (id),
  from_version integer NOT NULL,
  to_version   integer NOT NULL CHECK (to_version <> from_version),
  diff         jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model_id, from_version, to_version),
  FOREIGN KEY (model_id, from_version) REFERENCES model_versions (model_id, version),
  FOREIGN KEY (model_id, to_version) REFERENCES model_versions (model_id, version)
);
