// Synthetic customer surveys reproducing the seed project's scenario: monthly batches
// (January to April) drawn from six named personas over eight numeric features and one
// categorical one. February is a fresh draw from January's distribution (no drift); March is
// an economic shock (lower income and spend, higher price sensitivity, less eco focus, a move to
// mobile, more budget shoppers), strong enough that a drift test must flag it; April is halfway
// back to normal.
import type { FeatureSpec } from '../artifact/types.ts';
import type { Table } from '../data/table.ts';
import { createRng, deriveSeed, type Rng } from '../random/rng.ts';
import type { PersonaDefinition } from '../train/spec.ts';

export const SEED_MONTHS = ['january', 'february', 'march', 'april'] as const;
export type SeedMonth = (typeof SEED_MONTHS)[number];

export const SEED_FEATURES: FeatureSpec[] = [
  { name: 'age', type: 'numeric' },
  { name: 'income', type: 'numeric' },
  { name: 'eco_score', type: 'numeric' },
  { name: 'price_sensitivity', type: 'numeric' },
  { name: 'online_share', type: 'numeric' },
  { name: 'monthly_spend', type: 'numeric' },
  { name: 'loyalty_years', type: 'numeric' },
  { name: 'brand_trust', type: 'numeric' },
  { name: 'preferred_channel', type: 'categorical' },
];

const CHANNELS = ['online', 'store', 'mobile'];

type Numeric = Exclude<(typeof SEED_FEATURES)[number]['name'], 'preferred_channel'>;

interface Archetype {
  name: string;
  weight: number;
  mean: Record<string, number>;
  channel: string;
}

const ARCHETYPES: Archetype[] = [
  {
    name: 'Sustainable Steve',
    weight: 1,
    channel: 'store',
    mean: {
      age: 35,
      income: 60000,
      eco_score: 8.7,
      price_sensitivity: 4,
      online_share: 0.5,
      monthly_spend: 320,
      loyalty_years: 4,
      brand_trust: 7,
    },
  },
  {
    name: 'Eco-Conscious Haley',
    weight: 1,
    channel: 'mobile',
    mean: {
      age: 28,
      income: 48000,
      eco_score: 9.3,
      price_sensitivity: 6,
      online_share: 0.8,
      monthly_spend: 210,
      loyalty_years: 2,
      brand_trust: 6,
    },
  },
  {
    name: 'Budget Brian',
    weight: 1.2,
    channel: 'store',
    mean: {
      age: 45,
      income: 38000,
      eco_score: 3.5,
      price_sensitivity: 9,
      online_share: 0.3,
      monthly_spend: 150,
      loyalty_years: 6,
      brand_trust: 4,
    },
  },
  {
    name: 'Premium Paula',
    weight: 0.8,
    channel: 'store',
    mean: {
      age: 50,
      income: 120000,
      eco_score: 6,
      price_sensitivity: 2,
      online_share: 0.4,
      monthly_spend: 800,
      loyalty_years: 10,
      brand_trust: 9,
    },
  },
  {
    name: 'Digital Dana',
    weight: 1,
    channel: 'online',
    mean: {
      age: 24,
      income: 55000,
      eco_score: 5,
      price_sensitivity: 6.5,
      online_share: 0.95,
      monthly_spend: 260,
      loyalty_years: 1.5,
      brand_trust: 5,
    },
  },
  {
    name: 'Traditional Tom',
    weight: 1,
    channel: 'store',
    mean: {
      age: 63,
      income: 70000,
      eco_score: 4,
      price_sensitivity: 5,
      online_share: 0.1,
      monthly_spend: 400,
      loyalty_years: 15,
      brand_trust: 8,
    },
  },
];

/** Spread around each persona, and the valid range and rounding of each feature. */
const SPEC: Record<Numeric, { sd: number; min: number; max: number; digits: number }> = {
  age: { sd: 4, min: 18, max: 90, digits: 0 },
  income: { sd: 6000, min: 8000, max: 400000, digits: -2 },
  eco_score: { sd: 0.6, min: 0, max: 10, digits: 1 },
  price_sensitivity: { sd: 0.6, min: 0, max: 10, digits: 1 },
  online_share: { sd: 0.06, min: 0, max: 1, digits: 2 },
  monthly_spend: { sd: 40, min: 5, max: 5000, digits: 2 },
  loyalty_years: { sd: 1.2, min: 0, max: 40, digits: 1 },
  brand_trust: { sd: 0.6, min: 0, max: 10, digits: 1 },
};

/** A month's shift: multiplicative (`scale`) and additive (`add`) changes, channel and persona mix. */
interface Shift {
  scale: Partial<Record<Numeric, number>>;
  add: Partial<Record<Numeric, number>>;
  mobileBoost: number;
  budgetBoost: number;
}

const NO_SHIFT: Shift = { scale: {}, add: {}, mobileBoost: 0, budgetBoost: 0 };
const SHOCK: Shift = {
  scale: { income: 0.8, monthly_spend: 0.7 },
  add: { price_sensitivity: 1.8, eco_score: -1.5, online_share: 0.15 },
  mobileBoost: 0.35,
  budgetBoost: 1.5,
};

function halfway(s: Shift): Shift {
  const scale: Partial<Record<Numeric, number>> = {};
  const add: Partial<Record<Numeric, number>> = {};
  for (const [k, v] of Object.entries(s.scale)) scale[k as Numeric] = 1 + ((v ?? 1) - 1) / 2;
  for (const [k, v] of Object.entries(s.add)) add[k as Numeric] = (v ?? 0) / 2;
  return { scale, add, mobileBoost: s.mobileBoost / 2, budgetBoost: s.budgetBoost / 2 };
}

const MONTH_SHIFT: Record<SeedMonth, Shift> = {
  january: NO_SHIFT,
  february: NO_SHIFT,
  march: SHOCK,
  april: halfway(SHOCK),
};

export interface SeedScenarioOptions {
  /** Rows per monthly batch (default 500). */
  rowsPerMonth?: number;
  seed?: number;
}

export interface MonthBatch {
  month: SeedMonth;
  table: Table;
  /** The persona each row was drawn from (ground truth for tests). */
  personaOf: Int32Array;
}

export interface SeedScenario {
  features: FeatureSpec[];
  /** The six personas with their January centroids in raw units. */
  personas: PersonaDefinition[];
  months: MonthBatch[];
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function drawMonth(month: SeedMonth, rows: number, rng: Rng): MonthBatch {
  const shift = MONTH_SHIFT[month];
  const weights = ARCHETYPES.map((a) => a.weight * (a.name === 'Budget Brian' ? 1 + shift.budgetBoost : 1));
  const totalW = weights.reduce((a, b) => a + b, 0);
  const numericNames = Object.keys(SPEC) as Numeric[];
  const cols = new Map(numericNames.map((n) => [n, new Float64Array(rows)] as const));
  const channel: string[] = new Array(rows);
  const personaOf = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let u = rng.next() * totalW;
    let p = 0;
    while (p < ARCHETYPES.length - 1 && u >= weights[p]) u -= weights[p++];
    personaOf[i] = p;
    const a = ARCHETYPES[p];
    for (const name of numericNames) {
      const s = SPEC[name];
      const mean = a.mean[name] * (shift.scale[name] ?? 1) + (shift.add[name] ?? 0);
      const v = Math.min(s.max, Math.max(s.min, mean + rng.normal() * s.sd));
      cols.get(name)![i] = round(v, s.digits);
    }
    const r = rng.next();
    if (r < shift.mobileBoost) channel[i] = 'mobile';
    else if (rng.next() < 0.8) channel[i] = a.channel;
    else channel[i] = CHANNELS[rng.int(CHANNELS.length)];
  }
  const table: Table = {
    rowCount: rows,
    columns: [
      ...numericNames.map((name) => ({ name, type: 'numeric' as const, values: cols.get(name)! })),
      { name: 'preferred_channel', type: 'categorical' as const, values: channel },
    ],
  };
  return { month, table, personaOf };
}

/** Generates the four monthly batches; the same options always give the same rows. */
export function generateSeedScenario(opts: SeedScenarioOptions = {}): SeedScenario {
  const rows = opts.rowsPerMonth ?? 500;
  if (!Number.isInteger(rows) || rows < 1)
    throw new RangeError(`rowsPerMonth must be a positive integer, got ${rows}`);
  const seed = opts.seed ?? 42;
  return {
    features: SEED_FEATURES.map((f) => ({ ...f })),
    personas: ARCHETYPES.map((a) => ({
      name: a.name,
      centroid: { ...a.mean, preferred_channel: a.channel },
    })),
    months: SEED_MONTHS.map((m, i) => drawMonth(m, rows, createRng(deriveSeed(seed, i)))),
  };
}
