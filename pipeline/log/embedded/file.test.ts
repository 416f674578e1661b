import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { closeSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import Database from '../../sqlite.js';
import { ConfigError, InvalidRecordError, PipelineError } from '../../errors/index.js';
import { createEmbeddedLog } from './index.js';
import { temporaryLog, type TemporaryLog } from './testing/temporary-log.js';

describe('embedded log file', () => {
  let file: TemporaryLog;

  beforeEach(() => {
    file = temporaryLog();
  });

  afterEach(async () => {
    await file.remove();
  });

  it('creates the file and its directory, in WAL mode', async () => {
    const nested = `${file.directory}/a/b/log.db`;
    const log = createEmbeddedLog({ path: nested, maintenanceIntervalMs: 0, synchronous: 'normal' });
    await log.close();
    const db = new Database(nested, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const full = file.open();
    expect(full.path).toBe(file.path);
  });

  it('keeps records, committed offsets and topics across close and reopen', async () => {
    const log = file.open();
    await log.createTopics([{ name: 'kept', partitions: 2 }]);
    const producer = await log.producer();
    await producer.send('kept', [
      { key: 'a', value: Buffer.from('1') },
      { key: 'b', value: Buffer.from('2') },
    ]);
    const consumer = await log.consumer({ groupId: 'g', topics: ['kept'] });
    const records = await consumer.poll(0);
    await consumer.commit(records.map(({ topic, partition, offset }) => ({ topic, partition, offset: offset + 1 })));
    await log.close();

    const reopened = file.open();
    expect(await reopened.listTopics()).toEqual(['kept']);
    expect((await reopened.lag('g', 'kept')).map((lag) => lag.lag)).toEqual([0, 0]);
    expect((await reopened.endOffsets('kept')).reduce((sum, end) => sum + end.offset, 0)).toBe(2);
    expect(await reopened.checkIntegrity()).toEqual([]);
  });

  it('refuses a file that is not a SQLite database, names it, and leaves it untouched', () => {
    const content = 'this is somebody else’s notes file\n'.repeat(200);
    writeFileSync(file.path, content);
    const error = catchError(() => createEmbeddedLog({ path: file.path }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(file.path);
    expect((error as Error).message).toMatch(/not a SQLite database/);
    expect(readFileSync(file.path, 'utf8')).toBe(content);
  });

  it('refuses a SQLite database of another application', () => {
    const db = new Database(file.path);
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
    db.close();
    const error = catchError(() => createEmbeddedLog({ path: file.path }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/SQLite database but not a makestream embedded log/);
  });

  it('refuses a log written by a newer makestream', async () => {
    await file.open().close();
    const db = new Database(file.path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => createEmbeddedLog({ path: file.path })).toThrow(/newer makestream \(log schema v99/);
  });

  it('reports a corrupt log with the file name and what to do', async () => {
    const log = file.open();
    await log.createTopics([{ name: 'doomed', partitions: 1 }]);
    const producer = await log.producer();
    for (let i = 0; i < 20; i++) {
      await producer.send(
        'doomed',
        Array.from({ length: 100 }, () => ({ key: null, value: Buffer.alloc(500, i) })),
      );
    }
    await log.close();
    // Overwrite everything after the first page (the schema survives, the b-trees do not).
    const size = statSync(file.path).size;
    const descriptor = openSync(file.path, 'r+');
    writeSync(descriptor, Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096);
    closeSync(descriptor);

    const error = await (async () => {
      const damaged = createEmbeddedLog({ path: file.path, maintenanceIntervalMs: 0 });
      try {
        await damaged.endOffsets('doomed');
        const consumer = await damaged.consumer({ groupId: 'g', topics: ['doomed'] });
        await consumer.poll(0);
      } finally {
        await damaged.close().catch(() => undefined);
      }
    })().catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as Error).message).toContain(file.path);
    expect((error as Error).message).toMatch(/is corrupt/);
    expect((error as Error).message).toMatch(/\.recover/);
  });

  it('checks its options and topic configs, naming the field', async () => {
    expect(() => createEmbeddedLog({ path: file.path, pollIntervalMs: 0 })).toThrow(/pollIntervalMs must be/);
    const log = file.open();
    await expect(log.createTopics([{ name: 'bad name!', partitions: 1 }])).rejects.toThrow(/topics\[0\]\.name/);
    await expect(log.createTopics([{ name: 'ok', partitions: 0 }])).rejects.toThrow(/topics\[0\]\.partitions/);
    await expect(log.consumer({ groupId: '', topics: ['ok'] })).rejects.toThrow(/groupId/);
  });

  it('spreads unkeyed records round-robin and requires keys on compacted topics', async () => {
    const log = file.open();
    await log.createTopics([
      { name: 'spread', partitions: 3 },
      { name: 'catalog', partitions: 1, compacted: true },
    ]);
    const producer = await log.producer();
    const offsets = await producer.send(
      'spread',
      Array.from({ length: 6 }, () => ({ key: null, value: Buffer.from('x') })),
    );
    expect(offsets.map((offset) => offset.partition)).toEqual([0, 1, 2, 0, 1, 2]);
    await expect(producer.send('catalog', [{ key: null, value: Buffer.from('x') }])).rejects.toBeInstanceOf(
      InvalidRecordError,
    );
    await expect(producer.send('spread', [{ key: 'k', value: Buffer.from('x'), partition: 3 }])).rejects.toThrow(
      /partitions 0–2/,
    );
  });
});

function catchError(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}
