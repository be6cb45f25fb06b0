// KServe V1 data plane, under /v1: model list, model readiness and `:predict` with
// {"instances": [...]}.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HttpError } from '../errors.ts';
import { modelNamed, quote } from '../lookup.ts';
import { NameParams, type TargetParams, V1PredictBody, V1PredictReply } from '../schemas.ts';
import { checkBatchSize, score, type ScoringContext } from '../scoring.ts';

const PREDICT_VERB = ':predict';

export const v1Routes: FastifyPluginAsyncTypebox<ScoringContext> = async (app, ctx) => {
  const { state } = ctx;

  app.get('/models', async () => ({ models: state.model ? [state.model.name] : [] }));

  app.get('/models/:name', { schema: { params: NameParams } }, async (request) => {
    const model = modelNamed(state, request.params.name);
    return { name: model.name, ready: state.ready };
  });

  // find-my-way cannot put a literal ":" after a parameter, so the verb is split off here. The
  // parameter has a type and no schema: the router only yields strings, and checking that it
  // did was a validator call on every prediction.
  app.post<{ Params: TargetParams; Body: V1PredictBody }>(
    '/models/:target',
    { schema: { body: V1PredictBody, response: { 200: V1PredictReply } } },
    async (request) => {
      const target = request.params.target;
      const colon = target.lastIndexOf(':');
      const verb = colon < 0 ? '' : target.slice(colon);
      if (verb !== PREDICT_VERB) {
        throw new HttpError(
          404,
          `unknown model verb ${quote(verb || target)}; use /v1/models/{name}:predict`,
        );
      }
      const model = modelNamed(state, target.slice(0, colon));
      const rows = request.body.instances;
      checkBatchSize(ctx, rows.length, 'instances');
      return { predictions: score(ctx, model, rows) };
    },
  );
};
