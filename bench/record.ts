// What every bench prints first and keeps: the machine it ran on (cores, Node.js, load average
// at the start, which on a shared machine says how much to trust the figures), and with
// --json a record under bench/results so two runs can be compared.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  /** 1, 5 and 15 minute load averages when the bench started. */
  loadAverage: number[];
  started: string;
}

export function machine(): Machine {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    started: new Date().toISOString(),
  };
}

export function describeMachine(m: Machine): string {
  return `machine: ${m.cores} cores (${m.cpu}), Node.js ${m.node}, load average at start ${m.loadAverage.join(' ')}`;
}

/** Prints the machine line and returns it, for the bench's record. */
export function startBench(name: string, argv: readonly string[] = process.argv.slice(2)): BenchRun {
  const m = machine();
  console.log(`${name}  ${describeMachine(m)}`);
  return { name, machine: m, json: argv.includes('--json') };
}

export interface BenchRun {
  name: string;
  machine: Machine;
  /** --json given: keep the record under bench/results. */
  json: boolean;
}

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

/** Writes bench/results/<name>-<start time>.json when --json was given; returns its path. */
export function keepRecord(run: BenchRun, figures: Record<string, unknown>): string | undefined {
  if (!run.json) return undefined;
  mkdirSync(RESULTS, { recursive: true });
  const stamp = run.machine.started.replace(/[:.]/g, '-');
  const path = join(RESULTS, `${run.name.replace(/[^a-z0-9-]/gi, '-')}-${stamp}.json`);
  const record = {
    bench: run.name,
    machine: run.machine,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    argv: process.argv.slice(2),
    ...figures,
  };
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`record: ${path}`);
  return path;
}

/** Median and spread (min, max) of a few repeated measurements. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], values: [...values] };
}
