import { readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './config-error';

/** Why a file could not be read, in words rather than an errno code. */
function unreadable(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'cannot be read: there is no such file (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `cannot be read: permission denied (${err.code})`;
    case 'EISDIR':
      return 'cannot be read: it is a folder, not a file (EISDIR)';
    default:
      return `cannot be read (${err.code ?? String(err)})`;
  }
}

/** Reads a YAML file and validates it against a schema, failing with a ConfigError. */
export function loadYamlFile<S extends z.ZodType>(file: string, schema: S): { value: z.output<S>; text: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [unreadable(err as NodeJS.ErrnoException)]);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    // The parser's first line ends with a colon that introduces a code frame we do not print.
    throw new ConfigError(file, [`is not valid YAML${where}: ${(err as Error).message.split('\n')[0]!.replace(/:\s*$/, '')}`]);
  }
  const result = schema.safeParse(doc ?? {});
  if (!result.success) throw ConfigError.fromZod(file, result.error);
  return { value: result.data, text };
}
