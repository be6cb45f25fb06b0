// Why a training Job failed, for the Trained condition: the error the trainer recorded with its
// run in the registry (its bad-data messages name the part, the column or the window), sorted
// into reasons a person can act on. Text is what the trainer leaves: its exit code already told
// Kubernetes whether to retry, and only the reason for a person is read back here.
export type TrainingFailureReason =
  | 'DataMissingColumn'
  | 'DataWindowEmpty'
  | 'DataEmpty'
  | 'DataBadValue'
  | 'DataQueryFailed'
  | 'TrainingFailed';

// Most specific first: an empty window's message also says "no predictions".
const PATTERNS: readonly [RegExp, TrainingFailureReason][] = [
  [/the window is empty/i, 'DataWindowEmpty'],
  [/returned no rows|has no rows/i, 'DataEmpty'],
  [/is not in the query result|not found in the query result|not found in the header/i, 'DataMissingColumn'],
  [/is not a finite number|missing value|empty value|not a number|has no values/i, 'DataBadValue'],
  [/query failed|SQLSTATE/i, 'DataQueryFailed'],
];

export function classifyTrainingFailure(error: string): TrainingFailureReason {
  for (const [pattern, reason] of PATTERNS) if (pattern.test(error)) return reason;
  return 'TrainingFailed';
}
