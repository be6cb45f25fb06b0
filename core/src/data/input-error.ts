// The common base of every error caused by the user's data or configuration (bad CSV, missing
// column, unknown category, impossible k...). Entry points map it to exit code 2 / HTTP 400,
// everything else to a transient failure.
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
