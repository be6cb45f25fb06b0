// Which failures the Jobs retry (exit 1) and which fail the Job at once (exit 2).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ArtifactStoreError } from '@persona-operator/registry/artifacts/store';
import { DataSourceError } from '@persona-operator/registry/data/postgres-source';
import { RegistryNotFoundError } from '@persona-operator/registry/errors';
import { classifyError } from '../src/exit-codes.ts';

describe('classifyError', () => {
  const cases: [string, unknown, number][] = [
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      1,
    ],
    ['admin shutdown', Object.assign(new Error('terminating connection'), { code: '57P01' }), 1],
    ['a terminated connection', new Error('Connection terminated unexpectedly'), 1],
    ['a missing table', Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }), 2],
    ['a missing column', Object.assign(new Error('column "y" does not exist'), { code: '42703' }), 2],
    ['a wrong password', Object.assign(new Error('password authentication failed'), { code: '28P01' }), 2],
    ['a bad cell', new DataSourceError('column "income", row 3: "n/a" is not a finite number'), 2],
    ['a registry refusal', new RegistryNotFoundError('model a/b is not in the registry'), 2],
    [
      'a missing bucket',
      new ArtifactStoreError('gs://b/o', 'upload failed', {
        cause: Object.assign(new Error('nf'), { code: 404 }),
      }),
      2,
    ],
    [
      'a GCS server error',
      new ArtifactStoreError('gs://b/o', 'upload failed', {
        cause: Object.assign(new Error('x'), { code: 503 }),
      }),
      1,
    ],
    ['anything unknown', new Error('something odd'), 1],
  ];
  for (const [what, err, code] of cases) {
    test(`${what} exits ${code}`, () => assert.equal(classifyError(err).exitCode, code));
  }
});
