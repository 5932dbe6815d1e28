import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/commands';
import { commandHelp, GLOBAL_OPTIONS, mainHelp, parseInvocation } from '../../cli/cli-args';
import { UsageError } from '../../cli/command';

// The help is made from the option declarations, and the parser from the same declarations: every
// option a command accepts is in its --help, with its default, and nothing else is accepted.

describe('govflow <command> --help', () => {
  for (const c of COMMANDS) {
    it(`${c.name}: lists every option it accepts, with its default, and the global ones`, () => {
      const help = commandHelp(c);
      for (const [name, o] of Object.entries({ ...(c.options ?? {}), ...GLOBAL_OPTIONS })) {
        const line = help.split('\n').findIndex((l) => new RegExp(`^  (-\\w, )?--${name}\\b`).test(l));
        expect(line, `--${name} in ${c.name} --help`).toBeGreaterThanOrEqual(0);
        // A long option name pushes the description to the next line: read both.
        const text = help.split('\n').slice(line, line + 2).join(' ');
        expect(o.description.length).toBeGreaterThan(5);
        expect(text).toContain(o.description);
        if (o.default !== undefined) expect(text).toContain(`default: ${o.default}`);
        if (o.values) for (const v of o.values) expect(text).toContain(v);
      }
      // Every declared option parses (so the help lists nothing the command refuses).
      for (const [name, o] of Object.entries(c.options ?? {})) {
        const value = o.values?.[0] ?? (o.integer ? String(Math.max(1, o.integer.min)) : 'x');
        const argv = [c.name, `--${name}`, ...(o.type === 'string' ? [value] : [])];
        expect(parseInvocation(argv).flags[name], argv.join(' ')).toBeDefined();
      }
    });
  }

  it('schedule and stream --help name every option, including the ones the issue found missing', () => {
    const schedule = commandHelp(COMMANDS.find((c) => c.name === 'schedule')!);
    for (const o of ['--every', '--cron', '--window', '--overlap', '--catchup-window', '--deadline', '--note', '--reprocess', '--paused', '--timezone']) {
      expect(schedule).toContain(o);
    }
    const stream = commandHelp(COMMANDS.find((c) => c.name === 'stream')!);
    for (const o of ['--batch-size', '--max-wait-ms', '--region', '--endpoint']) expect(stream).toContain(o);
    expect(stream).toMatch(/--batch-size N\s+start: most events per batch \(default: 5000\)/);
  });

  it('the main help lists every command and the global options', () => {
    const help = mainHelp();
    for (const c of COMMANDS) expect(help).toContain(c.usage);
    expect(help).toMatch(/--debug/);
    expect(help).toMatch(/--config FILE/);
  });
});

describe('parsing the command line', () => {
  it('takes global options before or after the command', () => {
    for (const argv of [
      ['--config', 'x.yaml', 'alerts', 'list'],
      ['alerts', '--config', 'x.yaml', 'list'],
      ['alerts', 'list', '--config=x.yaml'],
      ['--debug', 'alerts', 'list', '--config', 'x.yaml'],
    ]) {
      const p = parseInvocation(argv);
      expect(p.command?.name, argv.join(' ')).toBe('alerts');
      expect(p.args).toEqual(['list']);
      expect(p.flags.config).toBe('x.yaml');
    }
    expect(parseInvocation(['-h', 'schedule']).flags.help).toBe(true);
    // A command's own string option before the command name is not taken for the command.
    expect(parseInvocation(['--from', '2026-11-01T10:00:00Z', 'run', '--to', '2026-11-01T11:00:00Z']).command?.name).toBe('run');
  });

  it('refuses unknown options with a line naming them, before and after the command', () => {
    expect(() => parseInvocation(['--bogus'])).toThrow(new UsageError('unknown option --bogus; see govflow --help'));
    expect(() => parseInvocation(['--bogus', 'runs'])).toThrow(/unknown option --bogus; see govflow runs --help/);
    expect(() => parseInvocation(['run', '--form', '2026-11-01T10:00:00Z'])).toThrow(new UsageError('unknown option --form (did you mean --from?); see govflow run --help'));
    expect(() => parseInvocation(['inventory', '--jsno'])).toThrow(new UsageError('unknown option --jsno (did you mean --json?); see govflow inventory --help'));
    expect(() => parseInvocation(['run', '--from'])).toThrow(/--from needs a value/);
    // Another option where the value should be (node's "ambiguous") is a missing value too, not "takes no value".
    expect(() => parseInvocation(['run', '--from', '--json'])).toThrow(/--from needs a value/);
    expect(() => parseInvocation(['run', '--json=yes'])).toThrow(/--json takes no value/);
    expect(() => parseInvocation(['frobnicate'])).toThrow(new UsageError('unknown command "frobnicate"; see govflow --help'));
    expect(() => parseInvocation(['rnu'])).toThrow(new UsageError('unknown command "rnu" (did you mean "run"?); see govflow --help'));
    expect(() => parseInvocation(['shedule', 'list'])).toThrow(new UsageError('unknown command "shedule" (did you mean "schedule"?); see govflow --help'));
  });

  it('reads enum values in any case and hands the command the declared spelling', () => {
    expect(parseInvocation(['findings', 'wf', '--severity', 'HIGH']).flags.severity).toBe('high');
    expect(parseInvocation(['alerts', 'list', '--status', 'Acknowledged']).flags.status).toBe('acknowledged');
    expect(parseInvocation(['report', 'wf', '--kind', 'Consent-Log', '--format', 'HTML']).flags).toMatchObject({ kind: 'consent-log', format: 'html' });
    expect(parseInvocation(['schedule', 'create', 'h', '--overlap', 'BUFFER_ONE']).flags.overlap).toBe('buffer-one');
    expect(parseInvocation(['replay', 'wf', '--mode', 'New-Run']).flags.mode).toBe('new-run');
    expect(parseInvocation(['runs', '--status', 'FAILED']).flags.status).toBe('failed');
    expect(() => parseInvocation(['findings', 'wf', '--severity', 'urgent'])).toThrow(/--severity: "urgent" is not one of low, medium, high, critical/);
  });

  it('checks whole numbers before the command runs', () => {
    expect(parseInvocation(['stream', 'start', '--batch-size', '100']).flags['batch-size']).toBe('100');
    expect(() => parseInvocation(['stream', 'start', '--batch-size', '0'])).toThrow(/--batch-size: expected a whole number of at least 1, got "0"/);
    expect(() => parseInvocation(['alerts', 'list', '--limit', 'ten'])).toThrow(/--limit: expected a whole number/);
    expect(() => parseInvocation(['codec-server', '--port', '70000'])).toThrow(/--port: expected a whole number from 0 to 65535/);
  });
});
