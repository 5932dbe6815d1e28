import { describe, expect, it } from 'vitest';
import { isRacedCreate } from '../../db/day-partitions';

// Two creators of one day's partition: the loser's error, in each form PostgreSQL gives it, means
// the partition exists (a mask step of one region failed on 42710 while another made the day).
describe('isRacedCreate', () => {
  it('takes duplicate_table, duplicate_object and unique_violation for a lost race', () => {
    for (const code of ['42P07', '42710', '23505']) expect(isRacedCreate({ code })).toBe(true);
  });
  it('lets every other error through', () => {
    for (const err of [{ code: '42501' }, { code: '40P01' }, new Error('boom'), undefined]) expect(isRacedCreate(err)).toBe(false);
  });
});
