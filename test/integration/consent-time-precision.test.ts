import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';
import { startHarness, type Harness } from '../support/harness';
import { publicFile } from '../support/public-data';
import type { GovernanceResult } from '../../workflows/governance';

// Consent judged at the instant it was known. A TC string made with the IAB's library carries
// Created/LastUpdated at the day (00:00 UTC): a grant "that day" may have come after a 10:40
// access, so that access is neither compliant nor a violation but uncertain, recorded apart; the
// next day it is compliant. A grant stamped to the second at 10:35 covers a 10:40 access; a
// withdrawal stamped 10:35 makes a 10:40 access a violation.

const DAY = '2026-11-02';
const NEXT = '2026-11-03';
const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
const read = (id: string, subject: string, time: string) => ({
  event_id: id, time, principal: 'svc-analytics', subject, action: 'read', resource: `/api/v1/users/${subject}/watch-history`,
  data_category: 'user.behavior.media_consumption', purpose: 'analytics', outcome: 'success', source_ip: '198.51.100.40', region: 'eu-central-1',
});

/** A TCF v2.2 string consenting to purpose 7, dated the way the IAB's library dates it: the day. */
function dayLevelTcString(day: string): string {
  const gvl = JSON.parse(readFileSync(publicFile('iabtcf-es/vendor-list.json'), 'utf8'));
  const model = new TCModel(new GVL({ ...gvl, tcfPolicyVersion: 5 }));
  model.cmpId = 300;
  model.cmpVersion = 2;
  model.isServiceSpecific = true;
  model.created = new Date(`${day}T00:00:00Z`);
  model.lastUpdated = new Date(`${day}T00:00:00Z`);
  model.purposeConsents.set([7]);
  return TCString.encode(model);
}

let h: Harness;
let first: GovernanceResult;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'govflow-consent-time-'));
  writeFileSync(join(dir, 'access.jsonl'), jsonl([
    read('tcf-same-day', 'user-8001', `${DAY}T10:40:00Z`),
    read('date-same-day', 'user-8004', `${DAY}T10:40:00Z`),
    read('second-grant', 'user-8002', `${DAY}T10:40:00Z`),
    read('second-withdrawal', 'user-8003', `${DAY}T10:40:00Z`),
    read('tcf-next-day', 'user-8001', `${NEXT}T10:40:00Z`),
  ]));
  writeFileSync(join(dir, 'tcf.jsonl'), jsonl([{ event_id: 't-1', subject: 'user-8001', tc_string: dayLevelTcString(DAY) }]));
  writeFileSync(join(dir, 'consent.jsonl'), jsonl([
    { event_id: 'c-2', subject: 'user-8002', purpose: 'analytics', granted: true, time: `${DAY}T10:35:00Z` },
    { event_id: 'c-3a', subject: 'user-8003', purpose: 'analytics', granted: true, time: '2026-10-01T08:00:00.250Z' },
    { event_id: 'c-3b', subject: 'user-8003', purpose: 'analytics', granted: false, time: `${DAY}T10:35:00Z` },
    { event_id: 'c-4', subject: 'user-8004', purpose: 'analytics', granted: true, time: DAY },
  ]));
  writeFileSync(join(dir, 'govflow.yaml'), stringify({
    policy: resolve('../shared/field-cases/P-13-late-consent-withdrawal/policy.yaml'),
    sources: [
      { name: 'web-access', kind: 'access', format: 'jsonl', path: 'access.jsonl' },
      { name: 'cmp', kind: 'consent', format: 'tcf', path: 'tcf.jsonl', options: { purposes: { '7': 'analytics' } } },
      { name: 'consent-export', kind: 'consent', format: 'jsonl', path: 'consent.jsonl' },
    ],
  }));
  h = await startHarness({ configFile: join(dir, 'govflow.yaml') });
});
afterAll(async () => {
  await h?.close();
});

async function govern(day: string): Promise<GovernanceResult> {
  const r: GovernanceResult = await h.client.workflow.execute('governanceRun', {
    taskQueue: h.taskQueue, workflowId: `consent-time-${day}-${Date.now()}`,
    args: [{ window: { start: `${day}T10:00:00Z`, end: `${day}T11:00:00Z` }, trigger: 'cli' }],
  });
  expect(r.status).toBe('completed');
  return r;
}

describe('consent judged at the instant it was known', () => {
  it('records each signal with the precision its format gives its timestamp', async () => {
    first = await govern(DAY);
    expect(await h.sql('select event_id, occurred_at, occurred_precision from govflow.consent_events order by event_id')).toEqual([
      { event_id: 'c-2', occurred_at: new Date(`${DAY}T10:35:00Z`), occurred_precision: 'second' },
      { event_id: 'c-3a', occurred_at: new Date('2026-10-01T08:00:00.250Z'), occurred_precision: 'millisecond' },
      { event_id: 'c-3b', occurred_at: new Date(`${DAY}T10:35:00Z`), occurred_precision: 'second' },
      { event_id: 'c-4', occurred_at: new Date(`${DAY}T00:00:00Z`), occurred_precision: 'day' },
      { event_id: 't-1:p7', occurred_at: new Date(`${DAY}T00:00:00Z`), occurred_precision: 'day' },
    ]);
  });

  it('a day-level grant leaves a same-day access uncertain, not a violation; a withdrawal at 10:35 makes 10:40 one', async () => {
    // (the first run, above, governed DAY 10:00–11:00)
    expect(first.kpis).toMatchObject({ consentViolations: 1, consentTimeUncertain: 2 });
    expect(await h.sql('select event_id, reason from govflow.consent_violations order by event_id')).toEqual([
      { event_id: 'second-withdrawal', reason: 'withdrawn' },
    ]);
    expect(await h.sql('select event_id, reason, signal_at, signal_precision from govflow.consent_time_uncertain order by event_id')).toEqual([
      { event_id: 'date-same-day', reason: 'consent_time_uncertain', signal_at: new Date(`${DAY}T00:00:00Z`), signal_precision: 'day' },
      { event_id: 'tcf-same-day', reason: 'consent_time_uncertain', signal_at: new Date(`${DAY}T00:00:00Z`), signal_precision: 'day' },
    ]);
    const [consent] = await h.sql(`select counts from govflow.task_runs where task = 'consent' and workflow_id like 'consent-time-${DAY}-%'`);
    expect(consent!.counts).toMatchObject({ consentViolations: 1, consentTimeUncertain: 2 });
    // The compliance report shows them apart from the violations.
    const [report] = await h.sql(`select text, kpis from govflow.reports where kind = 'compliance-report' and window_start = '${DAY}T10:00:00Z'`);
    expect(report!.text).toMatch(/Consent violations +1\n/);
    expect(report!.text).toMatch(/Consent time uncertain +2 /);
    expect(report!.kpis).toMatchObject({ consentViolations: { total: 1, uncertain: 2 } });
  });

  it('the next day the same day-level grant covers the access', async () => {
    const r = await govern(NEXT);
    expect(r.kpis).toMatchObject({ consentViolations: 0, consentTimeUncertain: 0 });
    expect(await h.sql(`select event_id from govflow.consent_violations where occurred_at >= '${NEXT}' union all
      select event_id from govflow.consent_time_uncertain where occurred_at >= '${NEXT}'`)).toEqual([]);
    // and the access it covers was judged: it is in the window's consent-checked count
    const [consent] = await h.sql(`select counts from govflow.task_runs where task = 'consent' and workflow_id like 'consent-time-${NEXT}-%'`);
    expect(consent!.counts).toMatchObject({ rowsIn: 1, consentViolations: 0, consentTimeUncertain: 0 });
  });
});
