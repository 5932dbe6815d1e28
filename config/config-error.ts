import type { z } from 'zod';

/**
 * A bad configuration or policy stops govflow before any work (architecture rule 4, docs/architecture.md). The message names
 * the file, the field and what was expected, so a person can fix it without reading code.
 */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }

  static fromZod(file: string, error: z.ZodError): ConfigError {
    return new ConfigError(
      file,
      error.issues.map((issue) => {
        const field = issue.path.length ? issue.path.join('.') : '(top level)';
        return `${field}: ${issue.message}`;
      }),
    );
  }
}
