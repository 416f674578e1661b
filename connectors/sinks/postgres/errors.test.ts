import { describe, expect, it } from '@jest/globals';
import { classifyPostgresError, errorKind, sqlStateKind } from './errors.js';

const pgError = (message: string, code: string, extra: Record<string, string> = {}) =>
  Object.assign(new Error(message), { code, ...extra });

describe('PostgreSQL error classification', () => {
  it('retries connection loss, timeouts, serialization failures, deadlocks and too many connections', () => {
    for (const state of ['08006', '08001', '40001', '40P01', '53300', '53100', '57014', '57P01', '57P03', '55P03']) {
      expect([state, sqlStateKind(state)]).toEqual([state, 'retriable']);
    }
    expect(errorKind(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(
      'retriable',
    );
    expect(errorKind(new Error('Connection terminated unexpectedly'))).toBe('retriable');
  });

  it('treats data exceptions and integrity violations as bad data', () => {
    for (const state of ['22P02', '22003', '22007', '22021', '23514', '23502']) {
      expect([state, sqlStateKind(state)]).toEqual([state, 'data']);
    }
  });

  it('fails the whole batch without retry for missing tables, privileges and credentials', () => {
    for (const state of ['42P01', '42703', '42501', '28P01', '3D000', '3F000']) {
      expect([state, sqlStateKind(state)]).toEqual([state, 'fatal']);
    }
  });

  it('builds PipelineErrors that name the operation, the SQLSTATE and the constraint', () => {
    const data = classifyPostgresError(
      pgError('new row violates check constraint', '23514', { constraint: 'duration_not_negative' }),
      'Writing 1 row(s) to s.executions',
    );
    expect(data.kind).toBe('data');
    expect(data.error.retriable).toBe(false);
    expect(data.error.message).toBe(
      'Writing 1 row(s) to s.executions failed: new row violates check constraint [23514] (constraint duration_not_negative) (the row was refused by PostgreSQL; fix the producer or the column type)',
    );
    const lost = classifyPostgresError(
      pgError('terminating connection due to administrator command', '57P01'),
      'Writing',
    );
    expect(lost.error.retriable).toBe(true);
    expect(lost.error.component).toBe('sink.postgres');
  });
});
