// Durations as a policy writes them: "90s", "15m", "4h", "1d". Pure, so workflows may use it.

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION_PATTERN = /^(\d+)(s|m|h|d)$/;

export function durationMs(text: string): number {
  const m = DURATION_PATTERN.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration like 90s, 15m, 4h or 1d`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}
