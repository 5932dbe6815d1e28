import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readLines, type Line } from '../../ingest/line-reader';

const dir = mkdtempSync(join(tmpdir(), 'govflow-lines-'));
function file(name: string, content: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
async function all(path: string, opts = {}): Promise<Line[]> {
  const out: Line[] = [];
  for await (const l of readLines(path, opts)) out.push(l);
  return out;
}
const texts = (lines: Line[]) => lines.map((l) => ('text' in l ? l.text : `<${l.problem}>`));

describe('readLines', () => {
  it('numbers lines, strips CRLF and keeps a last line without newline', async () => {
    const lines = await all(file('a.log', 'one\r\ntwo\n\nthree'));
    expect(texts(lines)).toEqual(['one', 'two', '', 'three']);
    expect(lines.map((l) => l.position)).toEqual([1, 2, 3, 4]);
    expect(lines.map((l) => l.endOffset)).toEqual([5, 9, 10, 15]);
  });

  it('reads lines across the 1 MiB blocks it reads a file in, plain or gzip, from the start or an offset', async () => {
    // Lengths that straddle block boundaries, multi-byte characters cut by them, and a line
    // longer than a block.
    const want: string[] = [];
    for (let i = 0; want.join('\n').length < 3.5 * (1 << 20); i++) want.push(`${i}:${'é日🙂x'.repeat((i * 7919) % 3000)}`);
    want.push('y'.repeat(1.5 * (1 << 20)));
    want.push('last');
    const content = `${want.join('\n')}\n`;
    const big = { maxLineBytes: 4 << 20 };
    expect(texts(await all(file('blocks.log', content), big))).toEqual(want);
    expect(texts(await all(file('blocks.gz', gzipSync(content)), big))).toEqual(want);
    const lines = await all(join(dir, 'blocks.log'), big);
    const from = lines[40]!;
    const rest = await all(join(dir, 'blocks.log'), { startOffset: from.start, afterPosition: from.position - 1, ...big });
    expect(texts(rest)).toEqual(want.slice(40));
    expect(rest[0]!.position).toBe(41);
    expect(rest.at(-1)!.endOffset).toBe(Buffer.byteLength(content));
  });

  it('reads gzip transparently, whatever the file is called', async () => {
    expect(texts(await all(file('b.data', gzipSync('x\ny\n'))))).toEqual(['x', 'y']);
  });

  it('flags an oversized line without holding it, and goes on', async () => {
    const lines = await all(file('c.log', `short\n${'z'.repeat(5000)}\nafter\n`), { maxLineBytes: 1000 });
    expect(texts(lines)).toEqual(['short', '<oversized>', 'after']);
    expect((lines[1] as { preview: string }).preview).toHaveLength(200);
  });

  it('flags invalid UTF-8 but accepts a genuine replacement character', async () => {
    const bytes = Buffer.concat([Buffer.from('ok\n'), Buffer.from([0x66, 0xff, 0xfe, 0x0a]), Buffer.from('caf\u00e9 \uFFFD\n')]);
    expect(texts(await all(file('d.log', bytes)))).toEqual(['ok', '<encoding>', 'café \uFFFD']);
  });

  it('resumes after a position, seeking in plain files and skipping in gzip', async () => {
    const content = 'l1\nl2\nl3\nl4\n';
    const plain = await all(file('e.log', content), { afterPosition: 2, startOffset: 6 });
    expect(plain.map((l) => [l.position, 'text' in l && l.text])).toEqual([[3, 'l3'], [4, 'l4']]);
    const gz = await all(file('e.gz', gzipSync(content)), { afterPosition: 2, startOffset: 6 });
    expect(gz.map((l) => [l.position, 'text' in l && l.text])).toEqual([[3, 'l3'], [4, 'l4']]);
  });

  it('throws on a truncated gzip after yielding what it could read', async () => {
    const gz = gzipSync(Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n'));
    const seen: Line[] = [];
    await expect(async () => {
      for await (const l of readLines(file('f.gz', gz.subarray(0, gz.length - 100)))) seen.push(l);
    }).rejects.toThrow(/unexpected end of file/);
    expect(seen.length).toBeGreaterThan(0);
  });

  it('strips a UTF-8 byte-order mark from the first line only, keeping byte offsets', async () => {
    const bom = '\uFEFF';
    const lines = await all(file('bom.csv', `${bom}time,action\n${bom}x\n`));
    expect(texts(lines)).toEqual(['time,action', `${bom}x`]);
    expect(lines.map((l) => [l.start, l.endOffset])).toEqual([[0, 15], [15, 20]]);
    expect(texts(await all(file('bom.gz', gzipSync(`${bom}{"a":1}\n`))))).toEqual(['{"a":1}']);
  });

  it('gives each line its start offset and says whether it ended with a newline', async () => {
    const lines = await all(file('g.log', 'ab\ncd\nef'));
    expect(lines.map((l) => [l.start, l.endOffset, l.terminated])).toEqual([[0, 3, true], [3, 6, true], [6, 8, false]]);
  });

  it('resuming inside a line: its missing newline is consumed, an extension is a continuation', async () => {
    const done = await all(file('h.log', 'ab\ncd\nef\n'), { afterPosition: 3, startOffset: 8, midLine: true });
    expect(done).toEqual([]);
    const grown = await all(file('i.log', 'ab\ncd\nefgh\nij\n'), { afterPosition: 3, startOffset: 8, midLine: true });
    expect(grown.map((l) => [l.position, 'text' in l ? l.text : l.problem, l.start])).toEqual([[3, 'continuation', 8], [4, 'ij', 11]]);
  });
});
