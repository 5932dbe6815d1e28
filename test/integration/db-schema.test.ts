import { readFileSync } from 'node:fs';
import { describe, expect, it, inject } from 'vitest';
import { SCHEMA_FILE, schemaTypes } from '../../db/generate-schema';

// db/schema.ts is generated from the migrated schema and checked in; a migration added without
// `npm run db:types` leaves it stale, and the Kysely builder would type-check against tables that
// no longer look like that.
describe('db/schema.ts', () => {
  it('matches the types kysely-codegen generates from the migrated database (else: npm run db:types)', async () => {
    const generated = await schemaTypes(inject('databaseUrl'));
    expect(generated).toContain('"govflow.access_events": GovflowAccessEvents;');
    expect(readFileSync(SCHEMA_FILE, 'utf8'), 'db/schema.ts is stale: run `npm run db:types` and commit it').toBe(generated);
  });
});
