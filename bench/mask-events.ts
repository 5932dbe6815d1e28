import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

// Synthetic access events for the mask benchmark, as a CSV in access_events' own column order
// (psql \copy reads it, and the mask step then masks exactly those rows). Deterministic, and
// varied the way masking cares about: 50,000 people (a tenth known by an e-mail address or a
// name), URLs of eight shapes (catalogue pages shared by everyone, per-person paths that name
// their own subject, searches, e-mail addresses in paths and queries, one-off magic-link tokens),
// a few hundred user agents (some carrying an address), IPv4 and IPv6 clients, anonymous access.

const SERVICES = ['svc-recommender', 'svc-analytics', 'svc-billing', 'svc-fraud', 'svc-search'];
const PURPOSES = ['personalisation', 'analytics', 'service_delivery', 'security', 'service_delivery'];
const WORDS = ['drama', 'comedy', 'thriller', 'documentary', 'kids', 'anime', 'news', 'sport', 'crime', 'romance', 'horror', 'music', 'travel', 'cooking', 'history', 'science'];
const FIRST = ['jane', 'orion', 'zelda', 'kit', 'amara', 'bjorn', 'chloe', 'dmitri', 'elif', 'farah', 'goran', 'hana', 'ivo', 'jonas', 'keiko', 'luca'];
const LAST = ['doe', 'blackwood', 'quartermaine', 'marlowe', 'okafor', 'lindqvist', 'moreau', 'petrov', 'yilmaz', 'haddad', 'novak', 'sato', 'horvat', 'berg', 'tanaka', 'romano'];
const BROWSERS = ['Chrome/120.0.0.0', 'Chrome/121.0.6167.85', 'Firefox/121.0', 'Safari/605.1.15', 'Edg/120.0.2210.91'];
const PLATFORMS = ['Windows NT 10.0; Win64; x64', 'Macintosh; Intel Mac OS X 10_15_7', 'X11; Linux x86_64', 'iPhone; CPU iPhone OS 17_4 like Mac OS X', 'Linux; Android 14; Pixel 8'];
const APPS = ['StreamApp/8.2.1 (iPhone; iOS 17.4)', 'StreamApp/8.1.0 (Android 14; Pixel 8)', 'Roku/DVP-12.5 (12.5.0.4178)', 'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.5) AppleWebKit/537.36', 'curl/8.4.0'];
const START = Date.parse('2026-10-01T00:00:00Z');
const SPAN_MS = 7 * 24 * 3600 * 1000;
const PEOPLE = 50_000;

const pick = <T>(xs: readonly T[], i: number) => xs[i % xs.length]!;

/** Person k's identifier: mostly "user-K", a tenth an e-mail address or a name. */
export function person(k: number): string {
  if (k % 20 === 1) return `${pick(FIRST, k)}.${pick(LAST, k >> 4)}${k}@example.com`;
  if (k % 20 === 2) return `${pick(FIRST, k)}.${pick(LAST, k >> 4)}.${k}`;
  return `user-${k}`;
}

function userAgent(i: number, subject: string): string {
  const u = (i * 2654435761) % 1000;
  if (u < 500) return `Mozilla/5.0 (${pick(PLATFORMS, u)}) AppleWebKit/537.36 (KHTML, like Gecko) ${pick(BROWSERS, u >> 3)} Safari/537.36`;
  if (u < 990) return pick(APPS, u);
  return `StreamApp/8.2.1 (iPhone; iOS 17.4) contact ${subject.includes('@') ? subject : `${subject}@example.com`}`;
}

function resource(i: number, subject: string): string {
  const r = (i * 40503) % 100;
  if (r < 40) return `/api/v1/titles/${(i * 7) % 30_000}/playback`;
  if (r < 62) return `/api/v1/users/${encodeURIComponent(subject)}/watch-history?page=${i % 4}`;
  if (r < 72) return `/api/v1/search?q=${pick(WORDS, i)}&page=${i % 3}&lang=en`;
  if (r < 82) return `/catalog/${pick(WORDS, i >> 2)}/${pick(WORDS, i >> 5)}-${pick(WORDS, i >> 7)}.json`;
  if (r < 92) return `/api/v1/users/${encodeURIComponent(subject)}/profile`;
  if (r < 96) return `/api/v1/users/by-email/${encodeURIComponent(subject.includes('@') ? subject : `${subject}@example.com`)}`;
  if (r < 99) return `/api/v1/account?email=${encodeURIComponent(`${subject}@example.com`)}&page=1`;
  return `/auth/magic-link/${Buffer.from(`${subject}:${i}`).toString('base64url')}`;
}

const csv = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** access_events' columns, in the order of the CSV written by `generate`. */
export const COLUMNS = 'source, event_id, occurred_at, principal, subject_id, action, resource, data_category, purpose, outcome, source_ip, region, user_agent';

/** Writes N events to `file` (CSV without a header, columns as COLUMNS), over the week from 2026-10-01. */
export async function generate(n: number, file: string): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < n; i++) {
    const subject = person((i * 7919) % PEOPLE);
    const p = i % 50;
    const principal = p < 40 ? pick(SERVICES, i) : p < 48 ? `support-agent-${i % 30}` : '-';
    const ip = i % 20 === 0 ? `2001:db8:${(i % 4096).toString(16)}:${(i >> 12) & 0xff}::${(i & 0xff).toString(16)}` : `198.51.${(i >> 8) & 255}.${i & 255}`;
    const row = [
      'bench', `e${i}`, new Date(START + ((i * 7919) % SPAN_MS)).toISOString(), principal, subject, i % 50 === 0 ? 'export' : 'read',
      resource(i, subject), 'user.behavior.media_consumption', pick(PURPOSES, i), i % 10 === 9 ? 'denied' : 'success', ip, pick(['eu-west-1', 'us-east-1', 'eu-central-1'], i), userAgent(i, subject),
    ];
    if (!out.write(`${row.map(csv).join(',')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
