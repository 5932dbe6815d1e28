import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { classifyStepError, isPermanentPostgresError } from '../../temporal/step-errors';

describe('step error classification', () => {
  it('does not retry errors that will recur', () => {
    expect(isPermanentPostgresError(Object.assign(new Error('relation does not exist'), { code: '42P01' }))).toBe(true);
    expect(isPermanentPostgresError(Object.assign(new Error('invalid input syntax'), { code: '22P02' }))).toBe(true);
  });

  it('retries connection loss, deadlocks and resource exhaustion', () => {
    for (const code of ['08006', '40P01', '40001', '53300', '57P01']) {
      expect(isPermanentPostgresError(Object.assign(new Error(code), { code }))).toBe(false);
    }
    expect(isPermanentPostgresError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
  });

  it('turns permanent errors into non-retryable failures naming the SQLSTATE', () => {
    let thrown: unknown;
    try {
      classifyStepError(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApplicationFailure);
    expect((thrown as ApplicationFailure).nonRetryable).toBe(true);
    expect((thrown as ApplicationFailure).message).toBe('Postgres error 42P01: relation "x" does not exist');
  });
});
