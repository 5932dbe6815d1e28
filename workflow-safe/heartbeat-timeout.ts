// How long an activity of a worker that died (SIGKILL, a lost node) stays with it before Temporal
// retries it on another worker: the activity's heartbeatTimeout. 30 s (it was 2 minutes) is safe
// because the activities that use it heartbeat every 5 s whatever they are doing, one long SQL
// statement or an SMTP conversation included (temporal/heartbeat.ts, keepAlive; activities/index.ts
// wraps them): only a dead worker, or an event loop blocked for 30 s, misses it. Measured by
// `npm run chaos` (worker SIGKILL; RELIABILITY.md).
export const STEP_HEARTBEAT_TIMEOUT = '30 seconds';
