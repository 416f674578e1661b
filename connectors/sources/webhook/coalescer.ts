/**
 * Requests handled in the same turn of the event loop share one `producer.send` per topic: one
 * append (and one savepoint) on the embedded log instead of one per request, one entry in the Kafka
 * produce queue. Each request's promise resolves only when the shared send resolved, so the
 * "202 only once durable" rule holds per request.
 *
 * A shared send that the log refuses as a bad record (InvalidRecordError: one record too large)
 * would fail every request in it, so it is retried one request at a time: only the request that
 * holds the bad record fails. Any other failure fails every request of the send.
 */
import { InvalidRecordError } from '../../../pipeline/errors/index.js';
import type { OutgoingRecord, Producer } from '../../../pipeline/log/contract.js';

/** Queues a request's records for a topic; resolves once they are in the log. */
export type CoalescedSend = (topic: string, records: readonly OutgoingRecord[]) => Promise<void>;

interface Waiter {
  readonly records: readonly OutgoingRecord[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Most records in one shared send; more go in further sends of the same turn. */
const MAX_RECORDS_PER_SEND = 5000;

/** A coalescer over the producer `producer()` resolves to. */
export function createCoalescer(producer: () => Promise<Producer>): CoalescedSend {
  let pending = new Map<string, Waiter[]>();

  const sendGroup = async (topic: string, group: readonly Waiter[]): Promise<void> => {
    const records = group.length === 1 ? group[0]!.records : group.flatMap((waiter) => waiter.records);
    try {
      await (await producer()).send(topic, records);
      for (const waiter of group) waiter.resolve();
    } catch (error) {
      if (error instanceof InvalidRecordError && group.length > 1) {
        await Promise.all(group.map((waiter) => sendGroup(topic, [waiter])));
        return;
      }
      for (const waiter of group) waiter.reject(error);
    }
  };

  const flush = (): void => {
    const due = pending;
    pending = new Map();
    for (const [topic, waiters] of due) {
      let group: Waiter[] = [];
      let size = 0;
      for (const waiter of waiters) {
        if (group.length > 0 && size + waiter.records.length > MAX_RECORDS_PER_SEND) {
          void sendGroup(topic, group);
          group = [];
          size = 0;
        }
        group.push(waiter);
        size += waiter.records.length;
      }
      void sendGroup(topic, group);
    }
  };

  return (topic, records) =>
    new Promise<void>((resolve, reject) => {
      if (pending.size === 0) setImmediate(flush);
      const waiters = pending.get(topic);
      if (waiters) waiters.push({ records, resolve, reject });
      else pending.set(topic, [{ records, resolve, reject }]);
    });
}
