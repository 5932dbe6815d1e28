import { z } from 'zod';
import { addressOrHost, bad, skip, type CanonicalObject, type Format, type Parsed } from './types';
import { parseSyslogHeader, syslogClockOptions } from './syslog-header';

// OpenSSH authentication lines, and the privileged commands run through sudo, as they reach an
// auth log: /var/log/auth.log, /var/log/secure (format `sshd`, any syslog header, see
// syslog-header.ts) or the journal (format `journald`, see journald.ts). Both read the message
// with interpretAuthMessage below.
//
// The message catalogue is OpenSSH's own (openssh-portable, auth.c auth_log() /
// auth_maxtries_exceeded() / getpwnamallow() / allowed_user(), auth2.c, packet.c
// sshpkt_vfatal(), auth-pam.c), cross-checked with fail2ban's filter.d/sshd.conf and its test log:
//
//   Failed <method>[/<submethod>] for [invalid user ]<user> from <addr> port <n> ssh2[: <key info>]
//       → ssh.login failed (one authentication attempt; OpenSSH counts it towards MaxAuthTries),
//         except "Failed none": the initial "none" probe, which OpenSSH does not count (skipped)
//   Accepted <method> for <user> from <addr> port <n> ssh2[: <key info>]   → ssh.login success
//   Invalid user <user> from <addr>[ port <n>]                    → ssh.invalid_user denied
//   User <user> from <host> not allowed because <reason>          → ssh.user_not_allowed denied
//   User <user> not allowed because account is locked | shell …   → ssh.user_not_allowed denied
//       These two are the user lookup at a connection's first request: the failures of that
//       connection follow as "Failed … for invalid user …". They carry details.userLookup, and the
//       audit rules count such a lookup as an attempt only when its connection logged no failure
//       of its own (audit/rules/attempts.ts), so one attempt is never counted twice.
//   Partial/Postponed …, ROOT LOGIN REFUSED, maximum authentication attempts exceeded,
//   Disconnecting …: Too many authentication failures, PAM's "authentication failure" lines
//       → skipped: a step of a multi-factor login, or a restatement of failures logged on their own
//   Connection closed/reset by …, Disconnected from …, Received disconnect …, Connection from …,
//   Did not receive identification string, banner exchange, kex_exchange_identification, …
//       → skipped: connection-level, no authentication outcome
//
// The user name is the client's to choose and OpenSSH logs it verbatim (printable, spaces and
// all; only ':' cannot occur: auth2.c cuts the user at ':' to read a BSD auth style). So the
// client's address and port are read from the END of the message: the last " from <addr> port <n>"
// before the tail that OpenSSH writes itself, and not after the first ':' (where key info, itself
// partly client-chosen, begins). Nothing in a user name can move the recorded address or port.
//
// The process is `sshd`, `sshd-session` (OpenSSH 9.8+: the per-connection process) or
// `sshd-auth` (OpenSSH 10: the pre-authentication process).

const options = z.strictObject(syslogClockOptions);

/** The process names OpenSSH's server logs under (9.8 split sshd-session, 10.0 sshd-auth off sshd). */
export const SSHD_PROGRAMS: ReadonlySet<string> = new Set(['sshd', 'sshd-session', 'sshd-auth']);

/** One auth-log entry, whatever carried it (a syslog line, a journal record). */
export interface AuthLogEntry {
  /** ISO-8601 instant with a zone. */
  time: string;
  host: string | null;
  /** Process name (syslog tag, SYSLOG_IDENTIFIER); a path is reduced to its last part. */
  program: string | null;
  pid: string | null;
  message: string;
}

// rsyslog's repeated-message reduction: the previous message occurred N more times.
const REPEATED = /^message repeated (\d+) times: \[ ?(.*)\]$/;
// "error: ", "fatal: " and "error: PAM: " prefixes (log.c writes the level for error and fatal).
const LEVEL_PREFIX = /^(?:error|fatal|warning): /;

// The user, when OpenSSH wrote it: no ':' (see above). Greedy, so the last " from … port …" wins.
const USER = '([^:]*)';
// The same, for lines an sshd-alike wrote with a ':' in the user (greedy, anchored at the end).
const ANY_USER = '(.*)';
const endpoint = (user: string, tail: string) =>
  new RegExp(`^(Failed|Accepted|Partial|Postponed) (\\S+) for (?:(invalid|illegal) user )?${user} from (\\S+?)(?: port (\\d+))?(?: on \\S+ port \\d+)?${tail}$`);
const AUTH_TAIL = '(?: ssh\\d*)?(?:(?::| \\[preauth\\])(?: .*)?)?';
const AUTH = [endpoint(USER, AUTH_TAIL), endpoint(ANY_USER, '(?: ssh\\d*)?(?: \\[preauth\\])?')];
const INVALID = [USER, ANY_USER].map((u) => new RegExp(`^(?:Invalid|Illegal) user ${u} from (\\S+?)(?: port (\\d+))?(?: \\[preauth\\])?$`));
const NOT_ALLOWED = [USER, ANY_USER].map(
  (u) => new RegExp(`^User ${u} from (\\S+) not allowed because (not listed in AllowUsers|listed in DenyUsers|not in any group|a group is listed in DenyGroups|none of user's groups are listed in AllowGroups)(?: \\[preauth\\])?$`),
);
const NOT_ALLOWED_LOCAL = /^User (.*) not allowed because (account is locked|shell .* (?:does not exist|is not executable))(?: \[preauth\])?$/;

const SKIPS: Array<[RegExp, string]> = [
  [/^(?:Partial|Postponed) /, 'sshd partial or postponed authentication (a step of a login, not its outcome)'],
  [/^(?:ROOT LOGIN REFUSED|maximum authentication attempts exceeded|Disconnecting\b.*Too many authentication failures|input_userauth_request: (?:invalid|illegal) user)/i,
    'sshd line restating failures logged on their own lines'],
  [/^(?:pam_\w+\(sshd:auth\)|PAM(?: \d+ more)? authentication failures?|PAM: |PAM service\(sshd\))/, 'PAM line about an attempt sshd logs itself'],
];
const NOT_OUTCOME = 'sshd line that is not an authentication outcome';

const SUDO_PROGRAMS: ReadonlySet<string> = new Set(['sudo']);

/**
 * Interprets one OpenSSH or sudo message (the catalogue above).
 *
 * @returns the audit events (canonical objects with time, actor, action, target, outcome,
 *   source_ip, details), a skip with its reason for messages that are not authentication outcomes
 *   or come from other programs, or a rejection with a reason. Never throws.
 */
export function interpretAuthMessage(entry: AuthLogEntry): Parsed {
  const program = entry.program ? entry.program.slice(entry.program.lastIndexOf('/') + 1) : null;
  if (program === null) return skip('syslog line without a program name');
  let message = entry.message;
  let times = 1;
  const repeated = REPEATED.exec(message);
  if (repeated) {
    times = Number(repeated[1]);
    if (!(times >= 1 && times <= 100_000)) return bad(`implausible repeat count ${repeated[1]}`);
    message = repeated[2]!;
  }
  const parsed = SUDO_PROGRAMS.has(program) ? sudo(entry, message) : SSHD_PROGRAMS.has(program) ? sshd(entry, program, message) : skip(`not sshd (${program})`);
  if (times === 1 || parsed.ok !== true) return parsed;
  return { ok: true, objects: Array.from({ length: times }, () => parsed.objects).flat() };
}

function sshd(entry: AuthLogEntry, program: string, raw: string): Parsed {
  const message = raw.trimEnd().replace(LEVEL_PREFIX, '');
  const pid = entry.pid !== null && /^\d+$/.test(entry.pid) ? Number(entry.pid) : null;
  const event = (actor: string, action: string, outcome: string, from: string, port: string | undefined, extra: Record<string, unknown>): Parsed => {
    const { source_ip, source_host } = addressOrHost(from);
    // The connection's identity: OpenSSH logs a connection's lines from one process (the privsep
    // monitor; sshd-session from 9.8), so host and pid name it while it lasts.
    const connection = pid !== null ? `${entry.host ?? ''}#${pid}` : null;
    const details: Record<string, unknown> = {
      host: entry.host, program, pid, port: port ? Number(port) : null, ...(source_host ? { source_host } : {}),
      ...(connection ? { connection } : {}), ...extra,
    };
    const obj: CanonicalObject = { time: entry.time, actor: actor || null, action, target: entry.host, outcome, source_ip, details };
    return { ok: true, objects: [obj] };
  };

  for (const re of AUTH) {
    const m = re.exec(message);
    if (!m) continue;
    const [, verb, method, invalid, user, from, port] = m;
    if (verb === 'Partial' || verb === 'Postponed') break;
    if (verb === 'Failed' && method === 'none') return skip('sshd "none" probe (OpenSSH does not count it as a failed attempt)');
    return event(user!, 'ssh.login', verb === 'Accepted' ? 'success' : 'failed', from!, port, {
      method, ...(verb === 'Failed' ? { invalidUser: Boolean(invalid) } : {}),
    });
  }
  for (const re of INVALID) {
    const m = re.exec(message);
    if (m) return event(m[1]!, 'ssh.invalid_user', 'denied', m[2]!, m[3], { userLookup: true });
  }
  for (const re of NOT_ALLOWED) {
    const m = re.exec(message);
    if (m) return event(m[1]!, 'ssh.user_not_allowed', 'denied', m[2]!, undefined, { userLookup: true, reason: m[3] });
  }
  const local = NOT_ALLOWED_LOCAL.exec(message);
  if (local) return event(local[1]!, 'ssh.user_not_allowed', 'denied', '', undefined, { userLookup: true, reason: local[2]!.slice(0, 200) });
  for (const [re, reason] of SKIPS) if (re.test(message)) return skip(reason);
  return skip(NOT_OUTCOME);
}

// sudo's sudoers log line (sudo 1.8–1.9, plugins/sudoers/logging.c):
//   <user> : [<problem> ; ]TTY=<tty> ; PWD=<dir> ; USER=<runas> ; [GROUP=… ; ][TSID=… ; ][ENV=… ; ]COMMAND=<cmd>
// A problem ("command not allowed", "user NOT in sudoers", "3 incorrect password attempts", …)
// makes the command denied.
function sudo(entry: AuthLogEntry, message: string): Parsed {
  const m = /^\s*(\S+) : (.*)$/.exec(message);
  const body = m?.[2] ?? '';
  const sep = body.indexOf(' ; COMMAND=');
  const at = body.startsWith('COMMAND=') ? 0 : sep >= 0 ? sep + 3 : -1;
  if (!m || at < 0) return skip('sudo line that is not a command');
  const fields: Record<string, string> = {};
  const problems: string[] = [];
  for (const part of body.slice(0, at).split(' ; ')) {
    const p = part.trim();
    if (!p) continue;
    const kv = /^([A-Z]+)=(.*)$/.exec(p);
    if (kv) fields[kv[1]!] = kv[2]!;
    else problems.push(p);
  }
  if (!fields.USER) return skip('sudo line that is not a command');
  return {
    ok: true,
    objects: [{
      time: entry.time, actor: m[1], action: 'sudo.command', target: fields.USER, outcome: problems.length ? 'denied' : 'success',
      details: {
        host: entry.host, tty: fields.TTY ?? null, command: body.slice(at + 'COMMAND='.length).slice(0, 500),
        ...(problems.length ? { problem: problems.join('; ').slice(0, 200) } : {}),
      },
    }],
  };
}

export const sshdFormat: Format<typeof options> = {
  name: 'sshd',
  kinds: ['audit'],
  options,
  create(o) {
    return {
      parse(text) {
        const h = parseSyslogHeader(text, o);
        if ('error' in h) return bad(h.error);
        return interpretAuthMessage({ time: h.time, host: h.host, program: h.program, pid: h.pid, message: h.message });
      },
    };
  },
};
