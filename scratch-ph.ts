import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { NATIONAL_PHONE_COUNTRIES } from './masking/detector';
const cs = [...NATIONAL_PHONE_COUNTRIES, 'US', 'CA'] as any[];
const groups = (s: string) => (s.match(/\d+/g) ?? []).map((g) => g.length).join('-');
for (const t of process.argv.slice(2)) {
  const ok = cs.filter((c) => { const p = parsePhoneNumberFromString(t, c); return p?.isValid() && groups(p.formatNational().replace(/^\(?0\)?\s?/, '')) === groups(t.replace(/^\(?0/, '')); });
  console.log(t.padEnd(20), ok.join(','), cs.map((c) => { const p = parsePhoneNumberFromString(t, c); return p?.isValid() ? `${c}:${p.formatNational()}` : ''; }).filter(Boolean).slice(0, 4).join(' | '));
}
