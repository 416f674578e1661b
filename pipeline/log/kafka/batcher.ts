/**
 * The produce queue: sends (from one or many callers) are packed into produce requests, one
 * request in flight at a time, and each send resolves with its records' offsets once the broker
 * acknowledged all of them.
 *
 * Why a queue of our own: kafkajs writes each partition's messages of a request as ONE record
 * batch, and the broker rejects a batch larger than the topic's max.message.bytes. So requests
 * are cut at `partitionBytes` per partition and `requestMaxBytes` in total. And an idempotent
 * kafkajs producer sends one request per broker at a time anyway; packing the sends that arrive
 * meanwhile into the next request is what makes small concurrent sends fast (Kafka's linger).
 *
 * Order: records leave in the order they were added, so per-partition order holds across sends.
 * A send bigger than one request is split; if a later part fails, the earlier parts stay written
 * (the send rejects; a retry may duplicate them, as at-least-once allows).
 */
import type { Message, RecordMetadata, TopicMessages } from 'kafkajs';
import { PipelineError } from '../../errors/index.js';
import { RECORD_BATCH_OVERHEAD } from './records.js';

/** A record ready to send: its kafkajs message (partition decided) and its estimated encoded size. */
export interface QueuedMessage {
  readonly message: Message & { readonly partition: number };
  readonly bytes: number;
}

/** Options of {@link createBatcher}. */
export interface BatcherOptions {
  /** How long the oldest queued send waits for company before its request goes (ms). */
  readonly lingerMs: number;
  /** Largest request, summed estimated record sizes (bytes). A single larger record still goes, alone. */
  readonly requestMaxBytes: number;
  /** Sends one request (kafkajs `sendBatch`); resolves with one result per partition written. */
  send(topicMessages: TopicMessages[]): Promise<RecordMetadata[]>;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** Queues sends into requests; see the module comment. */
export interface Batcher {
  /**
   * Queues the messages of one send to `topic`; resolves with their offsets, in order. A
   * partition's share of one request stays within `partitionBytes` (record batch header included).
   */
  add(topic: string, messages: readonly QueuedMessage[], partitionBytes: number): Promise<number[]>;
  /** Rejects new sends and resolves once everything queued has been sent or has failed. */
  close(): Promise<void>;
}

interface Entry {
  readonly topic: string;
  readonly messages: readonly QueuedMessage[];
  readonly partitionBytes: number;
  readonly arrivedAt: number;
  readonly offsets: number[];
  taken: number;
  acknowledged: number;
  settled: boolean;
  resolve(offsets: number[]): void;
  reject(error: unknown): void;
}

interface Slot {
  readonly entry: Entry;
  readonly index: number;
}

interface PartitionShare {
  readonly topic: string;
  readonly partition: number;
  bytes: number;
  readonly slots: Slot[];
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A produce queue over `options.send`. */
export function createBatcher(options: BatcherOptions): Batcher {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  let queue: Entry[] = [];
  let pumping: Promise<void> | undefined;
  let closed = false;

  const settle = (entry: Entry, error?: unknown): void => {
    if (entry.settled) return;
    entry.settled = true;
    if (error === undefined) entry.resolve(entry.offsets);
    else entry.reject(error);
  };

  /** Takes a FIFO prefix of the queued messages that fits one request. */
  const build = (): Map<string, PartitionShare> => {
    const shares = new Map<string, PartitionShare>();
    let total = 0;
    let count = 0;
    fill: for (const entry of queue) {
      while (entry.taken < entry.messages.length) {
        const item = entry.messages[entry.taken]!;
        const key = `${entry.topic}\u0000${item.message.partition}`;
        const share = shares.get(key);
        const partitionTotal = (share?.bytes ?? RECORD_BATCH_OVERHEAD) + item.bytes;
        if (count > 0 && (partitionTotal > entry.partitionBytes || total + item.bytes > options.requestMaxBytes))
          break fill;
        const target = share ?? {
          topic: entry.topic,
          partition: item.message.partition,
          bytes: RECORD_BATCH_OVERHEAD,
          slots: [],
        };
        target.bytes = partitionTotal;
        target.slots.push({ entry, index: entry.taken });
        shares.set(key, target);
        entry.taken++;
        total += item.bytes;
        count++;
      }
    }
    queue = queue.filter((entry) => entry.taken < entry.messages.length);
    return shares;
  };

  const dispatch = async (shares: Map<string, PartitionShare>): Promise<void> => {
    const byTopic = new Map<string, Message[]>();
    const entries = new Set<Entry>();
    for (const share of shares.values()) {
      const messages = byTopic.get(share.topic) ?? [];
      for (const slot of share.slots) {
        messages.push(slot.entry.messages[slot.index]!.message);
        entries.add(slot.entry);
      }
      byTopic.set(share.topic, messages);
    }
    try {
      const results = await options.send([...byTopic].map(([topic, messages]) => ({ topic, messages })));
      for (const result of results) {
        const share = shares.get(`${result.topicName}\u0000${result.partition}`);
        const base = Number(result.baseOffset ?? result.offset);
        if (share === undefined || !Number.isSafeInteger(base)) continue;
        share.slots.forEach((slot, position) => {
          slot.entry.offsets[slot.index] = base + position;
          slot.entry.acknowledged++;
        });
        shares.delete(`${result.topicName}\u0000${result.partition}`);
      }
      if (shares.size > 0) {
        const missing = [...shares.values()].map((s) => `${s.topic}/${s.partition}`).join(', ');
        throw new PipelineError(`Kafka acknowledged the produce request without an offset for ${missing}.`, {
          stage: 'log',
          component: 'log.kafka',
        });
      }
      for (const entry of entries) if (entry.acknowledged === entry.messages.length) settle(entry);
    } catch (error) {
      for (const entry of entries) settle(entry, error);
      queue = queue.filter((entry) => !entry.settled);
    }
  };

  const pump = (): void => {
    if (pumping) return;
    pumping = (async () => {
      while (queue.length > 0) {
        const waited = now() - queue[0]!.arrivedAt;
        if (options.lingerMs > 0 && waited < options.lingerMs && queuedBytes() < options.requestMaxBytes) {
          await sleep(options.lingerMs - waited);
        }
        const shares = build();
        if (shares.size > 0) await dispatch(shares);
      }
    })().finally(() => {
      pumping = undefined;
      if (queue.length > 0) pump();
    });
  };

  const queuedBytes = (): number => {
    let bytes = 0;
    for (const entry of queue)
      for (let i = entry.taken; i < entry.messages.length; i++) bytes += entry.messages[i]!.bytes;
    return bytes;
  };

  return {
    add(topic, messages, partitionBytes) {
      if (closed) {
        return Promise.reject(
          new PipelineError('This Kafka producer is closed; create a new one.', {
            stage: 'log',
            component: 'log.kafka',
          }),
        );
      }
      if (messages.length === 0) return Promise.resolve([]);
      return new Promise<number[]>((resolve, reject) => {
        queue.push({
          topic,
          messages,
          partitionBytes,
          arrivedAt: now(),
          offsets: new Array<number>(messages.length),
          taken: 0,
          acknowledged: 0,
          settled: false,
          resolve,
          reject,
        });
        pump();
      });
    },

    async close() {
      closed = true;
      while (pumping) await pumping;
    },
  };
}
