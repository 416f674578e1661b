/**
 * The consumer that crashes in the at-least-once case, as a plain function (no jest), so that a
 * backend can run it in a child process and kill that process with SIGKILL, or the suite can run it
 * in-process and make the consumer vanish.
 */
import type { Consumer, TopicPartitionOffset } from '../../../pipeline/log/contract.js';

/** What the crashing consumer does. */
export interface CrashPlan {
  readonly topic: string;
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  /** Upper bound of records per poll (small, so that commits fall between polls). */
  readonly maxRecords: number;
  /** After each poll, commit everything consumed so far while at most this many records were consumed. */
  readonly commitUntil: number;
  /** Stop consuming (pause everything, keep polling so the membership stays alive) after this many records. */
  readonly stopAfter: number;
}

/** One line of the crashing consumer's report, in the order things happened. */
export type CrashEvent =
  /** Records delivered to the consumer; reported before any commit that covers them. */
  | { readonly type: 'consumed'; readonly offsets: TopicPartitionOffset[] }
  /** A commit that resolved (acknowledged by the log). */
  | { readonly type: 'committed'; readonly offsets: TopicPartitionOffset[] }
  /** Stopped at `stopAfter`, holding uncommitted records: kill it now. */
  | { readonly type: 'ready' };

/** What the crashed consumer did before it died. */
export interface CrashReport {
  readonly consumed: TopicPartitionOffset[];
  /** The last acknowledged commit per partition. */
  readonly committed: TopicPartitionOffset[];
}

/**
 * Runs `plan` on `consumer`: consume, commit, stop at `plan.stopAfter` with uncommitted records,
 * report `ready`, then keep polling (paused) until `keepAlive` returns false.
 */
export async function runCrashPlan(
  consumer: Consumer,
  plan: CrashPlan,
  report: (event: CrashEvent) => void,
  keepAlive: () => boolean,
): Promise<void> {
  let consumed = 0;
  const positions = new Map<number, TopicPartitionOffset>();
  while (consumed < plan.stopAfter) {
    const records = await consumer.poll(250);
    if (records.length === 0) continue;
    report({
      type: 'consumed',
      offsets: records.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
    });
    consumed += records.length;
    for (const { topic, partition, offset } of records)
      positions.set(partition, { topic, partition, offset: offset + 1 });
    if (consumed <= plan.commitUntil) {
      const offsets = [...positions.values()];
      await consumer.commit(offsets);
      report({ type: 'committed', offsets });
    }
  }
  consumer.pause(consumer.assignment());
  report({ type: 'ready' });
  while (keepAlive()) {
    consumer.pause(consumer.assignment());
    await consumer.poll(100);
  }
}

/** Folds the events of a crashed consumer into its report. */
export function crashReport(events: readonly CrashEvent[]): CrashReport {
  const consumed: TopicPartitionOffset[] = [];
  const committed = new Map<string, TopicPartitionOffset>();
  for (const event of events) {
    if (event.type === 'consumed') consumed.push(...event.offsets);
    if (event.type === 'committed') {
      for (const offset of event.offsets) committed.set(`${offset.topic}\u0000${offset.partition}`, offset);
    }
  }
  return { consumed, committed: [...committed.values()] };
}
