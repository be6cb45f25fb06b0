// Minimum-cost assignment (Hungarian algorithm, the O(n^2 m) shortest augmenting path form).

/**
 * Assigns rows to columns of a rows x cols cost matrix minimising the total cost; every row is
 * assigned when rows <= cols, otherwise every column is. Returns, per row, its column or -1.
 */
export function hungarian(cost: readonly (readonly number[])[]): number[] {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0].length;
  if (rows === 0 || cols === 0) return new Array<number>(rows).fill(-1);
  for (const r of cost) {
    if (r.length !== cols) throw new Error('cost matrix rows must all have the same length');
    for (const v of r) if (!Number.isFinite(v)) throw new Error('cost matrix entries must be finite numbers');
  }
  if (rows > cols) {
    const t = Array.from({ length: cols }, (_, j) => Array.from({ length: rows }, (_, i) => cost[i][j]));
    const colToRow = hungarian(t);
    const out = new Array<number>(rows).fill(-1);
    colToRow.forEach((i, j) => {
      if (i >= 0) out[i] = j;
    });
    return out;
  }
  // 1-based potentials u (rows), v (cols); p[j] = row matched to column j; way = augmenting path.
  const n = rows;
  const m = cols;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const out = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j] > 0) out[p[j] - 1] = j - 1;
  return out;
}
