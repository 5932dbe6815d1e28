import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { writeConfig } from '../support/config-file';
import { PUBLIC_DATA } from '../support/public-data';
import { pseudonym } from '../../masking/pseudonym';

// The audit rules over the public samples in their real formats: nothing crashes, and every
// brute-force source of the public auth.log (≥ 5 failures from one IP within 10 minutes, as the
// shipped policy says) is flagged, once per burst, computed here independently of the rule's SQL.
// (Each of rsyslog's "message repeated N times: [ Failed …]" lines is N failures; see parsers.test.ts.)

const SOURCES = [
  { name: 'auth', kind: 'audit', format: 'sshd', path: `${PUBLIC_DATA}/elastic-examples/auth.log`, options: { year: 2024 } },
  { name: 'semicomplete', kind: 'access', format: 'combined', path: `${PUBLIC_DATA}/elastic-examples/apache_logs` },
  { name: 'hackers', kind: 'access', format: 'combined', path: `${PUBLIC_DATA}/nielsbasjes-logparser/hackers-access.log` },
  { name: 'trail', kind: 'audit', format: 'cloudtrail', path: `${PUBLIC_DATA}/otrf-security-datasets/*.json` },
  { name: 'falco', kind: 'audit', format: 'k8s-audit', path: `${PUBLIC_DATA}/falco-k8s-audit/*.json` },
  { name: 'tcf', kind: 'consent', format: 'tcf', path: `${PUBLIC_DATA}/iabtcf-es/tc_strings.tsv`, options: { delimiter: '\t', purposes: { '1': 'service_delivery', '7': 'analytics' }, columns: { subject: 'source_line' } } },
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ configFile: writeConfig(SOURCES) });
});
afterAll(async () => {
  await h?.close();
});

describe('audit over the public samples', () => {
  it('runs every rule over years of real logs without a failure', async () => {
    const result = await h.client.workflow.execute('governanceRun', {
      taskQueue: h.taskQueue, workflowId: `public-audit-${Date.now()}`,
      args: [{ window: { start: '2015-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' } }],
    });
    expect(result.tasks.audit!.state).toBe('success');
    expect(result.tasks.consent!.state).toBe('success');
    expect(result.kpis.findings.byRule.brute_force).toBeGreaterThan(0);
  });

  it('flags every brute-force source of the public auth.log, once per burst', async () => {
    const rows = await h.sql(`select source_ip, extract(epoch from occurred_at)::float8 as t, details->>'connection' as conn,
        details->>'userLookup' = 'true' as lookup
      from govflow.audit_trail_events
      where source = 'auth' and outcome in ('denied', 'failed') and source_ip is not null order by source_ip, occurred_at`);
    // Attempts as OpenSSH means them: an "Invalid user" lookup is its connection's attempt only
    // when that connection (same host and pid) logged no failure of its own within the hour after.
    const failures = rows.filter((r) => !r.lookup || !rows.some((c) => !c.lookup && c.conn === r.conn && c.source_ip === r.source_ip
      && Number(c.t) >= Number(r.t) && Number(c.t) < Number(r.t) + 3600));
    expect(failures.length).toBeLessThan(rows.length);
    // Bursts: failures of one IP no more than 10 minutes apart; flagged when 5 fall within 10 minutes.
    const expected: string[] = [];
    const byIp = new Map<string, number[]>();
    for (const f of failures) byIp.set(String(f.source_ip), [...(byIp.get(String(f.source_ip)) ?? []), Number(f.t)]);
    for (const [ip, times] of byIp) {
      let burst: number[] = [];
      const close = () => {
        if (burst.some((t, i) => burst.filter((u, j) => j <= i && t - u <= 600).length >= 5)) expected.push(pseudonym(ip, h.env.pseudonymKey));
      };
      for (const t of times) {
        if (burst.length && t - burst[burst.length - 1]! > 600) { close(); burst = []; }
        burst.push(t);
      }
      close();
    }
    const flagged = await h.sql(`select split_part(dedupe_key, ':', 3) as ip_key from govflow.audit_findings
      where rule = 'brute_force' and split_part(dedupe_key, ':', 2) = 'ip' and evidence->0->>'source' = 'auth'`);
    expect(expected.length).toBeGreaterThan(10);
    expect(flagged.map((f) => f.ip_key).sort()).toEqual(expected.sort());
  });
});
