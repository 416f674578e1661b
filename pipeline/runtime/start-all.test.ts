import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { silentLogger } from '../telemetry/logger.js';
import { createMetricsRegistry } from '../telemetry/metrics.js';
import { parseProcessorRuntimeConfig } from './config.js';
import { startProcessors } from './start-all.js';
import { openBackend } from './testing/backends.js';
import { executions } from './testing/executions.js';
import { appendExecutions, counterTopics, readRecords, windowCounts } from './testing/harness.js';
import { windowedCounter } from './testing/windowed-counter.js';

describe('startProcessors (embedded log)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-start-all-'));
  const backend = openBackend({
    kind: 'embedded',
    path: join(directory, 'log.db'),
    schemaPath: join(directory, 'schemas.db'),
  });
  afterAll(async () => {
    await backend.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('starts processors with their sections, runs them together and stops them', async () => {
    const a = await counterTopics(backend.log, 'start-all-a');
    const b = await counterTopics(backend.log, 'start-all-b');
    const seen: unknown[] = [];
    const withConfig = {
      ...windowedCounter(b),
      parseConfig: (raw: unknown) => {
        seen.push(raw);
        return raw;
      },
    };
    const running = await startProcessors(
      [
        { definition: windowedCounter(a), section: 'a' },
        { definition: withConfig, section: 'b' },
      ],
      {
        ...backend,
        logger: silentLogger,
        metrics: createMetricsRegistry(),
        instanceId: 'unit',
        sections: { b: { answer: 42 } },
        runtime: { ...parseProcessorRuntimeConfig({ pollTimeoutMs: 50 }) },
      },
    );
    expect(seen).toEqual([{ answer: 42 }]);
    const input = executions({ count: 60, scenarios: 2, stepMs: 1000 });
    await appendExecutions(backend.log, backend.serde, a.input, input);
    await appendExecutions(backend.log, backend.serde, b.input, input);
    const outA = windowCounts(await readRecords(backend.log, a.output, 4, { settleMs: 0 }));
    const outB = windowCounts(await readRecords(backend.log, b.output, 4, { settleMs: 0 }));
    await running.stop();
    await running.done;
    expect(outA.length).toBeGreaterThanOrEqual(4);
    expect(outB.length).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('stops the started processors when a later one cannot start', async () => {
    const a = await counterTopics(backend.log, 'start-all-c');
    await expect(
      startProcessors(
        [
          { definition: windowedCounter(a), section: 'a' },
          { definition: windowedCounter({ ...a, name: 'start-all-missing', input: 'no-such-topic' }), section: 'x' },
        ],
        {
          ...backend,
          logger: silentLogger,
          metrics: createMetricsRegistry(),
          instanceId: 'unit',
          runtime: parseProcessorRuntimeConfig({}),
        },
      ),
    ).rejects.toThrow(/no-such-topic/);
  }, 60_000);
});
