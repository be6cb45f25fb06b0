-- The candidate results of a training run whose k sweep ran as an Indexed Job: one row per
-- (k, restart) of the grid, written by the index that fitted it. The index that completes the
-- grid reads them all back, picks k and registers the version. The primary key is what keeps a
-- retried index from adding a trial twice. data_hash is the hash of the rows the index fitted on:
-- indices that read different rows must not be gathered into one model.
CREATE TABLE training_trials (
  run_id      bigint NOT NULL REFERENCES training_runs (id) ON DELETE CASCADE,
  k           integer NOT NULL CHECK (k >= 1),
  restart     integer NOT NULL CHECK (restart >= 0),
  job_index   integer NOT NULL CHECK (job_index >= 0),
  inertia     double precision NOT NULL CHECK (inertia >= 0),
  iterations  integer NOT NULL CHECK (iterations >= 0),
  relocations integer NOT NULL DEFAULT 0 CHECK (relocations >= 0),
  data_hash   text NOT NULL CHECK (data_hash <> ''),
  -- k rows of d scaled coordinates, row after row.
  centroids   double precision[] NOT NULL CHECK (cardinality(centroids) > 0 AND cardinality(centroids) % k = 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, k, restart)
);
