// One error shape for every failure the predictor reports: {"error", "instance"?, "feature"?}.
// Every error that input can cause maps to a 4xx here, so no body, header or URL yields a 500;
// anything else is a bug, logged with its stack and answered with a generic 500. A root plugin
// (fastify-plugin), so the handlers cover every route.
import type { FastifyBaseLogger, FastifyError } from 'fastify';
import fp from 'fastify-plugin';
import { RowError } from '@persona-operator/core/scoring/scorer';
import { HttpError } from '../errors.ts';
import type { ErrorBody } from '../schemas.ts';

/** Fastify error codes that are the client's fault, with the status we answer. */
const CLIENT_ERROR_STATUS: Record<string, number> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 413,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 415,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 400,
  FST_ERR_CTP_EMPTY_JSON_BODY: 400,
  FST_ERR_CTP_INVALID_JSON_BODY: 400,
  FST_ERR_VALIDATION: 400,
};

/** Turns Ajv's `/instances/3/...` into the row index, so schema errors name the row too. */
function instanceFromPath(path: string): number | undefined {
  const m = /^\/(?:instances|inputs)\/(\d+)/.exec(path);
  return m ? Number(m[1]) : undefined;
}

function validationBody(err: FastifyError): ErrorBody {
  const first = err.validation?.[0];
  if (!first) return { error: err.message };
  const path = first.instancePath || '';
  const where = `${err.validationContext ?? 'body'}${path.replaceAll('/', '.')}`;
  const params = first.params as Record<string, unknown>;
  let problem = first.message ?? 'is invalid';
  if (first.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    problem = `unknown property "${params.additionalProperty}"`;
  } else if (first.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    problem = `must be one of ${params.allowedValues.join(', ')}`;
  }
  const body: ErrorBody = { error: `${where}: ${problem}` };
  const instance = instanceFromPath(path);
  if (instance !== undefined) body.instance = instance;
  return body;
}

export const errorHandling = fp<{ log: FastifyBaseLogger }>(
  async (app, { log }) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if (err instanceof HttpError) return reply.code(err.statusCode).send(err.body);
      if (err instanceof RowError) {
        const body: ErrorBody = { error: err.message, instance: err.instance };
        if (err.feature !== undefined) body.feature = err.feature;
        return reply.code(400).send(body);
      }
      if (err.validation) return reply.code(400).send(validationBody(err));
      const mapped = err.code ? CLIENT_ERROR_STATUS[err.code] : undefined;
      if (mapped) return reply.code(mapped).send({ error: err.message });
      // Body parser failures (bad JSON, "__proto__" keys) carry a 4xx status of their own.
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
        return reply.code(err.statusCode).send({ error: err.message });
      }
      if (err instanceof SyntaxError) return reply.code(400).send({ error: `invalid JSON: ${err.message}` });
      log.error(
        { err, reqId: request.id, route: request.routeOptions.url },
        'unexpected error while handling a request',
      );
      return reply.code(500).send({ error: 'internal error' });
    });

    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0];
      const shown = path.length > 200 ? `${path.slice(0, 200)}...` : path;
      reply.code(404).send({ error: `no route ${request.method} ${shown}` });
    });
  },
  { name: 'persona-errors', fastify: '5.x' },
);
