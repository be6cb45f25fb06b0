// `persona predict`: scores every row of a CSV file with a model artifact and writes the rows
// back with persona, persona_id, distance and confidence appended.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseArtifactJson } from '@persona-operator/core/artifact/validate';
import { formatCsv, parseCsv } from '@persona-operator/core/data/csv';
import { tableFromCsv, tableRow } from '@persona-operator/core/data/table';
import { createScorer, RowError } from '@persona-operator/core/scoring/scorer';
import { EXIT_BAD_INPUT } from '@persona-operator/jobs/exit-codes';
import { CliError } from '../errors.ts';
import { required } from '../flags.ts';
import { readInputFile, withInputErrors } from '../input.ts';
import type { Command } from '../main.ts';

const usage = `Usage: persona predict --model model.json --input rows.csv [--output out.csv]

Assigns each row of the input CSV to its nearest persona. The output is the input with the
columns persona, persona_id, distance and confidence added (stdout without --output).

Options:
  --model FILE    model artifact written by persona train
  --input FILE    rows to score (CSV with a header naming at least the model's features)
  --output FILE   where to write the scored CSV (default: stdout)`;

const OUTPUT_COLUMNS = ['persona', 'persona_id', 'distance', 'confidence'];

export const command: Command = {
  summary: 'assign the rows of a CSV file to personas with a model artifact',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { model: { type: 'string' }, input: { type: 'string' }, output: { type: 'string' } },
      strict: true,
    });
    const modelPath = required(values.model, '--model model.json');
    const inputPath = required(values.input, '--input rows.csv');
    const artifact = await withInputErrors(modelPath, async () =>
      parseArtifactJson(await readInputFile(modelPath, 'model')),
    );
    const scorer = createScorer(artifact);
    const csv = await withInputErrors(inputPath, async () =>
      parseCsv(await readInputFile(inputPath, 'input')),
    );
    for (const name of OUTPUT_COLUMNS) {
      if (csv.header.includes(name)) {
        throw new CliError(
          `${inputPath}: the input already has a "${name}" column, which the output adds`,
          EXIT_BAD_INPUT,
        );
      }
    }
    const table = await withInputErrors(inputPath, () =>
      tableFromCsv(
        csv,
        artifact.features.map((f) => ({ name: f.name, type: f.type })),
      ),
    );
    const rows: (string | number)[][] = [];
    for (let i = 0; i < table.rowCount; i++) {
      let p;
      try {
        p = scorer.predictOne(tableRow(table, i), i);
      } catch (err) {
        if (err instanceof RowError) {
          // Report the file line, not the 0-based instance index the scorer knows.
          const detail = err.message.replace(/^instance \d+(, )?/, '');
          throw new CliError(
            `${inputPath}: line ${csv.lines[i]}${detail ? `, ${detail.replace(/^: /, '')}` : ''}`,
            EXIT_BAD_INPUT,
          );
        }
        throw err;
      }
      rows.push([...csv.rows[i], p.persona, p.personaId, p.distance, p.confidence]);
    }
    const text = formatCsv([...csv.header, ...OUTPUT_COLUMNS], rows);
    if (values.output) {
      await writeFile(values.output, text);
      process.stderr.write(`scored ${rows.length} rows into ${values.output}\n`);
    } else {
      process.stdout.write(text);
    }
    return 0;
  },
};
