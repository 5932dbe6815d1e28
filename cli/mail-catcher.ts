import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

// A local SMTP server that accepts every message and keeps it: as an .eml file under a folder
// (for `govflow dev`, so a person can open the demo run's emails) and in memory (for tests, which
// assert on what was really sent over SMTP). No authentication, loopback only.

export interface CaughtMessage {
  raw: Buffer;
  from: string;
  to: string[];
  /** Whether the session was TLS (smtps://, or upgraded with STARTTLS). */
  secure: boolean;
  file?: string;
}

export interface MailCatcher {
  /** The SMTP_URL that reaches it. */
  url: string;
  port: number;
  messages: CaughtMessage[];
  close(): Promise<void>;
}

export async function startMailCatcher(opts: { port?: number; dir?: string; secure?: boolean } = {}): Promise<MailCatcher> {
  const messages: CaughtMessage[] = [];
  if (opts.dir) mkdirSync(opts.dir, { recursive: true });
  const server = new SMTPServer({
    secure: opts.secure ?? false,
    // Plain smtp:// stays plain: offering STARTTLS with a self-signed certificate would make
    // clients that verify certificates give up.
    hideSTARTTLS: !opts.secure,
    // smtp-server's built-in self-signed certificate serves both smtps:// and STARTTLS here.
    authOptional: true,
    disabledCommands: ['AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const message: CaughtMessage = {
          raw,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
        };
        if (opts.dir) {
          const id = /^message-id:\s*<([^>]+)>/im.exec(raw.toString('utf8', 0, Math.min(raw.length, 16_384)))?.[1] ?? `${Date.now()}`;
          const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
          message.file = join(opts.dir, `${stamp}-${id.replace(/[^A-Za-z0-9.@-]/g, '_')}.eml`);
          writeFileSync(message.file, raw);
        }
        messages.push(message);
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  const url = opts.secure ? `smtps://127.0.0.1:${port}?tls.rejectUnauthorized=false` : `smtp://127.0.0.1:${port}`;
  return {
    url,
    port,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
