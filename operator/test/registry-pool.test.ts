// The operator's registry pool holds a connection for every worker of every controller and the
// pages besides: a worker waiting for another's connection is a reconcile that can time out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONTROLLERS, registryPoolSize } from '../src/manager.ts';
import { DEFAULT_WORKERS } from '../src/runtime/controller.ts';

test('the pool grows with the workers per controller and the number of controllers', () => {
  const controllers = DEFAULT_CONTROLLERS.length;
  assert.ok(registryPoolSize(DEFAULT_WORKERS, controllers) >= DEFAULT_WORKERS * controllers + 1);
  assert.ok(registryPoolSize(16, controllers) >= 16 * controllers + 1);
  assert.ok(registryPoolSize(16, controllers) > registryPoolSize(8, controllers));
  assert.ok(registryPoolSize(8, 3) > registryPoolSize(8, 2));
});
