import { parentPort, workerData } from 'node:worker_threads';
import { textMasking, type TextMaskingSetup, type TextValue, type TextValueWithPeople } from './text-masking';

// The worker-thread side of masking/mask-threads.ts: masks the pages it is sent with the setup it
// was started with, and answers each request with its id.

export type ThreadRequest =
  | { id: number; kind: 'probe'; values: TextValue[] }
  | { id: number; kind: 'again'; values: TextValueWithPeople[]; dataKeys: Array<[string, Uint8Array]> };

const masking = textMasking(workerData as TextMaskingSetup);
parentPort!.on('message', (req: ThreadRequest) => {
  try {
    const result = req.kind === 'probe' ? masking.probe(req.values) : masking.again(req.values, new Map(req.dataKeys));
    parentPort!.postMessage({ id: req.id, result });
  } catch (err) {
    parentPort!.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});
