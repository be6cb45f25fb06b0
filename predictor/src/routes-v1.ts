// KServe V1 data plane: model list, model readiness and `:predict` with {"instances": [...]}.
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.ts';
import { modelNamed, quote } from './lookup.ts';
import { NAME_PARAMS, V1_PREDICT_BODY, V1_PREDICT_RESPONSE } from './schemas.ts';
import { checkBatchSize, score, type ScoringContext } from './scoring.ts';

const PREDICT_VERB = ':predict';

export function installV1Routes(app: FastifyInstance, ctx: ScoringContext): void {
  const { state } = ctx;

  app.get('/v1/models', async () => ({ models: state.model ? [state.model.name] : [] }));

  app.get<{ Params: { name: string } }>(
    '/v1/models/:name',
    { schema: { params: NAME_PARAMS } },
    async (request) => {
      const model = modelNamed(state, request.params.name);
      return { name: model.name, ready: state.ready };
    },
  );

  // find-my-way cannot put a literal ":" after a parameter, so the verb is split off here.
  app.post<{ Params: { target: string }; Body: { instances: unknown[] } }>(
    '/v1/models/:target',
    { schema: { body: V1_PREDICT_BODY, response: V1_PREDICT_RESPONSE } },
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
}
