import type { ParseArgsConfig } from 'node:util';

// A `govflow` sub-command. Each lives in its own file under cli/commands/ and is listed in
// cli/commands/index.ts; cli.ts only parses arguments and dispatches. A command declares its
// options once (type, description, default, allowed values): the parser, the argument checks and
// the `--help` text are all made from that declaration, so the help cannot drift from the code.

/** One `--option` a command accepts. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The option may be given several times; the command receives a list. */
  multiple?: boolean;
  /** What the value is, in the help: FILE, ISO, DURATION, N, … (string options only). */
  arg?: string;
  /** One line for `--help`: what the option does (and, for multi-action commands, where). */
  description: string;
  /** The value used when the option is absent, as the help shows it. */
  default?: string;
  /**
   * The values allowed, compared case-insensitively: the command receives the spelling declared
   * here whatever case the person typed (`--severity HIGH` → `high`).
   */
  values?: readonly string[];
  /** A whole number, at least `min` (and at most `max`): checked before the command runs. */
  integer?: { min: number; max?: number };
}

export type Options = Record<string, OptionSpec>;

export interface CommandContext {
  /** Positional arguments after the command name. */
  args: string[];
  /** Parsed --options (the command's own and the global ones), checked against their declarations. */
  flags: Record<string, string | boolean | Array<string | boolean> | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface Command {
  name: string;
  /** One line for `govflow --help`, e.g. `run [--from ISO --to ISO] [--json]`. */
  usage: string;
  summary: string;
  /** Further lines for `govflow <command> --help` (actions, examples), printed after the summary. */
  details?: string[];
  options?: Options;
  /** The command reads or writes Postgres: DATABASE_URL is checked before it runs. */
  usesDatabase?: boolean;
  /** Returns the process exit code. */
  run(ctx: CommandContext): Promise<number>;
}

/**
 * A mistake in how the command was called (a bad flag, a malformed value): printed as one line
 * without a stack, exit code 2.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function stringFlag(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** A flag declared with `integer`: already checked by the parser, returned as a number. */
export function intFlag(ctx: CommandContext, name: string): number | undefined {
  const v = stringFlag(ctx, name);
  return v === undefined ? undefined : Number(v);
}

/** The declarations in the shape node:util parseArgs takes. */
export function parseArgsOptions(options: Options): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
  );
}

/**
 * Checks parsed values against their declarations and normalises enum values to their declared
 * spelling. Throws UsageError naming the option, what was given and what is expected.
 */
export function checkFlagValues(options: Options, flags: CommandContext['flags']): void {
  for (const [name, spec] of Object.entries(options)) {
    const raw = flags[name];
    if (raw === undefined || spec.type !== 'string') continue;
    const check = (v: string): string => {
      if (spec.values) {
        // Case and _/- do not matter: HIGH is high, BUFFER_ONE is buffer-one.
        const norm = (x: string) => x.trim().toLowerCase().replace(/_/g, '-');
        const match = spec.values.find((allowed) => norm(allowed) === norm(v));
        if (match === undefined) throw new UsageError(`--${name}: "${v}" is not one of ${spec.values.join(', ')}`);
        return match;
      }
      if (spec.integer) {
        const n = Number(v);
        const { min, max } = spec.integer;
        if (!/^\s*-?\d+\s*$/.test(v) || n < min || (max !== undefined && n > max)) {
          throw new UsageError(`--${name}: expected a whole number ${max !== undefined ? `from ${min} to ${max}` : `of at least ${min}`}, got "${v}"`);
        }
        return String(n);
      }
      return v;
    };
    flags[name] = Array.isArray(raw) ? raw.map((v) => (typeof v === 'string' ? check(v) : v)) : typeof raw === 'string' ? check(raw) : raw;
  }
}

const listedInline = (values: readonly string[]) => values.join('|').length <= 32;

/** The option table of a help text: `  --name ARG, -x   description (default: …)`. */
export function formatOptions(options: Options): string[] {
  const left = Object.entries(options).map(([name, o]) => {
    const value = o.type === 'string' ? ` ${o.arg ?? (o.values && listedInline(o.values) ? o.values.join('|') : 'VALUE')}` : '';
    return `${o.short ? `-${o.short}, ` : ''}--${name}${value}`;
  });
  const width = Math.min(Math.max(0, ...left.map((l) => l.length)), 32);
  return Object.values(options).map((o, i) => {
    const extras = [
      o.values && (o.arg || !listedInline(o.values)) ? `one of ${o.values.join(', ')}; any case` : o.values ? 'any case' : undefined,
      o.default !== undefined ? `default: ${o.default}` : undefined,
      o.multiple ? 'may be repeated' : undefined,
    ].filter(Boolean);
    const l = left[i]!;
    const pad = l.length > width ? `\n  ${' '.repeat(width)}` : ' '.repeat(width - l.length);
    return `  ${l}${pad}  ${o.description}${extras.length ? ` (${extras.join('; ')})` : ''}`;
  });
}
