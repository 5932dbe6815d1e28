import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

// One day of a streaming platform's traffic for bench:dag, under the shipped policy.yaml: what a
// healthy platform looks like, with a trickle of what governance exists to catch.
//
// - Mostly policy-compliant: the recommender, analytics and ads services read viewing behaviour
//   for their consent-bound purposes; the fraud service reads device data for security; support
//   reads accounts from the EU in support hours.
// - Consent for the people whose data is used for consent-bound purposes, granted before the day;
//   about 1 person in 500 never granted advertising, and 1 in 1,000 withdrew analytics at noon.
// - A trickle of violations: 1 access in 2,000 denied, 1 in 20,000 by an unknown principal, 1 in
//   10,000 from outside the EU for an EU resident (the policy's `user-100*` sovereignty rule).
// - Varied URLs (the person's id in some paths, an e-mail in a few queries) and user agents.
// Deterministic (a seeded generator), so runs compare.

export const DAY = { start: '2026-10-01T00:00:00.000Z', end: '2026-10-02T00:00:00.000Z' };
const START = Date.parse(DAY.start);
const DAY_MS = 24 * 3600 * 1000;

const AGENTS = [
  'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.5) AppleWebKit/537.36 (KHTML, like Gecko) 85.0.4183.93/6.5 TV Safari/537.36',
  'Roku/DVP-12.5 (12.5.0.4178)',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'AppleTV14,1/17.4',
  'okhttp/4.12.0',
];
const EU = ['eu-west-1', 'eu-central-1', 'eu-north-1'];
const CONSENT_PURPOSES = ['personalisation', 'analytics', 'advertising'] as const;

/** mulberry32: a small seeded generator, so a run's traffic is the same every time. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface AccessEvent {
  event_id: string;
  time: string;
  principal: string;
  subject: string;
  action: string;
  resource: string;
  data_category: string;
  purpose: string;
  outcome: string;
  source_ip: string;
  region: string;
  user_agent: string;
}

/** How many people the traffic is about: one per 10 events, at least 1,000. */
export const subjectsFor = (n: number) => Math.max(1000, Math.round(n / 10));

export function accessEvent(i: number, n: number, next: () => number): AccessEvent {
  const subjects = subjectsFor(n);
  const s = Math.floor(next() * subjects);
  const subject = `user-${s}`;
  const at = START + Math.floor((i / n) * DAY_MS + next() * 1000) % DAY_MS;
  const hour = new Date(at).getUTCHours();
  const euResident = subject.startsWith('user-100');
  const r = next();
  let region = euResident || r < 0.7 ? EU[s % EU.length]! : 'us-east-1';
  const title = Math.floor(next() * 40_000);
  let e: Omit<AccessEvent, 'event_id' | 'time' | 'subject' | 'outcome' | 'source_ip' | 'region' | 'user_agent'>;
  const kind = next();
  if (kind < 0.35) {
    e = { principal: 'svc-recommender', action: 'read', resource: `/api/v1/users/${subject}/watch-history?page=${1 + (title % 5)}`, data_category: 'user.behavior.media_consumption', purpose: 'personalisation' };
  } else if (kind < 0.6) {
    e = { principal: 'svc-analytics', action: 'read', resource: `/api/v1/titles/${title}/playback`, data_category: 'user.behavior.media_consumption', purpose: 'analytics' };
  } else if (kind < 0.7) {
    e = { principal: 'svc-ads', action: 'read', resource: `/api/v1/recommendations/${subject}?slot=${title % 12}`, data_category: 'user.behavior.media_consumption', purpose: 'advertising' };
  } else if (kind < 0.95 || hour < 6 || hour > 18) {
    e = { principal: 'svc-fraud', action: 'read', resource: `/api/v1/sessions/${title}/devices`, data_category: 'user.device.ip_address', purpose: 'security' };
  } else {
    // Support works from the EU, in support hours (07–21 Berlin): these events are compliant.
    region = EU[s % EU.length]!;
    const withEmail = next() < 0.05;
    e = {
      principal: 'support-agent-7', action: 'read', data_category: 'user.account', purpose: 'service_delivery',
      resource: withEmail ? `/api/v1/users/search?email=${subject}%40example.com` : `/api/v1/users/${subject}/account`,
    };
  }
  let outcome = 'success';
  if (i % 2000 === 1999) outcome = 'denied';
  if (i % 20_000 === 7) e = { ...e, principal: 'svc-legacy-export' };
  if (i % 10_000 === 4321 && euResident) region = 'us-east-1';
  return {
    event_id: `acc-${i}`,
    time: new Date(at).toISOString(),
    subject,
    outcome,
    source_ip: `${e.principal === 'support-agent-7' ? '198.51.100' : `10.${(s >> 8) & 255}.${s & 255}`}.${1 + (i % 250)}`,
    region,
    user_agent: AGENTS[Math.floor(next() * AGENTS.length)]!,
    ...e,
  };
}

export interface ConsentRecord {
  event_id: string;
  user_id: string;
  purpose: string;
  granted: boolean;
  time: string;
  source: string;
  evidence: string;
}

/** Everyone's consent for the consent-bound purposes: given the week before, a few gaps and withdrawals. */
export function* consentRecords(n: number): Generator<ConsentRecord> {
  const before = new Date(START - 5 * DAY_MS).toISOString();
  const noon = new Date(START + DAY_MS / 2).toISOString();
  let k = 0;
  for (let s = 0; s < subjectsFor(n); s++) {
    for (const purpose of CONSENT_PURPOSES) {
      if (purpose === 'advertising' && s % 500 === 13) continue; // never granted
      yield { event_id: `con-${k++}`, user_id: `user-${s}`, purpose, granted: true, time: before, source: 'cmp-web', evidence: 'banner-v3' };
    }
    if (s % 1000 === 21) {
      yield { event_id: `con-${k++}`, user_id: `user-${s}`, purpose: 'analytics', granted: false, time: noon, source: 'cmp-web', evidence: 'settings-page' };
    }
  }
}

async function write(out: WriteStream, text: string) {
  if (!out.write(text)) await once(out, 'drain');
}

async function close(out: WriteStream) {
  out.end();
  await once(out, 'finish');
}

const csvField = (v: unknown) => (v === null || v === undefined ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

export interface GeneratedDay {
  /** The access events as JSONL, split over `files` files (for the fan-out). */
  accessFiles: string[];
  consentFile: string;
  /** The same rows in access_events' and consent_events' own column order, for psql \copy. */
  copyAccess: string;
  copyConsent: string;
  consentCount: number;
}

/**
 * Writes N access events (in `files` JSONL files), the consent export, and the same rows as CSV
 * in the tables' column order for `\copy` (source names `bench-access`, `bench-consent`).
 */
export async function generateDay(n: number, files: number, dir: string): Promise<GeneratedDay> {
  const next = random(20261001);
  const accessFiles = Array.from({ length: files }, (_, f) => join(dir, `access-${String(f).padStart(3, '0')}.jsonl`));
  const outs = accessFiles.map((f) => createWriteStream(f));
  const copyAccess = join(dir, 'access.copy.csv');
  const copy = createWriteStream(copyAccess);
  const perFile = Math.ceil(n / files);
  for (let i = 0; i < n; i++) {
    const e = accessEvent(i, n, next);
    const f = Math.floor(i / perFile);
    await write(outs[f]!, `${JSON.stringify(e)}\n`);
    // access_events: source, event_id, occurred_at, principal, subject_id, action, resource,
    // data_category, purpose, outcome, source_ip, region, user_agent, file, position
    const row = [
      'bench-access', e.event_id, e.time, e.principal, e.subject, e.action, e.resource, e.data_category, e.purpose, e.outcome,
      e.source_ip, e.region, e.user_agent, accessFiles[f], (i % perFile) + 1,
    ];
    await write(copy, `${row.map(csvField).join(',')}\n`);
  }
  const consentFile = join(dir, 'consent.jsonl');
  const copyConsent = join(dir, 'consent.copy.csv');
  const cj = createWriteStream(consentFile);
  const cc = createWriteStream(copyConsent);
  let consentCount = 0;
  for (const c of consentRecords(n)) {
    consentCount++;
    await write(cj, `${JSON.stringify(c)}\n`);
    // consent_events: source, event_id, subject_id, purpose, granted, occurred_at, evidence, file, position
    await write(cc, `${['bench-consent', c.event_id, c.user_id, c.purpose, c.granted, c.time, c.evidence, consentFile, consentCount].map(csvField).join(',')}\n`);
  }
  await Promise.all([...outs, copy, cj, cc].map(close));
  return { accessFiles, consentFile, copyAccess, copyConsent, consentCount };
}
