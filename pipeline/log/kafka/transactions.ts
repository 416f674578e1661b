/**
 * Transactional producer on kafkajs transactions: records and consumed offsets of a
 * read-process-write step become visible together (to read_committed consumers) or not at all.
 *
 * Fencing is by transactional id only: kafkajs commits offsets with TxnOffsetCommit without the
 * consumer's generation (no KIP-447), so keep one stable transactional id per input partition or
 * per processor instance, as with the pre-2.5 Java clients.
 */
import { context } from '@opentelemetry/api';
import type { Kafka, Producer as KafkaProducer, Transaction as KafkaTransaction } from 'kafkajs';
import { PipelineError } from '../../errors/index.js';
import type { Transaction, TransactionalProducer, TopicPartitionOffset } from '../contract.js';
import { createBatcher } from './batcher.js';
import { kafkaError } from './errors.js';
import { compressionOf, murmur2Partitioner, planSend, type SendDeps } from './producer.js';

/** What {@link openKafkaTransactionalProducer} needs. */
export interface TransactionalDeps extends SendDeps {
  readonly kafka: Kafka;
  readonly onClose: () => void;
}

const component = 'log.kafka';

function groupOffsets(
  offsets: readonly TopicPartitionOffset[],
): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new PipelineError(
        `sendOffsets: offset of ${topic}/${partition} must be a whole number ≥ 0 (got ${String(offset)}).`,
        {
          stage: 'log',
          component,
        },
      );
    }
    const partitions = byTopic.get(topic) ?? [];
    partitions.push({ partition, offset: String(offset) });
    byTopic.set(topic, partitions);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/** Connects a transactional producer with a stable `transactionalId`, fencing older producers with that id. */
export async function openKafkaTransactionalProducer(
  deps: TransactionalDeps,
  transactionalId: string,
): Promise<TransactionalProducer> {
  const { config, connection } = deps;
  if (typeof transactionalId !== 'string' || transactionalId.length === 0) {
    throw new PipelineError('transactionalProducer: transactionalId must be a non-empty string, stable per writer.', {
      stage: 'log',
      component,
    });
  }
  const fail = (error: unknown, action: string, topic?: string): PipelineError =>
    kafkaError(error, {
      connection,
      action: `${action} (transactional id "${transactionalId}")`,
      ...(topic ? { topic } : {}),
    });

  const producer: KafkaProducer = deps.kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: murmur2Partitioner,
    transactionTimeout: config.producer.transactionTimeoutMs,
    retry: {
      retries: config.retry.retries,
      initialRetryTime: config.retry.initialRetryTimeMs,
      maxRetryTime: config.retry.maxRetryTimeMs,
    },
  });
  try {
    await producer.connect();
    // Like Java's initTransactions(): registering the id now fences an older producer with the
    // same id and completes its unfinished transaction. An empty abort sends nothing.
    await (await producer.transaction()).abort();
  } catch (error) {
    await producer.disconnect().catch(() => undefined);
    throw fail(error, 'connect a transactional producer');
  }
  const compression = compressionOf(config);
  let open: KafkaTransaction | undefined;
  let closed = false;

  const begin = async (): Promise<Transaction> => {
    if (closed) throw new PipelineError('This transactional producer is closed.', { stage: 'log', component });
    if (open?.isActive()) {
      throw new PipelineError(
        'A transaction is already open on this producer: commit or abort it before beginning another.',
        {
          stage: 'log',
          component,
        },
      );
    }
    let transaction: KafkaTransaction;
    try {
      transaction = await producer.transaction();
    } catch (error) {
      throw fail(error, 'begin a transaction');
    }
    open = transaction;
    // Requests inside a transaction are cut like any other; one at a time, in order.
    const batcher = createBatcher({
      lingerMs: 0,
      requestMaxBytes: config.producer.requestMaxBytes,
      send: (topicMessages) => transaction.sendBatch({ topicMessages, acks: -1, compression }),
    });
    let ended = false;
    const ensureActive = (what: string): void => {
      if (ended)
        throw new PipelineError(`${what}: this transaction has already been committed or aborted.`, {
          stage: 'log',
          component,
        });
    };

    return {
      async send(topic, records) {
        ensureActive('send');
        const plan = await planSend(deps, topic, records, context.active());
        try {
          await batcher.add(topic, plan.messages, plan.partitionBytes);
        } catch (error) {
          throw kafkaError(error, {
            connection,
            action: `send to topic "${topic}" in a transaction`,
            topic,
            record: plan.record,
          });
        }
      },

      async sendOffsets(groupId, offsets) {
        ensureActive('sendOffsets');
        if (offsets.length === 0) return;
        try {
          await transaction.sendOffsets({ consumerGroupId: groupId, topics: groupOffsets(offsets) });
        } catch (error) {
          throw fail(error, `commit offsets of group "${groupId}" in a transaction`);
        }
      },

      async commit() {
        ensureActive('commit');
        ended = true;
        try {
          await batcher.close();
          await transaction.commit();
        } catch (error) {
          throw fail(error, 'commit a transaction');
        }
      },

      async abort() {
        ensureActive('abort');
        ended = true;
        try {
          await batcher.close();
          await transaction.abort();
        } catch (error) {
          throw fail(error, 'abort a transaction');
        }
      },
    };
  };

  return {
    begin,
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (open?.isActive()) await open.abort().catch(() => undefined);
        await producer.disconnect();
      } finally {
        deps.onClose();
      }
    },
  };
}
