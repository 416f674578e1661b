/**
 * The test driver (after Kafka Streams' TopologyTestDriver): runs processor definitions in memory,
 * without a log, through the same task code as the runner (`task.ts`). Topics are in-memory
 * partitioned logs; a record piped to a topic goes to every driven processor that reads it, and what
 * they emit goes on to the processors that read their outputs (chaining), in emit order.
 *
 * Every value is encoded with its topic's codec (Avro with the schema from `schemas/`, or JSON) and
 * decoded again, so a processor that emits a value its output schema refuses gets a dead letter (see
 * {@link TestDriver.deadLetters}) instead of an output, exactly as in production.
 */
import type { LogRecord } from '../log/contract.js';
import { partitionForKey } from '../log/partitioner.js';
import { topicCatalogue } from '../topics.js';
import type { DeadLetter } from '../../schemas/generated/types.js';
import {
  changelogTopic,
  jsonTopic,
  lateTopic,
  type KeyValueStore,
  type ProcessorDefinition,
  type TopicSpec,
} from './api.js';
import { createCatalogCodec, type CatalogCodec } from './catalog-codec.js';
import { createGlobalTable, type MutableGlobalTable } from './tables.js';
import { createTask, deadLetterSpec, outputPartition, storeNamesOf, type Task } from './task.js';

/** A record to pipe in. A Buffer value is taken as the raw bytes (to test decode failures). */
export interface TestInputRecord<V = unknown> {
  readonly key: string | null;
  readonly value: V | Buffer | null;
  /** Log timestamp (epoch ms); default: 0. */
  readonly timestamp?: number;
  /** Default: murmur2 of the key over the topic's partitions (partition 0 for null keys). */
  readonly partition?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A record as read back from a topic. */
export interface TestOutputRecord<V = unknown> {
  readonly key: string | null;
  readonly value: V;
  readonly timestamp: number;
  readonly partition: number;
  readonly offset: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** Options of {@link createTestDriver}. */
export interface TestDriverOptions {
  /** Raw config given to every processor's `parseConfig` (or passed as is without one). */
  readonly config?: unknown;
  /** Raw config per processor name (wins over `config`). */
  readonly configs?: Readonly<Record<string, unknown>>;
  /**
   * Partitions of topics: one number for every topic, or per topic name. Default: the topic's count in
   * `pipeline/topics.ts`, else 1. Internal topics (changelogs) follow their processor's first input.
   */
  readonly partitions?: number | Readonly<Record<string, number>>;
  /** Wall clock for the `failedAt` of dead letters (default: always 0, so dead letters compare equal). */
  readonly now?: () => number;
}

/** The driver. */
export interface TestDriver {
  /** Appends records to a topic and runs every processor that reads it (and what follows) to completion. */
  pipe<V>(topic: string, records: readonly TestInputRecord<V>[]): void;
  /** Loads entries into a global table by its name in the processors' `tables` (null value: delete). */
  table<V>(name: string, entries: readonly { readonly key: string; readonly value: V | null }[]): void;
  /** Every record of a topic, decoded, in append (emit) order across partitions. */
  read<V = unknown>(topic: string): TestOutputRecord<V>[];
  /** Dead letters of a processor (default: the first), decoded DeadLetter values with their headers. */
  deadLetters(processor?: string): TestOutputRecord<DeadLetter>[];
  /** Records sent to the late side output of a processor (default: the first). */
  late(processor?: string): TestOutputRecord<Record<string, unknown>>[];
  /** A task's store (read it in assertions; writes bypass the changelog). */
  store<V = unknown>(task: number, name: string, processor?: string): KeyValueStore<V>;
  /** A task's watermark (-Infinity before its first record). */
  watermark(task: number, processor?: string): number;
  /** Counters summed over tasks: records-in, records-out, dead-letters, late, timers and the processor's own. */
  counters(processor?: string): Record<string, number>;
  /**
   * Tells every task (of every input partition) of the processors (default: all) with `onIdle` that
   * it is idle, as the runner does once a task read its input to the end and had no records for a
   * while (`idleForMs`, default 60 000); what they emit flows on.
   */
  idle(options?: { readonly processor?: string; readonly idleForMs?: number }): void;
  /** Closes every task and rebuilds it from its changelogs, as after a crash (topics are kept). */
  restart(): void;
  /** Closes every task. */
  close(): void;
}

interface Driven {
  readonly definition: ProcessorDefinition<unknown, unknown>;
  readonly config: unknown;
  readonly tasks: Map<number, Task>;
  readonly tables: Map<string, MutableGlobalTable>;
  readonly counters: Map<string, number>;
  readonly specs: Map<string, TopicSpec>;
}

/** Creates a driver for one processor, or several chained through their topics. */
export function createTestDriver(
  definitions: ProcessorDefinition<any, any> | readonly ProcessorDefinition<any, any>[], // eslint-disable-line @typescript-eslint/no-explicit-any
  options: TestDriverOptions = {},
): TestDriver {
  const list = (Array.isArray(definitions) ? definitions : [definitions]) as ProcessorDefinition<unknown, unknown>[];
  if (list.length === 0) throw new Error('createTestDriver needs at least one processor definition.');
  const codec: CatalogCodec = createCatalogCodec();
  const now = options.now ?? (() => 0);
  const topics = new Map<string, LogRecord[][]>();
  const specs = new Map<string, TopicSpec>();
  let appendCounter = 0;
  const appendOrder = new Map<LogRecord, number>();

  const driven = new Map<string, Driven>();
  for (const definition of list) {
    if (driven.has(definition.name)) throw new Error(`Processor "${definition.name}" is given twice.`);
    const raw = options.configs?.[definition.name] ?? options.config;
    const config = definition.parseConfig ? definition.parseConfig(raw) : raw;
    const own = new Map<string, TopicSpec>();
    const register = (spec: TopicSpec): void => {
      own.set(spec.topic, spec);
      const known = specs.get(spec.topic);
      if (known && JSON.stringify(known.codec) !== JSON.stringify(spec.codec)) {
        throw new Error(`Topic "${spec.topic}" has two codecs among the processors: ${JSON.stringify([known, spec])}.`);
      }
      specs.set(spec.topic, spec);
    };
    [...definition.inputs, ...definition.outputs, ...Object.values(definition.tables ?? {})].forEach(register);
    register(deadLetterSpec(definition.name));
    register(jsonTopic(lateTopic(definition.name)));
    for (const store of storeNamesOf(definition)) register(jsonTopic(changelogTopic(definition.name, store)));
    const tables = new Map(Object.keys(definition.tables ?? {}).map((name) => [name, createGlobalTable()]));
    driven.set(definition.name, { definition, config, tasks: new Map(), tables, counters: new Map(), specs: own });
  }
  const first = list[0]!.name;

  function partitionsOf(topic: string): number {
    const given = options.partitions;
    if (typeof given === 'number') return given;
    if (given?.[topic] !== undefined) return given[topic]!;
    const known = topicCatalogue.find((definition) => definition.name === topic);
    if (known) return known.partitions;
    for (const { definition } of driven.values()) {
      const internal = storeNamesOf(definition).some((store) => changelogTopic(definition.name, store) === topic);
      if (internal) return partitionsOf(definition.inputs[0]!.topic);
    }
    return 1;
  }

  function specOf(topic: string): TopicSpec {
    const spec = specs.get(topic);
    if (!spec) {
      throw new Error(
        `Topic "${topic}" is not an input, output or table of the driven processors (${[...driven.keys()].join(', ')}).`,
      );
    }
    return spec;
  }

  function partitionsArray(topic: string): LogRecord[][] {
    let partitions = topics.get(topic);
    if (!partitions) {
      partitions = Array.from({ length: partitionsOf(topic) }, () => []);
      topics.set(topic, partitions);
    }
    return partitions;
  }

  function append(
    topic: string,
    record: {
      key: string | Buffer | null;
      value: Buffer | null;
      timestamp: number;
      headers: Record<string, string>;
      partition?: number;
    },
    task: number,
  ): LogRecord {
    const partitions = partitionsArray(topic);
    const partition = record.partition ?? outputPartition(record.key, partitions.length, task);
    if (partition < 0 || partition >= partitions.length) {
      throw new Error(`Topic "${topic}" has ${partitions.length} partition(s); partition ${partition} does not exist.`);
    }
    const headers: Record<string, Buffer> = {};
    for (const [name, value] of Object.entries(record.headers)) headers[name] = Buffer.from(value, 'utf8');
    const log: LogRecord = {
      topic,
      partition,
      offset: partitions[partition]!.length,
      key: record.key === null ? null : Buffer.from(record.key),
      value: record.value,
      headers,
      timestamp: record.timestamp,
    };
    partitions[partition]!.push(log);
    appendOrder.set(log, appendCounter++);
    return log;
  }

  function taskOf(processor: Driven, partition: number): Task {
    let task = processor.tasks.get(partition);
    if (task) return task;
    task = createTask({
      definition: processor.definition,
      config: processor.config,
      task: partition,
      encode: (spec, value) => codec.encode(spec, value),
      table: (name) => processor.tables.get(name)!,
      now,
    });
    for (const store of task.storeNames) {
      const changelog = topics.get(changelogTopic(processor.definition.name, store))?.[partition] ?? [];
      for (const record of changelog) {
        task.restore(store, record.key!.toString('utf8'), record.value === null ? null : record.value.toString('utf8'));
      }
    }
    task.open();
    processor.tasks.set(partition, task);
    return task;
  }

  /** Delivers a record to every processor reading its topic; returns records they appended. */
  function deliver(record: LogRecord): LogRecord[] {
    const appended: LogRecord[] = [];
    for (const processor of driven.values()) {
      const { definition } = processor;
      for (const [name, spec] of Object.entries(definition.tables ?? {})) {
        if (spec.topic !== record.topic || record.key === null) continue;
        processor.tables
          .get(name)!
          .apply(record.key.toString('utf8'), record.value === null ? null : codec.decode(spec, record.value));
      }
      const input = definition.inputs.find((spec) => spec.topic === record.topic);
      if (!input) continue;
      const task = taskOf(processor, record.partition);
      let value: unknown = null;
      let failure: unknown;
      try {
        value = record.value === null ? null : codec.decode(input, record.value);
      } catch (error) {
        failure = error;
      }
      if (failure === undefined) task.process(record, value);
      else task.fail(record, failure);
      appended.push(...collect(processor, task, record.timestamp));
    }
    return appended;
  }

  /** Appends what a task produced (outputs, changelogs) and counts it; returns the outputs appended. */
  function collect(processor: Driven, task: Task, timestamp: number): LogRecord[] {
    const appended: LogRecord[] = [];
    const batch = task.drain();
    for (const [event, by] of batch.counts) processor.counters.set(event, (processor.counters.get(event) ?? 0) + by);
    for (const output of batch.outputs) appended.push(append(output.topic, output.record, task.task));
    for (const { topic, changes } of batch.changelog) {
      for (const change of changes) {
        append(
          topic,
          {
            key: change.key,
            value: change.value === null ? null : Buffer.from(change.value),
            timestamp,
            headers: {},
            partition: task.task,
          },
          task.task,
        );
      }
    }
    return appended;
  }

  function run(records: LogRecord[]): void {
    const queue = [...records];
    for (let record = queue.shift(); record; record = queue.shift()) queue.push(...deliver(record));
  }

  function processorOf(name: string = first): Driven {
    const processor = driven.get(name);
    if (!processor) throw new Error(`No driven processor "${name}" (driven: ${[...driven.keys()].join(', ')}).`);
    return processor;
  }

  function read<V>(topic: string): TestOutputRecord<V>[] {
    const spec = specOf(topic);
    const records = (topics.get(topic) ?? []).flat().sort((a, b) => appendOrder.get(a)! - appendOrder.get(b)!);
    return records.map((record) => ({
      key: record.key === null ? null : record.key.toString('utf8'),
      value: (record.value === null ? null : codec.decode(spec, record.value)) as V,
      timestamp: record.timestamp,
      partition: record.partition,
      offset: record.offset,
      headers: Object.fromEntries(
        Object.entries(record.headers).map(([name, value]) => [name, value.toString('utf8')]),
      ),
    }));
  }

  return {
    pipe(topic, records) {
      const spec = specOf(topic);
      const partitions = partitionsOf(topic);
      const appended = records.map((record) =>
        append(
          topic,
          {
            key: record.key,
            value:
              record.value === null
                ? null
                : Buffer.isBuffer(record.value)
                  ? record.value
                  : codec.encode(spec, record.value),
            timestamp: record.timestamp ?? 0,
            headers: { ...(record.headers ?? {}) },
            partition: record.partition ?? (record.key === null ? 0 : partitionForKey(record.key, partitions)),
          },
          0,
        ),
      );
      for (const record of appended) run([record]);
    },
    table(name, entries) {
      const owners = [...driven.values()].filter((processor) => processor.definition.tables?.[name]);
      if (owners.length === 0) throw new Error(`No driven processor has a table "${name}".`);
      const spec = owners[0]!.definition.tables![name]!;
      for (const entry of entries) {
        const value = entry.value === null ? null : codec.encode(spec, entry.value);
        const record = append(spec.topic, { key: entry.key, value, timestamp: 0, headers: {} }, 0);
        run([record]);
      }
    },
    read,
    deadLetters(processor) {
      return read<DeadLetter>(deadLetterSpec(processorOf(processor).definition.name).topic);
    },
    late(processor) {
      return read<Record<string, unknown>>(lateTopic(processorOf(processor).definition.name));
    },
    store<V>(task: number, name: string, processor?: string) {
      const owner = processorOf(processor);
      return taskOf(owner, task).store(name) as unknown as KeyValueStore<V>;
    },
    watermark(task, processor) {
      return taskOf(processorOf(processor), task).watermark;
    },
    counters(processor) {
      return Object.fromEntries(processorOf(processor).counters);
    },
    idle(options = {}) {
      const selected = options.processor === undefined ? [...driven.values()] : [processorOf(options.processor)];
      for (const processor of selected) {
        const partitions = partitionsOf(processor.definition.inputs[0]!.topic);
        for (let partition = 0; partition < partitions; partition++) {
          const task = taskOf(processor, partition);
          if (!task.idles || !task.idle(options.idleForMs ?? 60_000)) continue;
          run(collect(processor, task, 0));
        }
      }
    },
    restart() {
      for (const processor of driven.values()) {
        for (const task of processor.tasks.values()) task.close();
        processor.tasks.clear();
      }
    },
    close() {
      for (const processor of driven.values()) for (const task of processor.tasks.values()) task.close();
    },
  };
}
