import { sql, type Kysely } from 'kysely';

// Masking by allow-list (issue 13): the sensitivity inventory, and an IP generaliser that knows
// IPv6 addresses carrying IPv4 addresses.
//
// govflow.sensitivity_inventory: per source, field and kind of personal data, how many values the
// mask step's classifier saw in one window, when first and last, and how many masking replaced
// (all of them, by construction). One row per window, so a re-run rewrites its own counts;
// `govflow inventory` sums the windows.
//
// govflow.ip_prefix(), twin of masking/ip.ts ipPrefix(): an IPv6 address that carries an
// IPv4 address (IPv4-mapped ::ffff:0:0/96 and IPv4-compatible ::/96, NAT64 64:ff9b::/96,
// 6to4 2002::/16, Teredo 2001::/32 with the client address inverted) is generalised as that IPv4
// address's /24, because its /48 spells out most or all of the embedded address. A unit test of
// the TypeScript side and pii-protection.test.ts keep the two in agreement.

/** govflow.ip_prefix() as this migration made it (2026-11-30T2200 replaces it; its down() restores it). */
export const ipPrefixByHextets = sql`
  create or replace function govflow.ip_prefix(ip text) returns text
  language plpgsql immutable strict parallel safe as $$
  declare
    a inet := ip::inet;
    s text;
    v4 text;
    head text[];
    tail text[];
    parts text[];
    h int[];
    o int[];
  begin
    if family(a) = 4 then
      return host(network(set_masklen(a, 24))) || '/24';
    end if;
    -- The eight hextets, from the address as Postgres prints it (RFC 5952, dotted tail for ::ffff:a.b.c.d).
    s := host(a);
    v4 := substring(s from '([0-9]+[.][0-9]+[.][0-9]+[.][0-9]+)$');
    if v4 is not null then
      s := left(s, length(s) - length(v4))
        || to_hex((split_part(v4, '.', 1)::int << 8) | split_part(v4, '.', 2)::int) || ':'
        || to_hex((split_part(v4, '.', 3)::int << 8) | split_part(v4, '.', 4)::int);
    end if;
    if position('::' in s) > 0 then
      head := case when split_part(s, '::', 1) = '' then '{}'::text[] else string_to_array(split_part(s, '::', 1), ':') end;
      tail := case when split_part(s, '::', 2) = '' then '{}'::text[] else string_to_array(split_part(s, '::', 2), ':') end;
      parts := head || array_fill('0'::text, array[8 - coalesce(array_length(head, 1), 0) - coalesce(array_length(tail, 1), 0)]) || tail;
    else
      parts := string_to_array(s, ':');
    end if;
    h := array(select ('x' || lpad(p, 8, '0'))::bit(32)::int from unnest(parts) with ordinality as t(p, n) order by n);
    if h[1] = 0 and h[2] = 0 and h[3] = 0 and h[4] = 0 and h[5] = 0 and h[6] = 65535 then o := array[h[7], h[8]];
    elsif h[1] = 0 and h[2] = 0 and h[3] = 0 and h[4] = 0 and h[5] = 0 and h[6] = 0 and h[7] <> 0 then o := array[h[7], h[8]];
    elsif h[1] = 100 and h[2] = 65435 and h[3] = 0 and h[4] = 0 and h[5] = 0 and h[6] = 0 then o := array[h[7], h[8]];
    elsif h[1] = 8194 then o := array[h[2], h[3]];
    elsif h[1] = 8193 and h[2] = 0 then o := array[h[7] # 65535, h[8] # 65535];
    end if;
    if o is not null then
      return (o[1] >> 8) || '.' || (o[1] & 255) || '.' || (o[2] >> 8) || '.0/24';
    end if;
    return host(network(set_masklen(a, 48))) || '/48';
  end
  $$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table govflow.sensitivity_inventory (
      source       text not null,
      field        text not null,
      kind         text not null,
      window_start timestamptz not null,
      window_end   timestamptz not null,
      seen         bigint not null,
      handled      bigint not null,
      first_seen   timestamptz not null,
      last_seen    timestamptz not null,
      workflow_id  text not null,
      primary key (source, field, kind, window_start)
    )`.execute(db);
  await ipPrefixByHextets.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table govflow.sensitivity_inventory`.execute(db);
  await sql`
    create or replace function govflow.ip_prefix(ip text) returns text
    language sql immutable strict parallel safe as $$
      select case family(ip::inet)
        when 4 then host(network(set_masklen(ip::inet, 24))) || '/24'
        else host(network(set_masklen(ip::inet, 48))) || '/48'
      end
    $$`.execute(db);
}
