// The current side of a drift check: the monitor's Postgres query (URL from an environment
// variable, normally a Secret) or the predictor's logged traffic over a window, read as typed
// columns for the model's features. A source that cannot be used (no rows, a missing column, a
// refused query) is an InputError saying which source and column; a single bad cell is counted
// in `badCells`, with its row, and kept as a missing value.
import type { FeatureSpec } from '@persona-operator/core/artifact/types';
import { InputError } from '@persona-operator/core/data/input-error';
import { readPostgresTable } from '@persona-operator/registry/data/postgres-source';
import { tableFromRecords, type ReadOptions, type Table } from '@persona-operator/core/data/table';
import type { CurrentDataSource } from '../drift-spec.ts';
import { classifyDbError, sqlState, type ModelRef, type Registry } from '@persona-operator/registry';

/** More logged predictions than this in one window is refused: the window is too long. */
export const MAX_PREDICTION_ROWS = 1_000_000;

export interface CurrentDataOptions extends ReadOptions {
  env: NodeJS.ProcessEnv;
  registry: Pick<Registry, 'readPredictionLog'>;
  model: ModelRef;
  now: Date;
  onProgress?: (rowsRead: number) => void;
}

export function describeSource(source: CurrentDataSource): string {
  return 'postgres' in source
    ? 'current.postgres.query'
    : `logged predictions over the last ${source.predictions.windowSeconds}s`;
}

async function fromPostgres(
  source: Extract<CurrentDataSource, { postgres: unknown }>,
  features: readonly FeatureSpec[],
  opts: CurrentDataOptions,
): Promise<Table> {
  const { query, urlEnv, rowLimit } = source.postgres;
  const url = opts.env[urlEnv];
  if (!url) {
    throw new InputError(
      `current.postgres: environment variable ${urlEnv} (the data database URL) is not set`,
    );
  }
  try {
    return await readPostgresTable({
      db: url,
      query,
      columns: features,
      rowLimit,
      badCells: opts.badCells,
      onProgress: opts.onProgress,
    });
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`current.postgres.query: ${err.message}`);
    // A query the database refuses (undefined table or column, syntax, types, a wrong password)
    // is the monitor's configuration: say so, with the server's own words and its code.
    if (classifyDbError(err) === 'permanent') {
      throw new InputError(
        `current.postgres.query failed: ${(err as Error).message} (SQLSTATE ${sqlState(err)})`,
      );
    }
    throw err;
  }
}

async function fromPredictions(
  windowSeconds: number,
  features: readonly FeatureSpec[],
  opts: CurrentDataOptions,
): Promise<Table> {
  const since = new Date(opts.now.getTime() - windowSeconds * 1000);
  const where = `current.predictions (the last ${windowSeconds}s of logged predictions)`;
  const entries = await opts.registry.readPredictionLog(opts.model, {
    since,
    until: opts.now,
    limit: MAX_PREDICTION_ROWS + 1,
  });
  if (entries.length === 0) {
    throw new InputError(
      `${where}: no predictions of ${opts.model.namespace}/${opts.model.name} were logged since ${since.toISOString()} ` +
        '(is serving.logPredictions on?)',
    );
  }
  if (entries.length > MAX_PREDICTION_ROWS) {
    throw new InputError(`${where}: more than ${MAX_PREDICTION_ROWS} rows; use a shorter window`);
  }
  opts.onProgress?.(entries.length);
  try {
    return tableFromRecords(
      entries.map((e) => e.features),
      features,
      { badCells: opts.badCells },
    );
  } catch (err) {
    if (err instanceof InputError) {
      throw new InputError(`${where}: ${err.message.replace('the query result', 'the logged features')}`);
    }
    throw err;
  }
}

/** Reads the current data for the model's features from the monitor's source. */
export async function readCurrentTable(
  source: CurrentDataSource,
  features: readonly FeatureSpec[],
  opts: CurrentDataOptions,
): Promise<Table> {
  return 'postgres' in source
    ? fromPostgres(source, features, opts)
    : fromPredictions(source.predictions.windowSeconds, features, opts);
}
