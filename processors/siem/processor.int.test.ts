/**
 * The siem processor on Kafka (+ the registry): enriched logs in, then the CEF feed read with Debian's
 * kcat as a SIEM team would (`kcat -C -f '%s\n'`): every printed line is a bare CEF line (the value's
 * bytes, no quotes), equal to the formatter's, and PyPI's pycef (a parser makestream did not write)
 * reads the header and extension fields back equal to the input.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../test/support/services.js';
import { kcat, pythonWithSiemParsers } from '../../test/support/tools.js';
import { silentLogger } from '../../pipeline/telemetry/logger.js';
import { createMetricsRegistry } from '../../pipeline/telemetry/metrics.js';
import { startProcessor, type RunningProcessor } from '../../pipeline/runtime/runner.js';
import { openBackend, type Backend } from '../../pipeline/runtime/testing/backends.js';
import { readRecords, uniqueName } from '../../pipeline/runtime/testing/harness.js';
import { loadSchemaCatalog } from '../../schemas/catalog.js';
import { corpus } from '../../connectors/sinks/syslog/testing.js';
import { enrichedLogToCef, severityOf } from '../../connectors/sinks/formats/enriched-log.js';
import { enrichedLogDocument } from '../../connectors/sinks/elasticsearch/documents.js';
import { createSiemProcessor } from './processor.js';

const run = promisify(execFile);
const COUNT = 60;

/** pycef on every line of stdin (kcat's output as bytes, no newline translation), one JSON object per line out (`null`: refused). */
const PYCEF = [
  'import json, sys, pycef',
  'for line in sys.stdin.buffer.read().decode("utf-8").split("\\n")[:-1]:',
  '    print(json.dumps(pycef.parse(line)))',
].join('\n');

/** The CEF standard's extension unescaping (pycef splits but does not unescape). */
const unescapeCefValue = (value: string): string =>
  value.replace(/\\([\\=nr])/g, (_all, character: string) =>
    character === 'n' ? '\n' : character === 'r' ? '\r' : character,
  );

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

  it('writes every record as a bare CEF line that kcat prints and pycef reads back, and as an ECS document', async () => {
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
    // Bare CEF lines: the formatter escapes line breaks, so one record prints as one line.
    expect(stdout.endsWith('\n')).toBe(true);
    const lines = stdout.slice(0, -1).split('\n');
    expect(lines).toHaveLength(COUNT);
    expect([...lines].sort()).toEqual(values.map((value) => enrichedLogToCef(value)).sort());
    expect(lines.every((line) => line.startsWith('CEF:0|makestream|makestream|1|'))).toBe(true);

    const python = await pythonWithSiemParsers();
    const parsed = await new Promise<(Record<string, string> | null)[]>((resolve, reject) => {
      const child = execFile(python, ['-c', PYCEF], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, out) =>
        error
          ? reject(error)
          : resolve(
              out
                .split('\n')
                .filter((line) => line.length > 0)
                .map((line) => JSON.parse(line) as Record<string, string> | null),
            ),
      );
      child.stdin!.end(stdout);
    });
    expect(parsed).toHaveLength(COUNT);
    const byEventId = new Map(values.map((value) => [value.eventId, value]));
    const seen = new Set<string>();
    for (const got of parsed) {
      expect(got).not.toBeNull();
      const extension = (key: string): string | undefined =>
        got![key] === undefined ? undefined : unescapeCefValue(got![key]);
      const value = byEventId.get(extension('deviceExternalId')!);
      expect(value).toBeDefined();
      expect(got).toMatchObject({
        CEFVersion: '0',
        DeviceVendor: 'makestream',
        DeviceProduct: 'makestream',
        DeviceVersion: '1',
        DeviceEventClassID: `make:${value!.kind.toLowerCase()}:${value!.status!.toLowerCase()}`,
        Severity: String(severityOf(value!)),
      });
      expect(extension('rt')).toBe(String(value!.timestamp));
      expect(extension('externalId')).toBe(value!.executionId);
      expect(extension('msg')).toBe(value!.message);
      // pycef replaces csN by its label's name.
      expect(extension('scenarioName')).toBe(value!.scenarioName);
      expect(extension('organizationName')).toBe(value!.organizationName);
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
