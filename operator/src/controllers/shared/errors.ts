// A problem with a resource's spec that retrying cannot fix: reported in status, not retried hot.
export class SpecProblem extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'SpecProblem';
  }
}
