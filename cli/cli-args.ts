import { parseArgs } from 'node:util';
import { closest, distance } from 'fastest-levenshtein';

// The command line read once: which command, its positionals, and its flags checked against the
// declarations; and the help texts made from those declarations. Pure: cli.ts runs it.

import { checkFlagValues, formatOptions, parseArgsOptions, UsageError, type Command, type Options } from './command';
import { COMMANDS } from './commands';

/** Options every command takes, before or after the command name. */
export const GLOBAL_OPTIONS: Options = {
  config: { type: 'string', arg: 'FILE', description: 'govflow.yaml to use', default: '$GOVFLOW_CONFIG, else ./govflow.yaml' },
  debug: { type: 'boolean', description: 'print the stack trace of an unexpected error' },
  help: { type: 'boolean', short: 'h', description: 'print this help' },
};

const ENVIRONMENT = [
  'Environment: DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, GOVFLOW_TASK_QUEUE,',
  'GOVFLOW_PSEUDONYM_KEY, TEMPORAL_UI_URL, TEMPORAL_CLI (see README.md).',
  'Exit codes: 0 done, 1 failed (no such id, unreachable service, missing file, …), 2 usage error.',
];

/** `govflow --help`. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    'govflow: user-data governance on Temporal and Postgres',
    '',
    'Usage: govflow [global options] <command> [options]   (govflow <command> --help for its options)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'Global options (before or after the command):',
    ...formatOptions(GLOBAL_OPTIONS),
    '',
    ...ENVIRONMENT,
  ].join('\n');
}

/** `govflow <command> --help`: made from the command's option declarations. */
export function commandHelp(c: Command): string {
  const own = c.options && Object.keys(c.options).length ? ['', 'Options:', ...formatOptions(c.options)] : ['', 'Options: none of its own'];
  return [
    `usage: govflow ${c.usage}`,
    '',
    c.summary,
    ...(c.details?.length ? ['', ...c.details] : []),
    ...own,
    '',
    'Global options:',
    ...formatOptions(GLOBAL_OPTIONS),
  ].join('\n');
}

/** Which options take a value, across every command: to find the command name in argv. */
function valueOptions(): { long: Set<string>; short: Set<string> } {
  const long = new Set<string>();
  const short = new Set<string>();
  for (const options of [GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options ?? {})]) {
    for (const [name, o] of Object.entries(options)) {
      if (o.type !== 'string') continue;
      long.add(name);
      if (o.short) short.add(o.short);
    }
  }
  return { long, short };
}

/** The index of the command name in argv: the first argument that is not an option or its value. */
export function commandIndex(argv: string[]): number {
  const takesValue = valueOptions();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (a.startsWith('--')) {
      if (!a.includes('=') && takesValue.long.has(a.slice(2))) i++;
    } else if (a.startsWith('-') && a.length > 1) {
      if (a.length === 2 && takesValue.short.has(a.slice(1))) i++;
    } else {
      return i;
    }
  }
  return -1;
}

/**
 * ` (did you mean X?)` when one of `known` is a likely typo of `input`, else ''. Likely: a
 * Levenshtein distance of at most 2, or a third of the input's length for longer names.
 * `quote` wraps the suggestion as the message writes its input (`"run"`, `--from`).
 */
export function didYouMean(input: string, known: string[], quote: (name: string) => string = (n) => n): string {
  if (known.length === 0) return '';
  const best = closest(input, known);
  return distance(input, best) <= Math.max(2, Math.floor(input.length / 3)) ? ` (did you mean ${quote(best)}?)` : '';
}

/** node:util's parse errors, as one line naming the option, a likely intended one, and where to look. */
function parseProblem(e: unknown, where: string, options: Options): UsageError {
  const err = e as Error & { code?: string };
  const m = err.message;
  const see = `see ${where} --help`;
  const option = /'(-[^' ]+)/.exec(m)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown option ${option ?? m}${option?.startsWith('--') ? didYouMean(option, Object.keys(options).map((o) => `--${o}`)) : ''}; ${see}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // "argument missing" (nothing after it), "ambiguous" (another option after it: --region --help)
      return /argument missing|ambiguous/.test(m)
        ? new UsageError(`${option ?? 'an option'} needs a value; ${see}`)
        : new UsageError(`${option ?? 'an option'} takes no value; ${see}`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument; ${see}`);
    default:
      return new UsageError(`${m.split('\n')[0]}; ${see}`);
  }
}

interface Invocation {
  command?: Command;
  args: string[];
  flags: Record<string, string | boolean | Array<string | boolean> | undefined>;
}

/** Splits argv into the command, its positionals and its checked flags. Throws UsageError. */
export function parseInvocation(argv: string[]): Invocation {
  const at = commandIndex(argv);
  const name = at >= 0 ? argv[at] : undefined;
  const command = name === undefined ? undefined : COMMANDS.find((c) => c.name === name);
  if (name !== undefined && !command) {
    throw new UsageError(`unknown command "${name}"${didYouMean(name, COMMANDS.map((c) => c.name), (n) => `"${n}"`)}; see govflow --help`);
  }
  const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 1)] : argv;
  const options = { ...GLOBAL_OPTIONS, ...(command?.options ?? {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: command !== undefined, strict: true, options: parseArgsOptions(options) });
  } catch (e) {
    throw parseProblem(e, command ? `govflow ${command.name}` : 'govflow', options);
  }
  const flags = parsed.values as Invocation['flags'];
  if (command && !flags.help) checkFlagValues(options, flags);
  return { command, args: parsed.positionals, flags };
}

