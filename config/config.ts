import { createHash } from 'node:crypto';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { loadYamlFile } from './yaml-file';
import { ConfigError } from './config-error';
import { SOURCE_KINDS, type SourceKind } from './source-kinds';
import { loadPolicy, type LoadedPolicy } from '../policy/policy';
import { FORMATS } from '../ingest/formats';
import { loadVaultEnv, readSecret, type VaultEnv } from '../masking/vault/secrets';
import { maskParallelism, maskThreads } from '../masking/mask-parallelism';
import { exportConfigSchema, resolveExportPaths, type ExportConfig } from '../lifecycle/export/export-config';

// govflow.yaml names the sources and the policy; the environment names the services.

export { SOURCE_KINDS, type SourceKind };

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a lower-case name of letters, digits, - and _');
const kind = z.enum(SOURCE_KINDS, { message: `expected one of ${SOURCE_KINDS.join(', ')}` });
/** An AWS-style region name (eu-west-1): where a source's data is stored and must be processed. */
const region = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a region name of lower-case letters, digits and -, e.g. eu-west-1').optional();
const formatNames = () => [...Object.keys(FORMATS), 'postgres'].join(', ');

const fileSourceSchema = z.strictObject({
  name,
  kind,
  format: z.string().refine((f) => f in FORMATS, { message: `expected one of ${formatNames()}` }),
  path: z.string().min(1, 'expected a file path or glob, e.g. data/inbox/access/*.log*'),
  options: z.record(z.string(), z.unknown()).default({}),
  region,
});

const postgresSourceSchema = z.strictObject({
  name,
  kind,
  format: z.literal('postgres'),
  url: z.string().min(1, 'expected a connection URL or env:VARIABLE'),
  query: z
    .string()
    .refine((q) => q.includes('$1') && q.includes('$2'), { message: 'expected a query with $1 and $2 (the window start and end)' }),
  region,
});

/** Picks the schema by `format` so errors speak of the fields that source needs. */
const sourceSchema = z.unknown().transform((raw, ctx): FileSourceConfig | PostgresSourceConfig => {
  const fail = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path: path.map(String), message });
  const isPostgres = typeof raw === 'object' && raw !== null && (raw as { format?: unknown }).format === 'postgres';
  const parsed = (isPostgres ? postgresSourceSchema : fileSourceSchema).safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) fail(issue.path, issue.message);
    return z.NEVER;
  }
  const s = parsed.data;
  if ('url' in s) {
    if (s.kind !== 'consent') fail(['kind'], 'a postgres source reads consent records: expected consent');
    const m = /^env:(\w+)$/.exec(s.url);
    if (m && !process.env[m[1]!]) fail(['url'], `environment variable ${m[1]} is not set`);
    return s;
  }
  const format = FORMATS[s.format]!;
  if (!format.kinds.includes(s.kind)) fail(['kind'], `format ${s.format} reads ${format.kinds.join(' or ')} records`);
  const options = format.options.safeParse(s.options);
  if (!options.success) {
    for (const issue of options.error.issues) fail(['options', ...issue.path], issue.message);
    return z.NEVER;
  }
  return { ...s, options: options.data as Record<string, unknown> };
});

/** Where data-subject requests deliver what they produce (paths relative to the config file). */
const dataSubjectRequestsConfigSchema = z
  .strictObject({
    /** The folder that receives access-request exports, one <request id>.zip each. */
    accessExportDir: z.string().min(1, 'expected a folder path, e.g. data/access-requests').default('data/access-requests'),
  })
  .prefault({});

const configSchema = z.strictObject({
  policy: z.string().min(1, 'expected the path of the policy file').default('policy.yaml'),
  dataSubjectRequests: dataSubjectRequestsConfigSchema,
  sources: z
    .array(sourceSchema)
    .min(1, 'expected at least one source')
    .superRefine((sources, ctx) => {
      const seen = new Set<string>();
      sources.forEach((s, i) => {
        if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${s.name}" is used twice; names must be unique` });
        seen.add(s.name);
      });
    }),
  export: exportConfigSchema.optional(),
});

export type FileSourceConfig = z.output<typeof fileSourceSchema>;
export type PostgresSourceConfig = z.output<typeof postgresSourceSchema>;
export type SourceConfig = FileSourceConfig | PostgresSourceConfig;

export interface GovflowConfig {
  file: string;
  /** sha256 (hex) of the config file's bytes: with the policy's hash, names what a run used. */
  hash: string;
  sources: SourceConfig[];
  policy: LoadedPolicy;
  /** Absolute folder for access-request exports (govflow.yaml `dataSubjectRequests.accessExportDir`). */
  accessExportDir: string;
  /** Where each run's masked dataset and reports go (absent: the export step is skipped). */
  export?: ExportConfig;
}

/** Loads govflow.yaml and the policy it names; paths inside are relative to the config file. */
export function loadConfig(file = process.env.GOVFLOW_CONFIG ?? 'govflow.yaml'): GovflowConfig {
  const abs = resolve(file);
  const { value, text } = loadYamlFile(abs, configSchema);
  const here = dirname(abs);
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(here, p));
  return {
    file: abs,
    hash: sha256Hex(text),
    sources: value.sources.map((s) => ('url' in s ? s : { ...s, path: rel(s.path) })),
    policy: loadPolicy(rel(value.policy)),
    accessExportDir: rel(value.dataSubjectRequests.accessExportDir),
    ...(value.export ? { export: resolveExportPaths(value.export, here) } : {}),
  };
}

/** sha256 of a file's text, as hex: how config and policy files are identified (runs ledger, CLI). */
export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Which config and policy a run used (or a client expects): absolute paths and sha256 of their bytes. */
export interface ConfigIdentity {
  configFile: string;
  configHash: string;
  policyFile: string;
  policyHash: string;
}

export const configIdentity = (c: GovflowConfig): ConfigIdentity => ({
  configFile: c.file,
  configHash: c.hash,
  policyFile: c.policy.file,
  policyHash: c.policy.hash,
});

export interface Env extends VaultEnv {
  databaseUrl: string;
  taskQueue: string;
  temporalUiUrl: string;
  pseudonymKey: string;
  pseudonymKeyId: string;
  /** smtp:// or smtps:// (TLS from the first byte); unset means reports and alerts are not emailed. */
  smtpUrl?: string;
  mailFrom: string;
  /** Overrides the policy's alerts.webhook.url (a secret URL is better kept out of the policy file). */
  alertWebhookUrl?: string;
  /** GOVFLOW_MASK_PARALLELISM: connections one mask step uses side by side (masking/mask-shards.ts; default 1). */
  maskParallelism?: number;
  /** GOVFLOW_MASK_THREADS: worker threads one mask step masks distinct values on (masking/mask-threads.ts; default 0). */
  maskThreads?: number;
  /** Pages of distinct values from which those threads are used (default 5,000; tests lower it to use them on small windows). */
  maskThreadsFrom?: number;
}

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/govflow';
const DEV_PSEUDONYM_KEY = 'govflow-development-key-do-not-use-in-production';

/** The database alone: what `govflow migrate` needs, so it runs without the service's secrets. */
export const databaseUrlOf = (env: NodeJS.ProcessEnv = process.env): string => env.DATABASE_URL ?? DEFAULT_DATABASE_URL;

/** Service settings from the environment, with defaults that work on a developer's machine. */
export function loadEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const key = readSecret(env, 'GOVFLOW_PSEUDONYM_KEY');
  if (!key && env.NODE_ENV === 'production') {
    throw new ConfigError('environment', ['GOVFLOW_PSEUDONYM_KEY: expected a secret of at least 32 characters (required when NODE_ENV=production)']);
  }
  if (key !== undefined && key.length < 32) {
    throw new ConfigError('environment', ['GOVFLOW_PSEUDONYM_KEY: expected a secret of at least 32 characters']);
  }
  return {
    databaseUrl: databaseUrlOf(env),
    taskQueue: env.GOVFLOW_TASK_QUEUE ?? 'governance',
    temporalUiUrl: (env.TEMPORAL_UI_URL ?? 'http://localhost:8233').replace(/\/$/, ''),
    pseudonymKey: key ?? DEV_PSEUDONYM_KEY,
    pseudonymKeyId: env.GOVFLOW_PSEUDONYM_KEY_ID ?? (key ? 'k1' : 'dev'),
    smtpUrl: smtpUrl(env.SMTP_URL),
    mailFrom: env.GOVFLOW_MAIL_FROM ?? 'govflow <govflow@govflow.localhost>',
    alertWebhookUrl: webhookUrl(env.GOVFLOW_ALERT_WEBHOOK_URL),
    maskParallelism: maskParallelism(env),
    maskThreads: maskThreads(env),
    ...loadVaultEnv(env),
  };
}

function smtpUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!/^smtps?:\/\/[^/]/.test(value)) {
    throw new ConfigError('environment', ['SMTP_URL: expected smtp://[user:pass@]host[:port] or smtps://… (TLS)']);
  }
  return value;
}

function webhookUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!/^https?:\/\/[^/]/.test(value)) throw new ConfigError('environment', ['GOVFLOW_ALERT_WEBHOOK_URL: expected an http:// or https:// URL']);
  return value;
}
