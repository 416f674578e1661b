/**
 * Sink runtime fault tests against a real store: PostgreSQL 15 of the local stack, a table keyed by
 * event id with ON CONFLICT DO NOTHING, counted exactly over a direct connection. Each runs on the
 * embedded log and on Kafka:
 * (a) the store becomes unreachable mid-run (a TCP proxy in front of it is cut), then comes back;
 * (b) the process running the sink is killed with SIGKILL mid-batch, twice, and restarted;
 * (c) a poison record (undecodable) and a row the table refuses sit in the middle of a batch.
 * Each ends with the exact count, a fully committed group and only the expected dead letters.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { startSink, type RunningSink } from '../../pipeline/sink/index.js';
import { createLogger } from '../../pipeline/telemetry/logger.js';
import { openFaultBed, type Backend, type FaultBed } from './support/bed.js';
import { startSinkChild, type SinkChild } from './support/child.js';
import { createPostgresTestConnector } from './support/postgres-connector.js';

const waitUntil = async (condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const logger = createLogger({ level: process.env.SINK_FAULT_LOG_LEVEL ?? 'silent' });

describe.each<Backend>(['embedded', 'kafka'])('sink runtime faults on the %s log, into PostgreSQL', (backend) => {
  let bed: FaultBed | undefined;
  let sink: RunningSink | undefined;
  const children: SinkChild[] = [];

  afterEach(async () => {
    await sink?.stop().catch(() => undefined);
    sink = undefined;
    for (const child of children.splice(0)) await child.kill().catch(() => undefined);
    await bed?.close();
    bed = undefined;
  });

  it('holds the records while the store is unreachable and delivers each exactly once after', async () => {
    bed = await openFaultBed(backend, 3);
    const total = 3_000;
    await bed.append(0, 1_000);
    const connector = createPostgresTestConnector({
      name: bed.name,
      topic: bed.topic,
      connectionString: bed.proxiedUrl,
      table: bed.table,
    });
    sink = await startSink(connector, {
      log: bed.log,
      serde: bed.serde,
      logger,
      batch: { maxRecords: 100, lingerMs: 100 },
      retry: { initialMs: 50, maxMs: 400 },
      healthIntervalMs: 200,
    });
    await waitUntil(async () => (await bed!.count()) >= 300, 'the first rows');
    bed.proxy.cut();
    const atCut = await bed.count();
    await bed.append(1_000, total);
    await waitUntil(async () => (await sink!.health()).paused.length > 0, 'paused partitions');
    const during = await sink.health();
    expect(during.store.healthy).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // Nothing reaches the store while it is cut, and the log keeps the rest (lag grows).
    expect(await bed.count()).toBe(atCut);
    expect(atCut).toBeLessThan(total);
    expect((await bed.lag()).lag).toBeGreaterThanOrEqual(total - atCut);
    bed.proxy.restore();
    await waitUntil(async () => (await bed!.count()) === total, `all ${total} rows after the outage`);
    await waitUntil(async () => (await bed!.lag()).lag === 0, 'commits up to the end');
    await waitUntil(async () => (await sink!.health()).paused.length === 0, 'resumed partitions');
    await sink.stop();
    expect(sink.stats()).toMatchObject({ received: total, deadLettered: 0 });
    sink = undefined;
    expect(await bed.count()).toBe(total);
    expect(await bed.deadLetterCount()).toBe(0);
  }, 180_000);

  it('survives kill -9 of the sink process mid-batch: same batches after restart, exact count', async () => {
    bed = await openFaultBed(backend, 3);
    const total = 2_000;
    await bed.append(0, total);
    const input = {
      backend,
      logPath: bed.logPath,
      bootstrap: bed.bootstrap,
      schemaDatabase: bed.schemaDatabase,
      name: bed.name,
      topic: bed.topic,
      connectionString: bed.proxiedUrl,
      table: bed.table,
      // Long enough that the kill surely lands inside the store transaction.
      holdMs: 1_000,
      maxRecords: 100,
      // Only full windows are cut before the tails linger this long: batches are the same in every run.
      lingerMs: 5_000,
      sessionTimeoutMs: backend === 'kafka' ? 6_000 : 2_000,
    };
    // 1: killed inside the store transaction of its third batch (not committed in the store).
    const first = startSinkChild(input);
    children.push(first);
    await first.waitFor((line, lines) => lines.filter((l) => l.event === 'writing').length >= 3);
    await first.kill();
    const tokens = (child: SinkChild, event: string): string[] =>
      child.lines.filter((l) => l.event === event).map((l) => l.token!);
    const killedMidBatch = tokens(first, 'writing').filter((token) => !tokens(first, 'written').includes(token));
    expect(killedMidBatch.length).toBeGreaterThan(0);
    const stored = await bed.count();
    expect(stored).toBeLessThan(total);
    // 2: killed right after a store COMMIT, before the runtime could commit its offsets.
    const second = startSinkChild(input);
    children.push(second);
    await second.waitFor(
      (line, lines) => line.event === 'written' && lines.filter((l) => l.event === 'written').length >= 2,
    );
    await second.kill();
    // 3: runs to the end and stops gracefully.
    const third = startSinkChild(input);
    children.push(third);
    await waitUntil(async () => (await bed!.count()) === total, `all ${total} rows`, 120_000);
    await waitUntil(async () => (await bed!.lag()).lag === 0, 'commits up to the end', 60_000);
    expect(await third.stop()).toBe(0);
    expect(await bed.count()).toBe(total);
    expect(await bed.deadLetterCount()).toBe(0);
    // The batches killed mid-transaction were formed again with the same dedup tokens after the restart.
    const laterWrites = [...tokens(second, 'written'), ...tokens(third, 'written')];
    for (const token of killedMidBatch) expect(laterWrites).toContain(token);
  }, 300_000);

  it('dead-letters a poison record and a refused row alone; their neighbours in the batch are stored', async () => {
    bed = await openFaultBed(backend, 1);
    await bed.append(0, 10, (i) => (i === 4 ? Buffer.from('not avro at all') : i === 6 ? 'refused' : undefined));
    const connector = createPostgresTestConnector({
      name: bed.name,
      topic: bed.topic,
      connectionString: bed.proxiedUrl,
      table: bed.table,
    });
    sink = await startSink(connector, {
      log: bed.log,
      serde: bed.serde,
      logger,
      batch: { maxRecords: 10, lingerMs: 100 },
      retry: { initialMs: 50, maxMs: 400 },
    });
    await waitUntil(async () => (await bed!.lag()).lag === 0, 'the commit of the batch');
    await sink.stop();
    sink = undefined;
    expect(await bed.count()).toBe(8);
    expect(await bed.deadLetterCount()).toBe(2);
    const consumer = await bed.log.consumer({ groupId: `${bed.name}-reader`, topics: [`makestream.dlq.${bed.name}`] });
    const dead = [];
    const deadline = Date.now() + 20_000;
    while (dead.length < 2 && Date.now() < deadline) dead.push(...(await consumer.poll(500)));
    await consumer.close();
    expect(
      dead.map((r) => [r.headers['makestream.dlq.offset']!.toString(), r.headers['makestream.dlq.stage']!.toString()]),
    ).toEqual([
      ['4', 'serde'],
      ['6', 'sending'],
    ]);
  }, 120_000);

  it('hands partitions over when a second instance joins and the first leaves mid-run, exact count', async () => {
    bed = await openFaultBed(backend, 3);
    const total = 3_000;
    const connector = (): ReturnType<typeof createPostgresTestConnector> =>
      createPostgresTestConnector({
        name: bed!.name,
        topic: bed!.topic,
        connectionString: bed!.proxiedUrl,
        table: bed!.table,
      });
    const settings = {
      log: bed.log,
      serde: bed.serde,
      logger,
      batch: { maxRecords: 100, lingerMs: 100 },
      retry: { initialMs: 50, maxMs: 400 },
      sessionTimeoutMs: backend === 'kafka' ? 6_000 : 2_000,
    };
    await bed.append(0, 1_000);
    sink = await startSink(connector(), settings);
    await waitUntil(async () => (await bed!.count()) >= 300, 'the first rows');
    const second = await startSink(connector(), settings);
    try {
      await bed.append(1_000, 2_000);
      await waitUntil(async () => (await bed!.count()) >= 1_500, 'rows while both run');
      await sink.stop();
      sink = undefined;
      await bed.append(2_000, total);
      await waitUntil(async () => (await bed!.count()) === total, `all ${total} rows`);
      await waitUntil(async () => (await bed!.lag()).lag === 0, 'commits up to the end');
    } finally {
      await second.stop();
    }
    expect(second.stats().written).toBeGreaterThan(0);
    expect(await bed.count()).toBe(total);
    expect(await bed.deadLetterCount()).toBe(0);
  }, 180_000);
});
