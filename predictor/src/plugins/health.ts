// The kubelet's probes: liveness, and readiness that is false until the model is loaded and
// again once a shutdown begins, so the Service stops sending traffic before the server stops
// listening. The V2 protocol's forms of both live with its routes (routes/v2.ts).
import type { FastifyPluginAsync } from 'fastify';
import type { PredictorState } from '../state.ts';

export const healthRoutes: FastifyPluginAsync<{ state: PredictorState }> = async (app, { state }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (state.ready) return { status: 'ready' };
    return reply.code(503).send({ status: state.shuttingDown ? 'shutting down' : 'loading' });
  });
};
