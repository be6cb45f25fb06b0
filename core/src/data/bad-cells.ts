// Unusable cells of data that is read leniently (a drift check's current data): instead of
// failing the read, each bad cell is counted under its column, with the first few located, and
// the table keeps it as missing (NaN, or '' for a category), which the statistics leave out.

export interface BadCellExample {
  /** "row 17" or "line 18". */
  at: string;
  problem: string;
}

export interface BadCellSummary {
  column: string;
  count: number;
  examples: BadCellExample[];
}

const EXAMPLES_PER_COLUMN = 3;

export class BadCells {
  private readonly byColumn = new Map<string, BadCellSummary>();

  record(column: string, at: string, problem: string): void {
    let entry = this.byColumn.get(column);
    if (!entry) {
      entry = { column, count: 0, examples: [] };
      this.byColumn.set(column, entry);
    }
    entry.count++;
    if (entry.examples.length < EXAMPLES_PER_COLUMN) entry.examples.push({ at, problem });
  }

  get total(): number {
    let n = 0;
    for (const e of this.byColumn.values()) n += e.count;
    return n;
  }

  /** Per column, in the order the columns were first seen bad. */
  summary(): BadCellSummary[] {
    return [...this.byColumn.values()].map((e) => ({ ...e, examples: [...e.examples] }));
  }
}

/** "income: 2 (row 5: "n/a" is not a number; row 9: missing value)" for messages and logs. */
export function describeBadCells(summary: readonly BadCellSummary[]): string {
  return summary
    .map(
      (s) =>
        `${s.column}: ${s.count} (${s.examples.map((e) => `${e.at}: ${e.problem}`).join('; ')}${s.count > s.examples.length ? '; ...' : ''})`,
    )
    .join(', ');
}
