/**
 * Topics on the Kafka cluster for the Kafka clients: created with the run's partition count,
 * counted after each produce phase, deleted at the end of the run (the local broker is shared).
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';

/** The run's topic administration on the cluster. */
export interface KafkaTopicAdmin {
  create(topics: readonly string[]): Promise<void>;
  count(topic: string): Promise<number>;
  /** Deletes every topic this admin created. */
  deleteCreated(): Promise<void>;
  close(): Promise<void>;
}

/** Metadata errors of a topic just created (or a broker just restarted), which settle within seconds. */
const settling = /does not host this topic-partition|not the leader|leader not available|There is no leader/i;

/** Runs `work`, asking again (up to ~10 s) while the broker's metadata for new topics settles. */
async function settled<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 20 || !settling.test(String((error as Error).message))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Connects an admin client to `brokers`. */
export async function openTopicAdmin(brokers: readonly string[], partitions: number): Promise<KafkaTopicAdmin> {
  const admin: Admin = new Kafka({
    brokers: [...brokers],
    clientId: 'makestream-bench',
    logLevel: logLevel.ERROR,
  }).admin();
  await admin.connect();
  const created = new Set<string>();
  return {
    async create(topics) {
      await settled(() =>
        admin.createTopics({
          topics: topics.map((topic) => ({ topic, numPartitions: partitions })),
          waitForLeaders: true,
        }),
      );
      for (const topic of topics) created.add(topic);
    },
    async count(topic) {
      const offsets = await settled(() => admin.fetchTopicOffsets(topic));
      return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
    },
    async deleteCreated() {
      if (created.size === 0) return;
      await admin.deleteTopics({ topics: [...created] });
      created.clear();
    },
    async close() {
      await admin.disconnect();
    },
  };
}
