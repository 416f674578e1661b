/**
 * The source of the embedded log's write thread (write-thread.ts), run with
 * `new Worker(source, { eval: true })`: plain CommonJS, so that it runs the same under tsx, jest and
 * compiled JavaScript (none of which would load a `.ts` worker file the same way).
 *
 * The thread owns its own SQLite connection to the log file. Each message is one group of sends,
 * already checked and encoded on the event loop and packed, all sends together (two transfers per
 * group: postMessage's cost grows with the buffers it moves), into a `meta` Float64Array (5 numbers
 * per record: partition, timestamp, key length, value length, headers length; -1 = NULL) and one
 * `bytes` buffer (keys, values and headers back to back); `sends` lists each send's topic and
 * record count, in order. The group is written in one
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
// Rows go in with multi-row INSERTs of up to CHUNK rows (one statement run per chunk instead of per
// row: each run crosses into the addon and steps a statement, which cost as much as the insert itself).
const CHUNK = 64;
const inserts = new Map();
const insertRows = (count) => {
  let statement = inserts.get(count);
  if (statement === undefined) {
    const row = '(((? << ' + bits + ') + ?), ?, ?, ?, ?)';
    statement = db.prepare('INSERT INTO records (id, timestamp, key, value, headers) VALUES ' + new Array(count).fill(row).join(', '));
    inserts.set(count, statement);
  }
  return statement;
};
const pendingRows = [];
const flushRows = () => {
  if (pendingRows.length === 0) return;
  insertRows(pendingRows.length / 6).run(pendingRows);
  pendingRows.length = 0;
};
const updatePartition = db.prepare('UPDATE partitions SET next_offset = ?, max_timestamp = ? WHERE id = ?');
const insertTimeIndex = db.prepare('INSERT INTO time_index (partition_id, max_timestamp, first_offset) VALUES (?, ?, ?)');

class AppendError extends Error {}

const slice = (bytes, at, length) => (length < 0 ? null : bytes.subarray(at, at + length));

// One send: the same steps as appender.ts. Runs as a savepoint inside the group's transaction.
// group: { meta, bytes, record, at } (record and at: where this send starts in meta and bytes).
const appendSend = db.transaction((send, group) => {
  const meta = group.meta;
  const bytes = group.bytes;
  const count = send.count;
  const cursors = new Map();
  const offsets = new Float64Array(count);
  let at = group.at;
  for (let index = 0; index < count; index++) {
    const base = (group.record + index) * 5;
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
    pendingRows.push(cursor.id, offset, timestamp, key, value, headers);
    if (pendingRows.length === CHUNK * 6) flushRows();
    if (timestamp > cursor.batchMax) cursor.batchMax = timestamp;
    offsets[index] = offset;
  }
  flushRows();
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

// Where each send's records start in meta and bytes: from the lengths of the sends before it.
const bytesOf = (meta, from, count) => {
  let size = 0;
  for (let base = from * 5, end = (from + count) * 5; base < end; base += 5) {
    size += Math.max(0, meta[base + 2]) + Math.max(0, meta[base + 3]) + Math.max(0, meta[base + 4]);
  }
  return size;
};

const writeGroup = db.transaction((message) => {
  const meta = message.meta;
  const bytes = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
  const results = [];
  let record = 0;
  let at = 0;
  for (const send of message.sends) {
    try {
      results.push({ offsets: appendSend(send, { meta, bytes, record, at }) });
    } catch (error) {
      pendingRows.length = 0; // rows of the failed send (its savepoint was rolled back)
      results.push({ error: describe(error) });
    }
    at += bytesOf(meta, record, send.count);
    record += send.count;
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
    const results = writeGroup.immediate(message);
    reply = { id: message.id, results };
  } catch (error) {
    reply = { id: message.id, error: describe(error) };
  }
  const transfer = [];
  if (reply.results) for (const result of reply.results) if (result.offsets) transfer.push(result.offsets.buffer);
  parentPort.postMessage(reply, transfer);
});
`;
