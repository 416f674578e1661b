import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { configuredSinks } from '../../connectors/sinks/index.js';
import { registeredProcessors } from '../../processors/index.js';
import { sinkSections } from '../../pipeline/app/pipeline.js';
import { makestreamConfigSchema } from '../../pipeline/config/makestream.js';
import { silentLogger } from '../../pipeline/telemetry/logger.js';

/** The YAML blocks of a Markdown file. */
function yamlBlocks(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

/** Every secret an example names reads as a placeholder (the examples never hold secrets). */
const placeholderSecrets = {
  env: new Proxy({}, { get: () => 'placeholder-secret' }) as Record<string, string>,
  readFile: () => '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n',
};

/** The whole-file config examples of the docs (a top-level section of the config); fragments are shown in context. */
const examples = (file: string) =>
  yamlBlocks(file)
    .map((text) => parse(text) as Record<string, unknown>)
    .filter((block) => ['log', 'sources', 'schemaStore', 'sinks'].some((key) => key in (block ?? {})));

describe('configuration examples in the docs', () => {
  it.each([['README.md'], ['docs/configuration.md'], ['infra/local/makestream.yaml']])(
    'every makestream config example in %s is valid, down to each processor and sink section',
    async (file) => {
      const whole = file.endsWith('.yaml')
        ? [parse(readFileSync(file, 'utf8')) as Record<string, unknown>]
        : examples(file);
      expect(whole.length).toBeGreaterThan(0);
      for (const example of whole) {
        const result = makestreamConfigSchema.safeParse(example);
        expect([JSON.stringify(example).slice(0, 80), result.error?.issues ?? []]).toEqual([
          JSON.stringify(example).slice(0, 80),
          [],
        ]);
        const config = result.data!;
        // Each section as its component reads it at start: parse errors name the field.
        const sections = config.processors as Record<string, unknown>;
        for (const { definition, section } of registeredProcessors) definition.parseConfig?.(sections[section]);
        const sinks = configuredSinks(sinkSections(config), { environment: placeholderSecrets, logger: silentLogger });
        expect(sinks.length).toBeGreaterThan(0);
        await Promise.all(sinks.map(({ connector }) => connector.close()));
      }
    },
  );
});
