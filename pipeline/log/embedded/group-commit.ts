/**
 * Group commit: sends issued in the same turn of the event loop (concurrent request handlers,
 * several producers) share one SQLite transaction, and so one fsync, instead of one each. Every
 * send still runs in its own savepoint, so it is written entirely or not at all, and resolves only
 * after the shared transaction committed.
 */
import type { Store } from './store.js';

/** Runs `work` in the next group transaction; resolves with its result once that committed. */
export type GroupCommit = <T>(work: () => T) => Promise<T>;

interface Pending {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * When a group is written: `setImmediate` (default) gathers everything issued in one turn of the event
 * loop (concurrent request handlers); `process.nextTick` only what is issued before the current turn's
 * promise jobs run out, so the group is written within the same turn and no timer or I/O callback can
 * run in between (what keeps a single process's interleaving of writers as deterministic as
 * synchronous writes: the transactions' group commit uses it).
 */
export type GroupSchedule = (flush: () => void) => void;

/**
 * A group commit over `store`; `onCommitted` runs after each group transaction that committed.
 * With `durable` (the WAL's fsync off the event loop, wal-sync.ts), a group's sends resolve only once
 * it resolved after the commit; meanwhile the next group can already commit.
 */
export function createGroupCommit(
  store: Store,
  onCommitted: () => void,
  schedule: GroupSchedule = setImmediate,
  durable?: () => Promise<void>,
): GroupCommit {
  let queue: Pending[] = [];

  const flush = (): void => {
    const group = queue;
    queue = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      store.write(() => {
        for (const pending of group) {
          try {
            // Nested in the group transaction, this is a savepoint: a failing send leaves nothing behind.
            outcomes.push({ ok: true, value: store.write(pending.work) });
          } catch (error) {
            outcomes.push({ ok: false, value: error });
          }
        }
      });
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    onCommitted();
    const settle = (): void =>
      group.forEach((pending, index) => {
        const outcome = outcomes[index]!;
        if (outcome.ok) pending.resolve(outcome.value);
        else pending.reject(outcome.value);
      });
    if (!durable) {
      settle();
      return;
    }
    // A failed sync fails the group's committed sends (their records may be in the log, not durable).
    durable().then(settle, (error: unknown) =>
      group.forEach((pending, index) => pending.reject(outcomes[index]!.ok ? error : outcomes[index]!.value)),
    );
  };

  return <T>(work: () => T) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (queue.length === 1) schedule(flush);
    });
}
