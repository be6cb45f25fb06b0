// A problem with a PersonaModel that retrying cannot fix: reported in status, not retried hot.
export class SpecProblem extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'SpecProblem';
  }
}
