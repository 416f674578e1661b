/**
 * The siem processor on Kafka (+ the registry): enriched logs in, then the CEF feed read with Debian's
 * kcat as a SIEM team would (`kcat -C`), every printed line parsed and compared with the input.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../test/support/services.js';
import { kcat } from '../../test/support/tools.js';
import { silentLogger } from '../../pipeline/telemetry/logger.js';
import { createMetricsRegistry } from '../../pipeline/telemetry/metrics.js';
import { startProcessor, type RunningProcessor } from '../../pipeline/runtime/runner.js';
import { openBackend, type Backend } from '../../pipeline/runtime/testing/backends.js';
import { readRecords, uniqueName } from '../../pipeline/runtime/testing/harness.js';
import { loadSchemaCatalog } from '../../schemas/catalog.js';
import { corpus } from '../../connectors/sinks/syslog/testing.js';
import { parseCef } from '../../connectors/sinks/formats/testing/parse.js';
import { enrichedLogDocument } from '../../connectors/sinks/elasticsearch/documents.js';
import { createSiemProcessor } from './processor.js';

const run = promisify(execFile);
const COUNT = 60;

describe('siem processor on Kafka', () => {
  let backend: Backend;
  let bootstrap: string;
  let running: RunningProcessor | undefined;
  const name = uniqueName('it-siem');
  const topics = { input: `${name}.logs`, ecsTopic: `${name}.ecs`, cefTopic: `${name}.cef` };

  beforeAll(async () => {
    const kafka = await requireService('kafka');
    const registry = await requireService('registry');
    bootstrap = kafka.endpoints.bootstrap!;
    backend = openBackend({ kind: 'kafka', bootstrap, registryUrl: registry.endpoints.url! });
    await backend.log.createTopics(
      Object.values(topics).map((topic) => ({ name: topic, partitions: 2, retentionMs: -1 })),
    );
  });

  afterAll(async () => {
    await running?.stop();
    await backend?.log.deleteTopics([
      ...Object.values(topics),
      `makestream.dlq.${name}`,
      `makestream.processor.${name}.late`,
    ]);
    await backend?.close();
  });

  it('writes every record as a CEF line that kcat prints and a CEF parser reads back, and as an ECS document', async () => {
    const values = corpus(name, COUNT);
    const serde = await backend.serde.forTopic(topics.input, loadSchemaCatalog().byFile('enriched-log').text);
    const producer = await backend.log.producer();
    await producer.send(
      topics.input,
      values.map((value, index) => ({ key: `k${index % 5}`, value: serde.encode(value), timestamp: value.timestamp })),
    );
    await producer.close();

    running = await startProcessor(createSiemProcessor({ name, ...topics }), {
      log: backend.log,
      serde: backend.serde,
      logger: silentLogger,
      metrics: createMetricsRegistry(),
      instanceId: 'it-siem-1',
      maxRecords: 50,
      pollTimeoutMs: 100,
      sessionTimeoutMs: 6000,
    });
    const ecs = await readRecords(backend.log, topics.ecsTopic, COUNT);
    await readRecords(backend.log, topics.cefTopic, COUNT, { settleMs: 0 });

    const { stdout } = await run(
      await kcat(),
      [
        '-b',
        bootstrap,
        '-C',
        '-t',
        topics.cefTopic,
        '-o',
        'beginning',
        '-e',
        '-q',
        '-X',
        'isolation.level=read_committed',
        '-f',
        '%s\n',
      ],
      { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const lines = stdout.split('\n').filter((line) => line.length > 0);
    expect(lines).toHaveLength(COUNT);
    const byEventId = new Map(values.map((value) => [value.eventId, value]));
    const seen = new Set<string>();
    for (const line of lines) {
      // One JSON string per line: a CEF line's own line breaks are escaped (\n) inside it.
      const text = JSON.parse(line) as string;
      expect(text.startsWith('CEF:0|makestream|makestream|1|')).toBe(true);
      const { extension } = parseCef(text);
      const value = byEventId.get(extension.deviceExternalId!);
      expect(value).toBeDefined();
      expect(extension).toMatchObject({ msg: value!.message, cs1: value!.scenarioName, rt: String(value!.timestamp) });
      seen.add(value!.eventId);
    }
    expect(seen.size).toBe(COUNT);

    expect(ecs).toHaveLength(COUNT);
    for (const record of ecs) {
      const document = JSON.parse(record.value!.toString('utf8')) as { event: { id: string } };
      expect(document).toEqual(enrichedLogDocument(byEventId.get(document.event.id)!).source);
    }
  }, 120_000);
});
