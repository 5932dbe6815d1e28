import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

// govflow.yaml's `export:` section: where each run's masked dataset and reports are delivered.
// Absent: the export step is skipped. Credentials never live here: the S3 client takes them from
// the AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE with
// ~/.aws/credentials, web identity, ECS or EC2 instance roles).

const prefix = z
  .string()
  .regex(/^([A-Za-z0-9._=-]+\/)*$/, 'expected a key prefix of path segments each ending in /, e.g. govflow/analytics/')
  .default('');

const s3TargetSchema = z.strictObject({
  target: z.literal('s3'),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name (3–63 lower-case letters, digits, . and -)'),
  prefix,
  /** An S3-compatible service (MinIO, Ceph, a loopback test server); absent: AWS's own endpoint. */
  endpoint: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL, e.g. http://127.0.0.1:9000' }).optional(),
  /** Absent: AWS_REGION from the environment, else us-east-1. */
  region: z.string().min(1, 'expected a region such as eu-west-1').optional(),
  /** Path-style URLs (endpoint/bucket/key): what most S3-compatible servers need. */
  forcePathStyle: z.boolean().default(false),
  /** Server-side encryption requested on every object: S3-managed keys, or KMS with kmsKeyId. */
  serverSideEncryption: z.enum(['AES256', 'aws:kms'], { message: 'expected AES256 or aws:kms' }).default('AES256'),
  kmsKeyId: z.string().min(1).optional(),
});

const folderTargetSchema = z.strictObject({
  target: z.literal('folder'),
  /** Relative to the config file. */
  path: z.string().min(1, 'expected a folder path, e.g. exports').default('exports'),
  prefix,
});

export const exportConfigSchema = z
  .unknown()
  .transform((raw, ctx): S3ExportConfig | FolderExportConfig => {
    const target = typeof raw === 'object' && raw !== null ? (raw as { target?: unknown }).target : undefined;
    if (target !== 's3' && target !== 'folder') {
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'expected s3 or folder' });
      return z.NEVER;
    }
    // Picks the schema by `target`, so errors speak of the fields that target needs.
    const parsed = (target === 's3' ? s3TargetSchema : folderTargetSchema).safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path.map(String), message: issue.message });
      return z.NEVER;
    }
    const c = parsed.data;
    if (c.target === 's3' && (c.serverSideEncryption === 'aws:kms') !== (c.kmsKeyId !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['kmsKeyId'], message: 'expected a KMS key id exactly when serverSideEncryption is aws:kms' });
      return z.NEVER;
    }
    return c;
  });

export type S3ExportConfig = z.output<typeof s3TargetSchema>;
export type FolderExportConfig = z.output<typeof folderTargetSchema>;
export type ExportConfig = S3ExportConfig | FolderExportConfig;

/** A folder target's path made absolute against the config file's folder. */
export function resolveExportPaths(c: ExportConfig, configDir: string): ExportConfig {
  return c.target === 'folder' ? { ...c, path: isAbsolute(c.path) ? c.path : resolve(configDir, c.path) } : c;
}
