import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

// Reports and alerts are Handlebars templates in templates/, each an HTML and a text twin that
// share partials and helpers, so a wording change is made once and lands in both.

export const TEMPLATES_DIR = fileURLToPath(new URL('../templates', import.meta.url));

const SEVERITY_COLORS: Record<string, string> = { critical: '#7f1d1d', high: '#dc2626', medium: '#d97706', low: '#2563eb' };

export type Renderer = (name: string, data: unknown) => string;

export function createRenderer(dir = TEMPLATES_DIR): Renderer {
  const hb = Handlebars.create();
  hb.registerHelper('number', (n: unknown) => (typeof n === 'number' ? n.toLocaleString('en-US') : String(n ?? '0')));
  hb.registerHelper('percent', (part: unknown, whole: unknown) => {
    const p = Number(part);
    const w = Number(whole);
    return w > 0 ? `${((p / w) * 100).toFixed(1)}%` : 'n/a';
  });
  hb.registerHelper('datetime', (iso: unknown) =>
    typeof iso === 'string' ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC') : '',
  );
  hb.registerHelper('short', (hash: unknown) => String(hash ?? '').slice(0, 12));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map((a) => String(a ?? '')).join(''));
  hb.registerHelper('severityColor', (s: unknown) => SEVERITY_COLORS[String(s)] ?? '#374151');
  // Text twins line columns up with pad and draw bars with bar (a percentage, a width in chars).
  hb.registerHelper('pad', (value: unknown, width: unknown) => String(value ?? '').padEnd(Number(width)));
  hb.registerHelper('bar', (pct: unknown, width: unknown) => '#'.repeat(Math.round((Number(pct) / 100) * Number(width))).padEnd(Number(width), '.'));

  const partialsDir = join(dir, 'partials');
  for (const file of readdirSync(partialsDir)) {
    const name = file.replace(/\.hbs$/, '');
    hb.registerPartial(name, readFileSync(join(partialsDir, file), 'utf8'));
  }

  const cache = new Map<string, Handlebars.TemplateDelegate>();
  return (name, data) => {
    let template = cache.get(name);
    if (!template) {
      const text = readFileSync(join(dir, `${name}.hbs`), 'utf8');
      // Text twins must not HTML-escape; HTML ones must.
      template = hb.compile(text, { noEscape: name.endsWith('.txt'), strict: true });
      cache.set(name, template);
    }
    return template(data);
  };
}
