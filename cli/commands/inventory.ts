import { sql } from 'kysely';
import type { InventoryCount } from '../../reporting/sensitivity-inventory';
import type { Command } from '../command';
import { loadEnv } from '../../config/config';
import { createDb, createPool, type Db } from '../../db/pool';

// `govflow inventory [--json]`: the sensitivity inventory — per source and field, which kinds of
// personal data the mask step's classifier found in free text (URLs, user agents, audit targets),
// how often, first and last seen, and how many masking replaced. Counts and times only.

/** A row of the inventory across windows: the report's per-window count, and how many windows saw it. */
export interface InventoryRow extends InventoryCount {
  windows: number;
}

/** The inventory summed over every masked window, by source, field and kind. */
export async function readInventory(db: Db): Promise<InventoryRow[]> {
  const { rows } = await sql<{ source: string; field: string; kind: string; seen: string; handled: string; first_seen: Date; last_seen: Date; windows: string }>`
    select source, field, kind, sum(seen) as seen, sum(handled) as handled, min(first_seen) as first_seen,
           max(last_seen) as last_seen, count(*) as windows
    from govflow.sensitivity_inventory
    group by source, field, kind
    order by source, field, sum(seen) desc, kind`.execute(db);
  return rows.map((r) => ({
    source: r.source, field: r.field, kind: r.kind, seen: Number(r.seen), handled: Number(r.handled),
    firstSeen: new Date(r.first_seen).toISOString(), lastSeen: new Date(r.last_seen).toISOString(), windows: Number(r.windows),
  }));
}

export const inventoryCommand: Command = {
  name: 'inventory',
  usage: 'inventory [--json]',
  summary: 'kinds of personal data found in free text per source and field (counts, first/last seen, handled)',
  options: { json: { type: 'boolean', description: 'print JSON' } },
  usesDatabase: true,
  async run(ctx) {
    const env = loadEnv();
    const db = createDb(createPool(env.databaseUrl, 1));
    try {
      const rows = await readInventory(db);
      if (ctx.flags.json === true) {
        ctx.out(JSON.stringify(rows, null, 2));
        return 0;
      }
      if (rows.length === 0) {
        ctx.out('no personal data found in free text yet (the inventory fills as runs mask their windows)');
        return 0;
      }
      ctx.out(`${'source'.padEnd(20)} ${'field'.padEnd(11)} ${'kind'.padEnd(14)} ${'seen'.padStart(8)} ${'handled'.padStart(8)}  first seen → last seen`);
      for (const r of rows) {
        ctx.out(`${r.source.padEnd(20)} ${r.field.padEnd(11)} ${r.kind.padEnd(14)} ${String(r.seen).padStart(8)} ${String(r.handled).padStart(8)}  ${r.firstSeen} → ${r.lastSeen}`);
      }
      return 0;
    } finally {
      await db.destroy();
    }
  },
};
