/**
 * The tasks a runner instance owns, with what production adds around `task.ts`:
 * - **fencing**: each task writes through its own transactional producer, id
 *   `makestream.processor.<name>.task-<n>` (Kafka Streams' "exactly_once" per-task producers). Opening it
 *   fences any other instance (or a killed earlier run) that still had the task: its open transaction
 *   can no longer commit. Only then is the state restored, so no transaction of the task can be open;
 * - **restore** from the compacted changelogs (partition = task) through {@link readToEnd};
 * - **position**: the consumer is moved to the committed offsets read after fencing;
 * - **commit**: a task's outputs, changelog records, dead letters and input offsets in one transaction.
 */
import type { Consumer, EventLog, LogRecord, OutgoingRecord, TransactionalProducer } from '../log/contract.js';
import type { Logger } from '../telemetry/logger.js';
import { changelogTopic, processorGroup, type GlobalTable, type ProcessorDefinition } from './api.js';
import { readToEnd } from './catch-up.js';
import { createTask, outputPartition, type Task, type TaskBatch, type ValueEncoder } from './task.js';

/** A task owned by this instance. */
export interface ActiveTask {
  readonly task: Task;
  readonly producer: TransactionalProducer;
  /** Per input topic, the offset after the last processed record (what the next commit stores). */
  readonly positions: Map<string, number>;
}

/** What {@link createActiveTasks} needs. */
export interface ActiveTasksDeps {
  readonly definition: ProcessorDefinition<unknown, unknown>;
  readonly config: unknown;
  readonly log: EventLog;
  readonly consumer: Consumer;
  readonly encode: ValueEncoder;
  readonly table: (name: string) => GlobalTable<unknown>;
  readonly instanceId: string;
  readonly logger: Logger;
  readonly now: () => number;
  /** Partition counts of output-side topics (outputs, DLQ, late), for unkeyed records. */
  readonly partitions: ReadonlyMap<string, number>;
  /** See {@link readToEnd}. */
  readonly restoreIdleMs: number;
}

/** The owned tasks. */
export interface ActiveTasks {
  readonly size: number;
  get(task: number): ActiveTask | undefined;
  numbers(): number[];
  /** Takes ownership of tasks: fence, restore, seek. */
  open(tasks: readonly number[]): Promise<void>;
  /** Closes tasks (revoked, or stopping): no commit, state dropped. */
  close(tasks: readonly number[]): Promise<void>;
  /** Commits what the task produced since its last commit; false when nothing was to commit. */
  commit(task: number): Promise<{ batch: TaskBatch; committed: boolean }>;
}

/** The transactional id of a task. */
export function taskTransactionalId(processor: string, task: number): string {
  return `makestream.processor.${processor}.task-${task}`;
}

/** Creates the (empty) set of owned tasks. */
export function createActiveTasks(deps: ActiveTasksDeps): ActiveTasks {
  const { definition, log, consumer, logger } = deps;
  const group = processorGroup(definition.name);
  const tasks = new Map<number, ActiveTask>();
  const inputs = definition.inputs.map((spec) => spec.topic);
  let restores = 0;

  async function restore(opening: Map<number, Task>): Promise<void> {
    const byTopic = new Map<string, string>();
    for (const store of opening.values().next().value!.storeNames) {
      byTopic.set(changelogTopic(definition.name, store), store);
    }
    restores++;
    const read = await readToEnd({
      log,
      groupId: `${group}.restore.${deps.instanceId}.${restores}`,
      topics: [...byTopic.keys()],
      wanted: (_topic, partition) => opening.has(partition),
      idleMs: deps.restoreIdleMs,
      onRecord(record: LogRecord) {
        if (record.key === null) return;
        const store = byTopic.get(record.topic)!;
        const value = record.value === null ? null : record.value.toString('utf8');
        opening.get(record.partition)!.restore(store, record.key.toString('utf8'), value);
      },
    });
    logger.info({ processor: definition.name, tasks: [...opening.keys()], records: read }, 'Restored task state.');
  }

  async function seekToCommitted(opening: readonly number[]): Promise<Map<string, number>[]> {
    const positions = opening.map(() => new Map<string, number>());
    for (const topic of inputs) {
      const lags = await log.lag(group, topic);
      opening.forEach((task, index) => {
        const lag = lags.find((entry) => entry.partition === task);
        // Never committed: the contract's lag counts from the log start offset, so start = end - lag.
        const offset = lag === undefined ? 0 : (lag.committed ?? lag.end - lag.lag);
        // Revoked while the task restored (a rebalance on a loaded Kafka): no seek; the next
        // assignment sync closes the task, and if the partition comes back it is reopened.
        const assigned = consumer.assignment().some((tp) => tp.topic === topic && tp.partition === task);
        if (assigned) consumer.seek({ topic, partition: task, offset });
        positions[index]!.set(topic, offset);
      });
    }
    return positions;
  }

  return {
    get size() {
      return tasks.size;
    },
    get: (task) => tasks.get(task),
    numbers: () => [...tasks.keys()].sort((a, b) => a - b),
    async open(numbers) {
      if (numbers.length === 0) return;
      const producers = new Map<number, TransactionalProducer>();
      const opening = new Map<number, Task>();
      try {
        for (const number of numbers) {
          producers.set(number, await log.transactionalProducer(taskTransactionalId(definition.name, number)));
          opening.set(
            number,
            createTask({
              definition,
              config: deps.config,
              task: number,
              encode: deps.encode,
              table: deps.table,
              now: deps.now,
            }),
          );
        }
        await restore(opening);
        const positions = await seekToCommitted(numbers);
        numbers.forEach((number, index) => {
          const task = opening.get(number)!;
          task.open();
          tasks.set(number, { task, producer: producers.get(number)!, positions: positions[index]! });
        });
      } catch (error) {
        for (const producer of producers.values()) await producer.close().catch(() => undefined);
        throw error;
      }
    },
    async close(numbers) {
      for (const number of numbers) {
        const active = tasks.get(number);
        if (!active) continue;
        tasks.delete(number);
        active.task.close();
        await active.producer.close().catch((error: unknown) => {
          logger.warn({ err: error, processor: definition.name, task: number }, 'Closing a task producer failed.');
        });
      }
    },
    async commit(number) {
      const active = tasks.get(number);
      if (!active) throw new Error(`Task ${definition.name}/${number} is not owned by this instance.`);
      const batch = active.task.drain();
      const byTopic = new Map<string, OutgoingRecord[]>();
      const add = (topic: string, record: OutgoingRecord): void => {
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push(record);
      };
      for (const { topic, record } of batch.outputs) {
        const partitions = deps.partitions.get(topic) ?? 1;
        add(topic, { ...record, partition: outputPartition(record.key, partitions, number) });
      }
      for (const { topic, changes } of batch.changelog) {
        for (const change of changes) {
          add(topic, {
            key: change.key,
            value: change.value === null ? null : Buffer.from(change.value, 'utf8'),
            partition: number,
          });
        }
      }
      const offsets = [...active.positions].map(([topic, offset]) => ({ topic, partition: number, offset }));
      const transaction = await active.producer.begin();
      try {
        for (const [topic, records] of byTopic) await transaction.send(topic, records);
        await transaction.sendOffsets(group, offsets);
        await transaction.commit();
        logger.debug({ task: number, offsets, topics: [...byTopic.keys()] }, 'Committed.');
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
      return { batch, committed: true };
    },
  };
}
