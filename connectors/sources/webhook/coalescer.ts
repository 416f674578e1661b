/**
 * Group commit on the receiver's side: the records of concurrent requests share one
 * `producer.send` per topic. The first request of a group waits up to `lingerMs` for company (0:
 * only the requests handled in the same event-loop turn), or less once `maxGroupRecords` records
 * are waiting. One send means one append, one savepoint and one partition update per partition on
 * the embedded log (instead of one each per request; with single-record requests that is most of
 * the write cost), and one entry in the Kafka produce queue.
 *
 * Each request's promise resolves only when the shared send resolved, so the "202 only once
 * durable" rule holds per request. One timer per group (not per request) bounds the wait for the
 * log: after `sendTimeoutMs` from the group's send, every request of the group is rejected with a
 * RetriableError (the send may still land later; senders retry with the same event ids).
 *
 * With `maxSendsInFlight`, a due group waits while that many sends are unacknowledged and goes out
 * when one of them settles (or times out), together with whatever arrived meanwhile: the slower the
 * log, the larger the groups (Kafka: fewer, larger produce requests, far less client CPU per
 * record). A request then waits at most for one earlier send and its own (each bounded by
 * `sendTimeoutMs`).
 *
 * A shared send that the log refuses as a bad record (InvalidRecordError: one record too large)
 * would fail every request in it, so it is retried one request at a time: only the request that
 * holds the bad record fails. Any other failure fails every request of the send.
 */
import { InvalidRecordError, RetriableError } from '../../../pipeline/errors/index.js';
import type { OutgoingRecord, Producer } from '../../../pipeline/log/contract.js';

/** Queues a request's records for a topic; resolves once they are in the log. */
export type CoalescedSend = (topic: string, records: readonly OutgoingRecord[]) => Promise<void>;

/** Options of {@link createCoalescer}. */
export interface CoalescerOptions {
  /** How long the first waiting request waits for others before the group is sent (ms); 0: same turn only. */
  readonly lingerMs: number;
  /** Records (all topics) that end the wait at once; also the most records in one send. */
  readonly maxGroupRecords: number;
  /** Longest wait for the log to acknowledge a group's send (ms); then its requests are rejected. */
  readonly sendTimeoutMs: number;
  /** Sends (all topics) unacknowledged at once before due groups wait for one to settle; 0: no limit. */
  readonly maxSendsInFlight?: number;
}

interface Waiter {
  readonly records: readonly OutgoingRecord[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The defaults of the receiver's config (`log.lingerMs`, `log.maxGroupRecords`, `log.sendTimeoutMs`). */
export const defaultCoalescerOptions: CoalescerOptions = {
  lingerMs: 2,
  maxGroupRecords: 5000,
  sendTimeoutMs: 10_000,
  maxSendsInFlight: 0,
};

/** A coalescer over the producer `producer()` resolves to. */
export function createCoalescer(
  producer: () => Promise<Producer>,
  options: CoalescerOptions = defaultCoalescerOptions,
): CoalescedSend {
  const { lingerMs, maxGroupRecords, sendTimeoutMs } = options;
  const maxSendsInFlight = options.maxSendsInFlight ?? 0;
  let pending = new Map<string, Waiter[]>();
  let pendingRecords = 0;
  let scheduled: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let sendsInFlight = 0;
  /** A flush came due while the in-flight limit was reached: run it when a send settles. */
  let flushDue = false;

  const send = async (topic: string, group: readonly Waiter[]): Promise<void> => {
    const records = group.length === 1 ? group[0]!.records : group.flatMap((waiter) => waiter.records);
    try {
      await (await producer()).send(topic, records);
      for (const waiter of group) waiter.resolve();
    } catch (error) {
      if (error instanceof InvalidRecordError && group.length > 1) {
        await Promise.all(group.map((waiter) => send(topic, [waiter])));
        return;
      }
      for (const waiter of group) waiter.reject(error);
    }
  };

  /** Sends a group under one timer; settling a waiter twice is a no-op, so the later outcome is ignored. */
  const sendGroup = (topic: string, group: readonly Waiter[]): void => {
    sendsInFlight++;
    let settled = false;
    // Counted out once, on the outcome or the timeout (a send that never settles must not block the rest).
    const settle = (): void => {
      if (settled) return;
      settled = true;
      sendsInFlight--;
      if (flushDue && pending.size > 0) flush();
    };
    const timer = setTimeout(() => {
      const error = new RetriableError(`The log did not acknowledge within ${sendTimeoutMs} ms.`, { stage: 'log' });
      for (const waiter of group) waiter.reject(error);
      settle();
    }, sendTimeoutMs);
    void send(topic, group).finally(() => {
      clearTimeout(timer);
      settle();
    });
  };

  const flush = (): void => {
    if (scheduled !== undefined) {
      if (lingerMs > 0) clearTimeout(scheduled as NodeJS.Timeout);
      else clearImmediate(scheduled as NodeJS.Immediate);
      scheduled = undefined;
    }
    if (maxSendsInFlight > 0 && sendsInFlight >= maxSendsInFlight) {
      flushDue = true;
      return;
    }
    flushDue = false;
    const due = pending;
    pending = new Map();
    pendingRecords = 0;
    for (const [topic, waiters] of due) {
      let group: Waiter[] = [];
      let size = 0;
      for (const waiter of waiters) {
        if (group.length > 0 && size + waiter.records.length > maxGroupRecords) {
          sendGroup(topic, group);
          group = [];
          size = 0;
        }
        group.push(waiter);
        size += waiter.records.length;
      }
      sendGroup(topic, group);
    }
  };

  return (topic, records) =>
    new Promise<void>((resolve, reject) => {
      const waiters = pending.get(topic);
      if (waiters) waiters.push({ records, resolve, reject });
      else pending.set(topic, [{ records, resolve, reject }]);
      pendingRecords += records.length;
      if (pendingRecords >= maxGroupRecords) flush();
      else if (scheduled === undefined && !flushDue) {
        scheduled = lingerMs > 0 ? setTimeout(flush, lingerMs) : setImmediate(flush);
      }
    });
}
