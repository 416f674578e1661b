/**
 * HTTP SIEM sink throughput: EnrichedLog records handed to the Splunk HEC and Datadog connectors'
 * `write()` in batches, into the local stack's OpenTelemetry Collector receivers (`otelcol`:
 * HEC with and without indexer ack, Datadog intake with gzip), or with `--target fake` into the
 * in-process fakes (`fake-hec.ts`, `fake-datadog.ts`) to see the client side alone. Prints
 * events/s of the fastest round per sink.
 *
 *   node --import tsx bench/sinks/siem-http.ts [--events 20000] [--batch 500] [--repeat 3] [--target local|fake]
 *   (flags also as BENCH_EVENTS, BENCH_BATCH, BENCH_REPEAT, BENCH_TARGET)
 */
import { parseArgs } from 'node:util';
import { createDatadogSink } from '../../connectors/sinks/datadog/connector.js';
import { startFakeDatadog } from '../../connectors/sinks/datadog/fake-datadog.js';
import { createSplunkHecSink } from '../../connectors/sinks/splunk-hec/connector.js';
import { startFakeHec } from '../../connectors/sinks/splunk-hec/fake-hec.js';
import { batchOf, corpus } from '../../connectors/sinks/syslog/testing.js';
import type { SinkConnector } from '../../pipeline/sink/api.js';
import type { EnrichedLog } from '../../schemas/generated/types.js';
import { requireService } from '../../test/support/services.js';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: process.env.BENCH_EVENTS ?? '20000' },
    batch: { type: 'string', default: process.env.BENCH_BATCH ?? '500' },
    repeat: { type: 'string', default: process.env.BENCH_REPEAT ?? '3' },
    target: { type: 'string', default: process.env.BENCH_TARGET ?? 'local' },
  },
});
const events = Number(flags.events);
const batchSize = Number(flags.batch);
const repeat = Number(flags.repeat);

const token = 'bench-token';
let endpoints: Readonly<Record<string, string>>;
const closers: (() => Promise<void>)[] = [];
if (flags.target === 'fake') {
  const hec = await startFakeHec(token);
  const hecAck = await startFakeHec(token, { ack: true });
  const datadog = await startFakeDatadog(token);
  closers.push(hec.close, hecAck.close, datadog.close);
  endpoints = { hec: hec.url, hecAck: hecAck.url, hecToken: token, datadog: datadog.url };
} else {
  const found = (await requireService('otelcol')).endpoints;
  endpoints = { ...found, hecAck: found.hec! };
}
const environment = { env: { TOKEN: endpoints.hecToken!, DD_KEY: token }, readFile: () => '' };

const sinks: Record<string, () => SinkConnector<EnrichedLog>> = {
  'splunk-hec': () => createSplunkHecSink({ url: endpoints.hec!, token: { env: 'TOKEN' } }, { environment }),
  'splunk-hec (ack)': () =>
    createSplunkHecSink(
      { url: endpoints.hecAck!, token: { env: 'TOKEN' }, ack: { enabled: true, pollIntervalMs: 5 } },
      { environment },
    ),
  'datadog (gzip)': () => createDatadogSink({ url: endpoints.datadog!, apiKey: { env: 'DD_KEY' } }, { environment }),
};

const logs = corpus(`bench-${Date.now()}`, events);
const batches = Array.from({ length: Math.ceil(events / batchSize) }, (_, index) =>
  batchOf(logs.slice(index * batchSize, (index + 1) * batchSize)),
);

console.log(`target=${flags.target} events=${events} batch=${batchSize} repeat=${repeat}`);
for (const [name, make] of Object.entries(sinks)) {
  let best = 0;
  for (let round = 0; round < repeat; round += 1) {
    const sink = make();
    const started = performance.now();
    for (const batch of batches) {
      const result = await sink.write(batch);
      if (result.failures.length > 0) throw new Error(`${name}: ${result.failures.length} failures`);
    }
    const seconds = (performance.now() - started) / 1000;
    best = Math.max(best, events / seconds);
    await sink.close();
  }
  console.log(`${name.padEnd(18)} ${Math.round(best).toString().padStart(8)} events/s`);
}
for (const close of closers) await close();
