import type { Command } from '../command';
import { databaseUrlOf } from '../../config/config';
import { createDb, createPool, ensureDatabase, redactUrl } from '../../db/pool';
import { migrateToLatest } from '../../db/migrate';

/** Creates the database when missing and applies pending migrations. */
export async function migrate(databaseUrl: string, log: (line: string) => void): Promise<void> {
  if (await ensureDatabase(databaseUrl)) log(`govflow: created database ${redactUrl(databaseUrl)}`);
  const db = createDb(createPool(databaseUrl, 2));
  try {
    const applied = await migrateToLatest(db);
    log(applied.length ? `govflow: applied ${applied.join(', ')}` : 'govflow: schema is up to date');
  } finally {
    await db.destroy();
  }
}

export const migrateCommand: Command = {
  name: 'migrate',
  usage: 'migrate',
  summary: 'create the database if missing and apply migrations',
  usesDatabase: true,
  async run({ out }) {
    // Only the database: the one-shot migrate container of docker-compose.yml has no keys.
    await migrate(databaseUrlOf(), out);
    return 0;
  },
};
