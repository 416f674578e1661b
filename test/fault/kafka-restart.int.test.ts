/**
 * A Kafka broker restart during a run: the production Elasticsearch sink (built from its config
 * section by `sinkKinds`, as `makestream run` does) consumes a 3-partition topic of the local
 * stack's Kafka under the sink runtime. Mid-run the broker JVM is killed with SIGKILL and brought
 * back through the stack API (`infra/local`, as `test/integration/stack.int.test.ts` does; Kafka is
 * back in 10–16 s); more records are produced after it returns. Afterwards Elasticsearch holds every
 * event id exactly once, the group has committed up to the end and the DLQ is empty. The broker is
 * brought back in `afterAll` whatever happened, so later tests on the shared stack find it running.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { makeEvent } from '../../connectors/sinks/postgres/testing.js';
import { createKafkaLog } from '../../pipeline/log/kafka/index.js';
import { bindTopic, createAvroSerde, createEmbeddedSchemaStore } from '../../pipeline/serde/index.js';
import { startSink, type RunningSink } from '../../pipeline/sink/index.js';
import Database from '../../pipeline/sqlite.js';
import { createLogger } from '../../pipeline/telemetry/logger.js';
import { deadLetterTopic } from '../../pipeline/topics.js';
import { localStack, requireService } from '../support/services.js';
import { auditTopic, openRealStore, type RealStore } from './support/real-stores.js';

const logger = createLogger({ level: process.env.SINK_FAULT_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** `what` is a function so that a timeout describes the state when it fires, not when the wait began. */
const waitUntil = async (
  condition: () => Promise<boolean>,
  what: string | (() => string),
  timeoutMs: number,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Admin calls fail while the broker is away: that is "not yet", not a test failure.
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) {
      const described = typeof what === 'string' ? what : what();
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${described}.`);
    }
    await sleep(250);
  }
};

describe('a Kafka broker restart while the Elasticsearch sink runs on Kafka', () => {
  const stack = localStack();
  const suffix = `${Date.now().toString(36)}${process.pid}`;
  const topic = `test.restart.${suffix}`;
  let store: RealStore | undefined;
  let sink: RunningSink | undefined;
  let killed = false;

  afterAll(async () => {
    // Whatever happened above, leave Kafka running for the tests after this one.
    if (killed) await stack.up(['kafka']);
    await sink?.stop().catch(() => undefined);
    await store?.close().catch(() => undefined);
  }, 120_000);

  it('delivers every event id exactly once and dead-letters nothing', async () => {
    const bootstrap = (await requireService('kafka')).endpoints.bootstrap!;
    const log = createKafkaLog({ brokers: [bootstrap] });
    const database = new Database(':memory:');
    const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database }) });
    store = await openRealStore('elasticsearch', '', topic);
    const name = String(store.section.name);
    await log.createTopics([{ name: topic, partitions: 3 }]);
    const audit = await bindTopic(serde, topic, 'audit-event');
    const producer = await log.producer();
    const start = Date.now() - 3_600_000;
    const append = async (from: number, to: number): Promise<void> => {
      const records = [];
      for (let i = from; i < to; i++)
        records.push({
          key: `org-${i % 2}`,
          value: audit.encode(makeEvent(auditTopic, i, start + i * 1_000) as never),
          partition: i % 3,
        });
      for (let first = 0; first < records.length; first += 500)
        await producer.send(topic, records.slice(first, first + 500));
    };
    const lag = async (): Promise<number> =>
      (await log.lag(`makestream.sink.${name}`, topic)).reduce((sum, l) => sum + l.lag, 0);
    const total = 3_000;
    try {
      await append(0, 1_000);
      sink = await startSink(store.connector(logger), {
        log,
        serde,
        logger,
        batch: { maxRecords: 100, lingerMs: 100 },
        retry: { initialMs: 200, maxMs: 2_000 },
        sessionTimeoutMs: 10_000,
      });
      await waitUntil(async () => (await store!.count()).rows >= 200, 'the first rows', 60_000);

      const pidFile = join(stack.stateDir, 'kafka', 'pid');
      const pid = Number(readFileSync(pidFile, 'utf8'));
      killed = true;
      process.kill(pid, 'SIGKILL');
      await sleep(500);
      const [down] = await stack.status(['kafka']);
      expect(down?.healthy).toBe(false);
      const atKill = (await store.count()).rows;
      expect(atKill).toBeLessThan(1_000 + 1);
      const restartedAt = Date.now();
      await stack.up(['kafka']);
      killed = false;
      expect(Number(readFileSync(pidFile, 'utf8'))).not.toBe(pid);
      logger.info({ ms: Date.now() - restartedAt }, 'Kafka is back');

      // Records produced after the restart, through the same producer (it reconnects).
      let produced = false;
      for (let attempt = 0; attempt < 20 && !produced; attempt++) {
        try {
          await append(1_000, total);
          produced = true;
        } catch (error) {
          if (attempt === 19)
            throw new Error(`Producing after the restart kept failing: ${String(error)}`, { cause: error });
          await sleep(1_000);
        }
      }
      // A sink that failed says why at once instead of leaving the wait below to time out.
      const running = sink;
      const failed = running.done.then(() => {
        throw new Error(`The sink stopped by itself (stats: ${JSON.stringify(running.stats())}).`);
      });
      failed.catch(() => undefined);
      const delivered = waitUntil(
        async () => (await store!.count()).distinct === total,
        () =>
          `all ${total} event ids in Elasticsearch after the broker restart (sink stats: ${JSON.stringify(sink?.stats())})`,
        180_000,
      );
      delivered.catch(() => undefined); // raced below: a later timeout after a failure is not unhandled
      await Promise.race([delivered, failed]);
      await waitUntil(async () => (await lag()) === 0, 'commits up to the end after the restart', 120_000);
      await sink.stop();
      const stats = sink.stats();
      sink = undefined;
      expect(stats.deadLettered).toBe(0);
      expect(await store.count()).toEqual({ rows: total, distinct: total });
      const dlq = deadLetterTopic(name).name;
      const dead = (await log.listTopics()).includes(dlq)
        ? (await log.endOffsets(dlq)).reduce((sum, p) => sum + p.offset, 0)
        : 0;
      expect(dead).toBe(0);
    } finally {
      await producer.close().catch(() => undefined);
      if (!killed) await log.deleteTopics([topic, deadLetterTopic(name).name]).catch(() => undefined);
      await log.close().catch(() => undefined);
      database.close();
    }
  }, 420_000);
});
