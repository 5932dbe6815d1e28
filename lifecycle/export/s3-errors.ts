// Which S3 failures deserve a retry. The SDK marks each service error with $fault: 'client' (4xx:
// a missing bucket, denied access, a bad key or signature) fails the same way every time, except
// throttling and timeouts; 'server' (5xx) and network errors may pass on the next attempt. Missing
// credentials (CredentialsProviderError) are a configuration fault too.

const TRANSIENT_CLIENT_ERRORS = new Set(['RequestTimeout', 'RequestTimeTooSkewed', 'SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException']);

/** True for an error that retrying cannot fix; its `name` is S3's error code (e.g. NoSuchBucket). */
export function isPermanentS3Error(err: unknown): err is Error {
  const e = err as { name?: unknown; $fault?: unknown } | undefined;
  if (e?.name === 'CredentialsProviderError') return true;
  return e?.$fault === 'client' && typeof e.name === 'string' && !TRANSIENT_CLIENT_ERRORS.has(e.name);
}
