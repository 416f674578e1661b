import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readExportedLogs, type ExportedLog } from '../../infra/local/otelcol/exported.js';
import { sleep } from '../../infra/local/process.js';
import { requireService } from '../support/services.js';

/** Waits (bounded) until the exporter file holds `count` records matching `match`; returns them. */
async function readBack(
  file: string,
  match: (log: ExportedLog) => boolean,
  count: number,
  timeoutMs = 10_000,
): Promise<ExportedLog[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readExportedLogs(file).filter(match);
    if (found.length >= count || Date.now() >= deadline) return found;
    await sleep(100);
  }
}

describe('otelcol (OpenTelemetry Collector: Splunk HEC and Datadog logs receivers into files)', () => {
  let endpoints: Readonly<Record<string, string>>;
  const run = `${Date.now()}-${process.pid}`;

  beforeAll(async () => {
    endpoints = (await requireService('otelcol')).endpoints;
  });

  const hec = (path: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${endpoints.hec}${path}`, {
      method: 'POST',
      headers: { Authorization: `Splunk ${endpoints.hecToken}`, ...headers },
      body,
      signal: AbortSignal.timeout(5_000),
    });

  it('HEC: a batch of concatenated event envelopes arrives with time, host, source, sourcetype, index and fields', async () => {
    const events = [1, 2, 3].map((n) => ({
      time: 1_795_000_000.125 + n,
      host: `host-${n % 2}`,
      source: 'makestream',
      sourcetype: 'make:execution',
      index: 'make_logs',
      event: { message: `hec ${run} #${n}`, level: n === 3 ? 'error' : 'info' },
      fields: { run, n, team: 'ops' },
    }));
    const response = await hec('/services/collector/event', events.map((e) => JSON.stringify(e)).join(''));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ text: 'Success', code: 0 });

    const got = await readBack(endpoints.hecFile!, (l) => l.attributes.run === run, 3);
    expect(got).toHaveLength(3);
    for (const event of events) {
      const log = got.find((l) => l.attributes.n === event.fields.n);
      expect(log).toBeDefined();
      expect(log!.body).toEqual(event.event);
      // The receiver converts seconds to nanoseconds in float64: exact to the millisecond, not the nanosecond.
      expect(Math.round(Number(log!.timeUnixNano) / 1e6)).toBe(Math.round(event.time * 1000));
      expect(log!.resource).toEqual({
        'host.name': event.host,
        'com.splunk.source': 'makestream',
        'com.splunk.sourcetype': 'make:execution',
        'com.splunk.index': 'make_logs',
      });
      expect(log!.attributes).toEqual({ run, n: event.fields.n, team: 'ops' });
    }
  });

  it('HEC: a wrong token is refused with 401 and nothing is written', async () => {
    const marker = `wrong-token ${run}`;
    const response = await fetch(`${endpoints.hec}/services/collector/event`, {
      method: 'POST',
      headers: { Authorization: 'Splunk not-the-token' },
      body: JSON.stringify({ event: marker, fields: { run: marker } }),
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(401);
    expect(await readBack(endpoints.hecFile!, (l) => l.attributes.run === marker, 1, 1_000)).toHaveLength(0);
  });

  it('HEC: indexer acknowledgement gives an ackId on a channel, then reports it as indexed', async () => {
    const channel = randomUUID();
    const headers = { 'X-Splunk-Request-Channel': channel };
    const response = await hec(
      '/services/collector',
      JSON.stringify({ event: `ack ${run}`, fields: { run } }),
      headers,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { text: string; code: number; ackId: number };
    expect(body).toMatchObject({ text: 'Success', code: 0 });
    expect(typeof body.ackId).toBe('number');

    const ack = await hec(
      '/services/collector/ack',
      JSON.stringify({ acks: [body.ackId, body.ackId + 1000] }),
      headers,
    );
    expect(ack.status).toBe(200);
    expect(await ack.json()).toEqual({ acks: { [body.ackId]: true, [body.ackId + 1000]: false } });
    expect(await readBack(endpoints.hecFile!, (l) => l.body === `ack ${run}`, 1)).toHaveLength(1);
  });

  it('HEC: the health endpoint answers 200 with the token', async () => {
    const response = await fetch(`${endpoints.hec}/services/collector/health`, {
      headers: { Authorization: `Splunk ${endpoints.hecToken}` },
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(200);
  });

  it('Datadog: a gzip’d logs array arrives with ddsource, ddtags, service, hostname, status and message', async () => {
    const items = [1, 2].map((n) => ({
      ddsource: 'make',
      ddtags: `env:test,team:ops,run:${run}`,
      service: 'makestream',
      hostname: `dd-host-${n}`,
      status: n === 2 ? 'error' : 'info',
      message: `datadog ${run} #${n}`,
      timestamp: 1_795_000_000_000 + n,
      scenarioId: 4200 + n,
    }));
    const response = await fetch(`${endpoints.datadog}/api/v2/logs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'DD-API-KEY': 'local-test-key' },
      body: gzipSync(JSON.stringify(items)),
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(202);

    const got = await readBack(endpoints.datadogFile!, (l) => l.attributes.run === run, 2);
    expect(got).toHaveLength(2);
    for (const item of items) {
      const log = got.find((l) => l.body === item.message);
      expect(log).toBeDefined();
      expect(log!.severityText).toBe(item.status);
      expect(log!.timeUnixNano).toBe(BigInt(item.timestamp) * 1_000_000n);
      expect(log!.resource).toEqual({
        'host.name': item.hostname,
        'service.name': 'makestream',
        'deployment.environment.name': 'test',
      });
      expect(log!.attributes).toEqual({
        'datadog.ddsource': 'make',
        team: 'ops',
        run,
        scenarioId: item.scenarioId,
      });
    }
  });
});
