// Open Inference Protocol (V2), under /v2: server and model metadata, health, readiness and
// `infer`.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { modelNamed } from '../lookup.ts';
import type { ServedModel } from '../model.ts';
import { NameParams, V2InferBody, V2InferReply } from '../schemas.ts';
import { checkBatchSize, score, type ScoringContext } from '../scoring.ts';
import {
  MATRIX_INPUT_NAME,
  checkRequestedOutputs,
  predictionsToOutputs,
  tensorsToRows,
} from '../v2-tensors.ts';

export const SERVER_NAME = 'persona-predictor';
export const PLATFORM = 'persona-kmeans';

export interface V2RoutesOptions extends ScoringContext {
  serverVersion: string;
}

function modelMetadata(model: ServedModel) {
  const inputs: { name: string; datatype: string; shape: number[] }[] = [];
  if (model.numericFeatures.length > 0) {
    inputs.push({ name: MATRIX_INPUT_NAME, datatype: 'FP64', shape: [-1, model.numericFeatures.length] });
  }
  for (const f of model.categoricalFeatures) inputs.push({ name: f, datatype: 'BYTES', shape: [-1] });
  return {
    name: model.name,
    versions: model.versionLabel ? [model.versionLabel] : [],
    platform: PLATFORM,
    inputs,
    outputs: [
      { name: 'persona', datatype: 'BYTES', shape: [-1] },
      { name: 'persona_id', datatype: 'INT64', shape: [-1] },
      { name: 'distance', datatype: 'FP64', shape: [-1] },
      { name: 'confidence', datatype: 'FP64', shape: [-1] },
    ],
    // Not part of the protocol: what clients need to build the inputs above.
    parameters: {
      features: model.artifact.features.map((f) =>
        f.type === 'numeric'
          ? { name: f.name, type: f.type }
          : { name: f.name, type: f.type, categories: f.categories },
      ),
      numeric_features: model.numericFeatures,
      personas: model.personaNames,
    },
  };
}

export const v2Routes: FastifyPluginAsyncTypebox<V2RoutesOptions> = async (app, ctx) => {
  const { state } = ctx;

  app.get('', async () => ({ name: SERVER_NAME, version: ctx.serverVersion, extensions: [] }));

  app.get('/health/live', async () => ({ live: true }));
  app.get('/health/ready', async (_request, reply) =>
    reply.code(state.ready ? 200 : 503).send({ ready: state.ready }),
  );

  app.get('/models/:name', { schema: { params: NameParams } }, async (request) =>
    modelMetadata(modelNamed(state, request.params.name)),
  );

  app.get('/models/:name/ready', { schema: { params: NameParams } }, async (request, reply) => {
    const model = modelNamed(state, request.params.name);
    return reply.code(state.ready ? 200 : 503).send({ name: model.name, ready: state.ready });
  });

  // No params schema on the prediction route: the router only yields strings (routes/v1.ts).
  app.post<{ Params: Static<typeof NameParams>; Body: Static<typeof V2InferBody> }>(
    '/models/:name/infer',
    { schema: { body: V2InferBody, response: { 200: V2InferReply } } },
    async (request) => {
      const model = modelNamed(state, request.params.name);
      const body = request.body;
      checkRequestedOutputs(body.outputs);
      const rows = tensorsToRows(model, body.inputs, (n) => checkBatchSize(ctx, n, 'inputs'));
      const preds = score(ctx, model, rows);
      return {
        model_name: model.name,
        model_version: model.versionLabel || undefined,
        id: body.id,
        outputs: predictionsToOutputs(preds, body.outputs),
      };
    },
  );
};
