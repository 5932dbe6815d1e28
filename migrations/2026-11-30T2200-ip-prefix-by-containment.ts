import { sql, type Kysely } from 'kysely';
import { ipPrefixByHextets } from './2026-11-30T0500-masking-allow-list';

// govflow.ip_prefix() without a query per call. The earlier body (2026-11-30T0500) split the
// address into its eight hextets with `array(select … from unnest(…))`, which PL/pgSQL runs as a
// query through SPI: 27 µs an IPv6 address, 60 % of the mask step's IP cost at 1M events although
// only 5 % of bench:mask's addresses are IPv6. This body is made of simple expressions only,
// which PL/pgSQL evaluates without SPI: it tests the embedding ranges by inet containment and
// takes the embedded IPv4 as the difference of two inets (RFC 4291 §2.5.5 mapped and compatible,
// RFC 6052 NAT64, RFC 4380 Teredo: the low 32 bits; RFC 3056 6to4: hextets 2 and 3 of the /48).
// Same results as before on 182,022 addresses of every kind (bench/README.md, stop 25), 7 times
// faster; masking/ip.ts ipPrefix() stays its TypeScript twin (pii-protection.test.ts).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function govflow.ip_prefix(ip text) returns text
    language plpgsql immutable strict parallel safe as $$
    declare
      a inet := ip::inet;
      h inet;
      s text;
      n bigint;
    begin
      if family(a) = 4 then
        return host(network(set_masklen(a, 24))) || '/24';
      end if;
      -- Containment asks the address's own mask length to be at least the range's: the whole address.
      h := set_masklen(a, 128);
      if h <<= '::ffff:0:0/96' or h <<= '64:ff9b::/96' or (h <<= '::/96' and h - '::' >= 65536) then
        n := h - network(set_masklen(h, 96));
      elsif h <<= '2001::/32' then
        n := 4294967295 - (h - network(set_masklen(h, 96)));
      elsif h <<= '2002::/16' then
        -- 2002:AABB:CCDD::/48 as Postgres prints it; a zero hextet may be printed as '' (in '::').
        s := host(network(set_masklen(h, 48)));
        n := (('x' || lpad(coalesce(nullif(split_part(s, ':', 2), ''), '0'), 8, '0'))::bit(32)::bigint << 16)
           | ('x' || lpad(coalesce(nullif(split_part(s, ':', 3), ''), '0'), 8, '0'))::bit(32)::bigint;
      else
        return host(network(set_masklen(a, 48))) || '/48';
      end if;
      return (n >> 24) || '.' || ((n >> 16) & 255) || '.' || ((n >> 8) & 255) || '.0/24';
    end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await ipPrefixByHextets.execute(db);
}
