import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../errors/index.js';
import { parseSinkRuntimeConfig } from './config.js';

describe('sink runtime config', () => {
  it('fills every default from an empty section', () => {
    expect(parseSinkRuntimeConfig(undefined)).toEqual({
      batch: { maxRecords: 500, maxBytes: 4 * 1024 * 1024, lingerMs: 1_000 },
      retry: { initialMs: 200, maxMs: 30_000, multiplier: 2, jitter: 'full', itemMaxAttempts: 10 },
      maxQueuedBatches: 2,
      maxInFlightBatches: 1,
      healthIntervalMs: 5_000,
      lagIntervalMs: 10_000,
      drainTimeoutMs: 30_000,
      onBatchFailure: 'fail',
      prepareOnDecode: false,
    });
  });

  it('keeps given values and fills the rest of a partial section', () => {
    const config = parseSinkRuntimeConfig({ batch: { maxRecords: 1_000 }, retry: { jitter: 'decorrelated' } });
    expect(config.batch).toEqual({ maxRecords: 1_000, maxBytes: 4 * 1024 * 1024, lingerMs: 1_000 });
    expect(config.retry.jitter).toBe('decorrelated');
    expect(config.retry.initialMs).toBe(200);
  });

  it('names every field at fault under the section path, and rejects unknown keys', () => {
    let error: unknown;
    try {
      parseSinkRuntimeConfig(
        { batch: { maxRecords: 0, linger: 5 }, retry: { initialMs: 500, maxMs: 100 } },
        'sinks.clickhouse',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('sinks.clickhouse.batch.maxRecords');
    expect(message).toContain('linger');
    expect(message).toContain('sinks.clickhouse.retry.maxMs: maxMs must be ≥ initialMs');
  });
});
