/**
 * The EventLog contract: what every layer above `pipeline/log` may rely on, whichever backend
 * runs (Kafka for scale, the embedded SQLite log on one machine). Both implementations pass the
 * same conformance suite (`test/conformance/log`).
 *
 * Semantics (Kafka's, so code written against the embedded log behaves the same on Kafka):
 * - A topic has a fixed number of partitions; records are ordered within a partition only.
 * - A keyed record goes to `murmur2(key) % partitions` (Kafka's default partitioner, so Java,
 *   librdkafka and this code agree); an unkeyed one to any partition.
 * - Offsets are per partition, start at 0 and increase by one per record (compaction and
 *   retention leave gaps; transaction markers take offsets on Kafka). A committed offset is the
 *   offset of the NEXT record to read.
 * - Consumers in one group share a topic's partitions; each partition has one owner at a time.
 *   After a crash, records after the last committed offset are delivered again (at-least-once).
 */

/** Header values as given by producers; consumers always see Buffers. */
export type HeaderValue = string | Buffer;

/** How a topic is created. */
export interface TopicConfig {
  /** Topic name: letters, digits, `.`, `_` and `-`, at most 249 characters (Kafka's rule). */
  readonly name: string;
  /** Number of partitions (≥ 1). Fixed once created: keys map to partitions by this number. */
  readonly partitions: number;
  /** Delete records older than this (ms); undefined keeps the backend's default (7 days on Kafka). -1: forever. */
  readonly retentionMs?: number;
  /** Keep only the latest record per key (changelogs, catalogs, checkpoints); every record needs a key. */
  readonly compacted?: boolean;
  /** Largest record accepted (bytes: key + value + header names and values, UTF-8). Default: 1 MiB. */
  readonly maxRecordBytes?: number;
}

/** A topic as it exists. */
export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
  readonly compacted: boolean;
  readonly retentionMs: number | undefined;
  readonly maxRecordBytes: number;
}

/** A record to append. */
export interface OutgoingRecord {
  /** Partitioning key; `null` for none. Strings are UTF-8 encoded. */
  readonly key: string | Buffer | null;
  /** Payload; `null` is a tombstone on compacted topics. */
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
  /** Event time in epoch ms; defaults to the time of the append. */
  readonly timestamp?: number;
  /** Explicit partition, overriding the key's. */
  readonly partition?: number;
}

/** A partition of a topic. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A position in a partition: the offset of the next record to read, or of a written record. */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
}

/**
 * A record as read from the log. Backends may compute `headers` on first access (a getter, as the
 * embedded log does): copy a record field by field, not with a spread.
 */
export interface LogRecord extends TopicPartitionOffset {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer>>;
  /** Epoch ms: the producer's timestamp (create time). */
  readonly timestamp: number;
}

/** Lag of a consumer group on one partition. */
export interface PartitionLag extends TopicPartition {
  /** Committed offset, or undefined when the group never committed on this partition. */
  readonly committed: number | undefined;
  /** Offset the next appended record will get. */
  readonly end: number;
  /** Records not yet committed by the group: `end - committed`, or `end -` the log start offset when it never committed. */
  readonly lag: number;
}

/** Options for {@link EventLog.consumer}. */
export interface ConsumerOptions {
  /** Consumer group: members share partitions and committed offsets. */
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a partition without a committed offset starts: earliest (default) or latest. */
  readonly startFrom?: 'earliest' | 'latest';
  /** Only records of committed transactions (default true). */
  readonly readCommitted?: boolean;
  /** Upper bound of records one `poll` returns (default 500). */
  readonly maxRecords?: number;
  /** A member that has not polled for this long is considered dead and its partitions move (ms, default 10 000). */
  readonly sessionTimeoutMs?: number;
  /**
   * A hint that the caller is done with a poll's key, value and header buffers once it has processed
   * the poll (it decodes them and keeps nothing): the log may then hand out views of one buffer per
   * poll instead of a buffer per record (default false). A caller that keeps a buffer past that
   * must copy it (`Buffer.from(buffer)`), or it keeps the whole poll's memory alive. The embedded
   * log reads ~1.4 µs CPU per record cheaper with it; Kafka ignores it.
   */
  readonly sharedBuffers?: boolean;
}

/** Appends records. */
export interface Producer {
  /**
   * Appends records to one topic and resolves once the log has durably accepted all of them
   * (acks=all on Kafka, a committed SQLite transaction on the embedded log), in order per partition.
   * A record that cannot be accepted (over `maxRecordBytes`, a partition the topic lacks, no key on a
   * compacted topic) rejects the whole call with InvalidRecordError before anything of it is written.
   */
  send(topic: string, records: readonly OutgoingRecord[]): Promise<TopicPartitionOffset[]>;
  close(): Promise<void>;
}

/** A read-process-write transaction: its records and offsets become visible together or not at all. */
export interface Transaction {
  send(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  /** Commits the group's consumed offsets as part of the transaction. */
  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A producer that writes in transactions (exactly-once read-process-write). A newer producer with
 * the same transactionalId fences this one: its open transaction can no longer commit.
 */
export interface TransactionalProducer {
  /** Starts a transaction; one at a time per producer. */
  begin(): Promise<Transaction>;
  close(): Promise<void>;
}

/** Reads records as a member of a consumer group. */
export interface Consumer {
  /**
   * Records from the partitions this member owns, in offset order per partition, waiting up to
   * `timeoutMs` (default 1000) for some to arrive; an empty array when none came. Polling also
   * keeps the membership alive.
   */
  poll(timeoutMs?: number): Promise<LogRecord[]>;
  /**
   * Commits positions (offset = next record to read) for the group. Rejected (not retriable) when the
   * group gave one of the partitions to another member meanwhile: its records are delivered again.
   */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** The next `poll` reads this partition from `offset` (replay, or skipping ahead); it must be in `assignment()`. */
  seek(position: TopicPartitionOffset): void;
  /** The partitions this member owns now. */
  assignment(): TopicPartition[];
  /** Stops returning records of these partitions (backpressure) until resumed; membership stays. */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Leaves the group (its partitions move to the other members at once). */
  close(): Promise<void>;
}

/**
 * The log: topics, producers, consumers and the offset queries replay and lag need. Every call that
 * names a topic that does not exist throws NotFoundError (saying how to create it).
 */
export interface EventLog {
  readonly backend: 'kafka' | 'embedded';
  /** Creates missing topics; an existing topic with another partition count is an error. */
  createTopics(topics: readonly TopicConfig[]): Promise<void>;
  listTopics(): Promise<string[]>;
  /** Throws NotFoundError for an unknown topic. */
  describeTopic(topic: string): Promise<TopicDescription>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  producer(): Promise<Producer>;
  /** Throws when the backend has no transactions; `transactionalId` must be stable per writer. */
  transactionalProducer(transactionalId: string): Promise<TransactionalProducer>;
  consumer(options: ConsumerOptions): Promise<Consumer>;
  /** Per partition, the first offset whose timestamp is ≥ `timestamp` (the end offset if none). */
  offsetsForTimestamp(topic: string, timestamp: number): Promise<TopicPartitionOffset[]>;
  /** Per partition, the offset the next appended record will get. */
  endOffsets(topic: string): Promise<TopicPartitionOffset[]>;
  /** Per partition, the group's committed offset and lag. */
  lag(groupId: string, topic: string): Promise<PartitionLag[]>;
  close(): Promise<void>;
}
