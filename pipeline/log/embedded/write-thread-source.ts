/**
 * The source of the embedded log's write thread (write-thread.ts), run with
 * `new Worker(source, { eval: true })`: plain CommonJS, so that it runs the same under tsx, jest and
 * compiled JavaScript (none of which would load a `.ts` worker file the same way).
 *
 * The thread owns its own SQLite connection to the log file. Each message is one group of sends,
 * already checked and encoded on the event loop and packed per send into a `meta` Float64Array
 * (5 numbers per record: partition, timestamp, key length, value length, headers length; -1 = NULL)
 * and one `bytes` buffer (keys, values and headers back to back). The group is written in one
 * transaction (BEGIN IMMEDIATE), each send in its own savepoint, exactly as appender.ts and
 * group-commit.ts do on the event loop; the reply comes after the commit returned, i.e. after its
 * fsync with `synchronous = FULL`. Messages are handled one at a time in arrival order, so offsets
 * follow the order in which the groups were posted.
 *
 * workerData: { sqlitePath, path, synchronous: 'FULL' | 'NORMAL', busyTimeoutMs, offsetBits, maxOffset }.
 * Replies: { id, results: ({ offsets: Float64Array } | { error })[] } or { id, error } when the
 * group's transaction failed as a whole; an error is { name, message, code? } (code: SQLite's).
 */
export const writeThreadSource = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlitePath);
const db = new Database(workerData.path);
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
db.pragma('synchronous = ' + workerData.synchronous);
const bits = workerData.offsetBits;
const selectPartition = db.prepare(
  'SELECT id, next_offset AS nextOffset, max_timestamp AS maxTimestamp FROM partitions WHERE topic_id = ? AND partition = ?',
);
const insertRecord = db.prepare(
  'INSERT INTO records (id, timestamp, key, value, headers) VALUES (((? << ' + bits + ') + ?), ?, ?, ?, ?)',
);
const updatePartition = db.prepare('UPDATE partitions SET next_offset = ?, max_timestamp = ? WHERE id = ?');
const insertTimeIndex = db.prepare('INSERT INTO time_index (partition_id, max_timestamp, first_offset) VALUES (?, ?, ?)');

class AppendError extends Error {}

const slice = (bytes, at, length) => (length < 0 ? null : bytes.subarray(at, at + length));

// One send: the same steps as appender.ts. Runs as a savepoint inside the group's transaction.
const appendSend = db.transaction((send) => {
  const meta = send.meta;
  const bytes = Buffer.from(send.bytes.buffer, send.bytes.byteOffset, send.bytes.byteLength);
  const count = meta.length / 5;
  const cursors = new Map();
  const offsets = new Float64Array(count);
  let at = 0;
  for (let index = 0; index < count; index++) {
    const base = index * 5;
    const partition = meta[base];
    const timestamp = meta[base + 1];
    let cursor = cursors.get(partition);
    if (cursor === undefined) {
      const row = selectPartition.get(send.topicId, partition);
      if (!row) throw new AppendError('Partition ' + partition + ' of topic "' + send.topicName + '" is missing in ' + workerData.path + '.');
      cursor = { id: row.id, firstOffset: row.nextOffset, nextOffset: row.nextOffset, previousMax: row.maxTimestamp, batchMax: -Infinity };
      cursors.set(partition, cursor);
    }
    const offset = cursor.nextOffset++;
    if (offset > workerData.maxOffset) {
      throw new AppendError('Partition ' + partition + ' of topic "' + send.topicName + '" is full (' + workerData.maxOffset + ' offsets).');
    }
    const keyLength = meta[base + 2];
    const valueLength = meta[base + 3];
    const headersLength = meta[base + 4];
    const key = slice(bytes, at, keyLength);
    at += Math.max(0, keyLength);
    const value = slice(bytes, at, valueLength);
    at += Math.max(0, valueLength);
    const headers = slice(bytes, at, headersLength);
    at += Math.max(0, headersLength);
    insertRecord.run(cursor.id, offset, timestamp, key, value, headers);
    if (timestamp > cursor.batchMax) cursor.batchMax = timestamp;
    offsets[index] = offset;
  }
  for (const cursor of cursors.values()) {
    const raisesMax = cursor.previousMax === null || cursor.batchMax > cursor.previousMax;
    if (raisesMax) insertTimeIndex.run(cursor.id, cursor.batchMax, cursor.firstOffset);
    updatePartition.run(cursor.nextOffset, raisesMax ? cursor.batchMax : cursor.previousMax, cursor.id);
  }
  return offsets;
});

const describe = (error) =>
  error && typeof error === 'object'
    ? { name: String(error.name), message: String(error.message), code: typeof error.code === 'string' ? error.code : undefined, append: error instanceof AppendError }
    : { name: 'Error', message: String(error), code: undefined, append: false };

const writeGroup = db.transaction((sends) => {
  const results = [];
  for (const send of sends) {
    try {
      results.push({ offsets: appendSend(send) });
    } catch (error) {
      results.push({ error: describe(error) });
    }
  }
  return results;
});

parentPort.on('message', (message) => {
  if (message.close) {
    db.close();
    parentPort.postMessage({ closed: true });
    return;
  }
  let reply;
  try {
    const results = writeGroup.immediate(message.sends);
    reply = { id: message.id, results };
  } catch (error) {
    reply = { id: message.id, error: describe(error) };
  }
  const transfer = [];
  if (reply.results) for (const result of reply.results) if (result.offsets) transfer.push(result.offsets.buffer);
  parentPort.postMessage(reply, transfer);
});
`;
