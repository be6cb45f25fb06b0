// The Event recorder on the local control plane: recording returns at once and the write
// follows; repeats become one Event with a count; a full queue drops and counts; an API
// server that cannot be reached is logged, never thrown at the caller.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { CoreV1Api, KubeConfig, type CoreV1Event } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startControlPlane, type ControlPlane } from '../../../test/cluster/index.ts';
import { freePort } from '../../../test/cluster/ports.ts';
import { systemClock } from '../../src/runtime/clock.ts';
import { KubeEventRecorder } from '../../src/runtime/events.ts';
import { silentLogger } from '../../src/runtime/logger.ts';

const NAMESPACE = 'event-recorder';
let cp: ControlPlane;
let core: CoreV1Api;

before(async () => {
  cp = await startControlPlane();
  await cp.createNamespace(NAMESPACE);
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
});

after(async () => {
  await cp?.stop();
});

const model = (name: string) => ({
  apiVersion: 'personas.dtc.dev/v1alpha1',
  kind: 'PersonaModel',
  metadata: { name, namespace: NAMESPACE, uid: `uid-${name}` },
});

async function eventsOn(name: string): Promise<CoreV1Event[]> {
  const res = await core.listNamespacedEvent({
    namespace: NAMESPACE,
    fieldSelector: `involvedObject.name=${name}`,
  });
  return res.items;
}

test('record queues the event and returns; flush resolves once it is stored', async () => {
  const recorder = new KubeEventRecorder(core, silentLogger, 'test');
  const returned = recorder.record(model('quick'), 'Normal', 'Trained', 'version 1 registered');
  assert.equal(returned, undefined, 'nothing to wait for');
  await recorder.flush();
  const events = await eventsOn('quick');
  assert.deepEqual(
    events.map((e) => [e.type, e.reason, e.message, e.count]),
    [['Normal', 'Trained', 'version 1 registered', 1]],
  );
});

test('events recorded in the same millisecond get names of their own', async () => {
  const recorder = new KubeEventRecorder(core, silentLogger, 'test', {
    clock: { now: () => 1e12, setTimeout: systemClock.setTimeout },
  });
  const m = model('same-ms');
  recorder.record(m, 'Normal', 'PersonaDiff', 'churn 3%');
  recorder.record(m, 'Normal', 'Promoted', 'silhouette 0.5');
  await recorder.flush();
  assert.deepEqual((await eventsOn('same-ms')).map((e) => e.reason).sort(), ['PersonaDiff', 'Promoted']);
});

test('repeats of one event become a count on a single Event', async () => {
  const recorder = new KubeEventRecorder(core, silentLogger, 'test', { writers: 1 });
  const m = model('repeats');
  // The first write is in flight at once; the second and third wait in the queue as one.
  for (let i = 0; i < 3; i++) recorder.record(m, 'Warning', 'TrainingFailed', 'no rows');
  await recorder.flush();
  // Later repeats bump the same Event's count.
  recorder.record(m, 'Warning', 'TrainingFailed', 'no rows');
  await recorder.flush();
  const events = await eventsOn('repeats');
  assert.equal(events.length, 1);
  assert.equal(events[0].count, 4);
});

test('a full queue drops the newest events and counts them', async () => {
  let dropped = 0;
  const recorder = new KubeEventRecorder(core, silentLogger, 'test', {
    writers: 1,
    maxQueued: 2,
    dropped: () => dropped++,
  });
  const m = model('full');
  // One in flight, two queued, the last two dropped.
  for (let i = 1; i <= 5; i++) recorder.record(m, 'Normal', 'Trained', `version ${i}`);
  assert.equal(dropped, 2);
  await recorder.flush();
  assert.deepEqual((await eventsOn('full')).map((e) => e.message).sort(), [
    'version 1',
    'version 2',
    'version 3',
  ]);
});

test('an API server that cannot be reached is logged, and recording goes on', async () => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'gone', server: `https://127.0.0.1:${await freePort()}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'c', cluster: 'gone', user: 'u' }],
    currentContext: 'c',
  });
  const lines: string[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  const recorder = new KubeEventRecorder(kc.makeApiClient(CoreV1Api), logger, 'test');
  assert.doesNotThrow(() => recorder.record(model('unreachable'), 'Normal', 'Trained', 'v1'));
  await recorder.flush();
  assert.equal(lines.length, 1);
  assert.match(lines[0], /could not record an event/);
});
