// Writes the seed scenario as files: january.csv .. april.csv and personas.yaml.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatCsv } from '../data/csv.ts';
import { tableRow } from '../data/table.ts';
import { formatPersonasYaml } from '../personas/personas-file.ts';
import type { SeedScenario } from './seed-scenario.ts';

/** Writes the files into `dir` (created if needed) and returns their paths. */
export async function writeSeedScenario(dir: string, scenario: SeedScenario): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const batch of scenario.months) {
    const path = join(dir, `${batch.month}.csv`);
    const header = batch.table.columns.map((c) => c.name);
    const rows = Array.from({ length: batch.table.rowCount }, (_, i) => tableRow(batch.table, i));
    await writeFile(path, formatCsv(header, rows));
    written.push(path);
  }
  const personasPath = join(dir, 'personas.yaml');
  await writeFile(
    personasPath,
    formatPersonasYaml(
      { features: scenario.features, personas: scenario.personas },
      'Pre-defined customer personas of the seed scenario (centroids in raw units).\nUse with: persona train --mode fixed --personas personas.yaml',
    ),
  );
  written.push(personasPath);
  return written;
}
