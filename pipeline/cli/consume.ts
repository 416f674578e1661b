/**
 * `makestream consume <topic>`: prints records as JSON lines, Avro values decoded with their
 * writer's schema (other values as UTF-8 text), from either log backend. It joins a throwaway
 * consumer group and never commits, so it does not disturb the pipeline's own groups.
 */
import { randomUUID } from 'node:crypto';
import { InvalidRecordError } from '../errors/index.js';
import type { LogRecord } from '../log/contract.js';
import { MAGIC_BYTE } from '../serde/index.js';
import type { CommandContext } from './context.js';

/** Options of the consume command. */
export interface ConsumeOptions {
  readonly topic: string;
  /** Start at the oldest retained record instead of only new ones. */
  readonly fromBeginning: boolean;
  /** Stop after this many records. */
  readonly max?: number;
  /** Stop after this long without a record (ms); default: follow until interrupted. */
  readonly timeoutMs?: number;
  /** Print key, partition, offset, timestamp and headers beside the value. */
  readonly meta: boolean;
  /** `ndjson` (one line per record, default) or `pretty` (indented JSON). */
  readonly format: 'ndjson' | 'pretty';
}

/** Runs until `max` records, the idle timeout or an interrupt; exit code 0. */
export async function consume(context: CommandContext, options: ConsumeOptions): Promise<number> {
  const log = context.log();
  await log.describeTopic(options.topic); // NotFoundError with how to create it
  const serde = context.serde();
  const consumer = await log.consumer({
    groupId: `makestream-cli-${randomUUID()}`,
    topics: [options.topic],
    startFrom: options.fromBeginning ? 'earliest' : 'latest',
  });
  let printed = 0;
  let stopped = false;
  void context.interrupted.then(() => {
    stopped = true;
  });
  let lastRecordAt = Date.now();
  try {
    while (!stopped && (options.max === undefined || printed < options.max)) {
      const records = await consumer.poll(250);
      if (records.length === 0) {
        if (options.timeoutMs !== undefined && Date.now() - lastRecordAt >= options.timeoutMs) break;
        continue;
      }
      lastRecordAt = Date.now();
      for (const record of records) {
        if (options.max !== undefined && printed >= options.max) break;
        const value = await decodeValue(record, (bytes) => serde.decode(bytes));
        const shown = options.meta ? { ...metadata(record), value } : value;
        context.stdout.write(`${JSON.stringify(shown, jsonReplacer, options.format === 'pretty' ? 2 : undefined)}\n`);
        printed += 1;
      }
    }
  } finally {
    await consumer.close();
  }
  context.stderr.write(`${printed} record(s) from ${options.topic}.\n`);
  return 0;
}

async function decodeValue(record: LogRecord, decode: (bytes: Buffer) => Promise<unknown>): Promise<unknown> {
  const bytes = record.value;
  if (bytes === null) return null;
  if (bytes.length >= 5 && bytes[0] === MAGIC_BYTE) {
    try {
      return await decode(bytes);
    } catch (error) {
      if (!(error instanceof InvalidRecordError)) throw error;
      // Starts with the magic byte but is not a framed Avro value: show the bytes.
    }
  }
  return printable(bytes);
}

function metadata(record: LogRecord): Record<string, unknown> {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: new Date(record.timestamp).toISOString(),
    key: record.key === null ? null : printable(record.key),
    headers: Object.fromEntries(Object.entries(record.headers).map(([name, value]) => [name, printable(value)])),
  };
}

/** UTF-8 text when the bytes are valid UTF-8 without control characters; base64 otherwise. */
function printable(bytes: Buffer): string | { base64: string } {
  const text = bytes.toString('utf8');
  // eslint-disable-next-line no-control-regex
  return Buffer.from(text, 'utf8').equals(bytes) && !/[\u0000-\u0008\u000e-\u001f]/.test(text)
    ? text
    : { base64: bytes.toString('base64') };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return { base64: value.toString('base64') };
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
    return { base64: Buffer.from((value as { data: number[] }).data).toString('base64') };
  }
  return value;
}
