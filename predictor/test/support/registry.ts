// A real throwaway registry holding the fixture artifact, for the tests that load the served
// model from the registry (in process or as a child `persona serve`).
import { after, before } from 'node:test';
import { Registry } from '@persona-operator/registry';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';
import { fixtureArtifact } from './fixture.ts';

/** The PersonaModel the fixture artifact is version 1 of. */
export const REF = { namespace: 'shop', name: 'customers' };

export interface FixtureRegistry {
  db: TestPostgres;
  registry: Registry;
}

/**
 * Adds before/after hooks to the calling test file: a migrated registry on a fresh Postgres with
 * the fixture artifact (no `model` block: the registry names it) registered as REF version 1.
 * The returned object is filled in by the `before` hook.
 */
export function useFixtureRegistry(): FixtureRegistry {
  const fixture: Partial<FixtureRegistry> = {};
  before(async () => {
    fixture.db = await startPostgres();
    fixture.registry = await Registry.connect(fixture.db.url);
    await fixture.registry.migrate();
    const artifact = fixtureArtifact();
    delete artifact.model;
    await fixture.registry.registerVersion({ model: REF, runId: 'run-1', artifact });
  });
  after(async () => {
    await fixture.registry?.close();
    await fixture.db?.stop();
  });
  return fixture as FixtureRegistry;
}
