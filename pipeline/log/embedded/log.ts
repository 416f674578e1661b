/**
 * `createEmbeddedLog`: the EventLog contract on one local SQLite file, for one machine and any
 * number of processes on it. See README.md for the file layout, groups and durability.
 */
import { PipelineError } from '../../errors/index.js';
import type { EventLog, TopicPartitionOffset } from '../contract.js';
import { createAppend } from './appender.js';
import { createConsumer } from './consumer.js';
import { createGroupCommit } from './group-commit.js';
import { createGroups } from './groups.js';
import { createMaintenance, type MaintenanceReport } from './maintenance.js';
import { createProducer } from './producer.js';
import { createReader } from './reader.js';
import { createAppendSignal } from './signal.js';
import { checkConsumerOptions, checkOptions, type EmbeddedLogOptions } from './options.js';
import { openStore } from './store.js';
import { createWalSync } from './wal-sync.js';
import { createTopics } from './topics.js';
import { createTransactionalProducer } from './transactions.js';
import { createWriteThread } from './write-thread.js';

export type { EmbeddedLogOptions } from './options.js';

/** The embedded log: the EventLog contract plus maintenance and checks of the file. */
export interface EmbeddedEventLog extends EventLog {
  readonly backend: 'embedded';
  /** Absolute path of the log file. */
  readonly path: string;
  /** Runs retention and compaction now (the background timer calls the same). */
  maintain(): Promise<MaintenanceReport>;
  /** SQLite's integrity check of the whole file: an empty list when it is sound. Reads everything. */
  checkIntegrity(): Promise<string[]>;
}

const component = 'log.embedded';

/** Opens (or creates) the embedded log at `options.path`. Throws ConfigError for a file that is not a log. */
export function createEmbeddedLog(options: EmbeddedLogOptions): EmbeddedEventLog {
  const settings = checkOptions(options);
  // syncOffLoop: SQLite commits without fsync (NORMAL) and the group commit fsyncs the WAL off the loop.
  const offLoop = settings.syncOffLoop && settings.synchronous === 'full';
  const store = openStore({
    path: options.path,
    clock: settings.clock,
    synchronous: offLoop ? 'normal' : settings.synchronous,
    busyTimeoutMs: settings.busyTimeoutMs,
  });
  const walSync = offLoop ? createWalSync(store.path) : undefined;
  const topics = createTopics(store);
  const reader = createReader(store);
  const groups = createGroups(store, topics);
  const append = createAppend(store);
  const signal = createAppendSignal();
  const groupCommit = createGroupCommit(store, signal.notify, setImmediate, walSync);
  const writeThread = settings.writeThread
    ? createWriteThread({
        path: store.path,
        synchronous: settings.synchronous,
        busyTimeoutMs: settings.busyTimeoutMs,
        onCommitted: signal.notify,
      })
    : undefined;
  // Transactions group only the commits issued in the same run of promise jobs (a processor's tasks of
  // one batch), written before any timer or I/O callback: a process's interleaving of transactional
  // writers stays as it was with one SQLite transaction per commit (replays stay byte-identical).
  const transactionCommit = createGroupCommit(store, signal.notify, (flush) => process.nextTick(flush), walSync);
  const maintain = createMaintenance(store, topics, reader, { tombstoneRetentionMs: settings.tombstoneRetentionMs });
  const open = new Set<{ close(): Promise<void> }>();
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new PipelineError(`The embedded log ${store.path} is closed.`, { stage: 'log', component });
  };
  /** Keeps what the log handed out until it closes, so that `close()` closes it too. */
  const track = <T extends { close(): Promise<void> }>(create: (onClose: () => void) => T): T => {
    const handle: T = create(() => open.delete(handle));
    open.add(handle);
    return handle;
  };

  let maintaining: Promise<unknown> | undefined;
  const timer =
    settings.maintenanceIntervalMs > 0
      ? setInterval(() => {
          if (maintaining) return;
          maintaining = maintain()
            .catch(settings.onMaintenanceError)
            .finally(() => (maintaining = undefined));
        }, settings.maintenanceIntervalMs)
      : undefined;
  timer?.unref();

  return {
    backend: 'embedded',
    path: store.path,

    async createTopics(configs) {
      ensureOpen();
      topics.create(configs);
    },
    async listTopics() {
      ensureOpen();
      return topics.names();
    },
    async describeTopic(name) {
      ensureOpen();
      return topics.describe(name);
    },
    async deleteTopics(names) {
      ensureOpen();
      topics.delete(names);
    },

    async producer() {
      ensureOpen();
      return track((onClose) => createProducer({ store, topics, append, signal, groupCommit, writeThread, onClose }));
    },
    async transactionalProducer(transactionalId) {
      ensureOpen();
      return track((onClose) =>
        createTransactionalProducer(
          { store, topics, append, signal, groupCommit: transactionCommit, groups, onClose },
          transactionalId,
        ),
      );
    },
    async consumer(consumerOptions) {
      ensureOpen();
      const checked = checkConsumerOptions(consumerOptions);
      checked.topics.forEach((topic) => topics.require(topic));
      const membership = groups.membership({
        groupId: checked.groupId,
        memberId: settings.memberId(),
        topics: checked.topics,
        sessionTimeoutMs: checked.sessionTimeoutMs,
      });
      return track((onClose) =>
        createConsumer(
          { store, reader, membership, signal, pollIntervalMs: settings.pollIntervalMs, onClose },
          checked,
        ),
      );
    },

    async offsetsForTimestamp(topicName, timestamp) {
      ensureOpen();
      const topic = topics.require(topicName);
      return topics.partitions(topic).map((partition): TopicPartitionOffset => ({
        topic: topicName,
        partition: partition.partition,
        offset: reader.offsetForTimestamp(partition, timestamp),
      }));
    },
    async endOffsets(topicName) {
      ensureOpen();
      const topic = topics.require(topicName);
      return topics.partitions(topic).map((partition) => ({
        topic: topicName,
        partition: partition.partition,
        offset: partition.nextOffset,
      }));
    },
    async lag(groupId, topicName) {
      ensureOpen();
      return groups.lag(groupId, topicName);
    },

    async maintain() {
      ensureOpen();
      await maintaining;
      return maintain();
    },
    async checkIntegrity() {
      ensureOpen();
      const result = store.read(
        () => store.db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[],
      );
      return result.map((row) => row.integrity_check).filter((line) => line !== 'ok');
    },

    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      try {
        for (const handle of [...open]) await handle.close().catch(() => undefined);
        await maintaining;
        await writeThread?.close();
        await walSync?.close();
      } finally {
        store.db.close();
      }
    },
  };
}
