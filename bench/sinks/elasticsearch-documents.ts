/**
 * CPU per document of the search sink's serialisation, no server: EnrichedLog → `_bulk` entry
 * (action line + source JSON) through the reference path (build the ECS object, prune a copy,
 * `JSON.stringify`), through the per-document string writer of 2026-11-27 (`baselines/`), and
 * through the byte writer the connector uses (`source-json.ts`, `BulkRequest.appendCreate`), plus
 * joining the entries into request bodies. CPU time (process.cpuUsage), so the figure holds on a
 * loaded machine; the paths run alternately in the same process.
 *
 *   node --import tsx bench/sinks/elasticsearch-documents.ts [--docs 20000] [--repeat 5]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createAction, createBulkRequest } from '../../connectors/sinks/elasticsearch/bulk.js';
import { buildDocument } from '../../connectors/sinks/elasticsearch/documents.js';
import { writeEnrichedLog } from '../../connectors/sinks/elasticsearch/source-json.js';
import { enrichedLogJson as enrichedLogText } from './baselines/enriched-log-text.js';
import { exampleEvents } from '../../schemas/examples.js';
import type { EnrichedLog } from '../../schemas/generated/types.js';

const { values: flags } = parseArgs({
  options: {
    docs: { type: 'string', default: process.env.BENCH_DOCS ?? '20000' },
    repeat: { type: 'string', default: process.env.BENCH_REPEAT ?? '5' },
  },
});
const docs = Number(flags.docs);
const repeat = Number(flags.repeat);
const base = exampleEvents['com.makestream.v1.EnrichedLog'];
// Strings as the Avro decoder hands them over: flat (a template literal alone makes cons strings,
// which every path must flatten first).
const flat = (text: string): string => Buffer.from(text).toString();
const logs: EnrichedLog[] = Array.from({ length: docs }, (_, i) => ({
  ...base,
  eventId: flat(`bench-${i}`),
  timestamp: base.timestamp + i,
  scenarioId: 1000 + (i % 2000),
  message: flat(`${base.message} #${i}`),
}));
const target = 'makestream-logs-make.enriched-default-2026.01.01';

/** Request bodies of 500 documents, as each path builds them. */
const paths: Record<string, () => number> = {
  'ECS object + prune + JSON.stringify, joined string body': () => {
    let bytes = 0;
    for (let from = 0; from < docs; from += 500) {
      let body = '';
      for (let i = from; i < Math.min(from + 500, docs); i += 1) {
        const log = logs[i]!;
        body += `${createAction(target, log.eventId)}\n${JSON.stringify(buildDocument('enriched-log', log).source)}\n`;
      }
      bytes += Buffer.from(body).length; // what the HTTP client does with a string body
    }
    return bytes;
  },
  'one string per document into a Buffer body (before)': () => {
    let bytes = 0;
    for (let from = 0; from < docs; from += 500) {
      const request = createBulkRequest(500 * 1280);
      for (let i = from; i < Math.min(from + 500, docs); i += 1) {
        const log = logs[i]!;
        request.append(i, createAction(target, log.eventId), enrichedLogText(log));
      }
      bytes += request.body().length;
    }
    return bytes;
  },
  'JSON bytes written into the body (connector)': () => {
    let bytes = 0;
    for (let from = 0; from < docs; from += 500) {
      const request = createBulkRequest(500 * 1280);
      for (let i = from; i < Math.min(from + 500, docs); i += 1) {
        const log = logs[i]!;
        request.appendCreate(i, target, log.eventId, writeEnrichedLog, log);
      }
      bytes += request.body().length;
    }
    return bytes;
  },
};

const cpuMicrosPerDoc: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
let sink = 0; // keeps the work observable
for (let round = 0; round <= repeat; round += 1) {
  for (const [name, build] of Object.entries(paths)) {
    const cpu = process.cpuUsage();
    sink += build();
    const used = process.cpuUsage(cpu);
    if (round > 0) cpuMicrosPerDoc[name]!.push((used.user + used.system) / docs); // round 0 warms up
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `${docs} EnrichedLogs × ${repeat} rounds (median), load average ${loadavg()[0]!.toFixed(1)}, ${sink > 0 ? 'ok' : ''}`,
);
for (const [name, values] of Object.entries(cpuMicrosPerDoc)) {
  console.log(`${name.padEnd(56)} ${median(values).toFixed(2).padStart(6)} µs CPU/doc`);
}
