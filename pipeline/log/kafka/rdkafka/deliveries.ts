/**
 * Book-keeping of librdkafka delivery reports: one pending send per `Producer.send`, settling when
 * its last record's report arrived; and, per native producer, a FIFO per partition of the records
 * waiting for their reports. Pure (no binding), so it is unit-tested with hand-made reports.
 *
 * Why FIFOs and not an opaque per record: the binding turns every opaque into a V8 persistent
 * handle and back (~1.1 µs of main thread per record, measured). librdkafka reports the records of
 * a partition in the order they were produced as long as they succeed (msgid order, idempotent
 * producer), so the head of the partition's FIFO is the record a report is about; each report's
 * value size is checked against it. A failed report breaks that order (librdkafka times queued
 * records out while earlier ones are still in flight), so after one the caller fails every waiting
 * send and discards the native producer (see `producer.ts`).
 */

/** One send waiting for its records' delivery reports. */
export interface PendingSend {
  /** Resolves with each record's offset (in the order given), or rejects with the first failure. */
  readonly done: Promise<number[]>;
  /** What the queues settle records through. */
  readonly state: PendingSendState;
  /** Rejects the send at once (a record could not be enqueued); later reports are ignored. */
  fail(error: unknown): void;
}

/** Internal state of a pending send. */
export interface PendingSendState {
  report(index: number, error: unknown, offset: number): void;
}

/** A pending send of `count` records (count ≥ 1). */
export function pendingSend(count: number): PendingSend {
  const offsets = new Array<number>(count);
  let remaining = count;
  let settled = false;
  let resolve: (offsets: number[]) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const done = new Promise<number[]>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  // A send that failed while enqueueing is rejected and awaited by its caller; reports still come.
  done.catch(() => undefined);
  const fail = (error: unknown): void => {
    if (settled) return;
    settled = true;
    reject(error);
  };
  const state: PendingSendState = {
    report(index, error, offset) {
      if (settled) return;
      if (error) return fail(error);
      offsets[index] = offset;
      if (--remaining === 0) {
        settled = true;
        resolve(offsets);
      }
    },
  };
  return { done, state, fail };
}

/** What a delivery report says about its record (the binding's report, as far as used here). */
export interface DeliveryReportFields {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Bytes of the record's value. */
  readonly size: number;
}

/** The records of one native producer that wait for their delivery reports. */
export interface DeliveryQueues {
  /** Record `index` of `send` was just enqueued (its `produce()` returned) to topic/partition. */
  push(topic: string, partition: number, send: PendingSendState, index: number, valueBytes: number): void;
  /**
   * Settles the record a report is about (with `error` for a failed one). False when the report
   * matches no waiting record (none waits in its partition, or the head's value size differs).
   */
  settle(report: DeliveryReportFields, error?: unknown): boolean;
  /** Fails every waiting send with `error` and forgets them. */
  failAll(error: unknown): void;
  /** Records waiting. */
  size(): number;
}

/** A FIFO of waiting records as parallel arrays, consumed from `head`. */
interface PartitionQueue {
  sends: PendingSendState[];
  indexes: number[];
  sizes: number[];
  head: number;
}

/** Empty queues for one native producer. */
export function createDeliveryQueues(): DeliveryQueues {
  const topics = new Map<string, PartitionQueue[]>();
  let waiting = 0;
  const queueOf = (topic: string, partition: number): PartitionQueue => {
    let partitions = topics.get(topic);
    if (partitions === undefined) topics.set(topic, (partitions = []));
    return (partitions[partition] ??= { sends: [], indexes: [], sizes: [], head: 0 });
  };
  return {
    push(topic, partition, send, index, valueBytes) {
      const queue = queueOf(topic, partition);
      queue.sends.push(send);
      queue.indexes.push(index);
      queue.sizes.push(valueBytes);
      waiting++;
    },

    settle(report, error) {
      const queue = topics.get(report.topic)?.[report.partition];
      if (queue === undefined || queue.head >= queue.sends.length) return false;
      const at = queue.head;
      if (queue.sizes[at] !== report.size) return false;
      const send = queue.sends[at]!;
      const index = queue.indexes[at]!;
      if (++queue.head === queue.sends.length) {
        // Drained (the usual case between bursts): start over instead of growing.
        queue.sends.length = queue.indexes.length = queue.sizes.length = queue.head = 0;
      } else if (queue.head >= 4096 && queue.head * 2 >= queue.sends.length) {
        queue.sends.splice(0, queue.head);
        queue.indexes.splice(0, queue.head);
        queue.sizes.splice(0, queue.head);
        queue.head = 0;
      }
      waiting--;
      send.report(index, error ?? null, report.offset);
      return true;
    },

    failAll(error) {
      const queues = [...topics.values()].flat();
      topics.clear();
      waiting = 0;
      for (const queue of queues) {
        for (let at = queue.head; at < queue.sends.length; at++) queue.sends[at]!.report(queue.indexes[at]!, error, -1);
      }
    },

    size: () => waiting,
  };
}
