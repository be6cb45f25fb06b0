// Job mode of `persona drift`: `--registry URL --model ns/name --monitor ns/name` with the
// current data as flags, or a drift spec written by the operator (env PERSONA_DRIFT_SPEC as
// JSON, or --spec FILE as JSON or YAML). Logs JSON lines on stdout, then prints the result as
// one JSON line last; returns the exit code.
import { pino, type Logger } from 'pino';
import { InputError } from '@persona-operator/core/data/input-error';
import {
  DEFAULT_ROW_LIMIT,
  DriftSpecError,
  parseDriftJobSpec,
  parseDriftJobSpecJson,
  type CurrentDataSource,
  type DriftJobSpec,
} from '@persona-operator/jobs/drift-spec';
import type { DriftOptions } from '@persona-operator/core/drift/index';
import { EXIT_BAD_INPUT } from '@persona-operator/jobs/exit-codes';
import { DATA_URL_ENV, DRIFT_SPEC_ENV, REGISTRY_URL_ENV, RUN_ID_ENV } from '@persona-operator/jobs/job-env';
import { CliError } from './errors.ts';
import { jobRunId, readSpecFile, specErrorField } from './job-mode.ts';
import { durationFlag, intFlag, modelRefFlag, postgresUrlFlag, required, type ModelRef } from './flags.ts';
import { registryUrl } from './registry-args.ts';
import { runDriftJob, type DriftJobResultLine } from '@persona-operator/jobs/driftcheck/job';

/** parseArgs options `persona drift` adds for Job mode. */
export const JOB_OPTIONS = {
  registry: { type: 'string' },
  model: { type: 'string' },
  monitor: { type: 'string' },
  'run-id': { type: 'string' },
  spec: { type: 'string' },
  query: { type: 'string' },
  postgres: { type: 'string' },
  'row-limit': { type: 'string' },
  window: { type: 'string' },
  quiet: { type: 'boolean', default: false },
} as const;

export const JOB_USAGE = `
Job mode (reference = the model's production version, report stored in the registry):
  --registry URL         registry Postgres URL (default: env ${REGISTRY_URL_ENV})
  --model NS/NAME        the PersonaModel whose production version is the reference
  --monitor NS/NAME      the DriftMonitor the report belongs to
  --run-id UID           idempotency key, the Job's UID: a retried run stores nothing new
                         (default: env ${RUN_ID_ENV}, else a new random id)
  --query SQL [--postgres URL] [--row-limit N]
                         current data from a query (URL default: env ${DATA_URL_ENV})
  --window 24h           current data = the predictor's logged traffic over the window (s, m, h, d)
  --spec FILE            drift spec (JSON or YAML) instead of the flags; also env ${DRIFT_SPEC_ENV}
  --quiet                log warnings and errors only
  The test options above apply too. Logs JSON lines, then prints the result as the last line:
  {"reportId", "monitor", "runId", "model", "version", "driftDetected", "fired", "driftShare", "driftedColumns"}
  or {"error", "kind", "exitCode", ...}. Exit 0 done (drift or not), 1 transient (retry), 2 bad spec or data.`;

export type JobFlags = {
  [K in keyof typeof JOB_OPTIONS]?: (typeof JOB_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

export function isJobMode(values: JobFlags, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(
    values.registry || values.model || values.monitor || values['run-id'] || values.spec || specEnv(env),
  );
}

/** The spec from the environment; an empty variable counts as unset. */
function specEnv(env: NodeJS.ProcessEnv): string | undefined {
  return env[DRIFT_SPEC_ENV] || undefined;
}

/** --window as whole seconds (at least 1), rounded as the operator rounds a DriftMonitor's window. */
export function parseWindow(value: string): number {
  return Math.round(durationFlag('--window', value, '1s') / 1000);
}

function currentFromFlags(values: JobFlags): CurrentDataSource {
  if (values.query && values.window) throw new CliError('give either --query or --window, not both');
  if (values.window) {
    if (values.postgres || values['row-limit'])
      throw new CliError('--postgres and --row-limit go with --query, not --window');
    return { predictions: { windowSeconds: parseWindow(values.window) } };
  }
  if (!values.query) {
    throw new CliError('the current data is required: --query SQL (with --postgres URL) or --window 24h');
  }
  postgresUrlFlag('--postgres', values.postgres);
  const rowLimit = intFlag('--row-limit', values['row-limit'], { min: 1 }) ?? DEFAULT_ROW_LIMIT;
  // The URL reaches the reader through the environment (--postgres, else PERSONA_DATA_URL), as
  // a Job's Secret does, so it is never part of the logged parameters.
  return { postgres: { query: values.query, urlEnv: DATA_URL_ENV, rowLimit } };
}

function sameRef(flag: string, value: string | undefined, ref: ModelRef): void {
  if (value === undefined) return;
  const m = modelRefFlag(flag, value);
  if (m.namespace !== ref.namespace || m.name !== ref.name) {
    throw new CliError(
      `${flag} ${value} differs from the spec's ${flag.slice(2)} ${ref.namespace}/${ref.name}`,
    );
  }
}

/** The spec from --spec / PERSONA_DRIFT_SPEC, else from the flags. */
async function resolveSpec(
  values: JobFlags,
  tests: DriftOptions | undefined,
  env: NodeJS.ProcessEnv,
): Promise<DriftJobSpec> {
  const source = values.spec ? await readSpecFile(values.spec, DriftSpecError) : specEnv(env);
  if (source === undefined) {
    const spec: DriftJobSpec = {
      model: modelRefFlag('--model', required(values.model, '--model NAMESPACE/NAME')),
      monitor: modelRefFlag('--monitor', required(values.monitor, '--monitor NAMESPACE/NAME')),
      current: currentFromFlags(values),
    };
    if (tests) spec.tests = tests;
    return spec;
  }
  if (values.query || values.window || values['row-limit'] || tests) {
    throw new CliError(
      'with a drift spec, the current data and the tests come from the spec, not from flags',
    );
  }
  const spec =
    typeof source === 'string' ? parseDriftJobSpecJson(source, DRIFT_SPEC_ENV) : parseDriftJobSpec(source);
  sameRef('--model', values.model, spec.model);
  sameRef('--monitor', values.monitor, spec.monitor);
  return spec;
}

function jobLogger(quiet: boolean | undefined, bindings: Record<string, string>): Logger {
  // Synchronous writes keep the log lines before the result line printed after them.
  return pino(
    { name: 'persona-drift', level: quiet ? 'warn' : 'info', base: bindings },
    pino.destination({ fd: 1, sync: true }),
  );
}

function printResult(line: DriftJobResultLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * Runs `persona drift` in Job mode. `tests` are the drift command's parses of the test flags
 * (undefined when none was given), so both modes accept exactly the same values.
 */
export async function runDriftJobMode(
  values: JobFlags,
  tests: DriftOptions | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const bootLog = jobLogger(values.quiet, {});
  let spec: DriftJobSpec;
  let url: string;
  try {
    url = registryUrl(values.registry);
    spec = await resolveSpec(values, tests, env);
  } catch (err) {
    if (err instanceof InputError || err instanceof CliError) {
      const exitCode = err instanceof CliError ? err.exitCode : EXIT_BAD_INPUT;
      const field = specErrorField(err);
      bootLog.error({ phase: 'failed', kind: 'bad-input', exitCode, ...field }, err.message);
      printResult({
        error: err.message,
        kind: 'bad-input',
        exitCode,
        monitor: values.monitor ?? '',
        runId: values['run-id'] ?? '',
      });
      return exitCode;
    }
    throw err;
  }
  const runId = jobRunId(values['run-id'], env, spec.runId);
  const logger = jobLogger(values.quiet, {
    monitor: `${spec.monitor.namespace}/${spec.monitor.name}`,
    model: `${spec.model.namespace}/${spec.model.name}`,
    runId,
  });
  const result = await runDriftJob(spec, {
    registryUrl: url,
    runId,
    logger,
    // --postgres URL reaches the reader through the environment, like a Job's Secret.
    env: values.postgres ? { ...env, [DATA_URL_ENV]: values.postgres } : env,
  });
  printResult(result.line);
  return result.exitCode;
}
