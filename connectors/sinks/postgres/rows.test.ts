import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { exampleEvents } from '../../../schemas/examples.js';
import { encodeField } from './copy-text.js';
import { encodeItems, encodeRow, prepareRow, PreparedRow, RowEncoder } from './rows.js';
import { tableForTopic, warehouseTables } from './tables.js';
import { batchOf, makeEvents } from './testing.js';

const examples: Record<string, object> = {
  'make.executions.raw.v1': exampleEvents['com.makestream.v1.ScenarioExecution'],
  'make.logs.enriched.v1': exampleEvents['com.makestream.v1.EnrichedLog'],
  'make.metrics.v1': exampleEvents['com.makestream.v1.MetricWindow'],
  'make.incidents.v1': exampleEvents['com.makestream.v1.Incident'],
  'make.anomalies.v1': exampleEvents['com.makestream.v1.Anomaly'],
  'make.audit.raw.v1': exampleEvents['com.makestream.v1.AuditEvent'],
};

/** Top-level Avro fields a table's columns read (by watching what the readers touch). */
function fieldsRead(table: (typeof warehouseTables)[number]): Set<string> {
  const read = new Set<string>();
  const probe = new Proxy({} as Record<string, unknown>, { get: (_target, key) => void read.add(String(key)) });
  for (const column of table.columns) column.read(probe);
  return read;
}

describe('rows for COPY', () => {
  it('stores every field of every schema in some column', () => {
    for (const table of warehouseTables) {
      const schema = JSON.parse(readFileSync(`schemas/${table.valueSchema}.avsc`, 'utf8')) as {
        fields: { name: string }[];
      };
      const missing = schema.fields.map((field) => field.name).filter((field) => !fieldsRead(table).has(field));
      expect([table.name, missing]).toEqual([table.name, []]);
    }
  });

  it('encodes the schema example of every table with one field per column', () => {
    for (const table of warehouseTables) {
      const line = encodeRow(table, examples[table.topic] as Record<string, unknown>);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1).split('\t')).toHaveLength(table.columns.length);
    }
  });

  it("writes, through the generated row writer, each column's field as encodeField does, in column order", () => {
    for (const table of warehouseTables) {
      for (const value of [examples[table.topic] as Record<string, unknown>, ...makeEvents(table.topic, 5)]) {
        const fields = table.columns.map((column) =>
          encodeField(column.name, column.type, column.nullable, column.read(value)),
        );
        expect([table.name, encodeRow(table, value)]).toEqual([table.name, `${fields.join('\t')}\n`]);
      }
    }
  });

  it('flattens errors and actors and keeps module entries as JSON', () => {
    const line = encodeRow(
      tableForTopic('make.executions.raw.v1')!,
      examples['make.executions.raw.v1'] as Record<string, unknown>,
    );
    const fields = line.slice(0, -1).split('\t');
    const column = (name: string) =>
      fields[tableForTopic('make.executions.raw.v1')!.columns.findIndex((c) => c.name === name)];
    expect(column('time')).toBe('2026-01-01T00:15:41.512Z');
    expect(column('error_name')).toBe('DataError');
    expect(JSON.parse(column('modules')!)[0].moduleName).toBe('Add a row');
    const audit = encodeRow(
      tableForTopic('make.audit.raw.v1')!,
      examples['make.audit.raw.v1'] as Record<string, unknown>,
    );
    expect(audit).toContain('\t5123\tJane Roe\tjane.roe@example.com\tf\t3107\t');
  });

  it('reads metric windows written before scopes existed as scenario windows', () => {
    const metrics = tableForTopic('make.metrics.v1')!;
    const value = examples['make.metrics.v1'] as Record<string, unknown>;
    const scope = metrics.columns.find((c) => c.name === 'scope')!;
    const scopeId = metrics.columns.find((c) => c.name === 'scope_id')!;
    expect([scope.read(value), scopeId.read(value)]).toEqual(['SCENARIO', 90421]);
    expect(scopeId.read({ ...value, scope: 'TEAM', scopeId: 9001, scenarioId: null })).toBe(9001);
  });

  it('prepare gives each item the line and time encodeItems writes, and encodeItems takes prepared rows as they are', () => {
    for (const table of warehouseTables) {
      const items = batchOf(table.topic, makeEvents(table.topic, 6), 10).items;
      const reference = encodeItems(table, items);
      expect(reference.failures).toEqual([]);
      expect(reference.rows.map((row) => row.bytes.toString())).toEqual(
        items.map((item) => encodeRow(table, item.value as Record<string, unknown>)),
      );
      const encoder = new RowEncoder();
      const prepared = items.map((item) => prepareRow(table, item, encoder));
      expect(prepared.map((row) => [row.bytes, row.time])).toEqual(reference.rows.map((row) => [row.bytes, row.time]));
      const mixed = items.map((item, i) => (i % 2 === 0 ? { ...item, value: prepared[i] } : item));
      expect(encodeItems(table, mixed, encoder)).toEqual(reference);
    }
  });

  it('prepare refuses a bad item with the error encodeItems reports for it', () => {
    const topic = 'make.anomalies.v1';
    const table = tableForTopic(topic)!;
    const values = makeEvents(topic, 2);
    values[1] = { ...values[1], score: 'high' };
    const items = batchOf(topic, values, 70).items;
    const reported = encodeItems(table, items).failures[0]!.error;
    const encoder = new RowEncoder();
    const first = prepareRow(table, items[0]!, encoder);
    expect(first).toBeInstanceOf(PreparedRow);
    expect(() => prepareRow(table, items[1]!, encoder)).toThrow(reported.message);
    // The refused row left nothing in the arena: the next row's line follows the first's.
    const next = prepareRow(table, items[0]!, encoder);
    expect(next.bytes.byteOffset).toBe(first.bytes.byteOffset + first.bytes.length);
    expect(next.bytes.toString()).toBe(first.bytes.toString());
  });

  it('reports each bad item with its index, column and position, and keeps the rest', () => {
    const topic = 'make.anomalies.v1';
    const values = makeEvents(topic, 4);
    values[1] = { ...values[1], score: 'high' };
    values[3] = { ...values[3], explanation: undefined };
    const encoded = encodeItems(tableForTopic(topic)!, batchOf(topic, values, 70).items);
    expect(encoded.rows.map((row) => row.index)).toEqual([0, 2]);
    expect(encoded.rows[0]!.time).toBe(values[0]!.windowEnd);
    expect(encoded.failures.map((failure) => [failure.index, failure.error.retriable])).toEqual([
      [1, false],
      [3, false],
    ]);
    expect(encoded.failures[0]!.error.message).toBe(
      `Event ${String(values[1]!.eventId)} (make.anomalies.v1/0@71) cannot be written to anomalies: score: expected a number, got the string "high".`,
    );
    expect(encoded.failures[1]!.error.message).toMatch(/explanation: is required but missing/);
  });
});
