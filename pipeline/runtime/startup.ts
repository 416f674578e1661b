/**
 * Start-up steps of the runner: the internal topics of a processor, and its global tables (loaded fully
 * before processing, then followed between batches).
 */
import { ConfigError } from '../errors/index.js';
import type { Consumer, EventLog, TopicConfig } from '../log/contract.js';
import { joinGroup } from './join.js';
import type { Logger } from '../telemetry/logger.js';
import { deadLetterTopic } from '../topics.js';
import { changelogTopic, lateTopic, processorGroup, type GlobalTable, type ProcessorDefinition } from './api.js';
import { readToEnd } from './catch-up.js';
import type { SerdeCodec } from './serde-codec.js';
import { createGlobalTable, type MutableGlobalTable } from './tables.js';
import { deadLetterSpec, storeNamesOf } from './task.js';

const WEEK = 7 * 24 * 60 * 60 * 1000;

/**
 * Creates the changelogs (compacted, as many partitions as the inputs), the DLQ and the late side output
 * when missing; checks the inputs are co-partitioned. Returns the partition count of every topic the
 * processor writes (outputs, DLQ, late) and of its first input.
 */
export async function createInternalTopics(
  log: EventLog,
  processor: ProcessorDefinition<unknown, unknown>,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { topic } of processor.inputs) counts.set(topic, (await log.describeTopic(topic)).partitions);
  const inputPartitions = new Set(counts.values());
  if (inputPartitions.size > 1) throw notCoPartitioned(processor.name, counts);
  const partitions = [...inputPartitions][0]!;
  const internal: TopicConfig[] = [
    ...storeNamesOf(processor).map((store) => ({
      name: changelogTopic(processor.name, store),
      partitions,
      compacted: true,
      retentionMs: -1,
    })),
    (({ name, partitions: count, retentionMs }) => ({ name, partitions: count, retentionMs }))(
      deadLetterTopic(processor.name),
    ),
    { name: lateTopic(processor.name), partitions, retentionMs: WEEK },
  ];
  await log.createTopics(internal);
  for (const topic of [...processor.outputs.map((spec) => spec.topic), deadLetterSpec(processor.name).topic]) {
    counts.set(topic, (await log.describeTopic(topic)).partitions);
  }
  counts.set(lateTopic(processor.name), partitions);
  return counts;
}

/** The global tables of a runner. */
export interface GlobalTables {
  table(name: string): GlobalTable<unknown>;
  /** Takes in what arrived on the table topics since the last call (does not wait). */
  follow(): Promise<void>;
  close(): Promise<void>;
}

/** Loads every table of the processor to the end of its topic, then keeps a consumer to follow them. */
export async function loadGlobalTables(input: {
  readonly log: EventLog;
  readonly processor: ProcessorDefinition<unknown, unknown>;
  readonly codec: SerdeCodec;
  readonly instanceId: string;
  readonly idleMs: number;
  readonly logger: Logger;
}): Promise<GlobalTables> {
  const { log, processor, codec } = input;
  const entries = Object.entries(processor.tables ?? {});
  const tables = new Map<string, MutableGlobalTable>(entries.map(([name]) => [name, createGlobalTable()]));
  const byTopic = new Map<string, { name: string; spec: (typeof entries)[number][1] }[]>();
  for (const [name, spec] of entries) byTopic.set(spec.topic, [...(byTopic.get(spec.topic) ?? []), { name, spec }]);
  const groupId = `${processorGroup(processor.name)}.tables.${input.instanceId}`;

  async function apply(record: { topic: string; key: Buffer | null; value: Buffer | null }): Promise<void> {
    if (record.key === null) return;
    for (const { name, spec } of byTopic.get(record.topic) ?? []) {
      let value: unknown = null;
      if (record.value !== null) {
        try {
          value = await codec.decode(spec, record.value);
        } catch (error) {
          input.logger.warn(
            { err: error, table: name, topic: record.topic },
            'Skipping a table record that does not decode.',
          );
          continue;
        }
      }
      tables.get(name)!.apply(record.key.toString('utf8'), value);
    }
  }

  let follower: Consumer | undefined;
  // The follower reads from the start too (no gap between load and follow) but skips what the load read.
  const loaded = new Map<string, number>();
  if (byTopic.size > 0) {
    const read = await readToEnd({
      log,
      groupId: `${groupId}.load`,
      topics: [...byTopic.keys()],
      idleMs: input.idleMs,
      onRecord: async (record) => {
        loaded.set(`${record.topic}/${record.partition}`, record.offset);
        await apply(record);
      },
    });
    input.logger.info(
      { processor: processor.name, tables: [...tables.keys()], records: read },
      'Global tables loaded.',
    );
    follower = await joinGroup(log, { groupId, topics: [...byTopic.keys()], startFrom: 'earliest' });
  }

  return {
    table(name) {
      const table = tables.get(name);
      if (!table) throw new Error(`Processor "${processor.name}" has no table "${name}".`);
      return table;
    },
    async follow() {
      if (!follower) return;
      for (const record of await follower.poll(0)) {
        const last = loaded.get(`${record.topic}/${record.partition}`);
        if (last !== undefined && record.offset <= last) continue;
        loaded.delete(`${record.topic}/${record.partition}`);
        await apply(record);
      }
    },
    async close() {
      await follower?.close();
    },
  };
}

/** The error for inputs that are not co-partitioned. */
function notCoPartitioned(name: string, counts: ReadonlyMap<string, number>): ConfigError {
  return new ConfigError(
    `Processor "${name}": its inputs must have the same partition count (co-partitioned), found ` +
      `${[...counts].map(([topic, count]) => `${topic}=${count}`).join(', ')}. Repartition an input first.`,
    { component: `processors.${name}` },
  );
}
