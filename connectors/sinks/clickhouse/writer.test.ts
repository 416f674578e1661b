import { describe, expect, it } from '@jest/globals';
import { InvalidRecordError } from '../../../pipeline/errors/index.js';
import { currentDialect, legacyDialect } from './column-types.js';
import { createRowEncoder } from './encode.js';
import { column, text, type TableSpec } from './tables/spec.js';
import type { ClickHouseTransport, InsertRequest } from './transport.js';
import { createTableWriter } from './writer.js';

interface Row {
  readonly eventId: string;
  readonly name: unknown;
}

const table: TableSpec<Row> = {
  name: 't',
  topic: 'test.v1',
  schema: 'none',
  description: 'test',
  createdIn: 1,
  orderBy: ['event_id'],
  timeColumn: 'event_id',
  partition: 'day',
  columns: [column('event_id', text(), 'id', (e) => e.eventId, 1), column('name', text(), 'name', (e) => e.name, 1)],
};

/** A fake server that refuses any body containing "poison" (as ClickHouse refuses a bad value). */
function fakeTransport(options: { failWith?: () => Error } = {}) {
  const calls: InsertRequest[] = [];
  const transport: ClickHouseTransport = {
    kind: 'chdb',
    target: 'fake',
    command: async () => undefined,
    query: async () => [],
    async insert(request) {
      calls.push(request);
      if (options.failWith) throw options.failWith();
      if (request.body.includes('poison')) {
        throw Object.assign(new Error('Code: 27. Cannot parse input'), { clickhouseCode: 27 });
      }
    },
    close: async () => undefined,
  };
  return { transport, calls };
}

const rows = (names: readonly unknown[]): Row[] => names.map((name, i) => ({ eventId: `e${i}`, name }));

describe('table writer', () => {
  it('inserts a good batch once, with its deduplication token', async () => {
    const { transport, calls } = fakeTransport();
    const writer = createTableWriter({
      transport,
      table: 'db.t',
      encoder: createRowEncoder(table as never, currentDialect, 'JSONEachRow'),
      insertDedupToken: true,
    });
    expect(await writer.write(rows(['a', 'b']), 'test.v1/0/0-1')).toEqual([]);
    expect(calls).toEqual([
      {
        table: 'db.t',
        columns: ['event_id', 'name'],
        format: 'JSONEachRow',
        body: Buffer.from('{"event_id":"e0","name":"a"}\n{"event_id":"e1","name":"b"}\n'),
        settings: { insert_deduplicate: 1, insert_deduplication_token: 'test.v1/0/0-1' },
      },
    ]);
  });

  it('finds the one row the server refuses by bisection and reports only it', async () => {
    const { transport, calls } = fakeTransport();
    const writer = createTableWriter({
      transport,
      table: 'db.t',
      encoder: createRowEncoder(table as never, currentDialect, 'JSONCompactEachRow'),
      insertDedupToken: true,
    });
    const failures = await writer.write(rows(['a', 'b', 'c', 'poison', 'e', 'f', 'g', 'h']), 'tok');
    expect(failures.map((failure) => failure.index)).toEqual([3]);
    expect(failures[0]!.error).toBeInstanceOf(InvalidRecordError);
    expect(failures[0]!.error.retriable).toBe(false);
    // whole (fails), [0-3] (fails), [0-1] ok, [2-3] fails, [2] ok, [3] fails, [4-7] ok
    expect(calls.map((call) => call.settings.insert_deduplication_token)).toEqual([
      'tok',
      'tok#0-3',
      'tok#0-1',
      'tok#2-3',
      'tok#2-2',
      'tok#3-3',
      'tok#4-7',
    ]);
    const written = calls
      .filter((call) => !call.body.includes('poison'))
      .flatMap((call) => String(call.body).trim().split('\n'));
    expect(written).toHaveLength(7);
  });

  it('reports a value the encoder refuses without sending it, and sends the rest', async () => {
    const { transport, calls } = fakeTransport();
    const writer = createTableWriter({
      transport,
      table: 'db.t',
      encoder: createRowEncoder(table as never, currentDialect, 'JSONEachRow'),
      insertDedupToken: false,
    });
    const failures = await writer.write(rows(['a', 42, 'c']), 'tok');
    expect(failures.map((failure) => [failure.index, failure.error.message])).toEqual([
      [1, expect.stringMatching(/Table t: Column name: 42 is not a string/)],
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.settings).toEqual({});
    expect(String(calls[0]!.body).split('\n')).toHaveLength(3);
  });

  it('throws a retriable error for the whole batch when the server is unreachable', async () => {
    const { transport, calls } = fakeTransport({
      failWith: () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const writer = createTableWriter({
      transport,
      table: 'db.t',
      encoder: createRowEncoder(table as never, legacyDialect, 'JSONEachRow'),
      insertDedupToken: false,
    });
    await expect(writer.write(rows(['a', 'b']), 'tok')).rejects.toMatchObject({ retriable: true });
    expect(calls).toHaveLength(1);
  });

  it('throws a permanent error for the whole batch when the table is missing', async () => {
    const { transport } = fakeTransport({
      failWith: () => Object.assign(new Error('Code: 60. UNKNOWN_TABLE'), { clickhouseCode: 60 }),
    });
    const writer = createTableWriter({
      transport,
      table: 'db.t',
      encoder: createRowEncoder(table as never, currentDialect, 'JSONEachRow'),
      insertDedupToken: true,
    });
    await expect(writer.write(rows(['a']), 'tok')).rejects.toMatchObject({ retriable: false, message: /db\.t/ });
  });
});
