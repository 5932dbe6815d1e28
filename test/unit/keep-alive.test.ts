import { describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { heartbeatOrStop, keepAlive } from '../../temporal/heartbeat';

// A step busy in one long statement must still heartbeat, or Temporal takes its worker for dead
// after the 30-second heartbeat timeout (workflow-safe/heartbeat-timeout.ts) and runs it again.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('keepAlive', () => {
  it('heartbeats while the work runs, repeating the last progress, and stops when it settles', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const result = await env.run(async () => {
      heartbeatOrStop({ table: 'masked_events', written: 5 });
      return keepAlive(async () => {
        await sleep(330); // one long statement: no heartbeat of its own
        return 'done';
      }, 50);
    });
    expect(result).toBe('done');
    expect(beats.length).toBeGreaterThanOrEqual(1 + 4);
    // The keep-alive beats say "alive" without wiping the progress `govflow run` shows.
    expect(beats.every((d) => JSON.stringify(d) === JSON.stringify({ table: 'masked_events', written: 5 }))).toBe(true);
    const after = beats.length;
    await sleep(150);
    expect(beats.length).toBe(after);
  });

  it('passes the work through, and its error, outside an activity too', async () => {
    expect(await keepAlive(async () => 7, 10)).toBe(7);
    await expect(keepAlive(async () => Promise.reject(new Error('boom')), 10)).rejects.toThrow('boom');
  });
});
