// What the drift Job tests share: a throwaway Postgres holding the registry and the survey
// tables, the seed scenario's model in production, and a way to run the Job in-process.
import { loadRows } from '@persona-operator/registry/data/load';
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import type { Table } from '@persona-operator/core/data/table';
import { parseDriftJobSpec, type DriftJobSpec } from '@persona-operator/jobs/drift-spec';
import { Registry, type ModelRef } from '@persona-operator/registry';
import { trainSeedModel } from '../../../core/test/support/seed-model.ts';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';
import { runDriftJob } from '../../src/driftcheck/job.ts';
import { captureLog } from './capture-log.ts';

export const MODEL: ModelRef = { namespace: 'shop', name: 'customers' };
export { seedScenario as scenario, seedMonth as month } from '../../../core/test/support/seed-model.ts';

export interface DriftFixture {
  db: TestPostgres;
  registry: Registry;
  artifact: ModelArtifact;
  close: () => Promise<void>;
}

/** Postgres with the registry migrated and January's model registered and promoted as MODEL. */
export async function startDriftFixture(): Promise<DriftFixture> {
  const db = await startPostgres();
  const registry = await Registry.connect(db.url);
  await registry.migrate();
  const artifact = await trainSeedModel();
  await promote(registry, MODEL, artifact);
  return {
    db,
    registry,
    artifact,
    close: async () => {
      await registry.close();
      await db.stop();
    },
  };
}

export async function promote(registry: Registry, model: ModelRef, artifact: ModelArtifact): Promise<void> {
  const { version } = await registry.registerVersion({ model, runId: `train-${model.name}`, artifact });
  await registry.setAlias(model, 'production', version.version, { actor: 'test', reason: 'first version' });
}

export function rowsOf(table: Table): (string | number)[][] {
  return Array.from({ length: table.rowCount }, (_, i) => table.columns.map((c) => c.values[i]));
}

/** Loads a survey table (double precision and text columns) into the fixture's database. */
export async function loadTable(url: string, name: string, table: Table): Promise<void> {
  await loadRows({
    db: url,
    table: name,
    columns: table.columns.map((c) => ({
      name: c.name,
      type: c.type === 'numeric' ? 'double precision' : 'text',
    })),
    rows: rowsOf(table),
  });
}

export function driftSpec(current: unknown, overrides: Record<string, unknown> = {}): DriftJobSpec {
  return parseDriftJobSpec({
    monitor: { namespace: 'shop', name: 'customers-drift' },
    model: MODEL,
    current,
    ...overrides,
  });
}

export const query = (sql: string) => ({ postgres: { query: sql } });

/** Runs the drift Job in this process with the fixture's database as registry and data source. */
export async function runJob(
  dbUrl: string,
  s: DriftJobSpec,
  runId: string,
  opts: { registryUrl?: string; now?: Date } = {},
) {
  const { logger, lines } = captureLog();
  const result = await runDriftJob(s, {
    registryUrl: opts.registryUrl ?? dbUrl,
    runId,
    logger,
    env: { PERSONA_DATA_URL: dbUrl },
    now: opts.now,
  });
  return { ...result, lines };
}
