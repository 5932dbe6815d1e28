import ipaddr from 'ipaddr.js';

// IP addresses → the network they came from. IPv4 keeps its /24 and IPv6 its /48, except that an
// IPv6 address that carries an IPv4 address inside it is generalised as that IPv4 address: its
// /48 would spell out most or all of the 32 embedded bits (a 6to4 /48 is "2002:" + the whole
// IPv4 address), so the address is reduced to the embedded IPv4's /24 instead.
//  - IPv4-mapped ::ffff:0:0/96 (RFC 4291 §2.5.5.2) and IPv4-compatible ::/96: low 32 bits.
//  - NAT64 well-known prefix 64:ff9b::/96 (RFC 6052 §2.1): low 32 bits.
//  - 6to4 2002::/16 (RFC 3056 §2): bits 16–47.
//  - Teredo 2001::/32 (RFC 4380 §4): the client's address is bits 96–127, inverted.

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo), or null. */
export function embeddedIPv4(ip: string): string | null {
  let addr: ipaddr.IPv6;
  try {
    const parsed = ipaddr.parse(ip.split('%')[0]!);
    if (parsed.kind() !== 'ipv6') return null;
    addr = parsed as ipaddr.IPv6;
  } catch {
    return null;
  }
  const b = addr.toByteArray();
  const low = (bytes: number[]) => bytes.join('.');
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return low(b.slice(12));
  if (zeros(0, 12) && !zeros(12, 14)) return low(b.slice(12)); // ::a.b.c.d, not :: or ::1
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return low(b.slice(12));
  if (b[0] === 0x20 && b[1] === 0x02) return low(b.slice(2, 6));
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) return low(b.slice(12).map((x) => x ^ 0xff));
  return null;
}

/**
 * IPv4 → its /24 ("198.51.100.0/24"); IPv6 → its /48 as Postgres prints it ("2001:db8:4a1::/48"),
 * or, when it embeds an IPv4 address (see above), that address's /24; anything else → null.
 * The SQL twin is govflow.ip_prefix() (migration 2026-11-30T0500-masking-allow-list).
 */
export function ipPrefix(ip: string): string | null {
  const s = ip.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return `${s.split('.').slice(0, 3).map(Number).join('.')}.0/24`;
  if (!ipaddr.IPv6.isValid(s.split('%')[0]!)) return null;
  const v4 = embeddedIPv4(s);
  if (v4) return ipPrefix(v4);
  const b = ipaddr.IPv6.parse(s.split('%')[0]!).toByteArray();
  const net = ipaddr.fromByteArray([...b.slice(0, 6), ...Array(10).fill(0)]) as ipaddr.IPv6;
  return `${net.toRFC5952String()}/48`;
}
