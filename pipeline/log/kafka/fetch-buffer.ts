/**
 * The state of the pull adapter, without kafkajs: which partitions this member owns, where each
 * one stands, and the bounded buffer of fetched records that `poll()` takes from.
 *
 * kafkajs pushes batches (`eachBatch`); the contract pulls (`poll`). Between the two sits this
 * buffer, with one rule that keeps it correct through rebalances, seeks and pauses: a partition's
 * `position` is the offset the fetcher must deliver next, and a batch is only accepted when it
 * starts there (or later: kafkajs skips batches of only aborted or control records by itself).
 * A batch fetched before a seek, a pause or a rebalance does not start there and is dropped.
 *
 * Lifecycle of an owned partition: `assign` (after a group join) makes it `initializing` (no
 * records until its start position is known), `ready` sets the position (committed offset,
 * `startFrom`, or a seek made meanwhile), `revokeAll` (rebalance or leaving) forgets everything.
 */
import type { LogRecord, TopicPartition, TopicPartitionOffset } from '../contract.js';
import { PipelineError } from '../../errors/index.js';

/** A batch as the fetcher delivers it. */
export interface FetchedBatch extends TopicPartition {
  /** The offset the fetch asked for; undefined when unknown. */
  readonly fetchedOffset: number | undefined;
  /** The offset after the batch's last entry, aborted records and transaction markers included. */
  readonly nextOffset: number;
  readonly records: readonly LogRecord[];
}

/** What happened to an offered batch. `behind`: it starts before the position; re-seek the fetcher. */
export type OfferResult = 'accepted' | 'not-owned' | 'initializing' | 'paused' | 'stale' | 'behind';

/** Bounds of the buffer; it is full when either is reached. */
export interface BufferLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
}

/** The adapter's state; see the module comment. */
export interface FetchBuffer {
  /** Changes at every assign and revoke; initialization results of an older epoch are ignored. */
  epoch(): number;
  /** A new assignment: all its partitions start `initializing`, buffered records are dropped. */
  assign(partitions: readonly TopicPartition[]): number;
  /** The member lost all its partitions (rebalance started, left the group, crashed). */
  revokeAll(): void;
  /** Start positions for the partitions of `epoch` (a seek made meanwhile wins); what was applied. */
  ready(epoch: number, positions: readonly TopicPartitionOffset[]): TopicPartitionOffset[];
  /** Partitions still waiting for their start position. */
  initializing(): TopicPartition[];
  owns(partition: TopicPartition): boolean;
  assignment(): TopicPartition[];
  /** The offset the fetcher must deliver next for an owned, ready partition. */
  position(partition: TopicPartition): number | undefined;
  offer(batch: FetchedBatch, stale: boolean): OfferResult;
  /** Up to `max` records, round-robin over ready, unpaused partitions, in offset order per partition. */
  take(max: number): LogRecord[];
  /**
   * Moves an owned partition: buffered records go, the next ones start at `offset`. `deferred`:
   * the partition is initializing and starts there once ready. Throws for partitions not owned.
   */
  seek(position: TopicPartitionOffset): 'applied' | 'deferred';
  /** Stops handing out these partitions' records; their buffered records are dropped (bounded memory). */
  pause(partitions: readonly TopicPartition[]): void;
  /** Resumes; returns the positions the fetcher must be re-seeked to first (records dropped at pause). */
  resume(partitions: readonly TopicPartition[]): TopicPartitionOffset[];
  isPaused(partition: TopicPartition): boolean;
  full(): boolean;
  size(): { readonly records: number; readonly bytes: number };
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  status: 'initializing' | 'ready';
  position: number;
  pendingSeek: number | undefined;
  /** The fetcher is ahead of `position` (records were dropped at pause): re-seek before resuming. */
  reseek: boolean;
  queue: LogRecord[];
  head: number;
  bytes: number;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const compare = (a: TopicPartition, b: TopicPartition): number =>
  a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;

/** Size of a record in the buffer's accounting: key + value + header names and values. */
export function bufferedBytes(record: LogRecord): number {
  let bytes = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  // for…in, not Object.entries: called for every record twice, and most records have no headers.
  const headers = record.headers;
  for (const name in headers) bytes += name.length + headers[name]!.length;
  return bytes;
}

/** An empty buffer; `onRecords` and `onRoom` tell waiters that poll or the fetcher may proceed. */
export function createFetchBuffer(limits: BufferLimits, signals: { onRecords(): void; onRoom(): void }): FetchBuffer {
  let partitions = new Map<string, PartitionState>();
  const paused = new Set<string>();
  let epoch = 0;
  let records = 0;
  let bytes = 0;
  let rotation = 0;

  const clear = (state: PartitionState): void => {
    records -= state.queue.length - state.head;
    bytes -= state.bytes;
    state.queue = [];
    state.head = 0;
    state.bytes = 0;
  };

  const firstQueued = (state: PartitionState): number | undefined => state.queue[state.head]?.offset;

  const readable = (state: PartitionState): boolean =>
    state.status === 'ready' && state.head < state.queue.length && !paused.has(key(state.topic, state.partition));

  const notOwned = (topic: string, partition: number, what: string): PipelineError =>
    new PipelineError(
      `${what}: partition ${topic}/${partition} is not assigned to this consumer; poll until assignment() includes it.`,
      { stage: 'log', component: 'log.kafka' },
    );

  return {
    epoch: () => epoch,

    assign(assigned) {
      for (const state of partitions.values()) clear(state);
      partitions = new Map(
        assigned.map(({ topic, partition }) => [
          key(topic, partition),
          {
            topic,
            partition,
            status: 'initializing',
            position: 0,
            pendingSeek: undefined,
            reseek: false,
            queue: [],
            head: 0,
            bytes: 0,
          },
        ]),
      );
      epoch++;
      signals.onRoom();
      return epoch;
    },

    revokeAll() {
      for (const state of partitions.values()) clear(state);
      partitions = new Map();
      epoch++;
      signals.onRoom();
    },

    ready(forEpoch, positions) {
      if (forEpoch !== epoch) return [];
      const applied: TopicPartitionOffset[] = [];
      for (const { topic, partition, offset } of positions) {
        const state = partitions.get(key(topic, partition));
        if (!state || state.status !== 'initializing') continue;
        state.status = 'ready';
        state.position = state.pendingSeek ?? offset;
        state.pendingSeek = undefined;
        applied.push({ topic, partition, offset: state.position });
      }
      return applied;
    },

    initializing() {
      return [...partitions.values()]
        .filter((state) => state.status === 'initializing')
        .map(({ topic, partition }) => ({ topic, partition }));
    },

    owns({ topic, partition }) {
      return partitions.has(key(topic, partition));
    },

    assignment() {
      return [...partitions.values()].map(({ topic, partition }) => ({ topic, partition })).sort(compare);
    },

    position({ topic, partition }) {
      const state = partitions.get(key(topic, partition));
      return state?.status === 'ready' ? state.position : undefined;
    },

    offer(batch, stale) {
      const id = key(batch.topic, batch.partition);
      const state = partitions.get(id);
      if (!state) return 'not-owned';
      if (state.status === 'initializing') return 'initializing';
      if (paused.has(id)) return 'paused';
      if (stale) return 'stale';
      if (batch.fetchedOffset !== undefined && batch.fetchedOffset < state.position) return 'behind';
      let added = 0;
      for (const record of batch.records) {
        if (record.offset < state.position) continue;
        state.queue.push(record);
        const size = bufferedBytes(record);
        state.bytes += size;
        bytes += size;
        added++;
      }
      records += added;
      state.position = Math.max(state.position, batch.nextOffset);
      if (added > 0) signals.onRecords();
      return 'accepted';
    },

    take(max) {
      const candidates = [...partitions.values()].filter(readable);
      const taken: LogRecord[] = [];
      if (candidates.length === 0 || max <= 0) return taken;
      const start = rotation++ % candidates.length;
      const share = Math.max(1, Math.floor(max / candidates.length));
      while (taken.length < max) {
        let progressed = false;
        for (let i = 0; i < candidates.length && taken.length < max; i++) {
          const state = candidates[(start + i) % candidates.length]!;
          const count = Math.min(share, max - taken.length, state.queue.length - state.head);
          for (let n = 0; n < count; n++) {
            const record = state.queue[state.head++]!;
            const size = bufferedBytes(record);
            state.bytes -= size;
            bytes -= size;
            taken.push(record);
          }
          if (count > 0) progressed = true;
          if (state.head === state.queue.length) {
            state.queue = [];
            state.head = 0;
          } else if (state.head > 1024 && state.head * 2 > state.queue.length) {
            state.queue = state.queue.slice(state.head);
            state.head = 0;
          }
        }
        if (!progressed) break;
      }
      records -= taken.length;
      if (taken.length > 0) signals.onRoom();
      return taken;
    },

    seek({ topic, partition, offset }) {
      const state = partitions.get(key(topic, partition));
      if (!state) throw notOwned(topic, partition, 'seek');
      if (state.status === 'initializing') {
        state.pendingSeek = offset;
        return 'deferred';
      }
      clear(state);
      state.position = offset;
      state.reseek = false;
      signals.onRoom();
      return 'applied';
    },

    pause(list) {
      for (const { topic, partition } of list) {
        paused.add(key(topic, partition));
        const state = partitions.get(key(topic, partition));
        const first = state ? firstQueued(state) : undefined;
        if (state && first !== undefined) {
          clear(state);
          state.position = first;
          state.reseek = true;
        }
      }
      signals.onRoom();
    },

    resume(list) {
      const reseek: TopicPartitionOffset[] = [];
      for (const { topic, partition } of list) {
        paused.delete(key(topic, partition));
        const state = partitions.get(key(topic, partition));
        if (state?.reseek) {
          state.reseek = false;
          reseek.push({ topic, partition, offset: state.position });
        }
      }
      if (list.length > 0) signals.onRecords();
      return reseek;
    },

    isPaused({ topic, partition }) {
      return paused.has(key(topic, partition));
    },

    full() {
      return records >= limits.maxRecords || bytes >= limits.maxBytes;
    },

    size() {
      return { records, bytes };
    },
  };
}
