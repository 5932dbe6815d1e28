import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

// Synthetic streaming-platform access events, written in the three shapes the ingest benchmark
// compares: govflow's JSONL, a CSV for govflow's csv format, and a CSV in access_events' own
// column order for psql's \copy. Deterministic (no randomness), so runs are comparable.

const PRINCIPALS = ['svc-recommender', 'svc-analytics', 'svc-billing', 'support-agent-7', 'svc-fraud'];
const PURPOSES = ['personalisation', 'analytics', 'service_delivery', 'service_delivery', 'security'];
const OUTCOMES = ['success', 'success', 'success', 'success', 'success', 'success', 'success', 'denied', 'success', 'failed'];
const REGIONS = ['eu-west-1', 'us-east-1', 'eu-central-1'];
const AGENT = 'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.5) AppleWebKit/537.36';
const START = Date.parse('2026-10-01T00:00:00Z');
const SPAN_MS = 7 * 24 * 3600 * 1000; // a week: seven daily partitions

export const CSV_HEADER = 'event_id,time,principal,subject,action,resource,data_category,purpose,outcome,source_ip,region,user_agent';

export function event(i: number) {
  const p = i % PRINCIPALS.length;
  return {
    event_id: `bench-${i}`,
    time: new Date(START + Math.floor((i * 7919) % SPAN_MS)).toISOString(),
    principal: PRINCIPALS[p]!,
    subject: `user-${(i * 31) % 200_000}`,
    action: i % 50 === 0 ? 'export' : 'read',
    resource: `/api/v1/titles/${i % 30_000}/playback`,
    data_category: 'user.behavior.media_consumption',
    purpose: PURPOSES[p]!,
    outcome: OUTCOMES[i % OUTCOMES.length]!,
    source_ip: `198.51.${(i >> 8) & 255}.${i & 255}`,
    region: REGIONS[i % REGIONS.length]!,
    user_agent: AGENT,
  };
}

async function write(out: WriteStream, text: string) {
  if (!out.write(text)) await once(out, 'drain');
}

async function close(out: WriteStream) {
  out.end();
  await once(out, 'finish');
}

export async function generate(n: number, files: { jsonl: string; csv: string; copyCsv: string; copySource: string }): Promise<void> {
  const jsonl = createWriteStream(files.jsonl);
  const csv = createWriteStream(files.csv);
  const copy = createWriteStream(files.copyCsv);
  await write(csv, `${CSV_HEADER}\n`);
  for (let i = 0; i < n; i++) {
    const e = event(i);
    await write(jsonl, `${JSON.stringify(e)}\n`);
    const row = [e.event_id, e.time, e.principal, e.subject, e.action, e.resource, e.data_category, e.purpose, e.outcome, e.source_ip, e.region, `"${e.user_agent}"`];
    await write(csv, `${row.join(',')}\n`);
    // access_events' columns: source, event_id, occurred_at, principal, subject_id, action, resource,
    // data_category, purpose, outcome, source_ip, region, user_agent, file, position
    await write(copy, `${[files.copySource, ...row, files.copyCsv, i + 1].join(',')}\n`);
  }
  await Promise.all([close(jsonl), close(csv), close(copy)]);
}
