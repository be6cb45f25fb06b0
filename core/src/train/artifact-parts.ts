// The artifact a training run produces, assembled from its parts however the model was fitted.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  ARTIFACT_SCHEMA_VERSION,
  type FeatureEncoding,
  type KMetrics,
  type ModelArtifact,
  type Persona,
  type RawValue,
  type ReferenceStats,
} from '../artifact/types.ts';
import type { TrainSpec } from './spec.ts';

let libraryVersions: Record<string, string> | undefined;
export function libraries(): Record<string, string> {
  if (!libraryVersions) {
    const require = createRequire(import.meta.url);
    const version = (entry: string): string => {
      // Packages whose exports hide package.json: walk up from the resolved entry point.
      let dir = dirname(require.resolve(entry));
      for (let i = 0; i < 5; i++, dir = dirname(dir)) {
        try {
          const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
            name?: string;
            version?: string;
          };
          if (pkg.name === entry && pkg.version) return pkg.version;
        } catch {
          // keep walking
        }
      }
      return 'unknown';
    };
    libraryVersions = { node: process.versions.node, 'ml-kmeans': version('ml-kmeans') };
  }
  return libraryVersions;
}

/** What an artifact is made of, however the model was fitted. */
export interface ArtifactParts {
  spec: TrainSpec;
  encodings: FeatureEncoding[];
  personas: Persona[];
  chosen: KMetrics;
  perK: KMetrics[];
  kRange: { min: number; max: number };
  rows: number;
  dataHash: string;
  started: number;
  durationMs: number;
  referenceRows: RawValue[][];
  referenceStats: ReferenceStats;
}

export function assembleArtifact(p: ArtifactParts): ModelArtifact {
  const { spec, personas } = p;
  return {
    schemaVersion: ARTIFACT_SCHEMA_VERSION,
    features: p.encodings,
    personas,
    metrics: {
      ...p.chosen,
      perK: p.perK,
      unmatchedPersonas: personas.filter((x) => x.generated).map((x) => x.name),
    },
    training: {
      mode: spec.mode,
      rows: p.rows,
      dataHash: p.dataHash,
      seed: spec.seed,
      nInit: spec.mode === 'fixed' ? 1 : spec.nInit,
      kRange: p.kRange,
      durationMs: p.durationMs,
      trainedAt: new Date(p.started).toISOString(),
      libraries: libraries(),
    },
    reference: { columns: spec.features.map((f) => f.name), rows: p.referenceRows },
    referenceStats: p.referenceStats,
  };
}
