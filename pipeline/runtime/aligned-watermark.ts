/**
 * Aligned watermarks for processors that read a topic several upstream tasks write (a "fan-in":
 * incidents reads correlate's occurrences, rollup reads aggregate's contributions).
 *
 * The default watermark of a task is `max(event time seen) - allowedLatenessMs`. On a fan-in that
 * maximum is set by whichever upstream task happens to run ahead, so a replay (where upstream tasks
 * run hours of event time apart) decides lateness and fires timers differently. The aligned watermark
 * is instead, per task (input partition):
 *
 *     min over the upstream writer tasks of their progress  -  allowedLatenessMs   (never decreasing)
 *
 * where a writer's **progress** is a promise it writes into the topic itself (a heartbeat): "nothing
 * I write after this record has an event time below `time`". Each writer's records reach a partition
 * in the writer's own order, so what the task has seen from each writer at any point is a prefix of a
 * deterministic sequence: a record is late, or a timer due, only when every writer has promised past
 * it, whichever way the writers interleave. With promises kept nothing is ever late.
 *
 * The writers are **declared** (`writers(config)`: the upstream's task count, numbered from 0): a
 * writer that has not spoken yet holds the watermark at -Infinity. Learning writers as they appear
 * would not be deterministic (a writer seen first after the others moved on would find its records
 * late in one run and not in another).
 *
 * **Silent writers.** An upstream task whose input partition is empty, or caught up and quiet, sends
 * nothing, and would stall the watermark forever. The runner therefore calls the upstream task's
 * `onIdle` ({@link IdleAwareTask}) once it has had no records for `idleAfterMs` of wall clock (runner
 * setting, 10 s by default; counted from its last record or its opening) AND its input lag is
 * (nearly) zero; the upstream answers with an **idle** heartbeat when it never had input (an empty
 * partition), or when it had none for its own, longer `idleAfterMs` (correlate and aggregate: 60 s). An idle writer does not
 * hold the watermark (it is left out of the minimum) until it sends a normal heartbeat again, which it
 * does before anything else when it gets records again. When EVERY writer is idle, the value is the
 * highest progress of any writer: each has said all it had, so everything up to there is complete.
 * (Holding instead would make the result depend on which writer said "idle" last: a writer that never
 * spoke would hold it at -Infinity if its idle heartbeat came last, and not if it came first.)
 *
 * Idle is the one wall-clock input, and it changes no output when the input is already in the log (a
 * replay): a writer is idle only once it has read all of its input, so nothing it writes comes after
 * its idle heartbeat, and every order of the writers' records gives the same timers in the same
 * (time, id) order. Live, a writer that wakes up after the others moved on (or after all were idle
 * and the watermark jumped to the highest progress) may find its first records late (counted in the
 * late side output): that is the price of not stalling on an idle partition. `idleAfterMs` must be
 * longer than a pause in the input and than the time an upstream stage takes to deliver its first
 * records after a start: a task whose input is still on its way looks idle, and its first records may
 * then be late downstream (seen on Kafka with "idle at once" for tasks that never had input).
 *
 * The state (each writer's progress and idle flag) is part of the task's `_runtime` store, restored
 * with the watermark and timers after a restart or a rebalance.
 */
import type { InputRecord, ProcessorDefinition, ProcessorTask, TaskContext } from './api.js';

/** What a record says about its writer's progress. */
export interface WriterProgress {
  /** The upstream task that wrote the record, 0 <= writer < writers(config). */
  readonly writer: number;
  /** Its promise: nothing it writes later has an event time below this (epoch ms). */
  readonly time: number;
  /** The writer has no input for now: leave it out of the minimum until it speaks again. */
  readonly idle?: boolean;
}

/** How a fan-in processor's watermark is aligned. */
export interface AlignedWatermarkSpec<Config = unknown, V = unknown> {
  /** How many upstream tasks write each input partition (they are numbered 0..n-1). */
  writers(config: Config): number;
  /** The progress a record carries (a heartbeat), or undefined for a record that carries none. */
  progress(record: InputRecord<V>): WriterProgress | undefined;
}

/**
 * Where a definition carries its {@link AlignedWatermarkSpec}. A symbol, so that the contract in
 * `api.ts` (owned by the lead) needs no change; object spread keeps it.
 */
export const ALIGNED_WATERMARK: unique symbol = Symbol.for('makestream.runtime.aligned-watermark');

/** A definition with an aligned watermark. */
export type AlignedDefinition<Config, V> = ProcessorDefinition<Config, V> & {
  readonly [ALIGNED_WATERMARK]: AlignedWatermarkSpec<Config, V>;
};

/** Gives a processor an aligned watermark (the runtime and the test driver both honour it). */
export function withAlignedWatermark<Config, V>(
  definition: ProcessorDefinition<Config, V>,
  spec: AlignedWatermarkSpec<Config, V>,
): AlignedDefinition<Config, V> {
  return { ...definition, [ALIGNED_WATERMARK]: spec };
}

/** The aligned-watermark spec of a definition, if it has one. */
export function alignedWatermarkOf<Config, V>(
  definition: ProcessorDefinition<Config, V>,
): AlignedWatermarkSpec<Config, V> | undefined {
  return (definition as Partial<AlignedDefinition<Config, V>>)[ALIGNED_WATERMARK];
}

/**
 * An upstream task that can say it is idle. `onIdle` is called by the runner (and by the test
 * driver's `idle()`) when the task has read all of its input (lag 0) and had no records for
 * `idleForMs` of wall clock (at least the runner's `idleAfterMs`; again about every second while it
 * stays idle, so it must not repeat itself); it may emit (an idle heartbeat) and change its stores,
 * like a record.
 */
export interface IdleAwareTask<V = unknown> extends ProcessorTask<V> {
  onIdle?(context: TaskContext, idleForMs: number): void;
}

/** One writer's state (JSON: null = nothing heard yet). */
export interface WriterState {
  readonly progress: number | null;
  readonly idle: boolean;
}

/** The writers of one task: their progress and the aligned value over them. */
export interface AlignedProgress {
  /**
   * Takes in a writer's progress (progress never goes back: a lower time keeps the higher one).
   * Throws a RangeError for a writer outside 0..n-1 or a time that is not a number.
   */
  observe(progress: WriterProgress): void;
  /**
   * Min over the writers that are not idle; -Infinity while one of them has not spoken; when all are
   * idle, the highest progress of any (-Infinity when none ever spoke).
   */
  readonly value: number;
  /** The state to persist. */
  state(): WriterState[];
}

/** Creates the aligned progress over `writers` writers, from a persisted state (or fresh). */
export function createAlignedProgress(writers: number, saved?: readonly WriterState[]): AlignedProgress {
  if (!Number.isInteger(writers) || writers < 1) {
    throw new RangeError(`An aligned watermark needs at least one writer (got ${writers}).`);
  }
  const states: WriterState[] = Array.from(
    { length: writers },
    (_, index) => saved?.[index] ?? { progress: null, idle: false },
  );
  let value = compute();

  function compute(): number {
    let min = Infinity;
    let max = -Infinity;
    for (const { progress, idle } of states) {
      if (progress !== null && progress > max) max = progress;
      if (idle) continue;
      if (progress === null) return -Infinity;
      if (progress < min) min = progress;
    }
    return min === Infinity ? max : min;
  }

  return {
    observe({ writer, time, idle }) {
      if (!Number.isInteger(writer) || writer < 0 || writer >= writers) {
        throw new RangeError(
          `Progress of writer ${writer}, but ${writers} upstream writer task(s) are declared (0..${writers - 1}): ` +
            `the processor's writer count must equal the upstream processor's task count (its input partitions).`,
        );
      }
      if (!Number.isFinite(time)) throw new RangeError(`Progress time ${time} of writer ${writer} is not a number.`);
      const before = states[writer]!;
      const progress = before.progress === null ? time : Math.max(before.progress, time);
      states[writer] = { progress, idle: idle === true };
      value = compute();
    },
    get value() {
      return value;
    },
    state: () => states.map((entry) => ({ ...entry })),
  };
}
