// Liveness and readiness, in the plain form (/healthz, /readyz) and the V2 protocol's form.
// Readiness is false until the model is loaded and again once a shutdown begins, so the
// Service stops sending traffic before the server stops listening.
import type { FastifyInstance } from 'fastify';
import { modelNamed } from './lookup.ts';
import { NAME_PARAMS } from './schemas.ts';
import type { PredictorState } from './state.ts';

export function installHealthRoutes(app: FastifyInstance, state: PredictorState): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (state.ready) return { status: 'ready' };
    return reply.code(503).send({ status: state.shuttingDown ? 'shutting down' : 'loading' });
  });
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_request, reply) =>
    reply.code(state.ready ? 200 : 503).send({ ready: state.ready }),
  );
  app.get<{ Params: { name: string } }>(
    '/v2/models/:name/ready',
    { schema: { params: NAME_PARAMS } },
    async (request, reply) => {
      const model = modelNamed(state, request.params.name);
      return reply.code(state.ready ? 200 : 503).send({ name: model.name, ready: state.ready });
    },
  );
}
