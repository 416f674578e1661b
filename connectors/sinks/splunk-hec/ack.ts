/**
 * The indexer-acknowledgement state machine: ackIds returned for sent requests are polled at
 * `/services/collector/ack` until each is true (indexed) or the timeout passes. An ack can be read
 * only once (Splunk forgets an ackId after answering true), so a true is remembered here at once.
 * Failed polls (receiver busy, connection lost) count as "not yet" until the timeout.
 */

/** Asks the receiver about ackIds; resolves with the answer per id (absent = not yet). */
export type AckQuery = (ackIds: readonly number[]) => Promise<Readonly<Record<string, boolean>>>;

/** Dependencies and settings of {@link createAckWaiter}. */
export interface AckWaiterOptions {
  readonly query: AckQuery;
  readonly pollIntervalMs: number;
  readonly timeoutMs: number;
  /** Monotonic-enough clock in ms (injected for tests). */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Outcome of waiting: which ids were acknowledged, which timed out. */
export interface AckWaitResult {
  readonly acknowledged: readonly number[];
  readonly timedOut: readonly number[];
}

/** Waits for a set of ackIds. */
export type AckWaiter = (ackIds: readonly number[]) => Promise<AckWaitResult>;

/** Creates the waiter: poll, remember trues, stop when all are true or the timeout passed. */
export function createAckWaiter(options: AckWaiterOptions): AckWaiter {
  return async (ackIds) => {
    const pending = new Set(ackIds);
    const acknowledged: number[] = [];
    const started = options.now();
    while (pending.size > 0) {
      let answer: Readonly<Record<string, boolean>> = {};
      try {
        answer = await options.query([...pending]);
      } catch {
        // A failed poll is "not yet": the events may still be indexed; the timeout decides.
      }
      for (const id of [...pending]) {
        if (answer[String(id)] === true) {
          pending.delete(id);
          acknowledged.push(id);
        }
      }
      if (pending.size === 0 || options.now() - started >= options.timeoutMs) break;
      await options.sleep(options.pollIntervalMs);
    }
    return { acknowledged, timedOut: [...pending] };
  };
}
