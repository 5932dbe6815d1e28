import type { LineParser, Parsed } from './formats/types';

/** The reason prefix of a line whose parser threw: counted apart by the fuzzer (test/fuzz). */
export const PARSER_FAILED = 'the parser failed on this line';

/**
 * `parser.parse`, with what a parser throws on hostile input (a stack overflow on JSON nested
 * thousands deep, a library's own error) turned into a quarantine reason: one bad line never stops
 * a file, whichever format (including ones added later) reads it.
 */
export function parseLine(parser: LineParser, text: string, position: number): Parsed {
  try {
    return parser.parse(text, position);
  } catch (err) {
    const e = err as Error;
    return { ok: false, reason: `${PARSER_FAILED} (${e?.name ?? 'Error'}: ${String(e?.message ?? err).slice(0, 200)})` };
  }
}
