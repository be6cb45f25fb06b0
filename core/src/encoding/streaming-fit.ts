// The encoding learnt batch by batch, for rows that are never all in memory: each batch's mean
// and variance (fitEncoding on the batch) are merged into the running ones with Chan et al.'s
// pairwise update, which stays accurate over millions of rows; categories are united.
import type { FeatureEncoding, FeatureSpec } from '../artifact/types.ts';
import type { Table } from '../data/table.ts';
import { EncodingError, fitEncoding, scaleFor } from './encoding.ts';

interface Moments {
  n: number;
  mean: number;
  /** Sum of squared deviations from the mean. */
  m2: number;
}

export class EncodingAccumulator {
  private readonly moments: Moments[];
  private readonly categories: Set<string>[];
  private rows = 0;

  constructor(private readonly features: readonly FeatureSpec[]) {
    this.moments = features.map(() => ({ n: 0, mean: 0, m2: 0 }));
    this.categories = features.map(() => new Set<string>());
  }

  add(batch: Table): void {
    if (batch.rowCount === 0) return;
    const n = batch.rowCount;
    fitEncoding(batch, this.features).forEach((enc, i) => {
      if (enc.type === 'categorical') {
        for (const c of enc.categories) this.categories[i].add(c);
        return;
      }
      const m = this.moments[i];
      const total = m.n + n;
      const delta = enc.mean - m.mean;
      m.mean += (delta * n) / total;
      m.m2 += enc.std * enc.std * n + (delta * delta * m.n * n) / total;
      m.n = total;
    });
    this.rows += n;
  }

  /** The encoding of every row added, as fitEncoding would learn it from all of them at once. */
  finish(): FeatureEncoding[] {
    if (this.rows === 0)
      throw new EncodingError('no rows to learn the encoding from', this.features[0]?.name ?? '');
    return this.features.map((f, i): FeatureEncoding => {
      if (f.type === 'categorical') {
        return { name: f.name, type: 'categorical', categories: [...this.categories[i]].sort() };
      }
      const { mean, m2, n } = this.moments[i];
      const std = Math.sqrt(m2 / n);
      return { name: f.name, type: 'numeric', mean, std, scale: scaleFor(mean, std) };
    });
  }
}
