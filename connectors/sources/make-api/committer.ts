/**
 * Group commit of the poller's durable steps: each step (the events of one page and the checkpoint
 * that covers them) is written in a log transaction, so that the events and the checkpoint become
 * visible together or not at all. A crash can then no longer leave events in the log whose
 * checkpoint was lost, which a restart would write again.
 *
 * Many tasks run turns at once, but a transactional producer holds one transaction at a time: the
 * steps that arrive while a transaction is in flight wait and go together in the next one (one
 * commit for all of them). When a transaction fails, every step in it fails (none of its records
 * is visible) and its task retries the turn later.
 */
import type { OutgoingRecord, TransactionalProducer } from '../../../pipeline/log/contract.js';

/** Records for one topic. */
export interface TopicRecords {
  readonly topic: string;
  readonly records: readonly OutgoingRecord[];
}

/** Writes steps in shared transactions. */
export interface GroupCommitter {
  /** Resolves once the transaction holding `batches` committed; rejects when it failed or aborted. */
  write(batches: readonly TopicRecords[]): Promise<void>;
  /** Waits for the transaction in flight, then closes the producer. */
  close(): Promise<void>;
}

interface Step {
  readonly batches: readonly TopicRecords[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** A group committer over one transactional producer (owned: `close` closes it). */
export function createGroupCommitter(producer: TransactionalProducer): GroupCommitter {
  let queue: Step[] = [];
  let running = false;
  let draining: Promise<void> = Promise.resolve();

  async function commit(steps: readonly Step[]): Promise<void> {
    // One send per topic, records in the order the steps came (per partition order is kept).
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const step of steps)
      for (const { topic, records } of step.batches) {
        if (records.length === 0) continue;
        const list = byTopic.get(topic) ?? [];
        for (const record of records) list.push(record);
        byTopic.set(topic, list);
      }
    if (byTopic.size === 0) return;
    const transaction = await producer.begin();
    try {
      for (const [topic, records] of byTopic) await transaction.send(topic, records);
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  }

  async function drain(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0) {
        const steps = queue;
        queue = [];
        try {
          await commit(steps);
          for (const step of steps) step.resolve();
        } catch (error) {
          for (const step of steps) step.reject(error);
        }
      }
    } finally {
      // Set in the same synchronous stretch as the empty-queue check: a later write starts a new drain.
      running = false;
    }
  }

  return {
    write(batches) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ batches, resolve, reject });
        if (!running) draining = drain();
      });
    },
    async close() {
      await draining;
      await producer.close();
    },
  };
}
