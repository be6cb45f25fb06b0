// Readers of the `persona` commands' flag values: each turns one string into a typed value or
// throws a CliError (exit 2) that names the flag and the problem. An absent flag (undefined)
// reads as undefined, so a default is `?? value` at the call site.
import { parseDuration } from '@persona-operator/core/time/duration';
import { isPostgresUrl } from '@persona-operator/registry/url';
import { CliError } from './errors.ts';

export interface Range {
  min?: number;
  max?: number;
}

export interface ModelRef {
  namespace: string;
  name: string;
}

type Parse<T, O> = (flag: string, value: string, options?: O) => T;

/** A reader that passes an absent flag through as undefined and returns T for a given one. */
function reader<T, O = undefined>(parse: Parse<T, O>) {
  function read(flag: string, value: string, options?: O): T;
  function read(flag: string, value: string | undefined, options?: O): T | undefined;
  function read(flag: string, value: string | undefined, options?: O): T | undefined {
    return value === undefined ? undefined : parse(flag, value, options);
  }
  return read;
}

function invalid(flag: string, expected: string, got: string): CliError {
  return new CliError(`${flag}: expected ${expected}, got ${got}`);
}

function rangeText({ min, max }: Range): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

const inRange = (n: number, { min, max }: Range): boolean =>
  (min === undefined || n >= min) && (max === undefined || n <= max);

function readNumber(
  flag: string,
  value: string,
  range: Range,
  grammar: RegExp,
  noun: string,
  representable: (n: number) => boolean,
): number {
  const n = Number(value);
  if (!grammar.test(value) || !representable(n) || !inRange(n, range)) {
    throw invalid(flag, `${noun}${rangeText(range)}`, JSON.stringify(value));
  }
  return n;
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** A whole number in decimal, such as 10 or -3, within `range`. */
export const intFlag = reader((flag, value, range: Range = {}) =>
  readNumber(flag, value, range, INTEGER, 'an integer', Number.isSafeInteger),
);

/** A finite decimal number, such as 0.05, -2 or 1e-3, within `range`. */
export const numberFlag = reader((flag, value, range: Range = {}) =>
  readNumber(flag, value, range, DECIMAL, 'a number', Number.isFinite),
);

const INT_RANGE = /^\s*(\d+)\s*(?:(?:\.\.|-)\s*(\d+)\s*)?$/;

/** "2..10" (or "2-10") -> {min: 2, max: 10}; "6" -> {min: 6, max: 6}. `bounds` limit both ends. */
export const intRangeFlag = reader((flag, value, bounds: Range = {}) => {
  const m = INT_RANGE.exec(value);
  if (!m) throw invalid(flag, 'a range such as 2..10 or a single integer such as 6', JSON.stringify(value));
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (!inRange(min, bounds) || !inRange(max, bounds) || max < min) {
    throw invalid(flag, `a range of integers${rangeText(bounds)} with min <= max`, JSON.stringify(value));
  }
  return { min, max };
});

/**
 * Milliseconds of a duration in the product's one grammar (500ms, 1.5s, 15m, 24h, 7d), at least
 * `atLeast` (a duration in the same grammar) when given.
 */
export const durationFlag = reader((flag, value, atLeast?: string) => {
  let ms: number;
  try {
    ms = parseDuration(value, flag);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  if (atLeast !== undefined && ms < parseDuration(atLeast, 'atLeast')) {
    throw invalid(flag, `a duration of at least ${atLeast}`, JSON.stringify(value));
  }
  return ms;
});

const SIZE = /^(\d+)\s*([a-z]*)$/i;
const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
};

/** Bytes of a size such as 1048576, 512kb or 8mb (kb and mb are powers of 1024); at least 1. */
export const sizeFlag = reader((flag, value) => {
  const m = SIZE.exec(value.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : 0;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw invalid(flag, 'a size such as 1048576, 512kb or 8mb', JSON.stringify(value));
  }
  return bytes;
});

const orList = (words: readonly string[]): string =>
  words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;

/** One of `choices`, spelled exactly. */
export function choiceFlag<T extends string>(flag: string, value: string, choices: readonly T[]): T;
export function choiceFlag<T extends string>(
  flag: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined;
export function choiceFlag<T extends string>(
  flag: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined || (choices as readonly string[]).includes(value)) return value as T | undefined;
  throw invalid(flag, orList(choices), JSON.stringify(value));
}

const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** A Kubernetes object name (a DNS subdomain: lower-case letters, digits, '-' and '.'). */
export const isKubernetesName = (value: string): boolean => K8S_NAME.test(value);

/** "shop/customers" -> {namespace: "shop", name: "customers"}; both parts Kubernetes names. */
export const modelRefFlag = reader((flag, value): ModelRef => {
  const [namespace, name, ...rest] = value.split('/');
  if (rest.length > 0 || !namespace || !name || !isKubernetesName(namespace) || !isKubernetesName(name)) {
    throw invalid(flag, 'NAMESPACE/NAME (Kubernetes names)', JSON.stringify(value));
  }
  return { namespace, name };
});

/**
 * What an error may show of a rejected URL: its scheme and nothing else, since any other part
 * of a malformed URL can be (part of) a password.
 */
function shownUrl(value: string): string {
  const scheme = /^([a-z][a-z\d+.-]*):\/\//i.exec(value)?.[1];
  return scheme ? `a ${scheme}:// URL` : 'a value that is not a URL (not shown: it may hold a password)';
}

/** Where a value may come from besides its flag: an environment variable (empty counts as unset). */
export interface EnvFallback {
  name: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * A postgres:// or postgresql:// URL from `flag`, else from the `fallback` variable; undefined
 * when neither is set. The error names whichever was read.
 */
export function postgresUrlFlag(
  flag: string,
  value: string | undefined,
  fallback?: EnvFallback,
): string | undefined {
  const fromEnv = fallback && (fallback.env ?? process.env)[fallback.name];
  const [source, url] = value !== undefined ? [flag, value] : [fallback?.name ?? flag, fromEnv || undefined];
  if (url === undefined) return undefined;
  if (!isPostgresUrl(url)) throw invalid(source, 'a postgres:// or postgresql:// URL', shownUrl(url));
  return url;
}

/** `value`, or a CliError saying "`usage` is required" (usage shows the flag, e.g. "--table NAME"). */
export function required(value: string | undefined, usage: string): string {
  if (value === undefined || value === '') throw new CliError(`${usage} is required`);
  return value;
}
