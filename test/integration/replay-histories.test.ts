import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Worker } from '@temporalio/worker';
import { readHistoryJSON } from '../support/history-json';

// Determinism: every recorded history (test/fixtures/histories, refreshed by
// `npm run histories:refresh`) must replay against today's workflow code. A change that would
// break runs already in flight (a new step, reordered commands, a removed timer) fails here.

const DIR = 'test/fixtures/histories';
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('recorded workflow histories', () => {
  it('cover every path through governanceRun', () => {
    expect(files.map((f) => basename(f, '.json'))).toEqual([
      'bad-input', 'completed-sample', 'deadline-exceeded', 'failed-at-mask', 'last-hour', 'replay-skipping-tasks', 'reset-after-failure', 'scheduled',
    ]);
  });

  it('replay without a determinism error against the current workflow code', async () => {
    const histories = files.map((f) => ({ workflowId: basename(f, '.json'), history: readHistoryJSON(join(DIR, f)) }));
    const results: Record<string, string> = {};
    for await (const r of Worker.runReplayHistories({ workflowBundle: { code: inject('workflowBundleCode') } }, histories)) {
      results[r.workflowId] = r.error ? `${r.error.name}: ${r.error.message}` : 'ok';
    }
    expect(results).toEqual(Object.fromEntries(histories.map((x) => [x.workflowId, 'ok'])));
  });
});
