import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../config/config';

// No Docker engine runs on these machines, so the stack is validated, not started: with
// `docker compose config` where the plugin exists, and always by a structural check.

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  command?: string[];
  entrypoint?: string[];
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, Service> };
const services = compose.services;

// Probed once: without the compose plugin the first test is reported as skipped (not passed), and
// the structural checks below still run.
const composePlugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;

describe('docker-compose.yml', () => {
  it.skipIf(!composePlugin)('is accepted by docker compose (needs the compose plugin)', () => {
    const r = spawnSync('docker', ['compose', 'config', '--quiet'], {
      encoding: 'utf8',
      env: { ...process.env, GOVFLOW_PSEUDONYM_KEY: 'x'.repeat(32), GOVFLOW_VAULT_KEY: 'y'.repeat(32), MINIO_KMS_SECRET_KEY: `k:${'z'.repeat(44)}` },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('has Postgres, Temporal on Postgres, the UI, a mail catcher and the worker', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'mailcatcher', 'worker']));
    expect(services.temporal!.image).toMatch(/^temporalio\/auto-setup:/);
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
    expect(services['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it("has Prometheus scraping the worker's metrics port", () => {
    const prometheus = services.prometheus!;
    expect(prometheus.image).toMatch(/^prom\/prometheus:/);
    expect(services.worker!.environment!.GOVFLOW_METRICS_PORT).toBe('9464');
    const mount = (prometheus as { volumes?: string[] }).volumes!.find((v) => v.endsWith(':/etc/prometheus/prometheus.yml:ro'))!;
    const config = parse(readFileSync(mount.split(':')[0]!, 'utf8')) as { scrape_configs: Array<{ metrics_path: string; static_configs: Array<{ targets: string[] }> }> };
    expect(config.scrape_configs[0]!.metrics_path).toBe('/metrics');
    expect(config.scrape_configs[0]!.static_configs[0]!.targets).toEqual(['worker:9464']);
  });

  it('publishes the ports the README names', () => {
    const ports = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(ports).toEqual(expect.arrayContaining(['5432:5432', '7233:7233', '8080:8080', '8025:8025', '1025:1025', '9090:9090']));
  });

  it('gives every long-running service a healthcheck and orders start-up on health', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'mailcatcher', 'worker', 'prometheus']) {
      expect(services[name]!.healthcheck?.test?.length, name).toBeGreaterThan(0);
    }
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(services[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        expect(['service_healthy', 'service_completed_successfully']).toContain(condition);
      }
    }
  });

  it('builds the worker from the Dockerfile and configures it from the environment', () => {
    const worker = services.worker!;
    expect(worker.build).toBe('.');
    expect(existsSync('Dockerfile')).toBe(true);
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/CMD \["node", "bin\/govflow.mjs", "worker"\]/);
    expect(Object.keys(worker.environment!)).toEqual(expect.arrayContaining(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'GOVFLOW_PSEUDONYM_KEY']));
    expect(worker.environment!.DATABASE_URL).toContain('@postgres:5432/govflow');
    expect(worker.depends_on!.migrate!.condition).toBe('service_completed_successfully');
  });

  it('exports to the MinIO bucket it creates, with the worker holding its credentials', () => {
    const worker = services.worker!;
    const config = loadConfig(worker.environment!.GOVFLOW_CONFIG!);
    expect(config.export).toMatchObject({ target: 's3', endpoint: 'http://minio:9000', forcePathStyle: true });
    const bucket = config.export!.target === 's3' ? config.export!.bucket : '';
    expect(services.minio!.image).toMatch(/^minio\/minio:/);
    expect(services.minio!.ports).toEqual(expect.arrayContaining(['9000:9000']));
    // SSE-S3 (which govflow requests) needs MinIO's KMS key.
    expect(Object.keys(services.minio!.environment!)).toContain('MINIO_KMS_SECRET_KEY');
    expect(services['minio-bucket']!.entrypoint!.join(' ')).toContain(`mc mb --ignore-existing local/${bucket}`);
    expect(worker.depends_on!['minio-bucket']!.condition).toBe('service_completed_successfully');
    expect(worker.environment!.AWS_ACCESS_KEY_ID).toBe(services.minio!.environment!.MINIO_ROOT_USER);
    expect(worker.environment!.AWS_SECRET_ACCESS_KEY).toBe(services.minio!.environment!.MINIO_ROOT_PASSWORD);
  });
});
