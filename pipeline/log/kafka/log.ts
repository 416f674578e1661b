/**
 * `createKafkaLog`: the EventLog contract on a Kafka cluster (kafkajs 2.2). One kafkajs client per
 * log; one admin connection shared by topic and offset queries; a kafkajs producer or consumer
 * per handle the caller opens. With `client: librdkafka`, plain producers run on librdkafka's
 * native API instead (`rdkafka/`); consumers, transactions and the admin stay on kafkajs. See README.md.
 */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { PipelineError } from '../../errors/index.js';
import type { EventLog } from '../contract.js';
import { parseKafkaLogConfig, type KafkaLogConfig, type KafkaLogConfigInput } from './config.js';
import { clientConfig, describeConnection } from './connection.js';
import { openKafkaConsumer } from './consumer.js';
import { kafkaError } from './errors.js';
import { kafkajsLogCreator, silentLogger, type LogSink } from './logging.js';
import { createKafkaOffsets } from './offsets.js';
import { openKafkaProducer } from './producer.js';
import { createPartitionChooser } from './records.js';
import { createKafkaTopics } from './topics.js';
import { openKafkaTransactionalProducer } from './transactions.js';
import { loadRdkafka, type RdkafkaModule } from './rdkafka/module.js';
import { openRdkafkaProducer } from './rdkafka/producer.js';
import { producerProperties } from './rdkafka/properties.js';

/** What the Kafka backend takes from its surroundings; every field has a default. */
export interface KafkaLogDeps {
  /** Environment variables secrets are read from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads secret and PEM files (default: `fs.readFileSync(path, 'utf8')`). */
  readonly readFile?: (path: string) => string;
  /** Epoch-ms clock for default record timestamps and cache ages (default `Date.now`). */
  readonly clock?: () => number;
  /** Receives the backend's and kafkajs's log lines (default: dropped). */
  readonly logger?: LogSink;
  /** Lowest kafkajs level forwarded to `logger` (default `warn`). */
  readonly clientLogLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** Loads `@confluentinc/kafka-javascript` when `client` is librdkafka (default: `require`; tests inject a failing one). */
  readonly loadRdkafka?: () => RdkafkaModule;
}

const levels = { error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG } as const;
const component = 'log.kafka';

/**
 * The Kafka backend. `config` is validated first (ConfigError naming each bad field) and secrets
 * are read at once; nothing connects until the first call that needs the cluster.
 */
export function createKafkaLog(config: KafkaLogConfigInput, deps: KafkaLogDeps = {}): EventLog {
  const settings: KafkaLogConfig = parseKafkaLogConfig(config);
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? Date.now;
  const connection = describeConnection(settings);
  const environment = {
    env: deps.env ?? process.env,
    readFile: deps.readFile ?? ((path: string) => readFileSync(path, 'utf8')),
  };
  // librdkafka for plain producers: load the binding and check its properties now, so that a
  // missing native build or an unsupported setting is a ConfigError at start, not at the first send.
  let rdkafka: RdkafkaModule | undefined;
  if (settings.client === 'librdkafka') {
    rdkafka = (deps.loadRdkafka ?? loadRdkafka)();
    producerProperties(settings, environment, settings.producer.batchMaxBytes);
  }
  const kafka = new Kafka({
    ...clientConfig(settings, environment),
    logLevel: levels[deps.clientLogLevel ?? 'warn'],
    logCreator: kafkajsLogCreator(logger),
  });
  if (settings.sasl?.mechanism === 'plain' && !settings.tls) {
    logger.warn(
      { brokers: settings.brokers },
      'SASL PLAIN without TLS sends the password in clear text; configure kafka.tls.',
    );
  }

  let adminConnection: Promise<Admin> | undefined;
  const admin = (): Promise<Admin> => {
    adminConnection ??= (async () => {
      const client = kafka.admin({ retry: { retries: settings.retry.retries } });
      try {
        await client.connect();
        return client;
      } catch (error) {
        await client.disconnect().catch(() => undefined);
        throw error;
      }
    })();
    adminConnection.catch(() => (adminConnection = undefined));
    return adminConnection;
  };

  const topics = createKafkaTopics({
    admin,
    connection,
    replicationFactor: settings.replicationFactor,
    topicConfigs: settings.topicConfigs,
    clock,
  });
  const offsets = createKafkaOffsets({ admin, topics, connection });
  const choosePartitions = createPartitionChooser();
  const open = new Set<{ close(): Promise<void> }>();
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new PipelineError('This Kafka event log is closed.', { stage: 'log', component });
  };
  /** Opens a handle that is closed with the log. */
  const track = async <T extends { close(): Promise<void> }>(
    openHandle: (onClose: () => void) => Promise<T>,
  ): Promise<T> => {
    ensureOpen();
    // A handle that fails while opening calls onClose before it exists: there is nothing to forget then.
    const opened: { handle?: T } = {};
    const handle = await openHandle(() => {
      if (opened.handle !== undefined) open.delete(opened.handle);
    });
    opened.handle = handle;
    open.add(handle);
    return handle;
  };
  const sendDeps = { topics, connection, clock, config: settings, choosePartitions };

  return {
    backend: 'kafka',

    async createTopics(configs) {
      ensureOpen();
      await topics.create(configs);
    },
    async listTopics() {
      ensureOpen();
      return topics.list();
    },
    async describeTopic(name) {
      ensureOpen();
      return topics.describe(name);
    },
    async deleteTopics(names) {
      ensureOpen();
      await topics.delete(names);
    },

    producer() {
      if (rdkafka !== undefined) {
        const module = rdkafka;
        return track((onClose) => openRdkafkaProducer({ ...sendDeps, module, environment, logger, onClose }));
      }
      return track((onClose) => openKafkaProducer({ ...sendDeps, kafka, onClose }));
    },
    // Transactions stay on kafkajs with either client: TransactionalProducer.sendOffsets takes a
    // group id, and librdkafka's sendOffsetsToTransaction needs the (kafkajs) consumer object.

    transactionalProducer(transactionalId) {
      return track((onClose) => openKafkaTransactionalProducer({ ...sendDeps, kafka, onClose }, transactionalId));
    },
    consumer(options) {
      return track((onClose) =>
        openKafkaConsumer({ kafka, admin, topics, connection, config: settings, logger, onClose }, options),
      );
    },

    async offsetsForTimestamp(topic, timestamp) {
      ensureOpen();
      return offsets.offsetsForTimestamp(topic, timestamp);
    },
    async endOffsets(topic) {
      ensureOpen();
      return offsets.endOffsets(topic);
    },
    async lag(groupId, topic) {
      ensureOpen();
      return offsets.lag(groupId, topic);
    },

    async close() {
      if (closed) return;
      closed = true;
      const results = await Promise.allSettled([...open].map((handle) => handle.close()));
      const pending = adminConnection;
      adminConnection = undefined;
      if (pending) await (await pending.catch(() => undefined))?.disconnect();
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw kafkaError(failed.reason, { connection, action: 'close the event log' });
    },
  };
}
