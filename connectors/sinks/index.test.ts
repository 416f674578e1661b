import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../pipeline/errors/index.js';
import { silentLogger } from '../../pipeline/telemetry/logger.js';
import { configuredSinks } from './index.js';

const context = { environment: { env: {}, readFile: () => '' }, logger: silentLogger };

describe('sink registry', () => {
  it.each([
    ['syslog', { port: 514, hots: 'siem.internal' }, /sinks\.syslog\.hots: unknown field/],
    [
      'splunkHec',
      { url: 'http://hec:8088', token: { env: 'T' }, indx: 'main' },
      /sinks\.splunkHec\.indx: unknown field/,
    ],
    ['datadog', { apiKey: { env: 'K' }, sevice: 'x' }, /sinks\.datadog\.sevice: unknown field/],
    ['clickhouse', { databse: 'x' }, /sinks\.clickhouse\.databse: unknown field/],
  ])('reports a typo in sinks.%s as a ConfigError naming the field', (kind, section, message) => {
    const error = (() => {
      try {
        configuredSinks({ [kind]: section }, context);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    ['syslog', { port: 514 }],
    ['clickhouse', {}],
    ['postgres', {}],
  ])('hands the shared runtime keys of sinks.%s to the sink runtime', (kind, section) => {
    const runtimeKeys = { maxQueuedBatches: 3, maxInFlightBatches: 2, drainTimeoutMs: 1_000, batch: { maxRecords: 7 } };
    const [sink] = configuredSinks({ [kind]: { ...section, ...runtimeKeys } }, context);
    expect(sink!.runtime).toMatchObject(runtimeKeys);
  });
});
