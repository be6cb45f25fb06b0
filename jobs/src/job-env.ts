// The environment variables the operator sets on the pods it runs (training and drift Jobs,
// predictors) and the `persona` commands inside them read: one name each, on both sides.

/** The training spec, as JSON (a training Job). */
export const TRAINING_SPEC_ENV = 'PERSONA_TRAINING_SPEC';
/** The drift spec, as JSON (a drift Job). */
export const DRIFT_SPEC_ENV = 'PERSONA_DRIFT_SPEC';
/** The run's idempotency key: the Job's UID, shared by its retried pods. */
export const RUN_ID_ENV = 'PERSONA_RUN_ID';
/** The registry's Postgres URL (from a Secret). */
export const REGISTRY_URL_ENV = 'PERSONA_REGISTRY_URL';
/** The data database URL a spec's query reads from, unless the spec names another variable. */
export const DATA_URL_ENV = 'PERSONA_DATA_URL';
/** A GCS endpoint other than Google's (a local fake in tests and local clusters). */
export const GCS_ENDPOINT_ENV = 'PERSONA_GCS_ENDPOINT';
/** The model version a predictor serves. */
export const MODEL_VERSION_ENV = 'MODEL_VERSION';
/** Set by Kubernetes in each pod of an Indexed Job: which share of the work the pod does. */
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
