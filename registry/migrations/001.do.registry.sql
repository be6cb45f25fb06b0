-- The model registry: models, their versions, aliases with an audit trail, training runs,
-- drift reports and the prediction log. Applied by postgrator inside one transaction that
-- holds an advisory lock (see core/src/registry/migrate.ts).

CREATE TABLE models (
  id          bigserial PRIMARY KEY,
  namespace   text NOT NULL CHECK (namespace <> ''),
  name        text NOT NULL CHECK (name <> ''),
  created_at  timestamptz NOT NULL DEFAULT now(),
  archived_at timestamptz,
  UNIQUE (namespace, name)
);

-- One row per training attempt group: a retried Job keeps its run_id (the Job's UID), so the
-- row is reused and `attempts` counts the retries.
CREATE TABLE training_runs (
  id          bigserial PRIMARY KEY,
  model_id    bigint NOT NULL REFERENCES models (id),
  run_id      text NOT NULL CHECK (run_id <> ''),
  status      text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  params      jsonb NOT NULL DEFAULT '{}'::jsonb,
  metrics     jsonb,
  version     integer,
  attempts    integer NOT NULL DEFAULT 1,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error       text,
  UNIQUE (model_id, run_id)
);

CREATE TABLE model_versions (
  model_id     bigint NOT NULL REFERENCES models (id),
  version      integer NOT NULL CHECK (version > 0),
  status       text NOT NULL DEFAULT 'ready' CHECK (status IN ('ready', 'archived')),
  run_id       text NOT NULL,
  metrics      jsonb NOT NULL,
  params       jsonb NOT NULL DEFAULT '{}'::jsonb,
  data_hash    text,
  artifact_uri text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model_id, version),
  -- A retried training Job must never register a second version.
  UNIQUE (model_id, run_id)
);

-- The `postgres` artifact store: the artifact document lives beside its version.
CREATE TABLE model_artifacts (
  model_id bigint NOT NULL,
  version  integer NOT NULL,
  document jsonb NOT NULL,
  PRIMARY KEY (model_id, version),
  FOREIGN KEY (model_id, version) REFERENCES model_versions (model_id, version) ON DELETE CASCADE
);

-- One row per (model, alias): the primary key is what guarantees a single production version.
CREATE TABLE model_aliases (
  model_id   bigint NOT NULL REFERENCES models (id),
  alias      text NOT NULL CHECK (alias ~ '^[a-z][a-z0-9-]{0,62}$'),
  version    integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model_id, alias),
  FOREIGN KEY (model_id, version) REFERENCES model_versions (model_id, version)
);

CREATE TABLE alias_events (
  id           bigserial PRIMARY KEY,
  model_id     bigint NOT NULL REFERENCES models (id),
  alias        text NOT NULL,
  action       text NOT NULL CHECK (action IN ('promote', 'rollback', 'refuse', 'remove')),
  from_version integer,
  to_version   integer,
  actor        text NOT NULL CHECK (actor <> ''),
  reason       text NOT NULL,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alias_events_model_at ON alias_events (model_id, at DESC, id DESC);

CREATE TABLE drift_reports (
  id             bigserial PRIMARY KEY,
  monitor        text NOT NULL,
  model_id       bigint NOT NULL REFERENCES models (id),
  version        integer NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  drift_detected boolean NOT NULL,
  share          double precision NOT NULL,
  columns        jsonb NOT NULL,
  summary        jsonb NOT NULL DEFAULT '{}'::jsonb,
  html           text
);
CREATE INDEX drift_reports_monitor_created ON drift_reports (monitor, created_at DESC, id DESC);

-- Append-only; read by time window for drift checks and pruned by age.
CREATE TABLE prediction_log (
  id       bigserial PRIMARY KEY,
  model_id bigint NOT NULL REFERENCES models (id),
  version  integer NOT NULL,
  at       timestamptz NOT NULL,
  features jsonb NOT NULL,
  persona  text NOT NULL
);
CREATE INDEX prediction_log_model_at ON prediction_log (model_id, at);
CREATE INDEX prediction_log_at ON prediction_log (at);
