// What every export target offers; open-target.ts picks one by the config.

/**
 * Where an export's objects land: a bucket or a folder, addressed by keys such as
 * `govflow/dt=2026-11-01/hour=10/masked_events.parquet` (the configured prefix, then the partition).
 */
export interface ExportTarget {
  /** For people: s3://bucket/prefix or the folder's path. */
  readonly location: string;
  /** Stores a local file under `key`, replacing what was there. `sha256` is the file's hex digest. */
  put(key: string, file: string, object: { contentType: string; sha256: string; bytes: number }): Promise<void>;
  /** Every key under `prefix` (a folder's subfolders included). */
  list(prefix: string): Promise<string[]>;
  /** Removes the keys; missing ones are no error. */
  remove(keys: string[]): Promise<void>;
}
