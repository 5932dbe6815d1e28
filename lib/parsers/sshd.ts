import { z } from 'zod';
import { addressOrHost, one, skip, bad, type Format } from './types';

// OpenSSH authentication lines from syslog (/var/log/auth.log, /var/log/secure):
//   Mar 27 13:08:09 host sshd[1361]: Failed password for invalid user admin from 1.2.3.4 port 5 ssh2
// and, from the same log, the privileged commands run through sudo:
//   Mar 27 13:09:37 host sudo:   ubuntu : TTY=pts/0 ; PWD=/home/ubuntu ; USER=root ; COMMAND=/usr/bin/id
// Syslog carries no year, so the source says which (options.year) and in which zone the host
// logged (options.timezone, an offset such as +00:00). Lines about other daemons, or sshd lines
// that are not authentication outcomes, are skipped and counted, not quarantined.

const options = z.strictObject({
  year: z.number({ message: 'expected the year the log was written, e.g. 2024 (syslog lines carry none)' }).int().min(1970).max(2100),
  timezone: z.string().regex(/^[+-]\d{2}:\d{2}$|^Z$/, 'expected an offset such as +00:00 or Z').default('Z'),
});

const HEADER = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\S+) ([\w.-]+)(?:\[(\d+)\])?: (.*)$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const FAILED = /^Failed (\S+) for (invalid user )?(.*?) from (\S+) port (\d+)/;
const ACCEPTED = /^Accepted (\S+) for (.*?) from (\S+) port (\d+)/;
const SUDO = /^\s*(\S+) : (?:TTY=(\S+) ; )?(?:PWD=\S+ ; )?USER=(\S+) ;(?: (command not allowed) ;)? COMMAND=(.*)$/;
const INVALID = /^Invalid user (.*?) from (\S+)(?: port (\d+))?$/;

export const sshdFormat: Format<typeof options> = {
  name: 'sshd',
  kinds: ['audit'],
  options,
  create(o) {
    return {
      parse(text) {
        const h = HEADER.exec(text);
        if (!h) return bad('not a syslog line');
        const month = MONTHS.indexOf(h[1]!) + 1;
        if (month === 0) return bad(`unknown month "${h[1]}"`);
        const time = `${o.year}-${String(month).padStart(2, '0')}-${h[2]!.padStart(2, '0')}T${h[3]}:${h[4]}:${h[5]}${o.timezone}`;
        const host = h[6]!;
        const program = h[7]!;
        const message = h[9]!;
        if (program === 'sudo') {
          const s = SUDO.exec(message);
          if (!s) return skip('sudo line that is not a command');
          return one({
            time, actor: s[1], action: 'sudo.command', target: s[3], outcome: s[4] ? 'denied' : 'success',
            details: { host, tty: s[2], command: s[5]!.slice(0, 500) },
          });
        }
        if (program !== 'sshd') return skip(`not sshd (${program})`);

        const event = (actor: string | undefined, action: string, outcome: string, from: string, extra: Record<string, unknown>) => {
          const { source_ip, source_host } = addressOrHost(from);
          return one({
            time, actor: actor || null, action, target: host, outcome, source_ip,
            details: { host, pid: h[8] ? Number(h[8]) : null, ...(source_host ? { source_host } : {}), ...extra },
          });
        };
        let m = FAILED.exec(message);
        if (m) return event(m[3], 'ssh.login', 'failed', m[4]!, { method: m[1], invalidUser: Boolean(m[2]), port: Number(m[5]) });
        m = ACCEPTED.exec(message);
        if (m) return event(m[2], 'ssh.login', 'success', m[3]!, { method: m[1], port: Number(m[4]) });
        m = INVALID.exec(message);
        if (m) return event(m[1], 'ssh.invalid_user', 'denied', m[2]!, { port: m[3] ? Number(m[3]) : null });
        return skip('sshd line that is not an authentication outcome');
      },
    };
  },
};
