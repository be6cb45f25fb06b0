// What a drift Job runs: the production version's reference sample against the monitor's
// current data (feature tests), the current rows assigned to the version's personas against its
// stored reference statistics (persona tests), the report (with its HTML page) stored in the
// registry under the monitor and the Job's run id, exit 0 (drift or not) / 1 (transient, retry)
// / 2 (bad spec or data, don't). Idempotent per run id: a retried Job whose first attempt
// stored the report only reports it.
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { InputError } from '@persona-operator/core/data/input-error';
import { BadCells, describeBadCells } from '@persona-operator/core/data/bad-cells';
import type { DriftJobSpec } from '../drift-spec.ts';
import {
  driftDetails,
  DriftInputError,
  summariseReport,
  type DriftReport,
  type DriftTestGroup,
} from '@persona-operator/core/drift/index';
import { checkDrift, type DriftCheckInput } from '@persona-operator/core/drift/check';
import { versionReference } from '@persona-operator/core/drift/personas/reference';
import { renderDriftReportHtml } from '@persona-operator/core/drift/report-html';
import { Registry, type DriftReport as StoredReport, type ModelRef } from '@persona-operator/registry';
import { classifyError, EXIT_OK } from '../exit-codes.ts';
import { describeSource, readCurrentTable } from './current.ts';
import { artifactFeatures, referenceTable } from './reference.ts';
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import type { DriftTable } from '@persona-operator/core/drift/column';
import type { PersonaReference } from '@persona-operator/core/drift/personas/reference';

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
      /** The tests that found drift (features, personaMix, novelty, perPersona). */
      fired: DriftTestGroup[];
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

function successLine(report: StoredReport, runId: string): DriftJobResultLine {
  return {
    reportId: report.id,
    monitor: report.monitor,
    runId,
    model: fmt(report.model),
    version: report.model.version,
    driftDetected: report.driftDetected,
    // A report stored before the persona tests has no details: its verdict was the features'.
    fired: report.details?.fired ?? (report.driftDetected ? ['features'] : []),
    driftShare: report.share,
    driftedColumns: report.columns.filter((c) => c.drifted).map((c) => c.name),
  };
}

async function compute(
  input: DriftCheckInput,
  rows: number,
  threads: number | undefined,
): Promise<DriftReport> {
  try {
    return await checkDrift({
      ...input,
      threads: threads ?? (rows >= PARALLEL_MIN_ROWS ? availableParallelism() : 1),
    });
  } catch (err) {
    // The statistics' own input errors (unknown column in tests.perFeature, a test undefined
    // for the column's type) are the monitor's configuration.
    if (err instanceof DriftInputError) throw new InputError(err.message);
    throw err;
  }
}

function wantsPersonaTests(spec: DriftJobSpec): boolean {
  const t = spec.tests;
  return (
    t?.personaMix?.enabled !== false || t?.novelty?.enabled !== false || t?.perPersona?.enabled !== false
  );
}

/** The version's stored statistics, else (an older version) those of its reference sample. */
function personaReferenceOf(artifact: ModelArtifact, reference: DriftTable, log: Logger): PersonaReference {
  try {
    const stats = versionReference(artifact, reference);
    if (stats.source === 'sample') {
      log.warn(
        { phase: 'reference', rows: stats.rows },
        'this version has no stored reference statistics: the persona tests use its reference sample',
      );
    }
    return stats;
  } catch (err) {
    if (err instanceof DriftInputError) throw new InputError(err.message);
    throw err;
  }
}

/** The window of logged predictions the run read, so a retrain can read the same rows. */
function predictionsWindow(windowSeconds: number, now: Date) {
  return {
    windowSeconds,
    windowFrom: new Date(now.getTime() - windowSeconds * 1000).toISOString(),
    windowTo: now.toISOString(),
  };
}

function personaLog(report: DriftReport): Record<string, unknown> {
  const p = report.personas;
  if (!p) return {};
  return {
    ...(p.mix
      ? {
          personaMix: p.mix.personas.filter((x) => x.change !== 'steady').map((x) => `${x.name} ${x.change}`),
        }
      : {}),
    ...(p.novelty ? { noveltyShare: p.novelty.share } : {}),
    ...(p.perPersona
      ? { personasDrifted: p.perPersona.personas.filter((x) => x.drifted).map((x) => x.name) }
      : {}),
    unassignedRows: p.assignment.unassignedRows,
  };
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
    const personaReference = wantsPersonaTests(spec)
      ? personaReferenceOf(artifact, reference, log)
      : undefined;

    const source = Object.keys(spec.current)[0];
    log.info({ phase: 'read', source }, 'reading current data');
    const badCells = new BadCells();
    const current = await readCurrentTable(spec.current, features, {
      env: opts.env ?? process.env,
      registry,
      model: spec.model,
      now,
      badCells,
      onProgress: (rows) => log.debug({ phase: 'read', rows }, 'rows read'),
    });
    log.info({ phase: 'read', source, rows: current.rowCount }, 'current data read');
    if (badCells.total > 0) {
      log.warn(
        { phase: 'read', badCells: badCells.total },
        `unusable current cells, counted as missing: ${describeBadCells(badCells.summary())}`,
      );
    }

    const report = await compute(
      {
        reference,
        current: { columns: current.columns },
        options: spec.tests ?? {},
        ...(personaReference ? { model: { artifact, reference: personaReference } } : {}),
        badCells: badCells.summary(),
        now,
      },
      current.rowCount,
      opts.threads,
    );
    const summary = summariseReport(report);
    log.info(
      {
        phase: 'compare',
        driftDetected: report.driftDetected,
        fired: report.fired,
        driftShare: report.driftShare,
        drifted: report.columns.filter((c) => c.drifted).map((c) => c.name),
        ...personaLog(report),
      },
      report.driftDetected ? `drift detected by ${report.fired.join(', ')}` : 'no drift',
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
      details: driftDetails(summary),
      html,
      summary: {
        shareThreshold: report.shareThreshold,
        driftedColumns: report.driftedColumns,
        referenceRows: report.referenceRows,
        currentRows: report.currentRows,
        source,
        ...('predictions' in spec.current
          ? predictionsWindow(spec.current.predictions.windowSeconds, now)
          : {}),
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
