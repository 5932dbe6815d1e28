import { readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './config-error';

/** Reads a YAML file and validates it against a schema, failing with a ConfigError. */
export function loadYamlFile<S extends z.ZodType>(file: string, schema: S): { value: z.output<S>; text: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    throw new ConfigError(file, [`is not valid YAML${where}: ${(err as Error).message.split('\n')[0]}`]);
  }
  const result = schema.safeParse(doc ?? {});
  if (!result.success) throw ConfigError.fromZod(file, result.error);
  return { value: result.data, text };
}
