import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { startHarness, type Harness } from '../support/harness';
import { ENCRYPTED_ENCODING, payloadDataConverter, AesGcmPayloadCodec, payloadToJson } from '../../temporal/payload-codec';
import { createCodecServer } from '../../cli/codec-server';
import { SAMPLE_WINDOW } from '../../cli/commands/dev';
import type { GovernanceResult } from '../../workflows/governance';

// GOVFLOW_PAYLOAD_KEY on: the worker and a client with the codec run a real governance run, the
// history Temporal stores holds only ciphertext, and the codec server decodes it for the UI.

const KEY = 'payload-key-for-the-codec-test-of-32-chars-plus';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { GOVFLOW_PAYLOAD_KEY: KEY } });
});
afterAll(async () => {
  await h?.close();
});

describe('payload encryption', () => {
  let workflowId: string;

  it('runs a governance run end to end with every payload encrypted in the history', async () => {
    const client = new Client({ connection: h.client.connection, namespace: 'default', dataConverter: payloadDataConverter(KEY) });
    workflowId = `codec-${Date.now()}`;
    const result: GovernanceResult = await client.workflow.execute('governanceRun', { taskQueue: h.taskQueue, workflowId, args: [{ window: SAMPLE_WINDOW }] });
    expect(result.status).toBe('completed');
    expect(result.window.start).toBe('2026-11-01T10:00:00.000Z');

    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    const payloads: Array<{ metadata: Record<string, Uint8Array>; data?: Uint8Array | null }> = [];
    const walk = (v: unknown): void => {
      if (!v || typeof v !== 'object' || v instanceof Uint8Array) return;
      const o = v as Record<string, unknown>;
      if (o.metadata && typeof o.metadata === 'object' && 'encoding' in o.metadata) payloads.push(o as (typeof payloads)[number]);
      else Object.entries(o).forEach(([k, c]) => {
        // Core's own local-activity marker bookkeeping (seq, activity type, times) is written
        // by the SDK outside the data converter; the activity's result next to it is encrypted.
        // Search attributes stay plain by design: Temporal must index them (they carry states
        // and window bounds, never personal data).
        if (!(k === 'data' && o.result !== undefined) && k !== 'searchAttributes') walk(c);
      });
    };
    walk(history);
    expect(payloads.length).toBeGreaterThan(10);
    const withData = payloads.filter((p) => p.data && p.data.length > 0);
    for (const p of withData) expect(Buffer.from(p.metadata.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(withData.some((p) => Buffer.from(p.data!).toString('utf8').includes('2026-11-01'))).toBe(false);
  });

  it('codec-server decodes the stored payloads for the Temporal UI, with CORS for its origin only', async () => {
    const server = createCodecServer(new AesGcmPayloadCodec([KEY]), ['http://localhost:8233']);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
      const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
      const res = await fetch(`${base}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:8233' },
        body: JSON.stringify({ payloads: [payloadToJson({ metadata: input.metadata ?? {}, data: input.data ?? undefined })] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
      const body = (await res.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
      expect(Buffer.from(body.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
      expect(JSON.parse(Buffer.from(body.payloads[0]!.data, 'base64').toString())).toMatchObject({ window: SAMPLE_WINDOW });

      const preflight = await fetch(`${base}/decode`, { method: 'OPTIONS', headers: { origin: 'https://elsewhere.example' } });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect((await fetch(`${base}/decode`, { method: 'POST', body: 'not json' })).status).toBe(400);
    } finally {
      server.close();
    }
  });
});
