// The node agent has no container runtime: an image is a name for a local command.
// A table maps image repositories to how their containers are started.
import { fileURLToPath } from 'node:url';

export interface ContainerCommand {
  /** The container's `command` (Kubernetes: the entrypoint), already $(VAR)-expanded; may be empty. */
  command: string[];
  /** The container's `args`, already $(VAR)-expanded; may be empty. */
  args: string[];
}

export interface LaunchSpec {
  file: string;
  args: string[];
}

/** Turns a container's command/args into a local process; throws with a clear message if it cannot. */
export type ImageCommand = (container: ContainerCommand) => LaunchSpec;

/**
 * Keys are repository names without registry-independent tag or digest. A key
 * matches an image whose repository equals it or ends with `/<key>`, so
 * `persona-operator` matches `ghcr.io/acme/persona-operator:1.2`.
 */
export type ImageTable = Record<string, ImageCommand>;

const personaBin = fileURLToPath(new URL('../../cli/bin/persona.js', import.meta.url));

/** Our own image: the `persona` CLI under the same Node that runs the agent. */
export const personaImage: ImageCommand = ({ command, args }) => {
  if (command.length > 0 && command[0] !== 'persona') {
    throw new Error(
      `the persona-operator image only runs \`persona\`, not command ${JSON.stringify(command)}`,
    );
  }
  return { file: process.execPath, args: [personaBin, ...command.slice(1), ...args] };
};

/** For tests: runs `command` + `args` on this machine, like an image holding the host's tools. */
export const hostCommandImage: ImageCommand = ({ command, args }) => {
  if (command.length === 0) throw new Error('this image has no entrypoint: set the container `command`');
  return { file: command[0], args: [...command.slice(1), ...args] };
};

/** For tests: `node` with the container args (command, if set, must be `node`). */
export const nodeImage: ImageCommand = ({ command, args }) => {
  if (command.length > 0 && command[0] !== 'node') {
    throw new Error(`this image only runs \`node\`, not command ${JSON.stringify(command)}`);
  }
  return { file: process.execPath, args: [...command.slice(1), ...args] };
};

export function defaultImageTable(): ImageTable {
  return { 'persona-operator': personaImage };
}

/** The repository part of an image reference: no tag, no digest. */
export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const lastColon = noDigest.lastIndexOf(':');
  // A colon after the last slash is a tag; before it, a registry port.
  return lastColon > lastSlash ? noDigest.slice(0, lastColon) : noDigest;
}

export function lookupImage(table: ImageTable, image: string): ImageCommand | undefined {
  const repo = imageRepository(image);
  for (const [key, cmd] of Object.entries(table)) {
    if (repo === key || repo.endsWith(`/${key}`)) return cmd;
  }
  return undefined;
}
