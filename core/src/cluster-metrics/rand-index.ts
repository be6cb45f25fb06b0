// Adjusted Rand index between two labelings of the same rows, computed from the pair confusion
// matrix exactly as scikit-learn's adjusted_rand_score does. Written here because it is one
// formula over a contingency table the caller already has, and no maintained JS package has it.

/**
 * ARI of a contingency table (counts[i][j]: rows labelled i by the first labeling and j by the
 * second). 1 for identical partitions (and, as scikit-learn, for the degenerate cases where the
 * pair counts leave nothing to disagree on), about 0 for independent ones, negative below chance.
 */
export function adjustedRandIndex(counts: readonly (readonly number[])[]): number {
  let n = 0;
  let sumSquares = 0;
  const colSums: number[] = [];
  let rowSquares = 0;
  for (const row of counts) {
    let rowSum = 0;
    row.forEach((c, j) => {
      rowSum += c;
      sumSquares += c * c;
      colSums[j] = (colSums[j] ?? 0) + c;
    });
    n += rowSum;
    rowSquares += rowSum * rowSum;
  }
  let colSquares = 0;
  for (const c of colSums) colSquares += (c ?? 0) * (c ?? 0);
  // Ordered pairs: same cluster in both (tp), only in the second (fp), only in the first (fn).
  const tp = sumSquares - n;
  const fp = colSquares - sumSquares;
  const fn = rowSquares - sumSquares;
  const tn = n * n - fp - fn - sumSquares;
  if (fn === 0 && fp === 0) return 1;
  return (2 * (tp * tn - fn * fp)) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}
