/**
 * Heartbeats: the progress promises an upstream task writes into a fan-in topic (JSON), one per
 * partition, for the downstream's aligned watermark (`aligned-watermark.ts`).
 *
 * A heartbeat `{ heartbeat: true, task, timestamp }` says: "task `task` writes nothing more to this
 * topic with an event time below `timestamp`". With `idle: true` it says: "task `task` has no input
 * for now" (sent from `onIdle`). A heartbeat reaches a given partition through its key:
 * {@link heartbeatKeys} finds, for each partition, the first key `heartbeat:<n>` that Kafka's murmur2
 * partitioner puts there.
 *
 * The sender ({@link sendProgress}, {@link sendIdle}) keeps what it sent in a store of the upstream
 * task (keys `slot` and `idle`), so a restart neither repeats nor skips a heartbeat.
 */
import { z } from 'zod';
import { partitionForKey } from '../log/partitioner.js';
import type { KeyValueStore, TaskContext } from './api.js';
import type { WriterProgress } from './aligned-watermark.js';

/** A heartbeat record's value. */
export interface Heartbeat {
  readonly heartbeat: true;
  /** The sender's promise (epoch ms): nothing it sends later has an earlier event time. */
  readonly timestamp: number;
  /** The upstream task that sent it. */
  readonly task: number;
  /** The sender has no input for now (absent: false). */
  readonly idle?: boolean;
}

const keysByPartitionCount = new Map<number, readonly string[]>();

/** One key per partition (index = partition) of a topic with `partitions` partitions. */
export function heartbeatKeys(partitions: number): readonly string[] {
  const known = keysByPartitionCount.get(partitions);
  if (known !== undefined) return known;
  const keys: (string | undefined)[] = new Array<string | undefined>(partitions).fill(undefined);
  let found = 0;
  for (let n = 0; found < partitions; n += 1) {
    const key = `heartbeat:${n}`;
    const partition = partitionForKey(key, partitions);
    if (keys[partition] === undefined) {
      keys[partition] = key;
      found += 1;
    }
  }
  const result = keys as string[];
  keysByPartitionCount.set(partitions, result);
  return result;
}

/** True for a heartbeat value (its fields checked). */
export function isHeartbeat(value: unknown): value is Heartbeat {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Heartbeat>;
  return candidate.heartbeat === true && typeof candidate.timestamp === 'number' && typeof candidate.task === 'number';
}

/** The writer progress of a heartbeat value; undefined for any other value (for `AlignedWatermarkSpec.progress`). */
export function heartbeatProgress(value: unknown): WriterProgress | undefined {
  if (!isHeartbeat(value)) return undefined;
  return { writer: value.task, time: value.timestamp, idle: value.idle === true };
}

/** Where and how often an upstream task sends heartbeats. */
export interface HeartbeatTarget {
  /** The fan-in topic (one of the sender's outputs). */
  readonly topic: string;
  /** Its partition count (a heartbeat goes to each). */
  readonly partitions: number;
  /** Send a new promise once it passes the next multiple of this (event time ms); 0 = never send. */
  readonly intervalMs: number;
}

function send(context: TaskContext, target: HeartbeatTarget, value: Heartbeat): void {
  for (const key of heartbeatKeys(target.partitions)) {
    context.emit({ topic: target.topic, key, value, timestamp: value.timestamp });
  }
}

/**
 * Sends the promise `progress` (rounded down to `intervalMs`) when it passed the last one sent, or
 * at once after an idle heartbeat (so the writer holds the downstream watermark again before its next
 * record). Call it before the record's own emits: what the record emits must not be below it.
 */
export function sendProgress(
  context: TaskContext,
  store: KeyValueStore<number | boolean>,
  target: HeartbeatTarget,
  progress: number,
): void {
  if (target.intervalMs === 0 || !Number.isFinite(progress)) return;
  const slot = Math.floor(progress / target.intervalMs);
  const last = store.get('slot') as number | undefined;
  const idle = store.get('idle') === true;
  if (!idle && last !== undefined && slot <= last) return;
  const sent = last === undefined ? slot : Math.max(slot, last);
  store.put('slot', sent);
  if (idle) store.delete('idle');
  send(context, target, { heartbeat: true, timestamp: sent * target.intervalMs, task: context.task });
}

/** Sends an idle heartbeat (once per idle period) carrying the last promise sent (0 when none). */
export function sendIdle(context: TaskContext, store: KeyValueStore<number | boolean>, target: HeartbeatTarget): void {
  if (target.intervalMs === 0 || store.get('idle') === true) return;
  store.put('idle', true);
  const last = store.get('slot') as number | undefined;
  const timestamp = last === undefined ? 0 : last * target.intervalMs;
  send(context, target, { heartbeat: true, timestamp, task: context.task, idle: true });
}

/**
 * The `idleAfterMs` key of a stage that sends heartbeats (correlate, aggregate): how long a task
 * with progress stays quiet before it tells the next stage it is idle.
 */
export const writerIdleAfterMsSchema = z
  .number()
  .int()
  .min(0)
  .default(60_000)
  .describe(
    "A task that has sent progress and then had no input for this long (wall clock; the runner asks after its own runtime idleAfterMs) tells the next stage it is idle, so that stage stops waiting for it. A task that never had input says so at the runner's first ask. Longer than a pause in the input: a task idle too early may find its next records late downstream. Example: 60000",
  );
