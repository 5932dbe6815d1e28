// Durations as people write them, in the policy and on the command line: 90s, 15m, 4h, 1h30m, 1d.
// Pure, so workflows may use it.

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?[smhd])+$/;

/** A duration a person wrote that cannot be read; the message names the field and the expected form. */
export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

/**
 * Seconds in `text`, a sequence of number+unit parts (s, m, h, d), e.g. `1h30m` → 5400.
 * Throws DurationError naming `field` when the text is not such a sequence or is not above 0.
 */
export function parseDurationSeconds(text: string, field: string): number {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)([smhd])/g)];
  const joined = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || joined !== text.trim()) {
    throw new DurationError(`${field}: "${text}" is not a duration; expected e.g. 30s, 15m, 1h, 1h30m or 1d`);
  }
  const seconds = parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_SECONDS[unit!]!, 0);
  if (seconds <= 0) throw new DurationError(`${field}: expected a duration greater than 0, got "${text}"`);
  return seconds;
}

export function durationMs(text: string): number {
  return parseDurationSeconds(text, 'duration') * 1000;
}

export function formatSeconds(s: number): string {
  if (s % 86_400 === 0) return `${s / 86_400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}
