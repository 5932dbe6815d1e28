import { ApplicationFailure } from '@temporalio/activity';

// Which failures deserve a retry. A dropped connection, a deadlock or a serialization conflict
// will likely pass on the next attempt; a missing table, a constraint or a type error will fail
// the same way every time, so retrying only delays the failure the operator needs to see.

const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '40', '53', '55', '57', '58']);

export function isPermanentPostgresError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2));
}

/** Rethrows permanent database errors as non-retryable failures that name the SQLSTATE. */
export function classifyStepError(err: unknown): never {
  if (isPermanentPostgresError(err)) {
    throw ApplicationFailure.nonRetryable(`Postgres error ${err.code}: ${err.message}`, 'PostgresError');
  }
  throw err;
}
