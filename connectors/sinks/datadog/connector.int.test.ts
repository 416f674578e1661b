/**
 * The Datadog sink against the REAL Datadog logs receiver of the OpenTelemetry Collector in the
 * local stack (`otelcol`, `/api/v2/logs`): logs read back from its file exporter. That receiver does
 * not check the API key, so the 403 path is tested against a fake in `connector.test.ts`.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readExportedLogs, type ExportedLog } from '../../../infra/local/otelcol/exported.js';
import { requireService } from '../../../test/support/services.js';
import { enrichedLogDocument } from '../elasticsearch/documents.js';
import { batchOf, corpus } from '../syslog/testing.js';
import { createDatadogSink } from './connector.js';
import { datadogStatus } from './payload.js';

async function readBack(file: string, run: string, count: number, timeoutMs = 15_000): Promise<ExportedLog[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readExportedLogs(file).filter((log) => String(log.attributes.run ?? '') === run);
    if (found.length >= count || Date.now() >= deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Datadog sink into the OpenTelemetry Collector Datadog receiver (real)', () => {
  let endpoints: Readonly<Record<string, string>>;
  const environment = { env: { DD_API_KEY: 'local-test-key' }, readFile: () => '' };

  beforeAll(async () => {
    endpoints = (await requireService('otelcol')).endpoints;
  });

  it.each(['gzip', 'none'] as const)('N logs sent = N recorded with equal fields (%s)', async (compression) => {
    const run = `dd-int-${compression}-${Date.now()}-${process.pid}`;
    const logs = corpus(run, 40);
    const datadog = createDatadogSink(
      {
        url: endpoints.datadog!,
        apiKey: { env: 'DD_API_KEY' },
        ddtags: ['env:test', `run:${run}`],
        compression,
        maxRequestEntries: 15,
      },
      { environment },
    );
    const result = await datadog.write(batchOf(logs));
    expect(result.failures).toEqual([]);
    const got = await readBack(endpoints.datadogFile!, run, logs.length);
    expect(got).toHaveLength(logs.length);
    for (const log of logs) {
      const document = enrichedLogDocument(log).source;
      const received = got.find((entry) => (entry.attributes.event as { id?: string } | null)?.id === log.eventId);
      expect(received).toBeDefined();
      expect(received!.body).toBe(log.message);
      expect(received!.severityText).toBe(datadogStatus[log.level]);
      expect(received!.timeUnixNano).toBe(BigInt(log.timestamp) * 1_000_000n);
      expect(received!.resource).toMatchObject({
        'host.name': log.zone,
        'service.name': 'make',
        'deployment.environment.name': 'test',
      });
      expect(received!.attributes).toMatchObject({
        'datadog.ddsource': 'makestream',
        level: log.level.toLowerCase(),
        event: document.event,
        make: document.make,
      });
    }
  });

  it('an unreachable intake is a retriable error', async () => {
    const down = createDatadogSink(
      { url: 'http://127.0.0.1:1', apiKey: { env: 'DD_API_KEY' }, requestTimeoutMs: 2_000 },
      { environment },
    );
    await expect(down.write(batchOf(corpus('dd-down', 1)))).rejects.toMatchObject({ retriable: true });
  });
});
