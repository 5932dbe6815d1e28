import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A PostgreSQL cluster of the chaos harness's own (initdb + pg_ctl on a free port), so it can be
// stopped and started mid-run without touching the machine's server. Run as root, the commands
// run as the `postgres` user (initdb refuses root).

export interface PgCluster {
  url: string;
  port: number;
  start(): void;
  stop(mode?: 'fast' | 'immediate'): void;
  restart(): void;
}

function pgBin(): string {
  const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/** Creates (initdb) and starts a cluster in `dir` listening on 127.0.0.1:`port` with trust auth. */
export function createCluster(dir: string, port: number): PgCluster {
  const bin = pgBin();
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : join(bin, cmd), asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'] });
  mkdirSync(dir, { recursive: true });
  const data = join(dir, 'data');
  if (asRoot) {
    chmodSync(dir, 0o777);
    mkdirSync(data, { recursive: true });
    execFileSync('chown', ['postgres:postgres', data]);
  }
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  writeFileSync(join(data, 'postgresql.auto.conf'), `port = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\nfsync = off\nmax_connections = 200\n`);
  const log = join(dir, 'postgres.log');
  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}`,
    port,
    start: () => void run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '120', 'start']),
    stop: (mode = 'fast') => void run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '120', 'stop']),
    restart: () => {
      cluster.stop('immediate');
      cluster.start();
    },
  };
  cluster.start();
  return cluster;
}
