// `npm run kind:assets`: builds what a kind cluster needs on this machine (kind CLI, node
// binaries, Debian roots, component images, the node image with everything preloaded) into
// the per-version caches, skipping whatever is already there.
import { ensureKindAssets } from '../test/kind/assets.ts';

try {
  const assets = await ensureKindAssets((line) => console.log(`kind:assets: ${line}`));
  console.log(`  kind        ${assets.binaries.kind}`);
  console.log(`  node image  ${assets.nodeImage}`);
} catch (err) {
  console.error(`kind:assets: ${(err as Error).message}`);
  process.exitCode = 1;
}
