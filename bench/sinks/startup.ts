/**
 * What starting a sink costs, per start and per record: `startSink` of the search connector into a
 * no-op client (nothing leaves the process) over a pre-filled embedded topic of EnrichedLogs, with
 * the process's shared schema catalog (what `startSink` does by default) against a catalog loaded
 * afresh for that start (`options.catalog: loadSchemaCatalog()`, what every start did before: read,
 * lint and parse every `.avsc`, and compile fresh avsc readers that V8 then optimises anew).
 * Both alternate in one process, so they meet the same load; CPU is this process's (user + system,
 * all threads), from `startSink` until every offset is committed.
 *
 *   node --import tsx bench/sinks/startup.ts [--docs 1000,15000] [--repeat 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSearchSinkConfig } from '../../connectors/sinks/elasticsearch/config.js';
import { createSearchSink } from '../../connectors/sinks/elasticsearch/connector.js';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';
import { bindTopic, createAvroSerde, createEmbeddedSchemaStore } from '../../pipeline/serde/index.js';
import { sinkGroup } from '../../pipeline/sink/api.js';
import { startSink } from '../../pipeline/sink/index.js';
import Database from '../../pipeline/sqlite.js';
import { loadSchemaCatalog } from '../../schemas/catalog.js';
import { exampleEvents } from '../../schemas/examples.js';
import { watchCommits } from './committed.js';

const { values: flags } = parseArgs({
  options: { docs: { type: 'string', default: '1000,15000' }, repeat: { type: 'string', default: '5' } },
});
const sizes = flags.docs.split(',').map(Number);
const repeat = Number(flags.repeat);
const topic = 'make.logs.enriched.v1';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const directory = mkdtempSync(join(tmpdir(), 'makestream-bench-startup-'));
const loadBefore = loadavg()[0]!;
try {
  for (const docs of sizes) {
    const log = createEmbeddedLog({
      path: join(directory, `${docs}.db`),
      synchronous: 'normal',
      maintenanceIntervalMs: 0,
    });
    const database = new Database(':memory:');
    const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database }) });
    await log.createTopics([{ name: topic, partitions: 1 }]);
    const topicSerde = await bindTopic(serde, topic, 'enriched-log');
    const base = exampleEvents['com.makestream.v1.EnrichedLog'];
    const producer = await log.producer();
    for (let from = 0; from < docs; from += 5000) {
      const count = Math.min(5000, docs - from);
      await producer.send(
        topic,
        Array.from({ length: count }, (_, i) => ({
          key: null,
          value: topicSerde.encode({ ...base, eventId: `e-${from + i}`, message: `${base.message} #${from + i}` }),
        })),
      );
    }
    await producer.close();
    const watch = watchCommits(log);
    const cpu = { shared: [] as number[], fresh: [] as number[] };
    // One warm-up start of each kind (JIT of the runtime itself), then alternating measured starts.
    for (let round = -1; round < repeat; round += 1) {
      const kinds = round % 2 === 0 ? (['shared', 'fresh'] as const) : (['fresh', 'shared'] as const);
      for (const kind of kinds) {
        const name = `startup-${docs}-${kind}-${round + 1}`;
        const config = parseSearchSinkConfig({
          name,
          flavour: 'elasticsearch',
          nodes: ['http://127.0.0.1:1'],
          topics: [topic],
        });
        const connector = createSearchSink(config, {
          client: {
            bulk: async () => ({ errors: false }),
            putComponentTemplate: async () => undefined,
            putIndexTemplate: async () => undefined,
            clusterStatus: async () => 'green',
            close: async () => undefined,
          },
        });
        const started = process.cpuUsage();
        const running = await startSink(connector, {
          log: watch.log,
          serde,
          batch: { maxRecords: 1000, maxBytes: 64 << 20, lingerMs: 20 },
          ...(kind === 'fresh' ? { catalog: loadSchemaCatalog() } : {}),
        });
        await watch.whenCommitted(sinkGroup(name), docs);
        const used = process.cpuUsage(started);
        await running.stop();
        if (round >= 0) cpu[kind].push((used.user + used.system) / docs);
      }
    }
    await log.close();
    database.close();
    const shared = median(cpu.shared);
    const fresh = median(cpu.fresh);
    console.log(
      `${String(docs).padStart(6)} records per start: shared catalog ${shared.toFixed(1)} µs CPU/record, ` +
        `catalog per start ${fresh.toFixed(1)} (${(((fresh - shared) * docs) / 1000).toFixed(0)} ms CPU more per start); ` +
        `per round shared/fresh ${cpu.shared.map((x, i) => `${x.toFixed(0)}/${cpu.fresh[i]!.toFixed(0)}`).join(' ')}`,
    );
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
console.log(`${repeat} alternating starts each; load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`);
