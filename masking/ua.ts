import Bowser from 'bowser';
import { detectPii, type PiiEntity } from './detector';

// User agents → the product, OS and device class a parser reads from them, and nothing else:
// "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 … Chrome/130.0 Safari/537.36" →
// "Chrome/130.0 (Windows 10; desktop)". The string is rebuilt from bowser's fields (bowser 2.x,
// https://github.com/bowser-js/bowser), so whatever else a client put into it — a device name
// such as "Jane's iPad", an e-mail, a phone number, a build string — cannot come through.
// Each field is checked again before use: bowser falls back to the first product token for
// browsers it does not know, and that token is the client's own text.

// A product, OS or vendor name: ASCII letters, digits, spaces, dots, dashes; a letter first;
// at most two digits (names such as "Edge", "Samsung Internet", "Chrome OS", "PlayStation 5").
const NAME = /^[A-Za-z][A-Za-z0-9 .-]{0,29}$/;
const PLATFORM_TYPES = new Set(['desktop', 'mobile', 'tablet', 'tv', 'bot']);

function safeName(name: string | undefined): string | null {
  if (!name || !NAME.test(name)) return null;
  if ((name.match(/\d/g) ?? []).length > 2 || /@/.test(name)) return null;
  return name.trim();
}

/** A version reduced to at most major.minor numbers of up to 5 digits each ("130.0", "17.4"). */
function safeVersion(version: string | undefined): string | null {
  const m = version?.match(/(?<!\d)(\d{1,5})(?:[._](\d{1,5}))?(?!\d)/);
  return m ? (m[2] !== undefined ? `${m[1]}.${m[2]}` : m[1]!) : null;
}

/**
 * A user agent rebuilt from what bowser parses out of it: "Browser/major.minor (OS version;
 * device type; vendor)", each part only when present and of a safe shape; "{ua}" when nothing
 * is. `found` receives the kinds of personal data the original held (for the counts).
 */
export function generaliseUserAgent(ua: string, found?: PiiEntity[]): string {
  if (found) for (const s of detectPii(ua)) if (!found.includes(s.entity)) found.push(s.entity);
  let parsed: Bowser.Parser.ParsedResult;
  try {
    parsed = Bowser.parse(ua);
  } catch {
    return '{ua}';
  }
  // Clients bowser does not know (curl/8.4.0, okhttp/4.12.0): their first product token, checked.
  const first = /^([^/\s()]+)\/(\S+)/.exec(ua);
  const browser = safeName(parsed.browser.name) ?? safeName(first?.[1]);
  const version = safeVersion(parsed.browser.name ? parsed.browser.version : first?.[2]);
  const os = safeName(parsed.os.name);
  // versionName comes from bowser's own tables ("10", "Sonoma", "Pie"), not from the client's text.
  const versionName = parsed.os.versionName && /^[A-Za-z0-9][A-Za-z0-9 .]{0,19}$/.test(parsed.os.versionName) ? parsed.os.versionName : null;
  const osVersion = versionName ?? safeVersion(parsed.os.version);
  const type = parsed.platform.type && PLATFORM_TYPES.has(parsed.platform.type) ? parsed.platform.type : null;
  const vendor = safeName(parsed.platform.vendor);
  const product = browser ? (version ? `${browser}/${version}` : browser) : null;
  const platform = [os && osVersion && osVersion !== os ? `${os} ${osVersion}` : os, type, vendor].filter(Boolean);
  const out = [product, platform.length ? `(${platform.join('; ')})` : null].filter(Boolean).join(' ');
  return out || '{ua}';
}
