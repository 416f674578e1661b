import { beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../../test/support/services.js';
import { parseCef, parseLeef, parseRfc5424 } from '../formats/testing/parse.js';
import { createSyslogSink } from './connector.js';
import type { SyslogSinkConfigInput } from './config.js';
import { batchOf, corpus, waitForMessages } from './testing.js';

const hostPort = (value: string | undefined) => {
  const [host, port] = (value ?? '').split(':');
  return { host: host!, port: Number(port) };
};

describe('syslog sink into rsyslog (real receiver)', () => {
  let endpoints: Readonly<Record<string, string>>;
  const run = `${Date.now().toString(36)}${process.pid}`;

  beforeAll(async () => {
    ({ endpoints } = await requireService('rsyslog'));
  });

  /** Sends the corpus with a unique APP-NAME and returns what rsyslog wrote for it. */
  async function roundTrip(tag: string, config: Omit<SyslogSinkConfigInput, 'port'> & { port?: number }, count = 30) {
    const appName = `mst${run}${tag}`;
    const values = corpus(`${run}-${tag}`, count);
    const sink = createSyslogSink({ ...config, appName } as SyslogSinkConfigInput);
    try {
      await sink.start();
      const result = await sink.write(batchOf(values));
      expect(result.failures).toEqual([]);
    } finally {
      await sink.close();
    }
    return { values, messages: await waitForMessages(endpoints.output!, appName, count) };
  }

  const streams: [transport: 'tcp' | 'tls' | 'relp', framing: 'octet-counting' | 'newline'][] = [
    ['tcp', 'octet-counting'],
    ['tcp', 'newline'],
    ['tls', 'octet-counting'],
    ['relp', 'octet-counting'],
  ];
  it.each(streams)(
    'delivers every record once as RFC 5424 over %s (%s framing) with equal fields',
    async (transport, framing) => {
      const endpoint = hostPort(
        transport === 'tcp' ? endpoints.tcp : transport === 'tls' ? endpoints.tls : endpoints.relp,
      );
      const { values, messages } = await roundTrip(`${transport}${framing[0]}`, {
        ...endpoint,
        transport,
        framing,
        format: 'rfc5424',
        ...(transport === 'tls' ? { tls: { caFile: endpoints.ca! } } : {}),
      });
      expect(messages).toHaveLength(values.length);
      const byExecution = new Map(
        messages.map((message) => {
          const parsed = parseRfc5424(message);
          const params = Object.fromEntries(parsed.structuredData[0]!.params);
          return [params.executionId, { parsed, params }];
        }),
      );
      // Newline framing writes line breaks as the two characters \n (anywhere in the message).
      const onWire = (text: string | null) => (framing === 'newline' ? text?.replace(/\r\n|[\r\n]/g, '\\n') : text);
      for (const value of values) {
        const got = byExecution.get(value.executionId!);
        expect(got).toBeDefined();
        expect(got!.params.scenarioName).toBe(onWire(value.scenarioName));
        expect(got!.params.eventId).toBe(value.eventId);
        expect(got!.parsed.timestamp).toBe(new Date(value.timestamp).toISOString());
        expect(got!.parsed.message).toBe(onWire(value.message));
      }
    },
  );

  it('delivers CEF and LEEF payloads that parse back to the record fields', async () => {
    const endpoint = hostPort(endpoints.tcp);
    const cef = await roundTrip('cef', { ...endpoint, transport: 'tcp', format: 'cef' });
    expect(cef.messages).toHaveLength(cef.values.length);
    const cefByExecution = new Map(
      cef.messages.map((message) => {
        const parsed = parseCef(parseRfc5424(message).message!);
        return [parsed.extension.externalId, parsed];
      }),
    );
    for (const value of cef.values) {
      const parsed = cefByExecution.get(value.executionId!)!;
      expect(parsed.extension.msg).toBe(value.message);
      expect(parsed.extension.cs1).toBe(value.scenarioName);
      expect(parsed.header[6]).toBe(value.level === 'ERROR' ? '8' : '3');
    }
    const leef = await roundTrip('leef', { ...endpoint, transport: 'tcp', format: 'leef' });
    expect(leef.messages).toHaveLength(leef.values.length);
    for (const message of leef.messages) {
      const parsed = parseLeef(parseRfc5424(message).message!);
      const value = leef.values.find((candidate) => candidate.executionId === parsed.attributes.executionId)!;
      expect(parsed.attributes.msg).toBe(value.message);
    }
  });

  it('sends one datagram per record over UDP, cut to the size limit with a marker', async () => {
    const endpoint = hostPort(endpoints.udp);
    const { values, messages } = await roundTrip('udp', { ...endpoint, transport: 'udp', format: 'rfc5424' }, 20);
    expect(messages).toHaveLength(values.length);
    const huge = corpus(`${run}-udphuge`, 1).map((value) => ({ ...value, message: 'x'.repeat(10_000) }));
    const appName = `mst${run}udphuge`;
    const sink = createSyslogSink({ ...endpoint, transport: 'udp', appName });
    await sink.write(batchOf(huge));
    await sink.close();
    const [received] = await waitForMessages(endpoints.output!, appName, 1);
    expect(Buffer.byteLength(received!)).toBeLessThanOrEqual(2048);
    expect(received!.endsWith('…[truncated]')).toBe(true);
  });

  it('refuses a receiver whose certificate does not match, with a clear error, sending nothing', async () => {
    const appName = `mst${run}badtls`;
    const sink = createSyslogSink({
      ...hostPort(endpoints.tls),
      transport: 'tls',
      appName,
      tls: { caFile: endpoints.ca!, servername: 'siem.example.com' },
    });
    const error = await sink.write(batchOf(corpus(`${run}-badtls`, 3))).catch((caught: Error) => caught);
    await sink.close();
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/certificate was refused.*nothing was sent.*siem\.example\.com/s);
    expect((error as { retriable?: boolean }).retriable).toBe(true);
    expect(await waitForMessages(endpoints.output!, appName, 1, 1000)).toEqual([]);
  });

  it('reports every message of a batch as failed (retriable) while the receiver is unreachable', async () => {
    const sink = createSyslogSink({ host: '127.0.0.1', port: 1, transport: 'relp', connectTimeoutMs: 500 });
    const error = await sink.write(batchOf(corpus(`${run}-down`, 2))).catch((caught: Error) => caught);
    await sink.close();
    expect((error as { retriable?: boolean }).retriable).toBe(true);
    expect((await sink.health()).healthy).toBe(false);
  });
});
