import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { loadYamlFile } from './yaml-file';
import { ConfigError } from './config-error';
import { loadPolicy, type LoadedPolicy } from './policy';

// govflow.yaml names the sources and the policy; the environment names the services.

export const SOURCE_KINDS = ['access', 'consent', 'audit'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export const SOURCE_FORMATS = ['jsonl'] as const;

const sourceSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a lower-case name of letters, digits, - and _'),
  kind: z.enum(SOURCE_KINDS, { message: `expected one of ${SOURCE_KINDS.join(', ')}` }),
  format: z.enum(SOURCE_FORMATS, { message: `expected one of ${SOURCE_FORMATS.join(', ')}` }),
  path: z.string().min(1, 'expected a file path'),
});

const configSchema = z.strictObject({
  policy: z.string().min(1, 'expected the path of the policy file').default('policy.yaml'),
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
});

export type SourceConfig = z.output<typeof sourceSchema>;

export interface GovflowConfig {
  file: string;
  sources: SourceConfig[];
  policy: LoadedPolicy;
}

/** Loads govflow.yaml and the policy it names; paths inside are relative to the config file. */
export function loadConfig(file = process.env.GOVFLOW_CONFIG ?? 'govflow.yaml'): GovflowConfig {
  const abs = resolve(file);
  const { value } = loadYamlFile(abs, configSchema);
  const here = dirname(abs);
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(here, p));
  return {
    file: abs,
    sources: value.sources.map((s) => ({ ...s, path: rel(s.path) })),
    policy: loadPolicy(rel(value.policy)),
  };
}

export interface Env {
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
}

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/govflow';
const DEV_PSEUDONYM_KEY = 'govflow-development-key-do-not-use-in-production';

/** Service settings from the environment, with defaults that work on a developer's machine. */
export function loadEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const key = env.GOVFLOW_PSEUDONYM_KEY;
  if (!key && env.NODE_ENV === 'production') {
    throw new ConfigError('environment', ['GOVFLOW_PSEUDONYM_KEY: expected a secret of at least 32 characters (required when NODE_ENV=production)']);
  }
  if (key !== undefined && key.length < 32) {
    throw new ConfigError('environment', ['GOVFLOW_PSEUDONYM_KEY: expected a secret of at least 32 characters']);
  }
  return {
    databaseUrl: env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    taskQueue: env.GOVFLOW_TASK_QUEUE ?? 'governance',
    temporalUiUrl: (env.TEMPORAL_UI_URL ?? 'http://localhost:8233').replace(/\/$/, ''),
    pseudonymKey: key ?? DEV_PSEUDONYM_KEY,
    pseudonymKeyId: env.GOVFLOW_PSEUDONYM_KEY_ID ?? (key ? 'k1' : 'dev'),
    smtpUrl: smtpUrl(env.SMTP_URL),
    mailFrom: env.GOVFLOW_MAIL_FROM ?? 'govflow <govflow@govflow.localhost>',
    alertWebhookUrl: webhookUrl(env.GOVFLOW_ALERT_WEBHOOK_URL),
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
