import { afterEach, describe, expect, it } from '@jest/globals';
import { InvalidRecordError, RetriableError } from '../errors/index.js';
import type { LogRecord } from '../log/contract.js';
import { jsonTopic } from '../runtime/api.js';
import { deadLetterTopic } from '../topics.js';
import type { SinkItem } from './api.js';
import type { EntryOutcome } from './batcher.js';
import { ByteArena, concatViews } from './byte-arena.js';
import { withPrepare } from './prepare.js';
import { startSink, type RunningSink } from './runtime.js';
import { createFakeConnector } from './testing/fake-connector.js';
import { appendJson, readAll, sinkTestBed, waitFor, type SinkTestBed } from './testing/harness.js';

const TOPIC = 'test.sink.prepare';
const fast = { retry: { initialMs: 5, maxMs: 20, itemMaxAttempts: 3 }, healthIntervalMs: 100, lagIntervalMs: 100 };

let bed: SinkTestBed | undefined;
let running: RunningSink | undefined;

afterEach(async () => {
  await running?.stop().catch(() => undefined);
  running = undefined;
  await bed?.close();
  bed = undefined;
});

const record = (offset: number): LogRecord =>
  ({ topic: TOPIC, partition: 0, offset, key: null, value: Buffer.from('x'), headers: {}, timestamp: 0 }) as LogRecord;
const itemOutcome = (offset: number, value: unknown): EntryOutcome => ({
  kind: 'item',
  item: { eventId: `e-${offset}`, value, record: record(offset) },
});

describe('withPrepare', () => {
  it('returns the decoder itself when the connector has no prepare hook', () => {
    const decode = (): EntryOutcome => ({ kind: 'skip', reason: 'tombstone' });
    expect(withPrepare(decode, undefined, 's')).toBe(decode);
  });

  it('replaces decoded values by their prepared form and keeps event id and record', async () => {
    const decode = withPrepare(
      (r) => (r.offset === 2 ? Promise.resolve(itemOutcome(2, { n: 2 })) : itemOutcome(r.offset, { n: r.offset })),
      (item) => `row-${(item.value as { n: number }).n}-${item.eventId}`,
      's',
    );
    const sync = decode(record(1)) as EntryOutcome;
    expect(sync).toEqual({ kind: 'item', item: { eventId: 'e-1', value: 'row-1-e-1', record: record(1) } });
    const later = await decode(record(2));
    expect(later).toEqual({ kind: 'item', item: { eventId: 'e-2', value: 'row-2-e-2', record: record(2) } });
  });

  it('turns a throwing prepare into a dead letter of that record alone, keeping permanent PipelineErrors', () => {
    const refusal = new InvalidRecordError('column time: not a date', { stage: 'sending' });
    const decode = withPrepare(
      (r) => itemOutcome(r.offset, r.offset),
      (item: SinkItem) => {
        if (item.value === 1) throw refusal;
        if (item.value === 2) throw new TypeError('boom');
        if (item.value === 3) throw new RetriableError('no I/O here');
        return item.value;
      },
      'sink-a',
    );
    expect(decode(record(0))).toMatchObject({ kind: 'item' });
    expect(decode(record(1))).toEqual({ kind: 'dead', stage: 'sending', error: refusal });
    const wrapped = decode(record(2)) as Extract<EntryOutcome, { kind: 'dead' }>;
    expect(wrapped.error).toBeInstanceOf(InvalidRecordError);
    expect(wrapped.error.message).toContain(`Sink "sink-a" cannot prepare event e-2 (${TOPIC}/0@2)`);
    expect(wrapped.error.message).toContain('boom');
    const retriable = decode(record(3)) as Extract<EntryOutcome, { kind: 'dead' }>;
    expect(retriable.error.retriable).toBe(false);
  });

  it('passes dead and skipped outcomes through without calling prepare', () => {
    let calls = 0;
    const dead: EntryOutcome = { kind: 'dead', stage: 'serde', error: new InvalidRecordError('bad') };
    const decode = withPrepare(
      () => dead,
      () => calls++,
      's',
    );
    expect(decode(record(0))).toBe(dead);
    expect(calls).toBe(0);
  });
});

describe('ByteArena', () => {
  it('gives each record a view that later records never overwrite, across chunks and growth', () => {
    const arena = new ByteArena(4096);
    const texts = Array.from({ length: 300 }, (_, i) => `record-${i}-${'x'.repeat(i % 7 === 0 ? 5000 : i)}\n`);
    const views = texts.map((text) => arena.take((out, value: string) => out.utf8(value), text));
    expect(views.map((view) => view.toString('utf8'))).toEqual(texts);
    expect(concatViews(views).toString('utf8')).toBe(texts.join(''));
    expect(concatViews([views[3]!, views[1]!]).toString('utf8')).toBe(texts[3]! + texts[1]!);
  });

  it('leaves nothing of a record whose writer throws', () => {
    const arena = new ByteArena(4096);
    const first = arena.take((out) => out.ascii('a\n'), undefined);
    expect(() =>
      arena.take((out) => {
        out.ascii('half');
        throw new Error('refused');
      }, undefined),
    ).toThrow('refused');
    const next = arena.take((out) => out.ascii('b\n'), undefined);
    expect(concatViews([first, next]).toString()).toBe('a\nb\n');
    expect(next.byteOffset).toBe(first.byteOffset + first.length);
  });
});

describe('startSink with a prepare hook', () => {
  it('hands write the prepared values, dead-letters a record prepare refuses, and retries exactly the failed items', async () => {
    bed = sinkTestBed();
    await bed.log.createTopics([{ name: TOPIC, partitions: 1 }]);
    await appendJson(bed.log, TOPIC, { to: 6 });
    const seen: unknown[][] = [];
    const fake = createFakeConnector('fake-prepare', [jsonTopic(TOPIC)], (batch, call) => {
      seen.push(batch.items.map((item) => item.value));
      return call === 1
        ? { kind: 'fail', failures: [{ index: 1, error: new RetriableError('429 for this item') }] }
        : { kind: 'store' };
    });
    const prepared = Object.assign(fake, {
      prepare(item: SinkItem): unknown {
        const { n } = item.value as { n: number };
        if (n === 2) throw new InvalidRecordError(`n = ${n} cannot be stored`, { stage: 'sending' });
        return `line ${n}`;
      },
    });
    running = await startSink(prepared, {
      log: bed.log,
      serde: bed.serde,
      batch: { maxRecords: 6, lingerMs: 10 },
      prepareOnDecode: true,
      ...fast,
    });
    await waitFor(() => running!.stats().committed[`${TOPIC}/0`] === 6, 'commit of all six');
    expect(seen).toEqual([['line 0', 'line 1', 'line 3', 'line 4', 'line 5'], ['line 1']]);
    expect(fake.calls.map((call) => call.eventIds)).toEqual([
      ['event-0', 'event-1', 'event-3', 'event-4', 'event-5'],
      ['event-1'],
    ]);
    expect(fake.calls[0]!.dedupToken).toBe(`${TOPIC}/0/0-5`);
    expect(fake.calls[1]!.dedupToken).toMatch(new RegExp(`^${TOPIC}/0/0-5/1:[0-9a-f]{16}$`));
    const dead = await readAll(bed.log, deadLetterTopic('fake-prepare').name, 1);
    expect(dead.map((r) => [r.key?.toString(), r.headers['makestream.dlq.stage']!.toString()])).toEqual([
      ['k2', 'sending'],
    ]);
    expect(dead[0]!.headers['makestream.dlq.attempts']!.toString()).toBe('0');
    expect(running.stats()).toMatchObject({ written: 5, deadLettered: 1 });
  });

  it('leaves the hook unused unless the section sets prepareOnDecode (the default is off)', async () => {
    bed = sinkTestBed();
    await bed.log.createTopics([{ name: TOPIC, partitions: 1 }]);
    await appendJson(bed.log, TOPIC, { to: 3 });
    let prepared = 0;
    const fake = Object.assign(createFakeConnector('fake-unprepared', [jsonTopic(TOPIC)]), {
      prepare: (item: SinkItem): unknown => (prepared++, item.value),
    });
    running = await startSink(fake, {
      log: bed.log,
      serde: bed.serde,
      batch: { maxRecords: 3, lingerMs: 10 },
      ...fast,
    });
    await waitFor(() => running!.stats().committed[`${TOPIC}/0`] === 3, 'commit of all three');
    expect(prepared).toBe(0);
    expect([...fake.rows.values()]).toEqual([0, 1, 2].map((n) => ({ eventId: `event-${n}`, n })));
  });
});
