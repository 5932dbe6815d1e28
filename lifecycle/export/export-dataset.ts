import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActivityDeps } from '../../config/deps';
import type { RunRef } from '../../workflow-safe/run-ref';
import type { TaskResult } from '../../workflow-safe/dag';
import { exportTarget } from './open-target';
import { exportWindow } from './export-window';
import { isPermanentS3Error } from './s3-errors';

// export: the window's masked dataset (Parquet) and reports, with a manifest, to the configured
// bucket or folder (lifecycle/export/). Only counts come back through Temporal.

/** The export step over one run's window (activities/export.ts is its Temporal-facing shell). */
export function datasetExporter({ db, config }: ActivityDeps) {
  const target = config.export ? exportTarget(config.export) : undefined;
  return {
    async exportDataset(run: RunRef): Promise<TaskResult> {
      if (!target || !config.export) return { counts: { targetConfigured: 0 }, skipped: 'no export target configured (govflow.yaml export:)' };
      const ctx = Context.current();
      const { manifest, removed } = await exportWindow({
        db,
        run,
        target,
        prefix: config.export.prefix,
        policyHash: config.policy.hash,
        progress: () => ctx.heartbeat(),
      }).catch((err: unknown) => {
        // A missing bucket or refused credentials fail the same way on every attempt: say so now.
        if (isPermanentS3Error(err)) throw ApplicationFailure.nonRetryable(`export to ${target.location}: ${err.name}: ${err.message}`, 'ExportTargetError');
        throw err;
      });
      const parquet = manifest.files.filter((f) => f.rows !== undefined);
      return {
        counts: {
          files: manifest.files.length + 1,
          rowsOut: parquet.reduce((n, f) => n + (f.rows ?? 0), 0),
          bytes: manifest.files.reduce((n, f) => n + f.bytes, 0),
          objectsRemoved: removed.length,
        },
        breakdown: { rows: Object.fromEntries(parquet.map((f) => [f.name.replace(/\.parquet$/, ''), f.rows ?? 0])) },
      };
    },
  };
}
