// Every console page in headless Chromium (Debian's `chromium`) against a real Postgres: the page
// loads with no console message (a blocked resource or a content-policy violation would log
// one), its charts hold one mark per data point, every link on it answers 200, and a screenshot
// of it is written to test-results/console/ for people to look at.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import { Registry } from '@persona-operator/registry';
import type { DriftMonitor } from '../operator/src/api/v1alpha1/driftmonitor.ts';
import type { PersonaModel } from '../operator/src/api/v1alpha1/personamodel.ts';
import { ConsoleAccess, kubeAccessReviews } from '../operator/src/console/access.ts';
import { CONSOLE_PREFIX, handleConsoleRequest, type ConsoleDeps } from '../operator/src/console/server.ts';
import { makeClients } from '../operator/src/kube/clients.ts';
import { handleReportRequest, REPORTS_PREFIX } from '../operator/src/reports/server.ts';
import { startPostgres, type TestPostgres } from './support/postgres.ts';

const OUT = fileURLToPath(new URL('../test-results/console/', import.meta.url));
const NOW = new Date('2025-06-01T12:00:00Z');
const NS = 'shop';
const MODEL = 'customers';
const MONITOR = 'customers-drift';
const REPORTS = 30;
const K_SWEEP = [2, 3, 4, 5];

function findChromium(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    if (spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0) return name;
  }
  throw new Error(
    'chromium is not installed: apt-get install -y chromium (Debian) to run the console browser test',
  );
}

/** Three personas over age, income and channel; `drift` moves the centroids of a later version. */
function artifact(drift: number, personaNames: string[]): ModelArtifact {
  const perK = K_SWEEP.map((k) => ({
    k,
    inertia: 900 / k + drift,
    silhouette: 0.3 + (k === 3 ? 0.2 : 0.05 * k) - drift / 100,
    calinskiHarabasz: 100 + 10 * k,
    daviesBouldin: 0.5 + Math.abs(k - 3) / 10,
  }));
  const chosen = perK[1];
  const centroids = [
    { age: 25 + drift, income: 30_000, channel: 'web' },
    { age: 45, income: 60_000 + drift * 1000, channel: 'store' },
    { age: 65, income: 40_000, channel: 'phone' },
  ];
  const rows: (string | number)[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 60; i++) {
    const p = i % 3;
    const c = centroids[p];
    rows.push([c.age + (i % 5) - 2, c.income + ((i % 7) - 3) * 500, c.channel]);
    labels.push(p);
  }
  return {
    schemaVersion: 1,
    features: [
      { name: 'age', type: 'numeric', mean: 45, std: 15, scale: 15 },
      { name: 'income', type: 'numeric', mean: 45_000, std: 15_000, scale: 15_000 },
      { name: 'channel', type: 'categorical', categories: ['phone', 'store', 'web'] },
    ],
    personas: centroids.map((c, id) => ({
      id,
      name: personaNames[id],
      centroid: c,
      scaled: [
        (c.age - 45) / 15,
        (c.income - 45_000) / 15_000,
        c.channel === 'phone' ? 1 : 0,
        c.channel === 'store' ? 1 : 0,
        c.channel === 'web' ? 1 : 0,
      ],
    })),
    metrics: { ...chosen, perK, unmatchedPersonas: [] },
    training: {
      mode: 'fit',
      rows: 60,
      dataHash: 'b'.repeat(64),
      seed: 1,
      nInit: 2,
      kRange: { min: 2, max: 5 },
      durationMs: 10,
      trainedAt: '2025-05-01T00:00:00.000Z',
      libraries: {},
    },
    reference: { columns: ['age', 'income', 'channel'], rows },
    referenceStats: {
      rows: 60,
      personaCounts: [30 - drift, 20, 10 + drift],
      distanceQuantiles: Array.from({ length: 1001 }, (_, i) => i / 1000),
      sampleLabels: labels,
    },
  };
}

const personaModel: PersonaModel = {
  apiVersion: 'personas.dtc.dev/v1alpha1',
  kind: 'PersonaModel',
  metadata: { namespace: NS, name: MODEL },
  spec: {
    features: [
      { name: 'age', type: 'numeric' },
      { name: 'income', type: 'numeric' },
      { name: 'channel', type: 'categorical' },
    ],
    training: { data: { postgres: { secretRef: { name: 'customer-db', key: 'url' }, query: 'SELECT 1' } } },
    serving: { logPredictions: true },
  } as PersonaModel['spec'],
  status: {
    phase: 'Serving',
    latestVersion: 3,
    productionVersion: 3,
    servingVersion: 3,
    lastTraining: {
      jobName: 'train',
      inputsHash: 'h',
      result: 'Succeeded',
      version: 3,
      metrics: { k: 3, silhouette: 0.45 },
    },
    lastPromotion: { version: 3, decision: 'Promoted', reason: 'silhouette 0.45 >= 0.2' },
  },
};

const driftMonitor: DriftMonitor = {
  apiVersion: 'personas.dtc.dev/v1alpha1',
  kind: 'DriftMonitor',
  metadata: { namespace: NS, name: MONITOR },
  spec: { modelRef: { name: MODEL }, schedule: '0 * * * *' } as DriftMonitor['spec'],
  status: {
    lastRunTime: NOW.toISOString(),
    lastReport: { id: REPORTS, driftDetected: true, driftShare: 0.67 },
  },
};

let db: TestPostgres;
let registry: Registry;
let server: Server;
let base: string;
let chromium: string;
let profile: string;

before(async () => {
  chromium = findChromium();
  profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
  mkdirSync(OUT, { recursive: true });
  db = await startPostgres();
  registry = await Registry.connect(db.url);
  await registry.migrate();
  const ref = { namespace: NS, name: MODEL };
  const names = [
    ['Young Web', 'Family Store', 'Senior Phone'],
    ['Young Web', 'Family Store', 'Senior Phone'],
    ['Young Web', 'Affluent Store', 'Senior Phone'],
  ];
  for (let v = 1; v <= 3; v++) {
    await registry.registerVersion({
      model: ref,
      runId: `run-${v}`,
      artifact: artifact((v - 1) * 4, names[v - 1]),
    });
  }
  await registry.setAlias(ref, 'production', 1, { actor: 'operator', reason: 'first version' });
  await registry.recordRefusal(ref, 'production', 2, { actor: 'operator', reason: 'silhouette 0.12 < 0.2' });
  await registry.setAlias(ref, 'production', 3, { actor: 'operator', reason: 'silhouette 0.45 >= 0.2' });
  // The diff the training Job of v2 stored against production (v1) at the time.
  await registry.storeVersionDiff(ref, {
    fromVersion: 1,
    toVersion: 2,
    matched: [
      { from: 'Young Web', to: 'Young Web', distance: 0.27, shift: { age: 0.27, income: 0, channel: 0 } },
    ],
    new: [],
    retired: [],
    split: [],
    merged: [],
    sample: { source: 'predictions', rows: 1200, skipped: 0 },
    churn: 0.04,
    adjustedRandIndex: 0.93,
    mix: { from: [{ persona: 'Young Web', share: 1 }], to: [{ persona: 'Young Web', share: 1 }] },
  });
  for (let i = 1; i <= REPORTS; i++) {
    const drifted = i % 4 === 0;
    const id = await registry.insertDriftReport({
      monitor: `${NS}/${MONITOR}`,
      model: { ...ref, version: i < 20 ? 1 : 3 },
      driftDetected: drifted,
      share: drifted ? 0.67 : 0.33 * (i % 2),
      columns: ['age', 'income', 'channel'].map((name, j) => ({
        name,
        test: j === 2 ? 'chisquare' : 'ks',
        statistic: 0.05 + ((i * (j + 1)) % 10) / 50,
        pValue: 0.2,
        threshold: 0.05,
        drifted: drifted && j < 2,
      })),
      html: i % 2 === 0 ? `<!doctype html><title>report ${i}</title><p>report ${i}</p>` : undefined,
    });
    await registry.pool.query('UPDATE drift_reports SET created_at = $2 WHERE id = $1', [
      id.id,
      new Date(NOW.getTime() - (REPORTS - i) * 3600_000),
    ]);
  }
  // Predictions of the last 24 hours, each hour: Young Web 1 to 3, Affluent Store 2, Senior Phone
  // 1 every other hour.
  const perHour = (persona: string, h: number) =>
    persona === 'Young Web' ? 1 + (h % 3) : persona === 'Affluent Store' ? 2 : h % 2 === 0 ? 1 : 0;
  const entries = Array.from({ length: 24 }, (_, h) =>
    ['Young Web', 'Affluent Store', 'Senior Phone'].flatMap((persona) =>
      Array.from({ length: perHour(persona, h) }, () => ({
        ...ref,
        version: 3,
        at: new Date(NOW.getTime() - (h + 0.5) * 3600_000),
        features: { age: 40, income: 50_000, channel: 'web' },
        persona,
      })),
    ),
  ).flat();
  await registry.insertPredictionLog(entries);

  const nowhere = new KubeConfig();
  nowhere.loadFromOptions({
    clusters: [{ name: 'none', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'none' }],
    contexts: [{ name: 'none', cluster: 'none', user: 'none' }],
    currentContext: 'none',
  });
  const deps: ConsoleDeps = {
    source: {
      registry,
      personaModels: () => [personaModel],
      driftMonitors: () => [driftMonitor],
      now: () => NOW,
    },
    // Requests here carry no token, so the API server (unreachable on purpose) is never asked.
    access: new ConsoleAccess(kubeAccessReviews(makeClients(nowhere)), { allowWithoutToken: true }),
  };
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path.startsWith(REPORTS_PREFIX))
      void handleReportRequest({ source: registry, access: deps.access }, req, res);
    else if (path.startsWith('/console')) void handleConsoleRequest(deps, req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await registry?.close();
  await db?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Asynchronous: the pages are served by this very process, so its event loop must keep running. */
function runChromium(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        '--force-device-scale-factor=1',
        '--enable-logging=stderr',
        '--v=0',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`chromium failed: ${err.message}\n${stderr}`)) : resolve({ stdout, stderr }),
    );
  });
}

interface Loaded {
  dom: string;
  marks: number;
  links: string[];
}

/** Loads the page, checks the browser logged nothing from it, and writes its screenshot. */
async function load(path: string, shot: string, height = 1400): Promise<Loaded> {
  const url = `${base}${path}`;
  const { stdout, stderr } = await runChromium(['--window-size=1280,900', '--dump-dom', url]);
  const messages = stderr.split('\n').filter((l) => l.includes(':CONSOLE'));
  assert.deepEqual(messages, [], `${path}: the browser logged messages`);
  await runChromium([`--window-size=1280,${height}`, `--screenshot=${join(OUT, `${shot}.png`)}`, url]);
  assert.ok(statSync(join(OUT, `${shot}.png`)).size > 10_000, `${shot}.png holds a picture`);
  const marks = (stdout.match(/class="mark"/g) ?? []).length;
  const links = [...stdout.matchAll(/<a href="([^"]*)"/g)].map(
    (m) => new URL(m[1].replaceAll('&amp;', '&'), url).href,
  );
  return { dom: stdout, marks, links };
}

const visited: string[] = [];

async function assertLinksAnswer(loaded: Loaded): Promise<void> {
  for (const link of loaded.links) {
    const res = await fetch(link);
    assert.equal(res.status, 200, `link ${link} answers 200`);
    visited.push(link);
  }
}

const model = `${CONSOLE_PREFIX}ns/${NS}/models/${MODEL}`;

test('the models page lists the model with its last drift result', async () => {
  const page = await load(CONSOLE_PREFIX, 'models', 600);
  assert.match(page.dom, /Serving/);
  assert.match(page.dom, /customers-drift<\/a>: <span class="yes">drift<\/span>/);
  assert.equal(page.marks, 0);
  assert.ok(page.links.includes(`${base}${model}`), 'links to the model page');
  await assertLinksAnswer(page);
});

test('the model page draws the k sweep, the versions and the alias timeline', async () => {
  const page = await load(model, 'model', 1500);
  // Four metrics over four k each, and three alias events.
  assert.equal(page.marks, 4 * K_SWEEP.length + 3);
  assert.equal((page.dom.match(/class="marker"/g) ?? []).length, 4, 'the chosen k is marked on each chart');
  assert.match(page.dom, /refused<\/span> silhouette 0.12 &lt; 0.2/);
  assert.ok(page.links.includes(`${base}${model}/versions/3`));
  assert.ok(page.links.includes(`${base}${model}/compare?from=2&to=3`));
  await assertLinksAnswer(page);
});

test('the personas page draws a heat map cell per persona and feature and the training mix', async () => {
  const page = await load(`${model}/versions/3`, 'version', 1000);
  assert.equal(page.marks, 3 * 3 + 3);
  assert.match(page.dom, /<title>Affluent Store, income: 68000/);
  await assertLinksAnswer(page);
});

test('the compare page shows the persona diff, both mixes and both centroid maps', async () => {
  const page = await load(`${model}/compare?from=1&to=3`, 'compare', 1500);
  assert.match(page.dom, /Family Store → Affluent Store|Retired/);
  // Shifts (3 matched × 3 features), mix bars (4 names: 3 shared + 1 each side's own), 2 × 9 centroid cells.
  const shiftCells = (page.dom.match(/moved -?[0-9.e-]+ standard deviations/g) ?? []).length;
  const bars = (page.dom.match(/<rect class="mark"/g) ?? []).length;
  assert.equal(bars, 6, 'a bar per persona and version that has it');
  assert.equal(page.marks, shiftCells + bars + 2 * 9);
  assert.ok(shiftCells > 0);
  assert.match(page.dom, /computed for this page on the training sample of v3/);
  await assertLinksAnswer(page);
  const stored = await (await fetch(`${base}${model}/compare?from=1&to=2`)).text();
  assert.match(stored, /stored by the training Job of v2 at .* \(what the promotion gate judged\)/);
  assert.match(stored, /Sample \(predictions\)<\/td><td>1200 rows/);
});

test('the drift history draws a point per run and per column, linked to each report', async () => {
  const page = await load(`${CONSOLE_PREFIX}ns/${NS}/monitors/${MONITOR}`, 'monitor', 1800);
  assert.equal(page.marks, REPORTS + REPORTS * 3);
  const reportLinks = page.links.filter((l) => l.includes('/reports/'));
  assert.equal(reportLinks.length, REPORTS);
  assert.ok(reportLinks.some((l) => l.endsWith('/reports/30')));
  assert.ok(
    reportLinks.some((l) => l.endsWith('/reports/29.json')),
    'a report without a page links its JSON',
  );
  await assertLinksAnswer(page);
});

test('the traffic page counts predictions per persona without showing a logged row', async () => {
  const page = await load(`${model}/traffic`, 'traffic', 900);
  // 48 half-hour buckets over 24 h, a point in each for each of the three personas.
  assert.equal(page.marks, 3 * 48);
  assert.match(page.dom, /<td>Young Web<\/td><td class="n">48<\/td>/);
  assert.doesNotMatch(page.dom, /50000|"web"/, 'no logged feature value');
  await assertLinksAnswer(page);
  assert.ok(visited.length > 20, `links followed: ${visited.length}`);
});
