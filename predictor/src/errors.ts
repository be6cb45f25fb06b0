// The error a route raises on purpose, with the status and body to answer.
import type { ErrorBody } from './schemas.ts';

export class HttpError extends Error {
  readonly body: ErrorBody;
  constructor(
    readonly statusCode: number,
    message: string,
    extra: Omit<ErrorBody, 'error'> = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.body = { error: message, ...extra };
  }
}
