/**
 * The HEC sink against the REAL Splunk HEC receiver of the OpenTelemetry Collector in the local
 * stack (`otelcol`): events read back from its file exporter. This receiver refuses a request whole
 * (never code 6 with an event number: that case is in `connector.test.ts`, against a fake), so the
 * one-bad-event case here is an event over its request size limit, found by bisection.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readExportedLogs, type ExportedLog } from '../../../infra/local/otelcol/exported.js';
import { requireService } from '../../../test/support/services.js';
import { enrichedLogDocument } from '../elasticsearch/documents.js';
import { batchOf, corpus } from '../syslog/testing.js';
import { createSplunkHecSink } from './connector.js';
import { indexedFields } from './envelope.js';

async function readBack(file: string, run: string, count: number, timeoutMs = 15_000): Promise<ExportedLog[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readExportedLogs(file).filter((log) => String(log.attributes.execution_id ?? '').startsWith(run));
    if (found.length >= count || Date.now() >= deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Splunk HEC sink into the OpenTelemetry Collector HEC receiver (real)', () => {
  let endpoints: Readonly<Record<string, string>>;
  const environment = { env: {} as Record<string, string>, readFile: () => '' };

  beforeAll(async () => {
    endpoints = (await requireService('otelcol')).endpoints;
    environment.env.HEC_TOKEN = endpoints.hecToken!;
  });

  const sink = (ack: boolean, maxRequestEvents = 1000) =>
    createSplunkHecSink(
      {
        url: endpoints.hec!,
        token: { env: 'HEC_TOKEN' },
        index: 'make_logs',
        maxRequestEvents,
        ack: { enabled: ack, pollIntervalMs: 50, timeoutMs: 5_000 },
      },
      { environment },
    );

  it.each([false, true])('N events sent = N recorded with equal fields (indexer ack %s)', async (ack) => {
    const run = `hec-int-${ack}-${Date.now()}-${process.pid}`;
    const logs = corpus(run, 40);
    const hec = sink(ack, 15);
    await expect(hec.health()).resolves.toMatchObject({ healthy: true });
    const result = await hec.write(batchOf(logs));
    expect(result.failures).toEqual([]);
    const got = await readBack(endpoints.hecFile!, run, logs.length);
    expect(got).toHaveLength(logs.length);
    for (const log of logs) {
      const received = got.find((entry) => entry.attributes.execution_id === log.executionId);
      expect(received).toBeDefined();
      expect(received!.body).toEqual(enrichedLogDocument(log).source);
      expect(received!.attributes).toMatchObject(indexedFields(log));
      // HEC time is a float of seconds: the receiver's float→nanos conversion is exact to the millisecond only.
      expect(Math.round(Number(received!.timeUnixNano) / 1e6)).toBe(log.timestamp);
      expect(received!.resource).toMatchObject({
        'host.name': log.zone,
        'com.splunk.source': 'makestream',
        'com.splunk.sourcetype': 'makestream:log',
        'com.splunk.index': 'make_logs',
      });
    }
  });

  it('an event the receiver refuses fails alone (for the DLQ), its neighbours are recorded once', async () => {
    const run = `hec-int-poison-${Date.now()}-${process.pid}`;
    const logs = corpus(run, 20);
    const poison = 13;
    // 5 MB: over the receiver's 4 MiB request limit (collector.yaml), under this sink's event limit.
    logs[poison] = { ...logs[poison]!, message: 'x'.repeat(5_000_000) };
    const hec = createSplunkHecSink(
      {
        url: endpoints.hec!,
        token: { env: 'HEC_TOKEN' },
        maxEventBytes: 8 * 1024 * 1024,
        maxRequestBytes: 16 * 1024 * 1024,
        requestTimeoutMs: 30_000,
      },
      { environment },
    );
    const result = await hec.write(batchOf(logs));
    expect(result.failures.map((failure) => failure.index)).toEqual([poison]);
    expect(result.failures[0]!.error.retriable).toBe(false);
    expect(result.failures[0]!.error.message).toContain(
      `HEC rejected event ${logs[poison]!.eventId}: HTTP 400, HEC code 6`,
    );
    const got = await readBack(endpoints.hecFile!, run, logs.length - 1);
    const recorded = got.map((entry) => String(entry.attributes.execution_id)).sort();
    const expected = logs.filter((_, index) => index !== poison).map((log) => log.executionId!);
    expect(recorded).toEqual(expected.sort());
  }, 60_000);

  it('a wrong token is a permanent error and nothing is recorded', async () => {
    const run = `hec-int-token-${Date.now()}-${process.pid}`;
    const wrong = createSplunkHecSink(
      { url: endpoints.hec!, token: { env: 'T' } },
      { environment: { env: { T: 'not-the-token' }, readFile: () => '' } },
    );
    await expect(wrong.write(batchOf(corpus(run, 2)))).rejects.toMatchObject({ retriable: false });
    expect(await readBack(endpoints.hecFile!, run, 1, 1_000)).toEqual([]);
  });

  it('an unreachable receiver is a retriable error and unhealthy', async () => {
    const down = createSplunkHecSink(
      { url: 'http://127.0.0.1:1', token: { env: 'HEC_TOKEN' }, requestTimeoutMs: 2_000 },
      { environment },
    );
    await expect(down.write(batchOf(corpus('hec-down', 1)))).rejects.toMatchObject({ retriable: true });
    await expect(down.health()).resolves.toMatchObject({ healthy: false });
  });
});
