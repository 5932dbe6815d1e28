// The compliance report's trend: the last N runs as bars. Bar lengths are worked out here, as
// percentages of the busiest run, so the template only sets widths (an inline-CSS chart renders
// in mail clients, where SVG and scripts do not).

export interface TrendPoint {
  windowStart: string;
  windowEnd: string;
  findings: number;
  violations: number;
  rejected: number;
  current: boolean;
}

export interface TrendBar extends TrendPoint {
  /** 0–100, the bar's share of the widest one; at least 1 when the count is not zero. */
  findingsPct: number;
  violationsPct: number;
}

export function trendBars(points: TrendPoint[]): { bars: TrendBar[]; max: number } {
  const max = Math.max(0, ...points.map((p) => Math.max(p.findings, p.violations)));
  const pct = (n: number) => (max === 0 || n === 0 ? 0 : Math.max(1, Math.round((n / max) * 100)));
  return {
    max,
    bars: points.map((p) => ({ ...p, findingsPct: pct(p.findings), violationsPct: pct(p.violations) })),
  };
}
