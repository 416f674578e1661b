import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { loadConfig } from './load.js';

const schema = z
  .object({
    log: z
      .object({
        backend: z.enum(['embedded', 'kafka']).default('embedded'),
        embedded: z
          .object({ path: z.string().default('data/log.db'), maxRecordBytes: z.number().int().default(1024) })
          .strict()
          .default({ path: 'data/log.db', maxRecordBytes: 1024 }),
      })
      .strict()
      .default({ backend: 'embedded', embedded: { path: 'data/log.db', maxRecordBytes: 1024 } }),
    brokers: z.array(z.string()).optional(),
  })
  .strict();

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('applies the schema defaults without a file', () => {
    expect(loadConfig(schema, { env: {} })).toEqual({
      log: { backend: 'embedded', embedded: { path: 'data/log.db', maxRecordBytes: 1024 } },
    });
  });

  it('lets MAKESTREAM_* variables override the file, camelCase fields included', () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'log:\n  backend: embedded\n  embedded:\n    path: a.db\n');
    const config = loadConfig(schema, {
      file,
      env: {
        MAKESTREAM_LOG__BACKEND: 'kafka',
        MAKESTREAM_LOG__EMBEDDED__MAX_RECORD_BYTES: '2048',
        MAKESTREAM_BROKERS: '[a:9092, b:9092]',
        OTHER: 'ignored',
      },
    });
    expect(config).toEqual({
      log: { backend: 'kafka', embedded: { path: 'a.db', maxRecordBytes: 2048 } },
      brokers: ['a:9092', 'b:9092'],
    });
  });

  it('names every bad field and where its value came from', () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'log:\n  backend: kafak\n  extra: 1\n');
    const attempt = () => loadConfig(schema, { file, env: { MAKESTREAM_LOG__EMBEDDED__MAX_RECORD_BYTES: 'lots' } });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain(`log.backend: Invalid option: expected one of "embedded"|"kafka" (in ${file})`);
    expect(message).toContain('log.embedded.maxRecordBytes');
    expect(message).toContain('(from MAKESTREAM_LOG__EMBEDDED__MAX_RECORD_BYTES)');
    expect(message).toMatch(/Unrecognized key: "extra"/);
  });

  it('says so when the file is missing or not YAML', () => {
    expect(() => loadConfig(schema, { file: join(dir, 'nope.yaml'), env: {} })).toThrow(
      /Config file .*nope\.yaml does not exist/,
    );
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'log: [unclosed\n');
    expect(() => loadConfig(schema, { file: bad, env: {} })).toThrow(/is not valid YAML/);
  });
});
