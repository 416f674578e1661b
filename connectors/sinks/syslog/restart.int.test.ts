/**
 * Acceptance: the syslog sink under the sink runtime (`startSink`) streams N EnrichedLog records from
 * an embedded log topic into a PRIVATE rsyslogd (own config, ports and file), which is stopped and
 * started again mid-stream. Over RELP every record arrives exactly once with equal fields; over plain
 * TCP the test shows what a restart (orderly or a crash) costs (records written to the socket but
 * never read are lost: TCP's delivery is only as good as the kernel's buffers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSink } from '../../../pipeline/sink/index.js';
import { requireService } from '../../../test/support/services.js';
import { enrichedLogTopic } from '../../../test/support/enriched-log-topic.js';
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { parseRfc5424 } from '../formats/testing/parse.js';
import { createSyslogSink } from './connector.js';
import { createPrivateRsyslog, type PrivateRsyslog } from './private-rsyslog.js';
import { corpus, receivedMessages } from './testing.js';

const N = 3000;
const BATCH = 25;

describe('syslog sink across a receiver restart (private rsyslogd)', () => {
  let dir: string;
  let rsyslog: PrivateRsyslog;
  let ca: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'makestream-syslog-restart-'));
    // The stack's rsyslog PKI (server certificate for 127.0.0.1) serves the private TLS input.
    const { endpoints } = await requireService('rsyslog');
    ca = endpoints.ca!;
    const pki = dirname(ca);
    rsyslog = await createPrivateRsyslog({
      tls: { caFile: ca, certFile: join(pki, 'server.pem'), keyFile: join(pki, 'server.key') },
    });
  });

  afterAll(async () => {
    await rsyslog?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Streams N records through startSink; stops rsyslogd with `signal` once a fifth arrived, restarts it after 1 s. */
  async function streamAcrossRestart(transport: 'relp' | 'tcp' | 'tls', signal: NodeJS.Signals) {
    const run = `${transport}${signal}${Date.now().toString(36)}`;
    const appName = `mst${run}`;
    const values = corpus(run, N);
    const { log, serde, close } = await enrichedLogTopic(dir, run, values);

    await rsyslog.start();
    const port = transport === 'relp' ? rsyslog.relpPort : transport === 'tls' ? rsyslog.tlsPort! : rsyslog.tcpPort;
    const sink = await startSink(
      createSyslogSink({
        name: `restart-${transport}`,
        port,
        transport,
        appName,
        ...(transport === 'tls' ? { tls: { caFile: ca } } : {}),
        connectTimeoutMs: 1000,
        ackTimeoutMs: 2000,
      }),
      {
        log,
        serde,
        batch: { maxRecords: BATCH, lingerMs: 20 },
        retry: { initialMs: 50, maxMs: 500, itemMaxAttempts: 1000 },
      },
    );
    let restartedAt: number;
    try {
      while (receivedMessages(rsyslog.output, appName).length < N / 5) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await rsyslog.stop(signal);
      restartedAt = receivedMessages(rsyslog.output, appName).length;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await rsyslog.start();
      // Wait until the sink committed everything, then for the receiver to write what it got.
      const deadline = Date.now() + 90_000;
      let last = -1;
      let stableSince = Date.now();
      while (Date.now() < deadline) {
        const count = receivedMessages(rsyslog.output, appName).length;
        if (count !== last) {
          last = count;
          stableSince = Date.now();
        } else if (Date.now() - stableSince > 3000 && count > restartedAt) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await sink.stop();
      await rsyslog.stop('SIGTERM');
      await close();
    }
    const messages = receivedMessages(rsyslog.output, appName);
    return { values, messages, restartedAt };
  }

  function byEventId(messages: readonly string[]) {
    const found = new Map<string, ReturnType<typeof parseRfc5424>[]>();
    for (const message of messages) {
      const parsed = parseRfc5424(message);
      const eventId = Object.fromEntries(parsed.structuredData[0]!.params).eventId!;
      found.set(eventId, [...(found.get(eventId) ?? []), parsed]);
    }
    return found;
  }

  function expectEqualFields(values: readonly EnrichedLog[], found: ReturnType<typeof byEventId>): void {
    for (const value of values) {
      const [parsed] = found.get(value.eventId) ?? [];
      if (!parsed) continue;
      const params = Object.fromEntries(parsed.structuredData[0]!.params);
      expect(parsed.message).toBe(value.message);
      expect(params.scenarioName).toBe(value.scenarioName);
      expect(params.executionId).toBe(value.executionId);
      expect(parsed.timestamp).toBe(new Date(value.timestamp).toISOString());
    }
  }

  it('over RELP delivers exactly N records with equal fields when rsyslogd is stopped and restarted mid-stream', async () => {
    const { values, messages, restartedAt } = await streamAcrossRestart('relp', 'SIGTERM');
    expect(restartedAt).toBeLessThan(N); // the restart really happened mid-stream
    const found = byEventId(messages);
    expect(found.size).toBe(N);
    expect(messages).toHaveLength(N); // no duplicates either
    expectEqualFields(values, found);
  }, 180_000);

  // Plain TCP has no acknowledgement: records the kernel accepted but rsyslogd had not read when it
  // stopped are gone, after an orderly stop too (measured: 250 and 25 of 3000 lost on SIGTERM;
  // earlier runs lost none). What holds: no record twice, every field equal, the stream goes on.
  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'over plain TCP across a receiver stop (%s): no record twice, in-flight ones may be lost',
    async (signal) => {
      const { values, messages, restartedAt } = await streamAcrossRestart('tcp', signal);
      expect(restartedAt).toBeLessThan(N);
      const found = byEventId(messages);
      const lost = N - found.size;
      process.stderr.write(
        `[restart] tcp ${signal}: ${found.size} of ${N} received, ${lost} lost, ${messages.length - found.size} duplicated\n`,
      );
      // The sink resends nothing the socket accepted, so nothing arrives twice.
      expect(messages).toHaveLength(found.size);
      expect(found.size).toBeGreaterThan(restartedAt);
      expectEqualFields(values, found);
    },
    180_000,
  );
});
