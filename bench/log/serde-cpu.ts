/**
 * CPU per event of the serde's hot path on the bench's ~500-byte ScenarioExecution events, in one
 * process, against the way it was done before (`toBuffer` + `encodeWireFormat`; `decodeWireFormat`
 * + `fromBuffer`) as the baseline of the same run. No services: the schema store is in memory.
 *
 *     node --import tsx bench/log/serde-cpu.ts [events=1000000]
 */
import { parseAvroSchema } from '../../pipeline/serde/avro.js';
import { decodeWireFormat, encodeWireFormat } from '../../pipeline/serde/index.js';
import { loadSchemaCatalog } from '../../schemas/catalog.js';
import { createEventPool } from './events.js';
import { memorySerde } from './serde.js';

const total = Number(process.argv[2] ?? 1_000_000);
const bound = await memorySerde();
const { serde } = bound;
const pool = createEventPool(serde, 500, 6);
const reader = parseAvroSchema(loadSchemaCatalog().byFile('scenario-execution').text);

/** CPU µs per event of `work` over `total` events (best of 3 after a warm-up). */
function cpuPerEvent(work: (index: number) => unknown): number {
  for (let i = 0; i < 50_000; i++) work(i);
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < total; i++) work(i);
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / total);
  }
  return best;
}

const events = pool.events;
const encoded = pool.encoded.map((event) => event.value);
const n = events.length;
const rows: [string, number][] = [
  [
    'encode: toBuffer + encodeWireFormat (before)',
    cpuPerEvent((i) => encodeWireFormat(serde.schemaId, reader.toBuffer(events[i % n]))),
  ],
  ['encode: serde.encode (slab view, no copy)', cpuPerEvent((i) => serde.encode(events[i % n]!))],
  [
    'decode: decodeWireFormat + fromBuffer (before)',
    cpuPerEvent((i) => reader.fromBuffer(decodeWireFormat(encoded[i % n]!).body)),
  ],
];
// decodeMany in polls of 500, as a consumer would call it.
const batches = Array.from({ length: n / 500 }, (_, b) => encoded.slice(b * 500, b * 500 + 500));
{
  for (const batch of batches) await serde.decodeMany(batch);
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < total / 500; i++) await serde.decodeMany(batches[i % batches.length]!);
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / total);
  }
  rows.push(['decode: serde.decodeMany (500 per call, in place)', best]);
}
{
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < total; i++) await serde.decode(encoded[i % n]!);
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / total);
  }
  rows.push(['decode: await serde.decode per record', best]);
}
for (const [what, micros] of rows) console.log(`${what.padEnd(52)} ${micros.toFixed(2)} µs/event`);
console.log(
  `(${total} events of ${pool.meanValueBytes.toFixed(0)} bytes; load average ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')})`,
);
await bound.close();
