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
      await admin.createTopics({
        topics: topics.map((topic) => ({ topic, numPartitions: partitions })),
        waitForLeaders: true,
      });
      for (const topic of topics) created.add(topic);
    },
    async count(topic) {
      const offsets = await admin.fetchTopicOffsets(topic);
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
