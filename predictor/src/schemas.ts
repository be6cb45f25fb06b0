// The predictor's request and response bodies, each written once: the JSON schema fastify
// validates and serialises with, and (Static) the TypeScript type the routes see. Requests are
// checked for shape only; the contents of each row are checked by the scorer, which names the
// row and feature. `additionalProperties: false` together with Ajv's removeAdditional turned off
// (app.ts) rejects unknown properties.
import { Type, type Static } from 'typebox';
import { PredictionSchema } from '@persona-operator/core/artifact/types';
import { StringEnum, StringMap } from '@persona-operator/core/schema/types';

/** V2 tensor datatypes accepted as numbers; JSON carries them all as numbers. */
export const NUMERIC_DATATYPES = [
  'FP64',
  'FP32',
  'FP16',
  'INT64',
  'INT32',
  'INT16',
  'INT8',
  'UINT64',
  'UINT32',
  'UINT16',
  'UINT8',
] as const;

const closed = { additionalProperties: false } as const;

/** Route parameters: a model name is a Kubernetes object name, but any string is looked up (404). */
export const NameParams = Type.Object({ name: Type.String() });
/** The V1 predict route's one segment, `{name}:predict`. */
export interface TargetParams {
  target: string;
}

const Parameters = StringMap(Type.Unknown());

// One `type` check per row rather than an anyOf of two subschemas: a batch has up to 10k rows,
// and the error reads "must be array,object" instead of one line per branch.
const Row = Type.Unsafe<unknown[] | Record<string, unknown>>({ type: ['array', 'object'] });

export const V1PredictBody = Type.Object({ instances: Type.Array(Row) }, closed);
export type V1PredictBody = Static<typeof V1PredictBody>;

export const V1PredictReply = Type.Object({ predictions: Type.Array(PredictionSchema) });

export const V2Tensor = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    shape: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: 2 }),
    datatype: StringEnum([...NUMERIC_DATATYPES, 'BYTES']),
    parameters: Type.Optional(Parameters),
    data: Type.Array(Type.Unknown()),
  },
  closed,
);
export type V2Tensor = Static<typeof V2Tensor>;

export const V2RequestedOutput = Type.Object(
  { name: Type.String(), parameters: Type.Optional(Parameters) },
  closed,
);
export type V2RequestedOutput = Static<typeof V2RequestedOutput>;

export const V2InferBody = Type.Object(
  {
    id: Type.Optional(Type.String()),
    parameters: Type.Optional(Parameters),
    inputs: Type.Array(V2Tensor, { minItems: 1 }),
    outputs: Type.Optional(Type.Array(V2RequestedOutput)),
  },
  closed,
);

// Persona names and numbers share the `data` array's item schema; a `type` list serialises each
// item with a typeof check, where an anyOf would validate the whole array once per branch.
const OutputValue = Type.Unsafe<string | number>({ type: ['string', 'number'] });

export const V2Output = Type.Object({
  name: Type.String(),
  datatype: StringEnum(['BYTES', 'INT64', 'FP64']),
  shape: Type.Array(Type.Integer()),
  data: Type.Array(OutputValue),
});
export type V2Output = Static<typeof V2Output>;

export const V2InferReply = Type.Object({
  model_name: Type.String(),
  model_version: Type.Optional(Type.String()),
  id: Type.Optional(Type.String()),
  outputs: Type.Array(V2Output),
});

/** Every error the predictor answers: `instance` (0-based row) and `feature` when they apply. */
export const ErrorBody = Type.Object({
  error: Type.String(),
  /** 0-based index of the offending row in the request. */
  instance: Type.Optional(Type.Integer()),
  /** The feature (or V2 input tensor) at fault. */
  feature: Type.Optional(Type.String()),
});
export type ErrorBody = Static<typeof ErrorBody>;
