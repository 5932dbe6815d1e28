import { createServer, type Server } from 'node:http';
import { startMailCatcher, type CaughtMessage, type MailCatcher } from '../../cli/mail-catcher';

// The two receivers a run delivers to, each able to fail on purpose: a real SMTP server (the mail
// catcher the tests use) that can stop listening, so connections are refused, and come back on
// the same port; and a webhook endpoint that answers 500 while told to, then 200 again.

export class FlakySmtp {
  private catcher?: MailCatcher;
  /** Messages caught by catchers since stopped (an outage closes one and starts another). */
  private earlier: CaughtMessage[] = [];
  private constructor(readonly port: number) {}

  static async start(port: number): Promise<FlakySmtp> {
    const s = new FlakySmtp(port);
    await s.up();
    return s;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    if (this.catcher) return;
    this.catcher = await startMailCatcher({ port: this.port });
  }

  /** Every message received since the last reset, across outages. */
  get messages(): CaughtMessage[] {
    return [...this.earlier, ...(this.catcher?.messages ?? [])];
  }

  /** Stops listening: connections are refused until up(). */
  async down(): Promise<void> {
    const c = this.catcher;
    this.catcher = undefined;
    if (c) this.earlier.push(...c.messages);
    await c?.close();
  }

  reset(): void {
    this.earlier = [];
    this.catcher?.messages.splice(0);
  }

  /** Messages per Message-ID header. */
  perMessageId(): Map<string, number> {
    const out = new Map<string, number>();
    for (const m of this.messages) {
      const id = /^message-id:\s*(\S+)/im.exec(m.raw.toString('utf8'))?.[1] ?? '(none)';
      out.set(id, (out.get(id) ?? 0) + 1);
    }
    return out;
  }
}

export class FlakyWebhook {
  failing = false;
  accepted: string[] = [];
  refused = 0;
  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(port: number): Promise<FlakyWebhook> {
    let hook: FlakyWebhook | undefined;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (hook!.failing) {
          hook!.refused++;
          res.writeHead(500).end('chaos: failing on purpose');
          return;
        }
        hook!.accepted.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    hook = new FlakyWebhook(server, port);
    return hook;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  reset(): void {
    this.accepted = [];
    this.refused = 0;
    this.failing = false;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
