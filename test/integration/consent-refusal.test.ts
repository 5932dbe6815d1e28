import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startHarness, type Harness } from '../support/harness';
import type { GovernanceResult } from '../../workflows/governance';

// A Global Privacy Control header from someone who never granted the purpose is a refusal, not a
// withdrawal (GDPR Art. 7(3) withdraws a consent that was given): the violation says "refused",
// as consent_withdrawals already did; after a grant, the same header is a withdrawal.

const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
const read = (id: string, subject: string, time: string) => ({
  event_id: id, time, principal: 'svc-analytics', subject, action: 'read', resource: `/api/v1/users/${subject}/watch-history`,
  data_category: 'user.behavior.media_consumption', purpose: 'analytics', outcome: 'success', source_ip: '198.51.100.40', region: 'eu-central-1',
});

let h: Harness;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'govflow-gpc-'));
  writeFileSync(join(dir, 'access.jsonl'), jsonl([read('r-1', 'user-7001', '2026-11-01T10:30:00Z'), read('r-2', 'user-7002', '2026-11-01T10:30:00Z')]));
  writeFileSync(join(dir, 'consent.jsonl'), jsonl([
    { event_id: 'c-1', user_id: 'user-7001', purpose: 'analytics', granted: false, time: '2026-11-01T10:05:00Z', signal: 'gpc', source: 'web' },
    { event_id: 'c-2', user_id: 'user-7002', purpose: 'analytics', granted: true, time: '2026-10-01T08:00:00Z', signal: 'explicit', source: 'web' },
    { event_id: 'c-3', user_id: 'user-7002', purpose: 'analytics', granted: false, time: '2026-11-01T10:05:00Z', signal: 'gpc', source: 'web' },
  ]));
  writeFileSync(join(dir, 'govflow.yaml'), stringify({
    policy: resolve('../shared/field-cases/P-13-late-consent-withdrawal/policy.yaml'),
    sources: [
      { name: 'gpc-access', kind: 'access', format: 'jsonl', path: 'access.jsonl' },
      { name: 'gpc-consent', kind: 'consent', format: 'jsonl', path: 'consent.jsonl' },
    ],
  }));
  h = await startHarness({ configFile: join(dir, 'govflow.yaml') });
});
afterAll(async () => {
  await h?.close();
});

describe('a GPC refusal', () => {
  it('of a purpose never granted is a refusal; after a grant, a withdrawal', async () => {
    const r: GovernanceResult = await h.client.workflow.execute('governanceRun', {
      taskQueue: h.taskQueue, workflowId: `gpc-${Date.now()}`,
      args: [{ window: { start: '2026-11-01T10:00:00Z', end: '2026-11-01T11:00:00Z' }, trigger: 'cli' }],
    });
    expect(r.status).toBe('completed');
    expect(await h.sql('select event_id, reason from govflow.consent_violations order by event_id')).toEqual([
      { event_id: 'r-1', reason: 'refused' },
      { event_id: 'r-2', reason: 'withdrawn' },
    ]);
    expect(await h.sql('select event_id, kind from govflow.consent_withdrawals order by event_id')).toEqual([
      { event_id: 'c-1', kind: 'refused' },
      { event_id: 'c-3', kind: 'withdrawn' },
    ]);
  });
});
