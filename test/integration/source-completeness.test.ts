import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { writeConfig } from '../support/config-file';
import type { GovernanceResult } from '../../workflows/governance';
import { formatRunSummary } from '../../cli/format';
import { SAMPLE_WINDOW } from '../../cli/commands/dev';

// Data completeness (issue 12, item 6): every configured source appears in the run's result and
// summary and in the compliance report with what it delivered, and a source that delivered
// nothing (missing, a directory, a glob matching nothing, a truncated gzip) is named with its
// path and keeps the window from reading as clean.

const scratch = mkdtempSync(join(tmpdir(), 'govflow-completeness-'));
mkdirSync(join(scratch, 'a-directory'));
mkdirSync(join(scratch, 'inbox'));
const lines = Array.from({ length: 2000 }, (_, i) =>
  JSON.stringify({ event_id: `gz-${i}`, time: '2026-11-01T12:30:00Z', principal: 'svc', subject: `user-${i}`, action: 'read', outcome: 'success' }),
).join('\n');
const gz = gzipSync(lines);
writeFileSync(join(scratch, 'truncated.jsonl.gz'), gz.subarray(0, Math.floor(gz.length * 0.5)));

const PATHS = {
  missing: join(scratch, 'no-such-file.jsonl'),
  directory: join(scratch, 'a-directory'),
  glob: join(scratch, 'inbox', '*.log'),
  truncated: join(scratch, 'truncated.jsonl.gz'),
};
const SOURCES = [
  { name: 'sample-access', kind: 'access', format: 'jsonl', path: resolve('examples/access-log.jsonl') },
  { name: 'sample-consent', kind: 'consent', format: 'jsonl', path: resolve('examples/consent-export.jsonl') },
  { name: 'sample-audit', kind: 'audit', format: 'jsonl', path: resolve('examples/audit-trail.jsonl') },
  { name: 'gone', kind: 'audit', format: 'jsonl', path: PATHS.missing },
  { name: 'dir', kind: 'access', format: 'jsonl', path: PATHS.directory },
  { name: 'quiet-inbox', kind: 'access', format: 'combined', path: PATHS.glob },
  { name: 'cut', kind: 'access', format: 'jsonl', path: PATHS.truncated },
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ configFile: writeConfig(SOURCES) });
});
afterAll(async () => {
  await h?.close();
});

const run = (window: { start: string; end: string }, id: string): Promise<GovernanceResult> =>
  h.client.workflow.execute('governanceRun', { taskQueue: h.taskQueue, workflowId: `${id}-${Date.now()}`, args: [{ window }] });

async function report(workflowId: string): Promise<{ text: string; html: string; kpis: Record<string, any> }> {
  const [r] = await h.sql("select text, html, kpis from govflow.reports where kind = 'compliance-report' and workflow_id = $1", [workflowId]);
  return r as { text: string; html: string; kpis: Record<string, any> };
}

describe('data completeness', () => {
  let sample: GovernanceResult;

  it('completes, and returns every source with what it delivered or why not, with its path', async () => {
    sample = await run(SAMPLE_WINDOW, 'completeness');
    expect(sample.status).toBe('completed');
    const byName = Object.fromEntries(sample.sources!.map((d) => [d.source, d]));
    expect(sample.sources!.map((d) => d.source)).toEqual(SOURCES.map((s) => s.name));
    expect(byName['sample-access']).toMatchObject({ state: 'delivered', files: 1, filesLoaded: 1, records: 39, rejected: 3 });
    expect(byName.gone).toMatchObject({ state: 'missing', location: PATHS.missing, files: 0 });
    expect(byName.dir).toMatchObject({ state: 'not-a-file', location: PATHS.directory, problems: ['a directory'] });
    expect(byName['quiet-inbox']).toMatchObject({ state: 'matched-nothing', location: PATHS.glob });
    expect(byName.cut).toMatchObject({ state: 'unreadable', files: 1, filesFailed: 1 });
    expect(byName.cut!.problems).toEqual([expect.stringMatching(new RegExp(`^truncated gzip.*\\(${PATHS.truncated.replace(/[.*]/g, '\\$&')}\\)$`))]);
    expect(byName.cut!.records).toBeGreaterThan(0); // what was read before the fault stays loaded
    expect(sample.tasks.ingest!.counts).toMatchObject({ sourcesDelivered: 3, sourcesIncomplete: 4 });
  });

  it('prints each source in the run summary, marking the ones that did not deliver', () => {
    const summary = formatRunSummary(sample);
    expect(summary).toContain('sources              INCOMPLETE: 4 of 7 sources did not deliver in full (gone, dir, quiet-inbox, cut)');
    expect(summary).toMatch(/✓ sample-access\s+access\s+1 file, 39 records, 3 rejected/);
    expect(summary).toMatch(new RegExp(`✗ gone\\s+audit\\s+missing: ${PATHS.missing.replace(/[.*]/g, '\\$&')}`));
    expect(summary).toContain(`not a file: ${PATHS.directory} (a directory)`);
    expect(summary).toContain(`matched nothing: ${PATHS.glob}`);
    expect(summary).toMatch(new RegExp(`✗ cut\\s+access\\s+unreadable: truncated gzip.*${PATHS.truncated.replace(/[.*]/g, '\\$&')}`));
  });

  it('names them in the report, whose verdict says the data is incomplete', async () => {
    const r = await report(sample.workflowId);
    expect(r.kpis.verdict.status).toBe('non-compliant');
    expect(r.text).toMatch(/^Verdict: Non-compliant: .*\. Data incomplete: 4 sources did not deliver: gone \(missing\), dir \(not a file\), quiet-inbox \(matched nothing\), cut \(unreadable\)$/m);
    for (const p of Object.values(PATHS)) {
      expect(r.text).toContain(p);
      expect(r.html).toContain(p);
    }
    expect(r.text).toMatch(/!! gone\s+audit\s+missing: /);
    expect(r.text).toMatch(/ok sample-audit\s+audit\s+1 file, 6 records, 1 rejected/);
    writeFileSync('test-artifacts/compliance-report-incomplete.txt', r.text);
    writeFileSync('test-artifacts/compliance-report-incomplete.html', r.html);
    expect(r.text).toContain(`Find out why source quiet-inbox did not deliver (matched nothing: ${PATHS.glob})`);
  });

  it('reads a window without findings as incomplete, not clean, when a source delivered nothing', async () => {
    const quiet = await run({ start: '2026-11-01T14:00:00Z', end: '2026-11-01T15:00:00Z' }, 'completeness-quiet');
    expect(quiet.kpis.findings.total).toBe(0);
    expect(quiet.kpis.consentViolations).toBe(0);
    const r = await report(quiet.workflowId);
    expect(r.kpis.verdict.status).toBe('incomplete');
    expect(r.text).toMatch(/^Verdict: Incomplete: 4 sources did not deliver: gone \(missing\), .*the window cannot be called clean$/m);
    expect(r.text).not.toMatch(/Verdict: Clean/);
    // Files already loaded by the first run count as delivered, not as missing.
    expect(quiet.sources!.find((d) => d.source === 'sample-access')).toMatchObject({ state: 'delivered', filesAlreadyLoaded: 1, records: 39 });
  });
});
