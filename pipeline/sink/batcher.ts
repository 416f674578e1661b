/**
 * Cutting one partition's records into batches, deterministically: the same offsets form the same
 * batches (and so the same dedup tokens) after a restart whenever they can.
 *
 * Rules, in order, for each record added:
 * 1. offsets fall in windows `[k × maxRecords, (k + 1) × maxRecords)`; a batch never spans two
 *    windows, and a batch is cut as soon as it holds the last offset of its window;
 * 2. a batch is cut before a record that would take it over `maxBytes` (key + value bytes), and as
 *    soon as it reaches `maxBytes`;
 * 3. a batch that has waited `lingerMs` since its first record is cut by the runtime (`due`).
 *
 * Rules 1 and 2 depend only on the records, so a batch cut by them is the same after a crash. A
 * batch cut by linger time (3) or by a flush (stop, revocation) ends where the records happened to
 * stop; after a crash before its commit, the replay may extend it to the window's end: the store
 * then sees another token for an overlapping range, and the connector's per-event idempotence
 * (event id as key / ON CONFLICT / ReplacingMergeTree) has to drop the overlap.
 */
import type { LogRecord } from '../log/contract.js';
import type { PipelineError, Stage } from '../errors/index.js';
import type { SinkItem } from './api.js';

/** What became of one record before the write. */
export type EntryOutcome =
  /** Decoded: to be written. */
  | { readonly kind: 'item'; readonly item: SinkItem }
  /** Could not be decoded: to the DLQ. */
  | { readonly kind: 'dead'; readonly error: PipelineError; readonly stage: Stage }
  /** Nothing to write (a tombstone). */
  | { readonly kind: 'skip'; readonly reason: string };

/** One record in a batch. */
export interface BatchEntry {
  readonly record: LogRecord;
  readonly outcome: EntryOutcome;
}

/** Why a batch was cut. */
export type CutReason = 'window' | 'bytes' | 'linger' | 'flush';

/** A cut batch of one partition: consecutive records, in offset order. */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly entries: readonly BatchEntry[];
  /** Key + value bytes of its records. */
  readonly bytes: number;
  readonly dedupToken: string;
  readonly reason: CutReason;
}

/** The dedup token of the records `firstOffset..lastOffset` of a partition: `<topic>/<partition>/<first>-<last>`. */
export function dedupToken(topic: string, partition: number, firstOffset: number, lastOffset: number): string {
  return `${topic}/${partition}/${firstOffset}-${lastOffset}`;
}

/** Key + value bytes of a record (what `maxBytes` counts). */
export function recordBytes(record: LogRecord): number {
  return (record.key?.length ?? 0) + (record.value?.length ?? 0);
}

/** Options of {@link createPartitionBatcher}. */
export interface PartitionBatcherOptions {
  readonly topic: string;
  readonly partition: number;
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly lingerMs: number;
  /** Epoch-ms clock for the linger time. */
  readonly clock: () => number;
}

/** Accumulates one partition's records and cuts batches. */
export interface PartitionBatcher {
  /** Adds the next record (offsets must increase); returns the batches this cut (0, 1 or 2; do not modify it). */
  add(entry: BatchEntry): PartitionBatch[];
  /** The open batch, cut when it has lingered long enough. */
  due(): PartitionBatch | undefined;
  /** The open batch, cut whatever its size (stop, revocation). */
  flush(): PartitionBatch | undefined;
  /** Records in the open batch. */
  readonly size: number;
  /** When the open batch's linger ends (epoch ms), undefined when it is empty. */
  readonly dueAt: number | undefined;
}

/** What `add` returns when it cut nothing (nearly every record): one shared array, not one per record. */
const NO_CUTS: PartitionBatch[] = [];

/** `cuts` with `batch` added: a new array in place of the shared empty one. */
function appended(cuts: PartitionBatch[], batch: PartitionBatch): PartitionBatch[] {
  if (cuts === NO_CUTS) return [batch];
  cuts.push(batch);
  return cuts;
}

/** Creates the batcher of one partition. */
export function createPartitionBatcher(options: PartitionBatcherOptions): PartitionBatcher {
  const { topic, partition, maxRecords, maxBytes, lingerMs, clock } = options;
  let entries: BatchEntry[] = [];
  let bytes = 0;
  let openedAt = 0;
  let lastAdded = -1;
  const windowOf = (offset: number): number => Math.floor(offset / maxRecords);

  function cut(reason: CutReason): PartitionBatch | undefined {
    if (entries.length === 0) return undefined;
    const first = entries[0]!.record.offset;
    const last = entries[entries.length - 1]!.record.offset;
    const batch: PartitionBatch = {
      topic,
      partition,
      firstOffset: first,
      lastOffset: last,
      entries,
      bytes,
      dedupToken: dedupToken(topic, partition, first, last),
      reason,
    };
    entries = [];
    bytes = 0;
    return batch;
  }

  return {
    add(entry) {
      const { offset } = entry.record;
      if (offset <= lastAdded) {
        throw new RangeError(
          `Batcher of ${topic}/${partition} got offset ${offset} after ${lastAdded}: offsets must increase.`,
        );
      }
      lastAdded = offset;
      const size = recordBytes(entry.record);
      let cuts = NO_CUTS;
      if (entries.length > 0 && windowOf(entries[0]!.record.offset) !== windowOf(offset)) {
        cuts = appended(cuts, cut('window')!);
      }
      if (entries.length > 0 && bytes + size > maxBytes) cuts = appended(cuts, cut('bytes')!);
      if (entries.length === 0) openedAt = clock();
      entries.push(entry);
      bytes += size;
      if ((offset + 1) % maxRecords === 0 || entries.length >= maxRecords) cuts = appended(cuts, cut('window')!);
      else if (bytes >= maxBytes) cuts = appended(cuts, cut('bytes')!);
      return cuts;
    },
    due() {
      return entries.length > 0 && clock() - openedAt >= lingerMs ? cut('linger') : undefined;
    },
    flush() {
      return cut('flush');
    },
    get size() {
      return entries.length;
    },
    get dueAt() {
      return entries.length > 0 ? openedAt + lingerMs : undefined;
    },
  };
}
