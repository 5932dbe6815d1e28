import { parseArgs } from 'node:util';
import { ConfigError } from '../lib/config-error';
import { UsageError, type Options } from './command';
import { COMMANDS } from './commands';

const GLOBAL_OPTIONS: Options = {
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    'govflow: user-data governance on Temporal and Postgres',
    '',
    'Usage: govflow <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  --config FILE   govflow.yaml to use (default: $GOVFLOW_CONFIG or ./govflow.yaml)',
    '  -h, --help      this text',
    '',
    'Environment: DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, GOVFLOW_TASK_QUEUE,',
    'GOVFLOW_PSEUDONYM_KEY, TEMPORAL_UI_URL, TEMPORAL_CLI (see README.md).',
  ].join('\n');
}

const out = (line: string) => console.log(line);
const err = (line: string) => console.error(line);

async function main(argv: string[]): Promise<number> {
  const name = argv.find((a) => !a.startsWith('-'));
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    if (name) throw new UsageError(`unknown command "${name}"; see govflow --help`);
    out(help());
    return argv.includes('--help') || argv.includes('-h') ? 0 : 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...GLOBAL_OPTIONS, ...command.options } });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nusage: govflow ${command.usage}`);
  }
  if (parsed.values.help) {
    out(`usage: govflow ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  if (typeof parsed.values.config === 'string') process.env.GOVFLOW_CONFIG = parsed.values.config;
  const args = parsed.positionals.slice(parsed.positionals.indexOf(command.name) + 1);
  return command.run({ args, flags: parsed.values, out, err });
}

/** Errors a person can act on are printed as a sentence; anything else keeps its stack. */
function isPlain(e: unknown): e is Error {
  return (
    e instanceof ConfigError ||
    e instanceof UsageError ||
    (e instanceof Error && /^(cannot reach|database .* has no govflow schema|The Temporal CLI)/.test(e.message))
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    err(`govflow: ${isPlain(e) ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
