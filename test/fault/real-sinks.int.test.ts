/**
 * Fault tests of the PRODUCTION sinks, each built from its config section by the sink registry
 * (`sinkKinds`, as `makestream run` does) and run by the sink runtime on an embedded log, into the
 * local stack's stores: PostgreSQL, ClickHouse on chDB, Elasticsearch and OpenSearch. Counts are
 * by event id in the store (one copy each). (The stack's ClickHouse server, 18.16, is older than
 * the sink accepts, so ClickHouse runs on chDB as in `makestream run`.)
 * (a) the store is unreachable mid-run (a TCP proxy between sink and store is cut), then restored;
 *     chDB runs inside the sink's process, so its outage is a transport wrapper failing every call
 *     as a refused connection would (the sink's error classification treats both alike);
 * (b) the child process running the sink is SIGKILLed mid-run and a new one started;
 * (c) an undecodable record (and, for PostgreSQL, a row the store refuses) sits mid-batch.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { startSink, type RunningSink } from '../../pipeline/sink/index.js';
import { createLogger } from '../../pipeline/telemetry/logger.js';
import { openRealBed, startRealSinkChild, type RealBed, type RealSinkChild } from './support/real-bed.js';
import { openRealStore, type RealStore, type StoreName } from './support/real-stores.js';

const logger = createLogger({ level: process.env.SINK_FAULT_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const waitUntil = async (condition: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await sleep(200);
  }
};
const nameOf = (store: RealStore): string => String(store.section.name);

const all: StoreName[] = ['postgres', 'clickhouse-chdb', 'elasticsearch', 'opensearch'];

describe('production sinks under faults (embedded log → the local stack stores)', () => {
  let bed: RealBed | undefined;
  let store: RealStore | undefined;
  let sink: RunningSink | undefined;
  const children: RealSinkChild[] = [];

  afterEach(async () => {
    await sink?.stop().catch(() => undefined);
    sink = undefined;
    for (const child of children.splice(0)) await child.kill();
    await store?.close().catch(() => undefined);
    store = undefined;
    await bed?.close();
    bed = undefined;
  }, 60_000);

  it.each(all)(
    '%s: holds the records while the store is unreachable, then delivers each exactly once',
    async (name) => {
      bed = await openRealBed(3);
      store = await openRealStore(name, bed.directory);
      const total = 2_000;
      await bed.append(0, 1_000);
      sink = await startSink(store.connector(logger), {
        log: bed.log,
        serde: bed.serde,
        logger,
        batch: { maxRecords: 100, lingerMs: 100 },
        retry: { initialMs: 100, maxMs: 1_000 },
        healthIntervalMs: 200,
      });
      await waitUntil(async () => (await store!.count()).rows >= 200, 'the first rows');
      store.outage.cut();
      await bed.append(1_000, total);
      // Requests in flight at the cut may still land: take the count once they have failed.
      await sleep(1_500);
      const atCut = (await store.count()).rows;
      expect(atCut).toBeLessThan(total);
      await sleep(3_000);
      expect((await store.count()).rows).toBe(atCut);
      expect(await bed.lag(nameOf(store))).toBeGreaterThanOrEqual(total - atCut);
      store.outage.restore();
      await waitUntil(async () => (await store!.count()).distinct === total, `all ${total} event ids after the outage`);
      await waitUntil(async () => (await bed!.lag(nameOf(store!))) === 0, 'commits up to the end');
      await sink.stop();
      expect(sink.stats()).toMatchObject({ deadLettered: 0 });
      sink = undefined;
      expect(await store.count()).toEqual({ rows: total, distinct: total });
      expect(await bed.deadLetters(nameOf(store))).toEqual([]);
    },
    180_000,
  );

  it.each(all)(
    '%s: survives kill -9 of the sink process mid-run, exact count after restart',
    async (name) => {
      bed = await openRealBed(3);
      store = await openRealStore(name, bed.directory);
      const total = 3_000;
      await bed.append(0, total);
      const input = {
        kind: store.kind,
        section: store.section,
        logPath: bed.logPath,
        schemaDatabase: bed.schemaDatabase,
        maxRecords: 100,
        lingerMs: 200,
      };
      const first = startRealSinkChild(input, store.env);
      children.push(first);
      await first.waitFor((line) => (line.written ?? 0) >= 300, 'its first 300 writes', 120_000);
      await first.kill();
      // Killed with work left: the log still holds records for the group.
      expect(await bed.lag(nameOf(store))).toBeGreaterThan(0);
      const second = startRealSinkChild(input, store.env);
      children.push(second);
      await waitUntil(async () => (await bed!.lag(nameOf(store!))) === 0, 'commits up to the end after the restart');
      const stopped = await second.stop();
      expect(stopped).toMatchObject({ deadLettered: 0 });
      expect(await store.count()).toEqual({ rows: total, distinct: total });
      expect(await bed.deadLetters(nameOf(store))).toEqual([]);
    },
    240_000,
  );

  it.each(all)(
    '%s: dead-letters a poison record alone; its neighbours in the batch are stored',
    async (name) => {
      bed = await openRealBed(1);
      store = await openRealStore(name, bed.directory);
      // PostgreSQL also gets a row it refuses (text with a NUL character) at offset 6.
      const refused = name === 'postgres';
      await bed.append(0, 10, (i) =>
        i === 4
          ? Buffer.from('not avro at all')
          : refused && i === 6
            ? { ...bed!.event(6), detail: 'nul\u0000' }
            : undefined,
      );
      const child = startRealSinkChild(
        {
          kind: store.kind,
          section: store.section,
          logPath: bed.logPath,
          schemaDatabase: bed.schemaDatabase,
          maxRecords: 10,
          lingerMs: 100,
        },
        store.env,
      );
      children.push(child);
      await waitUntil(async () => (await bed!.lag(nameOf(store!))) === 0, 'the commit of the batch');
      const stopped = await child.stop();
      const dead = refused ? 2 : 1;
      expect(stopped).toMatchObject({ written: 10 - dead, deadLettered: dead });
      expect(await store.count()).toEqual({ rows: 10 - dead, distinct: 10 - dead });
      expect(await bed.deadLetters(nameOf(store))).toEqual(
        refused
          ? [
              ['4', 'serde'],
              ['6', 'sending'],
            ]
          : [['4', 'serde']],
      );
    },
    120_000,
  );
});
