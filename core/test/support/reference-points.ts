// The 12 two-dimensional points of core/test/reference/metrics.py (three well-separated blobs
// of 4, 3 and 5 points): the scikit-learn reference values in the metric, k-means and
// `persona train` tests are all computed on exactly these rows, so they live in one place.
export const REFERENCE_POINTS: readonly (readonly [number, number])[] = [
  [1.0, 2.0],
  [1.5, 1.8],
  [1.2, 2.2],
  [0.8, 1.9],
  [5.0, 8.0],
  [5.5, 8.5],
  [6.0, 7.5],
  [9.0, 1.0],
  [8.5, 1.5],
  [9.5, 0.5],
  [9.2, 1.2],
  [8.8, 0.9],
];
