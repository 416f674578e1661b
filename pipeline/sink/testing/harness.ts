/**
 * Test support for the sink runtime's tests: an embedded log in a temporary directory with an
 * in-memory schema store, JSON test records, a recorder of commits, and bounded waiting.
 */
import { createEmbeddedSchemaStore, createAvroSerde, type AvroSerde } from '../../serde/index.js';
import type { Consumer, EventLog, LogRecord, TopicPartitionOffset } from '../../log/contract.js';
import { temporaryLog, type TemporaryLog } from '../../log/embedded/testing/temporary-log.js';
import Database from '../../sqlite.js';

/** A log, a serde and cleanup. */
export interface SinkTestBed {
  readonly log: EventLog;
  readonly serde: AvroSerde;
  readonly files: TemporaryLog;
  close(): Promise<void>;
}

/** An embedded log in a temporary directory, with an embedded schema store in its own database. */
export function sinkTestBed(): SinkTestBed {
  const files = temporaryLog();
  const log = files.open();
  const database = new Database(':memory:');
  const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database }) });
  return {
    log,
    serde,
    files,
    async close() {
      await files.remove();
      database.close();
    },
  };
}

/** Appends JSON values `{ eventId: "<prefix>-<i>", n: i }` for i in [from, to), to `partition`. */
export async function appendJson(
  log: EventLog,
  topic: string,
  { from = 0, to, partition = 0, prefix = 'event' }: { from?: number; to: number; partition?: number; prefix?: string },
): Promise<void> {
  const producer = await log.producer();
  const records = [];
  for (let i = from; i < to; i++) {
    records.push({ key: `k${i}`, value: Buffer.from(JSON.stringify({ eventId: `${prefix}-${i}`, n: i })), partition });
  }
  await producer.send(topic, records);
  await producer.close();
}

/** A log whose consumers record every commit call (to check commit order). */
export function recordingCommits(log: EventLog, commits: TopicPartitionOffset[][]): EventLog {
  return wrapConsumers(log, (consumer) => ({
    commit: async (offsets) => {
      await consumer.commit(offsets);
      commits.push([...offsets]);
    },
  }));
}

/** A log whose consumers' first `failures` polls throw `error` (a broker restart, say). */
export function failingPolls(log: EventLog, failures: number, error: () => Error): EventLog {
  let left = failures;
  return wrapConsumers(log, (consumer) => ({
    poll: async (timeout) => {
      if (left > 0) {
        left--;
        throw error();
      }
      return consumer.poll(timeout);
    },
  }));
}

/** A log whose consumers have some methods replaced by `override`. */
function wrapConsumers(log: EventLog, override: (consumer: Consumer) => Partial<Consumer>): EventLog {
  return new Proxy(log, {
    get(target, property, receiver) {
      if (property !== 'consumer') return Reflect.get(target, property, receiver) as unknown;
      return async (...args: Parameters<EventLog['consumer']>): Promise<Consumer> => {
        const consumer = await target.consumer(...args);
        return {
          poll: (timeout) => consumer.poll(timeout),
          commit: (offsets) => consumer.commit(offsets),
          seek: (position) => consumer.seek(position),
          assignment: () => consumer.assignment(),
          pause: (partitions) => consumer.pause(partitions),
          resume: (partitions) => consumer.resume(partitions),
          close: () => consumer.close(),
          ...override(consumer),
        };
      };
    },
  });
}

/** Waits until `condition()` holds, polling every 10 ms; throws with `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every record of a topic (all partitions), read by a throwaway group. */
export async function readAll(
  log: EventLog,
  topic: string,
  expected: number,
  timeoutMs = 10_000,
): Promise<LogRecord[]> {
  const consumer = await log.consumer({ groupId: `reader-${Date.now()}-${Math.random()}`, topics: [topic] });
  const records: LogRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    while (records.length < expected && Date.now() < deadline) records.push(...(await consumer.poll(200)));
    // One more short poll: more than expected must show.
    records.push(...(await consumer.poll(100)));
  } finally {
    await consumer.close();
  }
  return records;
}
