// The drift report, persona sections included, renders in a real browser: headless Chromium
// (Debian's `chromium`) takes a screenshot, and the PNG must have the window's size and show
// both samples' bar colours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import { checkDrift } from '@persona-operator/core/drift/check';
import type { DriftTable } from '@persona-operator/core/drift/index';
import { referenceFromTable } from '@persona-operator/core/drift/personas/reference';
import {
  CURRENT_COLOUR,
  REFERENCE_COLOUR,
  renderDriftReportHtml,
} from '@persona-operator/core/drift/report-html';

const WIDTH = 1200;
const HEIGHT = 2400;

function findChromium(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    if (spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0) return name;
  }
  throw new Error(
    'chromium is not installed: apt-get install -y chromium (Debian) to run the report screenshot test',
  );
}

interface Image {
  width: number;
  height: number;
  /** RGB(A) rows without filter bytes. */
  pixels: Buffer;
  channels: number;
}

/** Minimal PNG decoder for 8-bit RGB/RGBA, non-interlaced: what Chromium writes. */
function decodePng(png: Buffer): Image {
  assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'PNG signature');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('ascii', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'bit depth 8');
      channels = { 2: 3, 6: 4 }[data[9]] ?? 0;
      assert.ok(channels, `colour type ${data[9]} is RGB or RGBA`);
      assert.equal(data[12], 0, 'not interlaced');
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, pixels, channels };
}

function hex(colour: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16)) as [number, number, number];
}

function countPixels(img: Image, match: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < img.pixels.length; i += img.channels) {
    if (match(img.pixels[i], img.pixels[i + 1], img.pixels[i + 2])) n++;
  }
  return n;
}

/** Two personas over income and channel, so the page has every persona section. */
const MODEL: Pick<ModelArtifact, 'features' | 'personas'> = {
  features: [
    { name: 'income', type: 'numeric', mean: 0, std: 3, scale: 3 },
    { name: 'channel', type: 'categorical', categories: ['a', 'b', 'c'] },
  ],
  personas: [
    { id: 0, name: 'Low', centroid: { income: -2, channel: 'a' }, scaled: [-0.67, 1, 0, 0] },
    { id: 1, name: 'High', centroid: { income: 2, channel: 'c' }, scaled: [0.67, 0, 0, 1] },
  ],
};

test('the drift report renders in headless Chromium', async () => {
  const chromium = findChromium();
  const dir = mkdtempSync(join(tmpdir(), 'drift-report-'));
  try {
    const n = 400;
    const wave = (shift: number) =>
      Float64Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 3 + shift);
    const reference: DriftTable = {
      columns: [
        { name: 'income', type: 'numeric', values: wave(0) },
        { name: 'channel', type: 'categorical', values: Array.from({ length: n }, (_, i) => 'abc'[i % 3]) },
      ],
    };
    const report = await checkDrift({
      reference,
      current: {
        columns: [
          { name: 'income', type: 'numeric', values: wave(2) },
          {
            name: 'channel',
            type: 'categorical',
            values: Array.from({ length: n }, (_, i) => 'abcc'[i % 4]),
          },
        ],
      },
      model: { artifact: MODEL, reference: referenceFromTable(MODEL, reference, 'data') },
    });
    assert.ok(report.personas?.mix && report.personas.novelty && report.personas.perPersona);
    const page = join(dir, 'report.html');
    const shot = join(dir, 'report.png');
    writeFileSync(page, renderDriftReportHtml(report, { title: 'screenshot test' }));
    const run = spawnSync(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        '--force-device-scale-factor=1',
        `--user-data-dir=${join(dir, 'profile')}`,
        `--window-size=${WIDTH},${HEIGHT}`,
        `--screenshot=${shot}`,
        pathToFileURL(page).href,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(run.status, 0, `chromium failed (${run.status}, ${run.signal}): ${run.stderr}`);
    const img = decodePng(readFileSync(shot));
    assert.equal(img.width, WIDTH);
    assert.equal(img.height, HEIGHT);
    const total = img.width * img.height;
    const nonWhite = countPixels(img, (r, g, b) => r < 240 || g < 240 || b < 240);
    assert.ok(nonWhite > total * 0.01, `page is nearly blank: ${nonWhite} of ${total} pixels not white`);
    const near = (c: [number, number, number]) => (r: number, g: number, b: number) =>
      Math.abs(r - c[0]) < 24 && Math.abs(g - c[1]) < 24 && Math.abs(b - c[2]) < 24;
    assert.ok(countPixels(img, near(hex(REFERENCE_COLOUR))) > 500, 'reference bars are drawn');
    assert.ok(countPixels(img, near(hex(CURRENT_COLOUR))) > 500, 'current bars are drawn');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
