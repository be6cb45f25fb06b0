// Helpers for driving a predictor app in tests.
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildPredictorApp, type PredictorAppOptions } from '../../src/app.ts';
import { serveArtifact } from '../../src/model.ts';
import { fixtureArtifact } from './fixture.ts';

export function fixtureApp(opts: Omit<PredictorAppOptions, 'model'> = {}): FastifyInstance {
  return buildPredictorApp({ model: serveArtifact(fixtureArtifact()), defaultMetrics: false, ...opts });
}

export interface JsonResponse {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

export async function call(
  app: FastifyInstance,
  method: InjectOptions['method'],
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const res = await app.inject({
    method,
    url,
    headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
    payload:
      payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    body = { raw: res.body };
  }
  return { status: res.statusCode, body, headers: res.headers };
}

export const predictV1 = (app: FastifyInstance, instances: unknown, name = 'customers') =>
  call(app, 'POST', `/v1/models/${name}:predict`, { instances });

export const inferV2 = (app: FastifyInstance, body: unknown, name = 'customers') =>
  call(app, 'POST', `/v2/models/${name}/infer`, body);
