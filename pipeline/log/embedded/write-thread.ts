/**
 * The producer's appends and commit on a worker thread (`writeThread` option): the event loop only
 * checks and encodes a send's records (records.ts) and packs them into two transferable buffers;
 * a worker thread with its own SQLite connection inserts them, commits and fsyncs (write-thread-source.ts).
 * What profiles showed on the loop before: better-sqlite3's inserts (~4–5 µs per record) and the
 * commit's fsync.
 *
 * Guarantees, the same as the group commit on the loop (group-commit.ts): sends issued together share
 * one transaction and one fsync; each send is written entirely or not at all (a savepoint); a send
 * resolves only after its group committed (durable as `synchronous` says). Groups go to the thread
 * one at a time, in the order their sends were issued, so offsets follow issue order. While a group
 * is being written, new sends gather into the next one (no linger: the thread's busy time is it).
 *
 * The surprise: other writers of the same handle (transactions, topic changes, maintenance) still
 * write on the loop's connection; SQLite serialises them with the thread's by its write lock
 * (`busyTimeoutMs`), so a send and a transaction issued concurrently may commit in either order, as
 * two processes' writes would.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { PipelineError, RetriableError } from '../../errors/index.js';
import type { TopicPartitionOffset } from '../contract.js';
import type { EncodedRecord } from './records.js';
import { MAX_OFFSET, OFFSET_BITS } from './schema.js';
import { storageError, type Synchronous } from './store.js';
import type { Topic } from './topics.js';
import { writeThreadSource } from './write-thread-source.js';

/** Appends sends on the write thread. */
export interface WriteThread {
  /** Appends one send's checked records; resolves with their offsets once their group committed. */
  append(topic: Topic, records: readonly EncodedRecord[]): Promise<TopicPartitionOffset[]>;
  /** Waits for the group being written, then stops the thread; later appends reject. */
  close(): Promise<void>;
}

/** Options of {@link createWriteThread}. */
export interface WriteThreadOptions {
  /** Absolute path of the log file (already opened and in WAL mode). */
  readonly path: string;
  readonly synchronous: Synchronous;
  readonly busyTimeoutMs: number;
  /** Runs after each group committed, before its sends resolve (wakes the handle's consumers). */
  readonly onCommitted: () => void;
}

interface PendingSend {
  readonly topic: Topic;
  readonly records: readonly EncodedRecord[];
  readonly resolve: (offsets: TopicPartitionOffset[]) => void;
  readonly reject: (error: unknown) => void;
}

interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  /** Thrown by the append itself (missing partition, full partition), not by SQLite. */
  readonly append: boolean;
}

interface Reply {
  readonly id: number;
  readonly results?: ({ offsets: Float64Array } | { error: WireError })[];
  readonly error?: WireError;
}

const component = 'log.embedded';
const require = createRequire(import.meta.url);
// The same driver as ../../sqlite.ts picks (13 on Node ≥ 22, 12 on Node 20), by path for the thread.
const sqlitePath = require.resolve(
  Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3',
);

/** A write thread for the log at `options.path`, started at the first append. */
export function createWriteThread(options: WriteThreadOptions): WriteThread {
  let worker: Worker | undefined;
  let queue: PendingSend[] = [];
  let inFlight: { id: number; sends: PendingSend[] } | undefined;
  let scheduled = false;
  let nextId = 0;
  let closed = false;
  let closing: Promise<void> | undefined;
  let idle: (() => void) | undefined;

  const toError = (wire: WireError): unknown => {
    if (wire.append || wire.code === undefined) return new PipelineError(wire.message, { stage: 'log', component });
    return storageError(
      options.path,
      { name: wire.name, message: wire.message, code: wire.code },
      options.busyTimeoutMs,
    );
  };

  const failInFlight = (error: unknown): void => {
    const group = inFlight;
    inFlight = undefined;
    group?.sends.forEach((send) => send.reject(error));
  };

  const start = (): Worker => {
    const thread = new Worker(writeThreadSource, {
      eval: true,
      workerData: {
        sqlitePath,
        path: options.path,
        synchronous: options.synchronous === 'full' ? 'FULL' : 'NORMAL',
        busyTimeoutMs: Math.max(0, Math.floor(options.busyTimeoutMs)),
        offsetBits: OFFSET_BITS,
        maxOffset: MAX_OFFSET,
      },
    });
    thread.on('message', (reply: Reply) => settle(reply));
    const lost = (cause: unknown): void => {
      if (worker !== thread) return;
      worker = undefined;
      // Whether the group in flight committed is unknown: its sends fail as retriable.
      failInFlight(
        new RetriableError(
          `The embedded log's write thread for ${options.path} stopped (${cause instanceof Error ? cause.message : String(cause)}); ` +
            'the send may or may not be in the log: retry it (its records carry the same event ids).',
          { stage: 'log', component, cause },
        ),
      );
      idle?.();
      if (queue.length > 0) schedule();
    };
    thread.on('error', lost);
    thread.on('exit', (code) => lost(new Error(`exit code ${code}`)));
    return thread;
  };

  const settle = (reply: Reply): void => {
    const group = inFlight;
    if (!group || group.id !== reply.id) return;
    inFlight = undefined;
    worker?.unref();
    if (reply.error) {
      const error = toError(reply.error);
      group.sends.forEach((send) => send.reject(error));
    } else {
      options.onCommitted();
      group.sends.forEach((send, index) => {
        const result = reply.results![index]!;
        if ('error' in result) {
          send.reject(toError(result.error));
          return;
        }
        const offsets = new Array<TopicPartitionOffset>(send.records.length);
        for (let i = 0; i < offsets.length; i++) {
          offsets[i] = { topic: send.topic.name, partition: send.records[i]!.partition, offset: result.offsets[i]! };
        }
        send.resolve(offsets);
      });
    }
    idle?.();
    if (queue.length > 0) flush();
  };

  const flush = (): void => {
    scheduled = false;
    if (inFlight || queue.length === 0) return;
    const sends = queue;
    queue = [];
    let packed: ReturnType<typeof pack>;
    try {
      packed = pack(sends);
    } catch (error) {
      sends.forEach((send) => send.reject(error));
      return;
    }
    worker ??= start();
    worker.ref();
    inFlight = { id: ++nextId, sends };
    worker.postMessage({ id: inFlight.id, ...packed }, [packed.meta.buffer, packed.bytes.buffer]);
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    append(topic, records) {
      if (closed) {
        return Promise.reject(
          new PipelineError(`The embedded log ${options.path} is closed.`, { stage: 'log', component }),
        );
      }
      return new Promise((resolve, reject) => {
        queue.push({ topic, records, resolve, reject });
        if (!inFlight) schedule();
      });
    },

    close() {
      closing ??= (async () => {
        closed = true;
        while (inFlight || queue.length > 0) {
          await new Promise<void>((resolve) => {
            idle = resolve;
            if (!inFlight && queue.length > 0) flush();
          });
          idle = undefined;
        }
        const thread = worker;
        worker = undefined;
        if (thread) await thread.terminate();
      })();
      return closing;
    },
  };
}

/** A group's sends packed for the thread (write-thread-source.ts): fresh, unpooled buffers, transferred. */
function pack(sends: readonly PendingSend[]): {
  sends: { topicId: number; topicName: string; count: number }[];
  meta: Float64Array<ArrayBuffer>;
  bytes: Uint8Array<ArrayBuffer>;
} {
  let count = 0;
  let size = 0;
  for (const send of sends) {
    count += send.records.length;
    for (const record of send.records) {
      size += (record.key?.length ?? 0) + (record.value?.length ?? 0) + (record.headers?.length ?? 0);
    }
  }
  const meta = new Float64Array(count * 5);
  const bytes = new Uint8Array(new ArrayBuffer(size));
  let base = 0;
  let at = 0;
  for (const send of sends) {
    for (const record of send.records) {
      meta[base] = record.partition;
      meta[base + 1] = record.timestamp;
      meta[base + 2] = record.key ? record.key.length : -1;
      meta[base + 3] = record.value ? record.value.length : -1;
      meta[base + 4] = record.headers ? record.headers.length : -1;
      base += 5;
      if (record.key) {
        bytes.set(record.key, at);
        at += record.key.length;
      }
      if (record.value) {
        bytes.set(record.value, at);
        at += record.value.length;
      }
      if (record.headers) {
        bytes.set(record.headers, at);
        at += record.headers.length;
      }
    }
  }
  return {
    sends: sends.map((send) => ({ topicId: send.topic.id, topicName: send.topic.name, count: send.records.length })),
    meta,
    bytes,
  };
}
