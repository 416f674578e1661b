/**
 * The embedded consumer: a group member that reads its partitions by range scans. Membership is
 * kept in the file (see groups.ts); polling heartbeats, notices rebalances and hands partitions
 * over. Positions live in memory; only `commit` makes them durable. `readCommitted` needs nothing
 * here: a transaction's records reach the file only when it commits (transactions.ts).
 */
import { PipelineError } from '../../errors/index.js';
import type { Consumer, ConsumerOptions, LogRecord, TopicPartition, TopicPartitionOffset } from '../contract.js';
import type { Membership, SyncResult } from './groups.js';
import type { Reader } from './reader.js';
import type { AppendSignal } from './signal.js';
import type { Store } from './store.js';
import type { Partition } from './topics.js';

/** What a consumer needs from the log. */
export interface ConsumerDeps {
  readonly store: Store;
  readonly reader: Reader;
  readonly membership: Membership;
  readonly signal: AppendSignal;
  /** How often an idle poll looks for records from other handles or processes (ms). */
  readonly pollIntervalMs: number;
  /** Called once when the consumer closes. */
  readonly onClose: () => void;
}

interface Position {
  readonly topic: string;
  readonly partition: number;
  stored: Pick<Partition, 'id' | 'partition'>;
  next: number;
}

const component = 'log.embedded';
const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** A consumer with validated `options`; joins its group (and claims free partitions) at once. */
export function createConsumer(deps: ConsumerDeps, options: Required<ConsumerOptions>): Consumer {
  const { store, reader, membership, signal } = deps;
  const heartbeatIntervalMs = Math.max(1, Math.floor(options.sessionTimeoutMs / 4));
  let positions = new Map<string, Position>();
  const paused = new Set<string>();
  let generation = -1;
  let heartbeatAt = -Infinity;
  let rotation = 0;
  let polling = false;
  let closed = false;

  const apply = (result: SyncResult): void => {
    generation = result.generation;
    const next = new Map<string, Position>();
    for (const owned of result.owned) {
      const id = key(owned.topic, owned.partition);
      const kept = positions.get(id);
      if (kept && !owned.claimed) {
        next.set(id, kept);
        continue;
      }
      const { startOffset, nextOffset } = owned.stored;
      let start = owned.committed ?? (options.startFrom === 'latest' ? nextOffset : startOffset);
      // Kafka's auto.offset.reset also applies when the committed offset fell below the log start.
      if (owned.committed !== undefined && owned.committed < startOffset && options.startFrom === 'latest') {
        start = nextOffset;
      }
      next.set(id, { topic: owned.topic, partition: owned.partition, stored: owned.stored, next: start });
    }
    positions = next;
  };

  const sync = (): void => {
    heartbeatAt = store.clock();
    apply(membership.sync());
  };

  const syncIfDue = (): void => {
    if (store.clock() - heartbeatAt >= heartbeatIntervalMs || membership.generation() !== generation) sync();
  };

  const readOwned = (): LogRecord[] => {
    const readable = [...positions.values()].filter((position) => !paused.has(key(position.topic, position.partition)));
    const records: LogRecord[] = [];
    for (let i = 0; i < readable.length && records.length < options.maxRecords; i++) {
      const position = readable[(rotation + i) % readable.length]!;
      const batch = reader.read(
        position.topic,
        position.stored,
        position.next,
        options.maxRecords - records.length,
        options.sharedBuffers,
      );
      if (batch.length === 0) continue;
      position.next = batch[batch.length - 1]!.offset + 1;
      for (const record of batch) records.push(record);
    }
    rotation++;
    return records;
  };

  const ensureOpen = (): void => {
    if (closed) {
      throw new PipelineError('This consumer of the embedded log is closed; create a new one.', {
        stage: 'log',
        component,
      });
    }
  };

  sync();

  return {
    async poll(timeoutMs = 1000) {
      ensureOpen();
      if (polling) {
        throw new PipelineError('poll() is already running on this consumer; await it first.', {
          stage: 'log',
          component,
        });
      }
      polling = true;
      try {
        const deadline = performance.now() + Math.max(0, timeoutMs);
        for (;;) {
          syncIfDue();
          const records = readOwned();
          const remaining = deadline - performance.now();
          if (records.length > 0 || remaining <= 0) return records;
          await signal.wait(Math.min(remaining, deps.pollIntervalMs));
          if (closed) return [];
        }
      } finally {
        polling = false;
      }
    },

    async commit(offsets: readonly TopicPartitionOffset[]) {
      ensureOpen();
      if (offsets.length > 0) membership.commit(offsets);
    },

    seek({ topic, partition, offset }) {
      ensureOpen();
      if (!Number.isSafeInteger(offset) || offset < 0) {
        throw new PipelineError(`seek: offset must be a whole number ≥ 0 (got ${String(offset)}).`, {
          stage: 'log',
          component,
        });
      }
      const position = positions.get(key(topic, partition));
      if (!position) {
        throw new PipelineError(
          `seek: partition ${topic}/${partition} is not assigned to this consumer; poll until assignment() includes it.`,
          { stage: 'log', component },
        );
      }
      position.next = offset;
    },

    assignment(): TopicPartition[] {
      return [...positions.values()]
        .map(({ topic, partition }) => ({ topic, partition }))
        .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    },

    pause(partitions) {
      for (const { topic, partition } of partitions) paused.add(key(topic, partition));
    },

    resume(partitions) {
      for (const { topic, partition } of partitions) paused.delete(key(topic, partition));
    },

    async close() {
      if (closed) return;
      closed = true;
      signal.notify();
      try {
        membership.leave();
      } finally {
        positions = new Map();
        deps.onClose();
      }
    },
  };
}
