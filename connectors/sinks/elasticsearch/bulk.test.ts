import { describe, expect, it } from '@jest/globals';
import { isRetriable } from '../../../pipeline/errors/index.js';
import { classifyBulkResponse, classifyItem, createAction, createBulkRequest, createEntry, itemError } from './bulk.js';
import {
  elasticsearchAllCreated,
  elasticsearchMixed,
  openSearchMixed,
  openSearchWriteBlock,
  overloaded,
} from './bulk-responses.fixtures.js';
import type { JsonBytes } from '../../../pipeline/sink/json-bytes.js';

const kinds = (outcomes: { kind: string }[]): string[] => outcomes.map((outcome) => outcome.kind);

describe('bulk item classification (recorded responses)', () => {
  it.each([
    ['Elasticsearch', elasticsearchMixed],
    ['OpenSearch', openSearchMixed],
  ])('%s: created is stored, a 409 conflict is a duplicate, mapping and parse errors are permanent', (_, body) => {
    const outcomes = classifyBulkResponse(body, 4);
    expect(kinds(outcomes)).toEqual(['stored', 'duplicate', 'permanent', 'permanent']);
    expect(outcomes[2]).toMatchObject({ status: 400, reason: expect.stringContaining('event.duration') });
    expect(outcomes[2]).toMatchObject({ reason: expect.stringContaining('out of range of long') });
  });

  it('a response without errors stores every item without reading them', () => {
    expect(kinds(classifyBulkResponse(elasticsearchAllCreated, 2))).toEqual(['stored', 'stored']);
    expect(kinds(classifyBulkResponse({ errors: false }, 3))).toEqual(['stored', 'stored', 'stored']);
  });

  it('429, 5xx and write blocks are retriable, whatever the block status', () => {
    expect(kinds(classifyBulkResponse(overloaded, 4))).toEqual(['stored', 'retriable', 'retriable', 'retriable']);
    expect(kinds(classifyBulkResponse(openSearchWriteBlock, 1))).toEqual(['retriable']);
  });

  it('a 409 that is not a version conflict, and other 4xx, are permanent', () => {
    expect(classifyItem(409, { type: 'resource_already_exists_exception' }).kind).toBe('permanent');
    expect(classifyItem(404, { type: 'index_not_found_exception', reason: 'no such index' }).kind).toBe('permanent');
    expect(classifyItem(500, undefined).kind).toBe('retriable');
  });

  it('a response that does not answer every action fails the whole request as retriable', () => {
    expect(() => classifyBulkResponse(elasticsearchMixed, 5)).toThrow(/4 items for 5 actions/);
    try {
      classifyBulkResponse({ errors: true }, 1);
    } catch (error) {
      expect(isRetriable(error)).toBe(true);
    }
    expect.assertions(2);
  });

  it('item errors name the target and the document and carry the retriable flag', () => {
    const permanent = itemError(
      { kind: 'permanent', status: 400, reason: 'mapper_parsing_exception: bad' },
      'idx',
      'e1',
    );
    expect(permanent.message).toMatch(
      /idx refused document e1 \(HTTP 400\) mapper_parsing_exception: bad.*dead-lettered/,
    );
    expect(isRetriable(permanent)).toBe(false);
    expect(isRetriable(itemError({ kind: 'retriable', status: 429, reason: 'x' }, 'idx', 'e1'))).toBe(true);
  });
});

describe('bulk entries', () => {
  it('serialises a create action with the event id as _id, and counts bytes with both newlines', () => {
    const entry = createEntry(3, 'logs-make.enriched-default', 'id-ü', { message: 'héllo' });
    expect(entry.lines).toBe('{"create":{"_index":"logs-make.enriched-default","_id":"id-ü"}}\n{"message":"héllo"}');
    expect(entry.bytes).toBe(Buffer.byteLength(entry.lines) + 2);
    expect(entry.index).toBe(3);
  });

  it('builds a request body as UTF-8 NDJSON, growing past its first guess, one newline after every line', () => {
    const request = createBulkRequest(1024);
    const sources = Array.from({ length: 40 }, (_, i) => JSON.stringify({ message: `héllo ${'€'.repeat(i)} 😀` }));
    sources.forEach((source, i) => request.append(i * 2, createAction('idx', `id-${i}`), source));
    const expected = sources.map((source, i) => `${createAction('idx', `id-${i}`)}\n${source}\n`).join('');
    expect(request.body().toString('utf8')).toBe(expected);
    expect(request.bytes).toBe(Buffer.byteLength(expected));
    expect(request.indexes).toEqual(sources.map((_, i) => i * 2));
  });

  it('moves the last entry into another request byte for byte (a request over maxRequestBytes)', () => {
    const first = createBulkRequest();
    first.append(0, createAction('idx', 'a'), '{"n":"ä"}');
    first.append(1, createAction('idx', 'b'), '{"n":"ö"}');
    const before = first.bytes;
    const last = first.takeLast();
    expect(last.index).toBe(1);
    expect(first.body().toString()).toBe('{"create":{"_index":"idx","_id":"a"}}\n{"n":"ä"}\n');
    expect(first.bytes + last.bytes.length).toBe(before);
    const second = createBulkRequest();
    second.appendBytes(last.index, last.bytes);
    expect(second.body().toString()).toBe('{"create":{"_index":"idx","_id":"b"}}\n{"n":"ö"}\n');
    expect(second.indexes).toEqual([1]);
    expect(first.indexes).toEqual([0]);
  });

  it('appends a create entry written into the body, and takes all of it back when the writer throws', () => {
    const request = createBulkRequest(1024);
    const write = (out: JsonBytes, value: { text: string; fail?: boolean }): void => {
      out.utf8('{"n":');
      out.string(value.text);
      if (value.fail) throw new TypeError('bad value');
      out.byte(0x7d);
    };
    request.appendCreate(0, 'idx', 'a', write, { text: 'ä' });
    expect(() => request.appendCreate(1, 'idx', 'b', write, { text: 'x'.repeat(3000), fail: true })).toThrow(
      'bad value',
    );
    request.appendCreate(2, 'other-ü', 'c"', write, { text: 'ö' });
    expect(request.body().toString()).toBe(
      `${createAction('idx', 'a')}\n{"n":"ä"}\n${createAction('other-ü', 'c"')}\n{"n":"ö"}\n`,
    );
    expect(request.indexes).toEqual([0, 2]);
    expect(request.bytes).toBe(request.body().length);
    const last = request.takeLast();
    expect(last.bytes.toString()).toBe(`${createAction('other-ü', 'c"')}\n{"n":"ö"}\n`);
  });
});
