// Loading the model to serve, from a file or from the registry. Failures are sorted into
// "retrying cannot help" (missing version, invalid artifact) and "transient" (registry
// unreachable) so `persona serve` can exit 2 or 1; either way the pod never becomes ready.
import { readFile } from 'node:fs/promises';
import { ArtifactValidationError, parseArtifactJson } from '@persona-operator/core/artifact/validate';
import { classifyDbError, RegistryNotFoundError, type Registry } from '@persona-operator/registry';
import { serveArtifact, type ModelIdentity, type ServedModel } from './model.ts';

export class ModelLoadError extends Error {
  constructor(
    message: string,
    /** True when a later attempt may succeed (registry unreachable). */
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelLoadError';
  }
}

function describeFailure(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function serve(artifactOrError: () => ServedModel, what: string): ServedModel {
  try {
    return artifactOrError();
  } catch (err) {
    throw new ModelLoadError(`${what}: ${describeFailure(err)}`, false, { cause: err });
  }
}

/** Reads and validates an artifact file; `identity` overrides the name/version recorded in it. */
export async function loadModelFile(
  path: string,
  identity: Partial<ModelIdentity> = {},
): Promise<ServedModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ModelLoadError(`cannot read model file ${path}: ${describeFailure(err)}`, false, {
      cause: err,
    });
  }
  return serve(
    () => serveArtifact(parseArtifactJson(text), identity),
    `model file ${path} is not a valid artifact`,
  );
}

/** Loads version `ref.version` of `ref.namespace/ref.name`; the served name is the PersonaModel's name. */
export async function loadModelFromRegistry(
  registry: Registry,
  ref: { namespace: string; name: string; version: number },
): Promise<ServedModel> {
  const label = `${ref.namespace}/${ref.name} version ${ref.version}`;
  try {
    const artifact = await registry.loadArtifact(ref);
    return serve(() => serveArtifact(artifact, ref), `model ${label} cannot be served`);
  } catch (err) {
    if (err instanceof ModelLoadError) throw err;
    if (err instanceof RegistryNotFoundError) {
      throw new ModelLoadError(`model ${label} is not in the registry: ${err.message}`, false, {
        cause: err,
      });
    }
    if (err instanceof ArtifactValidationError) {
      throw new ModelLoadError(`model ${label} has an invalid artifact: ${err.message}`, false, {
        cause: err,
      });
    }
    throw new ModelLoadError(
      `cannot load model ${label}: ${describeFailure(err)}`,
      classifyDbError(err) === 'transient',
      {
        cause: err,
      },
    );
  }
}
