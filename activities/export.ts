import type { ActivityDeps } from './deps';
import { datasetExporter } from '../lifecycle/export/export-dataset';

// export: the Temporal-facing step. What goes to the configured bucket or folder (the window's
// masked dataset as Parquet, its reports, a manifest) is lifecycle/export/export-dataset.ts.
export function exportActivities(deps: ActivityDeps) {
  const { exportDataset } = datasetExporter(deps);
  return { exportDataset };
}
