// What the console reads: the registry's paged queries and the operator's cached PersonaModels
// and DriftMonitors (the informers' stores, so a page costs no API request).
import type { Registry } from '@persona-operator/registry';
import type { DriftMonitor } from '../api/v1alpha1/driftmonitor.ts';
import type { PersonaModel } from '../api/v1alpha1/personamodel.ts';

export type ConsoleRegistry = Pick<
  Registry,
  | 'versionPage'
  | 'aliasEventPage'
  | 'aliasEventsOfVersions'
  | 'driftHistoryPage'
  | 'personaTraffic'
  | 'getVersion'
  | 'getVersionDiff'
  | 'loadArtifact'
>;

export interface ConsoleSource {
  registry: ConsoleRegistry;
  personaModels(): readonly PersonaModel[];
  driftMonitors(): readonly DriftMonitor[];
  now(): Date;
}

/** Thrown by a page for a request that cannot be answered: becomes a page with this status. */
export class ConsoleError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleError';
  }
}

export function findModel(source: ConsoleSource, namespace: string, name: string): PersonaModel {
  const model = source
    .personaModels()
    .find((m) => m.metadata.namespace === namespace && m.metadata.name === name);
  if (!model) throw new ConsoleError(404, `there is no PersonaModel ${namespace}/${name}`);
  return model;
}

export function monitorsOf(source: ConsoleSource, namespace: string, model: string): DriftMonitor[] {
  return source
    .driftMonitors()
    .filter((d) => d.metadata.namespace === namespace && d.spec.modelRef.name === model)
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

/** A query parameter that must be a positive integer when present. */
export function positiveInt(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^[1-9][0-9]{0,14}$/.test(raw)) {
    throw new ConsoleError(
      400,
      `${name} must be a positive integer, got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  return Number(raw);
}
