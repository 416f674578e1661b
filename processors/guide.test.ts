/**
 * Follows "Add a processor" (processors/README.md) literally: copies the template to a folder of its
 * own inside the repository, applies the renames step 2 gives, and runs the copied processor with the
 * test driver (step 5).
 */
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { ProcessorDefinition } from '../pipeline/runtime/api.js';
import { createTestDriver } from '../pipeline/runtime/test-driver.js';
import { exampleEvents } from '../schemas/examples.js';

const processors = fileURLToPath(new URL('.', import.meta.url));
const guide = readFileSync(join(processors, 'README.md'), 'utf8');
// Same depth as processors/<name>/, so the template's relative imports keep working.
const folder = join(processors, `.guide-test-${process.pid}`);

describe('the "Add a processor" guide', () => {
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('copies and renames the template into a processor whose test driver run works', async () => {
    // Step 1: copy the template.
    expect(guide).toContain('cp -r processors/_template processors/failure-alerts');
    cpSync(join(processors, '_template'), folder, { recursive: true });

    // Step 2: the renames, taken from the guide's sed command.
    const sed = /sed -i '([^']+)'/.exec(guide)?.[1];
    expect(sed).toBeDefined();
    const renames = sed!.split(';').map((command) => {
      const [, from, to] = /s\/([^/]+)\/([^/]+)\/g/.exec(command.trim())!;
      return [from!, to!] as const;
    });
    expect(renames).toEqual([
      ['my-processor', 'failure-alerts'],
      ['myProcessor', 'failureAlerts'],
      ['MyProcessor', 'FailureAlerts'],
    ]);
    for (const file of readdirSync(folder)) {
      let text = readFileSync(join(folder, file), 'utf8');
      for (const [from, to] of renames) text = text.split(from).join(to);
      writeFileSync(join(folder, file), text);
      expect(text).not.toMatch(/my-?processor/i);
    }

    // Step 5: the test driver on the renamed processor.
    const module = (await import(pathToFileURL(join(folder, 'processor.ts')).href)) as Record<string, unknown>;
    const definition = module.failureAlerts as ProcessorDefinition<unknown, unknown>;
    expect(definition.name).toBe('failure-alerts');
    const output = module.failureAlertsOutput as string;
    expect(output).toBe('makestream.failure-alerts.alerts');
    const driver = createTestDriver(definition, { config: { windowMs: 60_000, threshold: 1 }, partitions: 1 });
    const base = exampleEvents['com.makestream.v1.ScenarioExecution'];
    const start = Date.UTC(2026, 0, 1);
    driver.pipe('make.executions.raw.v1', [
      { key: '1', value: { ...base, scenarioId: 1, status: 'ERROR', timestamp: start }, timestamp: start },
      { key: '1', value: { ...base, scenarioId: 1, status: 'SUCCESS', timestamp: start + 120_000 } },
    ]);
    expect(driver.read(output).map((record) => record.value)).toEqual([
      { scenarioId: '1', windowStart: start, windowEnd: start + 60_000, failures: 1 },
    ]);
    expect(driver.deadLetters()).toEqual([]);
  });
});
