import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { deriveConsent } from '../../consent/derive';
import type { SourceScope } from '../../workflow-safe/source-scope';

// consent_state is refreshed by an UPDATE of the words that changed and an INSERT of the
// (person, purpose) pairs not there yet (consent/derive.ts): what it holds must stay what the
// former upsert left, scope by scope. A region's refresh never replaces another scope's newer
// word with its own older one, replaces it with a newer one, adds the people only it knows, and
// a re-run changes nothing.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const window = { start: '2026-11-02T00:00:00Z', end: '2026-11-02T01:00:00Z' };
const eu: SourceScope = { region: 'eu-west-1', sources: ['eu-web'] };
const us: SourceScope = { region: 'us-east-1', sources: ['us-web'] };

async function record(source: string, id: string, subject: string, granted: boolean, at: string): Promise<void> {
  await h.sql(`insert into govflow.consent_events (source, event_id, subject_id, purpose, granted, occurred_at) values ($1, $2, $3, 'analytics', $4, $5)`,
    [source, id, subject, granted, at]);
}
const state = () => h.sql(`select s.subject_id, s.granted, s.as_of::text as as_of, e.event_id
  from govflow.consent_state s join govflow.consent_events e on e.id = s.event_ref
  where s.subject_id like 'refresh-%' order by s.subject_id, s.purpose`);

describe('the consent_state refresh', () => {
  it("keeps another scope's newer word, adds its own people, takes its own newer word, and changes nothing when run again", async () => {
    const { consent } = deriveConsent({ pool: h.pool, db: h.db, config: h.config, env: h.env });
    const run = (scope?: SourceScope) => consent({ workflowId: 'refresh', runId: 'refresh', window, ...(scope ? { scope } : {}) });
    await record('eu-web', 'eu-1', 'refresh-alice', true, '2026-10-01T00:00:00Z');
    await record('us-web', 'us-1', 'refresh-alice', false, '2026-10-05T00:00:00Z');
    await record('eu-web', 'eu-2', 'refresh-bob', true, '2026-10-03T00:00:00Z');

    await run(us);
    expect(await state()).toEqual([{ subject_id: 'refresh-alice', granted: false, as_of: '2026-10-05 00:00:00+00', event_id: 'us-1' }]);

    await run(eu);
    const afterEu = [
      { subject_id: 'refresh-alice', granted: false, as_of: '2026-10-05 00:00:00+00', event_id: 'us-1' },
      { subject_id: 'refresh-bob', granted: true, as_of: '2026-10-03 00:00:00+00', event_id: 'eu-2' },
    ];
    expect(await state()).toEqual(afterEu);
    await run(eu);
    expect(await state()).toEqual(afterEu);

    await record('eu-web', 'eu-3', 'refresh-alice', true, '2026-10-07T00:00:00Z');
    await run(eu);
    const latest = [
      { subject_id: 'refresh-alice', granted: true, as_of: '2026-10-07 00:00:00+00', event_id: 'eu-3' },
      { subject_id: 'refresh-bob', granted: true, as_of: '2026-10-03 00:00:00+00', event_id: 'eu-2' },
    ];
    expect(await state()).toEqual(latest);
    await run();
    expect(await state()).toEqual(latest);
  });
});
