// Worker threads do not inherit the TypeScript loader the main thread was started with
// (`--import tsx` or tsx's register API), so each worker registers it before loading its code.
import { register } from 'tsx/esm/api';

register();
await import('./restart-worker.ts');
