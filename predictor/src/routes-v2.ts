// Open Inference Protocol (V2): server and model metadata, and `infer`. Health and readiness
// routes of the protocol live in health.ts with the other probes.
import type { FastifyInstance } from 'fastify';
import { modelNamed } from './lookup.ts';
import type { ServedModel } from './model.ts';
import { NAME_PARAMS, V2_INFER_BODY } from './schemas.ts';
import { checkBatchSize, score, type ScoringContext } from './scoring.ts';
import {
  MATRIX_INPUT_NAME,
  checkRequestedOutputs,
  predictionsToOutputs,
  tensorsToRows,
  type V2Tensor,
} from './v2-tensors.ts';

interface InferBody {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: V2Tensor[];
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
}

export const SERVER_NAME = 'persona-predictor';
export const PLATFORM = 'persona-kmeans';

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

export function installV2Routes(app: FastifyInstance, ctx: ScoringContext, serverVersion: string): void {
  const { state } = ctx;

  app.get('/v2', async () => ({ name: SERVER_NAME, version: serverVersion, extensions: [] }));

  app.get<{ Params: { name: string } }>(
    '/v2/models/:name',
    { schema: { params: NAME_PARAMS } },
    async (request) => modelMetadata(modelNamed(state, request.params.name)),
  );

  app.post<{ Params: { name: string }; Body: InferBody }>(
    '/v2/models/:name/infer',
    { schema: { params: NAME_PARAMS, body: V2_INFER_BODY } },
    async (request) => {
      const model = modelNamed(state, request.params.name);
      const body = request.body;
      checkRequestedOutputs(body.outputs);
      const rows = tensorsToRows(model, body.inputs, (n) => checkBatchSize(ctx, n, 'inputs'));
      const preds = score(ctx, model, rows);
      const response: Record<string, unknown> = { model_name: model.name };
      if (model.versionLabel) response.model_version = model.versionLabel;
      if (body.id !== undefined) response.id = body.id;
      response.outputs = predictionsToOutputs(preds, body.outputs);
      return response;
    },
  );
}
