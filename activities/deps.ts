// What the worker hands every activity lives in config/deps.ts, where domain code may import it
// (domain folders may not import activities/).
export type { ActivityDeps, RunConfigs } from '../config/deps';
