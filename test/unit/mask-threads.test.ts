import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config';
import { compileRoutes } from '../../masking/route-template';
import { MaskThreads } from '../../masking/mask-threads';
import { textMasking, type TextMaskingSetup } from '../../masking/text-masking';

// Distinct values masked on worker threads (masking/mask-threads.ts) come back in order and equal
// to the step's own masking; a thread that cannot run costs speed, never a value.

const policy = loadConfig('govflow.yaml').policy.policy.masking;
const setup: TextMaskingSetup = { policy, routes: compileRoutes(policy.routes), pseudonymKey: 'unit-test-key-of-at-least-32-characters' };
const values = Array.from({ length: 60 }, (_, i) => [
  { field: 'resource', value: `/api/v1/users/user-${i}/watch-history?page=${i % 4}&email=someone${i}%40example.com` },
  { field: 'user_agent', value: `StreamApp/8.${i} (Zelda's iPad; iOS 17.4) contact z${i}@example.com` },
  { field: 'target', value: `arn:aws:iam::123456789012:user/jane.doe${i}` },
]).flat();

describe('mask threads', () => {
  it('masks a page on two threads and here, in order, exactly as here alone', async () => {
    const local = textMasking(setup);
    const threads = new MaskThreads(local, setup, 2, 1);
    try {
      const spread = await threads.probe(values);
      expect(threads.active).toBe(2);
      expect(spread).toEqual(local.probe(values));
      const people = values.map((v, i) => ({ ...v, p1: `user-${i}`, p2: '', k1: `p_key${i}`, k2: null }));
      expect(await threads.again(people, new Map())).toEqual(local.again(people, new Map()));
    } finally {
      await threads.close();
    }
  });

  it('masks here what a thread cannot take (a setup that cannot be copied to it)', async () => {
    const local = textMasking(setup);
    const threads = new MaskThreads(local, { ...setup, notCopyable: () => 1 } as unknown as TextMaskingSetup, 1, 1);
    try {
      expect(await threads.probe(values)).toEqual(local.probe(values));
      expect(threads.active).toBe(0);
    } finally {
      await threads.close();
    }
  });

  it('starts no thread for a page below the threshold', async () => {
    const threads = new MaskThreads(textMasking(setup), setup, 2, 1_000);
    await threads.probe(values);
    expect(threads.active).toBe(0);
    await threads.close();
  });
});
