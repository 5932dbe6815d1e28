import { it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sshdFormat as NEW } from '/work/fmt-syslog/lib/parsers/sshd';
import { sshdFormat as OLD } from '/work/main/lib/parsers/sshd';
it('cmp', () => {
  const lines = readFileSync('/work/shared/data/public/elastic-examples/auth.log', 'utf8').split('\n').filter(Boolean);
  const n = NEW.create(NEW.options.parse({ year: 2024 }), 'audit');
  const o = OLD.create(OLD.options.parse({ year: 2024 }), 'audit');
  const tally: Record<string, number> = {};
  const ex: Record<string, string> = {};
  let no = 0, nn = 0;
  for (const l of lines) {
    const a = o.parse(l, 1) as any, b = n.parse(l, 1) as any;
    const ka = a.ok === true ? a.objects.map((x: any) => x.action + '/' + x.outcome + '/' + x.source_ip + '/' + x.actor).join(',') : a.ok + ':' + a.reason;
    const kb = b.ok === true ? b.objects.map((x: any) => x.action + '/' + x.outcome + '/' + x.source_ip + '/' + x.actor).join(',') : b.ok + ':' + b.reason;
    if (a.ok === true) no += a.objects.length; if (b.ok === true) nn += b.objects.length;
    if (ka !== kb) { const k = (a.ok === true ? 'EV ' + a.objects[0].action + '/' + a.objects[0].outcome : ka) + '  =>  ' + (b.ok === true ? 'EV ' + b.objects[0].action + '/' + b.objects[0].outcome + ' x' + b.objects.length : kb); tally[k] = (tally[k] ?? 0) + 1; ex[k] = l; }
  }
  console.log(no, nn, tally, ex);
});
