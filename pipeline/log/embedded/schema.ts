/**
 * The tables of the embedded log's SQLite file. Read this file to know what is stored where.
 *
 * Records live in one rowid table whose integer key packs the partition and the offset:
 * `id = (partitionId << OFFSET_BITS) + offset`, so a partition is one contiguous range of the
 * table's b-tree, appends go to the end of that range, and a poll is one range scan without any
 * secondary index. Only SQL computes the packed ids (64-bit integers), never JavaScript, whose
 * numbers are exact only up to 2^53.
 */

/** `PRAGMA application_id` of a makestream log ("MKST"), so another SQLite file is recognised as such. */
export const APPLICATION_ID = 0x4d4b5354;

/** `PRAGMA user_version`: the schema version this code reads and writes. */
export const SCHEMA_VERSION = 1;

/** Low bits of `records.id` holding the offset: 2^44 offsets per partition (11 years at 50 000 records/s). */
export const OFFSET_BITS = 44;
/** Largest offset a partition can hold. */
export const MAX_OFFSET = 2 ** OFFSET_BITS - 1;
/** Largest partition id: the high bits of a positive 64-bit `records.id`. */
export const MAX_PARTITION_ID = 2 ** (63 - OFFSET_BITS) - 1;

/** SQL for the packed record id of partition `tp` (a bound parameter) at offset `offset`. */
export const recordId = (tp: string, offset: string): string => `((${tp} << ${OFFSET_BITS}) + ${offset})`;

export const schemaSql = `
-- A topic. Ids are never reused, so rows of a deleted topic can never be mistaken for a new one's.
CREATE TABLE topics (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  name             TEXT    NOT NULL UNIQUE,
  partitions       INTEGER NOT NULL,
  retention_ms     INTEGER,           -- NULL: the default (7 days; forever on compacted topics); -1: forever
  compacted        INTEGER NOT NULL,  -- 0 or 1
  max_record_bytes INTEGER NOT NULL,
  created_at       INTEGER NOT NULL
);

-- A partition of a topic; its id is the high part of records.id.
CREATE TABLE partitions (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  topic_id       INTEGER NOT NULL REFERENCES topics (id),
  partition      INTEGER NOT NULL,
  start_offset   INTEGER NOT NULL DEFAULT 0, -- log start: retention removed everything below
  next_offset    INTEGER NOT NULL DEFAULT 0, -- log end: the offset the next record gets
  max_timestamp  INTEGER,                    -- largest record timestamp so far (time index)
  cleaned_offset INTEGER NOT NULL DEFAULT 0, -- compaction: keys below this offset are unique
  oldest_tombstone INTEGER,                  -- compaction: timestamp of the oldest tombstone left
  UNIQUE (topic_id, partition)
);

-- The records. id = (partitions.id << ${OFFSET_BITS}) + offset. headers: see headers.ts.
CREATE TABLE records (
  id        INTEGER PRIMARY KEY,
  timestamp INTEGER NOT NULL,
  key       BLOB,
  value     BLOB,
  headers   BLOB
);

-- Sparse time index (Kafka's .timeindex): one entry per appended batch that raised the partition's
-- largest timestamp. Every record below first_offset has a timestamp < max_timestamp of the entry,
-- so the first record at or after a time T is found from the first entry with max_timestamp >= T.
CREATE TABLE time_index (
  partition_id  INTEGER NOT NULL,
  max_timestamp INTEGER NOT NULL,
  first_offset  INTEGER NOT NULL,
  PRIMARY KEY (partition_id, max_timestamp)
) WITHOUT ROWID;

-- Consumer groups: generation changes whenever membership changes, so members notice cheaply.
CREATE TABLE groups (
  group_id   TEXT    PRIMARY KEY,
  generation INTEGER NOT NULL
) WITHOUT ROWID;

-- Live members. A member whose heartbeat_at is older than its session timeout is dead; whoever
-- notices first removes it.
CREATE TABLE members (
  group_id           TEXT    NOT NULL,
  member_id          TEXT    NOT NULL,
  topics             TEXT    NOT NULL, -- JSON array of subscribed topic names
  session_timeout_ms INTEGER NOT NULL,
  heartbeat_at       INTEGER NOT NULL,
  PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;

-- Which member reads a partition now: at most one, handed over only when the old owner let go
-- (on its next poll) or died.
CREATE TABLE owners (
  group_id  TEXT    NOT NULL,
  topic     TEXT    NOT NULL,
  partition INTEGER NOT NULL,
  member_id TEXT    NOT NULL,
  PRIMARY KEY (group_id, topic, partition)
) WITHOUT ROWID;

-- Committed positions (offset of the next record to read).
CREATE TABLE committed_offsets (
  group_id     TEXT    NOT NULL,
  topic        TEXT    NOT NULL,
  partition    INTEGER NOT NULL,
  next_offset  INTEGER NOT NULL,
  committed_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic, partition)
) WITHOUT ROWID;

-- Transactional producers: a new producer with the same id bumps the epoch and fences the old one.
CREATE TABLE transactional_ids (
  transactional_id TEXT    PRIMARY KEY,
  epoch            INTEGER NOT NULL
) WITHOUT ROWID;
`;
