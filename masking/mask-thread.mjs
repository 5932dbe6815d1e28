// A mask step's worker thread (masking/mask-threads.ts). Threads do not inherit tsx from the
// process that starts them (bin/govflow.mjs registers it through its API), so each registers it
// before loading the TypeScript it runs.
import { register } from 'tsx/esm/api';

register();
await import('./mask-thread.ts');
