// bench:scale's log tally: the operator's warnings counted by cause, the same failure on many
// objects as one row, and nothing below warn counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { LogTally, describeCauses, normaliseCause } from '../bench/scale-log.ts';

const line = (o: object) => JSON.stringify({ time: 1, pid: 1, hostname: 'h', ...o });

test('reconcile failures are counted by controller and cause, names and uids blanked', () => {
  const tally = new LogTally();
  for (const name of ['m-0001', 'm-0002', 'm-0003']) {
    tally.add(
      line({
        level: 40,
        controller: 'personamodel',
        key: `scale-01/${name}`,
        err: `HTTP 409: Operation cannot be fulfilled on personamodels.personas.dtc.dev "${name}": the object has been modified`,
        msg: 'reconcile failed; retrying with backoff',
      }),
    );
  }
  tally.add(
    line({
      level: 40,
      controller: 'personamodel',
      err: 'timeout exceeded when trying to connect',
      msg: 'reconcile failed; retrying with backoff',
    }),
  );
  tally.add(line({ level: 30, msg: 'training', model: 'scale-01/m-0001' }));
  tally.add(
    line({ level: 40, reason: 'Trained', err: 'HTTP 500: etcd busy', msg: 'could not record an event' }),
  );
  tally.add('not json at all');
  tally.add('{"level": 50, "msg": "truncated');
  const { reconcileErrors, otherWarnings } = tally.summary();
  assert.deepEqual(reconcileErrors, {
    'personamodel: HTTP 409: Operation cannot be fulfilled on personamodels.personas.dtc.dev "…": the object has been modified': 3,
    'personamodel: timeout exceeded when trying to connect': 1,
  });
  assert.deepEqual(otherWarnings, { 'could not record an event: HTTP 500: etcd busy': 1 });
  assert.match(describeCauses(reconcileErrors)[0], /^\s+3 {2}personamodel: HTTP 409/);
});

test('object names, keys, uids and long numbers are blanked; status codes are kept', () => {
  assert.equal(
    normaliseCause(
      'Job scale-03/m-0042-train-1a2b3c of 7c9e6679-7425-40de-944b-e07fc1f90ae7 failed after 12345 ms (HTTP 504)',
    ),
    'Job <name> of <uid> failed after N ms (HTTP 504)',
  );
});

test('follow tallies lines as a stream prints them, across chunk boundaries', async () => {
  const tally = new LogTally();
  const stream = new PassThrough();
  tally.follow(stream);
  const whole = line({ level: 50, msg: 'leadership lost; pausing the controllers and campaigning again' });
  stream.write(whole.slice(0, 10));
  stream.write(`${whole.slice(10)}\n`);
  stream.end();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(tally.summary().otherWarnings, {
    'leadership lost; pausing the controllers and campaigning again': 1,
  });
});

test('describeCauses lists the most frequent first and says how many were left out', () => {
  const lines = describeCauses({ a: 1, b: 5, c: 3 }, 2);
  assert.deepEqual(lines, ['      5  b', '      3  c', '         (1 more causes in the record)']);
});
