import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

// A loopback TCP proxy a test can cut, to do to its clients what a server restart does: every open
// connection is reset, and new ones are refused until it comes back (on the same port).

export interface TcpProxy {
  port: number;
  /** Resets every open connection and refuses new ones for `ms`; resolves once it accepts again. */
  outage(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const s of [client, upstream]) {
          open.add(s);
          s.on('close', () => open.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  let server = await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = () => {
    for (const s of open) s.resetAndDestroy();
    return new Promise<void>((r) => server.close(() => r()));
  };
  return {
    port,
    async outage(ms) {
      await stop();
      await new Promise((r) => setTimeout(r, ms));
      server = await listen(port);
    },
    close: stop,
  };
}
