/**
 * The syslog sink into the stack's syslog-ng (`syslog()` source, infra/local/services/syslog-ng.ts):
 * the corpus (every escape-worthy character, line breaks, non-ASCII, emoji) over TCP (octet counting),
 * TLS and UDP; what syslog-ng received (`$RAWMSG`) parsed back with equal fields.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../../test/support/services.js';
import { parseRfc5424 } from '../formats/testing/parse.js';
import { createSyslogSink } from './connector.js';
import type { SyslogSinkConfigInput } from './config.js';
import { batchOf, corpus, waitForMessages } from './testing.js';

const hostPort = (value: string | undefined) => {
  const [host, port] = (value ?? '').split(':');
  return { host: host!, port: Number(port) };
};

describe('syslog sink into syslog-ng (real receiver)', () => {
  let endpoints: Readonly<Record<string, string>>;
  const run = `${Date.now().toString(36)}${process.pid}`;

  beforeAll(async () => {
    ({ endpoints } = await requireService('syslog-ng'));
  });

  it.each(['tcp', 'tls', 'udp'] as const)(
    'delivers every record once as RFC 5424 over %s with equal fields',
    async (transport) => {
      const appName = `mstng${run}${transport}`;
      const values = corpus(`${run}-ng-${transport}`, 30);
      const config: SyslogSinkConfigInput = {
        ...hostPort(endpoints[transport]),
        transport,
        appName,
        format: 'rfc5424',
        ...(transport === 'tls' ? { tls: { caFile: endpoints.ca!, servername: 'localhost' } } : {}),
      };
      const sink = createSyslogSink(config);
      try {
        await sink.start();
        expect((await sink.write(batchOf(values))).failures).toEqual([]);
      } finally {
        await sink.close();
      }
      const messages = await waitForMessages(endpoints.output!, appName, values.length);
      expect(messages).toHaveLength(values.length);
      const byExecution = new Map(
        messages.map((message) => {
          const parsed = parseRfc5424(message);
          return [Object.fromEntries(parsed.structuredData[0]!.params).executionId, parsed];
        }),
      );
      for (const value of values) {
        const parsed = byExecution.get(value.executionId!);
        expect(parsed).toBeDefined();
        const params = Object.fromEntries(parsed!.structuredData[0]!.params);
        expect(params.eventId).toBe(value.eventId);
        expect(params.scenarioName).toBe(value.scenarioName);
        expect(parsed!.appName).toBe(appName);
        expect(parsed!.timestamp).toBe(new Date(value.timestamp).toISOString());
        expect(parsed!.message).toBe(value.message);
      }
    },
  );
});
