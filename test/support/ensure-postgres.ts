import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import pg from 'pg';

// Tests need the machine's PostgreSQL. If it is installed but stopped (a fresh boot), start it the
// way Debian does, rather than failing every test with ECONNREFUSED.

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export async function ensurePostgres(baseUrl: string, log: (l: string) => void): Promise<void> {
  const url = `${baseUrl}/postgres`;
  if (await reachable(url)) return;
  let versions: string[] = [];
  try {
    versions = readdirSync('/etc/postgresql');
  } catch {
    // not a Debian-packaged PostgreSQL: nothing we can start
  }
  if (versions.length === 0) throw new Error(`PostgreSQL is not reachable at ${baseUrl}; start it or set TEST_PG_URL`);
  log(`PostgreSQL not reachable at ${baseUrl}: starting cluster ${versions[0]}/main`);
  spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0]!, 'main', 'start'], { stdio: 'inherit' });
  for (let i = 0; i < 30; i++) {
    if (await reachable(url)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`PostgreSQL did not come up at ${baseUrl}`);
}
