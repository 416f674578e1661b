import { afterEach, describe, expect, it } from '@jest/globals';
import { PipelineError, RetriableError } from '../errors/index.js';
import type { TopicPartitionOffset } from '../log/contract.js';
import { jsonTopic } from '../runtime/api.js';
import { createMetricsRegistry } from '../telemetry/metrics.js';
import { deadLetterTopic } from '../topics.js';
import { bindTopic } from '../serde/index.js';
import { defaultPollRecords, startSink, type RunningSink, type StartSinkOptions } from './runtime.js';
import { createFakeConnector, type FakeWriteScript } from './testing/fake-connector.js';
import {
  appendJson,
  failingPolls,
  readAll,
  recordingCommits,
  sinkTestBed,
  waitFor,
  type SinkTestBed,
} from './testing/harness.js';

const TOPIC = 'test.sink.input';
const fast = { retry: { initialMs: 5, maxMs: 20, itemMaxAttempts: 3 }, healthIntervalMs: 100, lagIntervalMs: 100 };

let bed: SinkTestBed | undefined;
let running: RunningSink | undefined;

afterEach(async () => {
  await running?.stop().catch(() => undefined);
  running = undefined;
  await bed?.close();
  bed = undefined;
});

async function setUp(partitions = 1): Promise<SinkTestBed> {
  bed = sinkTestBed();
  await bed.log.createTopics([{ name: TOPIC, partitions }]);
  return bed;
}

function options(overrides: Partial<StartSinkOptions> = {}): StartSinkOptions {
  return { log: bed!.log, serde: bed!.serde, batch: { maxRecords: 10, lingerMs: 20 }, ...fast, ...overrides };
}

const committedOf = async (name: string, partitions = 1): Promise<(number | undefined)[]> =>
  (await bed!.log.lag(`makestream.sink.${name}`, TOPIC)).slice(0, partitions).map((lag) => lag.committed);

describe('startSink', () => {
  it('writes every record once in batches cut at multiples of maxRecords, then commits', async () => {
    await setUp();
    await appendJson(bed!.log, TOPIC, { to: 25 });
    const fake = createFakeConnector('fake-all', [jsonTopic(TOPIC)]);
    running = await startSink(fake, options({ batch: { maxRecords: 10, lingerMs: 60_000 } }));
    await waitFor(() => fake.rows.size === 20, 'two full batches');
    await running.stop();
    running = undefined;
    expect(fake.rows.size).toBe(25);
    expect([...fake.writesById.values()].every((count) => count === 1)).toBe(true);
    expect(fake.calls.map((call) => call.dedupToken)).toEqual([
      `${TOPIC}/0/0-9`,
      `${TOPIC}/0/10-19`,
      `${TOPIC}/0/20-24`,
    ]);
    expect(fake.lifecycle).toEqual(['start', 'close']);
    expect(await committedOf('fake-all')).toEqual([25]);
  });

  it('forms the same batches whatever the poll sizes (dedup tokens are deterministic)', async () => {
    await setUp(2);
    await appendJson(bed!.log, TOPIC, { to: 37, partition: 0 });
    await appendJson(bed!.log, TOPIC, { to: 23, partition: 1, prefix: 'other' });
    const tokens: string[][] = [];
    for (const pollMaxRecords of [3, 7, 500]) {
      const fake = createFakeConnector(`fake-determinism-${pollMaxRecords}`, [jsonTopic(TOPIC)]);
      running = await startSink(
        fake,
        options({ pollMaxRecords, batch: { maxRecords: 8, maxBytes: 10_000_000, lingerMs: 60_000 } }),
      );
      // Wait for the full windows to be written and every record to be read; the tails are cut at stop
      // (a tail cut at stop ends where reading had got to, so stop only once all 60 are read).
      await waitFor(() => fake.rows.size === 32 + 16 && running!.stats().received === 37 + 23, 'full windows');
      await running.stop();
      running = undefined;
      tokens.push(fake.calls.map((call) => call.dedupToken).sort());
    }
    expect(tokens[1]).toEqual(tokens[0]);
    expect(tokens[2]).toEqual(tokens[0]);
    expect(tokens[0]).toContain(`${TOPIC}/0/32-36`);
    expect(tokens[0]).toContain(`${TOPIC}/1/16-22`);
  });

  it('retries items failed with retriable errors alone and dead-letters permanent ones alone', async () => {
    await setUp();
    await appendJson(bed!.log, TOPIC, { to: 6 });
    const script: FakeWriteScript = (batch, call) =>
      call === 1
        ? {
            kind: 'fail',
            failures: [
              { index: 1, error: new RetriableError('429 for this item') },
              { index: 3, error: new PipelineError('mapping error: field n is not a date') },
            ],
          }
        : { kind: 'store' };
    const fake = createFakeConnector('fake-partial', [jsonTopic(TOPIC)], script);
    const metrics = createMetricsRegistry();
    running = await startSink(fake, options({ metrics, batch: { maxRecords: 6, lingerMs: 10 } }));
    await waitFor(() => running!.stats().committed[`${TOPIC}/0`] === 6, 'commit of all six');
    expect(fake.calls.map((call) => call.eventIds)).toEqual([
      ['event-0', 'event-1', 'event-2', 'event-3', 'event-4', 'event-5'],
      ['event-1'],
    ]);
    // The retry of one item names exactly that item, never the whole batch's token.
    expect(fake.calls[1]!.dedupToken).toMatch(new RegExp(`^${TOPIC}/0/0-5/1:[0-9a-f]{16}$`));
    expect([...fake.rows.keys()].sort()).toEqual(['event-0', 'event-1', 'event-2', 'event-4', 'event-5']);
    const dead = await readAll(bed!.log, deadLetterTopic('fake-partial').name, 1);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.headers['makestream.dlq.offset']!.toString()).toBe('3');
    expect(dead[0]!.headers['makestream.dlq.stage']!.toString()).toBe('sending');
    const envelope = await (
      await bindTopic(bed!.serde, deadLetterTopic('fake-partial').name, 'dead-letter')
    ).decode(dead[0]!.value!);
    expect(envelope).toMatchObject({
      stage: 'SENDING',
      component: 'sinks.fake-partial',
      originalTopic: TOPIC,
      originalOffset: 3,
      consumerGroup: 'makestream.sink.fake-partial',
      retriable: false,
      attempts: 1,
      errorMessage: 'mapping error: field n is not a date',
    });
    expect(JSON.parse(envelope.originalValue!.toString())).toEqual({ eventId: 'event-3', n: 3 });
    const text = await metrics.metrics();
    expect(text).toMatch(/makestream_sink_dead_lettered_total\{sink="fake-partial",stage="sending"\} 1/);
    expect(text).toMatch(/makestream_sink_retries_total\{sink="fake-partial",scope="item"\} 1/);
    expect(text).toMatch(/makestream_events_sent_total\{component="sink.fake-partial"\} 5/);
  });

  it('dead-letters an item whose retriable failures exhaust itemMaxAttempts, marked retriable', async () => {
    await setUp();
    await appendJson(bed!.log, TOPIC, { to: 3 });
    const fake = createFakeConnector('fake-exhaust', [jsonTopic(TOPIC)], (batch) => {
      const index = batch.items.findIndex((item) => item.eventId === 'event-1');
      return index < 0
        ? { kind: 'store' }
        : { kind: 'fail', failures: [{ index, error: new RetriableError('still 503') }] };
    });
    running = await startSink(fake, options({ batch: { maxRecords: 3, lingerMs: 10 } }));
    await waitFor(() => running!.stats().committed[`${TOPIC}/0`] === 3, 'commit');
    expect(fake.calls.filter((call) => call.eventIds.includes('event-1'))).toHaveLength(3);
    const dead = await readAll(bed!.log, deadLetterTopic('fake-exhaust').name, 1);
    expect(dead.map((record) => record.headers['makestream.dlq.retriable']!.toString())).toEqual(['true']);
    expect(dead.map((record) => record.headers['makestream.dlq.attempts']!.toString())).toEqual(['3']);
  });

  it('sends an undecodable value straight to the DLQ while its neighbours are written', async () => {
    await setUp();
    await appendJson(bed!.log, TOPIC, { to: 2 });
    const producer = await bed!.log.producer();
    await producer.send(TOPIC, [
      { key: 'poison', value: Buffer.from('{not json'), partition: 0 },
      { key: 'no-id', value: Buffer.from('{"n": 1}'), partition: 0 },
    ]);
    await producer.close();
    await appendJson(bed!.log, TOPIC, { from: 4, to: 6 });
    const fake = createFakeConnector('fake-poison', [jsonTopic(TOPIC)]);
    running = await startSink(fake, options());
    await waitFor(() => running!.stats().committed[`${TOPIC}/0`] === 6, 'commit past the poison');
    expect([...fake.rows.keys()].sort()).toEqual(['event-0', 'event-1', 'event-4', 'event-5']);
    const dead = await readAll(bed!.log, deadLetterTopic('fake-poison').name, 2);
    expect(dead.map((record) => [record.key?.toString(), record.headers['makestream.dlq.stage']!.toString()])).toEqual([
      ['poison', 'serde'],
      ['no-id', 'serde'],
    ]);
  });

  it('pauses a partition while the store is down, resumes when it is back, and loses nothing', async () => {
    await setUp(2);
    await appendJson(bed!.log, TOPIC, { to: 1_000, partition: 0 });
    await appendJson(bed!.log, TOPIC, { to: 1_000, partition: 1, prefix: 'other' });
    let down = true;
    const fake = createFakeConnector('fake-outage', [jsonTopic(TOPIC)], () =>
      down ? { kind: 'throw', error: new RetriableError('connection refused') } : { kind: 'store' },
    );
    const metrics = createMetricsRegistry();
    running = await startSink(fake, options({ metrics, pollMaxRecords: 20, batch: { maxRecords: 5, lingerMs: 10 } }));
    await waitFor(async () => (await running!.health()).paused.length === 2, 'both partitions paused');
    expect(await metrics.metrics()).toMatch(/makestream_sink_paused_partitions\{sink="fake-outage"\} 2/);
    // While paused, nothing is committed and no more records are read: memory does not grow, lag does.
    const received = running.stats().received;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(running.stats().received).toBe(received);
    expect(received).toBeLessThan(200);
    expect(await committedOf('fake-outage', 2)).toEqual([undefined, undefined]);
    const lagLine = new RegExp(
      `makestream_sink_lag_records\\{sink="fake-outage",topic="${TOPIC}",partition="0"\\} 1000`,
    );
    await waitFor(async () => lagLine.test(await metrics.metrics()), 'the lag gauge');
    down = false;
    await waitFor(() => fake.rows.size === 2_000, 'all rows after the outage');
    await waitFor(async () => (await running!.health()).paused.length === 0, 'resumed');
    await waitFor(async () => (await committedOf('fake-outage', 2)).every((c) => c === 1_000), 'commits');
    expect([...fake.writesById.values()].every((count) => count === 1)).toBe(true);
    expect(await metrics.metrics()).toMatch(/makestream_sink_retries_total\{sink="fake-outage",scope="batch"\} [1-9]/);
  });

  it('commits in offset order and never past a batch the store has not acknowledged', async () => {
    await setUp();
    await appendJson(bed!.log, TOPIC, { to: 30 });
    const commits: TopicPartitionOffset[][] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const acknowledged: number[] = [];
    const fake = createFakeConnector('fake-order', [jsonTopic(TOPIC)], async (batch, call) => {
      if (call === 2) await held; // the second batch (10-19) is slow
      acknowledged.push(batch.items.at(-1)!.record.offset + 1);
      return { kind: 'store' };
    });
    running = await startSink(fake, options({ log: recordingCommits(bed!.log, commits), maxQueuedBatches: 5 }));
    await waitFor(() => commits.flat().some((c) => c.offset === 10), 'commit of the first batch');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(commits.flat().every((c) => c.offset <= 10)).toBe(true);
    release();
    await waitFor(() => commits.flat().some((c) => c.offset === 30), 'commit of everything');
    const positions = commits.flat().map((c) => c.offset);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const position of positions) expect(acknowledged).toContain(position);
  });

  it('writes the next batch of a partition while one is with the store (maxInFlightBatches 2), committing in order', async () => {
    await setUp();
    await appendJson(bed!.log, TOPIC, { to: 40 });
    const commits: TopicPartitionOffset[][] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const started: number[] = [];
    const fake = createFakeConnector('fake-pipelined', [jsonTopic(TOPIC)], async (batch, call) => {
      started.push(batch.items[0]!.record.offset);
      if (call === 1) await held; // the first batch (0-9) is slow
      return { kind: 'store' };
    });
    running = await startSink(fake, options({ log: recordingCommits(bed!.log, commits), maxInFlightBatches: 2 }));
    // The second batch is written while the first is held, but never three at once.
    await waitFor(() => started.length === 2, 'the second batch written alongside the first');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(started).toEqual([0, 10]);
    expect(commits.flat()).toEqual([]);
    release();
    await waitFor(() => commits.flat().some((c) => c.offset === 40), 'commit of everything');
    expect(started).toEqual([0, 10, 20, 30]);
    const positions = commits.flat().map((c) => c.offset);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect([...fake.writesById.values()].every((count) => count === 1)).toBe(true);
  });

  it('fails on a permanent error for the whole batch without committing it', async () => {
    await setUp();
    await appendJson(bed!.log, TOPIC, { to: 10 });
    const fake = createFakeConnector('fake-broken', [jsonTopic(TOPIC)], () => ({
      kind: 'throw',
      error: new PipelineError('relation "events" does not exist'),
    }));
    const sink = await startSink(fake, options());
    await expect(sink.done).rejects.toThrow(/cannot write batch .*relation "events" does not exist/);
    expect((await sink.health()).state).toBe('failed');
    expect(await committedOf('fake-broken')).toEqual([undefined]);
    expect(fake.lifecycle).toEqual(['start', 'close']);
  });

  it('dead-letters a whole batch on a permanent batch error when onBatchFailure is dead-letter', async () => {
    await setUp();
    await appendJson(bed!.log, TOPIC, { to: 4 });
    const fake = createFakeConnector('fake-dl-batch', [jsonTopic(TOPIC)], () => ({
      kind: 'throw',
      error: new PipelineError('mapping rejected'),
    }));
    running = await startSink(fake, options({ onBatchFailure: 'dead-letter' }));
    await waitFor(() => running!.stats().committed[`${TOPIC}/0`] === 4, 'commit');
    expect(await readAll(bed!.log, deadLetterTopic('fake-dl-batch').name, 4)).toHaveLength(4);
  });

  it('reports the store health and its paused partitions', async () => {
    await setUp();
    const fake = createFakeConnector('fake-health', [jsonTopic(TOPIC)]);
    running = await startSink(fake, options());
    expect(await running.health()).toMatchObject({ healthy: true, state: 'running', paused: [] });
    fake.healthAnswer = { healthy: false, detail: 'store unreachable' };
    const health = await running.health();
    expect(health).toMatchObject({ healthy: false, state: 'running', store: { healthy: false } });
    expect(health.detail).toContain('store unreachable');
    await running.stop();
    expect((await running.health()).state).toBe('stopped');
    running = undefined;
  });

  it('flushes what a revoked partition holds when another member takes it', async () => {
    await setUp(2);
    await appendJson(bed!.log, TOPIC, { to: 13, partition: 0 });
    await appendJson(bed!.log, TOPIC, { to: 13, partition: 1, prefix: 'other' });
    const first = createFakeConnector('fake-shared', [jsonTopic(TOPIC)]);
    const second = createFakeConnector('fake-shared', [jsonTopic(TOPIC)]);
    running = await startSink(first, options({ batch: { maxRecords: 10, lingerMs: 60_000 } }));
    await waitFor(() => first.rows.size === 20, 'the full windows of both partitions');
    const other = await startSink(second, options({ batch: { maxRecords: 10, lingerMs: 60_000 } }));
    try {
      // The first member flushes the tail of the partition it loses (3 records) on revocation.
      await waitFor(() => first.rows.size === 23, 'the flush of the revoked partition', 20_000);
      await running.stop();
      running = undefined;
      await other.stop();
    } finally {
      await other.stop();
    }
    const all = new Set([...first.rows.keys(), ...second.rows.keys()]);
    expect(all.size).toBe(26);
  });

  it('waits out retriable poll errors (a broker restart) instead of failing', async () => {
    await setUp();
    await appendJson(bed!.log, TOPIC, { to: 5 });
    const fake = createFakeConnector('fake-poll-errors', [jsonTopic(TOPIC)]);
    running = await startSink(
      fake,
      options({ log: failingPolls(bed!.log, 3, () => new RetriableError('coordinator not available')) }),
    );
    await waitFor(() => running!.stats().committed[`${TOPIC}/0`] === 5, 'commit after the poll errors');
    expect(fake.rows.size).toBe(5);
    expect((await running.health()).state).toBe('running');
  });

  it('on stop, abandons a batch still retrying after drainTimeoutMs without committing it', async () => {
    await setUp();
    await appendJson(bed!.log, TOPIC, { to: 5 });
    const fake = createFakeConnector('fake-stop-outage', [jsonTopic(TOPIC)], () => ({
      kind: 'throw',
      error: new RetriableError('store down'),
    }));
    const sink = await startSink(fake, options({ drainTimeoutMs: 300 }));
    await waitFor(async () => (await sink.health()).paused.length === 1, 'pause');
    const started = Date.now();
    await sink.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await committedOf('fake-stop-outage')).toEqual([undefined]);
    expect(fake.lifecycle).toEqual(['start', 'close']);
    expect((await sink.health()).state).toBe('stopped');
  });

  it('tries a waiting batch again as soon as the store health check says it is back', async () => {
    await setUp();
    await appendJson(bed!.log, TOPIC, { to: 3 });
    let down = true;
    const fake = createFakeConnector('fake-recovery', [jsonTopic(TOPIC)], () =>
      down ? { kind: 'throw', error: new RetriableError('connection refused') } : { kind: 'store' },
    );
    fake.healthAnswer = { healthy: false, detail: 'down' };
    // A backoff far longer than the test: only the health check can wake the batch.
    const slow = { initialMs: 60_000, maxMs: 60_000, jitter: 'none' as const };
    running = await startSink(fake, options({ retry: slow, healthIntervalMs: 100 }));
    await waitFor(async () => (await running!.health()).paused.length === 1, 'pause');
    down = false;
    fake.healthAnswer = { healthy: true, detail: 'up again' };
    await waitFor(() => running!.stats().committed[`${TOPIC}/0`] === 3, 'commit soon after recovery', 5_000);
    expect(fake.rows.size).toBe(3);
  });

  it('resumes a partition paused behind its queued batches as soon as one ends, not after a poll timeout', async () => {
    await setUp();
    await appendJson(bed!.log, TOPIC, { to: 80 });
    const writeTimes: number[] = [];
    // A store that takes 20 ms per batch; one batch queued at most, so the partition pauses after each poll.
    const fake = createFakeConnector('fake-slow-store', [jsonTopic(TOPIC)], async () => {
      writeTimes.push(performance.now());
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { kind: 'store' };
    });
    running = await startSink(
      fake,
      options({ pollMaxRecords: 10, maxQueuedBatches: 1, batch: { maxRecords: 10, lingerMs: 60_000 } }),
    );
    await waitFor(() => running!.stats().committed[`${TOPIC}/0`] === 80, 'commit of all eight batches', 10_000);
    // Waiting in a poll instead (up to 500 ms each) took ~3.5 s for the 7 gaps; the store needs 140 ms.
    expect(writeTimes).toHaveLength(8);
    expect(writeTimes.at(-1)! - writeTimes[0]!).toBeLessThan(1_500);
  });

  it('closes the connector when it cannot start (a topic that does not exist)', async () => {
    await setUp();
    const fake = createFakeConnector('fake-no-topic', [jsonTopic('test.sink.missing')]);
    await expect(startSink(fake, options())).rejects.toThrow(/test\.sink\.missing/);
    expect(fake.lifecycle).toEqual(['start', 'close']);
  });
});

describe('default poll size', () => {
  it('polls a whole batch, within 500 and 10 000 records', () => {
    expect([1, 8, 500, 5_000, 10_000, 50_000].map(defaultPollRecords)).toEqual([500, 500, 500, 5_000, 10_000, 10_000]);
  });
});
