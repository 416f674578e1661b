/**
 * Topics through the Kafka admin API: idempotent creation with partitions, retention, compaction
 * and record size; description (partition count + topic configs); deletion; and a small cache of
 * what producers need per topic (partition count, record size limit).
 */
import type { Admin, ConfigResourceTypes, ITopicConfig } from 'kafkajs';
import { ConfigError, RetriableError } from '../../errors/index.js';
import type { TopicConfig, TopicDescription } from '../contract.js';
import type { ConnectionDescription } from './connection.js';
import { kafkaError, protocolType, unknownTopic } from './errors.js';
import { validateTopicConfig } from '../topic-config.js';

/** What a producer needs to know about a topic. */
export interface TopicInfo {
  readonly partitions: number;
  /** The topic's max.message.bytes: the largest record batch (framing included) it accepts. */
  readonly maxMessageBytes: number;
  /** The contract's limit: the largest record (key + value + headers) it accepts. */
  readonly maxRecordBytes: number;
}

/** Topic operations of the Kafka backend. */
export interface KafkaTopics {
  create(configs: readonly TopicConfig[]): Promise<void>;
  /** Topic names, without Kafka's internal `__*` topics, sorted. */
  list(): Promise<string[]>;
  describe(name: string): Promise<TopicDescription>;
  delete(names: readonly string[]): Promise<void>;
  /** Partition count and size limit, cached up to `infoMaxAgeMs`; NotFoundError for an unknown topic. */
  info(name: string): Promise<TopicInfo>;
  /** Throws NotFoundError (saying how to create it) for the first topic that does not exist. */
  requireExisting(names: readonly string[]): Promise<void>;
  /** Drops cached info, e.g. after the broker said the topic is gone. */
  forget(name: string): void;
}

/** What {@link createKafkaTopics} needs. */
export interface TopicsDeps {
  admin(): Promise<Admin>;
  readonly connection: ConnectionDescription;
  /** Replication factor of created topics; -1: the brokers' default. */
  readonly replicationFactor: number;
  /** Extra Kafka configs of created topics (config `topicConfigs`). */
  readonly topicConfigs?: Readonly<Record<string, string>>;
  readonly clock: () => number;
  /** How long cached topic info is trusted (ms); partitions added meanwhile are seen after it. */
  readonly infoMaxAgeMs?: number;
  /** How long `delete` waits for the topics to disappear from the metadata (ms). */
  readonly deleteWaitMs?: number;
}

/** The contract's default record size limit, set explicitly so both backends describe the same. */
export const DEFAULT_MAX_RECORD_BYTES = 1_048_576;

/**
 * Kafka's max.message.bytes counts a record batch as encoded: the batch header (61 bytes), each
 * record's varint framing (up to ~36 bytes) and per header two length varints. The contract's
 * maxRecordBytes counts key + value + headers only. Topics are created with max.message.bytes =
 * maxRecordBytes + this allowance, so a record of exactly maxRecordBytes fits (with up to ~100
 * headers), and maxRecordBytes is read back by subtracting it.
 */
export const RECORD_FRAMING_ALLOWANCE = 512;

/** The contract's record limit of a topic with this max.message.bytes. */
export const maxRecordBytesOf = (maxMessageBytes: number): number =>
  Math.max(1, maxMessageBytes - RECORD_FRAMING_ALLOWANCE);

const TOPIC_RESOURCE = 2 as ConfigResourceTypes; // ConfigResourceTypes.TOPIC (not importable from ESM)
const TOPIC_CONFIG_SOURCE = 1; // ConfigSource.TOPIC_CONFIG: set on the topic itself
const component = 'log.kafka';

/** Checks topic configs like the embedded backend does: the same mistakes get the same messages. */
export function validateTopicConfigs(configs: readonly TopicConfig[]): Map<string, TopicConfig> {
  if (!Array.isArray(configs))
    throw new ConfigError('createTopics: expected an array of topic configs.', { component });
  const wanted = new Map<string, TopicConfig>();
  configs.forEach((config, index) => {
    const fail = (field: string, problem: string): never => {
      throw new ConfigError(`topics[${index}].${field} ${problem}`, { component });
    };
    validateTopicConfig(config, index, component);
    const earlier = wanted.get(config.name);
    if (earlier && earlier.partitions !== config.partitions) {
      fail(
        'partitions',
        `conflicts with an earlier entry for topic "${config.name}" (${earlier.partitions} partitions).`,
      );
    }
    wanted.set(config.name, config);
  });
  return wanted;
}

function toKafkaTopic(
  config: TopicConfig,
  replicationFactor: number,
  extra: Readonly<Record<string, string>>,
): ITopicConfig {
  const configEntries = [
    ...Object.entries(extra).map(([name, value]) => ({ name, value })),
    { name: 'cleanup.policy', value: config.compacted ? 'compact' : 'delete' },
    {
      name: 'max.message.bytes',
      value: String((config.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES) + RECORD_FRAMING_ALLOWANCE),
    },
  ];
  if (config.retentionMs !== undefined) configEntries.push({ name: 'retention.ms', value: String(config.retentionMs) });
  return { topic: config.name, numPartitions: config.partitions, replicationFactor, configEntries };
}

function partitionMismatch(name: string, existing: number, wanted: number): ConfigError {
  return new ConfigError(
    `Topic "${name}" already exists with ${existing} partitions, not ${wanted}. ` +
      'Partitions are fixed once a topic exists (keys map to partitions by their number): ' +
      `ask for ${existing}, or create a topic with another name.`,
    { component },
  );
}

/** Waits (bounded) until every partition of `names` has a leader, so that sends right after creation work. */
async function waitForLeaders(admin: Admin, names: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
      const ready = names.every((name) => {
        const partitions = topics.find((topic) => topic.name === name)?.partitions ?? [];
        return partitions.length > 0 && partitions.every((partition) => partition.leader >= 0);
      });
      if (ready) return;
    } catch (error) {
      const type = protocolType(error);
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw error;
    }
    if (Date.now() >= deadline) {
      throw new RetriableError(
        `Created topics ${names.join(', ')}, but their partitions had no leader after ${timeoutMs} ms.`,
        {
          stage: 'log',
          component,
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Topic operations over a lazily connected admin client. */
export function createKafkaTopics(deps: TopicsDeps): KafkaTopics {
  const { connection } = deps;
  const infoMaxAgeMs = deps.infoMaxAgeMs ?? 300_000;
  const cache = new Map<string, { readonly info: TopicInfo; readonly at: number }>();
  const loading = new Map<string, Promise<TopicInfo>>();

  const attempt = async <T>(
    action: string,
    topic: string | undefined,
    work: (admin: Admin) => Promise<T>,
  ): Promise<T> => {
    try {
      return await work(await deps.admin());
    } catch (error) {
      throw kafkaError(error, { connection, action, ...(topic === undefined ? {} : { topic }) });
    }
  };

  const allTopics = (admin: Admin): Promise<string[]> => admin.listTopics();

  const partitionCounts = async (admin: Admin, names: readonly string[]): Promise<Map<string, number>> => {
    if (names.length === 0) return new Map();
    const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
    return new Map(topics.map((topic) => [topic.name, topic.partitions.length]));
  };

  const topicConfigs = async (admin: Admin, name: string): Promise<Map<string, { value: string; source: number }>> => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: TOPIC_RESOURCE, name, configNames: ['cleanup.policy', 'retention.ms', 'max.message.bytes'] }],
    });
    const entries = resources[0]?.configEntries ?? [];
    return new Map(
      entries.map((entry) => [entry.configName, { value: entry.configValue, source: Number(entry.configSource) }]),
    );
  };

  const requireExisting = async (names: readonly string[]): Promise<void> => {
    if (names.every((name) => cache.has(name))) return;
    const existing = new Set(await attempt('list topics', undefined, allTopics));
    const missing = names.find((name) => !existing.has(name));
    if (missing !== undefined) throw unknownTopic(missing, connection);
  };

  const load = async (name: string): Promise<TopicInfo> => {
    await requireExisting([name]);
    return attempt(`read the metadata of topic "${name}"`, name, async (admin) => {
      const [counts, configs] = await Promise.all([partitionCounts(admin, [name]), topicConfigs(admin, name)]);
      const partitions = counts.get(name);
      if (partitions === undefined || partitions === 0) throw unknownTopic(name, connection);
      const maxMessageBytes = Number(
        configs.get('max.message.bytes')?.value ?? DEFAULT_MAX_RECORD_BYTES + RECORD_FRAMING_ALLOWANCE,
      );
      const info = { partitions, maxMessageBytes, maxRecordBytes: maxRecordBytesOf(maxMessageBytes) };
      cache.set(name, { info, at: deps.clock() });
      return info;
    });
  };

  return {
    async create(configs) {
      const wanted = validateTopicConfigs(configs);
      if (wanted.size === 0) return;
      const names = [...wanted.keys()];
      await attempt(`create topics ${names.join(', ')}`, undefined, async (admin) => {
        const existing = new Set(await allTopics(admin));
        const check = async (present: readonly string[]): Promise<void> => {
          const counts = await partitionCounts(admin, present);
          for (const name of present) {
            const count = counts.get(name);
            const config = wanted.get(name)!;
            if (count !== undefined && count !== config.partitions)
              throw partitionMismatch(name, count, config.partitions);
          }
        };
        await check(names.filter((name) => existing.has(name)));
        const missing = names.filter((name) => !existing.has(name));
        if (missing.length === 0) return;
        const created = await admin.createTopics({
          topics: missing.map((name) =>
            toKafkaTopic(wanted.get(name)!, deps.replicationFactor, deps.topicConfigs ?? {}),
          ),
          // kafkajs's own wait gives up when the broker has not heard of the topic yet (KRaft
          // propagates it from the controller a moment later): wait here instead.
          waitForLeaders: false,
        });
        await waitForLeaders(admin, missing);
        // false: another client created some of them meanwhile; theirs must match too.
        if (!created) await check(missing);
      });
      for (const name of names) cache.delete(name);
    },

    async list() {
      const names = await attempt('list topics', undefined, allTopics);
      return names.filter((name) => !name.startsWith('__')).sort();
    },

    async describe(name) {
      await requireExisting([name]);
      return attempt(`describe topic "${name}"`, name, async (admin) => {
        const [counts, configs] = await Promise.all([partitionCounts(admin, [name]), topicConfigs(admin, name)]);
        const retention = configs.get('retention.ms');
        return {
          name,
          partitions: counts.get(name) ?? 0,
          compacted: (configs.get('cleanup.policy')?.value ?? 'delete').split(',').includes('compact'),
          // Like the embedded log: undefined when the topic keeps the cluster's default.
          retentionMs: retention && retention.source === TOPIC_CONFIG_SOURCE ? Number(retention.value) : undefined,
          maxRecordBytes: maxRecordBytesOf(
            Number(configs.get('max.message.bytes')?.value ?? DEFAULT_MAX_RECORD_BYTES + RECORD_FRAMING_ALLOWANCE),
          ),
        };
      });
    },

    async delete(names) {
      if (names.length === 0) return;
      for (const name of names) cache.delete(name);
      await requireExisting(names);
      await attempt(`delete topics ${names.join(', ')}`, undefined, async (admin) => {
        await admin.deleteTopics({ topics: [...names] });
        // Deletion completes asynchronously; wait (bounded) so that a re-create right after works.
        const deadline = deps.clock() + (deps.deleteWaitMs ?? 30_000);
        while (deps.clock() < deadline) {
          const remaining = new Set(await allTopics(admin));
          if (!names.some((name) => remaining.has(name))) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      });
    },

    async info(name) {
      const cached = cache.get(name);
      if (cached && deps.clock() - cached.at < infoMaxAgeMs) return cached.info;
      let pending = loading.get(name);
      if (!pending) {
        pending = load(name).finally(() => loading.delete(name));
        loading.set(name, pending);
      }
      return pending;
    },

    requireExisting,

    forget(name) {
      cache.delete(name);
    },
  };
}
