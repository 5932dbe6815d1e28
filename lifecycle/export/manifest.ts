import type { Window } from '../../workflow-safe/window';

// manifest.json: what one window's export holds, written last into its partition.

export const EXPORT_MANIFEST_FORMAT = 'govflow-export/1';

export interface ExportedFile {
  /** File name within the partition, e.g. masked_events.parquet or compliance-report.html. */
  name: string;
  contentType: string;
  /** Size in bytes. */
  bytes: number;
  /** SHA-256 of the bytes, lower-case hex. */
  sha256: string;
  /** Rows in a Parquet file (absent for reports). */
  rows?: number;
}

export interface ExportManifest {
  format: typeof EXPORT_MANIFEST_FORMAT;
  /** The governance run that exported: Temporal workflow id and run id. */
  workflowId: string;
  runId: string;
  /** The run's half-open window [start, end), ISO 8601 UTC. */
  window: Window;
  /** The partition's key prefix, e.g. govflow/dt=2026-11-01/hour=10/. */
  partition: string;
  /** sha256 of the policy file the run applied. */
  policyHash: string;
  exportedAt: string;
  files: ExportedFile[];
}
