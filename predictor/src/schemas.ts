// JSON schemas for the request envelopes. They check shape only; the contents of each row are
// checked by the scorer, which names the row and feature. `additionalProperties: false`
// together with Ajv's removeAdditional turned off (app.ts) rejects unknown properties.

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

export const V1_PREDICT_BODY = {
  type: 'object',
  required: ['instances'],
  additionalProperties: false,
  properties: {
    instances: { type: 'array', items: { type: ['array', 'object'] } },
  },
} as const;

export const V1_PREDICT_RESPONSE = {
  200: {
    type: 'object',
    properties: {
      predictions: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            persona: { type: 'string' },
            personaId: { type: 'integer' },
            distance: { type: 'number' },
            confidence: { type: 'number' },
          },
        },
      },
    },
  },
} as const;

const PARAMETERS = { type: 'object' } as const;

export const V2_INFER_BODY = {
  type: 'object',
  required: ['inputs'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    parameters: PARAMETERS,
    inputs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'shape', 'datatype', 'data'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          shape: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'integer', minimum: 0 } },
          datatype: { type: 'string', enum: [...NUMERIC_DATATYPES, 'BYTES'] },
          parameters: PARAMETERS,
          data: { type: 'array' },
        },
      },
    },
    outputs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: { name: { type: 'string' }, parameters: PARAMETERS },
      },
    },
  },
} as const;

/** Route parameters: a model name is a Kubernetes object name, but any string is looked up (404). */
export const NAME_PARAMS = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' } },
} as const;
