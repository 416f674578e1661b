import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { defineProcessor, jsonTopic, type ProcessorDefinition } from './api.js';
import { createAlignedProgress, withAlignedWatermark } from './aligned-watermark.js';
import { heartbeatProgress, isHeartbeat, type Heartbeat } from './heartbeats.js';
import { createTestDriver } from './test-driver.js';

const WINDOW = 10;

describe('createAlignedProgress', () => {
  it('is the minimum over the declared writers, -Infinity while one has not spoken', () => {
    const aligned = createAlignedProgress(3);
    aligned.observe({ writer: 0, time: 50 });
    aligned.observe({ writer: 2, time: 20 });
    expect(aligned.value).toBe(-Infinity);
    aligned.observe({ writer: 1, time: 30 });
    expect(aligned.value).toBe(20);
    aligned.observe({ writer: 2, time: 10 }); // progress never goes back
    expect(aligned.value).toBe(20);
    aligned.observe({ writer: 2, time: 70 });
    expect(aligned.value).toBe(30);
  });

  it('leaves idle writers out until they speak again; all idle: the highest progress', () => {
    const aligned = createAlignedProgress(3);
    aligned.observe({ writer: 0, time: 40 });
    aligned.observe({ writer: 2, time: 30 });
    aligned.observe({ writer: 1, time: 0, idle: true });
    expect(aligned.value).toBe(30);
    aligned.observe({ writer: 0, time: 40, idle: true });
    aligned.observe({ writer: 2, time: 30, idle: true });
    expect(aligned.value).toBe(40); // every writer said all it had
    aligned.observe({ writer: 1, time: 25 });
    expect(aligned.value).toBe(25); // the task's watermark never decreases: it stays at 40
    expect(createAlignedProgress(2).value).toBe(-Infinity);
  });

  it('restores from its state and refuses writers outside the declared count', () => {
    const aligned = createAlignedProgress(2);
    aligned.observe({ writer: 0, time: 5 });
    aligned.observe({ writer: 1, time: 9 });
    expect(createAlignedProgress(2, aligned.state()).value).toBe(5);
    expect(() => aligned.observe({ writer: 2, time: 1 })).toThrow(/2 upstream writer task\(s\) are declared/);
    expect(() => aligned.observe({ writer: 0, time: Number.NaN })).toThrow(/not a number/);
  });
});

/** A value of the fan-in topic: a number from a writer, or a heartbeat. */
type Value = { readonly writer: number; readonly time: number; readonly amount: number } | Heartbeat;

/** Sums amounts per 10 ms window; a window's sum is emitted when the watermark passes its end. */
function windowSum(aligned: boolean): ProcessorDefinition<unknown, Value> {
  const definition = defineProcessor<unknown, Value>({
    name: aligned ? 'aligned-sum' : 'max-sum',
    description: 'sums per window',
    inputs: [jsonTopic('fan-in')],
    outputs: [jsonTopic(aligned ? 'aligned-sums' : 'max-sums')],
    stores: ['sums'],
    eventTime: (record) => (isHeartbeat(record.value) ? record.value.timestamp : record.value.time),
    createTask: () => ({
      process(record, context) {
        const value = record.value;
        if (isHeartbeat(value)) return;
        const start = Math.floor(value.time / WINDOW) * WINDOW;
        if (start + WINDOW <= context.watermark) return context.late('window closed');
        const sums = context.store<number>('sums');
        sums.put(String(start), (sums.get(String(start)) ?? 0) + value.amount);
        context.schedule(start + WINDOW, String(start));
      },
      onTimer(time, id, context) {
        const sums = context.store<number>('sums');
        context.emit({ topic: aligned ? 'aligned-sums' : 'max-sums', key: id, value: sums.get(id), timestamp: time });
        sums.delete(id);
      },
    }),
  });
  if (!aligned) return definition;
  return withAlignedWatermark(definition, { writers: () => 3, progress: (record) => heartbeatProgress(record.value) });
}

/** Writer w's sequence: amounts at increasing times with a heartbeat (its promise) after each. */
function writerSequence(writer: number, times: readonly number[]): Value[] {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted.flatMap((time, index) => [
    { writer, time, amount: writer * 1000 + index + 1 },
    { heartbeat: true as const, task: writer, timestamp: time },
  ]);
}

/** Interleaves sequences by a list of choices, keeping each sequence's order. */
function interleave(sequences: readonly Value[][], choices: readonly number[]): Value[] {
  const cursors = sequences.map(() => 0);
  const out: Value[] = [];
  let choice = 0;
  while (out.length < sequences.reduce((sum, sequence) => sum + sequence.length, 0)) {
    const open = sequences
      .map((sequence, index) => index)
      .filter((index) => cursors[index]! < sequences[index]!.length);
    const pick = open[(choices[choice++ % Math.max(choices.length, 1)] ?? 0) % open.length]!;
    out.push(sequences[pick]![cursors[pick]!++]!);
  }
  return out;
}

function run(definition: ProcessorDefinition<unknown, Value>, values: readonly Value[], restartAt = -1) {
  const driver = createTestDriver(definition, { partitions: 1 });
  values.forEach((value, index) => {
    driver.pipe('fan-in', [{ key: 'k', value, partition: 0 }]);
    if (index === restartAt) driver.restart();
  });
  const output = driver.read(definition.outputs[0]!.topic).map((record) => [record.key, record.value]);
  return { output, late: driver.late().length };
}

describe('an aligned watermark in the task (test driver)', () => {
  const sequences = fc.tuple(
    fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 15 }),
    fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 15 }),
    fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 15 }),
  );

  it('gives the same output, in the same order, for every interleaving of the writers', () => {
    fc.assert(
      fc.property(
        sequences,
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.integer({ min: -1, max: 40 }),
        (times, first, second, restartAt) => {
          const writers = times.map((list, writer) => writerSequence(writer, list));
          const a = run(windowSum(true), interleave(writers, first));
          const b = run(windowSum(true), interleave(writers, second), restartAt);
          expect(b).toEqual(a);
          expect(a.late).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('differs between interleavings with the default watermark (what the alignment fixes)', () => {
    const writers = [writerSequence(0, [5, 100]), writerSequence(1, [6, 7]), writerSequence(2, [8])];
    const byWriter = run(windowSum(false), [...writers[0]!, ...writers[1]!, ...writers[2]!]);
    const roundRobin = run(windowSum(false), interleave(writers, [0, 1, 2]));
    expect(byWriter).not.toEqual(roundRobin);
    expect(byWriter.late).toBeGreaterThan(0);
  });

  it('lets an idle writer (idle heartbeat) no longer hold the watermark', () => {
    const driver = createTestDriver(windowSum(true), { partitions: 1 });
    const pipe = (value: Value) => driver.pipe('fan-in', [{ key: 'k', value, partition: 0 }]);
    for (const value of [...writerSequence(0, [5, 30]), ...writerSequence(1, [6, 40])]) pipe(value);
    expect(driver.read('aligned-sums')).toEqual([]); // writer 2 has not spoken
    pipe({ heartbeat: true, task: 2, timestamp: 0, idle: true });
    expect(driver.read('aligned-sums').map((record) => record.key)).toEqual(['0']); // window [30, 40) still open
    expect(driver.watermark(0)).toBe(30);
  });
});
