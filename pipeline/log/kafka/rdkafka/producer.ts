/**
 * The plain (non-transactional) producer on librdkafka's native API: same checks as the kafkajs
 * producer (`planRecords` in `../plan.ts`: sizes checked, murmur2 partitions chosen here, trace context), then
 * one `produce()` per record (key as bytes, no opaque: reports are matched per partition in
 * produce order, `deliveries.ts`), the send resolving when the last delivery report arrived
 * (offsets come from the reports). librdkafka batches, lingers and pipelines (≤ 5 requests
 * in flight per broker with idempotence, ordered by sequence numbers) on its own threads.
 *
 * Surprises handled here:
 * - librdkafka does not split a record batch the broker refuses as too large, and `batch.size` is
 *   per producer: topics whose max.message.bytes is below `producer.batchMaxBytes` get a native
 *   producer of their own with that `batch.size` (a "lane"; one per distinct limit).
 * - `ERR__QUEUE_FULL` from `produce()` is backpressure: wait for a delivery report, retry the same
 *   record. Sends enqueue one after another, so a blocked send is not overtaken (order per partition).
 * - A fatal error (idempotent producer state lost) or a failed delivery report discards the lane:
 *   its waiting sends fail (the record's own with its error, the others retriably), the next send
 *   opens a new one.
 */
import { context } from '@opentelemetry/api';
import { NotFoundError, PipelineError, RetriableError } from '../../../errors/index.js';
import type { SecretEnvironment } from '../../../config/secret.js';
import type { OutgoingRecord, Producer, TopicPartitionOffset } from '../../contract.js';
import type { LogSink } from '../logging.js';
import { planRecords, type RecordPlan, type SendDeps } from '../plan.js';
import { RECORD_BATCH_OVERHEAD } from '../records.js';
import { createDeliveryQueues, pendingSend, type DeliveryQueues, type PendingSend } from './deliveries.js';
import { rdkafkaCode, rdkafkaError, RdkafkaCode } from './errors.js';
import type { RdkafkaErrorFields, RdkafkaModule, RdkafkaProducer } from './module.js';
import { producerProperties } from './properties.js';

/** What {@link openRdkafkaProducer} needs. */
export interface RdkafkaProducerDeps extends SendDeps {
  /** The loaded binding (`loadRdkafka()`). */
  readonly module: RdkafkaModule;
  /** Where secrets are read from. */
  readonly environment: SecretEnvironment;
  readonly logger: LogSink;
  /** Called once when the producer is closed. */
  readonly onClose: () => void;
  /** Waits for queue space after `ERR__QUEUE_FULL` at most this long before retrying (ms, default 50). */
  readonly queueFullWaitMs?: number;
}

const component = 'log.kafka';

/**
 * A zero-length Buffer whose data pointer is not NULL. The binding hands a Buffer's data pointer
 * to librdkafka, and a fresh `Buffer.alloc(0)` has none: librdkafka then writes a null value (or
 * key) instead of an empty one. A zero-length view into a real allocation keeps "empty" empty.
 */
const EMPTY = Buffer.allocUnsafeSlow(1).subarray(0, 0);

function nonNullEmpty(value: Buffer | null | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  return value.length === 0 ? EMPTY : value;
}

/** Headers as the binding takes them: one single-entry object per header, in order. */
function nativeHeaders(headers: OutgoingRecord['headers']): Record<string, string | Buffer>[] | undefined {
  if (headers === undefined) return undefined;
  return Object.entries(headers).map(([name, value]) => ({ [name]: value }));
}

/**
 * The error a librdkafka log line (severity ≤ 4) reports, for the two causes a failed connect
 * hides behind "broker transport failure": credentials and TLS.
 */
export function diagnose(line: string): RdkafkaErrorFields | undefined {
  const message = line.replace(/^\[thrd:[^\]]*\]:\s*/, '');
  if (/SASL authentication (error|failure)|Authentication failed/i.test(line)) {
    return { code: RdkafkaCode.AUTHENTICATION, message };
  }
  if (/SSL handshake failed|certificate verify failed/i.test(line)) return { code: RdkafkaCode.SSL, message };
  return undefined;
}

/** One native producer ("lane") and the records waiting for its delivery reports. */
interface Lane {
  readonly native: RdkafkaProducer;
  readonly queues: DeliveryQueues;
  /** Set when the lane was discarded: why. Nothing more is produced on it; its reports are ignored. */
  dead: unknown;
}

/** Connects a librdkafka producer (its default lane) and returns the contract's Producer. */
export async function openRdkafkaProducer(deps: RdkafkaProducerDeps): Promise<Producer> {
  const { config, connection, logger } = deps;
  const queueFullWaitMs = deps.queueFullWaitMs ?? 50;
  const lanes = new Map<number, Promise<Lane>>();
  let waiters: (() => void)[] = [];
  const wakeWaiters = (): void => {
    if (waiters.length === 0) return;
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };
  const queueSpace = (): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, queueFullWaitMs);
      waiters.push(() => (clearTimeout(timer), resolve()));
    });

  const connect = (batchBytes: number): Promise<Lane> => {
    // event_cb: librdkafka's log lines reach JavaScript (`event.log`), from which a failed connect learns why.
    const native = new deps.module.Producer({
      ...producerProperties(config, deps.environment, batchBytes),
      event_cb: true,
    });
    const lane: Lane = { native, queues: createDeliveryQueues(), dead: undefined };
    native.on('delivery-report', (error, report) => {
      if (lane.dead === undefined) {
        if (error) {
          // The record's own send gets the error; after a failure the order of later reports is
          // not certain, so every other waiting send fails (retriably) and the lane is replaced.
          lane.queues.settle(report, error);
          const where = `topic "${report.topic}" partition ${report.partition}`;
          discard(
            batchBytes,
            lane,
            new RetriableError(
              `Send aborted: another record of this librdkafka producer failed on ${where} ` +
                `(${String(error.message)}); the producer was replaced. Resend (records may have been written: at-least-once).`,
              { stage: 'log', component, cause: error },
            ),
          );
        } else if (!lane.queues.settle(report)) {
          discard(
            batchBytes,
            lane,
            new RetriableError(
              `librdkafka reported a delivery on topic "${report.topic}" partition ${report.partition} that matches ` +
                'no record waiting there; the producer was replaced. Resend (records may have been written: at-least-once).',
              { stage: 'log', component },
            ),
          );
        }
      }
      wakeWaiters();
    });
    // A failed connect only says "broker transport failure"; the reason (credentials, TLS) came
    // earlier as a log line, and is what the connect error should say.
    let diagnosis: RdkafkaErrorFields | undefined;
    native.on('event.log', (event) => {
      if (event.severity > 4) return;
      logger.warn({ brokers: config.brokers, facility: event.fac }, `librdkafka: ${event.message}`);
      diagnosis = diagnose(event.message) ?? diagnosis;
    });
    native.on('event.error', (error) => {
      // librdkafka reports transient trouble (a broker down) here and retries by itself.
      logger.warn(
        { brokers: config.brokers, code: rdkafkaCode(error), error: String(error.message) },
        'librdkafka error',
      );
      if (error.isFatal === true) discard(batchBytes, lane, error);
    });
    return new Promise<Lane>((resolve, reject) => {
      native.connect({ timeout: config.connectionTimeoutMs + config.authenticationTimeoutMs }, (error) => {
        if (error) {
          try {
            native.disconnect(1000, () => undefined);
          } catch {
            // Never connected: the binding has nothing to disconnect (and says so by throwing).
          }
          return reject(rdkafkaError(diagnosis ?? error, { connection, action: 'connect a producer' }));
        }
        // Delivery reports are handed to JavaScript as they arrive (no poll timer).
        native.setPollInBackground(true);
        resolve(lane);
      });
    });
  };
  const laneFor = (batchBytes: number): Promise<Lane> => {
    let found = lanes.get(batchBytes);
    if (found === undefined) {
      found = connect(batchBytes);
      lanes.set(batchBytes, found);
      found.catch(() => lanes.get(batchBytes) === found && lanes.delete(batchBytes));
    }
    return found;
  };
  /** Fails the lane's waiting sends with `reason`, and replaces the lane for later sends. */
  const discard = (batchBytes: number, lane: Lane, reason: unknown): void => {
    if (lane.dead !== undefined) return;
    lane.dead = reason;
    lane.queues.failAll(reason);
    void lanes.get(batchBytes)?.then((current) => {
      if (current === lane) lanes.delete(batchBytes);
    });
    lane.native.disconnect(5000, () => undefined);
  };

  /** Enqueues every record of a send, waiting for queue space when librdkafka's queue is full. */
  const produceAll = async (lane: Lane, topic: string, plan: RecordPlan, pending: PendingSend): Promise<void> => {
    const { records, partitions, keys, now } = plan;
    const { native, queues } = lane;
    for (let index = 0; index < records.length; index++) {
      const record = records[index]!;
      const value = nonNullEmpty(record.value);
      const key = nonNullEmpty(keys[index]);
      const headers = nativeHeaders(record.headers);
      const partition = partitions[index]!;
      for (;;) {
        if (lane.dead !== undefined) throw lane.dead;
        try {
          // No opaque: the report is matched through the partition's FIFO (see deliveries.ts).
          native.produce(topic, partition, value, key, record.timestamp ?? now, undefined, headers);
          break;
        } catch (error) {
          if (rdkafkaCode(error) !== RdkafkaCode.QUEUE_FULL) throw error;
          await queueSpace();
        }
      }
      // Right after produce() returned: its report cannot have been handled in between (one thread).
      queues.push(topic, partition, pending.state, index, value?.length ?? 0);
    }
  };

  let tail: Promise<void> = Promise.resolve();
  let closed = false;
  await laneFor(config.producer.batchMaxBytes);

  return {
    async send(topic, records): Promise<TopicPartitionOffset[]> {
      if (closed) {
        throw new PipelineError(`send to topic "${topic}": this producer is closed.`, { stage: 'log', component });
      }
      // Read before the first await: only the caller's synchronous context is sure to be theirs.
      const plan = await planRecords(deps, topic, records, context.active());
      const count = plan.records.length;
      if (count === 0) return [];
      const scope = { connection, action: `send to topic "${topic}"`, topic, record: plan.record };
      const pending = pendingSend(count);
      try {
        const lane = await laneFor(plan.partitionBytes + RECORD_BATCH_OVERHEAD);
        const enqueued = tail.then(() => produceAll(lane, topic, plan, pending));
        tail = enqueued.catch(() => undefined);
        await enqueued;
        const offsets = await pending.done;
        const written = new Array<TopicPartitionOffset>(count);
        for (let index = 0; index < count; index++) {
          written[index] = { topic, partition: plan.partitions[index]!, offset: offsets[index]! };
        }
        return written;
      } catch (error) {
        pending.fail(error);
        const mapped = rdkafkaError(error, scope);
        if (mapped instanceof NotFoundError) deps.topics.forget(topic);
        throw mapped;
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        await tail;
        const opened = await Promise.allSettled([...lanes.values()]);
        lanes.clear();
        const timeoutMs = config.requestTimeoutMs;
        for (const result of opened) {
          if (result.status !== 'fulfilled') continue;
          const { native } = result.value;
          await new Promise<void>((resolve) => native.flush(timeoutMs, () => resolve()));
          await new Promise<void>((resolve) => native.disconnect(timeoutMs, () => resolve()));
        }
      } finally {
        deps.onClose();
      }
    },
  };
}
