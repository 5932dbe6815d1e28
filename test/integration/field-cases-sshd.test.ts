import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHarness } from '../support/harness';
import { writeConfig } from '../support/config-file';
import { pseudonym } from '../../masking/pseudonym';
import type { GovernanceResult } from '../../workflows/governance';

// The OpenSSH field cases (../shared/field-cases, each CASE.md gives the right outcome), each run
// through a real governance run with the case's own govflow.yaml and policy: the audit events,
// skipped and quarantined lines, and the findings exactly as the case says.

const CASES = resolve('../shared/field-cases');
const WINDOW = { start: '2026-11-20T10:00:00Z', end: '2026-11-20T11:00:00Z' };

interface Outcome {
  result: GovernanceResult;
  events: Array<Record<string, unknown>>;
  findings: Array<Record<string, unknown>>;
  key: string;
}

async function runCase(folder: string): Promise<Outcome> {
  const h = await startHarness({ configFile: `${CASES}/${folder}/govflow.yaml` });
  try {
    const result: GovernanceResult = await h.client.workflow.execute('governanceRun', {
      taskQueue: h.taskQueue, workflowId: `case-${folder}-${Date.now()}`, args: [{ window: WINDOW }],
    });
    const events = await h.sql(`select action, outcome, actor, source_ip, details,
      to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at from govflow.audit_trail_events order by occurred_at, position`);
    const findings = await h.sql('select rule, dedupe_key, severity from govflow.audit_findings order by rule, dedupe_key');
    return { result, events, findings, key: h.env.pseudonymKey };
  } finally {
    await h.close();
  }
}

const skipped = (r: GovernanceResult) => Object.values(r.tasks.ingest!.breakdown!.skippedByReason ?? {}).reduce((a, b) => a + b, 0);
const count = <T>(xs: T[], f: (x: T) => boolean) => xs.filter(f).length;

describe('field case 02: auth.log with RFC 3339 timestamps (Debian 12 rsyslog)', () => {
  it('reads the lines: 8 events, 4 skipped, none quarantined; brute force then a success', async () => {
    const { result, events, findings } = await runCase('02-sshd-rfc3339-debian12');
    expect(result.tasks.ingest!.counts).toMatchObject({ recordsRead: 8, rowsInserted: 8, recordsRejected: 0 });
    expect(skipped(result)).toBe(4);
    expect(count(events, (e) => e.action === 'ssh.login' && e.outcome === 'failed')).toBe(6);
    const success = events.filter((e) => e.action === 'ssh.login' && e.outcome === 'success');
    expect(success).toHaveLength(1);
    // The zone written in the line (+01:00) wins over none; the microseconds are kept.
    expect(success[0]!.at).toBe('2026-11-20T10:16:40.551203Z');
    expect(success[0]!.details).toMatchObject({ port: 51188, host: 'bastion', program: 'sshd' });
    expect(count(events, (e) => e.action === 'sudo.command')).toBe(1);
    expect(result.kpis.findings.byRule).toEqual({ brute_force: 1, success_after_failures: 1, denied_admin_action: 6 });
    expect(findings.find((f) => f.rule === 'success_after_failures')!.severity).toBe('critical');
  });
});

describe('field case 04: user names that contain "from <address> port <n>"', () => {
  it('attributes every attempt to the true client; one brute force, for it alone', async () => {
    const { result, events, findings, key } = await runCase('04-sshd-username-injection');
    expect(result.tasks.ingest!.counts).toMatchObject({ recordsRead: 14, rowsInserted: 14, recordsRejected: 0 });
    expect(skipped(result)).toBe(0);
    expect(events.map((e) => e.source_ip)).toEqual(Array(14).fill('203.0.113.99'));
    expect(events.filter((e) => e.action === 'ssh.login').map((e) => (e.details as Record<string, unknown>).port))
      .toEqual([40001, 40002, 40003, 40004, 40005, 40006, 40011]);
    expect(events[0]!.actor).toBe('x from 198.51.100.7 port 22');
    expect(events.at(-1)!.actor).toBe('x x x 192.0.2.200');
    expect(result.kpis.findings.byRule).toEqual({ brute_force: 1, denied_admin_action: 14 });
    const brute = findings.filter((f) => f.rule === 'brute_force');
    expect(String(brute[0]!.dedupe_key)).toContain(`ip:${pseudonym('203.0.113.99', key)}:`);
    for (const ip of ['198.51.100.7', '192.0.2.200']) expect(JSON.stringify(findings)).not.toContain(pseudonym(ip, key));
  });
});

describe('field case 06: OpenSSH 9.8+ logs as sshd-session', () => {
  it('reads the sshd-session lines: 9 events, 4 skipped; brute force and the success after it', async () => {
    const { result, events, findings } = await runCase('06-sshd-session-openssh98');
    expect(result.tasks.ingest!.counts).toMatchObject({ recordsRead: 9, rowsInserted: 9, recordsRejected: 0 });
    expect(skipped(result)).toBe(4);
    expect(count(events, (e) => e.action === 'ssh.login' && e.outcome === 'failed')).toBe(6);
    expect(count(events, (e) => e.action === 'ssh.login' && e.outcome === 'success')).toBe(2);
    expect(count(events, (e) => e.action === 'sudo.command')).toBe(1);
    expect(result.kpis.findings.byRule).toEqual({ brute_force: 1, success_after_failures: 1, denied_admin_action: 6 });
    const saf = findings.find((f) => f.rule === 'success_after_failures')!;
    expect(saf.severity).toBe('critical');
    const root = events.find((e) => e.outcome === 'success' && e.actor === 'root')!;
    expect(root.at).toBe('2026-11-20T10:07:30.000000Z');
    expect(root.details).toMatchObject({ program: 'sshd-session', pid: 2260 });
  });
});

describe('attempts counted as OpenSSH means them, and the journal as a source', () => {
  // 192.0.2.77: four connections, each "Invalid user" then one "Failed password for invalid
  // user": four attempts, under the threshold of five (eight would cross it). 192.0.2.88: five
  // connections that end after the user lookup: each lookup is that connection's attempt.
  const lines: string[] = [];
  for (let i = 0; i < 4; i++) {
    const pid = 7000 + i;
    lines.push(`Nov 20 10:2${i}:01 gw sshd[${pid}]: Invalid user oracle${i} from 192.0.2.77 port 5100${i}`);
    lines.push(`Nov 20 10:2${i}:03 gw sshd[${pid}]: Failed password for invalid user oracle${i} from 192.0.2.77 port 5100${i} ssh2`);
    lines.push(`Nov 20 10:2${i}:04 gw sshd[${pid}]: Connection closed by invalid user oracle${i} 192.0.2.77 port 5100${i} [preauth]`);
  }
  for (let i = 0; i < 5; i++) {
    lines.push(`Nov 20 10:3${i}:01 gw sshd-session[${8000 + i}]: Invalid user test${i} from 192.0.2.88 port 5200${i}`);
    lines.push(`Nov 20 10:3${i}:02 gw sshd-session[${8000 + i}]: Disconnected from invalid user test${i} 192.0.2.88 port 5200${i} [preauth]`);
  }
  // The journal (journalctl -o json) of a host without auth.log: five failures, one whose
  // MESSAGE is bytes (not UTF-8), then a success from the same address; a cron entry; a bad line.
  const us = (m: number, s: number) => String(Date.UTC(2026, 10, 20, 10, m, s) * 1000 + 123456);
  const entry = (n: number, m: number, s: number, message: unknown, ident = 'sshd-session') =>
    JSON.stringify({ __CURSOR: `s=abc;i=${n}`, __REALTIME_TIMESTAMP: us(m, s), _HOSTNAME: 'web1', SYSLOG_IDENTIFIER: ident, _PID: '9100', PRIORITY: '6', MESSAGE: message });
  const journal = [
    ...[1, 2, 3, 4].map((n) => entry(n, 40, n * 3, `Failed password for root from 198.51.100.200 port 6000${n} ssh2`)),
    entry(5, 40, 20, [...Buffer.from('Failed password for invalid user r\xe9my from 198.51.100.200 port 60005 ssh2', 'latin1')]),
    entry(6, 41, 0, 'Accepted password for root from 198.51.100.200 port 60006 ssh2'),
    entry(7, 41, 5, '(root) CMD (run-parts /etc/cron.hourly)', 'CRON'),
    '{"MESSAGE": "truncated',
  ];

  it('counts a lookup and the failure after it once; reads journald entries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govflow-sshd-attempts-'));
    writeFileSync(join(dir, 'auth.log'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'journal.json'), `${journal.join('\n')}\n`);
    const configFile = writeConfig([
      { name: 'gw-auth', kind: 'audit', format: 'sshd', path: join(dir, 'auth.log'), options: { year: 2026 } },
      { name: 'web-journal', kind: 'audit', format: 'journald', path: join(dir, 'journal.json') },
    ], `${CASES}/04-sshd-username-injection/policy.yaml`);
    const h = await startHarness({ configFile });
    try {
      const result: GovernanceResult = await h.client.workflow.execute('governanceRun', {
        taskQueue: h.taskQueue, workflowId: `attempts-${Date.now()}`, args: [{ window: WINDOW }],
      });
      expect(result.tasks.ingest!.breakdown!.recordsBySource).toMatchObject({ 'gw-auth': 13, 'web-journal': 6 });
      expect(result.tasks.ingest!.counts!.recordsRejected).toBe(1);
      expect(result.tasks.ingest!.breakdown!.skippedByReason).toMatchObject({ 'web-journal: not sshd (CRON)': 1 });
      const bytes = await h.sql(`select actor, event_id from govflow.audit_trail_events where source = 'web-journal' and event_id = 's=abc;i=5'`);
      expect(bytes).toEqual([{ actor: 'r\uFFFDmy', event_id: 's=abc;i=5' }]);
      const brute = await h.sql(`select dedupe_key from govflow.audit_findings where rule = 'brute_force'`);
      const key = h.env.pseudonymKey;
      expect(brute.map((b) => String(b.dedupe_key).split(':').slice(1, 3).join(':')).sort())
        .toEqual([`ip:${pseudonym('192.0.2.88', key)}`, `ip:${pseudonym('198.51.100.200', key)}`].sort());
      expect(result.kpis.findings.byRule).toEqual({ brute_force: 2, success_after_failures: 1, denied_admin_action: 18 });
    } finally {
      await h.close();
    }
  });
});
