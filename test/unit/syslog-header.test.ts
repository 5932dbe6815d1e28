import { describe, expect, it } from 'vitest';
import { parseSyslogHeader, utcInstant } from '../../ingest/formats/syslog-header';

// Syslog headers as rsyslog, syslog-ng, journald's forwarder and network relays write them.

const clock = { year: 2026, timezone: 'Z' };
const at = (line: string, c: { year?: number; timezone: string } = clock) => parseSyslogHeader(line, c);

describe('RFC 3164 (BSD syslog)', () => {
  it('reads month, space-padded or two-digit day, time, host, tag with and without pid', () => {
    expect(at('Nov 20 10:14:03 host prog[123]: the message')).toEqual({
      style: 'rfc3164', time: '2026-11-20T10:14:03Z', facility: null, severity: null,
      host: 'host', program: 'prog', pid: '123', msgid: null, structuredData: null, message: 'the message',
    });
    expect(at('Nov  5 01:02:03 host sudo:   alice : TTY=pts/0')).toMatchObject({ time: '2026-11-05T01:02:03Z', program: 'sudo', pid: null, message: '  alice : TTY=pts/0' });
    expect(at('Nov 05 01:02:03 host prog: m')).toMatchObject({ time: '2026-11-05T01:02:03Z' });
    expect(at('Jan  1 00:00:00 h.example.org systemd-logind[1118]: x')).toMatchObject({ host: 'h.example.org', program: 'systemd-logind', pid: '1118' });
    expect(at('Feb 28 23:59:59 h /usr/sbin/cron[42]: x')).toMatchObject({ program: '/usr/sbin/cron', pid: '42' });
  });

  it('takes the source timezone (only zone-less times do) and the source year', () => {
    expect(at('Nov 20 00:30:00 h p: m', { year: 2026, timezone: '+01:00' })).toMatchObject({ time: '2026-11-19T23:30:00Z' });
    expect(at('Nov 20 23:30:00 h p: m', { year: 2026, timezone: '-05:00' })).toMatchObject({ time: '2026-11-21T04:30:00Z' });
    expect(at('Mar  1 00:00:00 h p: m', { year: 2024, timezone: 'Z' })).toMatchObject({ time: '2024-03-01T00:00:00Z' });
  });

  it('reads a year written in the line, before the time or before the month, over the option', () => {
    expect(at('Nov 20 2025 10:14:03 h p: m')).toMatchObject({ time: '2025-11-20T10:14:03Z', host: 'h' });
    expect(at('2025 Nov 20 10:14:03 h p: m')).toMatchObject({ time: '2025-11-20T10:14:03Z' });
    expect(at('Nov 20 2025 10:14:03 h p: m', { timezone: 'Z' })).toMatchObject({ time: '2025-11-20T10:14:03Z' });
  });

  it('quarantines a line without a year when the source gives none, naming the option', () => {
    expect(at('Nov 20 10:14:03 h p: m', { timezone: 'Z' })).toEqual({
      error: "RFC 3164 syslog line without a year: set the source's options.year (the year the log was written)",
    });
  });

  it('reads the PRI a relay keeps, fractions, a missing host, Solaris message ids', () => {
    expect(at('<38>Nov 20 10:14:03 host sshd[7]: m')).toMatchObject({ facility: 4, severity: 6, host: 'host', program: 'sshd', message: 'm' });
    expect(at('<0>Nov 20 10:14:03 host k: m')).toMatchObject({ facility: 0, severity: 0 });
    expect(at('Nov 20 10:14:03.250 host p: m')).toMatchObject({ time: '2026-11-20T10:14:03.250Z' });
    expect(at('Nov 20 10:14:03 sshd[19725]: Connection from 1.2.3.4')).toMatchObject({ host: null, program: 'sshd', pid: '19725', message: 'Connection from 1.2.3.4' });
    expect(at('Nov 20 10:14:03 host sshd[1643]: [ID 800047 auth.info] Failed password')).toMatchObject({ message: 'Failed password' });
    expect(at('Nov 20 10:14:03 host just a message')).toMatchObject({ host: 'host', program: null, message: 'just a message' });
  });

  it('rejects what is not a syslog line, impossible dates and PRI', () => {
    expect(at('hello world')).toEqual({ error: 'not a syslog line (no RFC 3164, RFC 3339 or RFC 5424 timestamp)' });
    expect(at('')).toHaveProperty('error');
    expect(at('Foo 20 10:14:03 h p: m')).toEqual({ error: 'unknown month "Foo"' });
    expect(at('Feb 30 10:14:03 h p: m')).toEqual({ error: 'impossible date or time 2026-02-30 10:14:03' });
    expect(at('Nov 20 25:14:03 h p: m')).toHaveProperty('error');
    expect(at('<192>Nov 20 10:14:03 h p: m')).toEqual({ error: 'syslog PRI <192> out of range (0–191)' });
  });
});

describe('RFC 3339 timestamps (rsyslog RSYSLOG_FileFormat, Debian 12+)', () => {
  it('uses the zone as written, keeping microseconds, whatever the source timezone says', () => {
    const c = { year: 2020, timezone: '-08:00' };
    expect(at('2026-11-20T11:14:03.902115+01:00 bastion sshd[40211]: Failed', c)).toMatchObject({
      style: 'rfc3339', time: '2026-11-20T10:14:03.902115Z', host: 'bastion', program: 'sshd', pid: '40211', message: 'Failed',
    });
    expect(at('2026-11-20T10:14:03Z h p: m', c)).toMatchObject({ time: '2026-11-20T10:14:03Z' });
    expect(at('2026-11-20T10:14:03.1z h p: m', c)).toMatchObject({ time: '2026-11-20T10:14:03.1Z' });
    expect(at('2026-11-20T00:14:03.000001-05:30 h p: m', c)).toMatchObject({ time: '2026-11-20T05:44:03.000001Z' });
    expect(at('2026-11-20T00:14:03+0530 h p: m', c)).toMatchObject({ time: '2026-11-19T18:44:03Z' });
    // Nanoseconds (some writers) are cut to the microseconds Postgres keeps.
    expect(at('2026-11-20T10:14:03.123456789Z h p: m', c)).toMatchObject({ time: '2026-11-20T10:14:03.123456Z' });
  });

  it('needs no year option (the line has one) and takes the timezone only when no zone is written', () => {
    expect(at('2026-12-31T23:59:59.5+00:00 h p: m', { timezone: 'Z' })).toMatchObject({ time: '2026-12-31T23:59:59.5Z' });
    expect(at('2026-11-20T10:14:03 h p: m', { timezone: '+02:00' })).toMatchObject({ time: '2026-11-20T08:14:03Z' });
    expect(at('<86>2026-11-20T10:14:03.5Z h sudo: x', { timezone: 'Z' })).toMatchObject({ facility: 10, severity: 6, style: 'rfc3339' });
  });

  it('rejects impossible dates and offsets', () => {
    expect(at('2026-02-29T10:14:03Z h p: m')).toHaveProperty('error');
    expect(at('2026-13-01T10:14:03Z h p: m')).toHaveProperty('error');
    expect(at('2026-11-20T10:14:03+25:00 h p: m')).toHaveProperty('error');
    expect(at('2026-11-20Tgarbage h p: m')).toHaveProperty('error');
  });
});

describe('RFC 5424 (syslog protocol)', () => {
  it('reads every header field, nil values, structured data and the message', () => {
    expect(at('<34>1 2026-11-20T10:14:03.003Z mymachine.example.com su - ID47 - BOM\'su root\' failed')).toEqual({
      style: 'rfc5424', time: '2026-11-20T10:14:03.003Z', facility: 4, severity: 2,
      host: 'mymachine.example.com', program: 'su', pid: null, msgid: 'ID47', structuredData: null, message: "BOM'su root' failed",
    });
    expect(at('<165>1 2026-11-20T22:14:15.003+02:00 host evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] An application event')).toMatchObject({
      time: '2026-11-20T20:14:15.003Z', facility: 20, severity: 5, program: 'evntslog', pid: '1234',
      structuredData: { 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' }, 'examplePriority@32473': { class: 'high' } },
      message: 'An application event',
    });
    expect(at('<38>1 2026-11-20T10:14:03Z - sshd-session 2211 - - \uFEFFFailed password')).toMatchObject({ host: null, pid: '2211', msgid: null, message: 'Failed password' });
    expect(at('<38>1 2026-11-20T10:14:03Z h app - - [a x="q\\"uo\\]te\\\\ \\n"]')).toMatchObject({ structuredData: { a: { x: 'q"uo]te\\ \\n' } }, message: '' });
    expect(at('<38>1 2026-11-20T10:14:03Z h app - - [a]')).toMatchObject({ structuredData: { a: {} } });
    expect(at('<38>1 2026-11-20T10:14:03Z h app - - -')).toMatchObject({ structuredData: null, message: '' });
  });

  it('ignores the source clock options: RFC 5424 times carry their zone', () => {
    expect(at('<38>1 2026-11-20T10:14:03.5-01:00 h a - - - m', { timezone: '+05:00' })).toMatchObject({ time: '2026-11-20T11:14:03.5Z' });
  });

  it('rejects malformed structured data, nil or zone-less timestamps', () => {
    expect(at('<38>1 - h app - - - m')).toEqual({ error: 'RFC 5424 line without a timestamp (nil "-")' });
    expect(at('<38>1 2026-11-20T10:14:03 h app - - - m')).toHaveProperty('error');
    expect(at('<38>1 2026-11-20T10:14:03Z h app - - [a x="unterminated] m')).toHaveProperty('error');
    expect(at('<38>1 2026-11-20T10:14:03Z h app - - [a x=3] m')).toHaveProperty('error');
    expect(at('<38>1 2026-11-20T10:14:03Z h app - - nosd m')).toHaveProperty('error');
    expect(at('<38>1 2026-11-20T10:14:03Z h app - - [a]m')).toHaveProperty('error');
  });
});

describe('utcInstant', () => {
  it('checks the calendar, keeps fractions, reads a leap second as :59', () => {
    expect(utcInstant(2024, 2, 29, 0, 0, 0, undefined, 0)).toEqual({ value: '2024-02-29T00:00:00Z' });
    expect(utcInstant(2023, 2, 29, 0, 0, 0, undefined, 0)).toHaveProperty('error');
    expect(utcInstant(26, 11, 20, 0, 0, 0, undefined, 0)).toEqual({ error: 'implausible year 26' });
    expect(utcInstant(2016, 12, 31, 23, 59, 60, '5', 0)).toEqual({ value: '2016-12-31T23:59:59.5Z' });
    expect(utcInstant(2026, 1, 1, 0, 30, 0, '000100', 60)).toEqual({ value: '2025-12-31T23:30:00.000100Z' });
  });
});
