import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../../pipeline/errors/index.js';
import { effectiveLayout, parseSearchSinkConfig, resolveSearchSecrets, sinkTopics } from './config.js';

const environment = (env: Record<string, string>) => ({
  env,
  readFile: (path: string) => {
    throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' });
  },
});

describe('search sink config', () => {
  it('fills defaults: all five topics, layout by flavour, no auth', () => {
    const config = parseSearchSinkConfig({ flavour: 'opensearch', nodes: ['http://127.0.0.1:9200'] });
    expect(config).toMatchObject({ name: 'opensearch', namespace: 'default', prefix: 'makestream', replicas: 1 });
    expect(config).toMatchObject({ maxRequestDocs: 500, maxRequestsInFlight: 2, maxInFlightBatches: 1 });
    expect(config.auth).toEqual({ kind: 'none' });
    expect(effectiveLayout(config)).toBe('daily-indices');
    expect(effectiveLayout({ ...config, flavour: 'elasticsearch' })).toBe('data-stream');
    expect(sinkTopics(config).map((entry) => entry.shape)).toEqual([
      'enriched-log',
      'incident',
      'anomaly',
      'metric-window',
      'audit-event',
    ]);
  });

  it('takes renamed topics with their shape', () => {
    const config = parseSearchSinkConfig({
      flavour: 'elasticsearch',
      nodes: ['http://h:9200'],
      topics: ['make.metrics.v1', { topic: 'it.logs', shape: 'enriched-log' }],
    });
    expect(sinkTopics(config)).toEqual([
      { topic: 'make.metrics.v1', shape: 'metric-window' },
      { topic: 'it.logs', shape: 'enriched-log' },
    ]);
  });

  it('names every bad field, including API keys on OpenSearch and repeated topics', () => {
    const parse = () =>
      parseSearchSinkConfig({
        flavour: 'opensearch',
        nodes: ['not a url'],
        namespace: 'Has-Dash',
        auth: { kind: 'apiKey', apiKey: { env: 'KEY' } },
        topics: ['make.metrics.v1', 'make.metrics.v1'],
        colour: 'blue',
      });
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/sinks\.elasticsearch\.nodes\.0: an http\(s\) URL/);
    expect(parse).toThrow(/sinks\.elasticsearch\.namespace: lowercase/);
    expect(parse).toThrow(/sinks\.elasticsearch\.auth\.kind: OpenSearch has no API keys/);
    expect(parse).toThrow(/sinks\.elasticsearch\.topics: each topic may be listed once/);
    expect(parse).toThrow(/colour/);
  });

  it('reads secrets from the environment, and names the field of a missing one', () => {
    const config = parseSearchSinkConfig({
      flavour: 'elasticsearch',
      nodes: ['https://h:9200'],
      auth: { kind: 'basic', username: 'writer', password: { env: 'SEARCH_PASSWORD' } },
      tls: { ca: { file: '/nowhere/ca.pem' } },
    });
    expect(() => resolveSearchSecrets(config, environment({ SEARCH_PASSWORD: 's3cret' }))).toThrow(
      /sinks\.elasticsearch\.tls\.ca: cannot read file \/nowhere\/ca\.pem/,
    );
    const withoutCa = { ...config, tls: undefined };
    expect(resolveSearchSecrets(withoutCa, environment({ SEARCH_PASSWORD: 's3cret\n' }))).toEqual({
      password: 's3cret',
    });
    expect(() => resolveSearchSecrets(withoutCa, environment({}))).toThrow(
      /auth\.password: environment variable SEARCH_PASSWORD/,
    );
  });
});
