import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadEnv } from '../../config/config';
import { loadPolicy } from '../../policy/policy';
import { ConfigError } from '../../config/config-error';

function files(entries: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'govflow-config-'));
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text);
  return dir;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const POLICY = 'version: 1\npurposes:\n  - id: analytics\n    requiresConsent: true\n';

describe('configuration and policy', () => {
  it('loads the shipped govflow.yaml and policy.yaml', () => {
    const config = loadConfig('govflow.yaml');
    expect(config.sources.map((s) => s.kind).sort()).toEqual(['access', 'audit', 'consent']);
    expect(config.policy.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(config.policy.policy.alerts).toMatchObject({ minSeverity: 'medium', minFindings: 1 });
  });

  it('resolves source and policy paths against the config file', () => {
    const dir = files({ 'p.yaml': POLICY, 'g.yaml': 'policy: p.yaml\nsources:\n  - {name: a, kind: access, format: jsonl, path: in/a.jsonl}\n' });
    const config = loadConfig(join(dir, 'g.yaml'));
    expect(config.sources[0]).toMatchObject({ path: join(dir, 'in/a.jsonl') });
    expect(config.policy.file).toBe(join(dir, 'p.yaml'));
  });

  it('takes a source region (for region-pinned workers) and names a malformed one', () => {
    const dir = files({
      'p.yaml': POLICY,
      'g.yaml': 'policy: p.yaml\nsources:\n  - {name: a, kind: access, format: jsonl, path: a, region: eu-west-1}\n  - {name: b, kind: access, format: jsonl, path: b}\n',
      'bad.yaml': 'policy: p.yaml\nsources:\n  - {name: a, kind: access, format: jsonl, path: a, region: EU West}\n',
    });
    expect(loadConfig(join(dir, 'g.yaml')).sources.map((s) => s.region)).toEqual(['eu-west-1', undefined]);
    expect(errorOf(() => loadConfig(join(dir, 'bad.yaml'))).message).toContain('sources.0.region: expected a region name');
  });

  it('names the file, the field and what was expected', () => {
    const dir = files({
      'p.yaml': POLICY,
      'g.yaml': 'policy: p.yaml\nsources:\n  - {name: a, kind: acess, format: jsonl, path: a}\n',
      'dup.yaml': 'policy: p.yaml\nsources:\n  - {name: a, kind: access, format: jsonl, path: a}\n  - {name: a, kind: audit, format: jsonl, path: b}\n',
    });
    const err = errorOf(() => loadConfig(join(dir, 'g.yaml')));
    expect(err.file).toBe(join(dir, 'g.yaml'));
    expect(err.message).toContain('sources.0.kind: expected one of access, consent, audit');
    expect(errorOf(() => loadConfig(join(dir, 'dup.yaml'))).message).toContain('sources.1.name: "a" is used twice');
  });

  it('reads the incident bucket and the late-data look-back, and names a bad one', () => {
    const good = files({ 'p.yaml': `${POLICY}audit:\n  incidents: {bucket: 15m, sample: 3}\nruns:\n  lateDataLookback: 2d\n` });
    const policy = loadPolicy(join(good, 'p.yaml')).policy;
    expect(policy.audit.incidents).toEqual({ bucket: '15m', sample: 3 });
    expect(policy.runs.lateDataLookback).toBe('2d');
    expect(loadPolicy(join(files({ 'p.yaml': POLICY }), 'p.yaml')).policy.audit.incidents).toEqual({ bucket: '1h', sample: 5 });
    for (const [bucket, expected] of [['hourly', 'audit.incidents.bucket: expected a duration like 15m, 1h or 1d'], ['30s', 'audit.incidents.bucket: expected a whole number of seconds between 1m and 7d']]) {
      const dir = files({ 'p.yaml': `${POLICY}audit:\n  incidents: {bucket: ${bucket}}\n` });
      expect(errorOf(() => loadPolicy(join(dir, 'p.yaml'))).message).toContain(expected);
    }
    const zero = files({ 'p.yaml': `${POLICY}runs:\n  lateDataLookback: 0s\n` });
    expect(errorOf(() => loadPolicy(join(zero, 'p.yaml'))).message).toContain('runs.lateDataLookback: expected a duration greater than 0');
  });

  it('rejects a bad policy before any work', () => {
    const dir = files({ 'p.yaml': 'version: 1\npurposes:\n  - id: Analytics\n    requiresConsent: maybe\nalerts:\n  minSeverity: urgent\n' });
    const err = errorOf(() => loadPolicy(join(dir, 'p.yaml')));
    expect(err.message).toMatch(/p\.yaml is invalid/);
    expect(err.message).toContain('purposes.0.id: expected a lower_snake_case purpose id');
    expect(err.message).toContain('purposes.0.requiresConsent: expected true or false');
    expect(err.message).toContain('alerts.minSeverity: expected one of low, medium, high, critical');
  });

  it('reports unreadable and unparseable files plainly', () => {
    expect(errorOf(() => loadPolicy('/nonexistent/policy.yaml')).message).toContain('cannot be read: there is no such file (ENOENT)');
    const dir = files({ 'p.yaml': 'version: 1\npurposes: [\n' });
    expect(errorOf(() => loadPolicy(join(dir, 'p.yaml'))).message).toMatch(/is not valid YAML at line \d/);
  });

  it('requires a real pseudonym key in production', () => {
    expect(() => loadEnv({ NODE_ENV: 'production' })).toThrow(/GOVFLOW_PSEUDONYM_KEY: expected a secret/);
    expect(() => loadEnv({ GOVFLOW_PSEUDONYM_KEY: 'short' })).toThrow(/at least 32 characters/);
    expect(loadEnv({}).databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/govflow');
    expect(loadEnv({ GOVFLOW_PSEUDONYM_KEY: 'x'.repeat(32) }).pseudonymKeyId).toBe('k1');
  });
});

describe('mail and webhook settings', () => {
  it('takes smtp:// and smtps:// SMTP_URLs and refuses anything else, naming the variable', () => {
    expect(loadEnv({}).smtpUrl).toBeUndefined();
    expect(loadEnv({ SMTP_URL: 'smtps://user:pw@mail.example:465' }).smtpUrl).toBe('smtps://user:pw@mail.example:465');
    expect(() => loadEnv({ SMTP_URL: 'mail.example:25' })).toThrow(/SMTP_URL: expected smtp:\/\//);
    expect(() => loadEnv({ GOVFLOW_ALERT_WEBHOOK_URL: 'hooks.slack.com/x' })).toThrow(/GOVFLOW_ALERT_WEBHOOK_URL: expected an http/);
  });

  it('keeps a skeleton policy valid: alerts, recipients and reports all have defaults', () => {
    const dir = files({ 'p.yaml': POLICY, 'g.yaml': 'policy: p.yaml\nsources:\n  - {name: a, kind: access, format: jsonl, path: a.jsonl}\n' });
    const { policy } = loadConfig(join(dir, 'g.yaml')).policy;
    expect(policy.recipients).toEqual({ compliance: [], alerts: [], escalation: [] });
    expect(policy.reports).toEqual({ trendRuns: 8, csvMaxRows: 10_000 });
    expect(policy.alerts).toMatchObject({ minSeverity: 'medium', minFindings: 1, channels: ['email', 'webhook'] });
  });

  it('names the field of a bad recipient or SLA', () => {
    const dir = files({
      'p.yaml': `${POLICY}recipients:\n  escalation: [not-an-address]\nalerts:\n  sla: {high: soon}\n`,
      'g.yaml': 'policy: p.yaml\nsources:\n  - {name: a, kind: access, format: jsonl, path: a.jsonl}\n',
    });
    expect(() => loadConfig(join(dir, 'g.yaml'))).toThrow(/recipients\.escalation\.0: expected an email address[\s\S]*alerts\.sla\.high: expected a duration|alerts\.sla\.high: expected a duration[\s\S]*recipients\.escalation\.0: expected an email address/);
  });
});

describe('the export section', () => {
  const SOURCES = 'policy: p.yaml\nsources:\n  - {name: a, kind: access, format: jsonl, path: a}\n';
  const load = (exportYaml: string) => {
    const dir = files({ 'p.yaml': POLICY, 'g.yaml': `${SOURCES}export:\n${exportYaml}` });
    return { dir, file: join(dir, 'g.yaml') };
  };

  it('is optional: without it there is no export target', () => {
    expect(loadConfig('govflow.yaml').export).toBeUndefined();
  });

  it('reads an S3 target with its defaults (AES256, virtual-hosted style, no prefix)', () => {
    const { file } = load('  target: s3\n  bucket: analytics-bucket\n  endpoint: http://127.0.0.1:9000\n');
    expect(loadConfig(file).export).toEqual({
      target: 's3', bucket: 'analytics-bucket', endpoint: 'http://127.0.0.1:9000', prefix: '', forcePathStyle: false, serverSideEncryption: 'AES256',
    });
  });

  it('resolves a folder target against the config file, defaulting to exports/', () => {
    const { dir, file } = load('  target: folder\n');
    expect(loadConfig(file).export).toEqual({ target: 'folder', path: join(dir, 'exports'), prefix: '' });
  });

  it('names the field and what was expected', () => {
    const message = (yaml: string) => errorOf(() => loadConfig(load(yaml).file)).message;
    expect(message('  target: gcs\n')).toContain('export.target: expected s3 or folder');
    expect(message('  target: s3\n')).toMatch(/export\.bucket: /);
    expect(message('  target: s3\n  bucket: Bad_Bucket\n')).toContain('export.bucket: expected an S3 bucket name');
    expect(message('  target: s3\n  bucket: b-1\n  endpoint: ftp://x\n')).toContain('export.endpoint: expected an http:// or https:// URL');
    expect(message('  target: s3\n  bucket: b-1\n  prefix: no-slash\n')).toContain('export.prefix: expected a key prefix');
    expect(message('  target: s3\n  bucket: b-1\n  serverSideEncryption: aws:kms\n')).toContain('export.kmsKeyId: expected a KMS key id exactly when serverSideEncryption is aws:kms');
    expect(message('  target: folder\n  bucket: b-1\n')).toMatch(/export: .*bucket/);
  });
});
