// The operator's reliability on the local control plane: killed (SIGKILL) in each window
// between a side effect and its status write and restarted, it makes no duplicate Job and
// loses no promotion; it recovers from cut watch connections and a restarted API server
// without a restart of its own; and a standby replica takes over when the leader dies.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../cluster/wait.ts';
import {
  SHORT_LEASE,
  applyModel,
  isReadyOn,
  januaryQuery,
  jobsOf,
  patchModel,
  predictOnce,
  seedModel,
  startE2e,
  waitForModel,
  type E2e,
  type OperatorProcess,
} from './support.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const leaderGauge = async (op: OperatorProcess): Promise<number> => {
  const m = /^persona_operator_leader (\d+)/m.exec(await op.metrics());
  return m ? Number(m[1]) : -1;
};

const metricSum = async (op: OperatorProcess, name: string): Promise<number> =>
  (await op.metrics())
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

describe('operator resilience', () => {
  let e: E2e;
  let proxy: TcpProxy | undefined;

  before(async () => {
    e = await startE2e({ namespace: 'resilience' });
  });
  after(async () => {
    await proxy?.close();
    await e?.stop();
  });

  const aliasEvents = (name: string) => e.registry.listAliasEvents({ namespace: e.namespace, name });

  for (const point of ['after-job-create', 'after-training-observed', 'after-promotion'] as const) {
    test(`SIGKILL ${point.replaceAll('-', ' ')}: restarted, no duplicate Job and no lost or doubled promotion`, async () => {
      const name = `crash-${point.split('-').slice(1).join('-')}`;
      const crashing = e.startOperator({
        name: `${name}-1`,
        args: SHORT_LEASE,
        env: { PERSONA_FAILPOINTS: point },
      });
      await applyModel(e, seedModel(name, e.namespace));
      const code = await Promise.race([
        crashing.exited,
        new Promise<string>((r) => setTimeout(() => r('still running'), 120_000)),
      ]);
      assert.equal(code, null, `the operator died by signal at ${point}:\n${crashing.output().slice(-4000)}`);
      assert.equal(crashing.child.signalCode, 'SIGKILL');
      assert.match(crashing.output(), new RegExp(`failpoint reached.*${point}`));

      const restarted = e.startOperator({ name: `${name}-2`, args: SHORT_LEASE });
      const m = await waitForModel(e, name, 'Ready on version 1 after the restart', isReadyOn(1), 180_000);
      assert.deepEqual(await jobsOf(e, name), [m.status!.lastTraining!.jobName], 'exactly one training Job');
      const events = await aliasEvents(name);
      assert.deepEqual(
        events.map((x) => `${x.action} ${x.fromVersion}->${x.toVersion} by ${x.actor}`),
        ['promote null->1 by persona-operator'],
      );
      assert.equal(m.status?.lastPromotion?.decision, 'Promoted');
      // The status keeps the gate's reason, not a "nothing to do" from after the restart.
      assert.equal(m.status?.lastPromotion?.reason, events[0].reason);
      const runs = await e.registry.listTrainingRuns({ namespace: e.namespace, name });
      assert.equal(runs.length, 1, 'one training run');
      assert.equal((await e.registry.listVersions({ namespace: e.namespace, name })).length, 1);
      await restarted.kill('SIGTERM');
      assert.equal(await restarted.exited, 0, 'a graceful stop exits 0');
    });
  }

  test('cut watch connections and a restarted API server are recovered from without a restart', async () => {
    const name = 'watched';
    const url = new URL(e.cluster.controlPlane.server);
    proxy = await startTcpProxy(url.hostname, Number(url.port));
    const kubeconfig = join(e.cluster.controlPlane.dir, 'operator-via-proxy.kubeconfig');
    writeFileSync(
      kubeconfig,
      readFileSync(e.operatorKubeconfig, 'utf8').replaceAll(url.origin, `https://127.0.0.1:${proxy.port}`),
      { mode: 0o600 },
    );
    const op = e.startOperator({ name: 'via-proxy', args: SHORT_LEASE, kubeconfig });
    await applyModel(e, seedModel(name, e.namespace));
    await waitForModel(e, name, 'Ready on version 1', isReadyOn(1), 180_000);

    const cut = proxy.cut();
    assert.ok(cut > 0, 'there were connections (the watches) to cut');
    await patchModel(e, name, {
      spec: { training: { data: { postgres: { query: `${januaryQuery()} AND income >= 1` } } } },
    });
    await waitForModel(e, name, 'Ready on version 2 after the cut', isReadyOn(2), 180_000);
    assert.ok((await metricSum(op, 'persona_operator_watch_restarts_total')) > 0, 'watches were re-opened');

    await e.cluster.controlPlane.restartApiServer();
    await patchModel(e, name, {
      spec: { training: { data: { postgres: { query: `${januaryQuery()} AND income >= 2` } } } },
    });
    await waitForModel(e, name, 'Ready on version 3 after the API server restart', isReadyOn(3), 180_000);
    assert.equal((await predictOnce(e, name)).version, '3');
    assert.equal(op.child.exitCode, null, 'the same operator process did it all');
    // The outage outlasted the renew deadline: it paused, campaigned again and leads again.
    assert.equal(await leaderGauge(op), 1);
    assert.equal((await jobsOf(e, name)).length, 3);
    await op.kill('SIGTERM');
  });

  test('a registry outage shows as Degraded and is recovered from without a restart', async () => {
    const name = 'outage';
    const pgUrl = new URL(e.pg.url);
    const regProxy = await startTcpProxy(pgUrl.hostname, Number(pgUrl.port));
    try {
      const viaProxy = new URL(e.pg.url);
      viaProxy.port = String(regProxy.port);
      // Only the operator's own registry connection goes through the proxy; pods use the Secret.
      const op = e.startOperator({
        name: 'registry-outage',
        args: SHORT_LEASE,
        env: { PERSONA_REGISTRY_URL: viaProxy.toString() },
      });
      await applyModel(e, seedModel(name, e.namespace));
      await waitForModel(e, name, 'Ready on version 1', isReadyOn(1), 180_000);

      await regProxy.stop();
      await patchModel(e, name, { spec: { serving: { replicas: 2 } } });
      const degraded = await waitForModel(
        e,
        name,
        'Degraded while the registry is down',
        (m) =>
          m.status?.phase === 'Degraded' &&
          m.status.conditions?.some((c) => c.type === 'Degraded' && c.reason === 'RegistryUnavailable') ===
            true,
        60_000,
      );
      const message = degraded.status!.conditions!.find((c) => c.type === 'Degraded')!.message;
      assert.match(message, /the model registry is unreachable/);
      assert.doesNotMatch(message, /postgres:\/\//, 'no connection string in status');
      assert.equal(
        degraded.status!.conditions!.find((c) => c.type === 'Ready')?.status,
        'True',
        'the pods serve on meanwhile',
      );

      await regProxy.start();
      const recovered = await waitForModel(
        e,
        name,
        'Serving two replicas once the registry is back',
        (m) =>
          isReadyOn(1)(m) &&
          m.metadata.generation === 2 &&
          m.status?.conditions?.some((c) => c.type === 'Degraded' && c.status === 'False') === true,
        120_000,
      );
      assert.match(recovered.status!.rollout!.message!, /2 pod\(s\) of version 1 ready/);
      assert.equal(op.child.exitCode, null, 'the same operator process recovered');
      assert.ok(!op.output().includes('postgres://'), 'no connection string in the logs');
      await op.kill('SIGTERM');
    } finally {
      await regProxy.close();
    }
  });

  test('leader hand-over: the standby acts within the lease duration once the leader is killed', async () => {
    const a = e.startOperator({ name: 'replica-a', args: SHORT_LEASE });
    const b = e.startOperator({ name: 'replica-b', args: SHORT_LEASE });
    const leader = await waitFor(
      'one replica to lead',
      async () => {
        const [la, lb] = await Promise.all([leaderGauge(a), leaderGauge(b)]);
        if (la + lb > 1) throw new Error('two leaders at once');
        return la === 1 ? a : lb === 1 ? b : undefined;
      },
      { timeoutMs: 30_000, diagnostics: e.diagnostics },
    );
    const standby = leader === a ? b : a;
    assert.equal(await leaderGauge(standby), 0);

    await leader.kill('SIGKILL');
    const killedAt = Date.now();
    await applyModel(e, seedModel('handover', e.namespace));
    await waitFor('the standby to lead', async () => (await leaderGauge(standby)) === 1, {
      timeoutMs: 30_000,
      intervalMs: 100,
      diagnostics: e.diagnostics,
    });
    const takeoverMs = Date.now() - killedAt;
    // Lease 4 s, retried every 1 s: the standby must have taken over by 4 s + one retry (+ polling slack).
    assert.ok(takeoverMs <= 6_500, `took over after ${takeoverMs} ms`);
    await waitForModel(e, 'handover', 'Ready on version 1 via the new leader', isReadyOn(1), 180_000);
    assert.equal((await jobsOf(e, 'handover')).length, 1);
    await standby.kill('SIGTERM');
  });
});
