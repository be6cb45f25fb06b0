// What `persona train` prints: progress lines on stderr, the per-k metrics table, and the one
// JSON summary of --json.
import type { KMetrics, ModelArtifact } from '@persona-operator/core/artifact/types';
import type { StreamTrainProgress } from '@persona-operator/core/train/stream-train';

const num = (v: number | null, digits: number): string => (v === null ? '-' : v.toFixed(digits));

export function formatKTable(perK: readonly KMetrics[], chosen: number): string {
  const lines = ['    k        inertia  silhouette  calinski-harabasz  davies-bouldin'];
  for (const m of perK) {
    lines.push(
      `${m.k === chosen ? '*' : ' '}${String(m.k).padStart(4)}  ${m.inertia.toFixed(3).padStart(13)}  ${num(m.silhouette, 4).padStart(10)}  ${num(m.calinskiHarabasz, 2).padStart(17)}  ${num(m.daviesBouldin, 4).padStart(14)}`,
    );
  }
  return lines.join('\n');
}

/** The machine-readable summary printed by --json. */
export function trainSummary(artifact: ModelArtifact, out: string | undefined): Record<string, unknown> {
  const m = artifact.metrics;
  return {
    k: m.k,
    silhouette: m.silhouette,
    inertia: m.inertia,
    calinskiHarabasz: m.calinskiHarabasz,
    daviesBouldin: m.daviesBouldin,
    perK: m.perK,
    personas: artifact.personas.map((p) => ({ id: p.id, name: p.name, generated: p.generated ?? false })),
    unmatchedPersonas: m.unmatchedPersonas,
    mode: artifact.training.mode,
    rows: artifact.training.rows,
    dataHash: artifact.training.dataHash,
    durationMs: artifact.training.durationMs,
    out: out ?? null,
  };
}

export function progressPrinter(quiet: boolean): (e: StreamTrainProgress) => void {
  const err = process.stderr;
  return (e) => {
    if (quiet) return;
    if (e.phase === 'scan') err.write(`scanned ${e.rows} rows\n`);
    else if (e.phase === 'final') err.write(`scored ${e.rows} rows\n`);
    else if (e.phase === 'minibatch') {
      err.write(
        `mini-batch pass ${e.epoch}: ${e.steps} batches, converged k=${e.converged.join(',') || '-'} of ${e.ks.join(',')}\n`,
      );
    } else if (e.phase === 'restart') {
      err.write(
        `[${e.done}/${e.total}] k=${e.k} restart ${e.restart + 1}/${e.nInit}: inertia ${e.inertia.toFixed(3)} (${e.iterations} iterations)\n`,
      );
    } else if (e.phase === 'metrics') {
      err.write(
        `scoring k=${e.ks.join(',')}: silhouette on ${e.silhouetteRows} rows, Calinski-Harabasz, Davies-Bouldin\n`,
      );
    } else {
      const on = e.threads === 1 ? 'one thread' : `${e.threads} threads`;
      err.write(`chose k=${e.k} in ${(e.durationMs / 1000).toFixed(2)} s (restarts on ${on})\n`);
    }
  };
}
