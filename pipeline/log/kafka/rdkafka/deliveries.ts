/**
 * Book-keeping of librdkafka delivery reports: one pending send per `Producer.send`, one opaque per
 * record (its send and its index), the send settling when its last record's report arrived. Pure
 * (no binding), so it is unit-tested with hand-made reports.
 */

/** One send waiting for its records' delivery reports. */
export interface PendingSend {
  /** Resolves with each record's offset (in the order given), or rejects with the first failure. */
  readonly done: Promise<number[]>;
  /** The opaque to pass to `produce` for record `index`. */
  opaque(index: number): RecordTicket;
  /** Rejects the send at once (a record could not be enqueued); later reports are ignored. */
  fail(error: unknown): void;
}

/** What a delivery report carries back: which send, which record. */
export interface RecordTicket {
  readonly send: PendingSendState;
  readonly index: number;
}

/** Internal state reachable from a ticket. */
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
  return { done, opaque: (index) => ({ send: state, index }), fail };
}

/** Routes a delivery report (from the producer's `delivery-report` event) to its send. */
export function settleReport(error: unknown, report: { opaque: unknown; offset: number } | undefined): void {
  const ticket = report?.opaque as RecordTicket | undefined;
  if (ticket === undefined || typeof ticket.send?.report !== 'function') return;
  ticket.send.report(ticket.index, error, report!.offset);
}
