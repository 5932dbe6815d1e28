// RFC 4180 CSV: quote a field when it holds a comma, a quote or a line break.
export function csvField(value: unknown): string {
  const s = value instanceof Date ? value.toISOString() : String(value ?? '');
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
