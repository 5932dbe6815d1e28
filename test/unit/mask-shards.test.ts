import { describe, expect, it } from 'vitest';
import { mergeSeen } from '../../masking/mask-shards';
import { DEFAULT_MASK_PARALLELISM, defaultMaskThreads, maskParallelism, maskThreads } from '../../masking/mask-parallelism';
import { partsOf } from '../../masking/mask-threads';
import type { SeenCounts } from '../../masking/value';

describe('GOVFLOW_MASK_PARALLELISM', () => {
  it('defaults to one connection and takes a whole number from 1 to 16', () => {
    expect(maskParallelism({})).toBe(DEFAULT_MASK_PARALLELISM);
    expect(maskParallelism({ GOVFLOW_MASK_PARALLELISM: '1' })).toBe(1);
    expect(maskParallelism({ GOVFLOW_MASK_PARALLELISM: '16' })).toBe(16);
  });
  it('refuses anything else, naming the variable and what it expects', () => {
    for (const bad of ['0', '17', '2.5', 'two', '-1']) {
      expect(() => maskParallelism({ GOVFLOW_MASK_PARALLELISM: bad })).toThrow(
        `GOVFLOW_MASK_PARALLELISM: expected a whole number of connections from 1 to 16, got "${bad}"`,
      );
    }
  });
});

describe('GOVFLOW_MASK_THREADS', () => {
  it('defaults to none and takes a whole number from 0 to 16', () => {
    expect(maskThreads({})).toBe(defaultMaskThreads());
    expect(defaultMaskThreads()).toBe(0);
    expect(maskThreads({ GOVFLOW_MASK_THREADS: '0' })).toBe(0);
    expect(maskThreads({ GOVFLOW_MASK_THREADS: '16' })).toBe(16);
  });
  it('refuses anything else, naming the variable and what it expects', () => {
    for (const bad of ['17', '1.5', 'many', '-1']) {
      expect(() => maskThreads({ GOVFLOW_MASK_THREADS: bad })).toThrow(`GOVFLOW_MASK_THREADS: expected a whole number of threads from 0 to 16, got "${bad}"`);
    }
  });
  it('cuts a page into parts that keep its order and lose nothing', () => {
    const page = Array.from({ length: 10 }, (_, i) => i);
    expect(partsOf(page, 3)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(partsOf(page, 1)).toEqual([page]);
    expect(partsOf([1], 3).flat()).toEqual([1]);
  });
});

describe('mergeSeen', () => {
  it('adds the shards’ counts and widens first and last seen', () => {
    const a: SeenCounts = new Map([['web\tresource\tEMAIL_ADDRESS', { count: 2, first: '2026-11-01T10:05:00.000Z', last: '2026-11-01T10:20:00.000Z' }]]);
    const b: SeenCounts = new Map([
      ['web\tresource\tEMAIL_ADDRESS', { count: 3, first: '2026-11-01T10:01:00.000Z', last: '2026-11-01T10:10:00.000Z' }],
      ['web\tuser_agent\tPERSON', { count: 1, first: '2026-11-01T10:30:00.000Z', last: '2026-11-01T10:30:00.000Z' }],
    ]);
    const all = mergeSeen(mergeSeen(new Map(), a), b);
    expect(Object.fromEntries(all)).toEqual({
      'web\tresource\tEMAIL_ADDRESS': { count: 5, first: '2026-11-01T10:01:00.000Z', last: '2026-11-01T10:20:00.000Z' },
      'web\tuser_agent\tPERSON': { count: 1, first: '2026-11-01T10:30:00.000Z', last: '2026-11-01T10:30:00.000Z' },
    });
    expect(a.get('web\tresource\tEMAIL_ADDRESS')!.count).toBe(2);
  });
});
