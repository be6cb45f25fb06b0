// What a drift Job runs: the production version's reference sample against the monitor's
// current data, the report (with its HTML page) stored in the registry under the monitor and
// the Job's run id, exit 0 (drift or not) / 1 (transient, retry) / 2 (bad spec or data, don't).
// Idempotent per run id: a retried Job whose first attempt stored the report only reports it.
import type { Logger } from 'pino';
import { InputError } from '@persona-operator/core/data/input-error';
import type { Table } from '@persona-operator/core/data/table';
import type { DriftJobSpec } from '../drift-spec.ts';
import {
  computeDrift,
  DriftInputError,
  summariseReport,
  type DriftReport,
  type DriftTable,
} from '@persona-operator/core/drift/index';
import { computeDriftParallel } from '@persona-operator/core/drift/parallel';
import { renderDriftReportHtml } from '@persona-operator/core/drift/report-html';
import { Registry, type DriftReport as StoredReport, type ModelRef } from '@persona-operator/registry';
import { classifyError, EXIT_OK } from '../exit-codes.ts';
import { describeSource, readCurrentTable } from './current.ts';
import { artifactFeatures, referenceTable } from './reference.ts';

export interface RunDriftJobOptions {
  registryUrl: string;
  runId: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  now?: Date;
  /** Worker threads for the statistics; default: threads only for large current data. */
  threads?: number;
}

/** The one-line result a drift Job prints last on stdout (also what the operator needs). */
export type DriftJobResultLine =
  | {
      reportId: number;
      monitor: string;
      runId: string;
      model: string;
      version: number;
      driftDetected: boolean;
      driftShare: number;
      driftedColumns: string[];
    }
  | { error: string; kind: 'transient' | 'bad-input'; exitCode: number; monitor: string; runId: string };

export interface DriftJobResult {
  exitCode: number;
  report?: StoredReport;
  line: DriftJobResultLine;
}

/** Below this many current rows one thread is quicker than starting workers. */
const PARALLEL_MIN_ROWS = 200_000;

const fmt = (r: ModelRef): string => `${r.namespace}/${r.name}`;

function asDriftTable(table: Table): DriftTable {
  return { columns: table.columns };
}

function successLine(report: StoredReport, runId: string): DriftJobResultLine {
  return {
    reportId: report.id,
    monitor: report.monitor,
    runId,
    model: fmt(report.model),
    version: report.model.version,
    driftDetected: report.driftDetected,
    driftShare: report.share,
    driftedColumns: report.columns.filter((c) => c.drifted).map((c) => c.name),
  };
}

async function compute(
  reference: DriftTable,
  current: Table,
  spec: DriftJobSpec,
  opts: RunDriftJobOptions,
): Promise<DriftReport> {
  const options = spec.tests ?? {};
  const threads = opts.threads ?? (current.rowCount >= PARALLEL_MIN_ROWS ? undefined : 1);
  try {
    return threads === 1
      ? computeDrift(reference, asDriftTable(current), options, opts.now)
      : await computeDriftParallel(reference, asDriftTable(current), options, { threads }, opts.now);
  } catch (err) {
    // The statistics' own input errors (unknown column in tests.perFeature, a test undefined
    // for the column's type) are the monitor's configuration.
    if (err instanceof DriftInputError) throw new InputError(err.message);
    throw err;
  }
}

export async function runDriftJob(spec: DriftJobSpec, opts: RunDriftJobOptions): Promise<DriftJobResult> {
  const log = opts.logger;
  const monitor = fmt(spec.monitor);
  const runId = opts.runId;
  const now = opts.now ?? new Date();
  let registry: Registry | undefined;
  try {
    log.info({ phase: 'connect' }, 'connecting to the registry');
    registry = await Registry.connect(opts.registryUrl, { applicationName: 'persona-drift', max: 2 });
    await registry.migrate();

    const earlier = await registry.getDriftReportByRun(monitor, runId);
    if (earlier) {
      log.info(
        { phase: 'done', reportId: earlier.id, driftDetected: earlier.driftDetected, created: false },
        'this run already stored its report',
      );
      return { exitCode: EXIT_OK, report: earlier, line: successLine(earlier, runId) };
    }

    if (!(await registry.getModel(spec.model))) {
      throw new InputError(`model ${fmt(spec.model)} is not in the registry (has it been trained?)`);
    }
    const production = await registry.productionVersion(spec.model);
    if (!production) {
      throw new InputError(
        `model ${fmt(spec.model)} has no production version, so there is no reference to compare with`,
      );
    }
    const label = `model ${fmt(spec.model)} version ${production.version}`;
    const artifact = await registry.loadArtifact(production);
    const reference = referenceTable(artifact, label);
    const features = artifactFeatures(artifact);
    log.info(
      { phase: 'reference', version: production.version, rows: reference.rowCount, features },
      'reference sample loaded',
    );

    const source = Object.keys(spec.current)[0];
    log.info({ phase: 'read', source }, 'reading current data');
    const current = await readCurrentTable(spec.current, features, {
      env: opts.env ?? process.env,
      registry,
      model: spec.model,
      now,
      onProgress: (rows) => log.debug({ phase: 'read', rows }, 'rows read'),
    });
    log.info({ phase: 'read', source, rows: current.rowCount }, 'current data read');

    const report = await compute(reference, current, spec, { ...opts, now });
    const summary = summariseReport(report);
    log.info(
      {
        phase: 'compare',
        driftDetected: report.driftDetected,
        driftShare: report.driftShare,
        drifted: report.columns.filter((c) => c.drifted).map((c) => c.name),
      },
      report.driftDetected ? 'dataset drift detected' : 'no dataset drift',
    );

    const html = renderDriftReportHtml(report, {
      title: `Drift report: ${monitor}`,
      subtitle: `${label}; current data: ${describeSource(spec.current)}`,
    });
    const stored = await registry.insertDriftReport({
      monitor,
      runId,
      model: { ...spec.model, version: production.version },
      driftDetected: report.driftDetected,
      share: report.driftShare,
      columns: summary.columns,
      html,
      summary: {
        shareThreshold: report.shareThreshold,
        driftedColumns: report.driftedColumns,
        referenceRows: report.referenceRows,
        currentRows: report.currentRows,
        source,
        ...('predictions' in spec.current ? { windowSeconds: spec.current.predictions.windowSeconds } : {}),
        tests: spec.tests ?? {},
        computedAt: report.createdAt,
      },
    });
    log.info(
      { phase: 'done', reportId: stored.id, driftDetected: stored.driftDetected, created: true },
      'report stored',
    );
    return { exitCode: EXIT_OK, report: stored, line: successLine(stored, runId) };
  } catch (err) {
    const failure = classifyError(err);
    log.error(
      { phase: 'failed', kind: failure.kind, exitCode: failure.exitCode, err: failure.message },
      failure.message,
    );
    return {
      exitCode: failure.exitCode,
      line: { error: failure.message, kind: failure.kind, exitCode: failure.exitCode, monitor, runId },
    };
  } finally {
    await registry?.close().catch(() => undefined);
  }
}
