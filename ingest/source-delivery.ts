// What each configured source delivered to one run: the data-completeness record that the run
// summary (`govflow run`, `run --json`) and the compliance report show, so a source that
// delivered nothing is never mistaken for a quiet, clean window. Pure: the workflow imports the
// type, the CLI and the report the wording. Paths and source names come from the configuration;
// no record content is ever held here.

/**
 * - `delivered`: at least one record read (files loaded now or already loaded by an earlier run;
 *   for a database source, its query ran, even when the window held no rows);
 * - `empty`: its files exist and were read, but held no valid record;
 * - `missing`: the configured path (no wildcard) does not exist;
 * - `not-a-file`: the configured path is a directory (or a socket, a device…);
 * - `matched-nothing`: the glob matched no file;
 * - `unreadable`: a file could not be read to its end (no permission, a truncated gzip, …); what
 *   was read before the fault stays loaded and is counted.
 */
export type SourceState = 'delivered' | 'empty' | 'missing' | 'not-a-file' | 'matched-nothing' | 'unreadable';

export interface SourceDelivery {
  source: string;
  kind: string;
  format: string;
  /** The configured path or glob (absolute), or `query` for a database source (its URL is a secret). */
  location: string;
  state: SourceState;
  /** Files the path matched; loaded now, loaded by an earlier run, failed. */
  files: number;
  filesLoaded: number;
  filesAlreadyLoaded: number;
  filesFailed: number;
  /** Valid records read (new or already held), and records quarantined. */
  records: number;
  rejected: number;
  /** One line per fault, each naming the file, e.g. "truncated gzip (Z_BUF_ERROR): /var/log/a.gz". */
  problems: string[];
}

/** True when the source delivered what a window's governance needs. */
export const delivered = (d: Pick<SourceDelivery, 'state'>): boolean => d.state === 'delivered';

const n = (v: number) => v.toLocaleString('en-US');
const plural = (v: number, one: string, many = `${one}s`) => `${n(v)} ${v === 1 ? one : many}`;

/**
 * One line for a person: "2 files, 72 records, 5 rejected", "missing: /data/access.jsonl",
 * "matched nothing: /var/log/cdn/*.log", "unreadable: truncated gzip (Z_BUF_ERROR): /x.gz; 10
 * records read before it".
 */
export function describeDelivery(d: SourceDelivery): string {
  const tally = () => {
    const parts = d.location === 'query' ? ['query'] : [plural(d.files, 'file')];
    if (d.filesAlreadyLoaded > 0) parts[0] += ` (${n(d.filesAlreadyLoaded)} already loaded)`;
    parts.push(plural(d.records, 'record'), `${n(d.rejected)} rejected`);
    return parts.join(', ');
  };
  switch (d.state) {
    case 'delivered':
      return tally();
    case 'empty':
      return `delivered nothing: ${tally()}`;
    case 'missing':
      return `missing: ${d.location}`;
    case 'not-a-file':
      return `not a file: ${d.location}${d.problems[0] ? ` (${d.problems[0]})` : ''}`;
    case 'matched-nothing':
      return `matched nothing: ${d.location}`;
    case 'unreadable':
      return `unreadable: ${d.problems.join('; ')}${d.records > 0 || d.files > d.filesFailed ? `; read otherwise: ${tally()}` : ''}`;
  }
}
