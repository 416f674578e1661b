/**
 * The execution of one task (one input partition number of a processor), shared by the runner and the
 * test driver so that a test runs exactly the code production runs:
 *
 * 1. a record (decoded by the caller) is handed to the processor's `process`; its emits are encoded at
 *    once (a value that does not match its topic's schema throws there), its store changes journaled;
 * 2. if `process` throws, the store changes (timers included) and emits are discarded and the record
 *    becomes a dead letter; the watermark does not move (a poison record's time is not trusted);
 * 3. otherwise the watermark advances to `max event time - allowedLatenessMs` and every timer whose
 *    time is <= the watermark fires, in (time, id) order, each as its own unit (a throwing timer is
 *    rolled back, dropped and dead-lettered with the record that made it due);
 * 4. `drain` hands over what the units produced since the last drain: encoded outputs (late records
 *    and dead letters included) in emit order, and the changelog (latest value per changed key).
 *
 * Decoding is the caller's (it is async on the real serde); a record that fails it goes to `fail`.
 */
import type { LogRecord, OutgoingRecord } from '../log/contract.js';
import { InvalidRecordError } from '../errors/index.js';
import {
  avroTopic,
  changelogTopic,
  jsonTopic,
  lateTopic,
  type GlobalTable,
  type InputRecord,
  type KeyValueStore,
  type OutputRecord,
  type ProcessorDefinition,
  type ProcessorTask,
  type TaskContext,
  type TopicSpec,
} from './api.js';
import { buildDeadLetter } from './dead-letters.js';
import { createManagedStore, type ManagedStore, type StoreChange } from './stores.js';
import { createTaskClock, RUNTIME_STORE, type TaskClock } from './timers.js';
import {
  alignedWatermarkOf,
  createAlignedProgress,
  type AlignedProgress,
  type IdleAwareTask,
  type WriterProgress,
  type WriterState,
} from './aligned-watermark.js';
import { partitionForKey } from '../log/partitioner.js';
import { deadLetterTopic } from '../topics.js';

/** Encodes a value for a topic (Avro or JSON); throws when the value does not match the topic's schema. */
export type ValueEncoder = (spec: TopicSpec, value: unknown) => Buffer;

/** A record ready to append: topic plus the log's OutgoingRecord. */
export interface EncodedOutput {
  readonly topic: string;
  readonly record: OutgoingRecord & { readonly timestamp: number; readonly headers: Record<string, string> };
}

/** Changes of one store since the last drain. */
export interface ChangelogBatch {
  readonly store: string;
  readonly topic: string;
  readonly changes: readonly StoreChange[];
}

/** What a task produced since the last drain. */
export interface TaskBatch {
  readonly outputs: readonly EncodedOutput[];
  readonly changelog: readonly ChangelogBatch[];
  /** Counters: built-in (`records-in`, `records-out`, `dead-letters`, `late`, `timers`) and the processor's own. */
  readonly counts: ReadonlyMap<string, number>;
}

/** What a task needs from its host (runner or test driver). */
export interface TaskHost {
  readonly definition: ProcessorDefinition<unknown, unknown>;
  readonly config: unknown;
  readonly task: number;
  readonly encode: ValueEncoder;
  readonly table: (name: string) => GlobalTable<unknown>;
  /** Wall clock, only for the `failedAt` of dead letters. */
  readonly now: () => number;
}

/** One task. */
export interface Task {
  readonly task: number;
  readonly watermark: number;
  /** All store names of the task, the internal `_runtime` store included. */
  readonly storeNames: readonly string[];
  store(name: string): ManagedStore;
  /** Applies a changelog record while restoring (before `open`). */
  restore(store: string, key: string, value: string | null): void;
  /** Creates the processor's task instance over the restored state. */
  open(): void;
  /** Processes one decoded record. Never throws for the record's fault (it becomes a dead letter). */
  process(record: LogRecord, value: unknown): void;
  /** Dead-letters a record that could not be decoded. */
  fail(record: LogRecord, error: unknown): void;
  /** True when the processor's task has `onIdle` (an upstream of an aligned watermark). */
  readonly idles: boolean;
  /**
   * Tells the processor's task that it has read all of its input and had none for `idleForMs` of wall
   * clock (`onIdle`, see `aligned-watermark.ts`): its emits and store changes are kept like a
   * record's; a throw rolls them back and is rethrown. Returns true when it emitted something.
   */
  idle(idleForMs: number): boolean;
  drain(): TaskBatch;
  close(): void;
}

/** Key of the aligned writers' state in the `_runtime` store. */
const ALIGNED_KEY = 'aligned';

/** The DLQ topic spec of a processor. */
export function deadLetterSpec(processor: string): TopicSpec {
  return avroTopic(deadLetterTopic(processor).name, 'dead-letter');
}

/** Names of a processor's stores, `_runtime` last. */
export function storeNamesOf(definition: ProcessorDefinition<unknown, unknown>): string[] {
  const names = [...(definition.stores ?? [])];
  if (names.includes(RUNTIME_STORE)) {
    throw new Error(`Processor "${definition.name}": the store name "${RUNTIME_STORE}" is reserved for the runtime.`);
  }
  return [...names, RUNTIME_STORE];
}

/** The partition of an output: the key's (murmur2), or the task's for unkeyed records (deterministic). */
export function outputPartition(key: string | Buffer | null, partitions: number, task: number): number {
  return key === null ? task % partitions : partitionForKey(key, partitions);
}

/** The consumer group name of a processor (`makestream.processor.<name>`). */
export { processorGroup } from './api.js';

/** Creates a task; restore its stores, then `open` it. */
export function createTask(host: TaskHost): Task {
  const { definition, task } = host;
  const processor = definition.name;
  const group = `makestream.processor.${processor}`;
  const storeNames = storeNamesOf(definition);
  const stores = new Map(storeNames.map((name) => [name, createManagedStore(name)]));
  const storeList = [...stores.values()];
  const runtimeStore = stores.get(RUNTIME_STORE)!;
  const lateness = definition.allowedLatenessMs ?? 0;
  const clock: TaskClock = createTaskClock(runtimeStore, lateness);
  // Fan-in processors: the watermark is aligned over the upstream writers (aligned-watermark.ts),
  // their progress kept in the `_runtime` store under `aligned`.
  const alignedSpec = alignedWatermarkOf(definition);
  let aligned: AlignedProgress | undefined;
  const outputSpecs = new Map(definition.outputs.map((spec) => [spec.topic, spec]));
  const late = jsonTopic(lateTopic(processor));
  const dlq = deadLetterSpec(processor);
  let instance: ProcessorTask<unknown> | undefined;

  let outputs: EncodedOutput[] = [];
  const counts = new Map<string, number>();
  // The unit (one record or one timer) in progress; its output list and counters are reused by every
  // unit (cleared at `begin`) rather than allocated per record.
  const unitOutputs: EncodedOutput[] = [];
  const unitCounts = new Map<string, number>();
  let current: { record?: InputRecord<unknown>; time: number } | undefined;

  const add = (map: Map<string, number>, event: string, by = 1): void => {
    map.set(event, (map.get(event) ?? 0) + by);
  };

  function encodeOutput(spec: TopicSpec, record: OutputRecord<unknown>, timestamp: number): EncodedOutput {
    const value = record.value === null ? null : host.encode(spec, record.value);
    return {
      topic: spec.topic,
      record: { key: record.key, value, timestamp, headers: { ...(record.headers ?? {}) } },
    };
  }

  const context: TaskContext = {
    processor,
    task,
    get watermark() {
      return clock.watermark;
    },
    emit(record) {
      if (!current) throw new Error(`Processor "${processor}": emit outside process/onTimer.`);
      const spec = outputSpecs.get(record.topic);
      if (!spec) {
        throw new Error(
          `Processor "${processor}" emitted to "${record.topic}", which is not one of its outputs ` +
            `(${[...outputSpecs.keys()].join(', ')}); add it to \`outputs\`.`,
        );
      }
      const timestamp = record.timestamp ?? current.time;
      unitOutputs.push(encodeOutput(spec, record, timestamp));
      add(unitCounts, 'records-out');
    },
    store<V>(name: string): KeyValueStore<V> {
      const store = stores.get(name);
      if (!store || name === RUNTIME_STORE) {
        throw new Error(`Processor "${processor}" has no store "${name}"; declare it in \`stores\`.`);
      }
      return store as ManagedStore<V>;
    },
    table<V>(name: string): GlobalTable<V> {
      if (!definition.tables?.[name]) {
        throw new Error(`Processor "${processor}" has no table "${name}"; declare it in \`tables\`.`);
      }
      return host.table(name) as GlobalTable<V>;
    },
    schedule(time, id) {
      clock.schedule(time, id);
    },
    cancel(id) {
      clock.cancel(id);
    },
    late(reason) {
      const record = current?.record;
      if (!record) throw new Error(`Processor "${processor}": late() is only for the record being processed.`);
      const { raw } = record;
      const value = {
        processor,
        task,
        reason,
        topic: raw.topic,
        partition: raw.partition,
        offset: raw.offset,
        key: record.key,
        eventTime: record.eventTime,
        watermark: clock.watermark,
        value: raw.value === null ? null : raw.value.toString('base64'),
      };
      unitOutputs.push(
        // Stamped with the wall clock: the side output's retention must count from now, not from event time.
        encodeOutput(late, { topic: late.topic, key: record.key, value, headers: { reason } }, host.now()),
      );
      add(unitCounts, 'late');
    },
    count(event, by = 1) {
      add(unitCounts, event, by);
    },
  };

  function begin(unit: { record?: InputRecord<unknown>; time: number }): void {
    current = unit;
    unitOutputs.length = 0;
    if (unitCounts.size > 0) unitCounts.clear();
    for (const store of storeList) store.begin();
  }

  function keep(): void {
    for (const store of storeList) store.keep();
    for (const output of unitOutputs) outputs.push(output);
    unitOutputs.length = 0;
    for (const [event, by] of unitCounts) add(counts, event, by);
    current = undefined;
  }

  function rollback(): void {
    for (const store of storeList) store.rollback();
    unitOutputs.length = 0;
    current = undefined;
  }

  function deadLetter(record: LogRecord, error: unknown, stage: 'PROCESSING' | 'SERDE', part?: string): void {
    const letter = buildDeadLetter({ processor, group, task, record, error, stage, failedAt: host.now(), part });
    outputs.push({
      topic: dlq.topic,
      record: {
        key: letter.key,
        value: host.encode(dlq, letter.value),
        timestamp: letter.timestamp,
        headers: { ...letter.headers },
      },
    });
    add(counts, 'dead-letters');
  }

  function fireTimers(trigger: LogRecord): void {
    for (let due = clock.takeDue(); due; due = clock.takeDue()) {
      const { time, id } = due;
      add(counts, 'timers');
      if (!instance!.onTimer) continue;
      begin({ time });
      try {
        instance!.onTimer(time, id, context);
        keep();
      } catch (error) {
        rollback();
        const message = error instanceof Error ? error.message : String(error);
        const wrapped = new Error(`Timer "${id}" at ${time} failed: ${message}`, { cause: error });
        wrapped.name = error instanceof Error ? error.name : 'Error';
        deadLetter(trigger, wrapped, 'PROCESSING', 'timer');
      }
    }
    // takeDue's removals were outside a unit: they are pending changelog changes already.
  }

  return {
    task,
    get watermark() {
      return clock.watermark;
    },
    storeNames,
    store(name) {
      const store = stores.get(name);
      if (!store)
        throw new Error(`Processor "${processor}" has no store "${name}" (stores: ${storeNames.join(', ')}).`);
      return store;
    },
    restore(store, key, value) {
      const target = stores.get(store);
      if (!target) throw new Error(`Processor "${processor}" has no store "${store}" to restore.`);
      target.restore(key, value);
    },
    open() {
      clock.load();
      if (alignedSpec) {
        const saved = runtimeStore.get(ALIGNED_KEY) as WriterState[] | undefined;
        aligned = createAlignedProgress(alignedSpec.writers(host.config), saved);
      }
      instance = definition.createTask(host.config, task);
    },
    process(raw, value) {
      if (!instance) throw new Error(`Task ${processor}/${task} is not open.`);
      add(counts, 'records-in');
      const base = {
        topic: raw.topic,
        partition: raw.partition,
        offset: raw.offset,
        key: raw.key === null ? null : raw.key.toString('utf8'),
        value,
        headers: raw.headers,
        raw,
      };
      let eventTime = raw.timestamp;
      let progress: WriterProgress | undefined;
      begin({ time: eventTime });
      try {
        eventTime = definition.eventTime ? definition.eventTime(base) : raw.timestamp;
        if (!Number.isFinite(eventTime)) {
          throw new InvalidRecordError(
            `Processor "${processor}": event time ${String(eventTime)} of ${raw.topic}/${raw.partition}@${raw.offset} is not a number.`,
            { stage: 'processing', component: `processors.${processor}` },
          );
        }
        const record: InputRecord<unknown> = { ...base, eventTime };
        current = { record, time: eventTime };
        progress = alignedSpec?.progress(record);
        if (progress !== undefined) aligned!.observe(progress); // throws (a dead letter) for a bad writer
        instance.process(record, context);
        keep();
      } catch (error) {
        rollback();
        if (aligned)
          aligned = createAlignedProgress(
            alignedSpec!.writers(host.config),
            runtimeStore.get(ALIGNED_KEY) as WriterState[] | undefined,
          );
        deadLetter(raw, error, 'PROCESSING');
        return;
      }
      if (aligned) {
        if (progress !== undefined) runtimeStore.put(ALIGNED_KEY, aligned.state());
        clock.raiseTo(aligned.value - lateness);
      } else clock.advance(eventTime);
      fireTimers(raw);
    },
    fail(raw, error) {
      add(counts, 'records-in');
      deadLetter(raw, error, 'SERDE');
    },
    get idles() {
      return typeof (instance as IdleAwareTask<unknown> | undefined)?.onIdle === 'function';
    },
    idle(idleForMs) {
      const idleAware = instance as IdleAwareTask<unknown> | undefined;
      if (!idleAware?.onIdle) return false;
      begin({ time: Number.isFinite(clock.watermark) ? clock.watermark : 0 });
      try {
        idleAware.onIdle(context, idleForMs);
        const emitted = unitOutputs.length > 0;
        keep();
        return emitted;
      } catch (error) {
        rollback();
        throw error;
      }
    },
    drain() {
      const batch: TaskBatch = {
        outputs,
        changelog: storeNames.map((store) => ({
          store,
          topic: changelogTopic(processor, store),
          changes: stores.get(store)!.flush(),
        })),
        counts: new Map(counts),
      };
      outputs = [];
      counts.clear();
      return batch;
    },
    close() {
      instance?.close?.();
      instance = undefined;
    },
  };
}
