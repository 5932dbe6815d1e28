import { describe, expect, it } from 'vitest';
import { FORMATS } from '../../ingest/formats';
import { interpretAuthMessage } from '../../ingest/formats/sshd';
import { journalText, realtimeToIso } from '../../ingest/formats/journald';
import type { Parsed } from '../../ingest/formats/types';

// OpenSSH's messages as openssh-portable writes them (auth.c, auth2.c, packet.c, auth-pam.c;
// sshd, sshd-session since 9.8, sshd-auth since 10.0), and sudo's, read by the sshd and journald
// formats through one interpretation.

const T = '2026-11-20T10:00:00Z';
const msg = (message: string, program = 'sshd', pid: string | null = '4242'): Parsed =>
  interpretAuthMessage({ time: T, host: 'gw', program, pid, message });
const ev = (message: string, program = 'sshd') => {
  const r = msg(message, program);
  if (r.ok !== true) throw new Error(`expected an event from "${message}", got ${JSON.stringify(r)}`);
  expect(r.objects).toHaveLength(1);
  return r.objects[0] as { actor: string | null; action: string; outcome: string; source_ip: string | null; details: Record<string, unknown> };
};
const skipped = (message: string, program = 'sshd') => {
  const r = msg(message, program);
  expect(r.ok, message).toBe('skip');
  return (r as { reason: string }).reason;
};

describe('OpenSSH outcomes', () => {
  it('reads failures of every method, for valid and invalid users, IPv4 and IPv6, with and without key info', () => {
    const cases: Array<[string, Partial<ReturnType<typeof ev>>, Record<string, unknown>]> = [
      ['Failed password for root from 203.0.113.45 port 51022 ssh2', { actor: 'root', source_ip: '203.0.113.45' }, { method: 'password', invalidUser: false, port: 51022 }],
      ['Failed password for invalid user admin from 198.51.100.7 port 40001 ssh2', { actor: 'admin', source_ip: '198.51.100.7' }, { invalidUser: true, port: 40001 }],
      ['Failed password for illegal user admin from 198.51.100.7 port 40001 ssh2', { actor: 'admin' }, { invalidUser: true }],
      ['Failed publickey for git from 192.0.2.1 port 57904 ssh2: ECDSA SHA256:0eXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', { actor: 'git', source_ip: '192.0.2.1' }, { method: 'publickey', port: 57904 }],
      ['Failed publickey for invalid user graysky from aaaa:bbbb:cccc:1234::1:1 port 37955 ssh2: RSA SHA256:v3dpapGleDaUKf$4V1vKyR9ZyUgjaJAmoCTcb2PLljI', { actor: 'graysky', source_ip: 'aaaa:bbbb:cccc:1234::1:1' }, { invalidUser: true, port: 37955 }],
      ['Failed keyboard-interactive/pam for invalid user pi from 2001:db8::5 port 2200 ssh2', { actor: 'pi', source_ip: '2001:db8::5' }, { method: 'keyboard-interactive/pam' }],
      ['Failed hostbased for dan from 127.0.0.1 port 45785 ssh2: RSA 8c:e3:aa:0f:64:51:02:f7:14:79:89:3f:65:84:7c:30, client user "dan", client host "localhost"', { actor: 'dan', source_ip: '127.0.0.1' }, { method: 'hostbased' }],
      ['Failed password for dan from 127.0.0.1 port 45416 ssh1', { actor: 'dan', source_ip: '127.0.0.1' }, { port: 45416 }],
      ['Failed password for invalid user  from 10.0.0.1 port 22 ssh2', { actor: null, source_ip: '10.0.0.1' }, { invalidUser: true }],
      ['Failed password for root from ::ffff:192.0.2.9 port 22 ssh2', { source_ip: '::ffff:192.0.2.9' }, {}],
      ['Failed password for root from 203.0.113.45 port 51022 ssh2   ', { source_ip: '203.0.113.45' }, { port: 51022 }],
    ];
    for (const [line, fields, details] of cases) {
      const e = ev(line);
      expect(e, line).toMatchObject({ action: 'ssh.login', outcome: 'failed', ...fields });
      expect(e.details, line).toMatchObject(details);
    }
  });

  it('reads successes with their method and key', () => {
    expect(ev('Accepted publickey for alice from 198.51.100.20 port 50122 ssh2: ED25519 SHA256:Zm9vYmFy')).toMatchObject({
      action: 'ssh.login', outcome: 'success', actor: 'alice', source_ip: '198.51.100.20', details: { method: 'publickey', port: 50122 },
    });
    expect(ev('Accepted password for deploy from 203.0.113.45 port 51188 ssh2')).toMatchObject({ outcome: 'success', actor: 'deploy' });
    expect(ev('Accepted keyboard-interactive/pam for bob from 2001:db8::1 port 1 ssh2')).toMatchObject({ outcome: 'success', source_ip: '2001:db8::1' });
    expect(ev('Accepted gssapi-with-mic for carol@EXAMPLE.ORG from 10.1.1.1 port 2 ssh2')).toMatchObject({ actor: 'carol@EXAMPLE.ORG' });
    expect(ev('Accepted publickey for u from 10.1.1.1 port 2 ssh2: ED25519-CERT SHA256:abc ID u@corp (serial 7) CA ED25519 SHA256:def')).toMatchObject({ actor: 'u', source_ip: '10.1.1.1' });
  });

  it('reads user lookups as denials that mark the connection', () => {
    expect(ev('Invalid user x from 203.0.113.99 port 40001')).toMatchObject({
      action: 'ssh.invalid_user', outcome: 'denied', actor: 'x', source_ip: '203.0.113.99',
      details: { userLookup: true, connection: 'gw#4242', port: 40001 },
    });
    expect(ev('Invalid user guest from 5.6.7.8')).toMatchObject({ actor: 'guest', source_ip: '5.6.7.8', details: { port: null } });
    expect(ev('Illegal user guest from 5.6.7.8')).toMatchObject({ action: 'ssh.invalid_user' });
    expect(ev('Invalid user  from 5.6.7.8 port 3')).toMatchObject({ actor: null, source_ip: '5.6.7.8' });
    expect(ev('User root from 10.0.0.40 not allowed because none of user\'s groups are listed in AllowGroups')).toMatchObject({
      action: 'ssh.user_not_allowed', outcome: 'denied', actor: 'root', source_ip: '10.0.0.40', details: { userLookup: true, reason: "none of user's groups are listed in AllowGroups" },
    });
    for (const why of ['not listed in AllowUsers', 'listed in DenyUsers', 'not in any group', 'a group is listed in DenyGroups']) {
      expect(ev(`User bob from 192.0.2.3 not allowed because ${why}`)).toMatchObject({ actor: 'bob', source_ip: '192.0.2.3', details: { reason: why } });
    }
    expect(ev('User allena from example.com not allowed because not in any group')).toMatchObject({ source_ip: null, details: { source_host: 'example.com' } });
    expect(ev('User root not allowed because account is locked')).toMatchObject({ actor: 'root', source_ip: null, details: { userLookup: true } });
    expect(ev('User svc not allowed because shell /bin/nope does not exist')).toMatchObject({ actor: 'svc' });
  });

  it('skips what is not an authentication outcome, or restates one logged on its own line', () => {
    const notOutcome = 'sshd line that is not an authentication outcome';
    const restating = 'sshd line restating failures logged on their own lines';
    const pam = 'PAM line about an attempt sshd logs itself';
    const expected: Array<[string, string]> = [
      ['Connection closed by authenticating user root 203.0.113.45 port 51022 [preauth]', notOutcome],
      ['Connection closed by invalid user x 203.0.113.45 port 51022 [preauth]', notOutcome],
      ['Connection closed by 203.0.113.45 port 51022 [preauth]', notOutcome],
      ['Connection reset by authenticating user root 192.0.2.20 port 1558 [preauth]', notOutcome],
      ['Disconnected from authenticating user root 192.0.2.20 port 1558 [preauth]', notOutcome],
      ['Disconnected from invalid user test 192.0.2.88 port 52000 [preauth]', notOutcome],
      ['Disconnected from user deploy 203.0.113.45 port 51188', notOutcome],
      ['Received disconnect from 198.51.100.76 port 58846:11: Bye Bye [preauth]', notOutcome],
      ['Received disconnect from 203.0.113.45 port 51188:11: disconnected by user', notOutcome],
      ['Connection from 203.0.113.45 port 51022 on 192.0.2.10 port 22 rdomain ""', notOutcome],
      ['Did not receive identification string from 203.0.113.9 port 4000', notOutcome],
      ['banner exchange: Connection from 192.0.2.12 port 44105: invalid format', notOutcome],
      ['error: kex_exchange_identification: Connection closed by remote host', notOutcome],
      ['Unable to negotiate with 192.0.2.3 port 5: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1', notOutcome],
      ["Bad protocol version identification 'GET / HTTP/1.1' from 192.0.2.4 port 6", notOutcome],
      ['Timeout before authentication for 192.0.2.5 port 7', notOutcome],
      ['Server listening on 0.0.0.0 port 22.', notOutcome],
      ['pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)', notOutcome],
      ['Starting session: shell on pts/0 for deploy from 203.0.113.45 port 51188 id 0', notOutcome],
      ['error: maximum authentication attempts exceeded for root from 122.5.240.60 port 54874 ssh2 [preauth]', restating],
      ['error: maximum authentication attempts exceeded for invalid user admin from 122.5.240.60 port 54874 ssh2 [preauth]', restating],
      ['Disconnecting: Too many authentication failures [preauth]', restating],
      ['Disconnecting authenticating user root 192.0.2.1 port 22: Too many authentication failures [preauth]', restating],
      ['ROOT LOGIN REFUSED FROM 1.2.3.4 port 12345 [preauth]', restating],
      ['input_userauth_request: invalid user root [preauth]', restating],
      ['pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=122.5.240.60  user=root', pam],
      ['pam_unix(sshd:auth): check pass; user unknown', pam],
      ['PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=122.5.240.60  user=root', pam],
      ['PAM service(sshd) ignoring max retries; 6 > 3', pam],
      ['error: PAM: Authentication failure for illegal user kernel from 10.215.4.227', pam],
      ['error: PAM: User not known to the underlying authentication module for illegal user k from 10.215.4.227', pam],
      ['Postponed keyboard-interactive for root from 1.2.3.4 port 5 ssh2 [preauth]', 'sshd partial or postponed authentication (a step of a login, not its outcome)'],
      ['Partial publickey for root from 1.2.3.4 port 5 ssh2: ED25519 SHA256:x', 'sshd partial or postponed authentication (a step of a login, not its outcome)'],
      ['Failed none for invalid user admin from 1.2.3.4 port 5 ssh2', 'sshd "none" probe (OpenSSH does not count it as a failed attempt)'],
    ];
    for (const [line, reason] of expected) expect(skipped(line), line).toBe(reason);
  });

  it('accepts the process names of OpenSSH 9.8+ and 10, and paths; other programs are skipped', () => {
    for (const program of ['sshd', 'sshd-session', 'sshd-auth', '/usr/sbin/sshd']) {
      expect(ev('Failed password for root from 192.0.2.150 port 41822 ssh2', program)).toMatchObject({ outcome: 'failed', details: { program: program.replace(/.*\//, '') } });
    }
    expect(skipped('Failed password for root from 192.0.2.150 port 41822 ssh2', 'sshdx')).toBe('not sshd (sshdx)');
    expect(skipped('Failed password for root from 192.0.2.150 port 41822 ssh2', 'dropbear')).toBe('not sshd (dropbear)');
  });

  it('counts rsyslog\'s "message repeated N times" as N events', () => {
    const r = msg('message repeated 5 times: [ Failed password for root from 122.5.240.60 port 54874 ssh2]');
    expect(r.ok).toBe(true);
    const objects = (r as { objects: Array<Record<string, unknown>> }).objects;
    expect(objects).toHaveLength(5);
    expect(objects.every((o) => o.source_ip === '122.5.240.60' && o.outcome === 'failed')).toBe(true);
    expect(skipped('message repeated 2 times: [ Connection closed by 1.2.3.4 port 5 [preauth]]')).toBe('sshd line that is not an authentication outcome');
    expect(msg('message repeated 0 times: [ Failed password for root from 1.2.3.4 port 5 ssh2]')).toMatchObject({ ok: false });
  });
});

describe('log injection: nothing a client chooses moves the recorded address or port', () => {
  // User names a client may send (OpenSSH logs them verbatim; only ':' is cut off, auth2.c), in
  // the spirit of fail2ban's tests (PR #1479, gh-2185) and clearlinux/tallow#1.
  const names = [
    'x from 198.51.100.7 port 22',
    'from 10.10.1.1',
    'test from 10.10.1.2 port 55555 ssh2',
    'a from 10.0.0.1 port 1 ssh2 [preauth]',
    'x x x 192.0.2.200',
    ' port 99',
    '198.51.100.7',
    'root from 2001 port 1',
    'evil ',
    'evil  from 1.1.1.1 port 2 ',
    'u port 7 ssh2 from 1.1.1.1',
    'x'.repeat(100),
  ];
  const client = { ip: '203.0.113.99', port: 40001 };
  const shapes = (u: string): Array<[string, string]> => [
    [`Failed password for ${u} from ${client.ip} port ${client.port} ssh2`, 'ssh.login'],
    [`Failed password for invalid user ${u} from ${client.ip} port ${client.port} ssh2`, 'ssh.login'],
    [`Failed publickey for invalid user ${u} from ${client.ip} port ${client.port} ssh2: RSA SHA256:abc`, 'ssh.login'],
    [`Accepted password for ${u} from ${client.ip} port ${client.port} ssh2`, 'ssh.login'],
    [`Invalid user ${u} from ${client.ip} port ${client.port}`, 'ssh.invalid_user'],
    [`User ${u} from ${client.ip} not allowed because listed in DenyUsers`, 'ssh.user_not_allowed'],
  ];

  it('reads the true client for every shape and hostile user name', () => {
    for (const u of names) {
      for (const [line, action] of shapes(u)) {
        const e = ev(line);
        expect(e.action, line).toBe(action);
        expect(e.source_ip, line).toBe(client.ip);
        if (action !== 'ssh.user_not_allowed') expect(e.details.port, line).toBe(client.port);
        expect(e.actor ?? '', line).toBe(u);
      }
    }
  });

  it('reads the true client when the key info after "ssh2:" holds an address (IPv4 and IPv6 clients)', () => {
    expect(ev('Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2')).toMatchObject({ source_ip: '127.0.0.1', actor: 'test' });
    expect(ev('Failed hostbased for dan from 127.0.0.1 port 45785 ssh2: RSA SHA256:x, client user "a from 10.10.1.2 port 5 ssh2", client host "h"')).toMatchObject({ source_ip: '127.0.0.1' });
    expect(ev('Failed publickey for u from 192.0.2.7 port 1 ssh2: RSA-CERT SHA256:x ID k from 10.9.9.9 port 2 ssh2: RSA SHA256:y ID z (serial 1) CA RSA SHA256:w')).toMatchObject({ source_ip: '192.0.2.7', details: { port: 1 } });
    expect(ev('Failed password for u from 1.1.1.1 port 1 ssh2 from 2001:db8::9 port 6 ssh2')).toMatchObject({ source_ip: '2001:db8::9', actor: 'u from 1.1.1.1 port 1 ssh2', details: { port: 6 } });
    expect(ev('Invalid user a from 9.9.9.9 port 1 from 2001:db8::9 port 6')).toMatchObject({ source_ip: '2001:db8::9', details: { port: 6 } });
  });

  it('keeps the attribution through the whole sshd format (header included)', () => {
    const f = FORMATS.sshd!;
    const p = f.create(f.options.parse({ year: 2026 }), 'audit');
    const line = 'Nov 20 10:40:19 gw sshd[5101]: Failed password for invalid user x from 198.51.100.7 port 22 from 203.0.113.99 port 40001 ssh2';
    expect(p.parse(line, 1)).toMatchObject({ ok: true, objects: [{ source_ip: '203.0.113.99', actor: 'x from 198.51.100.7 port 22', details: { port: 40001, pid: 5101 } }] });
  });
});

describe('sudo', () => {
  it('reads commands, the run-as user, and problems as denials', () => {
    expect(ev('  deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx', 'sudo')).toMatchObject({
      actor: 'deploy', action: 'sudo.command', target: 'root', outcome: 'success', details: { tty: 'pts/0', command: '/usr/bin/systemctl restart nginx' },
    });
    expect(ev('   mallory : command not allowed ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh', 'sudo')).toMatchObject({ outcome: 'denied', details: { problem: 'command not allowed' } });
    expect(ev('eve : user NOT in sudoers ; TTY=pts/2 ; PWD=/ ; USER=root ; COMMAND=/bin/id', 'sudo')).toMatchObject({ outcome: 'denied' });
    expect(ev('bob : 3 incorrect password attempts ; TTY=pts/3 ; PWD=/ ; USER=root ; COMMAND=/bin/id', 'sudo')).toMatchObject({ outcome: 'denied', details: { problem: '3 incorrect password attempts' } });
    expect(ev('ops : TTY=unknown ; PWD=/srv/a b ; USER=postgres ; GROUP=db ; ENV=A=1 ; COMMAND=/usr/bin/psql -c "select 1 ; select 2"', 'sudo')).toMatchObject({
      target: 'postgres', outcome: 'success', details: { command: '/usr/bin/psql -c "select 1 ; select 2"' },
    });
    expect(skipped('pam_unix(sudo:session): session opened for user root(uid=0) by deploy(uid=1001)', 'sudo')).toBe('sudo line that is not a command');
  });
});

describe('journald (journalctl -o json)', () => {
  const f = FORMATS.journald!;
  const p = f.create(f.options.parse(undefined), 'audit');
  const base = { __CURSOR: 's=1;i=2', __REALTIME_TIMESTAMP: '1795169643902115', _HOSTNAME: 'web1', _PID: '9100', SYSLOG_IDENTIFIER: 'sshd-session' };
  const parse = (fields: Record<string, unknown>) => p.parse(JSON.stringify({ ...base, ...fields }), 1);

  it('reads the time in microseconds, the host, process and message; the cursor is the event id', () => {
    expect(realtimeToIso('1795169643902115')).toBe('2026-11-20T10:14:03.902115Z');
    expect(realtimeToIso('5')).toBe('1970-01-01T00:00:00.000005Z');
    expect(parse({ MESSAGE: 'Failed password for invalid user x from 198.51.100.7 port 22 from 203.0.113.99 port 40001 ssh2', SYSLOG_PID: '9101' })).toEqual({
      ok: true,
      objects: [{
        event_id: 's=1;i=2', time: '2026-11-20T10:14:03.902115Z', actor: 'x from 198.51.100.7 port 22', action: 'ssh.login', target: 'web1', outcome: 'failed',
        source_ip: '203.0.113.99',
        details: { host: 'web1', program: 'sshd-session', pid: 9101, port: 40001, connection: 'web1#9101', method: 'password', invalidUser: true },
      }],
    });
  });

  it('falls back to _COMM and _PID, decodes byte-array messages, and skips other programs', () => {
    expect(parse({ SYSLOG_IDENTIFIER: undefined, _COMM: 'sshd', MESSAGE: 'Accepted password for a from 10.0.0.1 port 1 ssh2' })).toMatchObject({
      ok: true, objects: [{ outcome: 'success', details: { program: 'sshd', pid: 9100 } }],
    });
    const bytes = [...Buffer.from('Invalid user j\xfcrgen from 10.0.0.2 port 3', 'latin1')];
    expect(parse({ MESSAGE: bytes })).toMatchObject({ ok: true, objects: [{ actor: 'j\uFFFDrgen', source_ip: '10.0.0.2' }] });
    expect(parse({ MESSAGE: [...Buffer.from('Accepted password for jürgen from 10.0.0.2 port 3 ssh2')] })).toMatchObject({ ok: true, objects: [{ actor: 'jürgen' }] });
    expect(parse({ SYSLOG_IDENTIFIER: 'CRON', MESSAGE: 'x' })).toEqual({ ok: 'skip', reason: 'not sshd (CRON)' });
    expect(parse({ MESSAGE: '  deploy : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/id', SYSLOG_IDENTIFIER: 'sudo' })).toMatchObject({ ok: true, objects: [{ action: 'sudo.command' }] });
    expect(parse({ _PID: 77, SYSLOG_IDENTIFIER: 'sudo', MESSAGE: 'a : TTY=x ; PWD=/ ; USER=root ; COMMAND=/bin/id\n' })).toMatchObject({ ok: true, objects: [{ details: { command: '/bin/id' } }] });
    expect(p.parse(`\x1e${JSON.stringify({ ...base, MESSAGE: 'Accepted password for a from 10.0.0.1 port 1 ssh2' })}`, 1)).toMatchObject({ ok: true });
  });

  it('quarantines what it cannot read, with the reason', () => {
    expect(p.parse('{"MESSAGE": "trunc', 1)).toEqual({ ok: false, reason: 'malformed JSON' });
    expect(parse({ __REALTIME_TIMESTAMP: undefined, MESSAGE: 'Failed password for root from 1.2.3.4 port 5 ssh2' })).toMatchObject({ ok: false, reason: expect.stringContaining('__REALTIME_TIMESTAMP') });
    expect(parse({ __REALTIME_TIMESTAMP: '2026-11-20', MESSAGE: 'm' })).toMatchObject({ ok: false });
    expect(parse({ MESSAGE: null })).toEqual({ ok: false, reason: 'MESSAGE omitted by journalctl (larger than 4 KiB: export with --all)' });
    expect(parse({ MESSAGE: ['a', 'b'] })).toEqual({ ok: false, reason: 'MESSAGE has several values' });
    expect(parse({ MESSAGE: { a: 1 } })).toEqual({ ok: false, reason: 'MESSAGE is not text' });
    expect(journalText([300], 'X')).toEqual({ error: 'X has several values' });
  });
});
