import { z } from 'zod';
import { bad, one, type Format } from './types';

// Apache/nginx "combined" access log:
//   203.0.113.7 - alice [25/Oct/2015:04:11:25 +0100] "GET /path HTTP/1.1" 200 2326 "referer" "agent"
// The common log format (without referer and agent) is accepted too. 401 and 403 are denied
// access; 5xx are failures; anything else was served.

const options = z.strictObject({
  region: z.string().optional(),
  purpose: z.string().optional(),
  data_category: z.string().optional(),
}).prefault({});

const LINE =
  /^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\S+)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?/;
const MONTHS: Record<string, string> = {
  Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06', Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12',
};

/** 25/Oct/2015:04:11:25 +0100 → 2015-10-25T04:11:25+01:00 */
export function clfTime(t: string): string | undefined {
  const m = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(t);
  if (!m || !MONTHS[m[2]!]) return undefined;
  return `${m[3]}-${MONTHS[m[2]!]}-${m[1]}T${m[4]}:${m[5]}:${m[6]}${m[7]}${m[8]}:${m[9]}`;
}

export function outcomeOfStatus(status: number): 'success' | 'denied' | 'failed' {
  if (status === 401 || status === 403) return 'denied';
  return status >= 500 ? 'failed' : 'success';
}

const dash = (v: string | undefined) => (v === undefined || v === '-' ? null : v);

export const combinedFormat: Format<typeof options> = {
  name: 'combined',
  kinds: ['access'],
  options,
  create(o) {
    return {
      parse(text) {
        const m = LINE.exec(text);
        if (!m) return bad('not a combined/common log line');
        const time = clfTime(m[4]!);
        if (!time) return bad(`unparseable time "${m[4]}"`);
        const request = m[5]!;
        const [method, target] = request.split(' ');
        const status = Number(m[6]);
        return one({
          time,
          principal: dash(m[3]),
          action: method && target ? method : 'INVALID',
          resource: target ?? (request || null),
          outcome: outcomeOfStatus(status),
          source_ip: m[1],
          user_agent: dash(m[9]),
          region: o.region,
          purpose: o.purpose,
          data_category: o.data_category,
        });
      },
    };
  },
};
