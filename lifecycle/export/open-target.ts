import type { ExportConfig } from './export-config';
import type { ExportTarget } from './export-target';
import { folderTarget } from './folder-target';
import { s3Target } from './s3-target';

/** The target the config names. */
export function exportTarget(config: ExportConfig): ExportTarget {
  return config.target === 's3' ? s3Target(config) : folderTarget(config.path);
}
