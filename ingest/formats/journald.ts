import { z } from 'zod';
import { bad, parseObject, skip, type Format, type Parsed } from './types';
import { interpretAuthMessage } from './sshd';

// The systemd journal as `journalctl -o json` writes it (also `-o json-seq`, whose records start
// with an RS character): one JSON object per entry, every field a string, per systemd's "Journal
// JSON Format" (systemd.io/JOURNAL_EXPORT_FORMATS):
//   __REALTIME_TIMESTAMP   when journald received the entry, microseconds since the epoch (a string)
//   __CURSOR               the entry's unique position in the journal: its event id, so an export
//                          that overlaps an earlier one loads nothing twice
//   SYSLOG_IDENTIFIER      the program's syslog tag (sshd, sshd-session, sudo); else _COMM
//   SYSLOG_PID, _PID       the process (SYSLOG_PID is what the program stated; else the trusted _PID)
//   _HOSTNAME, MESSAGE, PRIORITY
// A field that is not valid UTF-8 (or holds control characters) is an array of byte values; a
// field present several times is an array of its values; one larger than 4 KiB is null unless
// journalctl ran with --all. The message is interpreted as the `sshd` format does (OpenSSH and
// sudo, see sshd.ts): this is how authentication events leave hosts that keep no auth.log.

const options = z.strictObject({}).prefault({});

const decoder = new TextDecoder('utf-8', { fatal: false });

/** A journal field's text: a string, or UTF-8 bytes (invalid sequences become U+FFFD). */
export function journalText(value: unknown, name: string): { text: string | null } | { error: string } {
  if (value === undefined) return { text: null };
  if (value === null) return { error: `${name} omitted by journalctl (larger than 4 KiB: export with --all)` };
  if (typeof value === 'string') return { text: value };
  // Shippers that re-serialise the journal (Vector, Fluent Bit) may write numbers as numbers.
  if (typeof value === 'number' && Number.isFinite(value)) return { text: String(value) };
  if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    return { text: decoder.decode(Uint8Array.from(value as number[])) };
  }
  if (Array.isArray(value)) return { error: `${name} has several values` };
  return { error: `${name} is not text` };
}

/** __REALTIME_TIMESTAMP (µs since the epoch, decimal string) as a UTC ISO-8601 instant with microseconds. */
export function realtimeToIso(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const s = String(value);
  if (!/^\d{1,17}$/.test(s)) return null;
  const us = s.padStart(7, '0');
  const seconds = Number(us.slice(0, -6));
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() > 9999) return null;
  return `${d.toISOString().slice(0, 19)}.${us.slice(-6)}Z`;
}

export const journaldFormat: Format<typeof options> = {
  name: 'journald',
  kinds: ['audit'],
  options,
  create() {
    return {
      parse(text): Parsed {
        const j = parseObject(text.startsWith('\x1e') ? text.slice(1) : text);
        if ('error' in j) return bad(j.error);
        const e = j.value;
        const fields: Record<string, string | null> = {};
        for (const name of ['SYSLOG_IDENTIFIER', '_COMM', 'SYSLOG_PID', '_PID', '_HOSTNAME', '__CURSOR']) {
          const t = journalText(e[name], name);
          if ('error' in t) return bad(t.error);
          fields[name] = t.text;
        }
        const program = fields.SYSLOG_IDENTIFIER || fields._COMM;
        if (!program) return skip('journal entry without SYSLOG_IDENTIFIER or _COMM');
        const time = realtimeToIso(e.__REALTIME_TIMESTAMP);
        if (time === null) return bad('missing or malformed __REALTIME_TIMESTAMP (expected microseconds since the epoch)');
        const message = journalText(e.MESSAGE, 'MESSAGE');
        if ('error' in message) return bad(message.error);
        if (message.text === null) return skip('journal entry without MESSAGE');
        const parsed = interpretAuthMessage({
          time, host: fields._HOSTNAME ?? null, program, pid: fields.SYSLOG_PID || fields._PID || null,
          message: message.text.replace(/\n+$/, ''),
        });
        if (parsed.ok !== true || !fields.__CURSOR) return parsed;
        const cursor = fields.__CURSOR;
        const many = parsed.objects.length > 1;
        return { ok: true, objects: parsed.objects.map((o, i) => ({ ...o, event_id: many ? `${cursor}#${i + 1}` : cursor })) };
      },
    };
  },
};
