import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { makestreamConfigSchema } from '../../pipeline/config/makestream.js';

/** The YAML blocks of a Markdown file. */
function yamlBlocks(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

describe('configuration examples in the docs', () => {
  it.each([['README.md'], ['docs/configuration.md']])('every makestream config example in %s is valid', (file) => {
    const blocks = yamlBlocks(file).map((text) => parse(text) as Record<string, unknown>);
    // Only whole-file examples (a top-level section of the config); fragments are shown in context.
    const whole = blocks.filter((block) => ['log', 'sources', 'schemaStore'].some((key) => key in (block ?? {})));
    expect(whole.length).toBeGreaterThan(0);
    for (const example of whole) {
      const result = makestreamConfigSchema.safeParse(example);
      expect([JSON.stringify(example).slice(0, 80), result.error?.issues ?? []]).toEqual([
        JSON.stringify(example).slice(0, 80),
        [],
      ]);
    }
  });
});
