import { resolve } from 'node:path';
import { z } from 'zod';
import { loadYamlFile } from '../config/yaml-file';
import { UsageError } from './command';
import { commandHelp, mainHelp, parseInvocation } from './cli-args';
import { databaseUrlProblem, errorContext, explainError } from './errors';
import { stopTracing } from '../observability/tracing';

// The `govflow` entry point: parse, dispatch, and turn any error into one line and an exit code
// (cli/errors.ts). Stack traces only with --debug.

const out = (line: string) => console.log(line);
const err = (line: string) => console.error(line);

async function main(argv: string[]): Promise<number> {
  const { command, args, flags } = parseInvocation(argv);
  if (!command) {
    out(mainHelp());
    if (flags.help) return 0;
    err('govflow: give a command, e.g. govflow run (see the list above)');
    return 2;
  }
  if (flags.help) {
    out(commandHelp(command));
    return 0;
  }
  if (typeof flags.config === 'string') {
    // A --config that cannot be read is a mistake whatever the command (even one that reads no
    // config): say so (the ConfigError every config load gives) rather than quietly use another file.
    loadYamlFile(resolve(flags.config), z.unknown());
    process.env.GOVFLOW_CONFIG = flags.config;
  }
  if (command.usesDatabase && process.env.DATABASE_URL !== undefined) {
    const problem = databaseUrlProblem(process.env.DATABASE_URL);
    if (problem) throw new UsageError(problem);
  }
  return command.run({ args, flags, out, err });
}

const argv = process.argv.slice(2);
// --debug counts wherever it is, even when the arguments around it do not parse.
const debug = argv.slice(0, argv.indexOf('--') >= 0 ? argv.indexOf('--') : undefined).includes('--debug');

main(argv).then(
  // Buffered spans (when tracing is on) are sent before the process exits.
  async (code) => {
    await stopTracing();
    process.exit(code);
  },
  (e: unknown) => {
    const explained = explainError(e, errorContext());
    err(`govflow: ${explained.message}`);
    if (debug && e instanceof Error && e.stack) err(e.stack);
    process.exit(explained.exitCode);
  },
);
