/**
 * The processor API: what a data engineer writes. The runtime (`pipeline/runtime`) runs a
 * processor against the EventLog; the test driver runs the same definition in memory.
 *
 * Model (Kafka Streams'): a processor consumes its input topics in the consumer group
 * `makestream.processor.<name>`. Work is split in **tasks**, one per input partition number (all
 * inputs of a processor must have the same partition count: co-partitioned). A task has its own
 * state stores, its own watermark and its own timers, and sees its records in offset order, so its
 * output is a deterministic function of its input. Between batches the runtime writes the batch's
 * outputs, the state stores' changes (compacted changelog topics) and the consumed offsets in one
 * transaction where the log has transactions (both backends do), so a crash repeats no output.
 *
 * Determinism rules a processor must follow:
 * - no wall-clock time, no randomness: event time comes from records, ids from record identity
 *   (`pipeline/ids.ts`);
 * - iterate state in a defined order (stores iterate in key order);
 * - throw for a record it cannot handle: the runtime sends that record to `makestream.dlq.<name>`
 *   with context headers, discards its emits and its state changes, and goes on with the next one.
 */
import type { LogRecord } from '../log/contract.js';

/** How values of a topic are encoded. */
export type ValueCodec =
  /** Avro in the Confluent wire format, with the schema of `schemas/<schema>.avsc`. */
  | { readonly kind: 'avro'; readonly schema: string }
  /** JSON (UTF-8), for internal topics such as repartition topics. */
  | { readonly kind: 'json' }
  /**
   * Plain text: the value is a string, written as its UTF-8 bytes (no quotes, no escaping), for
   * feeds other tools read as lines (`siem.cef.v1`). Emitting a non-string, or reading bytes that
   * are not valid UTF-8, is an invalid record (dead letter).
   */
  | { readonly kind: 'string' };

/** A topic a processor reads or writes. */
export interface TopicSpec {
  readonly topic: string;
  readonly codec: ValueCodec;
}

/** Avro codec helper: `avro('make.metrics.v1', 'metric-window')`. */
export function avroTopic(topic: string, schema: string): TopicSpec {
  return { topic, codec: { kind: 'avro', schema } };
}

/** JSON codec helper for internal topics. */
export function jsonTopic(topic: string): TopicSpec {
  return { topic, codec: { kind: 'json' } };
}

/** Plain UTF-8 string codec helper: `stringTopic('siem.cef.v1')` (values are strings). */
export function stringTopic(topic: string): TopicSpec {
  return { topic, codec: { kind: 'string' } };
}

/** A record handed to a processor: the log record with its decoded value. */
export interface InputRecord<V = unknown> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: V;
  readonly headers: Readonly<Record<string, Buffer>>;
  /** Event time (epoch ms) as given by the processor's `eventTime` (default: the log timestamp). */
  readonly eventTime: number;
  /** The record as read from the log (for DLQ context and tools). */
  readonly raw: LogRecord;
}

/** A record a processor emits. */
export interface OutputRecord<V = unknown> {
  /** One of the processor's `outputs` (or `sideOutputs`). */
  readonly topic: string;
  readonly key: string | null;
  readonly value: V;
  /** Event time of the output (epoch ms). Defaults to the event time of the record being processed (or the timer's time). */
  readonly timestamp?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A key-value state store of one task, backed by a compacted changelog topic
 * (`makestream.processor.<name>.<store>.changelog`, partition = task). Values must be JSON-serialisable
 * (they are written to the changelog as JSON). Changes made while processing a record that throws
 * are rolled back.
 */
export interface KeyValueStore<V> {
  get(key: string): V | undefined;
  put(key: string, value: V): void;
  delete(key: string): void;
  /** Entries in ascending key order (deterministic). */
  entries(): IterableIterator<[string, V]>;
  /** Entries with `from <= key < to`, ascending. */
  range(from: string, to: string): IterableIterator<[string, V]>;
  readonly size: number;
}

/** A read-only table of a whole topic (every partition), e.g. the scenario catalog (a GlobalKTable). */
export interface GlobalTable<V> {
  /** Latest value per key (tombstones delete). */
  get(key: string): V | undefined;
  readonly size: number;
}

/** What a processor sees while it handles a record or a timer. */
export interface TaskContext {
  /** The processor's name. */
  readonly processor: string;
  /** The task (input partition number). */
  readonly task: number;
  /**
   * The task's watermark (epoch ms): no record with an earlier event time is expected any more. It is
   * the highest event time seen minus the processor's `allowedLatenessMs`, never decreasing; -Infinity
   * before the first record. Part of the task's state (restored after a restart).
   */
  readonly watermark: number;
  emit<V>(record: OutputRecord<V>): void;
  store<V>(name: string): KeyValueStore<V>;
  table<V>(name: string): GlobalTable<V>;
  /**
   * Schedules an event-time timer: `onTimer(time, id)` runs once the watermark reaches `time`.
   * Scheduling the same id again moves it. Timers are part of the task's state.
   */
  schedule(time: number, id: string): void;
  cancel(id: string): void;
  /** Sends the current record to the processor's late side output (counted in metrics). */
  late(reason: string): void;
  /** Counts something (exported as `makestream_processor_events_total{processor,event}`). */
  count(event: string, by?: number): void;
}

/** One task's instance of a stateful processor. */
export interface ProcessorTask<V = unknown> {
  process(record: InputRecord<V>, context: TaskContext): void;
  /** An event-time timer fired (in time order, then id order). */
  onTimer?(time: number, id: string, context: TaskContext): void;
  /** The task is being closed (shutdown or its partition moved away); state is already flushed. */
  close?(): void;
}

/** A processor as defined by `defineProcessor`. */
export interface ProcessorDefinition<Config = unknown, V = unknown> {
  /** Unique, stable name: consumer group `makestream.processor.<name>`, DLQ `makestream.dlq.<name>`. */
  readonly name: string;
  readonly description: string;
  readonly inputs: readonly TopicSpec[];
  readonly outputs: readonly TopicSpec[];
  /** Global tables by name: each instance reads the whole topic before processing and keeps following it. */
  readonly tables?: Readonly<Record<string, TopicSpec>>;
  /** Names of the task state stores. */
  readonly stores?: readonly string[];
  /** How far behind the highest event time a record may arrive and still count (ms, default 0). */
  readonly allowedLatenessMs?: number;
  /** Event time of an input record (default: the log timestamp). */
  eventTime?(record: Omit<InputRecord<V>, 'eventTime'>): number;
  /** Parses the processor's config section (throw ConfigError naming the field); default: none. */
  parseConfig?(raw: unknown): Config;
  /** Creates the instance of one task. Called on assignment; state stores are restored before `process`. */
  createTask(config: Config, task: number): ProcessorTask<V>;
}

/** The late side output of a processor: `makestream.processor.<name>.late` (JSON values). */
export function lateTopic(processor: string): string {
  return `makestream.processor.${processor}.late`;
}

/** The changelog topic of a store. */
export function changelogTopic(processor: string, store: string): string {
  return `makestream.processor.${processor}.${store}.changelog`;
}

/** The consumer group of a processor. */
export function processorGroup(processor: string): string {
  return `makestream.processor.${processor}`;
}

/** Defines a processor (identity function that checks the definition's shape at load). */
export function defineProcessor<Config, V>(definition: ProcessorDefinition<Config, V>): ProcessorDefinition<Config, V> {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) {
    throw new Error(`Processor name "${definition.name}" must be lowercase letters, digits and dashes.`);
  }
  if (definition.inputs.length === 0) throw new Error(`Processor "${definition.name}" needs at least one input topic.`);
  return definition;
}

/**
 * A stateless processor from a pure record function: each input record maps to zero or more outputs.
 * Sugar over {@link defineProcessor}.
 */
export function defineMapper<Config, V>(definition: {
  readonly name: string;
  readonly description: string;
  readonly inputs: readonly TopicSpec[];
  readonly outputs: readonly TopicSpec[];
  readonly tables?: Readonly<Record<string, TopicSpec>>;
  eventTime?(record: Omit<InputRecord<V>, 'eventTime'>): number;
  parseConfig?(raw: unknown): Config;
  map(record: InputRecord<V>, context: TaskContext, config: Config): readonly OutputRecord[];
}): ProcessorDefinition<Config, V> {
  const { map, ...rest } = definition;
  return defineProcessor<Config, V>({
    ...rest,
    createTask: (config) => ({
      process(record, context) {
        for (const output of map(record, context, config)) context.emit(output);
      },
    }),
  });
}
