import { simpleParser, type ParsedMail } from 'mailparser';
import type { CaughtMessage } from '../../cli/mail-catcher';

// What tests read from the real SMTP server: the parsed MIME of each caught message.

export interface Caught extends ParsedMail {
  envelopeTo: string[];
  secure: boolean;
}

export async function parseCaught(messages: CaughtMessage[]): Promise<Caught[]> {
  return Promise.all(
    messages.map(async (m) => Object.assign(await simpleParser(m.raw), { envelopeTo: m.to, secure: m.secure })),
  );
}

export function header(mail: ParsedMail, name: string): string | undefined {
  const v = mail.headers.get(name.toLowerCase());
  return v === undefined ? undefined : String(v);
}

/** Polls until `probe` returns something truthy: mail and webhooks arrive asynchronously. */
export async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
