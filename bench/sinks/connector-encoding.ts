/**
 * CPU per row of each store sink's encoding, no server: what the connector's `write()` does to a
 * batch of decoded events before the store sees a byte, the way it did it before the byte writers
 * (2026-11-27) and now where it changed, alternately in the same process (CPU time, so the figures hold on a loaded
 * machine; compare the two lines of one run).
 *
 * - Elasticsearch / OpenSearch: EnrichedLog → `_bulk` body (action + source lines) of 500 documents;
 * - ClickHouse: ScenarioExecution → `JSONCompactEachRow` insert body of 5 000 rows;
 * - PostgreSQL: ScenarioExecution → COPY text lines of 5 000 rows written as UTF-8 into a
 *   `ByteArena` (no before case: the string encoder it replaced cost the same here, 3.2–3.7 µs/row;
 *   the gain is in the GC of rows held by a batch, `bench/sinks/postgres.ts`).
 *
 *   node --import tsx bench/sinks/connector-encoding.ts [--rows 20000] [--repeat 7] [--only search|clickhouse|postgres]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createAction, createBulkRequest } from '../../connectors/sinks/elasticsearch/bulk.js';
import { writeEnrichedLog } from '../../connectors/sinks/elasticsearch/source-json.js';
import { currentDialect, valueEncoder } from '../../connectors/sinks/clickhouse/column-types.js';
import { createRowEncoder } from '../../connectors/sinks/clickhouse/encode.js';
import { executionsTable } from '../../connectors/sinks/clickhouse/tables/index.js';
import { sampleExecutions } from '../../connectors/sinks/clickhouse/testing.js';
import { encodeLazily, RowEncoder } from '../../connectors/sinks/postgres/rows.js';
import { tableForTopic } from '../../connectors/sinks/postgres/tables.js';
import { batchOf, makeEvents } from '../../connectors/sinks/postgres/testing.js';
import { exampleEvents } from '../../schemas/examples.js';
import type { EnrichedLog } from '../../schemas/generated/types.js';
import { enrichedLogJson as enrichedLogText } from './baselines/enriched-log-text.js';

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: process.env.BENCH_ROWS ?? '20000' },
    repeat: { type: 'string', default: process.env.BENCH_REPEAT ?? '7' },
    // Only the cases whose name starts with this (search, clickhouse, postgres): one sink per process.
    only: { type: 'string', default: '' },
  },
});
const rows = Number(flags.rows);
const repeat = Number(flags.repeat);
const TOPIC = 'make.executions.raw.v1';

// Strings as the Avro decoder hands them over: flat (a template literal would make cons strings).
const flat = (text: string): string => Buffer.from(text).toString();
const baseLog = exampleEvents['com.makestream.v1.EnrichedLog'];
const logs: EnrichedLog[] = Array.from({ length: rows }, (_, i) => ({
  ...baseLog,
  eventId: flat(`bench-${i}`),
  timestamp: baseLog.timestamp + i,
  scenarioId: 1000 + (i % 2000),
  message: flat(`${baseLog.message} #${i}`),
}));
const target = 'makestream-logs-make.enriched-default-2026.01.01';
const executions = sampleExecutions(rows, { baseTime: Date.now() - 2 * 86_400_000, scenarios: 200, teams: 20 });
const pgTable = tableForTopic(TOPIC)!;
const pgItems = batchOf(TOPIC, makeEvents(TOPIC, rows)).items;
const pgEncoder = new RowEncoder();

const clickhouseColumns = executionsTable.columns.map((column) => ({
  read: column.value as (event: unknown) => unknown,
  encode: valueEncoder(column.type, currentDialect, column.name),
}));
const clickhouseEncoder = createRowEncoder(executionsTable as never, currentDialect, 'JSONCompactEachRow');

/** Each case returns the bytes it produced (so the work is observable and both sides comparable). */
const cases: Record<string, () => number> = {
  'search, per-document strings (before)': () => {
    let bytes = 0;
    for (let from = 0; from < rows; from += 500) {
      const request = createBulkRequest(500 * 1280);
      for (let i = from; i < Math.min(from + 500, rows); i += 1) {
        request.append(i, createAction(target, logs[i]!.eventId), enrichedLogText(logs[i]!));
      }
      bytes += request.body().length;
    }
    return bytes;
  },
  'search, bytes (now)': () => {
    let bytes = 0;
    for (let from = 0; from < rows; from += 500) {
      const request = createBulkRequest(500 * 1280);
      for (let i = from; i < Math.min(from + 500, rows); i += 1) {
        request.appendCreate(i, target, logs[i]!.eventId, writeEnrichedLog, logs[i]!);
      }
      bytes += request.body().length;
    }
    return bytes;
  },
  'clickhouse, JSON.stringify per row (before)': () => {
    let bytes = 0;
    for (let from = 0; from < rows; from += 5000) {
      const lines: string[] = [];
      for (const event of executions.slice(from, from + 5000)) {
        const cells = clickhouseColumns.map((column) => column.encode(column.read(event)));
        lines.push(`${JSON.stringify(cells)}\n`);
      }
      bytes += Buffer.from(lines.join('')).length; // what the transport did with the string body
    }
    return bytes;
  },
  'clickhouse, bytes (now)': () => {
    let bytes = 0;
    for (let from = 0; from < rows; from += 5000) {
      bytes += clickhouseEncoder.encode(executions.slice(from, from + 5000)).bytes.length;
    }
    return bytes;
  },
  'postgres, lines in an arena (now)': () => {
    let bytes = 0;
    for (let from = 0; from < rows; from += 5000) {
      for (const row of encodeLazily(pgTable, pgItems.slice(from, from + 5000), pgEncoder).rows) {
        bytes += row.bytes.length; // the writer sends runs of adjacent lines as views, without a copy
      }
    }
    return bytes;
  },
};

const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
const produced: Record<string, number> = {};
for (let round = 0; round <= repeat; round += 1) {
  for (const [name, run] of Object.entries(cases)) {
    if (!name.startsWith(flags.only)) continue;
    const before = process.cpuUsage();
    produced[name] = run();
    const used = process.cpuUsage(before);
    if (round > 0) cpu[name]!.push((used.user + used.system) / rows); // round 0 warms up
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`${rows} rows per case × ${repeat} rounds (median; min), load average ${loadavg()[0]!.toFixed(1)}`);
for (const [name, values] of Object.entries(cpu)) {
  if (values.length === 0) continue;
  console.log(
    `${name.padEnd(44)} ${median(values).toFixed(2).padStart(6)} µs CPU/row; ${Math.min(...values).toFixed(2)}  (${(produced[name]! / rows).toFixed(0)} bytes/row)`,
  );
}
