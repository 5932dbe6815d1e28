import type { ParseArgsConfig } from 'node:util';

// A `govflow` sub-command. Each lives in its own file under client/commands/ and is listed in
// client/commands/index.ts; cli.ts only parses arguments and dispatches.

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  /** Positional arguments after the command name. */
  args: string[];
  /** Parsed --options (the command's own and the global ones). */
  flags: Record<string, string | boolean | Array<string | boolean> | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface Command {
  name: string;
  /** One line for `govflow --help`, e.g. `run [--from ISO --to ISO] [--json]`. */
  usage: string;
  summary: string;
  options?: Options;
  /** Returns the process exit code. */
  run(ctx: CommandContext): Promise<number>;
}

/** A mistake in how the command was called: printed without a stack, exit code 2. */
export class UsageError extends Error {}

export function stringFlag(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.flags[name];
  return typeof v === 'string' ? v : undefined;
}
