import type { Format } from './types';
import { jsonlFormat } from './jsonl';
import { csvFormat } from './csv';
import { combinedFormat } from './combined';
import { sshdFormat } from './sshd';
import { journaldFormat } from './journald';
import { cloudtrailFormat } from './cloudtrail';
import { k8sAuditFormat } from './k8s-audit';
import { tcfFormat } from './tcf';

/** Every file format a source may name, by name. (The `postgres` source is not a file format.) */
export const FORMATS: Record<string, Format> = Object.fromEntries(
  [jsonlFormat, csvFormat, combinedFormat, sshdFormat, journaldFormat, cloudtrailFormat, k8sAuditFormat, tcfFormat].map((f) => [f.name, f as unknown as Format]),
);
export type { Format, LineParser, Parsed, CanonicalObject } from './types';
