import { z } from 'zod';

// The header of a syslog line as the producers on current hosts write it, for every format whose
// records travel by syslog (sshd, sudo, ...). Three shapes are read:
//
//   RFC 3164 (BSD syslog; rsyslog's RSYSLOG_TraditionalFileFormat, syslog-ng's default):
//     Nov 20 10:14:03 host prog[pid]: msg          (day padded with a space: "Nov  5")
//     <38>Nov 20 10:14:03 host prog: msg           (with the PRI a relay may keep)
//     Nov 20 2026 10:14:03 host prog: msg           (with a year, as syslog-ng/Cisco write it)
//   RFC 3339 timestamps (rsyslog's RSYSLOG_FileFormat, the default of Debian 12+ and Ubuntu 24.04+):
//     2026-11-20T11:14:03.902115+01:00 host prog[pid]: msg     (also ...Z)
//   RFC 5424 (syslog protocol: rsyslog's RSYSLOG_SyslogProtocol23Format, syslog-ng's syslog()):
//     <38>1 2026-11-20T10:14:03.003Z host app procid msgid [id k="v"] msg    ("-" for nil values)
//
// A timestamp with a zone is used as written; only a zone-less one (RFC 3164) takes the source's
// `timezone`. RFC 3164 carries no year unless the writer adds one: such a line takes the source's
// `year`, and without one it is quarantined with that reason (a config cannot know beforehand
// which header shape a file holds: Debian 12 hosts write years, older ones do not).

/** Source options every syslog-borne format accepts, merged into its own option schema. */
export const syslogClockOptions = {
  year: z
    .number({ message: 'expected the year the log was written, e.g. 2024 (needed for RFC 3164 lines, which carry none)' })
    .int()
    .min(1970)
    .max(2100)
    .optional(),
  timezone: z
    .string()
    .regex(/^[+-]\d{2}:\d{2}$|^Z$/, 'expected an offset such as +00:00 or Z')
    .default('Z'),
};

/** How zone-less and year-less timestamps are completed (the source's options). */
export interface SyslogClock {
  /** The year of RFC 3164 lines that carry none; without it such lines are quarantined. */
  year?: number | undefined;
  /** The UTC offset of zone-less timestamps, "+01:00" or "Z". */
  timezone: string;
}

export type SyslogStyle = 'rfc3164' | 'rfc3339' | 'rfc5424';

export interface SyslogHeader {
  style: SyslogStyle;
  /** The instant in UTC, ISO-8601 with the fraction as written (up to microseconds): 2026-11-20T10:14:03.902115Z. */
  time: string;
  /** PRI's facility (0–23) and severity (0–7), when the line carries a PRI. */
  facility: number | null;
  severity: number | null;
  /** HOSTNAME, or null when the writer left it out (nil "-" in RFC 5424). */
  host: string | null;
  /** The TAG's program name (RFC 3164) or APP-NAME (RFC 5424); null when absent. */
  program: string | null;
  /** The TAG's [pid] or PROCID, as written (usually decimal digits); null when absent. */
  pid: string | null;
  /** RFC 5424 MSGID, else null. */
  msgid: string | null;
  /** RFC 5424 STRUCTURED-DATA by SD-ID, params unescaped; null when nil or not RFC 5424. */
  structuredData: Record<string, Record<string, string>> | null;
  /** The MSG, after the tag's ": " (leading spaces kept: sudo pads its messages). */
  message: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const PRI = /^<(\d{1,3})>/;
// RFC 5424 HEADER after PRI: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP.
const RFC5424 = /^(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) /;
const RFC3339_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;
// RFC 3164 TIMESTAMP, optionally with a year before the time ("Nov 20 2026 10:14:03") or before
// the month ("2026 Nov 20 10:14:03"), and an optional fraction.
const RFC3164_TIME =
  /^(?:(\d{4}) )?([A-Z][a-z]{2}) +(\d{1,2}) (?:(\d{4}) )?(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: |$)/;
// TAG: a program name (no blank, "[" or ":"), an optional [pid], a colon, then a blank or the end.
const TAG = /^([^\s[\]:]{1,128})(?:\[([^\]\s]{0,32})\])?:(?: |$)/;
// Solaris syslogd's message id, written between the tag and the message: "[ID 800047 auth.info] ".
const SOLARIS_MSGID = /^\[ID \d+ [\w.]+\] /;

/**
 * Reads the syslog header of one line (see the shapes above).
 *
 * @returns the header fields, the time as a UTC instant (microseconds kept), or `{ error }` with a
 *   person-readable reason (not a syslog line, an impossible date, an RFC 3164 line without a
 *   year when the source gives none). Never throws.
 */
export function parseSyslogHeader(line: string, clock: SyslogClock): SyslogHeader | { error: string } {
  let rest = line;
  let facility: number | null = null;
  let severity: number | null = null;
  const pri = PRI.exec(rest);
  if (pri) {
    const value = Number(pri[1]);
    if (value > 191) return { error: `syslog PRI <${pri[1]}> out of range (0–191)` };
    facility = value >> 3;
    severity = value & 7;
    rest = rest.slice(pri[0].length);
    const v5424 = RFC5424.exec(rest);
    if (v5424 && v5424[1] !== '0') return rfc5424(rest, v5424, facility, severity);
  }

  // RFC 3339 timestamp (rsyslog's file format since Debian 12).
  const firstSpace = rest.indexOf(' ');
  const firstToken = firstSpace < 0 ? rest : rest.slice(0, firstSpace);
  if (/^\d{4}-\d{2}-\d{2}[Tt]/.test(firstToken)) {
    const time = rfc3339(firstToken, clock);
    if ('error' in time) return time;
    return { style: 'rfc3339', time: time.value, facility, severity, ...hostTagMessage(rest.slice(firstToken.length + 1)) };
  }

  const t = RFC3164_TIME.exec(rest);
  if (!t) return { error: 'not a syslog line (no RFC 3164, RFC 3339 or RFC 5424 timestamp)' };
  const month = MONTHS.indexOf(t[2]!) + 1;
  if (month === 0) return { error: `unknown month "${t[2]}"` };
  const written = t[1] ?? t[4];
  const year = written !== undefined ? Number(written) : clock.year;
  if (year === undefined) {
    return { error: 'RFC 3164 syslog line without a year: set the source\'s options.year (the year the log was written)' };
  }
  const time = utcInstant(year, month, Number(t[3]), Number(t[5]), Number(t[6]), Number(t[7]), t[8], offsetMinutes(clock.timezone));
  if ('error' in time) return time;
  return { style: 'rfc3164', time: time.value, facility, severity, ...hostTagMessage(rest.slice(t[0].length)) };
}

function rfc5424(rest: string, h: RegExpExecArray, facility: number, severity: number): SyslogHeader | { error: string } {
  const nil = (v: string) => (v === '-' ? null : v);
  if (h[2] === '-') return { error: 'RFC 5424 line without a timestamp (nil "-")' };
  const time = rfc3339(h[2]!, { timezone: 'Z' });
  if ('error' in time) return time;
  if (!/([Zz]|[+-]\d{2}:?\d{2})$/.test(h[2]!)) return { error: `RFC 5424 timestamp "${h[2]}" without a zone` };
  const sd = structuredData(rest.slice(h[0].length));
  if ('error' in sd) return sd;
  // MSG may start with a UTF-8 byte-order mark (RFC 5424 §6.4).
  const message = sd.rest.startsWith('\uFEFF') ? sd.rest.slice(1) : sd.rest;
  return {
    style: 'rfc5424', time: time.value, facility, severity,
    host: nil(h[3]!), program: nil(h[4]!), pid: nil(h[5]!), msgid: nil(h[6]!), structuredData: sd.value, message,
  };
}

/** STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT (RFC 5424 §6.3), then an optional SP MSG. */
function structuredData(text: string): { value: Record<string, Record<string, string>> | null; rest: string } | { error: string } {
  if (text === '-' || text.startsWith('- ')) return { value: null, rest: text.slice(2) };
  if (!text.startsWith('[')) return { error: 'malformed RFC 5424 structured data (expected "-" or "[")' };
  const value: Record<string, Record<string, string>> = {};
  let i = 0;
  while (text[i] === '[') {
    const id = /^\[([^\s=\]"]{1,32})/.exec(text.slice(i));
    if (!id) return { error: 'malformed RFC 5424 structured data (bad SD-ID)' };
    i += id[0].length;
    const params: Record<string, string> = {};
    while (text[i] === ' ') {
      const name = /^ ([^\s=\]"]{1,32})="/.exec(text.slice(i));
      if (!name) return { error: 'malformed RFC 5424 structured data (bad SD-PARAM)' };
      i += name[0].length;
      let v = '';
      for (;;) {
        const c = text[i];
        if (c === undefined) return { error: 'malformed RFC 5424 structured data (unterminated PARAM-VALUE)' };
        i += 1;
        if (c === '"') break;
        // Inside PARAM-VALUE only '"', '\' and ']' are escaped; any other backslash is literal.
        if (c === '\\' && (text[i] === '"' || text[i] === '\\' || text[i] === ']')) {
          v += text[i];
          i += 1;
        } else v += c;
      }
      params[name[1]!] = v;
    }
    if (text[i] !== ']') return { error: 'malformed RFC 5424 structured data (missing "]")' };
    i += 1;
    value[id[1]!] = params;
  }
  if (i < text.length && text[i] !== ' ') return { error: 'malformed RFC 5424 structured data (no space before MSG)' };
  return { value, rest: text.slice(i + 1) };
}

function hostTagMessage(text: string): Pick<SyslogHeader, 'host' | 'program' | 'pid' | 'msgid' | 'structuredData' | 'message'> {
  let host: string | null = null;
  let rest = text;
  // Some writers leave the HOSTNAME out ("Nov 20 10:14:03 sshd[7]: ..."): a first token that is
  // already a tag (it ends in ":"; a host name never does) is the tag.
  if (!TAG.test(rest) || !/^\S+:(?: |$)/.test(rest)) {
    const sp = rest.indexOf(' ');
    host = sp < 0 ? rest : rest.slice(0, sp);
    rest = sp < 0 ? '' : rest.slice(sp + 1);
  }
  let program: string | null = null;
  let pid: string | null = null;
  const tag = TAG.exec(rest);
  if (tag) {
    program = tag[1]!;
    pid = tag[2] || null;
    rest = rest.slice(tag[0].length);
  }
  const solaris = SOLARIS_MSGID.exec(rest);
  if (solaris) rest = rest.slice(solaris[0].length);
  return { host: host || null, program, pid, msgid: null, structuredData: null, message: rest };
}

/** An RFC 3339 timestamp; zone-less ones take the clock's offset. */
function rfc3339(text: string, clock: SyslogClock): { value: string } | { error: string } {
  const m = RFC3339_TIME.exec(text);
  if (!m) return { error: `unparseable timestamp "${text.slice(0, 40)}"` };
  const offset = m[8] ? 0 : m[9] ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) : offsetMinutes(clock.timezone);
  if (m[10] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return { error: `impossible zone offset in "${text}"` };
  return utcInstant(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), m[7], offset);
}

function offsetMinutes(zone: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/**
 * A wall-clock time at a UTC offset as a UTC ISO-8601 instant, keeping up to six fraction digits
 * (Date would round to milliseconds, and rsyslog writes microseconds). Checks the calendar:
 * Date itself would turn 30 February into 2 March. A leap second (:60) is read as :59.
 */
export function utcInstant(
  year: number, month: number, day: number, hour: number, minute: number, second: number,
  fraction: string | undefined, offsetMin: number,
): { value: string } | { error: string } {
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  // (Date.UTC would read years 0–99 as 1900–1999.)
  if (year < 1900 || year > 9999) return { error: `implausible year ${year}` };
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60) {
    return { error: `impossible date or time ${year}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}:${pad(second)}` };
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59)) - offsetMin * 60_000;
  const iso = new Date(ms).toISOString().slice(0, 19);
  const frac = fraction ? `.${fraction.slice(0, 6)}` : '';
  return { value: `${iso}${frac}Z` };
}

const pad = (n: number) => String(n).padStart(2, '0');
