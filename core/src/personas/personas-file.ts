// The pre-defined personas file (`persona train --personas file.yaml`, written by
// `persona data generate`):
//
//   features:                 # optional: the feature list, in order
//     - {name: age, type: numeric}
//   personas:
//     - name: Sustainable Steve
//       centroid: {age: 35, income: 60000, preferred_channel: store}
import { dump, load } from 'js-yaml';
import type { FeatureSpec, RawValue } from '../artifact/types.ts';
import { InputError } from '../data/input-error.ts';
import type { PersonaDefinition } from '../train/spec.ts';

export interface PersonasFile {
  features?: FeatureSpec[];
  personas: PersonaDefinition[];
}

export class PersonasFileError extends InputError {
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'PersonasFileError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses and checks a personas file; errors name the offending path, e.g. `personas[2].centroid.age`. */
export function parsePersonasYaml(text: string): PersonasFile {
  let doc: unknown;
  try {
    doc = load(text);
  } catch (err) {
    throw new PersonasFileError('(file)', `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc)) throw new PersonasFileError('(file)', 'expected a mapping with a "personas" list');
  const out: PersonasFile = { personas: [] };
  if (doc.features !== undefined) {
    if (!Array.isArray(doc.features)) throw new PersonasFileError('features', 'expected a list');
    out.features = doc.features.map((f, i) => {
      if (!isObject(f) || typeof f.name !== 'string' || f.name === '') {
        throw new PersonasFileError(`features[${i}]`, 'expected {name, type}');
      }
      if (f.type !== 'numeric' && f.type !== 'categorical') {
        throw new PersonasFileError(
          `features[${i}].type`,
          `expected numeric or categorical, got ${JSON.stringify(f.type)}`,
        );
      }
      return { name: f.name, type: f.type };
    });
  }
  if (!Array.isArray(doc.personas) || doc.personas.length === 0) {
    throw new PersonasFileError('personas', 'expected a non-empty list');
  }
  const names = new Set<string>();
  out.personas = doc.personas.map((p, i) => {
    const path = `personas[${i}]`;
    if (!isObject(p)) throw new PersonasFileError(path, 'expected {name, centroid}');
    if (typeof p.name !== 'string' || p.name.trim() === '')
      throw new PersonasFileError(`${path}.name`, 'expected a name');
    if (names.has(p.name)) throw new PersonasFileError(`${path}.name`, `duplicate persona name "${p.name}"`);
    names.add(p.name);
    if (!isObject(p.centroid))
      throw new PersonasFileError(`${path}.centroid`, 'expected a mapping of feature to value');
    const centroid: Record<string, RawValue> = {};
    for (const [key, v] of Object.entries(p.centroid)) {
      if (typeof v === 'number' && Number.isFinite(v)) centroid[key] = v;
      else if (typeof v === 'string') centroid[key] = v;
      else
        throw new PersonasFileError(
          `${path}.centroid.${key}`,
          `expected a number or a category, got ${JSON.stringify(v)}`,
        );
    }
    return { name: p.name, centroid };
  });
  return out;
}

export function formatPersonasYaml(file: PersonasFile, comment?: string): string {
  const head = comment ? `${comment.replace(/^/gm, '# ')}\n` : '';
  return head + dump(file, { lineWidth: 120 });
}
