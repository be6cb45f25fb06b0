// Request metrics on every route (an onResponse hook on the root, hence fastify-plugin) and
// the /metrics exposition.
import fp from 'fastify-plugin';
import type { PredictorMetrics } from '../metrics.ts';
import type { PredictorState } from '../state.ts';

export interface MetricsPluginOptions {
  metrics: PredictorMetrics;
  state: PredictorState;
}

/** Unmatched URLs share one label value so random paths cannot grow the series without bound. */
const UNMATCHED_ROUTE = 'unmatched';

export const metricsPlugin = fp<MetricsPluginOptions>(
  async (app, { metrics, state }) => {
    state.onModel((model) => metrics.setModel(model));
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
      metrics.observeRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    app.get('/metrics', async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
  },
  { name: 'persona-metrics', fastify: '5.x' },
);
